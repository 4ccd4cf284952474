//! One trial: draw which components fail and when, realize each failure's outages and
//! data loss, and add the trial to a tally. Owns the per-trial RNG derivation.

use super::model::{Effect, HitKind, Model, Point, ALL, NONE};
use super::tally::{Tally, NEVER};
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use rand_pcg::Pcg64Mcg;

/// Spread of restore throughput between incidents: lognormal with the declared rate as
/// its median and this σ (one σ is about ±28%).
pub const THROUGHPUT_SIGMA: f64 = 0.25;
/// The mission starts at a uniformly random moment of a 28-day cycle, so a failure
/// falls at a uniformly random point of every backup schedule that divides 28 days.
const CYCLE: f64 = 28.0 * 86_400.0;
const YEAR: f64 = 365.0 * 86_400.0;

/// SplitMix64's finalizer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The RNG of one trial: a function of the seed and the trial's index only.
pub(crate) fn trial_rng(seed: u64, trial: u64) -> Pcg64Mcg {
    let a = mix(seed.wrapping_add(0x9e37_79b9_7f4a_7c15));
    let b = mix(a ^ trial.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let c = mix(b.wrapping_add(0x9e37_79b9_7f4a_7c15));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&b.to_le_bytes());
    bytes[8..].copy_from_slice(&c.to_le_bytes());
    Pcg64Mcg::from_seed(bytes)
}

/// The u64 below which a uniform draw has probability `p`; certainty is `u64::MAX`
/// (off by 2⁻⁶⁴).
fn threshold(p: f64) -> u64 {
    if p >= 1.0 {
        u64::MAX
    } else if p > 0.0 {
        (p * 18_446_744_073_709_551_616.0) as u64
    } else {
        0
    }
}

/// A service's state within one trial (its outage is in [`Runner::outages`]). All zero
/// for a service the trial has not touched: `fold` resets the ones it touched.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    is_touched: bool,
    /// Lost by a failure itself (not only through a need).
    is_direct: bool,
    /// Causes are read only beside a value above zero, which set them this trial.
    outage_cause: u32,
    data_loss: u64,
    data_loss_cause: u32,
    /// Sum of its outages, for the cost of downtime.
    downtime: u64,
}

/// What `fold` measures a service's trial against, read together.
#[derive(Debug, Clone, Copy)]
struct Objectives {
    /// [`NEVER`] without one: no outage or loss is longer.
    rto: u64,
    rpo: u64,
    /// Downtime cost per second, per year of mission.
    cost_rate: Option<f64>,
}

/// Per-thread scratch space and the fixed inputs of every trial. Services are known by
/// their slots ([`Model`]).
pub(super) struct Runner<'m> {
    model: &'m Model,
    mission: f64,
    objectives: Vec<Objectives>,
    throughput: LogNormal<f64>,
    /// Per source: the probability that it fails within the mission, and the raw u64
    /// draw below which it does.
    within: Vec<f64>,
    thresholds: Vec<u64>,
    states: Vec<State>,
    /// Each service's longest outage this trial, apart from the rest of its state so
    /// that `pull`, which reads the outages of every need, stays in a small array.
    outages: Vec<u64>,
    /// The services touched this trial, in order: `touched[..touched_len]`. A service
    /// is touched once a trial, so one entry each is enough and the list never grows
    /// (a growth path in `touch`, inlined in the hot loops, costs them registers).
    touched: Box<[u32]>,
    touched_len: usize,
    /// Scratch space of `propagate`, kept between trials: the slots reached from the
    /// touched ones, as a set (one bit each), and the depth-first search's stack.
    reached: Vec<u64>,
    stack: Vec<u32>,
    /// Failures of this trial: source and time.
    failures: Vec<(u32, f64)>,
    /// When each source failed this trial (infinite: it did not).
    failed_at: Vec<f64>,
    replica_seen: Vec<bool>,
}

impl<'m> Runner<'m> {
    pub fn new(
        model: &'m Model,
        plan: &crate::model::Plan,
        mission: crate::model::Seconds,
    ) -> Self {
        let mission_f = mission.max(1) as f64;
        Runner {
            model,
            mission: mission_f,
            objectives: model
                .order
                .iter()
                .map(|&s| &plan.services[s as usize])
                .map(|s| Objectives {
                    rto: s.rto.unwrap_or(NEVER),
                    rpo: s.rpo.unwrap_or(NEVER),
                    cost_rate: s.downtime_cost.map(|c| c / 3600.0 * YEAR / mission_f),
                })
                .collect(),
            throughput: LogNormal::new(0.0, THROUGHPUT_SIGMA).expect("valid σ"),
            within: model.laws.iter().map(|law| law.within(mission_f)).collect(),
            thresholds: model
                .laws
                .iter()
                .map(|law| threshold(law.within(mission_f)))
                .collect(),
            states: vec![State::default(); plan.services.len()],
            outages: vec![0; plan.services.len()],
            touched: vec![0; plan.services.len()].into_boxed_slice(),
            touched_len: 0,
            reached: vec![0; plan.services.len().div_ceil(64)],
            stack: Vec::new(),
            failures: Vec::new(),
            failed_at: vec![f64::INFINITY; model.sources.len()],
            replica_seen: vec![false; model.replicas.len()],
        }
    }

    /// Per slot, whether its service has a downtime cost.
    pub fn has_cost(&self) -> Vec<bool> {
        self.objectives
            .iter()
            .map(|o| o.cost_rate.is_some())
            .collect()
    }

    /// Run one trial and add it to `tally`.
    pub fn run(&mut self, seed: u64, trial: u64, tally: &mut Tally) {
        let mut rng = trial_rng(seed, trial);
        let phase = rng.random::<f64>() * CYCLE;
        let model = self.model;
        // One raw draw per component decides whether it fails within the mission; the
        // time is drawn only for the few that do. Same law as drawing every time.
        // The draws come from a copy of the RNG that is never lent out, so that it
        // stays in registers (the trial's RNG is lent, and lives in memory), and a
        // failure is handled out of line, which leaves the loop its registers.
        let mut draws = rng.clone();
        let thresholds = std::mem::take(&mut self.thresholds);
        for (k, &threshold) in thresholds.iter().enumerate() {
            if draws.next_u64() < threshold {
                draws = self.fails(k, draws);
            }
        }
        self.thresholds = thresholds;
        rng = draws;
        for i in 0..self.failures.len() {
            let (k, at) = self.failures[i];
            self.failed_at[k as usize] = at;
            let effect = &model.sources[k as usize].effect;
            let repair = match model.sources[k as usize].repair {
                Some(exp) if effect.has_repair => Some(exp.sample(&mut rng)),
                _ => None,
            };
            self.realize(effect, k, at, phase, repair, &mut rng);
        }
        self.combine(phase, &mut rng);
        self.propagate();
        self.fold(tally);
        for &(k, _) in &self.failures {
            self.failed_at[k as usize] = f64::INFINITY;
        }
        self.failures.clear();
    }

    /// Source `k` fails this trial: draw when. Takes and gives back the sampling RNG
    /// by value, so that it stays in registers in the sampling loop.
    #[cold]
    #[inline(never)]
    fn fails(&mut self, k: usize, mut draws: Pcg64Mcg) -> Pcg64Mcg {
        let u = draws.random::<f64>();
        let at = self.model.laws[k].time_given(self.mission, self.within[k], u);
        self.failures.push((k as u32, at));
        draws
    }

    /// Replicated services that several failures together leave below quorum.
    fn combine(&mut self, phase: f64, rng: &mut Pcg64Mcg) {
        let model = self.model;
        let mut seen = Vec::new();
        for i in 0..self.failures.len() {
            let (k, _) = self.failures[i];
            for &r in &model.sources[k as usize].replicated {
                if std::mem::replace(&mut self.replica_seen[r as usize], true) {
                    continue;
                }
                seen.push(r);
                let replica = &model.replicas[r as usize];
                if self.states[replica.service as usize].is_direct {
                    continue;
                }
                // When each host went down, and which failure took it down.
                let mut down: Vec<(f64, u32)> = replica
                    .hosts
                    .iter()
                    .filter_map(|sources| {
                        sources
                            .iter()
                            .map(|&s| (self.failed_at[s as usize], s))
                            .filter(|&(at, _)| at.is_finite())
                            .min_by(|a, b| a.0.total_cmp(&b.0))
                    })
                    .collect();
                let hosts = replica.hosts.len() as u64;
                if (hosts - down.len() as u64) >= replica.quorum {
                    continue;
                }
                down.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let breaking = (hosts + 1).saturating_sub(replica.quorum).max(1) as usize;
                let (at, cause) = down[breaking.min(down.len()) - 1];
                self.realize(&model.combined[r as usize], cause, at, phase, None, rng);
            }
        }
        for r in seen {
            self.replica_seen[r as usize] = false;
        }
    }

    /// Draw the outage and data loss of every service one failure takes down.
    fn realize(
        &mut self,
        effect: &Effect,
        cause: u32,
        at: f64,
        phase: f64,
        repair: Option<f64>,
        rng: &mut Pcg64Mcg,
    ) {
        let factor = if effect.has_restore {
            self.throughput.sample(rng)
        } else {
            1.0
        };
        // Services this failure moves onto a standby that can fail in use: (standby,
        // service, when it is back on it).
        let mut on_standby: Vec<(u32, u32, f64)> = Vec::new();
        for hit in &effect.hits {
            let (fixed, factor) = match hit.varying {
                NONE => (hit.fixed, factor),
                index => self.model.variations[index as usize].sample(hit.fixed, factor, rng),
            };
            let (outage, data_loss) = match hit.kind {
                HitKind::Timed => {
                    let mut outage =
                        fixed.saturating_add((hit.scaled as f64 * factor + 0.5) as u64);
                    let data_loss = match hit.point {
                        NONE => 0,
                        ALL => NEVER,
                        index => {
                            let point = &self.model.points[index as usize];
                            let (age, fallbacks) = sample_point(point, at + phase, rng);
                            let redo = (hit.restore as f64 * factor + 0.5) as u64;
                            outage = outage.saturating_add(redo.saturating_mul(fallbacks));
                            age
                        }
                    };
                    if hit.standby != NONE {
                        on_standby.push((hit.standby, hit.service, at + outage as f64));
                    }
                    (outage, data_loss)
                }
                HitKind::Repair => (
                    repair.map_or(NEVER, |r| fixed.saturating_add((r + 0.5) as u64)),
                    if hit.point == ALL { NEVER } else { 0 },
                ),
            };
            self.record(hit.service, outage, data_loss, cause, at);
        }
        if !on_standby.is_empty() {
            self.standby_fails(&mut on_standby, cause, at, repair, rng);
        }
    }

    /// Services running on a standby until their own hardware is repaired lose it again
    /// if the standby fails in use: down until the repair, or for good without `mttr`.
    /// One standby is one machine: its life is drawn once per incident and starts when
    /// the first service is back on it (a cold standby does not age while off), so two
    /// losses within the mission follow the Erlang law.
    fn standby_fails(
        &mut self,
        on_standby: &mut [(u32, u32, f64)],
        cause: u32,
        at: f64,
        mut repair: Option<f64>,
        rng: &mut Pcg64Mcg,
    ) {
        on_standby.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.total_cmp(&b.2)));
        for group in on_standby.chunk_by(|a, b| a.0 == b.0) {
            let rate = self.model.standby_rates[group[0].0 as usize];
            let in_use = group[0].2;
            if rate <= 0.0 || in_use >= self.mission {
                continue;
            }
            let life: f64 = rand_distr::Exp1.sample(rng);
            let fails = in_use + life / rate;
            if fails >= self.mission {
                continue;
            }
            if repair.is_none() {
                repair = self.model.sources[cause as usize]
                    .repair
                    .map(|exp| exp.sample(rng));
            }
            let second = match repair {
                None => NEVER,
                Some(r) if at + r > fails => (at + r - fails + 0.5) as u64,
                Some(_) => continue,
            };
            for &(_, service, back) in group {
                if back < fails {
                    self.record(service, second, 0, cause, fails);
                }
            }
        }
    }

    /// Mark a service touched this trial.
    fn touch(&mut self, service: u32) -> &mut State {
        let state = &mut self.states[service as usize];
        if !state.is_touched {
            state.is_touched = true;
            self.touched[self.touched_len] = service;
            self.touched_len += 1;
        }
        state
    }

    fn record(&mut self, service: u32, outage: u64, data_loss: u64, cause: u32, at: f64) {
        let mission = self.mission;
        let longest = &mut self.outages[service as usize];
        let is_longer = outage > *longest;
        if is_longer {
            *longest = outage;
        }
        let state = self.touch(service);
        state.is_direct = true;
        if is_longer {
            state.outage_cause = cause;
        }
        if data_loss > state.data_loss {
            state.data_loss = data_loss;
            state.data_loss_cause = cause;
        }
        let downtime = if outage == NEVER {
            rest_of_mission(mission, at)
        } else {
            outage
        };
        state.downtime = state.downtime.saturating_add(downtime);
    }

    /// A service that needs a down one is down as long as it (its longest outage, its
    /// downtime), and loses no data of its own. Walks every service in dependency order
    /// when many are down, else only those reachable from the down ones.
    fn propagate(&mut self) {
        let model = self.model;
        if self.touched_len == 0 || model.dependents.iter().all(Vec::is_empty) {
            return;
        }
        if self.touched_len * 16 >= model.order.len() {
            for pull in &model.walk {
                let needs = &model.needs[pull.start as usize..pull.end as usize];
                self.pull(pull.service, needs);
            }
            return;
        }
        self.propagate_from_touched();
    }

    /// `propagate` through the services reachable from the touched ones.
    // Out of line: the walk of every service stays lean where it is inlined.
    #[inline(never)]
    fn propagate_from_touched(&mut self) {
        let model = self.model;
        let mut stack = std::mem::take(&mut self.stack);
        stack.extend_from_slice(&self.touched[..self.touched_len]);
        while let Some(s) = stack.pop() {
            for &d in &model.dependents[s as usize] {
                let (word, bit) = (d as usize / 64, 1 << (d % 64));
                if self.reached[word] & bit == 0 {
                    self.reached[word] |= bit;
                    stack.push(d);
                }
            }
        }
        self.stack = stack;
        // In slot order, which is dependency order: the set needs no sorting.
        for word in 0..self.reached.len() {
            let mut bits = std::mem::take(&mut self.reached[word]);
            while bits != 0 {
                let s = (word * 64) as u32 + bits.trailing_zeros();
                bits &= bits - 1;
                self.pull(s, model.needs_of(s));
            }
        }
    }

    /// Take on the outage of the longest-down need (the first of the longest).
    // Inlined: the walk of every service calls it for each (a call costs what it does).
    #[inline(always)]
    fn pull(&mut self, service: u32, needs: &[u32]) {
        let (mut worst, mut longest) = (0, 0);
        for &need in needs {
            let outage = self.outages[need as usize];
            if outage > longest {
                (worst, longest) = (need, outage);
            }
        }
        if longest == 0 {
            return;
        }
        let need = self.states[worst as usize];
        let is_longer = longest > self.outages[service as usize];
        if is_longer {
            self.outages[service as usize] = longest;
        }
        let state = self.touch(service);
        if is_longer {
            state.outage_cause = need.outage_cause;
        }
        state.downtime = state.downtime.max(need.downtime);
    }

    /// Add the trial's per-service results to the tally and reset them.
    fn fold(&mut self, tally: &mut Tally) {
        tally.trials += 1;
        let mut plan_outage = 0;
        let mut plan_data_loss = 0;
        let mut plan_cost = 0.0;
        let (mut rto_missed, mut rpo_missed) = (false, false);
        for &s in &self.touched[..self.touched_len] {
            let s = s as usize;
            let state = std::mem::take(&mut self.states[s]);
            let outage = std::mem::take(&mut self.outages[s]);
            let t = &mut tally.services[s];
            t.affected += 1;
            t.outage.add(outage);
            // No data lost is the common case: zeros are implicit (affected − count).
            if state.data_loss > 0 {
                t.data_loss.add(state.data_loss);
            }
            t.downtime += u128::from(state.downtime);
            let objectives = self.objectives[s];
            if outage > objectives.rto {
                t.rto_misses += 1;
                tally.misses[state.outage_cause as usize][0] += 1;
                rto_missed = true;
            }
            if state.data_loss > objectives.rpo {
                t.rpo_misses += 1;
                tally.misses[state.data_loss_cause as usize][1] += 1;
                rpo_missed = true;
            }
            if let (Some(rate), Some(cost)) = (objectives.cost_rate, &mut t.cost) {
                let value = state.downtime as f64 * rate;
                if value >= 0.5 {
                    cost.add(round(value));
                }
                plan_cost += value;
            }
            plan_outage = plan_outage.max(outage);
            plan_data_loss = plan_data_loss.max(state.data_loss);
        }
        if self.touched_len > 0 {
            let plan = &mut tally.plan;
            plan.affected += 1;
            plan.outage.add(plan_outage);
            if plan_data_loss > 0 {
                plan.data_loss.add(plan_data_loss);
            }
            plan.rto_misses += u64::from(rto_missed);
            plan.rpo_misses += u64::from(rpo_missed);
            if plan_cost >= 0.5 {
                plan.cost.add(round(plan_cost));
            }
        }
        self.touched_len = 0;
    }
}

/// The downtime of an outage that never ends: until the end of the mission.
// Out of line, so that the compiler does not compute it ahead for every hit.
#[cold]
#[inline(never)]
fn rest_of_mission(mission: f64, at: f64) -> u64 {
    (mission - at).max(0.0) as u64
}

/// Age of the restore point a failure at `clock` (seconds into the schedule cycle)
/// restores from, and how many media failed to restore before it (each one falls back
/// a `step` further); every kept point failing loses all data.
fn sample_point(point: &Point, clock: f64, rng: &mut Pcg64Mcg) -> (u64, u64) {
    let since = |every: f64, t: f64| modulo(t - point.at, every);
    let age = if point.carried > 0.0 && !point.is_rotated {
        // The copy off site left `gone` ago, holding the point written before it left.
        let gone = modulo(clock, point.carried);
        gone + since(point.every, clock - gone)
    } else if point.is_rotated {
        since(point.every.max(point.carried), clock)
    } else {
        since(point.every, clock)
    };
    let fallbacks = point.fallbacks.map_or(0, |g| g.sample(rng));
    if fallbacks >= point.kept {
        return (NEVER, point.kept);
    }
    let age = age + fallbacks as f64 * point.step;
    ((age + 0.5) as u64, fallbacks)
}

/// `x` mod `m` in [0, m), without the slow exact `fmod`.
fn modulo(x: f64, m: f64) -> f64 {
    (x - m * floor(x / m)).clamp(0.0, m)
}

// Baseline x86-64 has no rounding instruction (SSE4.1), so `f64::round` and
// `f64::floor` are calls into a software libm; the two below are exact and inline.

/// `value.round() as u64`, for `value` ≥ 0.5: the integer part, plus one when the rest
/// is a half or more (subtracting a float's integer part is exact).
fn round(value: f64) -> u64 {
    if value < 9_223_372_036_854_775_808.0 {
        let whole = value as i64;
        (whole + i64::from(value - whole as f64 >= 0.5)) as u64
    } else {
        value.round() as u64
    }
}

/// `q.floor()`, bit for bit (the sign of a zero included).
fn floor(q: f64) -> f64 {
    if q.abs() < 4_503_599_627_370_496.0 {
        // Below 2⁵² the conversion truncates exactly.
        let whole = q as i64 as f64;
        if whole > q {
            whole - 1.0
        } else {
            whole.copysign(q)
        }
    } else {
        q.floor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values around the edges of both helpers, and many random ones at every scale.
    fn samples() -> Vec<f64> {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.499_999_999_999_999_94,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9_007_199_254_740_993.0,
            1.8e19,
            1.9e19,
            1e300,
            f64::MAX,
            f64::INFINITY,
            f64::MIN_POSITIVE,
            1e-320,
        ];
        let mut rng = trial_rng(1, 2);
        for _ in 0..100_000 {
            let scale = 2f64.powi(rng.random_range(-10..70));
            values.push(rng.random::<f64>() * scale);
            values.push(rng.random_range(0..1_000_000u64) as f64 / 8.0);
        }
        let negatives: Vec<f64> = values.iter().map(|v| -v).collect();
        values.extend(negatives);
        values.extend([f64::NAN, f64::NEG_INFINITY]);
        values
    }

    #[test]
    fn round_is_std_round_above_a_half() {
        for v in samples().into_iter().filter(|&v| v >= 0.5) {
            assert_eq!(round(v), v.round() as u64, "{v:e}");
        }
    }

    #[test]
    fn floor_is_std_floor_bit_for_bit() {
        for v in samples() {
            assert_eq!(floor(v).to_bits(), v.floor().to_bits(), "{v:e}");
        }
    }
}
