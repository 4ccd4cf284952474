//! Pure functions from the model (and analysis results) to text.

pub mod stages;
