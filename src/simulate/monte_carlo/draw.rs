//! Durations that vary between incidents: a plan's `uniform`, `triangular` and
//! `lognormal` spreads as samplers, and the parts of one hit that vary.

use crate::model::Spread;
use rand::distr::Uniform;
use rand::Rng;
use rand_distr::{Distribution, LogNormal, Triangular};

/// A sampler of seconds for one spread.
#[derive(Debug, Clone, Copy)]
pub(super) enum Draw {
    Uniform(Uniform<f64>),
    Triangular(Triangular<f64>),
    LogNormal(LogNormal<f64>),
}

impl Draw {
    /// The sampler of a spread; `None` for a degenerate one (the parser rejects those).
    pub fn of(spread: Spread) -> Option<Draw> {
        match spread {
            Spread::Uniform { low, high } => Uniform::new(low as f64, high as f64)
                .ok()
                .map(Draw::Uniform),
            Spread::Triangular { low, mode, high } => {
                Triangular::new(low as f64, high as f64, mode as f64)
                    .ok()
                    .map(Draw::Triangular)
            }
            Spread::LogNormal { median, .. } => {
                LogNormal::new((median.max(1) as f64).ln(), spread.log_sigma())
                    .ok()
                    .map(Draw::LogNormal)
            }
        }
    }

    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Draw::Uniform(d) => d.sample(rng),
            Draw::Triangular(d) => d.sample(rng),
            Draw::LogNormal(d) => d.sample(rng),
        }
    }
}

/// One varying duration and the nominal value the estimate put in its place.
#[derive(Debug, Clone, Copy)]
pub(super) struct Varying {
    pub nominal: f64,
    pub draw: Draw,
}

impl Varying {
    pub fn of(spread: Option<Spread>) -> Option<Varying> {
        let spread = spread?;
        Some(Varying {
            nominal: spread.nominal() as f64,
            draw: Draw::of(spread)?,
        })
    }
}

/// The parts of a hit that vary: detection, lead time and boot shift its fixed part;
/// a measured restore time's spread replaces the shared throughput factor.
#[derive(Debug, Clone, Default)]
pub(super) struct Variation {
    pub shifts: Vec<Varying>,
    pub restore: Option<Varying>,
}

impl Variation {
    pub fn is_empty(&self) -> bool {
        self.shifts.is_empty() && self.restore.is_none()
    }

    /// This incident's fixed seconds and restore factor.
    pub fn sample<R: Rng + ?Sized>(&self, fixed: u64, factor: f64, rng: &mut R) -> (u64, f64) {
        let mut seconds = fixed as f64;
        for part in &self.shifts {
            seconds += part.draw.sample(rng) - part.nominal;
        }
        let factor = match self.restore {
            Some(part) if part.nominal > 0.0 => part.draw.sample(rng) / part.nominal,
            _ => factor,
        };
        ((seconds.max(0.0) + 0.5) as u64, factor)
    }
}
