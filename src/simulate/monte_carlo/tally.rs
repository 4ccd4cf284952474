//! Streaming statistics of many trials: integer counts and sums only, so merging the
//! tallies of any split of the trials gives the same numbers. Memory is flat in trials.

/// A value with no bound: an outage that never ends, or all data lost.
pub(crate) const NEVER: u64 = u64::MAX;

/// Exact bins below 8, then 8 bins per power of two (the middle is within 1/16 of a value).
const SUB_BITS: u32 = 3;
const SUB: u64 = 1 << SUB_BITS;
/// Values from 2^45 up (over a million years in seconds) share the overflow bin.
const TOP_EXP: u32 = 44;
const OVERFLOW: usize = (SUB + (TOP_EXP - SUB_BITS + 1) as u64 * SUB) as usize;
const BINS: usize = OVERFLOW + 1;

fn bin(value: u64) -> usize {
    // From 8 up, `value >> shift` is 8 + the top three bits after the leading one, and
    // each power of two moves 8 bins on; below 8 the shift is 0 and the bin the value.
    // Without branches: bins are added to in the innermost loop.
    let shift = (63 - (value | 1).leading_zeros()).max(SUB_BITS) - SUB_BITS;
    (((shift as usize) << SUB_BITS) + (value >> shift) as usize).min(OVERFLOW)
}

/// The middle of a bin.
fn representative(index: usize) -> u64 {
    if (index as u64) < SUB {
        return index as u64;
    }
    let k = index as u64 - SUB;
    let shift = k / SUB;
    let lower = (SUB + k % SUB) << shift;
    lower + (1u64 << shift) / 2
}

/// A log-scale histogram with exact count, sum and maximum of the bounded values.
/// Bins count in 32 bits to stay small in cache (they saturate past 4 billion trials).
#[derive(Debug, Clone)]
pub(crate) struct Spread {
    /// Boxed at its fixed size: no bounds to check when adding.
    counts: Box<[u32; BINS]>,
    pub count: u64,
    pub unbounded: u64,
    sum: u128,
    max: u64,
}

impl Spread {
    pub fn new() -> Self {
        Spread {
            counts: Box::new([0; BINS]),
            count: 0,
            unbounded: 0,
            sum: 0,
            max: 0,
        }
    }

    pub fn add(&mut self, value: u64) {
        self.count += 1;
        // NEVER falls in the overflow bin.
        let count = &mut self.counts[bin(value)];
        *count = count.saturating_add(1);
        if value == NEVER {
            self.unbounded += 1;
            return;
        }
        self.sum += u128::from(value);
        self.max = self.max.max(value);
    }

    pub fn merge(&mut self, other: &Spread) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a = a.saturating_add(*b);
        }
        self.count += other.count;
        self.unbounded += other.unbounded;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    /// The `q` quantile over `count` values plus `zeros` implicit zeros; `None` when it
    /// is unbounded. Values are the middle of their bin (exact below 16), never above the
    /// largest value seen.
    pub fn quantile(&self, q: f64, zeros: u64) -> Option<u64> {
        let total = self.count + zeros;
        if total == 0 {
            return Some(0);
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        if rank <= zeros {
            return Some(0);
        }
        let mut seen = zeros;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += u64::from(count);
            if seen >= rank {
                if index == OVERFLOW {
                    return if self.unbounded > 0 {
                        None
                    } else {
                        Some(self.max)
                    };
                }
                return Some(representative(index).min(self.max));
            }
        }
        Some(self.max)
    }

    /// The histogram of the values, with `zeros` implicit zeros: the non-empty bins of
    /// the bounded values, lowest first, each `[low, high)`.
    pub fn histogram(&self, zeros: u64) -> super::Histogram {
        let mut bins = Vec::new();
        for (index, &count) in self.counts.iter().enumerate() {
            let count = if index == OVERFLOW {
                u64::from(count).saturating_sub(self.unbounded)
            } else {
                u64::from(count)
            };
            if count == 0 {
                continue;
            }
            let (low, high) = if index == OVERFLOW {
                (1 << (TOP_EXP + 1), self.max.saturating_add(1))
            } else if (index as u64) < SUB {
                (index as u64, index as u64 + 1)
            } else {
                let k = index as u64 - SUB;
                let shift = k / SUB;
                let low = (SUB + k % SUB) << shift;
                (low, low + (1 << shift))
            };
            bins.push(super::Bin { low, high, count });
        }
        super::Histogram {
            bins,
            zeros,
            unbounded: self.unbounded,
        }
    }

    /// Largest value; `None` when one was unbounded.
    pub fn max(&self) -> Option<u64> {
        (self.unbounded == 0).then_some(self.max)
    }

    /// Mean of the bounded values, with `zeros` implicit zeros.
    pub fn mean(&self, zeros: u64) -> Option<f64> {
        let bounded = self.count + zeros - self.unbounded;
        (bounded > 0).then(|| self.sum as f64 / bounded as f64)
    }
}

/// One service's counts over trials. Laid out in cache lines (C order, 64-aligned):
/// what every affected trial adds to in the first two, data loss (rare) in the last.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub(crate) struct ServiceTally {
    /// Its longest outage per affected trial.
    pub outage: Spread,
    /// Trials where it was down at least once.
    pub affected: u64,
    pub rto_misses: u64,
    /// Downtime cost per trial, per year, in whole money units (affected trials only).
    pub cost: Option<Spread>,
    /// Total downtime over all trials, in seconds.
    pub downtime: u128,
    /// Its largest data loss per affected trial (zeros left out: `affected` − `count`).
    pub data_loss: Spread,
    pub rpo_misses: u64,
}

// Outage, affected and cost, downtime: two lines; data loss: a third (64-bit targets).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<ServiceTally>() == 192);

/// Plan-wide counts over trials.
#[derive(Debug, Clone)]
pub(crate) struct PlanTally {
    pub affected: u64,
    pub rto_misses: u64,
    pub rpo_misses: u64,
    pub outage: Spread,
    pub data_loss: Spread,
    /// Trials with a downtime cost, per year (trials without are implicit zeros).
    pub cost: Spread,
}

/// Everything a set of trials adds up to.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub trials: u64,
    /// Per service slot (dependency order, [`super::model::Model::slot`]).
    pub services: Vec<ServiceTally>,
    pub plan: PlanTally,
    /// Per sampled component: RTO misses and RPO misses it caused.
    pub misses: Vec<[u64; 2]>,
}

impl Tally {
    pub fn new(has_cost: &[bool], sources: usize) -> Self {
        Tally {
            trials: 0,
            services: has_cost
                .iter()
                .map(|&has_cost| ServiceTally {
                    affected: 0,
                    rto_misses: 0,
                    rpo_misses: 0,
                    outage: Spread::new(),
                    data_loss: Spread::new(),
                    downtime: 0,
                    cost: has_cost.then(Spread::new),
                })
                .collect(),
            plan: PlanTally {
                affected: 0,
                rto_misses: 0,
                rpo_misses: 0,
                outage: Spread::new(),
                data_loss: Spread::new(),
                cost: Spread::new(),
            },
            misses: vec![[0; 2]; sources],
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.trials += other.trials;
        for (a, b) in self.services.iter_mut().zip(&other.services) {
            a.affected += b.affected;
            a.rto_misses += b.rto_misses;
            a.rpo_misses += b.rpo_misses;
            a.outage.merge(&b.outage);
            a.data_loss.merge(&b.data_loss);
            a.downtime += b.downtime;
            if let (Some(x), Some(y)) = (&mut a.cost, &b.cost) {
                x.merge(y);
            }
        }
        let (a, b) = (&mut self.plan, &other.plan);
        a.affected += b.affected;
        a.rto_misses += b.rto_misses;
        a.rpo_misses += b.rpo_misses;
        a.outage.merge(&b.outage);
        a.data_loss.merge(&b.data_loss);
        a.cost.merge(&b.cost);
        for (a, b) in self.misses.iter_mut().zip(&other.misses) {
            a[0] += b[0];
            a[1] += b[1];
        }
    }
}

/// The 95% Wilson score interval of `successes` in `trials`.
pub fn wilson(successes: u64, trials: u64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    const Z: f64 = 1.959_963_984_540_054;
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denominator;
    let half = Z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 or all successes the bound is exactly 0 or 1; rounding must not cut it.
    let low = if successes == 0 {
        0.0
    } else {
        (center - half).max(0.0)
    };
    let high = if successes == trials {
        1.0
    } else {
        (center + half).min(1.0)
    };
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_values_in_order_within_a_sixteenth() {
        let mut last = 0;
        for value in (0..2_000_000u64).step_by(7).chain([1 << 40, (1 << 45) - 1]) {
            let index = bin(value);
            assert!(index >= last, "{value}");
            last = index;
            let middle = representative(index) as f64;
            assert!(
                (middle - value as f64).abs() <= value as f64 / 16.0 + 0.5,
                "{value} → {middle}"
            );
        }
        assert_eq!(bin(1 << 45), OVERFLOW);
        assert_eq!(bin(NEVER), OVERFLOW);
        for value in 0..SUB {
            assert_eq!(bin(value), value as usize);
        }
        // Every bin starts where the previous one ends.
        for index in SUB as usize..OVERFLOW {
            let k = index as u64 - SUB;
            let low = (SUB + k % SUB) << (k / SUB);
            assert_eq!((bin(low - 1), bin(low)), (index - 1, index), "{low}");
        }
        assert_eq!(bin((1 << 45) - 1), OVERFLOW - 1);
    }

    #[test]
    fn quantiles_count_implicit_zeros_and_unbounded_values() {
        let mut spread = Spread::new();
        for v in 1..=10 {
            spread.add(v);
        }
        assert_eq!(spread.quantile(0.5, 0), Some(5));
        assert_eq!(spread.quantile(1.0, 0), Some(10));
        assert_eq!(spread.quantile(0.5, 10), Some(0));
        assert_eq!(spread.quantile(0.9, 10), Some(8));
        spread.add(NEVER);
        assert_eq!(spread.quantile(1.0, 0), None);
        assert_eq!(spread.max(), None);
        assert_eq!(spread.mean(0), Some(5.5));
        assert_eq!(spread.mean(10), Some(2.75));
    }

    #[test]
    fn histogram_bins_hold_their_values() {
        let mut spread = Spread::new();
        for v in [0, 3, 3, 100, 5000, 5001, NEVER] {
            spread.add(v);
        }
        let histogram = spread.histogram(4);
        assert_eq!((histogram.zeros, histogram.unbounded), (4, 1));
        let total: u64 = histogram.bins.iter().map(|b| b.count).sum();
        assert_eq!(total, 6);
        for v in [0, 3, 100, 5000, 5001] {
            assert!(
                histogram.bins.iter().any(|b| b.low <= v && v < b.high),
                "{v}"
            );
        }
        assert!(histogram.bins.windows(2).all(|w| w[0].high <= w[1].low));
    }

    #[test]
    fn wilson_interval_is_sane() {
        // Contains the estimate, stays inside [0, 1], narrows with more trials.
        for &(k, n) in &[(0, 10), (10, 10), (5, 10), (1, 1000), (500, 1000)] {
            let (low, high) = wilson(k, n);
            let p = k as f64 / n as f64;
            assert!(low <= p && p <= high && (0.0..=1.0).contains(&low) && high <= 1.0);
        }
        let (a, b) = wilson(50, 100);
        let (c, d) = wilson(5000, 10_000);
        assert!(d - c < b - a);
        // Textbook value: 0 of 10 gives [0, 0.2775].
        let (low, high) = wilson(0, 10);
        assert!(low == 0.0 && (high - 0.2775).abs() < 1e-3, "{high}");
        // 50 of 100: [0.4038, 0.5962].
        assert!(
            (a - 0.4038).abs() < 1e-3 && (b - 0.5962).abs() < 1e-3,
            "{a} {b}"
        );
    }
}
