//! `drplan simulate` through the real binary: exit codes, formats, determinism across
//! thread counts, what-if overrides.

use crate::test_builder::drplan;
use std::path::PathBuf;

fn run(args: &[&str]) -> (String, String, i32) {
    let output = drplan()
        .arg("simulate")
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("run drplan");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn a_scenario_whose_expectations_hold_exits_0() {
    let (stdout, _, status) = run(&["plans/drive-array-clone.dr", "--scenario", "array-failure"]);
    assert_eq!(status, 0, "{stdout}");
    assert!(stdout.contains("restore of `cms-sites` starts"), "{stdout}");
    assert!(stdout.contains("expectations held"), "{stdout}");
}

#[test]
fn a_failed_expectation_exits_1() {
    let (stdout, _, status) = run(&[
        "plans/drive-array-clone.dr",
        "--scenario",
        "array-failure",
        "--set",
        "standby.web2-warm-spare.ready-in=2d",
    ]);
    assert_eq!(status, 1, "{stdout}");
    assert!(stdout.contains("fails"), "{stdout}");
}

#[test]
fn monte_carlo_json_is_the_same_whatever_the_threads() {
    let base = [
        "plans/virtual-dr-standby.dr",
        "--trials",
        "3000",
        "--seed",
        "7",
        "--format",
        "json",
    ];
    let (one, _, status) = run(&[&base[..], &["--threads", "1"]].concat());
    assert_eq!(status, 0);
    let (two, _, _) = run(&[&base[..], &["--threads", "2"]].concat());
    assert_eq!(one, two);
    let json: serde_json::Value = serde_json::from_str(&one).expect("JSON");
    assert_eq!(json["monte_carlo"]["trials"], 3000);
    assert!(json["exact"]["services"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
    let (other_seed, _, _) = run(&[&base[..5], &["--seed", "8", "--format", "json"]].concat());
    assert_ne!(one, other_seed);
}

#[test]
fn compare_shows_what_changed() {
    let (stdout, _, status) = run(&[
        "plans/drive-array-clone.dr",
        "--scenario",
        "array-failure",
        "--set",
        "standby.web2-warm-spare.ready-in=4h",
        "--compare",
    ]);
    assert_eq!(status, 0, "{stdout}");
    assert!(
        stdout.contains("what if standby.web2-warm-spare.ready-in=4h"),
        "{stdout}"
    );
    assert!(stdout.contains("== baseline =="), "{stdout}");
}

#[test]
fn bad_overrides_and_scenarios_are_usage_errors() {
    let (_, stderr, status) = run(&[
        "plans/drive-array-clone.dr",
        "--set",
        "standby.nope.ready-in=4h",
    ]);
    assert_eq!(status, 2);
    assert!(stderr.contains("no standby `nope`"), "{stderr}");
    let (_, stderr, status) = run(&["plans/drive-array-clone.dr", "--scenario", "array-failur"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("did you mean `array-failure`?"), "{stderr}");
}
