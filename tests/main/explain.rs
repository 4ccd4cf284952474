//! `drplan explain`: one code's page, the list of codes, and unknown codes.

use crate::test_builder::Test;
use drplan::diagnostics::Code;

#[test]
fn explain_prints_the_page() {
    Test::new()
        .args(["explain", "dependency-cycle"])
        .stdout(Code::DependencyCycle.explanation())
        .run();
}

#[test]
fn explain_accepts_the_prefixed_code() {
    Test::new()
        .args(["explain", "drplan::unknown-reference"])
        .stdout(Code::UnknownReference.explanation())
        .run();
}

#[test]
fn explain_unknown_code_exits_two_with_a_suggestion() {
    Test::new()
        .args(["explain", "unknown-refrence"])
        .status(2)
        .stderr_contains("`unknown-refrence` is not a drplan diagnostic code")
        .stderr_contains("did you mean `unknown-reference`?")
        .run();
}

#[test]
fn explain_nonsense_points_at_the_list() {
    Test::new()
        .args(["explain", "zzz"])
        .status(2)
        .stderr_contains("drplan explain --list")
        .run();
}

#[test]
fn explain_needs_a_code_or_list() {
    Test::new().args(["explain"]).status(2).run();
}

#[test]
fn list_names_every_code_once_with_its_severity() {
    let output = Test::new().args(["explain", "--list"]).run();
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), Code::ALL.len(), "{}", output.stdout);
    for (line, code) in lines.iter().zip(Code::ALL) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[0], code.name(), "{line}");
        let severity = format!("{:?}", code.default_severity()).to_lowercase();
        assert_eq!(fields[1], severity, "{line}");
        assert!(line.ends_with(code.summary()), "{line}");
    }
}
