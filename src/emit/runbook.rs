//! Runbooks as text: Markdown for people, a bash script to run, and the JSON contract.
//! Pure: a [`Runbook`] in, a `String` out.

mod markdown;
mod shell;

pub use markdown::markdown;
pub use shell::shell;

use crate::runbook::document::Runbook;

/// The stable JSON form (`--format json`), pretty-printed, ending with a newline.
pub fn json(runbook: &Runbook) -> String {
    let mut text = serde_json::to_string_pretty(runbook).expect("a runbook serializes");
    text.push('\n');
    text
}
