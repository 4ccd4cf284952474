//! One shell command as a child process: `sh -c` in its own process group, output
//! captured line by line with timestamps into a log file and echoed as events, killed
//! with its whole group on timeout or interruption. Knows nothing of steps or journals.

use super::{clock, Console, Event, Stream};
use rustix::process::{kill_process_group, Pid, Signal};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::watch;
use tokio::time::{sleep, timeout, Instant};

/// How long a process group has to exit after SIGTERM before it gets SIGKILL.
const TERMINATE_GRACE: Duration = Duration::from_secs(2);
/// How long to keep reading output after the shell exited (a background child that
/// escaped the group may hold the pipe open forever).
const DRAIN_GRACE: Duration = Duration::from_secs(1);

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Exit status 0.
    Success,
    /// Another exit status, or a signal.
    Failed { code: Option<i32>, message: String },
    /// Ran past its timeout and was killed.
    TimedOut,
    /// The run was interrupted and the command was killed.
    Interrupted,
}

/// Run `command` with `sh -c`; `label` prefixes its echoed lines, `log` receives them.
pub(crate) async fn run(
    command: &str,
    limit: Option<Duration>,
    label: &str,
    log: &Path,
    console: &Arc<dyn Console>,
    mut cancel: watch::Receiver<bool>,
) -> Exit {
    if *cancel.borrow() {
        return Exit::Interrupted;
    }
    let log = match OpenOptions::new().create(true).append(true).open(log) {
        Ok(file) => Arc::new(Mutex::new(file)),
        Err(error) => {
            return Exit::Failed {
                code: None,
                message: format!("cannot open the log `{}`: {error}", log.display()),
            }
        }
    };
    let mut child = match Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            return Exit::Failed {
                code: None,
                message: format!("cannot start `sh`: {error}"),
            }
        }
    };
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(Pid::from_raw);
    let mut pumps = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        pumps.push(tokio::spawn(pump(
            stdout,
            Stream::Stdout,
            label.to_string(),
            log.clone(),
            console.clone(),
        )));
    }
    if let Some(stderr) = child.stderr.take() {
        pumps.push(tokio::spawn(pump(
            stderr,
            Stream::Stderr,
            label.to_string(),
            log.clone(),
            console.clone(),
        )));
    }
    let deadline = limit.map(|limit| Instant::now() + limit);
    let exit = tokio::select! {
        status = child.wait() => match status {
            Ok(status) => from_status(status),
            Err(error) => Exit::Failed { code: None, message: format!("lost the child: {error}") },
        },
        () = sleep_until(deadline) => Exit::TimedOut,
        _ = cancel.wait_for(|cancelled| *cancelled) => Exit::Interrupted,
    };
    if matches!(exit, Exit::TimedOut | Exit::Interrupted) {
        terminate(group, &mut child).await;
    }
    let drain = async {
        for pump in pumps {
            let _ = pump.await;
        }
    };
    if timeout(DRAIN_GRACE, drain).await.is_err() {
        note(
            &log,
            "output still open after the command exited; stopped reading it",
        );
    }
    match &exit {
        Exit::TimedOut => note(&log, "timed out; the process group was killed"),
        Exit::Interrupted => note(&log, "interrupted; the process group was signalled"),
        _ => {}
    }
    exit
}

/// SIGTERM to the whole group, then SIGKILL after a grace period; reaps the shell.
async fn terminate(group: Option<Pid>, child: &mut tokio::process::Child) {
    if let Some(group) = group {
        let _ = kill_process_group(group, Signal::TERM);
        if timeout(TERMINATE_GRACE, child.wait()).await.is_ok() {
            // The shell is gone; anything left in its group gets no grace.
            let _ = kill_process_group(group, Signal::KILL);
            return;
        }
        let _ = kill_process_group(group, Signal::KILL);
    }
    let _ = child.kill().await;
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn from_status(status: ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(0), _) => Exit::Success,
        (Some(code), _) => Exit::Failed {
            code: Some(code),
            message: format!("exit status {code}"),
        },
        (None, Some(signal)) => Exit::Failed {
            code: None,
            message: format!("killed by signal {signal}"),
        },
        (None, None) => Exit::Failed {
            code: None,
            message: "ended without a status".to_string(),
        },
    }
}

/// Copy lines of one stream to the log (timestamped) and the console.
async fn pump(
    stream: impl AsyncRead + Unpin,
    which: Stream,
    label: String,
    log: Arc<Mutex<File>>,
    console: Arc<dyn Console>,
) {
    let mut reader = BufReader::new(stream);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&buffer)
            .trim_end_matches(['\n', '\r'])
            .to_string();
        if let Ok(mut file) = log.lock() {
            let _ = writeln!(file, "{} {} {text}", clock::now(), which.name());
        }
        console.event(&Event::Line {
            label: label.clone(),
            stream: which,
            text,
        });
    }
}

/// A line of drplan's own in the log.
fn note(log: &Arc<Mutex<File>>, text: &str) {
    if let Ok(mut file) = log.lock() {
        let _ = writeln!(file, "{} drplan {text}", clock::now());
    }
}

/// Wait `duration` unless the run is cancelled first; true when cancelled.
pub(crate) async fn pause(duration: Duration, cancel: &mut watch::Receiver<bool>) -> bool {
    if *cancel.borrow() {
        return true;
    }
    tokio::select! {
        () = sleep(duration) => false,
        _ = cancel.wait_for(|cancelled| *cancelled) => true,
    }
}
