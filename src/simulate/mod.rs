//! Failure simulation over the compiled model: scripted scenarios replayed as a
//! timeline (`scripted`), Monte Carlo over random failures (`monte_carlo`), and the
//! exact probability that each service is unavailable (`exact`). Pure: no I/O.

pub mod exact;
pub mod monte_carlo;
pub mod scripted;
