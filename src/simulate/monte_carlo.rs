//! Monte Carlo over random failures: how often each service's RTO and RPO hold, how long
//! outages last, how much data is lost, and what downtime costs. Pure: no I/O.
//!
//! The model, per trial over the mission time:
//! - Every site, storage, server, vm and service with failure data fails or not: with
//!   `mtbf`, at a time ~ Exponential(1 / mtbf), counted when it falls in the mission;
//!   with `fail-probability` p, with probability p at a uniformly random time. Only the
//!   first failure of a component counts.
//! - A site or server failure takes down what the recovery-time estimate says it does,
//!   for as long as it says; storage takes down the servers and vms using it; a vm or a
//!   service failing on its own is restored in place (detect + restore + boot). A
//!   service that cannot be recovered waits for the component's repair
//!   (~ Exponential(1 / mttr)), or stays down for the rest of the mission without one.
//!   A service that `needs` a lost one is down as long as it. Replicated services go
//!   down when failures together leave fewer than `quorum` hosts up.
//! - Restore throughput varies by incident: lognormal with the declared rate as median
//!   and σ = 0.25. Each restore medium fails with its backup's `fail-probability`, and
//!   the restore falls back to the previous restore point: older data, another restore.
//! - Data lost is the age of the newest surviving restore point (the RPO analysis)
//!   at the failure time, the mission starting at a random point of the schedules.
//!
//! Each trial draws from its own RNG, derived from the seed and the trial's index, and
//! statistics are integer counts merged after the threads finish: the report is the
//! same whatever the number of threads. Memory is flat in the number of trials.

mod draw;
mod model;
mod tally;
mod trial;

use crate::analysis::Context;
use crate::diagnostics::{Code, Diagnostic};
use crate::graph::Graph;
use crate::model::{Component, Plan, Seconds};
use model::Model;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use tally::{wilson, Spread, Tally};
use trial::Runner;
pub use trial::THROUGHPUT_SIGMA;

/// Trials handed to a thread at a time (and between progress reports).
const CHUNK: u64 = 256;

/// Settings of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub trials: u64,
    pub seed: u64,
    pub threads: usize,
    /// Mission time of each trial.
    pub mission: Seconds,
}

/// The result of a run; stable JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub trials: u64,
    pub seed: u64,
    pub mission: Seconds,
    /// Components with failure data: each is sampled once per trial.
    pub components: usize,
    /// `trials` × `components`.
    pub component_samples: u64,
    /// σ of the lognormal spread of restore throughput.
    pub restore_throughput_sigma: f64,
    pub plan: PlanReport,
    /// Every service, in written order.
    pub services: Vec<ServiceReport>,
    /// Components ranked by the objective misses they cause, most first (at most 20).
    pub causes: Vec<Cause>,
}

/// A probability estimated from trials, with its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Probability {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Probability {
    fn of(successes: u64, trials: u64) -> Self {
        let (low, high) = wilson(successes, trials);
        Probability {
            estimate: if trials == 0 {
                0.0
            } else {
                successes as f64 / trials as f64
            },
            low,
            high,
        }
    }
}

/// Quantiles of a duration in seconds over the trials where a service was affected.
/// `None` stands for unbounded: an outage that never ends within the mission, or all
/// data lost. Within 1/16 of the exact value (exact below 8 s); `max` is exact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantiles {
    /// Always "affected trials": the trials these figures are over.
    pub over: &'static str,
    pub trials: u64,
    pub p50: Option<Seconds>,
    pub p90: Option<Seconds>,
    pub p99: Option<Seconds>,
    pub max: Option<Seconds>,
    /// Mean of the bounded values.
    pub mean: Option<f64>,
    /// Trials with an unbounded value.
    pub unbounded: u64,
}

impl Quantiles {
    /// Over `affected` trials, those not in `spread` having a zero.
    fn of(spread: &Spread, affected: u64) -> Self {
        let zeros = affected - spread.count;
        Quantiles {
            over: "affected trials",
            trials: affected,
            p50: spread.quantile(0.5, zeros),
            p90: spread.quantile(0.9, zeros),
            p99: spread.quantile(0.99, zeros),
            max: spread.max(),
            mean: spread.mean(zeros),
            unbounded: spread.unbounded,
        }
    }
}

/// The distribution behind a [`Quantiles`], for charts: the bins of the streamed
/// histogram (8 per power of two, exact below 8 s), the zeros and the unbounded values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Histogram {
    pub bins: Vec<Bin>,
    /// Affected trials with a value of 0 (no data lost).
    pub zeros: u64,
    /// Trials with no bound: never back within the mission, or all data lost.
    pub unbounded: u64,
}

/// Values in `[low, high)` seconds, counted in `count` trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bin {
    pub low: Seconds,
    pub high: Seconds,
    pub count: u64,
}

/// The cost of downtime, per year of operation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cost {
    /// Mean over all trials.
    pub expected_per_year: f64,
    /// 99th percentile over all trials (within 1/16).
    pub p99_per_year: f64,
}

/// One service over all trials.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceReport {
    pub name: String,
    /// Probability it is down at least once during the mission.
    pub down: Probability,
    pub rto: Option<Seconds>,
    /// Probability that every outage is within the RTO.
    pub rto_holds: Option<Probability>,
    pub rpo: Option<Seconds>,
    /// Probability that every loss of data is within the RPO.
    pub rpo_holds: Option<Probability>,
    /// Its longest outage, over trials where it was down.
    pub outage: Quantiles,
    /// Its largest data loss, over trials where it was down.
    pub data_loss: Quantiles,
    /// The distribution of `outage` (for charts; not in the JSON).
    #[serde(skip)]
    pub outage_histogram: Histogram,
    /// The distribution of `data_loss` (for charts; not in the JSON).
    #[serde(skip)]
    pub data_loss_histogram: Histogram,
    /// Where it declares `downtime-cost`: money per hour, and per year.
    pub downtime_cost: Option<f64>,
    pub cost: Option<Cost>,
}

impl ServiceReport {
    /// The estimated probability that it misses its RTO or its RPO, whichever is larger.
    pub fn miss(&self) -> f64 {
        let rto = self.rto_holds.map_or(0.0, |p| 1.0 - p.estimate);
        let rpo = self.rpo_holds.map_or(0.0, |p| 1.0 - p.estimate);
        rto.max(rpo)
    }
}

impl Report {
    /// The services that were ever down: most likely to miss an objective first, then
    /// most often down, then in written order.
    pub fn services_by_risk(&self) -> Vec<&ServiceReport> {
        let mut services: Vec<&ServiceReport> = self
            .services
            .iter()
            .filter(|s| s.down.estimate > 0.0)
            .collect();
        services.sort_by(|a, b| {
            b.miss()
                .total_cmp(&a.miss())
                .then(b.down.estimate.total_cmp(&a.down.estimate))
        });
        services
    }
}

/// The plan as a whole over all trials.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    /// Probability that some service is down during the mission.
    pub down: Probability,
    /// Probability that every service with an RTO meets it (`None`: none has one).
    pub rto_holds: Option<Probability>,
    pub rpo_holds: Option<Probability>,
    /// The longest outage of any service, over trials where one was down.
    pub outage: Quantiles,
    /// The largest data loss of any service, over trials where one was down.
    pub data_loss: Quantiles,
    /// The distribution of `outage` (for charts; not in the JSON).
    #[serde(skip)]
    pub outage_histogram: Histogram,
    /// The distribution of `data_loss` (for charts; not in the JSON).
    #[serde(skip)]
    pub data_loss_histogram: Histogram,
    /// Sum over services with a `downtime-cost`.
    pub cost: Option<Cost>,
}

/// A component and the objective misses it caused (a service-trial missing its RTO or
/// RPO counts once for each, charged to the failure behind its worst outage or loss).
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    pub component: Component,
    pub name: String,
    pub misses: u64,
    pub rto_misses: u64,
    pub rpo_misses: u64,
    /// Share of all misses.
    pub share: f64,
}

/// Most component samples (trials × components with failure data) one run may draw:
/// about five minutes on two cores at the rate the benchmark asks for.
pub const MAX_COMPONENT_SAMPLES: u64 = 10_000_000_000;

/// A `limit-exceeded` diagnostic when `trials` trials of the plan would draw more than
/// [`MAX_COMPONENT_SAMPLES`]; `scenario` is the one whose `random over` asked for them.
pub fn check_budget(
    plan: &Plan,
    graph: &Graph,
    trials: u64,
    scenario: Option<crate::model::ScenarioId>,
) -> Option<Diagnostic> {
    let context = Context::new(plan, graph);
    let components = Model::build(plan, &context).components() as u64;
    let samples = trials.saturating_mul(components);
    if samples <= MAX_COMPONENT_SAMPLES {
        return None;
    }
    let mut diagnostic = Diagnostic::new(
        Code::LimitExceeded,
        format!("the Monte Carlo trials × components exceed the limit of {MAX_COMPONENT_SAMPLES}"),
    )
    .help(format!(
        "run at most {} trials with `--trials`",
        (MAX_COMPONENT_SAMPLES / components.max(1)).max(1)
    ))
    .note(format!(
        "{trials} trials × {components} components with failure data = {samples} samples"
    ));
    if let Some(id) = scenario {
        diagnostic = diagnostic.primary(
            plan.scenarios[id.index()].span,
            "this scenario asks for a Monte Carlo run",
        );
    }
    Some(diagnostic)
}

/// Run `options.trials` trials; `progress` hears the number done now and then.
pub fn run(
    plan: &Plan,
    graph: &Graph,
    options: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> Report {
    let context = Context::new(plan, graph);
    let model = Model::build(plan, &context);
    let chunks = options.trials.div_ceil(CHUNK);
    let threads = (options.threads.max(1) as u64).min(chunks.max(1)) as usize;
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let work = || {
        let mut runner = Runner::new(&model, plan, options.mission);
        let mut tally = Tally::new(&runner.has_cost(), model.sources.len());
        loop {
            let chunk = next.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks {
                break;
            }
            let start = chunk * CHUNK;
            let end = (start + CHUNK).min(options.trials);
            for trial in start..end {
                runner.run(options.seed, trial, &mut tally);
            }
            progress(done.fetch_add(end - start, Ordering::Relaxed) + end - start);
        }
        tally
    };
    let tallies: Vec<Tally> = if threads <= 1 {
        vec![work()]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a simulation thread panicked"))
                .collect()
        })
    };
    // Integer counts and sums: the merged tally is the same for any split of the trials.
    let mut tallies = tallies.into_iter();
    let mut total = tallies.next().expect("one thread at least");
    for tally in tallies {
        total.merge(&tally);
    }
    report(plan, &model, options, &total)
}

fn report(plan: &Plan, model: &Model, options: &Options, tally: &Tally) -> Report {
    let n = tally.trials;
    let year_cost = |expected_per_trial: f64, spread: &Spread| Cost {
        expected_per_year: expected_per_trial,
        p99_per_year: spread.quantile(0.99, n - spread.count).unwrap_or(0) as f64,
    };
    let annual = 365.0 * 86_400.0 / options.mission.max(1) as f64;
    let mut plan_expected = 0.0;
    let services: Vec<ServiceReport> = plan
        .services
        .iter()
        .zip(&model.slot)
        .map(|(service, &slot)| {
            let t = &tally.services[slot as usize];
            let cost = service
                .downtime_cost
                .zip(t.cost.as_ref())
                .map(|(rate, spread)| {
                    let expected = if n == 0 {
                        0.0
                    } else {
                        t.downtime as f64 / n as f64 / 3600.0 * rate * annual
                    };
                    plan_expected += expected;
                    year_cost(expected, spread)
                });
            ServiceReport {
                name: service.name.to_string(),
                down: Probability::of(t.affected, n),
                rto: service.rto,
                rto_holds: service.rto.map(|_| Probability::of(n - t.rto_misses, n)),
                rpo: service.rpo,
                rpo_holds: service.rpo.map(|_| Probability::of(n - t.rpo_misses, n)),
                outage: Quantiles::of(&t.outage, t.affected),
                data_loss: Quantiles::of(&t.data_loss, t.affected),
                outage_histogram: t.outage.histogram(t.affected - t.outage.count),
                data_loss_histogram: t.data_loss.histogram(t.affected - t.data_loss.count),
                downtime_cost: service.downtime_cost,
                cost,
            }
        })
        .collect();
    let has_cost = plan.services.iter().any(|s| s.downtime_cost.is_some());
    let p = &tally.plan;
    let plan_report = PlanReport {
        down: Probability::of(p.affected, n),
        rto_holds: plan
            .services
            .iter()
            .any(|s| s.rto.is_some())
            .then(|| Probability::of(n - p.rto_misses, n)),
        rpo_holds: plan
            .services
            .iter()
            .any(|s| s.rpo.is_some())
            .then(|| Probability::of(n - p.rpo_misses, n)),
        outage: Quantiles::of(&p.outage, p.affected),
        data_loss: Quantiles::of(&p.data_loss, p.affected),
        outage_histogram: p.outage.histogram(p.affected - p.outage.count),
        data_loss_histogram: p.data_loss.histogram(p.affected - p.data_loss.count),
        cost: has_cost.then(|| year_cost(plan_expected, &p.cost)),
    };
    let all_misses: u64 = tally.misses.iter().map(|m| m[0] + m[1]).sum();
    let mut causes: Vec<Cause> = tally
        .misses
        .iter()
        .zip(&model.sources)
        .filter(|(m, _)| m[0] + m[1] > 0)
        .map(|(m, source)| Cause {
            component: source.component,
            name: plan.component_name(source.component).to_string(),
            misses: m[0] + m[1],
            rto_misses: m[0],
            rpo_misses: m[1],
            share: (m[0] + m[1]) as f64 / all_misses as f64,
        })
        .collect();
    causes.sort_by(|a, b| {
        b.misses
            .cmp(&a.misses)
            .then_with(|| a.component.cmp(&b.component))
    });
    causes.truncate(20);
    Report {
        trials: n,
        seed: options.seed,
        mission: options.mission,
        components: model.components(),
        component_samples: n * model.components() as u64,
        restore_throughput_sigma: THROUGHPUT_SIGMA,
        plan: plan_report,
        services,
        causes,
    }
}

#[cfg(test)]
mod tests;
