//! The runbook executor: runs a runbook's steps in dependency order with timeouts,
//! gates and stop conditions, and journals every start and end durably so that a
//! run survives a crash. The only async code; it never prints (events go to a
//! [`Console`]).

mod clock;
mod executor;
pub mod history;
pub mod journal;
mod process;
pub mod resume;
pub mod scheduler;
mod step;
pub mod validate;

use crate::runbook::document::Step;
pub use executor::{dry_run_waves, execute, rollback, Options, Outcome};
pub use step::{plan_action, Planned};

/// Now, as the journal writes it (RFC 3339, UTC, milliseconds).
pub fn timestamp() -> String {
    clock::now()
}

/// Where a line of a child's output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// Something the executor reports while it runs.
#[derive(Debug, Clone)]
pub enum Event {
    /// A step (or a rollback step) started: what it runs or asks a person to do.
    Started {
        step: String,
        attempt: u32,
        title: String,
        action: String,
    },
    /// One line a step's command (or gate, or probe) printed; `label` is the step id,
    /// followed by `gate` or `stop-if` for those.
    Line {
        label: String,
        stream: Stream,
        text: String,
    },
    /// A step ended.
    Finished {
        step: String,
        outcome: journal::StepOutcome,
        seconds: f64,
        message: Option<String>,
    },
    /// Anything else an operator should read (a stop condition fired, waiting for steps).
    Notice(String),
}

/// The operator's side of a run: sees events, confirms manual steps.
pub trait Console: Send + Sync + 'static {
    fn event(&self, event: &Event);
    /// Ask a person to confirm that a manual step is done; blocks until answered.
    fn confirm(&self, step: &Step, instruction: &str) -> bool;
}

/// The digest that ties a journal to the runbook file it was written for.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(bytes);
    let mut text = String::from("sha256:");
    for byte in hash {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}
