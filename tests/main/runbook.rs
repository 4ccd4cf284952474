//! `drplan runbook`: snapshots of every example plan's runbooks in the three formats,
//! the JSON against its published schema, the scripts under shellcheck, the command
//! line (selection, exit codes, atomic `-o`), and a plan that tries shell injection.

use crate::test_builder::{drplan, Test};
use drplan::emit::runbook::{json, markdown, shell};
use drplan::model::{RolloutId, ScenarioId};
use drplan::runbook::document::{Action, Drill, Runbook};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every runbook of every example plan: (`plan-kind-name`, document).
fn example_runbooks() -> Vec<(String, Runbook)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("plans"))
        .expect("plans/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dr"))
        .collect();
    paths.sort();
    let mut runbooks = Vec::new();
    for path in paths {
        let stem = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let compiled = drplan::compile(drplan::load::load(&path));
        let (plan, graph) = (compiled.plan.expect("plan"), compiled.graph.expect("graph"));
        for (i, scenario) in plan.scenarios.iter().enumerate() {
            let runbook = drplan::runbook::scenario(&plan, &graph, ScenarioId(i as u32));
            runbooks.push((format!("{stem}-scenario-{}", scenario.name), runbook));
        }
        for (i, rollout) in plan.rollouts.iter().enumerate() {
            let runbook = drplan::runbook::rollout(&plan, &graph, RolloutId(i as u32));
            runbooks.push((format!("{stem}-rollout-{}", rollout.name), runbook));
        }
    }
    assert!(runbooks.len() > 10);
    runbooks
}

#[test]
fn example_runbooks_match_their_snapshots() {
    for (name, runbook) in example_runbooks() {
        insta::assert_snapshot!(format!("{name}.md"), markdown(&runbook));
        insta::assert_snapshot!(format!("{name}.sh"), shell(&runbook));
        insta::assert_snapshot!(format!("{name}.json"), json(&runbook));
    }
}

/// A later stage starts in its own window, dated as the book's "How stages are dated"
/// says: the runbook's clock waits for it instead of starting right after the soak.
#[test]
fn a_later_stage_waits_for_its_window() {
    let runbooks = example_runbooks();
    let (_, runbook) = runbooks
        .iter()
        .find(|(name, _)| name == "snapshot-before-upgrade-rollout-ehr-10-to-11")
        .expect("the example rollout");
    let step = |id: &str| {
        runbook
            .steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("step {id}"))
    };
    // Stage `upgrade` opens Friday 7 March 2014 18:00 (clock 0), ends at +21h 3m and
    // soaks 2d: Monday 15:03 misses the mon 07:00 .. 12:00 window, so
    // `first-clinic-day` takes the next Monday, 17 March 07:00, 9d 13h in.
    let wait = step("first-clinic-day.wait");
    assert_eq!(wait.after, ["upgrade.soak"]);
    assert_eq!(wait.clock_seconds, (9 * 24 + 13) * 3600);
    assert_eq!(wait.drill, Drill::Skip);
    let Action::Manual { instruction } = &wait.action else {
        panic!("a person waits for the window")
    };
    assert!(
        instruction.contains("opens Monday 2014-03-17 07:00"),
        "{instruction}"
    );
    assert_eq!(
        step("first-clinic-day.go-no-go").after,
        ["first-clinic-day.wait"]
    );
    // Then a 2d soak ends on Wednesday 07:00: `portal` waits for Friday 18:00.
    assert_eq!(step("portal.wait").clock_seconds, 14 * 24 * 3600);
    // A stage that follows straight on in its window gets no wait step.
    assert!(runbook.steps.iter().all(|s| s.id != "upgrade.wait"));
}

#[test]
fn runbooks_are_well_formed_and_deterministic() {
    let again = example_runbooks();
    for ((name, runbook), (_, same)) in example_runbooks().iter().zip(&again) {
        assert_eq!(json(runbook), json(same), "{name}");
        assert_eq!(shell(runbook), shell(same), "{name}");
        let mut seen = std::collections::BTreeSet::new();
        for step in &runbook.steps {
            for after in &step.after {
                assert!(
                    seen.contains(after),
                    "{name}: {} before its {after}",
                    step.id
                );
            }
            for rollback in &step.rollback {
                let target = runbook.step(rollback).expect("rollback step exists");
                assert_eq!(target.phase, drplan::runbook::document::Phase::Rollback);
            }
            assert!(seen.insert(step.id.clone()), "{name}: {} twice", step.id);
        }
        let parsed: Runbook = serde_json::from_str(&json(runbook)).expect("JSON reads back");
        assert_eq!(&parsed, runbook);
    }
}

#[test]
fn runbook_json_validates_against_the_book_schema() {
    let text = std::fs::read_to_string(root().join("book/src/runbook.schema.json"))
        .expect("book/src/runbook.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a usable schema");
    for (name, runbook) in example_runbooks() {
        let value: serde_json::Value = serde_json::from_str(&json(&runbook)).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

fn has_tool(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

#[test]
fn example_scripts_pass_shellcheck() {
    if !has_tool("shellcheck") {
        println!("note: shellcheck is not installed; skipping the script lint");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    for (name, runbook) in example_runbooks() {
        let path = dir.path().join(format!("{name}.sh"));
        std::fs::write(&path, shell(&runbook)).expect("write script");
        let output = Command::new("shellcheck")
            .arg(&path)
            .output()
            .expect("run shellcheck");
        if !output.status.success() {
            failures.push(format!(
                "{name}:\n{}",
                String::from_utf8_lossy(&output.stdout)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const SMALL_PLAN: &str = "
    plan clinic { owner it  escalation boss  rto 4h  rpo 1h }
    role it   { kind owner  person \"Pat\"  contact \"pat@example.com\" }
    role boss { kind escalation }
    site main { kind office }
    site vault { kind offsite }
    server db1 { site main  cpu 4  memory 16GiB }
    service db {
      on db1
      data 10GB
      boot 5m
      start \"true\"
      check \"true\"
    }
    standby spare { covers db1  ready-in 1h  activate \"true\" }
    backup nightly { of db  full every 1d at 01:00  to vault  media disk  tested every 30d  offsite vault every 1d  restore \"true\" }
    backup second { of db  full every 1d at 03:00  to main  media disk  tested every 30d }
    scenario db-loss { at tue 10:00 fail db1  activation \"db1 down for 10 minutes\" }
";

#[test]
fn the_only_scenario_is_chosen() {
    Test::new()
        .plan(SMALL_PLAN)
        .args(["runbook", "plan.dr"])
        .stdout_contains("# Runbook: Recover from scenario db-loss")
        .stdout_contains("- [ ] **1. Declare the incident: db-loss** `declare`")
        .stdout_contains("| `it` | owner | Pat | pat@example.com |")
        .run();
}

#[test]
fn unknown_scenario_suggests_a_name() {
    Test::new()
        .plan(SMALL_PLAN)
        .args(["runbook", "plan.dr", "--scenario", "db-los"])
        .status(2)
        .stderr_contains("error: the plan has no scenario `db-los`")
        .stderr_contains("help: did you mean `db-loss`?")
        .run();
}

#[test]
fn several_candidates_need_a_choice() {
    Test::new()
        .args(["runbook", "plans/ehr-weekend-upgrade.dr"])
        .file(
            "plans/ehr-weekend-upgrade.dr",
            &std::fs::read_to_string(root().join("plans/ehr-weekend-upgrade.dr")).expect("plan"),
        )
        .status(2)
        .stderr_contains("--scenario NAME or --rollout NAME")
        .stderr_contains("rollouts: ehr-16-upgrade")
        .run();
}

#[test]
fn a_plan_with_errors_gets_no_runbook() {
    Test::new()
        .plan("plan p { owner nobody }\nservice s { on ghost }\nscenario x { at mon 01:00 fail ghost }")
        .args(["runbook", "plan.dr"])
        .status(1)
        .stderr_contains("the plan does not compile")
        .run();
}

#[test]
fn output_file_is_written_whole_and_executable() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path();
    std::fs::write(
        dir.join("plan.dr"),
        crate::test_builder::unindent(SMALL_PLAN),
    )
    .expect("plan");
    std::fs::create_dir(dir.join("out")).expect("out/");
    let output = drplan()
        .args([
            "runbook",
            "plan.dr",
            "--format",
            "sh",
            "-o",
            "out/db-loss.sh",
        ])
        .current_dir(dir)
        .output()
        .expect("drplan");
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let script = std::fs::read_to_string(dir.join("out/db-loss.sh")).expect("written");
    assert!(script.starts_with("#!/usr/bin/env bash\n"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("out"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left: {leftovers:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("out/db-loss.sh"))
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111);
    }
}

#[test]
fn unwritable_output_is_a_usage_error() {
    Test::new()
        .plan(SMALL_PLAN)
        .args(["runbook", "plan.dr", "-o", "missing/dir/out.md"])
        .status(2)
        .stderr_contains("error: cannot write `missing/dir/out.md`")
        .run();
}

/// Texts that a careless script would run: command substitution, backticks, quotes,
/// newlines and semicolons.
const HOSTILE_PLAN: &str = r#"
plan clinic { owner it  escalation boss  rto 4h  rpo 1h  description "$(touch pwned) `touch pwned`" }
role it   { kind owner  person "Pat'; touch pwned; echo '"  contact "\"; touch pwned; \"" }
role boss { kind escalation  person "$(touch pwned)\ntouch pwned" }
site main { kind office }
site vault { kind offsite }
server db1 { site main  cpu 4  memory 16GiB }
service db {
  on db1
  data 10GB
  start "echo started"
  check "echo checked"
  activation "$(touch pwned); `touch pwned`; ' touch pwned '\n touch pwned"
}
standby spare { covers db1  ready-in 1h  activate "echo activated"  contract "$(touch pwned)" }
backup nightly { of db  full every 1d at 01:00  to vault  media disk  tested every 30d  restore "echo restored"  description "$(touch pwned)" }
scenario db-loss {
  at tue 10:00 fail db1
  description "Loss of db1 $(touch pwned) `touch pwned` 'x'\n; touch pwned"
  activation "when ' $(touch pwned) ` touch pwned ` \" ; touch pwned"
  reconstitution "$(touch pwned)"
}
"#;

fn run_script(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg("db-loss.sh")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run bash")
}

#[test]
fn plan_texts_never_run_in_the_script() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    std::fs::write(dir.join("plan.dr"), HOSTILE_PLAN).expect("plan");
    let written = drplan()
        .args(["runbook", "plan.dr", "--format", "sh", "-o", "db-loss.sh"])
        .current_dir(&dir)
        .output()
        .expect("drplan");
    assert_eq!(written.status.code(), Some(0), "{written:?}");
    let listed = run_script(&dir, &["--list"]);
    assert!(listed.status.success(), "{listed:?}");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("restore.db"));
    let dry = run_script(&dir, &["--dry-run"]);
    assert!(dry.status.success(), "{dry:?}");
    assert!(String::from_utf8_lossy(&dry.stderr).contains("$(touch pwned)"));
    // A real run: the first step is manual, and without a terminal it fails closed.
    let real = run_script(&dir, &[]);
    assert_eq!(real.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&real.stderr);
    assert!(stderr.contains("this step needs a person"), "{stderr}");
    assert!(stderr.contains("--from declare"), "{stderr}");
    // The plan's own commands run as written.
    let only = run_script(&dir, &["--only", "restore.db"]);
    assert!(only.status.success(), "{only:?}");
    assert!(String::from_utf8_lossy(&only.stdout).contains("restored"));
    let resumed = run_script(&dir, &["--from", "boot.db"]);
    assert_eq!(resumed.status.code(), Some(1), "{resumed:?}");
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("started"));
    assert!(!dir.join("pwned").exists(), "a plan text was evaluated");
    if has_tool("shellcheck") {
        let lint = Command::new("shellcheck")
            .arg(dir.join("db-loss.sh"))
            .output()
            .expect("shellcheck");
        assert!(
            lint.status.success(),
            "{}",
            String::from_utf8_lossy(&lint.stdout)
        );
    }
    // The other formats take the same texts without breaking.
    let md = drplan()
        .args(["runbook", "plan.dr"])
        .current_dir(&dir)
        .output()
        .expect("drplan");
    assert!(md.status.success());
    assert!(!dir.join("pwned").exists());
}

#[test]
fn a_vm_lost_alone_is_rebuilt_on_its_server_before_the_restore() {
    let path = root().join("tests/cases/simulate/vm-fails-alone.dr");
    let compiled = drplan::compile(drplan::load::load(&path));
    let (plan, graph) = (compiled.plan.expect("plan"), compiled.graph.expect("graph"));
    let runbook = drplan::runbook::scenario(&plan, &graph, ScenarioId(0));
    let rebuild = runbook.step("rebuild.app-vm").expect("a rebuild step");
    assert_eq!(rebuild.title, "Rebuild vm app-vm on h");
    assert!(
        matches!(&rebuild.action, Action::Manual { instruction } if instruction.contains("(20GB image)")),
        "{:?}",
        rebuild.action
    );
    let restore = runbook.step("restore.app").expect("a restore step");
    assert_eq!(restore.after, ["rebuild.app-vm"]);
    assert!(
        runbook.step("rebuild.web-vm").is_none(),
        "web-vm did not fail"
    );
}

#[test]
fn a_restore_backup_rollback_restores_services_without_declared_data() {
    // `app` declares no data but has a backup; `cache` has none: the backup taken
    // before the change is what its rollback restores.
    let text = "plan p { owner ops  escalation ops }
        role ops { kind owner }
        server h { cpu 4 }
        service app { on h }
        service cache { on h }
        backup b { of app  full every 1d at 01:00 }
        rollout r {
          stage one { change up { on app  takes 10m  backup before  rollback restore-backup } }
          stage two { change warm { on cache  takes 5m  backup before  rollback restore-backup } }
        }";
    let compiled = drplan::compile(drplan::load::load_text("plan.dr", text));
    let (plan, graph) = (compiled.plan.expect("plan"), compiled.graph.expect("graph"));
    let runbook = drplan::runbook::rollout(&plan, &graph, RolloutId(0));
    let restore = runbook
        .step("one.up.rollback.restore.app")
        .expect("app is restored from b");
    assert_eq!(restore.title, "Restore app from b");
    let start = runbook.step("one.up.rollback.start.app").expect("a start");
    assert_eq!(start.after, ["one.up.rollback.restore.app"]);
    let fallback = runbook
        .step("two.warm.rollback.restore")
        .expect("what warm touched is restored");
    assert!(
        matches!(&fallback.action, Action::Manual { instruction } if instruction.contains("backup taken before it")),
        "{:?}",
        fallback.action
    );
}
