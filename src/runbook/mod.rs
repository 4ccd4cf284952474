//! Runbooks: the ordered steps that recover from a scenario or roll out a change,
//! built from the checked plan. `document` is the machine form shared with `exec`.

pub mod document;
