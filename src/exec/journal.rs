//! The run journal: an append-only file of JSON lines, one record per step start and
//! end, each written and fsynced before the executor goes on, so that after a crash
//! it tells exactly which steps finished. Reading it back ([`replay`]) never trusts a
//! line it cannot parse, except a torn last line (a write cut short by the crash).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Raised on any incompatible change of the journal's records.
pub const JOURNAL_VERSION: u32 = 1;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "record",
    rename_all = "kebab-case",
    rename_all_fields = "kebab-case"
)]
pub enum Record {
    /// The first line: which runbook this journal belongs to.
    Run {
        version: u32,
        /// `sha256:` and the hex digest of the runbook file's bytes.
        digest: String,
        runbook: String,
        plan: String,
        name: String,
        drill: bool,
        at: String,
    },
    /// A later invocation with `--resume` (or `--rollback`) continues the run.
    Resume {
        at: String,
        #[serde(default)]
        retry: Vec<String>,
        #[serde(default)]
        mark_done: Vec<String>,
    },
    /// A step started; written before its command is spawned.
    Start {
        step: String,
        at: String,
        attempt: u32,
        /// The command run (after drill substitution), or the manual instruction.
        action: String,
        #[serde(default)]
        rollback: bool,
    },
    /// A step ended (or was skipped in a drill, or marked done by the operator).
    End {
        step: String,
        at: String,
        outcome: StepOutcome,
        seconds: f64,
        #[serde(default)]
        exit_code: Option<i32>,
        #[serde(default)]
        message: Option<String>,
    },
    /// The run stopped, for a reason; `finished` and `rolled-back` close the journal.
    Stop {
        at: String,
        reason: StopReason,
        #[serde(default)]
        step: Option<String>,
    },
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    Done,
    Failed,
    TimedOut,
    Interrupted,
    Skipped,
}

impl StepOutcome {
    pub fn name(self) -> &'static str {
        match self {
            StepOutcome::Done => "done",
            StepOutcome::Failed => "failed",
            StepOutcome::TimedOut => "timed out",
            StepOutcome::Interrupted => "interrupted",
            StepOutcome::Skipped => "skipped",
        }
    }

    /// Whether dependants may start after it.
    pub fn is_done(self) -> bool {
        matches!(self, StepOutcome::Done | StepOutcome::Skipped)
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// Every step is done.
    Finished,
    /// A step failed; the operator decides.
    Failed,
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// A `stop-if` probe failed; the rollback follows.
    StopCondition,
    /// The rollback ran to its end.
    RolledBack,
    /// A rollback step failed.
    RollbackFailed,
}

impl StopReason {
    /// Whether the journal is closed: nothing is left to resume.
    pub fn is_final(self) -> bool {
        matches!(self, StopReason::Finished | StopReason::RolledBack)
    }
}

/// What a journal holds, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub digest: String,
    pub drill: bool,
    pub records: Vec<Record>,
    /// The last record of each step that has one.
    pub steps: BTreeMap<String, Record>,
    /// The ids of steps with a start record, in the order they first started.
    pub started: Vec<String>,
    /// The reason of the last stop record, when no step record follows it.
    pub stopped: Option<StopReason>,
    /// Whether a torn last line (no newline, not JSON) was left out.
    pub torn_tail: bool,
    /// The length in bytes of the journal without its torn last line.
    pub sound_length: u64,
}

/// Why a journal cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    #[error("the journal is empty")]
    Empty,
    #[error("line {line} of the journal is corrupt: {message}")]
    Corrupt { line: usize, message: String },
    #[error("the journal does not start with a `run` record")]
    NoHeader,
    #[error("the journal has version {0}, and this drplan reads version {JOURNAL_VERSION}")]
    Version(u32),
}

/// Read a journal's text back into its records and each step's last state.
pub fn replay(text: &str) -> Result<Replay, JournalError> {
    let mut records = Vec::new();
    let mut torn_tail = false;
    let mut sound_length = text.len();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (number, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) => records.push(record),
            // A crash during the last write leaves a line without its newline; the
            // record it would have been was never acted on (starts are written before
            // spawning, ends after the fact), so dropping it is safe.
            Err(_) if number + 1 == lines.len() && !line.ends_with('\n') => {
                torn_tail = true;
                sound_length -= line.len();
            }
            Err(error) => {
                return Err(JournalError::Corrupt {
                    line: number + 1,
                    message: error.to_string(),
                })
            }
        }
    }
    let (digest, drill) = match records.first() {
        None => return Err(JournalError::Empty),
        Some(Record::Run {
            version,
            digest,
            drill,
            ..
        }) => {
            if *version != JOURNAL_VERSION {
                return Err(JournalError::Version(*version));
            }
            (digest.clone(), *drill)
        }
        Some(_) => return Err(JournalError::NoHeader),
    };
    let mut steps = BTreeMap::new();
    let mut started = Vec::new();
    let mut stopped = None;
    for (number, record) in records.iter().enumerate().skip(1) {
        match record {
            Record::Run { .. } => {
                return Err(JournalError::Corrupt {
                    line: number + 1,
                    message: "a second `run` record".to_string(),
                })
            }
            Record::Resume { .. } => stopped = None,
            Record::Start { step, .. } => {
                if !started.contains(step) {
                    started.push(step.clone());
                }
                steps.insert(step.clone(), record.clone());
                stopped = None;
            }
            Record::End { step, .. } => {
                steps.insert(step.clone(), record.clone());
            }
            Record::Stop { reason, .. } => stopped = Some(*reason),
        }
    }
    Ok(Replay {
        digest,
        drill,
        records,
        steps,
        started,
        stopped,
        torn_tail,
        sound_length: u64::try_from(sound_length).unwrap_or(u64::MAX),
    })
}

/// The open journal file, locked against a second drplan running the same journal.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Create a new journal (it must not exist) and make its directory entry durable.
    pub fn create(path: &Path) -> io::Result<Journal> {
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)?;
        lock(&file, path)?;
        file.sync_all()?;
        sync_directory(path)?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Open and lock an existing journal, before it is read: what a running drplan
    /// has not yet ended must not be read as a step that needs the operator.
    pub fn open(path: &Path) -> io::Result<Journal> {
        let file = OpenOptions::new().append(true).open(path)?;
        lock(&file, path)?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Cut the journal to `sound_length` before appending (a torn last line would
    /// otherwise run into the next record).
    pub fn cut(&mut self, sound_length: u64) -> io::Result<()> {
        if self.file.metadata()?.len() > sound_length {
            self.file.set_len(sound_length)?;
            self.file.sync_all()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record as a line and fsync it before returning.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        let mut line = serde_json::to_string(record).map_err(io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

/// Take an exclusive lock for as long as the file stays open.
fn lock(file: &File, path: &Path) -> io::Result<()> {
    use rustix::fs::{flock, FlockOperation};
    flock(file, FlockOperation::NonBlockingLockExclusive).map_err(|_| {
        io::Error::other(format!(
            "`{}` is in use by another drplan; one run at a time",
            path.display()
        ))
    })
}

/// Fsync the directory holding `path`, so that a new entry in it survives a crash.
pub fn sync_directory(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A journal's first record, for tests.
    pub(crate) fn header() -> Record {
        Record::Run {
            version: JOURNAL_VERSION,
            digest: "sha256:00".to_string(),
            runbook: "rb.json".to_string(),
            plan: "p".to_string(),
            name: "n".to_string(),
            drill: false,
            at: "t".to_string(),
        }
    }

    fn start(step: &str) -> Record {
        Record::Start {
            step: step.to_string(),
            at: "t".to_string(),
            attempt: 1,
            action: "true".to_string(),
            rollback: false,
        }
    }

    fn end(step: &str, outcome: StepOutcome) -> Record {
        Record::End {
            step: step.to_string(),
            at: "t".to_string(),
            outcome,
            seconds: 1.0,
            exit_code: Some(0),
            message: None,
        }
    }

    fn text(records: &[Record]) -> String {
        records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect()
    }

    #[test]
    fn replay_keeps_each_steps_last_record() {
        let journal = text(&[
            header(),
            start("a"),
            end("a", StepOutcome::Done),
            start("b"),
        ]);
        let replay = replay(&journal).unwrap();
        assert_eq!(replay.digest, "sha256:00");
        assert_eq!(replay.started, ["a", "b"]);
        assert!(matches!(
            replay.steps["a"],
            Record::End {
                outcome: StepOutcome::Done,
                ..
            }
        ));
        assert!(matches!(replay.steps["b"], Record::Start { .. }));
        assert_eq!(replay.stopped, None);
    }

    #[test]
    fn a_torn_last_line_is_dropped_but_a_corrupt_middle_line_is_refused() {
        let mut journal = text(&[header(), start("a")]);
        let sound = journal.len() as u64;
        journal.push_str("{\"record\":\"end\",\"st");
        let torn = replay(&journal).unwrap();
        assert!(torn.torn_tail);
        assert_eq!(torn.sound_length, sound);
        let corrupt = format!("{}garbage\n{}", text(&[header()]), text(&[start("a")]));
        assert_eq!(
            replay(&corrupt).unwrap_err(),
            JournalError::Corrupt {
                line: 2,
                message: "expected value at line 1 column 1".to_string()
            }
        );
        assert_eq!(replay("").unwrap_err(), JournalError::Empty);
        assert_eq!(
            replay(&text(&[start("a")])).unwrap_err(),
            JournalError::NoHeader
        );
    }

    #[test]
    fn a_stop_record_is_cleared_by_a_later_resume() {
        let stop = Record::Stop {
            at: "t".to_string(),
            reason: StopReason::Failed,
            step: Some("a".to_string()),
        };
        let resume = Record::Resume {
            at: "t".to_string(),
            retry: vec![],
            mark_done: vec![],
        };
        assert_eq!(
            replay(&text(&[header(), stop.clone()])).unwrap().stopped,
            Some(StopReason::Failed)
        );
        assert_eq!(
            replay(&text(&[header(), stop, resume])).unwrap().stopped,
            None
        );
    }

    #[test]
    fn appended_records_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rb.journal");
        let mut journal = Journal::create(&path).unwrap();
        journal.append(&header()).unwrap();
        journal.append(&start("a")).unwrap();
        assert!(
            Journal::open(&path).is_err(),
            "a second writer is locked out"
        );
        drop(journal);
        let replay = replay(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(replay.records.len(), 2);
        assert!(Journal::create(&path).is_err(), "never overwritten");
    }
}
