//! A builder that writes plan files into a temp dir, runs the real `drplan` there with
//! `NO_COLOR=1` and relative paths, and checks its status and output (after casey/just).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// The `drplan` binary Cargo built for these tests.
pub fn drplan() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_drplan"));
    command.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    command
}

/// Trim a leading newline and the indentation shared by every non-blank line, so a
/// plan can be written indented inside a test and still read like a plan file.
pub fn unindent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line.get(indent..).unwrap_or_else(|| line.trim_start()));
        out.push('\n');
    }
    let trimmed = out.trim_end_matches([' ', '\n']).len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

/// What a finished run printed.
#[derive(Debug)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// One run of `drplan` in a fresh temp dir.
#[must_use]
pub struct Test {
    dir: TempDir,
    args: Vec<OsString>,
    status: i32,
    stdout: Option<String>,
    stdout_contains: Vec<String>,
    stdout_lacks: Vec<String>,
    stderr_contains: Vec<String>,
    within: Option<std::time::Duration>,
    env: Vec<(OsString, OsString)>,
}

impl Test {
    pub fn new() -> Self {
        Test {
            dir: TempDir::new().expect("temp dir"),
            args: Vec::new(),
            status: 0,
            stdout: None,
            stdout_contains: Vec::new(),
            stdout_lacks: Vec::new(),
            stderr_contains: Vec::new(),
            within: None,
            env: Vec::new(),
        }
    }

    /// The temp dir the binary runs in.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `plan.dr`, unindented.
    pub fn plan(self, text: &str) -> Self {
        self.file("plan.dr", text)
    }

    /// Write a text file (unindented) at a path relative to the temp dir.
    pub fn file(self, path: &str, text: &str) -> Self {
        self.bytes(path, unindent(text).as_bytes())
    }

    /// Write raw bytes at a path relative to the temp dir.
    pub fn bytes(self, path: &str, bytes: &[u8]) -> Self {
        let path = self.full_path(path);
        std::fs::write(path, bytes).expect("write test file");
        self
    }

    /// Create an empty directory.
    pub fn dir(self, path: &str) -> Self {
        std::fs::create_dir_all(self.dir.path().join(path)).expect("create dir");
        self
    }

    fn full_path(&self, path: &str) -> PathBuf {
        let full = self.dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        full
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Set an environment variable for the run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The expected exit status (0 unless set).
    pub fn status(mut self, status: i32) -> Self {
        self.status = status;
        self
    }

    /// The exact expected stdout.
    pub fn stdout(mut self, stdout: &str) -> Self {
        self.stdout = Some(stdout.to_string());
        self
    }

    pub fn stdout_contains(mut self, text: &str) -> Self {
        self.stdout_contains.push(text.to_string());
        self
    }

    pub fn stdout_lacks(mut self, text: &str) -> Self {
        self.stdout_lacks.push(text.to_string());
        self
    }

    pub fn stderr_contains(mut self, text: &str) -> Self {
        self.stderr_contains.push(text.to_string());
        self
    }

    /// A bound on the run's wall time: a guard against costs that grow faster than
    /// the input (generous, so a busy machine does not trip it), not a benchmark.
    pub fn within(mut self, limit: std::time::Duration) -> Self {
        self.within = Some(limit);
        self
    }

    /// Run the binary and check everything that was asked for; never a panic.
    pub fn run(self) -> Output {
        let started = std::time::Instant::now();
        let output = drplan()
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path())
            .output()
            .expect("run drplan");
        let took = started.elapsed();
        let out = Output {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            status: output.status.code().unwrap_or(-1),
        };
        let context = || format!("args {:?}\n{out:#?}", self.args);
        assert!(
            !out.stderr.contains("panicked"),
            "drplan panicked: {}",
            context()
        );
        assert_eq!(out.status, self.status, "wrong exit status: {}", context());
        if let Some(limit) = self.within {
            assert!(took < limit, "took {took:?}, more than {limit:?}");
        }
        if let Some(stdout) = &self.stdout {
            assert_eq!(&out.stdout, stdout, "wrong stdout: {}", context());
        }
        for text in &self.stdout_contains {
            assert!(
                out.stdout.contains(text),
                "stdout lacks {text:?}: {}",
                context()
            );
        }
        for text in &self.stdout_lacks {
            assert!(
                !out.stdout.contains(text),
                "stdout has {text:?}: {}",
                context()
            );
        }
        for text in &self.stderr_contains {
            assert!(
                out.stderr.contains(text),
                "stderr lacks {text:?}: {}",
                context()
            );
        }
        out
    }
}

#[test]
fn unindent_strips_shared_indentation() {
    assert_eq!(
        unindent(
            "
            plan p {
              rto 4h
            }
            "
        ),
        "plan p {\n  rto 4h\n}\n"
    );
    assert_eq!(unindent("a\n\n  b"), "a\n\n  b\n");
    assert_eq!(unindent(""), "\n");
}
