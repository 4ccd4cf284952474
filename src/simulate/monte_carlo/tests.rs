//! Textbook checks of the Monte Carlo estimates, and determinism.

use super::*;

fn compile(text: &str) -> crate::Compiled {
    let compiled = crate::compile(crate::load::load_text("test.dr", text));
    // Safety rules may object (no owner, untested backups): the model is what matters.
    let is_resolved = !compiled.diagnostics.iter().any(|d| {
        d.is_error()
            && matches!(
                d.code,
                crate::diagnostics::Code::UnknownReference
                    | crate::diagnostics::Code::DependencyCycle
            )
    });
    assert!(
        compiled.plan.is_some() && is_resolved,
        "{:#?}",
        compiled.diagnostics
    );
    compiled
}

fn simulate(text: &str, trials: u64, mission: Seconds, threads: usize) -> Report {
    let compiled = compile(text);
    let options = Options {
        trials,
        seed: 7,
        threads,
        mission,
    };
    run(
        compiled.plan.as_ref().expect("plan"),
        compiled.graph.as_ref().expect("graph"),
        &options,
        &|_| {},
    )
}

fn service<'r>(report: &'r Report, name: &str) -> &'r ServiceReport {
    report.services.iter().find(|s| s.name == name).expect(name)
}

/// The acceptance bound for an estimate of `p` from `n` trials.
fn assert_close(estimate: f64, p: f64, n: u64) {
    let tolerance = 3.5 * (p * (1.0 - p) / n as f64).sqrt() + 0.002;
    assert!(
        (estimate - p).abs() <= tolerance,
        "estimate {estimate} vs exact {p} (tolerance {tolerance})"
    );
}

const DAY: Seconds = 86_400;
const YEAR: Seconds = 365 * DAY;
const N: u64 = 20_000;

#[test]
fn a_single_component_fails_with_its_probability() {
    let report = simulate(
        "plan p { }
         server a { fail-probability 3% }
         service s { on a }
         standby spare { covers a }",
        N,
        YEAR,
        2,
    );
    assert_close(service(&report, "s").down.estimate, 0.03, N);
    assert_eq!(report.components, 1);
    assert_eq!(report.component_samples, N);
}

#[test]
fn a_rate_fails_within_the_mission_with_one_minus_e_to_the_minus_t_over_mtbf() {
    let report = simulate(
        "plan p { }
         server a { mtbf 4y }
         service s { on a }
         standby spare { covers a }",
        N,
        YEAR,
        2,
    );
    let exact = 1.0 - (-0.25f64).exp();
    assert_close(service(&report, "s").down.estimate, exact, N);
}

#[test]
fn series_needs_both_and_parallel_needs_either() {
    let report = simulate(
        "plan p { }
         server a { fail-probability 10% }
         server b { fail-probability 20% }
         service db { on b }
         service app { on a  needs db }
         service pair { on a, b  quorum 1 of 2 }
         standby spare { covers a, b }",
        N,
        YEAR,
        2,
    );
    assert_close(service(&report, "db").down.estimate, 0.2, N);
    assert_close(service(&report, "app").down.estimate, 1.0 - 0.9 * 0.8, N);
    assert_close(service(&report, "pair").down.estimate, 0.1 * 0.2, N);
}

#[test]
fn expected_data_loss_of_a_periodic_backup_is_half_its_interval() {
    let report = simulate(
        "plan p { detect 0s }
         site vault { kind vault }
         server a { fail-probability 100% }
         service s { on a  data 1GB }
         backup nightly { of s  full every 1d at 01:00  to vault }
         standby spare { covers a }",
        N,
        YEAR,
        2,
    );
    let loss = service(&report, "s").data_loss;
    let mean = loss.mean.expect("bounded");
    // Uniform on [0, 1d): mean 12h, standard error 1d / sqrt(12 N).
    let tolerance = 3.5 * DAY as f64 / (12.0 * N as f64).sqrt();
    assert!((mean - DAY as f64 / 2.0).abs() < tolerance, "{mean}");
    let p50 = loss.p50.expect("bounded") as f64;
    assert!((p50 - DAY as f64 / 2.0).abs() < DAY as f64 * 0.04, "{p50}");
    assert!(loss.max.expect("bounded") < DAY);
}

#[test]
fn a_failed_medium_falls_back_to_the_previous_restore_point() {
    // Media fail half the time: E[fallbacks] = 1, so E[loss] = 12h + 1d; each fallback
    // repeats the 1h restore.
    let report = simulate(
        "plan p { detect 0s }
         site vault { kind vault }
         server a { fail-probability 100% }
         service s { on a  data 1GB  restore-time 1h  boot 0s }
         backup nightly { of s  full every 1d  to vault  fail-probability 50% }
         standby spare { covers a }",
        N,
        YEAR,
        2,
    );
    let s = service(&report, "s");
    let mean = s.data_loss.mean.expect("bounded");
    assert!(
        (mean - 1.5 * DAY as f64).abs() < 0.05 * DAY as f64,
        "{mean}"
    );
    let outage = s.outage.mean.expect("bounded");
    // Restore 1h × lognormal(0, 0.25) (mean e^(σ²/2)) × (1 + E[fallbacks]).
    let expected = 3600.0 * (THROUGHPUT_SIGMA * THROUGHPUT_SIGMA / 2.0).exp() * 2.0;
    assert!(
        (outage - expected).abs() < 0.05 * expected,
        "{outage} {expected}"
    );
}

#[test]
fn rto_holds_when_the_outage_fits() {
    // Standby ready in 2h > rto 1h: every failure misses the RTO.
    let report = simulate(
        "plan p { }
         server a { fail-probability 10% }
         service s { on a  rto 1h }
         standby slow { ready-in 2h  covers a }",
        N,
        YEAR,
        2,
    );
    let s = service(&report, "s");
    let holds = s.rto_holds.expect("rto");
    assert_close(holds.estimate, 0.9, N);
    assert!(holds.low <= holds.estimate && holds.estimate <= holds.high);
    assert_eq!(report.causes.len(), 1);
    assert_eq!(report.causes[0].name, "a");
    assert_eq!(
        report.causes[0].rto_misses,
        N - (holds.estimate * N as f64) as u64
    );
}

#[test]
fn no_standby_and_no_repair_means_down_for_the_rest_of_the_mission() {
    let report = simulate(
        "plan p { }
         server a { fail-probability 100% }
         server b { fail-probability 100%  mttr 4h }
         service s { on a  downtime-cost 100/h }
         service t { on b }",
        2_000,
        YEAR,
        1,
    );
    let s = service(&report, "s");
    assert_eq!(s.outage.max, None);
    assert_eq!(s.outage.unbounded, 2_000);
    // Down from a uniform time to the end of a year: half a year on average.
    let cost = s.cost.expect("cost").expected_per_year;
    let half_year = 100.0 * 365.0 * 24.0 / 2.0;
    assert!((cost - half_year).abs() < 0.05 * half_year, "{cost}");
    let t = service(&report, "t");
    let mean = t.outage.mean.expect("repaired");
    // detect 15m + Exponential(mean 4h).
    assert!(
        (mean - (900.0 + 4.0 * 3600.0)).abs() < 0.1 * 4.0 * 3600.0,
        "{mean}"
    );
}

#[test]
fn the_report_is_the_same_whatever_the_threads() {
    let text = "plan p { rto 4h  rpo 1d }
        site hq { kind office  fail-probability 1% }
        site vault { kind vault }
        storage arr { kind array  site hq  fail-probability 2% }
        server a { site hq  storage arr  hypervisor esxi  mtbf 3y  mttr 1d }
        server b { site hq  mtbf 5y }
        vm v { on a  fail-probability 5% }
        service db { on v  data 50GB  downtime-cost 1000/h  fail-probability 1% }
        service web { on b, a  quorum 1 of 2  needs db  downtime-cost 200/h }
        backup nightly { of db  full every 1d  incremental every 1h  to vault  fail-probability 3% }
        standby truck { ready-in 1d  covers hq }";
    let one = serde_json::to_string(&simulate(text, 3_000, YEAR, 1)).unwrap();
    let four = serde_json::to_string(&simulate(text, 3_000, YEAR, 4)).unwrap();
    assert_eq!(one, four);
    let other_seed = {
        let compiled = compile(text);
        let options = Options {
            trials: 3_000,
            seed: 8,
            threads: 2,
            mission: YEAR,
        };
        let report = run(
            compiled.plan.as_ref().unwrap(),
            compiled.graph.as_ref().unwrap(),
            &options,
            &|_| {},
        );
        serde_json::to_string(&report).unwrap()
    };
    assert_ne!(one, other_seed);
}

#[test]
fn progress_reaches_the_number_of_trials() {
    let compiled = compile("plan p { }  server a { mtbf 1y }  service s { on a }");
    let last = AtomicU64::new(0);
    let options = Options {
        trials: 1_000,
        seed: 1,
        threads: 3,
        mission: YEAR,
    };
    run(
        compiled.plan.as_ref().unwrap(),
        compiled.graph.as_ref().unwrap(),
        &options,
        &|done| {
            last.fetch_max(done, Ordering::Relaxed);
        },
    );
    assert_eq!(last.load(Ordering::Relaxed), 1_000);
}

/// A rate's failure time, given that it falls in the mission, inverts the truncated
/// exponential's CDF: (1 − e^(−λt)) / (1 − e^(−λT)) = u.
#[test]
fn a_rate_fails_within_the_mission_by_the_truncated_exponential() {
    let rate = 1.0 / (3.0 * 365.0 * 86_400.0);
    let mission = 365.0 * 86_400.0;
    let law = super::model::Law::Rate(rate);
    let p = law.within(mission);
    assert!((p - (1.0 - (-1.0f64 / 3.0).exp())).abs() < 1e-12);
    for u in [0.0, 0.1, 0.5, 0.9, 0.999] {
        let t = law.time_within(mission, u);
        assert!((0.0..mission).contains(&t), "{t}");
        let cdf = (1.0 - (-rate * t).exp()) / p;
        assert!((cdf - u).abs() < 1e-9, "u {u}: cdf {cdf}");
    }
}
