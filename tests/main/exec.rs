//! `drplan exec`: real child processes run from hand-written runbook JSON, checked
//! through marker files, counters, timings, the journal and the exit status.

use crate::test_builder::drplan;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A temp dir holding `rb.json`, where `drplan exec rb.json` runs.
struct Dir(TempDir);

/// What one run printed.
#[derive(Debug)]
struct Run {
    stdout: String,
    stderr: String,
    status: Option<i32>,
}

impl Run {
    fn status(self, status: i32) -> Self {
        assert_eq!(self.status, Some(status), "{self:#?}");
        self
    }

    fn stdout_has(self, text: &str) -> Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}: {self:#?}"
        );
        self
    }

    fn stderr_has(self, text: &str) -> Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}: {self:#?}"
        );
        self
    }
}

impl Dir {
    fn new(runbook: &str) -> Dir {
        let dir = Dir(TempDir::new().unwrap());
        dir.write("rb.json", runbook);
        dir
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path().join(file), text).unwrap();
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.path().join(file)).unwrap_or_default()
    }

    fn has(&self, file: &str) -> bool {
        self.path().join(file).exists()
    }

    /// `drplan exec rb.json ARGS`, stdin not a terminal.
    fn exec(&self, args: &[&str]) -> Run {
        let output = drplan()
            .args(["exec", "rb.json"])
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        let run = Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            status: output.status.code(),
        };
        assert!(!run.stderr.contains("panicked"), "{run:#?}");
        run
    }
}

/// A recovery step running `command`, after `after`.
fn step(id: &str, after: &[&str], command: &str) -> Value {
    json!({
        "id": id,
        "phase": "recovery",
        "stage": null,
        "title": format!("Step {id}"),
        "owner": null,
        "after": after,
        "group": null,
        "expected-seconds": 1,
        "clock-seconds": 1,
        "action": { "kind": "command", "command": command },
        "timeout-seconds": 10,
        "drill": { "mode": "run" },
        "gate": null,
        "stop-if": null,
        "on-failure": format!("Call the owner of {id}."),
        "rollback": []
    })
}

/// A runbook of `steps` that runs `parallelism` at once.
fn runbook(parallelism: u32, steps: Vec<Value>) -> String {
    serde_json::to_string_pretty(&json!({
        "format": 1,
        "plan": "clinic",
        "kind": "scenario",
        "name": "server-room-fire",
        "title": "Recover from a fire in the server room",
        "rto-seconds": 14400,
        "parallelism": parallelism,
        "contacts": [],
        "steps": steps
    }))
    .unwrap()
}

fn with(mut step: Value, key: &str, value: Value) -> Value {
    step[key] = value;
    step
}

#[test]
fn a_step_runs_only_after_its_dependencies() {
    let dir = Dir::new(&runbook(
        4,
        vec![
            step("first", &[], "sleep 0.3; echo first >> order"),
            step("second", &["first"], "echo second >> order"),
            step("third", &["first", "second"], "echo third >> order"),
        ],
    ));
    dir.exec(&[])
        .status(0)
        .stdout_has("==> first: Step first")
        .stdout_has("every step is done");
    assert_eq!(dir.read("order"), "first\nsecond\nthird\n");
    let journal = dir.read("rb.journal");
    let position = |text: &str| journal.find(text).unwrap();
    assert!(
        position(r#""record":"end","step":"first""#)
            < position(r#""record":"start","step":"second""#)
    );
    assert!(journal.contains(r#""reason":"finished""#), "{journal}");
}

#[test]
fn independent_steps_run_at_once_up_to_the_parallelism() {
    let steps = || vec![step("one", &[], "sleep 1"), step("two", &[], "sleep 1")];
    let dir = Dir::new(&runbook(2, steps()));
    let begin = Instant::now();
    dir.exec(&[]).status(0);
    let together = begin.elapsed();
    assert!(together < Duration::from_millis(1800), "{together:?}");
    let dir = Dir::new(&runbook(1, steps()));
    let begin = Instant::now();
    dir.exec(&[]).status(0);
    let serial = begin.elapsed();
    assert!(serial >= Duration::from_secs(2), "{serial:?}");
}

/// Whether a process is gone (or at worst a zombie waiting for its new parent).
fn is_gone(pid: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat.rsplit(')').next().unwrap_or("").trim_start();
    stat.is_empty() || state.starts_with('Z')
}

#[test]
fn a_step_past_its_timeout_is_killed_with_its_children() {
    let dir = Dir::new(&runbook(
        1,
        vec![with(
            step("stuck", &[], "sleep 30 & echo $! > child.pid; wait"),
            "timeout-seconds",
            json!(1),
        )],
    ));
    let begin = Instant::now();
    dir.exec(&[]).status(1).stdout_has("timed out");
    assert!(
        begin.elapsed() < Duration::from_secs(5),
        "{:?}",
        begin.elapsed()
    );
    let pid = dir.read("child.pid").trim().to_string();
    assert!(!pid.is_empty());
    assert!(is_gone(&pid), "the step's child {pid} survived");
    assert!(dir.read("rb.journal").contains(r#""outcome":"timed-out""#));
}

#[test]
fn a_step_that_ignores_sigterm_is_killed_after_a_grace_period() {
    let dir = Dir::new(&runbook(
        1,
        vec![with(
            step(
                "stubborn",
                &[],
                "trap '' TERM; sleep 30 & echo $! > child.pid; wait",
            ),
            "timeout-seconds",
            json!(1),
        )],
    ));
    let begin = Instant::now();
    dir.exec(&[]).status(1).stdout_has("timed out");
    let took = begin.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "{took:?}"
    );
    assert!(is_gone(dir.read("child.pid").trim()));
}

#[test]
fn a_failed_step_stops_the_run_and_says_what_to_do() {
    let dir = Dir::new(&runbook(
        2,
        vec![
            with(
                step("restore", &[], "echo broken >&2; exit 3"),
                "rollback",
                json!(["undo-restore"]),
            ),
            step("slow", &[], "sleep 0.5; touch slow.done"),
            step("after", &["restore"], "touch after.done"),
            with(
                step("undo-restore", &[], "touch undone"),
                "phase",
                json!("rollback"),
            ),
        ],
    ));
    dir.exec(&[])
        .status(1)
        .stdout_has("step `restore` failed")
        .stdout_has("on failure: Call the owner of restore.")
        .stdout_has("undo-restore")
        .stdout_has("--resume --retry restore")
        .stderr_has("[restore] broken");
    assert!(dir.has("slow.done"), "running steps finish");
    assert!(!dir.has("after.done"), "nothing new starts");
    assert!(!dir.has("undone"), "no rollback without the operator");
    // Not retried blindly: resuming asks for a decision.
    dir.exec(&["--resume"])
        .status(1)
        .stderr_has("step `restore` failed")
        .stderr_has("--retry restore");
    assert!(!dir.has("after.done"));
    // The operator decides to roll back.
    dir.exec(&["--resume", "--rollback"]).status(0);
    assert!(dir.has("undone"));
    dir.exec(&["--resume"]).status(0).stdout_has("rolled back");
}

#[test]
fn after_kill_9_resume_never_runs_a_finished_step_twice() {
    let dir = Dir::new(&runbook(
        1,
        vec![
            step("one", &[], "echo one >> counter"),
            step(
                "two",
                &["one"],
                "echo two >> counter; echo $$ > two.pgid; \
                 if [ ! -f operator-checked ]; then touch two.started; sleep 30; fi",
            ),
            step("three", &["two"], "echo three >> counter"),
        ],
    ));
    let mut child = drplan()
        .args(["exec", "rb.json"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let begin = Instant::now();
    while !dir.has("two.started") {
        assert!(
            begin.elapsed() < Duration::from_secs(10),
            "step two never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The orphaned step keeps running in its own process group; end it.
    let pgid = dir.read("two.pgid").trim().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status();

    // The step in flight is reported, and not run again without the operator.
    dir.exec(&["--resume"])
        .status(1)
        .stderr_has("step `two` started at")
        .stderr_has("no end record")
        .stderr_has("--retry two");
    assert_eq!(dir.read("counter"), "one\ntwo\n");
    // A fresh run over it is refused.
    dir.exec(&[])
        .status(2)
        .stderr_has("holds an unfinished run");

    dir.write("operator-checked", "");
    let run = dir
        .exec(&["--resume", "--retry", "two"])
        .status(0)
        .stdout_has("two: Step two (attempt 2)");
    assert!(!run.stdout.contains("==> one"), "{run:#?}");
    // `one` and `three` once each; `two` twice: once cut off, once retried on purpose.
    assert_eq!(dir.read("counter"), "one\ntwo\ntwo\nthree\n");
    dir.exec(&["--resume"])
        .status(0)
        .stdout_has("nothing to resume");
    assert_eq!(dir.read("counter"), "one\ntwo\ntwo\nthree\n");
}

#[test]
fn ctrl_c_interrupts_running_steps_and_leaves_a_resumable_journal() {
    let dir = Dir::new(&runbook(
        1,
        vec![step("long", &[], "echo $$ > long.pgid; sleep 30")],
    ));
    let child = drplan()
        .args(["exec", "rb.json"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let begin = Instant::now();
    while dir.read("long.pgid").trim().is_empty() {
        assert!(
            begin.elapsed() < Duration::from_secs(10),
            "step never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    assert!(begin.elapsed() < Duration::from_secs(8));
    let journal = dir.read("rb.journal");
    assert!(journal.contains(r#""outcome":"interrupted""#), "{journal}");
    assert!(journal.contains(r#""reason":"interrupted""#), "{journal}");
    assert!(is_gone(dir.read("long.pgid").trim()));
    dir.exec(&["--resume"])
        .status(1)
        .stderr_has("was interrupted")
        .stderr_has("--retry long");
}

#[test]
fn dry_run_prints_waves_and_runs_nothing() {
    let dir = Dir::new(&runbook(
        2,
        vec![
            step("a", &[], "touch a.ran"),
            step("b", &["a"], "touch b.ran"),
            step("c", &["a"], "touch c.ran"),
        ],
    ));
    dir.exec(&["--dry-run"])
        .status(0)
        .stdout_has("wave 1:\n  a: Step a")
        .stdout_has("wave 2:\n  b: Step b")
        .stdout_has("touch c.ran")
        .stdout_has("nothing was run");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["rb.json"]);
}

#[test]
fn a_drill_substitutes_and_skips() {
    let dir = Dir::new(&runbook(
        1,
        vec![
            step("safe", &[], "touch safe.ran"),
            with(
                step("restore", &["safe"], "touch production"),
                "drill",
                json!({ "mode": "substitute", "command": "touch isolated" }),
            ),
            with(
                step("cut-over", &["restore"], "touch cut-over"),
                "drill",
                json!({ "mode": "skip" }),
            ),
            step("last", &["cut-over"], "touch last.ran"),
        ],
    ));
    dir.exec(&["--drill"])
        .status(0)
        .stdout_has("cut-over: skipped");
    for (file, exists) in [
        ("safe.ran", true),
        ("isolated", true),
        ("production", false),
        ("cut-over", false),
        ("last.ran", true),
    ] {
        assert_eq!(dir.has(file), exists, "{file}");
    }
    let journal = dir.read("rb.journal");
    assert!(journal.contains(r#""drill":true"#));
    assert!(journal.contains(r#""outcome":"skipped""#));
    // A drill's journal is resumed as a drill only.
    dir.exec(&["--resume"]).status(2).stderr_has("--drill");
}

#[test]
fn a_manual_step_fails_closed_without_a_terminal() {
    let manual = with(
        step("call", &[], ""),
        "action",
        json!({ "kind": "manual", "instruction": "Call the insurer." }),
    );
    let book = runbook(1, vec![manual, step("next", &["call"], "touch next.ran")]);
    let dir = Dir::new(&book);
    dir.exec(&[])
        .status(1)
        .stdout_has("stdin is not a terminal; once it is done, resume with `--mark-done call`");
    assert!(!dir.has("next.ran"));
    // What the message says works: the person did it, the run goes on.
    let marked = Dir::new(&book);
    marked.exec(&[]).status(1);
    marked.exec(&["--resume", "--mark-done", "call"]).status(0);
    assert!(marked.has("next.ran"));
    dir.exec(&["--resume", "--retry", "call", "--yes"])
        .status(0)
        .stdout_has("confirmed in advance by --yes");
    assert!(dir.has("next.ran"));
    let dir = Dir::new(&book);
    dir.exec(&["--yes"]).status(0);
    assert!(dir.has("next.ran"));
}

#[test]
fn a_manual_step_asks_on_a_terminal() {
    // util-linux `script` gives drplan a pseudo-terminal; without it, nothing to test.
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        return;
    }
    let manual = with(
        step("call", &[], ""),
        "action",
        json!({ "kind": "manual", "instruction": "Call the insurer." }),
    );
    for (answer, status, done) in [("y", 0, true), ("n", 1, false)] {
        let dir = Dir::new(&runbook(1, vec![manual.clone()]));
        let mut child = std::process::Command::new("script")
            .args([
                "-qec",
                &format!("{} exec rb.json", env!("CARGO_BIN_EXE_drplan")),
                "/dev/null",
            ])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("Is it done? [y/N]"), "{stdout}");
        assert_eq!(output.status.code(), Some(status), "{stdout}");
        assert_eq!(
            dir.read("rb.journal").contains(r#""outcome":"done""#),
            done,
            "{stdout}"
        );
        assert_eq!(
            stdout.contains("confirmed by the operator") && !stdout.contains("not confirmed"),
            done,
            "{stdout}"
        );
    }
}

#[test]
fn a_gate_is_retried_until_it_passes_or_times_out() {
    let gated = with(
        step("start-db", &[], "(sleep 0.5; touch db.ready) &"),
        "gate",
        json!({ "command": "test -f db.ready", "timeout-seconds": 5, "interval-seconds": 1 }),
    );
    let never = with(
        step("start-app", &["start-db"], "true"),
        "gate",
        json!({ "command": "false", "timeout-seconds": 1, "interval-seconds": 1 }),
    );
    Dir::new(&runbook(1, vec![gated, never]))
        .exec(&[])
        .status(1)
        .stdout_has("<== start-db: done")
        .stdout_has("gate did not pass within 1 s");
}

#[test]
fn a_stop_condition_stops_the_run_and_rolls_back() {
    let watched = with(
        with(
            step("migrate", &[], "sleep 5"),
            "stop-if",
            json!({ "command": "test ! -f unhealthy", "timeout-seconds": 1, "interval-seconds": 1 }),
        ),
        "rollback",
        json!(["restore-snapshot"]),
    );
    let dir = Dir::new(&runbook(
        1,
        vec![
            watched,
            step("after", &["migrate"], "touch after.ran"),
            with(
                step("restore-snapshot", &[], "touch restored"),
                "phase",
                json!("rollback"),
            ),
        ],
    ));
    dir.write("unhealthy", "");
    let begin = Instant::now();
    dir.exec(&[])
        .status(1)
        .stdout_has("stop condition of step `migrate` fired");
    assert!(
        begin.elapsed() < Duration::from_secs(4),
        "{:?}",
        begin.elapsed()
    );
    assert!(dir.has("restored"));
    assert!(!dir.has("after.ran"));
    assert!(dir.read("rb.journal").contains(r#""reason":"rolled-back""#));
}

#[test]
fn report_turns_the_journal_into_a_history() {
    let dir = Dir::new(&runbook(
        1,
        vec![
            step("a", &[], "true"),
            step("b", &["a"], "exit 4"),
            step("c", &["b"], "true"),
        ],
    ));
    dir.exec(&[]).status(1);
    let run = dir
        .exec(&["--report"])
        .status(0)
        .stdout_has("- status: **failed**")
        .stdout_has("| `b` | Step b |")
        .stdout_has("failed: exit status 4 |")
        .stdout_has("| `c` | Step c | — | — | — | 1.0 s | not-run |");
    assert!(
        run.stdout
            .starts_with("# run of `server-room-fire` (plan `clinic`)"),
        "{run:#?}"
    );
    let run = dir.exec(&["--report", "--format", "json"]).status(0);
    let history: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(history["status"], "failed");
    let outcomes: Vec<&str> = history["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["done", "failed", "not-run"]);
    assert_eq!(history["steps"][1]["attempts"][0]["exit-code"], 4);
    assert_eq!(history["steps"][1]["expected-seconds"], 1);
}

#[test]
fn a_corrupt_or_foreign_journal_is_refused() {
    let book = runbook(1, vec![step("a", &[], "true"), step("b", &["a"], "exit 1")]);
    let dir = Dir::new(&book);
    dir.exec(&[]).status(1);
    let journal = dir.read("rb.journal");

    // Another runbook (one title changed) at the same path.
    dir.write("rb.json", &book.replace("Step b", "Step B"));
    dir.exec(&["--resume", "--retry", "b"])
        .status(2)
        .stderr_has("different runbook");
    dir.exec(&["--report"])
        .status(2)
        .stderr_has("different runbook");

    dir.write("rb.json", &book);
    let mut lines: Vec<&str> = journal.lines().collect();
    lines[1] = "{\"record\":\"start\",\"step\":";
    dir.write("rb.journal", &(lines.join("\n") + "\n"));
    dir.exec(&["--resume", "--retry", "b"])
        .status(2)
        .stderr_has("line 2 of the journal is corrupt");
}

#[test]
fn restart_archives_the_journal() {
    let dir = Dir::new(&runbook(1, vec![step("a", &[], "echo a >> counter")]));
    dir.exec(&[]).status(0);
    dir.exec(&[]).status(2).stderr_has("holds a finished run");
    dir.exec(&["--restart"]).status(0);
    assert!(dir.has("rb.journal.1"));
    assert!(dir.has("rb.logs.1/a.1.log"));
    assert_eq!(dir.read("counter"), "a\na\n");
}

#[test]
fn a_bad_runbook_is_refused_with_every_problem() {
    let dir = Dir::new(&runbook(
        1,
        vec![
            step("a", &["b"], "true"),
            step("b", &["a"], "true"),
            step("c", &["ghost"], "true"),
            step("c", &[], "true"),
        ],
    ));
    dir.exec(&[])
        .status(2)
        .stderr_has("`c` is declared more than once")
        .stderr_has("`ghost`, which is not a step")
        .stderr_has("cycle");
    dir.write("rb.json", r#"{"format": 2}"#);
    dir.exec(&[]).status(2).stderr_has("format 2");
    dir.write("rb.json", "[1, 2");
    dir.exec(&[]).status(2).stderr_has("not valid JSON");
    assert!(!dir.has("rb.journal"));
}

/// exec.md: a `--retry` or `--mark-done` of a finished step is refused, and a refused
/// command line exits 2 like any other wrong one (it exited 1, the status of a run
/// that waits for the operator's decision, which had been given).
#[test]
fn a_decision_about_a_finished_step_is_refused_as_a_wrong_command_line() {
    let dir = Dir::new(&runbook(
        1,
        vec![
            step("a", &[], "echo a >> counter"),
            step("b", &["a"], "echo b >> counter; test -f fixed"),
            step("c", &["b"], "echo c >> counter"),
        ],
    ));
    dir.exec(&[]).status(1);
    let journal = dir.read("rb.journal");
    for args in [
        &["--resume", "--retry", "a"][..],
        &["--resume", "--mark-done", "a"],
        &["--resume", "--retry", "a", "--retry", "b"],
        &["--resume", "--mark-done", "a", "--retry", "b"],
    ] {
        dir.exec(args)
            .status(2)
            .stderr_has("step `a` already finished; drplan never runs a finished step twice")
            .stderr_has("nothing was run");
    }
    // A decision goes with a run that goes on, not with a rollback.
    for decision in ["--retry", "--mark-done"] {
        dir.exec(&["--resume", "--rollback", decision, "b"])
            .status(2)
            .stderr_has("cannot be used with");
    }
    // Not run yet, or both decisions at once: wrong too.
    dir.exec(&["--resume", "--retry", "c"])
        .status(2)
        .stderr_has("step `c` has not run yet");
    dir.exec(&["--resume", "--retry", "b", "--mark-done", "b"])
        .status(2)
        .stderr_has("given to both `--retry` and `--mark-done`");
    // Nothing ran and nothing was journaled; the decision still waited for exits 1.
    assert_eq!(dir.read("counter"), "a\nb\n");
    assert_eq!(dir.read("rb.journal"), journal);
    dir.exec(&["--resume"]).status(1).stderr_has("--retry b");
    dir.write("fixed", "");
    dir.exec(&["--resume", "--retry", "b"]).status(0);
    assert_eq!(dir.read("counter"), "a\nb\nb\nc\n");
    // After the run finished a decision is refused too, not passed over in silence.
    dir.exec(&["--resume", "--retry", "b"])
        .status(2)
        .stderr_has("step `b` already finished");
    dir.exec(&["--resume"])
        .status(0)
        .stdout_has("nothing to resume");
    assert_eq!(dir.read("counter"), "a\nb\nb\nc\n");
}

/// A runbook whose one step fails, with a rollback step running `undo`: the rollback
/// fails until the test creates `undo.works`.
fn failing_restore_with_undo(undo: &str) -> String {
    runbook(
        1,
        vec![
            with(
                step("restore", &[], "exit 3"),
                "rollback",
                json!(["undo-restore"]),
            ),
            with(step("undo-restore", &[], undo), "phase", json!("rollback")),
        ],
    )
}

/// A rollback that stopped half way is continued with `--resume --rollback`; a plain
/// `--resume` is a refused command line (exit 2), whatever decisions it carries, and
/// so is a decision after the rollback ended.
#[test]
fn a_plain_resume_of_an_unfinished_rollback_is_refused() {
    let dir = Dir::new(&failing_restore_with_undo(
        "test -f undo.works && touch undone",
    ));
    dir.exec(&[]).status(1);
    dir.exec(&["--resume", "--rollback"])
        .status(1)
        .stdout_has("rollback step `undo-restore` failed");
    for args in [&["--resume"][..], &["--resume", "--retry", "restore"]] {
        dir.exec(args)
            .status(2)
            .stderr_has("continue the rollback with `--resume --rollback`");
    }
    dir.write("undo.works", "");
    dir.exec(&["--resume", "--rollback"]).status(0);
    assert!(dir.has("undone"));
    dir.exec(&["--resume", "--retry", "restore"])
        .status(2)
        .stderr_has("the run was rolled back; there is no step left to `--retry`");
    dir.exec(&["--resume"])
        .status(0)
        .stdout_has("nothing to resume");
}

/// A journal of another runbook cannot be resumed with this one, so a fresh run over it
/// must not say "continue it with `--resume`" (which is then refused): it names what
/// works, and each of those works.
#[test]
fn a_fresh_run_over_a_foreign_journal_names_only_what_works() {
    let book = runbook(1, vec![step("a", &[], "true"), step("b", &["a"], "exit 1")]);
    let dir = Dir::new(&book);
    dir.exec(&[]).status(1);
    // The runbook was generated again since: another digest at the same path.
    let again = runbook(
        1,
        vec![step("a", &[], "true"), step("b", &["a"], "touch b.ran")],
    );
    dir.write("rb.json", &again);
    let refused = dir
        .exec(&[])
        .status(2)
        .stderr_has("holds the journal of a different runbook")
        .stderr_has("its own `--journal PATH`")
        .stderr_has("`--restart`");
    assert!(!refused.stderr.contains("--resume"), "{refused:#?}");
    // `--resume` is refused indeed, and says what works instead.
    dir.exec(&["--resume"])
        .status(2)
        .stderr_has("different runbook")
        .stderr_has("resume it with the runbook it was written for")
        .stderr_has("its own `--journal PATH`, or with `--restart` (not `--resume`)");
    // Its own journal works, and leaves the other alone.
    let journal = dir.read("rb.journal");
    dir.exec(&["--journal", "again.journal"]).status(0);
    assert!(dir.has("b.ran"));
    assert_eq!(dir.read("rb.journal"), journal);
    dir.exec(&["--report"])
        .status(2)
        .stderr_has("report it with the runbook it was written for");
    // So does `--restart`.
    std::fs::remove_file(dir.path().join("b.ran")).unwrap();
    dir.exec(&["--restart"]).status(0);
    assert!(dir.has("b.ran"));
    assert_eq!(dir.read("rb.journal.1"), journal);
}

/// A fresh run over an unfinished drill, or a rollback that did not finish, names the
/// `--resume` that continues it (a plain `--resume` would be refused).
#[test]
fn a_fresh_run_over_an_unfinished_journal_names_the_resume_that_works() {
    let dir = Dir::new(&failing_restore_with_undo("test -f undo.works"));
    dir.exec(&["--drill"]).status(1);
    dir.exec(&[])
        .status(2)
        .stderr_has("holds an unfinished drill; continue it with `--resume --drill`");
    dir.exec(&["--drill"])
        .status(2)
        .stderr_has("holds an unfinished drill; continue it with `--resume --drill`");
    dir.exec(&["--resume", "--drill", "--rollback"]).status(1);
    dir.exec(&["--drill"]).status(2).stderr_has(
        "holds the unfinished rollback of a drill; continue it with `--resume --drill --rollback`",
    );
    dir.write("undo.works", "");
    dir.exec(&["--resume", "--drill", "--rollback"]).status(0);

    std::fs::remove_file(dir.path().join("undo.works")).unwrap();
    dir.exec(&["--restart"]).status(1);
    dir.exec(&["--drill"]).status(2).stderr_has(
        "holds an unfinished real run, not a drill; continue it with `--resume` (without `--drill`)",
    );
    dir.exec(&["--resume", "--rollback"]).status(1);
    dir.exec(&[])
        .status(2)
        .stderr_has("holds a rollback that did not finish; continue it with `--resume --rollback`");
}

/// `--resume --rollback` when no step has started says there is nothing to roll back
/// and leaves the journal as it was (it closed the run as `rolled-back`, so a run that
/// never began could not be resumed, and its report said it was rolled back).
#[test]
fn a_rollback_when_no_step_started_leaves_the_journal_as_it_was() {
    let dir = Dir::new(&runbook(
        1,
        vec![
            with(
                step("a", &[], "echo a >> counter"),
                "rollback",
                json!(["undo-a"]),
            ),
            step("b", &["a"], "echo b >> counter"),
            with(
                step("undo-a", &[], "touch undone"),
                "phase",
                json!("rollback"),
            ),
        ],
    ));
    dir.exec(&[]).status(0);
    // drplan stopped right after it created the journal, before the first step.
    let header = dir.read("rb.journal").lines().next().unwrap().to_string() + "\n";
    dir.write("rb.journal", &header);
    std::fs::write(dir.path().join("counter"), "").unwrap();
    dir.exec(&["--resume", "--rollback"])
        .status(0)
        .stdout_has("no step has started; nothing to roll back")
        .stdout_has("`--resume` continues the run");
    assert_eq!(dir.read("rb.journal"), header);
    assert!(!dir.has("undone"));
    dir.exec(&["--report"])
        .status(0)
        .stdout_has("- status: **unfinished**");
    // The run was not closed: it goes on.
    dir.exec(&["--resume"])
        .status(0)
        .stdout_has("every step is done");
    assert_eq!(dir.read("counter"), "a\nb\n");

    // A drill that skipped every step finished with nothing to roll back either.
    let dir = Dir::new(&runbook(
        1,
        vec![
            with(
                with(
                    step("cut-over", &[], "touch cut-over"),
                    "drill",
                    json!({ "mode": "skip" }),
                ),
                "rollback",
                json!(["undo-cut-over"]),
            ),
            with(
                step("undo-cut-over", &[], "touch undone"),
                "phase",
                json!("rollback"),
            ),
        ],
    ));
    dir.exec(&["--drill"]).status(0);
    let journal = dir.read("rb.journal");
    let run = dir
        .exec(&["--resume", "--drill", "--rollback"])
        .status(0)
        .stdout_has("nothing to roll back");
    assert!(!run.stdout.contains("rolled back"), "{run:#?}");
    assert_eq!(dir.read("rb.journal"), journal);
    assert!(!dir.has("undone"));
    dir.exec(&["--report"])
        .status(0)
        .stdout_has("- status: **finished**");
}

/// exec.md: `--report` gives "the number of attempts". A `--mark-done` is not an
/// attempt: the step ran once (or twice) and was marked done, and the report said
/// "done (2 attempts)" (or 3), counting the mark as a run.
#[test]
fn report_counts_a_mark_done_apart_from_the_attempts() {
    let manual = with(
        step("call", &[], ""),
        "action",
        json!({ "kind": "manual", "instruction": "Call the insurer." }),
    );
    let dir = Dir::new(&runbook(
        1,
        vec![
            manual,
            step("check", &["call"], "exit 4"),
            step("last", &["check"], "true"),
        ],
    ));
    // The manual step fails closed once, and a person marks it done.
    dir.exec(&[]).status(1);
    dir.exec(&["--resume", "--mark-done", "call"]).status(1);
    // `check` fails twice, and is marked done once a person checked it.
    dir.exec(&["--resume", "--retry", "check"]).status(1);
    dir.exec(&["--resume", "--mark-done", "check"]).status(0);
    let run = dir
        .exec(&["--report"])
        .status(0)
        .stdout_has("| done: marked done by the operator (--mark-done) |")
        .stdout_has("| done (2 attempts): marked done by the operator (--mark-done) |");
    assert!(!run.stdout.contains("3 attempts"), "{run:#?}");
    let call = run
        .stdout
        .lines()
        .find(|l| l.starts_with("| `call`"))
        .unwrap();
    assert!(!call.contains("attempts"), "{call}");

    let run = dir.exec(&["--report", "--format", "json"]).status(0);
    let history: Value = serde_json::from_str(&run.stdout).unwrap();
    let attempts = |i: usize| history["steps"][i]["attempts"].as_array().unwrap().len();
    assert_eq!((attempts(0), attempts(1), attempts(2)), (1, 2, 1));
    assert_eq!(history["steps"][0]["outcome"], "done");
    assert_eq!(history["steps"][0]["attempts"][0]["outcome"], "failed");
    assert!(history["steps"][1]["marked-done"].is_string());
    assert!(history["steps"][2]["marked-done"].is_null());
}
