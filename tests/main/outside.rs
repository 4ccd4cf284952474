//! Plans written by hand from the book alone, by a reviewer who had not read the source:
//! each test pins a place where drplan and the book disagreed.

use crate::test_builder::Test;

/// A small clean estate the tests below add to.
const ESTATE: &str = "
    plan p { owner ops  escalation ops  rto 1d  rpo 1d }
    role ops { kind owner }
    site hq { kind office }
    site vault { kind vault }
    server host { site hq  allow single-point-of-failure \"one host on purpose\" }
    service app { on host  data 10GB }
";

/// A backup of `app` that passes every backup rule.
const BACKUP: &str =
    "backup bk { of app  full every 1d at 01:00  to vault  keep 30d  tested every 30d }\n";

fn estate(more: &str) -> String {
    format!(
        "{}{}",
        crate::test_builder::unindent(ESTATE),
        crate::test_builder::unindent(more)
    )
}

/// Line breaks carry no meaning, so `rotate 2` followed by `media tape` is two
/// properties, not `rotate 2 media` and an unknown property `tape`.
#[test]
fn rotate_then_media_is_two_properties() {
    Test::new()
        .plan(&estate(
            "
            backup tapes {
              of app
              full every 1d at 01:00
              to vault
              rotate 5
              media tape
              keep 30d
              tested every 30d
            }
            backup snaps {
              of app
              rotate 2 media snapshot every 1d at 02:00
              to vault
              keep 30d
              tested every 30d
            }
            ",
        ))
        .args(["check", "plan.dr"])
        .stdout("no problems in 1 file\n")
        .run();
    let formatted =
        drplan::fmt::format_source("backup b { rotate 5 media tape }\n").expect("parses");
    assert_eq!(formatted, "backup b {\n  rotate 5\n  media tape\n}\n");
}

/// A help that shows plan text shows a duration the language accepts: `90m`, not
/// `1h 30m` (one number and one unit).
#[test]
fn suggested_plan_text_has_one_unit_durations() {
    let output = Test::new()
        .plan(
            "
            plan p { owner ops  escalation ops  rto 1d  rpo 90m  test-every 30h }
            role ops { kind owner }
            site hq { kind office }
            site away { kind vault }
            storage nas { kind nas  site hq }
            server host { site hq  allow single-point-of-failure \"one host\" }
            service app { on host  data 10GB }
            backup bk {
              of app
              full every 1d at 01:00
              to nas
              rotate 2 media
              offsite away every 36h
              keep 20h
              tested every 36h
            }
            ",
        )
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("`incremental every 90m`")
        .stdout_contains("`offsite away every 90m`")
        .stdout_contains("`tested every 30h`")
        .stdout_contains("`keep 36h`")
        .run();
    assert!(
        !output.stdout.contains("every 1h 30m`") && !output.stdout.contains("`keep 1d"),
        "{}",
        output.stdout
    );
}

/// `--suggest-stages` names its stages after their rollout: stage names share the
/// plan's one namespace, so `stage-1` in two rollouts could not be pasted back. A soak
/// it copies is one duration (`36h`, not `1d12h`).
#[test]
fn suggested_stages_of_two_rollouts_paste_back_cleanly() {
    let rollouts = "
        rollout first {
          window sat 00:00 .. sun 24:00
          stage both {
            go-no-go sun 12:00
            soak 36h
            change app-upgrade { on app  takes 1h  snapshot before  precheck \"p\"  verify smoke  rollback restore-snapshot }
            change host-firmware { on host  takes 1h  snapshot before  precheck \"p\"  verify smoke  rollback restore-snapshot }
          }
        }
        rollout second {
          window sat 00:00 .. sun 24:00
          stage only {
            go-no-go sun 12:00
            change app-config { on app  kind config  takes 1h  snapshot before  precheck \"p\"  verify smoke  rollback restore-snapshot }
          }
        }
    ";
    let output = Test::new()
        .plan(&estate(&format!("{BACKUP}{rollouts}")))
        .args(["check", "--suggest-stages", "plan.dr"])
        .status(1)
        .stdout_contains("stage first-stage-1 {")
        .stdout_contains("stage first-stage-2 {")
        .stdout_contains("stage second-stage-1 {")
        .stdout_contains("soak 36h")
        .run();
    // The suggestions, each from its `rollout` line to its closing brace.
    let suggestions: Vec<&str> = output
        .stdout
        .split("# suggested staging for rollout")
        .skip(1)
        .map(|block| {
            let start = block.find("\nrollout ").expect("a rollout") + 1;
            let end = start + block[start..].find("\n}\n").expect("its end") + 3;
            &block[start..end]
        })
        .collect();
    assert_eq!(suggestions.len(), 2, "{}", output.stdout);
    Test::new()
        .plan(&format!(
            "{}{BACKUP}{}",
            crate::test_builder::unindent(ESTATE),
            suggestions.concat()
        ))
        .args(["check", "plan.dr"])
        .stdout("no problems in 1 file\n")
        .run();
}

/// A `random over` scenario scripts no failure: there is nothing to recover from, so it
/// gets no runbook (it had one that said "Declare a disaster when:  are down").
#[test]
fn a_random_scenario_has_no_runbook() {
    let plan = estate(
        "
        backup bk { of app  full every 1d at 01:00  to vault  keep 30d  tested every 30d }
        scenario year { random over 1y }
        scenario fire {
          at sat 02:00 fail hq
          expect app rto 2d
          activation \"smoke\"
          reconstitution \"rebuilt\"
        }
        ",
    );
    Test::new()
        .plan(&plan)
        .args(["runbook", "plan.dr", "--scenario", "year"])
        .status(2)
        .stderr_contains("scenario `year` has no scripted failures")
        .run();
    // The only scenario with failures is the one a bare `runbook` picks.
    Test::new()
        .plan(&plan)
        .args(["runbook", "plan.dr"])
        .stdout_contains("# Runbook: Recover from scenario fire of plan p")
        .stdout_contains("up to 2 steps at once")
        .run();
}

#[test]
fn a_runbook_counts_one_step_at_once_in_the_singular() {
    Test::new()
        .plan(&estate(
            "
            backup bk { of app  full every 1d at 01:00  to vault  keep 30d  tested every 30d }
            scenario fire { at sat 02:00 fail hq  restore-parallelism 1  activation \"a\"  reconstitution \"b\" }
            ",
        ))
        .args(["runbook", "plan.dr"])
        .stdout_contains("up to 1 step at once")
        .run();
}

/// An edge from a node to the site cluster it stands in is drawn to the site's point:
/// `lhead` there makes Graphviz warn "tail is inside head cluster" and drop the clip.
#[test]
fn an_edge_to_the_own_site_has_no_lhead() {
    let output = Test::new()
        .plan(&estate(
            "
            backup bk { of app  full every 1d at 01:00  to vault  keep 30d  tested every 30d }
            standby spare { site hq  covers hq  runs physical  ready-in 1h }
            standby truck { covers hq  runs physical  ready-in 1d }
            ",
        ))
        .args(["graph", "plan.dr"])
        .run();
    let edge = |from: &str, to: &str| {
        output
            .stdout
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("\"{from}\" -> \"{to}\""))
            })
            .unwrap_or_else(|| panic!("no edge {from} -> {to}:\n{}", output.stdout))
            .to_string()
    };
    assert!(!edge("backup:bk", "site:vault").contains("lhead"));
    assert!(!edge("standby:spare", "site:hq").contains("lhead"));
    assert!(edge("standby:truck", "site:hq").contains("lhead=\"cluster_site:hq\""));
}

/// Output larger than a pipe's buffer, read by nobody: the commands that printed with
/// `print!` panicked with "failed printing to stdout: Broken pipe" under `| head`.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let mut services = String::new();
    for i in 0..1500 {
        services.push_str(&format!("service app{i} {{ on host  needs app }}\n"));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("plan.dr"), estate(&services)).expect("write");
    for args in [
        vec!["graph", "plan.dr"],
        vec!["graph", "plan.dr", "--format", "mermaid"],
    ] {
        let mut child = crate::test_builder::drplan()
            .args(&args)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run drplan");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// `media disk` written to a cloud bucket counts as cloud media: the label says so, and
/// the help does not suggest the `media disk` the backup already has without saying where.
#[test]
fn three_two_one_names_the_medium_it_counted() {
    let output = Test::new()
        .plan(&estate(
            "
            site region { kind cloud }
            storage bucket { kind cloud  site region }
            service critical-app { on host  data 10GB  criticality critical }
            backup bk { of app, critical-app  full every 1d at 01:00  to bucket  keep 30d  tested every 30d }
            ",
        ))
        .args(["check", "plan.dr"])
        .run();
    let text = output
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for wanted in [
        "backups only on `cloud`",
        "a copy on cloud (`media disk` written to the cloud)",
        "(`media disk`, written to a storage that is not in the cloud)",
    ] {
        assert!(text.contains(wanted), "no {wanted:?} in\n{}", output.stdout);
    }
}

/// Differentials with no full, written to a site that survives: the backup is not lost,
/// it has nothing to restore, and the label and help say that.
#[test]
fn rpo_unmet_tells_an_unrestorable_backup_from_a_lost_one() {
    let output = Test::new()
        .plan(&estate(
            "
            backup bk { of app  differential every 1d at 01:00  to vault  keep 30d  tested every 30d }
            ",
        ))
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::differential-without-full")
        .stdout_contains("what survives has no `full` or `snapshot` to restore")
        .stdout_contains("give the backup a `full`")
        .run();
    assert!(
        !output.stdout.contains("every backup is lost with it"),
        "{}",
        output.stdout
    );
}

/// The exact table's basis says `fail-probability` for a component given one (it said
/// "over the mission"), and a service that fails over gets no Monte Carlo figure beside
/// the exact one: a trial counts the switch-over as down, the exact analysis does not.
#[test]
fn the_exact_table_compares_like_with_like() {
    let output = Test::new()
        .plan(
            "
            plan p { owner ops  escalation ops  rto 1d  rpo 1d }
            role ops { kind owner }
            site hq { kind office }
            site dr { kind colo }
            server a { site hq  fail-probability 5%  allow single-point-of-failure \"x\" }
            server b { site hq  mtbf 5y }
            server b-dr { site dr  fail-probability 1% }
            service x { on a  data 1GB }
            service y { on b  failover b-dr after 30m  data 1GB }
            service z { on a  needs y }
            backup bk { of x, y  full every 1d at 01:00  to dr  keep 30d  tested every 30d }
            scenario year { random over 1y }
            ",
        )
        .args(["simulate", "plan.dr", "--trials", "500"])
        .run();
    let row = |name: &str| {
        output
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")) && l.contains("e-"))
            .unwrap_or_else(|| panic!("no exact row for {name}:\n{}", output.stdout))
            .to_string()
    };
    assert!(row("x").ends_with("fail-probability"), "{}", row("x"));
    assert!(row("x").contains('('), "x is comparable: {}", row("x"));
    assert!(row("y").contains('—'), "y fails over: {}", row("y"));
    assert!(row("z").contains('—'), "z needs y: {}", row("z"));
}

/// An included file is shown by a tidy path: `shared/roles.dr`, not
/// `plan/../shared/roles.dr` (which a SARIF consumer cannot map to the repository).
#[test]
fn included_files_are_shown_without_dot_dot() {
    let output = Test::new()
        .file("plan/estate.dr", "include \"../shared/roles.dr\"\nplan p { owner ops  escalation ops  rto 1d  rpo 1d }\n")
        .file("shared/roles.dr", "role ops { kind owner  colour blue }\n")
        .args(["check", "plan"])
        .status(1)
        .stdout_contains("shared/roles.dr:1:")
        .run();
    assert!(!output.stdout.contains(".."), "{}", output.stdout);
    Test::new()
        .file("plan/estate.dr", "include \"../shared/roles.dr\"\nplan p { owner ops  escalation ops  rto 1d  rpo 1d }\n")
        .file("shared/roles.dr", "role ops { kind owner  colour blue }\n")
        .args(["check", "--format", "sarif", "plan"])
        .status(1)
        .stdout_contains("\"uri\": \"shared/roles.dr\"")
        .run();
}

/// `--compare` names timeline entries by event and subject: by position they were
/// compared with whatever event moved into that place, and the restore that started
/// and the one that finished shared one row.
#[test]
fn compare_names_timeline_entries_by_event() {
    Test::new()
        .plan(&estate(
            "
            backup bk { of app  full every 1d at 01:00  to vault  keep 30d  tested every 30d }
            standby truck { covers hq  runs physical  ready-in 1d }
            scenario fire { at sat 02:00 fail hq  activation \"a\"  reconstitution \"b\" }
            ",
        ))
        .args([
            "simulate",
            "plan.dr",
            "--set",
            "standby.truck.ready-in=4h",
            "--compare",
        ])
        .stdout_contains("timeline[restore-started app].time.seconds")
        .stdout_contains("timeline[restored app].time.seconds")
        .stdout_lacks("timeline[app]")
        .run();
}

/// Only units of size and duration may stand apart from their number: `40 GiB/h` gets
/// an error that says so and shows the attached form, not "rate needs a unit".
#[test]
fn a_detached_rate_unit_is_explained() {
    Test::new()
        .plan(&estate(
            "
            service other { on host  change-rate 40 GiB/h  downtime-cost 5000 /h  fail-probability 2 % }
            ",
        ))
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("rate needs its unit attached")
        .stdout_contains("`40GiB/h`")
        .stdout_contains("cost needs its unit attached")
        .stdout_contains("`5000/h`")
        .stdout_contains("probability needs its unit attached")
        .stdout_contains("`2%`")
        .run();
}

/// The clean test plans, the hand-written ones included, through the independent tools
/// the book names: Graphviz renders the DOT without a warning, every runbook's JSON
/// validates against book/src/runbook.schema.json and every script passes shellcheck
/// (each tool when installed). The example-plan tests cover `plans/` only.
#[test]
fn clean_cases_pass_the_independent_tools() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let has = |tool: &str, flag: &str| Command::new(tool).arg(flag).output().is_ok();
    let (has_dot, has_shellcheck) = (has("dot", "-V"), has("shellcheck", "--version"));
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("book/src/runbook.schema.json")).expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a usable schema");
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("tests/cases/ok"))
        .expect("tests/cases/ok")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dr"))
        .collect();
    paths.sort();
    let run = |args: &[&str]| {
        let output = crate::test_builder::drplan()
            .args(args)
            .output()
            .expect("run drplan");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
        output.stdout
    };
    for path in paths {
        let file = path.to_str().expect("a UTF-8 path");
        if has_dot {
            let text = run(&["graph", file]);
            crate::graph::check_with_graphviz(&String::from_utf8_lossy(&text), file);
        }
        let plan = drplan::compile(drplan::load::load(&path))
            .plan
            .expect("a clean plan resolves");
        let subjects = plan
            .scenarios
            .iter()
            .filter(|s| !s.events.is_empty())
            .map(|s| ("--scenario", s.name.to_string()))
            .chain(
                plan.rollouts
                    .iter()
                    .map(|r| ("--rollout", r.name.to_string())),
            );
        for (flag, name) in subjects {
            let json = run(&["runbook", file, flag, &name, "--format", "json"]);
            let value: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{file} {flag} {name}: {errors:#?}");
            if has_shellcheck {
                let mut lint = Command::new("shellcheck")
                    .arg("-")
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("run shellcheck");
                let script = run(&["runbook", file, flag, &name, "--format", "sh"]);
                lint.stdin.take().unwrap().write_all(&script).unwrap();
                let output = lint.wait_with_output().unwrap();
                assert!(
                    output.status.success(),
                    "{file} {flag} {name}: shellcheck says:\n{}",
                    String::from_utf8_lossy(&output.stdout)
                );
            }
        }
    }
}

/// A size in a message is the size as written, `10GB`, as the timelines show it, not
/// converted to `9.3GiB`.
#[test]
fn no_backup_states_the_size_as_written() {
    Test::new()
        .plan(ESTATE)
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("`app` holds 10GB of data and no backup covers it")
        .run();
}

/// runbook.md said a plan with errors gets no runbook; a safety finding (here a change
/// with no rollback) does not stop it, as for `graph` and `simulate`: only a plan that
/// does not compile does.
#[test]
fn a_runbook_is_written_despite_safety_findings_but_not_for_a_broken_plan() {
    let rollout = "
        rollout r {
          window sat 00:00 .. sat 12:00
          stage one {
            go-no-go sat 10:00
            change c { on app  takes 1h  snapshot before  precheck \"p\"  verify smoke }
          }
        }
    ";
    Test::new()
        .plan(&estate(&format!("{BACKUP}{rollout}")))
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::missing-rollback")
        .run();
    Test::new()
        .plan(&estate(&format!("{BACKUP}{rollout}")))
        .args(["runbook", "plan.dr"])
        .stdout_contains("# Runbook")
        .run();
    Test::new()
        .plan(&estate(&format!(
            "{BACKUP}{rollout}service x {{ on nowhere }}\n"
        )))
        .args(["runbook", "plan.dr"])
        .status(1)
        .run();
}

/// A one-step runbook whose step runs until its directory is removed.
const LINGERING_RUNBOOK: &str = r#"{"format":1,"plan":"p","kind":"scenario","name":"n","title":"t",
  "rto-seconds":null,"parallelism":1,"contacts":[],"steps":[{"id":"long","phase":"recovery",
  "stage":null,"title":"long","owner":null,"after":[],"group":null,"expected-seconds":1,
  "clock-seconds":1,"action":{"kind":"command","command":"while [ -e rb.json ]; do sleep 0.1; done"},
  "timeout-seconds":60,"drill":{"mode":"run"},"gate":null,"stop-if":null,"on-failure":"f",
  "rollback":[]}]}"#;

/// Start `drplan exec rb.json` in `dir` and wait until its step has started.
fn exec_in_background(dir: &std::path::Path) -> std::process::Child {
    let mut child = crate::test_builder::drplan()
        .args(["exec", "rb.json"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn drplan");
    let journal = dir.join("rb.journal");
    for _ in 0..200 {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text.contains(r#""record":"start""#) {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the background run never started its step");
}

/// exec.md: "Only one drplan at a time can hold a journal", and a locked journal exits
/// 2. `--resume` read the journal before taking the lock, so while a run was going it
/// told the operator to `--retry` the step that was still running (exit 1), and
/// `--restart` archived the journal from under the running drplan and started a second
/// run beside it.
#[test]
fn resume_and_restart_of_a_journal_in_use_are_refused() {
    let test = Test::new().file("rb.json", LINGERING_RUNBOOK);
    let mut running = exec_in_background(test.path());
    let dir = test.path().to_path_buf();
    let in_use = |args: &[&str]| {
        Test::new()
            .args(["exec", dir.join("rb.json").to_str().unwrap()])
            .args(args)
            .status(2)
            .stderr_contains("is in use by another drplan")
            .run();
    };
    in_use(&["--resume"]);
    in_use(&["--resume", "--rollback"]);
    in_use(&["--restart"]);
    assert!(!dir.join("rb.journal.1").exists(), "nothing was archived");
    drop(test);
    running.wait().expect("the background run ends");
}

/// runbook.md: the soak has "the services' `check` as the stop condition", and exec.md
/// fails a probe "slower than its `timeout-seconds`". The soak probed only the first
/// changed service with a `check`, and gave the probe the whole soak (here 1d) to
/// answer, so a hung check stopped nothing for a day; a probe now gets a command's
/// 10 minutes.
#[test]
fn a_soak_probes_every_changed_service_and_a_hung_probe_times_out() {
    let plan = "
        plan p { owner ops  escalation ops  rto 1d  rpo 1d }
        role ops { kind owner }
        site hq { kind office }
        site vault { kind vault }
        server host { site hq  allow single-point-of-failure \"one host on purpose\" }
        service app { on host  data 10GB  check \"curl -fs http://app/health\" }
        service web { on host  check \"test -e /run/web.pid || exit 1\" }
        backup bk { of app, web  full every 1d at 01:00  to vault  keep 30d  tested every 30d }
        rollout r {
          window sat 00:00 .. sat 12:00
          soak 1d
          stage one {
            go-no-go sat 10:00
            change c { on app, web  takes 1h  snapshot before  precheck \"p\"  verify smoke  rollback restore-snapshot }
          }
        }
    ";
    let out = Test::new()
        .plan(plan)
        .args(["runbook", "plan.dr", "--format", "json"])
        .run();
    let runbook: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let soak = runbook["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == "one.soak")
        .expect("a soak step");
    assert_eq!(
        soak["stop-if"],
        serde_json::json!({
            "command": "(curl -fs http://app/health) && (test -e /run/web.pid || exit 1)",
            "timeout-seconds": 600,
            "interval-seconds": 300,
        })
    );
}

/// exec.md: "`finished` and `rolled-back` close the journal: `--resume` then has
/// nothing to do". A fresh run over a finished journal still advised to "continue it
/// with `--resume`", which only answers that there is nothing to resume.
#[test]
fn a_fresh_run_over_a_finished_journal_points_to_restart_only() {
    let test = Test::new().file(
        "rb.json",
        &LINGERING_RUNBOOK.replace("while [ -e rb.json ]; do sleep 0.1; done", "true"),
    );
    let dir = test.path().to_path_buf();
    let status = crate::test_builder::drplan()
        .args(["exec", "rb.json"])
        .current_dir(&dir)
        .output()
        .expect("run drplan")
        .status;
    assert!(status.success());
    let out = test
        .args(["exec", "rb.json"])
        .status(2)
        .stderr_contains("holds a finished run; archive it and start again with `--restart`")
        .run();
    assert!(!out.stderr.contains("--resume"), "{out:#?}");
}

/// simulate.md: `--compare` prints "the numbers that differ side by side". Durations
/// and rates read as in a plan (`56m`, `200MB/s`), but a scenario's `detect` came out
/// as raw seconds (`900`) and a restore's `data` as raw bytes (`100000000000`).
#[test]
fn compare_shows_detect_as_a_duration_and_data_as_a_size() {
    let plan = estate(&format!(
        "{BACKUP}scenario loss {{ at mon 10:00 fail app  activation \"a\"  reconstitution \"r\" }}\n"
    ));
    Test::new()
        .plan(&plan)
        .args(["simulate", "plan.dr", "--set", "scenario.loss.detect=1h"])
        .args(["--set", "service.app.data=1TB", "--compare"])
        .stdout_contains("scenarios[loss].detect")
        .stdout_contains("15m")
        .stdout_contains("].data")
        .stdout_contains("10GB")
        .stdout_lacks("10000000000")
        .stdout_lacks("  900  ")
        .run();
}

/// exec.md: the gate "runs every `interval-seconds` until it passes; if it has not
/// passed within its `timeout-seconds`, the step fails". With a 3 s timeout checked
/// every 2 s the gate ran at 0 s and 2 s and then failed, at 2 s, saying it "did not
/// pass within 3 s": it now has a last try at the deadline (here passing at 3 s).
#[test]
fn a_gate_gets_a_last_attempt_at_its_deadline() {
    let runbook = LINGERING_RUNBOOK
        .replace(
            "while [ -e rb.json ]; do sleep 0.1; done",
            "(sleep 2.5; touch ready) >/dev/null 2>&1 &",
        )
        .replace(
            r#""gate":null"#,
            r#""gate":{"command":"test -f ready","timeout-seconds":3,"interval-seconds":2}"#,
        );
    Test::new()
        .file("rb.json", &runbook)
        .args(["exec", "rb.json"])
        .stdout_contains("<== long: done")
        .run();
}

/// simulate.md: after a failed verification, `rollback restore-snapshot` "reverts in
/// 15m ... then boots", and runbook.md takes its clock from that replay. The runbook
/// went from `notify` straight to starting the service 5h 55m in: the revert, the one
/// thing to do, was missing (a snapshot revert runs outside the restore queue, so the
/// timeline has no restore for it). And with a second failed change whose rollback is
/// described, its step was named after the first no-go ("No-go for up:
/// restore-snapshot") instead of its own procedure.
#[test]
fn a_failed_change_rolled_back_to_its_snapshot_gets_a_revert_step() {
    let plan = estate(&format!(
        "{BACKUP}
        rollout r {{
          window sat 18:00 .. sun 06:00
          stage one {{
            go-no-go sun 02:00
            change up {{ on app  takes 2h  snapshot before  precheck \"p\"  verify smoke \"s\"  rollback restore-snapshot }}
            change cfg {{ on web  kind config  takes 1h  snapshot before  precheck \"p\"  verify smoke \"s\"  rollback \"undo cfg\" }}
          }}
        }}
        service web {{ on host }}
        scenario up-fails {{
          at sat 20:30 fail-verify up
          at sat 20:30 fail-verify cfg
          activation \"a\"
          reconstitution \"r\"
        }}
        "
    ));
    // The described rollback is `cfg`'s, not the first failed change's.
    Test::new()
        .plan(&plan)
        .args(["runbook", "plan.dr", "--scenario", "up-fails"])
        .stdout_contains("Revert app to the snapshot taken before up")
        .stdout_contains("expected 15m · clock +5h 45m")
        .stdout_contains("No-go for cfg: \"undo cfg\"")
        .stdout_lacks("No-go for up: restore-snapshot")
        .run();
}

/// A scenario runbook measures its clock against the scenario's own bar: an
/// `expect SERVICE rto D` in the scenario, not only the service's RTO (the book was
/// silent, and a 2h expectation was shown against the service's 1d).
#[test]
fn a_scenario_runbook_uses_the_rto_its_scenario_expects() {
    let plan = estate(&format!(
        "{BACKUP}
        rollout r {{
          window sat 18:00 .. sun 06:00
          stage one {{
            go-no-go sun 02:00
            change up {{ on app  takes 2h  snapshot before  precheck \"p\"  verify smoke \"s\"  rollback restore-snapshot }}
          }}
        }}
        scenario up-fails {{
          at sat 20:30 fail-verify up
          expect app rto 2h
          activation \"a\"
          reconstitution \"r\"
        }}
        "
    ));
    Test::new()
        .plan(&plan)
        .args(["runbook", "plan.dr", "--scenario", "up-fails"])
        .stdout_contains(" · RTO 2h · ")
        .stdout_contains("clock +5h 45m of RTO 2h (**past the RTO**)")
        .run();
}

/// With two failed changes rolled back the same way, each service's step names its own
/// change: the revert and rollback steps took the first no-go of the scenario, so
/// `web` was reverted "to the snapshot taken before up", a change it is not part of, and
/// the second described rollback had no step at all.
#[test]
fn each_rolled_back_service_names_its_own_change() {
    let plan = estate(&format!(
        "{BACKUP}
        rollout r {{
          window sat 18:00 .. sun 06:00
          stage one {{
            go-no-go sun 02:00
            change up {{ on app  takes 2h  snapshot before  precheck \"p\"  verify smoke \"s\"  rollback restore-snapshot }}
            change up2 {{ on web  takes 2h  snapshot before  precheck \"p\"  verify smoke \"s\"  rollback restore-snapshot }}
          }}
          stage two {{
            go-no-go sun 02:00
            change cfg1 {{ on db  kind config  takes 1h  snapshot before  precheck \"p\"  verify smoke \"s\"  rollback \"undo one\" }}
            change cfg2 {{ on api  kind config  takes 1h  snapshot before  precheck \"p\"  verify smoke \"s\"  rollback \"undo two\" }}
          }}
        }}
        service web {{ on host }}
        service db {{ on host }}
        service api {{ on host }}
        scenario both-fail {{
          at sat 20:30 fail-verify up
          at sat 20:30 fail-verify up2
          at sat 20:30 fail-verify cfg1
          at sat 20:30 fail-verify cfg2
          activation \"a\"
          reconstitution \"r\"
        }}
        "
    ));
    Test::new()
        .plan(&plan)
        .args(["runbook", "plan.dr", "--scenario", "both-fail"])
        .stdout_contains("Revert app to the snapshot taken before up**")
        .stdout_contains("Revert web to the snapshot taken before up2")
        .stdout_contains("No-go for cfg1: \"undo one\"")
        .stdout_contains("No-go for cfg2: \"undo two\"")
        .run();
}

/// rollout.md did not say how a stage without a window is dated; it now does: such a
/// stage follows the previous one's end and soak, the stages after it are dated from
/// its end, and a windowless first stage leaves the rollout undated (no waits).
#[test]
fn a_stage_without_a_window_follows_on_and_later_stages_are_dated_from_it() {
    let change = |name: &str| {
        format!(
            "change {name} {{ on app  takes 2h  snapshot before  precheck \"p\"  verify smoke \"s\"  rollback restore-snapshot }}"
        )
    };
    let rollout = |first_window: &str| {
        format!(
            "
            rollout r {{
              starts 2025-01-01
              soak 1d
              stage one {{ {first_window} go-no-go fri 02:00  {} }}
              stage two {{ go-no-go fri 02:00  {} }}
              stage three {{ window mon 20:00 .. tue 04:00  go-no-go tue 02:00  {} }}
            }}
            ",
            change("c1"),
            change("c2"),
            change("c3")
        )
    };
    // One: Thursday 2 January 20:00 to 22:00, soak to Friday 22:00; two: to Saturday
    // 00:00, soak to Sunday 00:00; three: the next Monday 20:00, 6 January.
    Test::new()
        .plan(&estate(&format!(
            "{BACKUP}{}",
            rollout("window thu 20:00 .. fri 04:00 ")
        )))
        .args(["runbook", "plan.dr"])
        .stdout_contains("opens Monday 2025-01-06 20:00")
        .stdout_lacks("`two.wait`")
        .run();
    Test::new()
        .plan(&estate(&format!("{BACKUP}{}", rollout(""))))
        .args(["runbook", "plan.dr"])
        .stdout_lacks("Wait for the window")
        .run();
}

/// exec.md: exit status 2 when "the command line is wrong". `--resume --retry` of a
/// step the runbook does not have exited 1, as if the operator still had a decision
/// to make about it.
#[test]
fn retry_or_mark_done_of_an_unknown_step_is_a_usage_error() {
    let failing = LINGERING_RUNBOOK.replace("while [ -e rb.json ]; do sleep 0.1; done", "false");
    for option in ["--retry", "--mark-done"] {
        let test = Test::new().file("rb.json", &failing);
        let status = crate::test_builder::drplan()
            .args(["exec", "rb.json"])
            .current_dir(test.path())
            .output()
            .expect("run drplan")
            .status;
        assert_eq!(status.code(), Some(1), "the step fails");
        test.args(["exec", "rb.json", "--resume", option, "lnog"])
            .status(2)
            .stderr_contains("`lnog` is not a step of `rb.json`")
            .run();
    }
}

/// A quoted name (`service "app" { … }`) is one mistake: reported once, and the
/// declaration is still read as `app` (it gave two unexpected-token errors for the same
/// string and "service `` has no `on`").
#[test]
fn a_quoted_name_is_one_error_and_the_declaration_still_counts() {
    let output = Test::new()
        .plan(&estate("service \"web\" { on host  needs app }\n"))
        .args(["check", "--format", "json", "plan.dr"])
        .status(1)
        .stdout_contains("expected a name, found the string \\\"web\\\"")
        .stdout_contains("write `web`")
        .run();
    assert_eq!(codes(&output.stdout), ["drplan::unexpected-token"]);
}

/// The codes of the diagnostics in `check --format json` output, in order.
fn codes(json: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(json).expect("JSON");
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().expect("code").to_string())
        .collect()
}

/// A quoted name left open (`service "web {`) is one mistake too: the string never
/// ends, and the `{` it took is given back, so the body is read (it also gave "expected
/// `{`" and "service `` has no `on`").
#[test]
fn an_unterminated_quoted_name_is_one_error_and_the_body_still_counts() {
    let output = Test::new()
        .plan(&estate("service \"web {\n  on host  needs app\n}\n"))
        .args(["check", "--format", "json", "plan.dr"])
        .status(1)
        .stdout_contains("string is missing its closing quote")
        .stdout_contains("a name is written without quotes: write `web`")
        .run();
    assert_eq!(codes(&output.stdout), ["drplan::unterminated-string"]);
}

/// `fail` takes a service, server, vm, storage or site: an unknown target's help names
/// them all, not only the first.
#[test]
fn an_unknown_fail_target_suggests_every_kind_it_takes() {
    Test::new()
        .plan(&estate(&format!(
            "{BACKUP}scenario x {{ at mon 10:00 fail nothing }}\n"
        )))
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("declare a service, a server, a vm, a storage or a site named `nothing`")
        .run();
}
