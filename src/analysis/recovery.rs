//! (rules being written)

use super::{Context, Finding};

pub(super) fn check(_context: &Context, _out: &mut Vec<Finding>) {}
