//! `drplan check` and the command line: every exit code, `--deny warnings`, `--format json`.

use crate::test_builder::Test;

const CLEAN: &str = "
    plan clinic {
      owner it
      escalation manager
      rto 4h
      rpo 1h
    }
    role it { kind owner }
    role manager { kind escalation }
    site main { kind office }
    server sql1 { site main  cpu 16  memory 64GiB }
";

#[test]
fn clean_plan_exits_zero() {
    Test::new()
        .plan(CLEAN)
        .args(["check", "plan.dr"])
        .stdout("no problems in 1 file\n")
        .run();
}

#[test]
fn plan_error_exits_one() {
    Test::new()
        .plan(
            "
            plan clinic { rto 4h }
            server sql1 { cpu 16 }
            service ehr { on sql1  needs ehr-bd }
            ",
        )
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::unknown-reference")
        .stdout_contains("plan.dr:3:")
        .stdout_contains("1 error, 0 warnings in 1 file")
        .run();
}

#[test]
fn every_path_is_one_plan() {
    Test::new()
        .plan(CLEAN)
        .file("other.dr", "plan other { rto 1x }")
        .args(["check", "plan.dr", "other.dr"])
        .status(1)
        .stdout_contains("drplan::invalid-unit")
        .stdout_contains("1 error, 0 warnings in 2 files")
        .run();
}

#[test]
fn directory_is_one_plan() {
    Test::new()
        .file(
            "estate/plan.dr",
            "plan clinic { owner it  escalation it  rpo 1h }",
        )
        .file("estate/roles.dr", "role it { kind owner }")
        .file("estate/notes.txt", "not a plan")
        .args(["check", "estate"])
        .stdout("no problems in 2 files\n")
        .run();
}

#[test]
fn missing_path_exits_two() {
    Test::new()
        .args(["check", "nowhere.dr"])
        .status(2)
        .stdout_contains("drplan::io-error")
        .stdout_contains("nowhere.dr")
        .run();
}

#[test]
fn directory_without_plans_exits_two() {
    Test::new()
        .dir("empty")
        .file("empty/readme.txt", "nothing here")
        .args(["check", "empty"])
        .status(2)
        .stdout_contains("drplan::no-plan-files")
        .run();
}

#[test]
fn unreadable_path_wins_over_plan_errors() {
    Test::new()
        .plan("plan clinic { rto 1x }")
        .args(["check", "plan.dr", "nowhere.dr"])
        .status(2)
        .stdout_contains("drplan::invalid-unit")
        .stdout_contains("drplan::io-error")
        .run();
}

#[test]
fn check_without_paths_is_a_usage_error() {
    Test::new()
        .args(["check"])
        .status(2)
        .stderr_contains("required")
        .run();
}

#[test]
fn unknown_flag_is_a_usage_error() {
    Test::new()
        .plan(CLEAN)
        .args(["check", "plan.dr", "--fromat", "json"])
        .status(2)
        .stderr_contains("--fromat")
        .run();
}

#[test]
fn unknown_format_is_a_usage_error() {
    Test::new()
        .plan(CLEAN)
        .args(["check", "plan.dr", "--format", "xml"])
        .status(2)
        .stderr_contains("xml")
        .run();
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    Test::new().args(["chek"]).status(2).run();
}

const WARNING_ONLY: &str = "
    role it { kind owner }
    site main { kind office }
";

#[test]
fn warning_alone_exits_zero() {
    Test::new()
        .plan(WARNING_ONLY)
        .args(["check", "plan.dr"])
        .stdout_contains("drplan::missing-plan")
        .stdout_contains("0 errors, ")
        .run();
}

#[test]
fn deny_warnings_turns_a_warning_into_exit_one() {
    Test::new()
        .plan(WARNING_ONLY)
        .args(["check", "--deny", "warnings", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::missing-plan")
        .stdout_contains(" 0 warnings in 1 file")
        .stdout_lacks("0 errors")
        .run();
}

#[test]
fn deny_warnings_leaves_a_clean_plan_clean() {
    Test::new()
        .plan(CLEAN)
        .args(["check", "plan.dr", "--deny", "warnings"])
        .stdout("no problems in 1 file\n")
        .run();
}

#[test]
fn deny_accepts_only_warnings() {
    Test::new()
        .plan(CLEAN)
        .args(["check", "plan.dr", "--deny", "errors"])
        .status(2)
        .run();
}

#[test]
fn json_format_reports_code_location_and_summary() {
    let output = Test::new()
        .plan(
            "
            plan clinic { rto 4h }
            server sql1 { cpu 16 }
            service ehr-db { on sql1 }
            service ehr { on sql1  needs ehr-bd }
            ",
        )
        .args(["check", "--format", "json", "plan.dr"])
        .status(1)
        .run();
    let json = output.stdout.trim();
    assert!(json.starts_with('{') && json.ends_with('}'), "{json}");
    for expected in [
        r#""code": "drplan::unknown-reference""#,
        r#""severity": "error""#,
        r#""file": "plan.dr""#,
        r#""line": 4"#,
        r#""column": 30"#,
        r#""primary": true"#,
        r#""help": "did you mean `ehr-db`?""#,
        r#""errors": 1"#,
        r#""warnings": 0"#,
        r#""files": 1"#,
    ] {
        assert!(json.contains(expected), "missing {expected} in\n{json}");
    }
    assert!(!json.contains('×'), "human output mixed into JSON:\n{json}");
}

#[test]
fn json_format_for_a_clean_plan_has_no_diagnostics() {
    let output = Test::new()
        .plan(CLEAN)
        .args(["check", "--format", "json", "plan.dr"])
        .run();
    let compact: String = output.stdout.split_whitespace().collect();
    assert!(
        compact.starts_with(r#"{"diagnostics":[],"#),
        "{}",
        output.stdout
    );
    assert!(compact.contains(r#""errors":0"#), "{}", output.stdout);
}

#[test]
fn json_escapes_quotes_in_messages() {
    let output = Test::new()
        .plan(r#"plan clinic { description "C:\plans" }"#)
        .args(["check", "--format", "json", "plan.dr"])
        .status(1)
        .run();
    assert!(output
        .stdout
        .contains(r#""code": "drplan::invalid-escape""#));
    assert!(
        output.stdout.contains(r#"\\\" \\\\ \\n"#),
        "{}",
        output.stdout
    );
}

#[test]
fn no_color_output_has_no_escape_codes() {
    let output = Test::new()
        .plan("plan clinic { rto 1x }")
        .args(["check", "plan.dr"])
        .status(1)
        .run();
    assert!(!output.stdout.contains('\u{1b}'), "{}", output.stdout);
}

#[test]
fn help_of_every_subcommand_succeeds() {
    for command in [
        "check", "explain", "graph", "simulate", "runbook", "exec", "fmt", "report",
    ] {
        let output = Test::new().args([command, "--help"]).run();
        assert!(
            output.stdout.contains("Usage: drplan"),
            "{command}: {output:?}"
        );
    }
    Test::new()
        .args(["--help"])
        .stdout_contains("Commands:")
        .stdout_contains("check")
        .run();
    Test::new()
        .args(["help", "check"])
        .stdout_contains("Exit status")
        .run();
}

#[test]
fn version_succeeds() {
    Test::new()
        .args(["--version"])
        .stdout_contains(env!("CARGO_PKG_VERSION"))
        .run();
}
