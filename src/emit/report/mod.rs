//! The HTML report of a plan (`drplan report`): the check summary, the dependency graph,
//! each scripted scenario as a Gantt chart, Monte Carlo histograms and the rollout
//! stages against their windows, in one self-contained file (inline CSS and SVG, no
//! script, nothing fetched). Pure: returns a string; writes no file.

mod gantt;
mod graph;
mod histogram;
mod html;
mod rollout;
mod svg;

pub use html::{html, Input, Results};
