//! Every safety rule: `tests/cases/rules/<code>/fails.dr` triggers the code (rendered
//! diagnostics snapshotted) and `passes.dr`, the same plan fixed, does not.

use crate::test_builder::drplan;
use drplan::diagnostics::Code;
use std::path::{Path, PathBuf};

fn rules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases/rules")
}

/// The diagnostics of `drplan check --format json FILE` run from the file's folder.
fn check_json(path: &Path) -> serde_json::Value {
    let output = drplan()
        .args(["check", "--format", "json"])
        .arg(path.file_name().expect("a file"))
        .current_dir(path.parent().expect("a folder"))
        .output()
        .expect("run drplan");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// Codes produced by `drplan check FILE` run from the file's folder.
fn check(path: &Path) -> (String, Vec<Code>) {
    let json = check_json(path);
    let codes = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            d["code"]
                .as_str()
                .expect("code")
                .parse()
                .expect("known code")
        })
        .collect();
    let human = drplan()
        .arg("check")
        .arg(path.file_name().expect("a file"))
        .current_dir(path.parent().expect("a folder"))
        .output()
        .expect("run drplan");
    let stdout = String::from_utf8_lossy(&human.stdout).into_owned();
    (
        format!(
            "{stdout}\nexit status: {}\n",
            human.status.code().unwrap_or(-1)
        ),
        codes,
    )
}

/// The rule directories, each named for its code.
pub fn rule_codes() -> Vec<(Code, PathBuf)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(rules_dir())
        .expect("tests/cases/rules")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let code = name
                .parse::<Code>()
                .unwrap_or_else(|()| panic!("{name} is not a diagnostic code"));
            (code, dir)
        })
        .collect()
}

#[test]
fn each_rule_fails_its_example_and_passes_the_fix() {
    let mut checked = 0;
    for (code, dir) in rule_codes() {
        let (rendered, codes) = check(&dir.join("fails.dr"));
        assert!(
            codes.contains(&code),
            "{code}: fails.dr gives {codes:?}\n{rendered}"
        );
        insta::assert_snapshot!(format!("rule@{}", code.name()), rendered);
        let (rendered, codes) = check(&dir.join("passes.dr"));
        assert!(
            !codes.contains(&code),
            "{code}: passes.dr still gives it\n{rendered}"
        );
        checked += 1;
    }
    assert!(checked > 0, "no rule cases found");
}

#[test]
fn unlike_hardware_is_one_finding_per_server_naming_its_standbys() {
    // Two servers covered by eight unlike standbys (one allows the finding): two
    // findings, not sixteen, each labelling the seven standbys that do not allow it.
    let path = rules_dir().join("unlike-hardware/many-standbys.dr");
    let json = check_json(&path);
    let findings: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "drplan::unlike-hardware")
        .collect();
    assert_eq!(findings.len(), 2, "{json:#}");
    for finding in findings {
        let labels: Vec<&str> = finding["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|l| l["message"].as_str().expect("a label message"))
            .collect();
        assert_eq!(labels.len(), 8, "the server and seven standbys: {labels:?}");
        assert!(
            !labels.contains(&"model \"H\""),
            "spare-h allows it: {labels:?}"
        );
        let message = finding["message"].as_str().expect("message");
        assert!(
            message.ends_with(
                "(standbys `spare-a`, `spare-b`, `spare-c`, `spare-d`, `spare-e` and 2 more)"
            ),
            "{message}"
        );
    }
    let (rendered, _) = check(&path);
    insta::assert_snapshot!(rendered);
}

#[test]
fn no_backup_suggests_a_backup_tested_as_often_as_the_plan_asks() {
    // Pasted as is, the example must not trip `untested-backup` on a stricter plan.
    let plan = "plan p { rto 4h  rpo 1d  owner ops  escalation ops  test-every 7d }\n\
                role ops { kind owner }\nserver h { }\nservice db { on h  data 10GB }\n";
    crate::test_builder::Test::new()
        .plan(plan)
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("backup db-nightly { of db  full every 1d at 01:00")
        .stdout_contains("tested every 7d }`")
        .run();
}

#[test]
fn no_backup_suggests_a_name_that_is_free() {
    // `db-nightly` is taken (names share one namespace): the example must not be a
    // duplicate-name error once pasted.
    let plan = "plan p { rto 4h  rpo 1d  owner ops  escalation ops }\n\
                role ops { kind owner }\nserver db-nightly { }\nsite db-nightly-2 { }\n\
                service db { on db-nightly  data 10GB }\n";
    crate::test_builder::Test::new()
        .plan(plan)
        .args(["check", "--format", "json", "plan.dr"])
        .status(1)
        .stdout_contains("backup db-nightly-3 { of db ")
        .run();
}

#[test]
fn single_point_of_failure_labels_a_few_unsuitable_standbys_and_names_the_rest() {
    // A label per standby made thousands of standbys times thousands of services.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let standbys: String = (1..=8)
        .map(|i| format!("standby spare-{i} {{ covers hq  site hq  ready-in 1h }}\n"))
        .collect();
    let path = dir.path().join("plan.dr");
    std::fs::write(
        &path,
        format!(
            "plan p {{ rto 4h  rpo 1d }}\nsite hq {{ kind office }}\n\
             server h {{ site hq  cpu 8  memory 32GiB  disk 1TB }}\nservice s {{ on h }}\n{standbys}"
        ),
    )
    .expect("write the plan");
    let json = check_json(&path);
    let finding = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "drplan::single-point-of-failure")
        .expect("a single-point-of-failure finding");
    let standby_labels = finding["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter(|l| l["message"] == "covers it, but stands at the lost site")
        .count();
    assert_eq!(standby_labels, 5, "{finding}");
    assert_eq!(
        finding["notes"][0],
        "3 more standbys cover it and cannot take it either: `spare-6`, `spare-7` and `spare-8`"
    );
}
