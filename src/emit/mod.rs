//! Pure functions from the model (and analysis results) to text.

pub mod compare;
pub mod exact;
pub mod graph;
pub mod monte_carlo;
pub mod report;
pub mod runbook;
pub mod stages;
pub mod timeline;
