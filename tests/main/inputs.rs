//! Hostile inputs made in the test: bad bytes, huge files, deep nesting, include trouble.
//! Each must give its diagnostic and exit code, never a panic.

use crate::test_builder::Test;
use std::time::{Duration, Instant};

#[test]
fn invalid_utf8_is_reported() {
    Test::new()
        .bytes("plan.dr", b"plan clinic {\n  description \"caf\xe9\"\n}\n")
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::invalid-utf8")
        .stdout_contains("plan.dr:2:")
        .run();
}

#[test]
fn invalid_utf8_at_the_very_start() {
    Test::new()
        .bytes("plan.dr", b"\xff\xfe")
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::invalid-utf8")
        .run();
}

#[test]
fn file_over_the_size_limit_is_refused_unread() {
    let test = Test::new();
    let file = std::fs::File::create(test.path().join("huge.dr")).expect("create");
    // Sparse: the length is over the limit without writing the bytes.
    file.set_len(drplan::load::MAX_FILE_BYTES + 1)
        .expect("set length");
    test.args(["check", "huge.dr"])
        .status(1)
        .stdout_contains("drplan::file-too-large")
        .stdout_contains("huge.dr")
        .run();
}

#[test]
fn fifty_megabytes_of_junk_stop_early_without_a_panic() {
    let line = "server { cpu many }\n";
    let junk = line.repeat(50_000_000 / line.len());
    let started = Instant::now();
    let output = Test::new()
        .bytes("big.dr", junk.as_bytes())
        .args(["check", "big.dr"])
        .status(1)
        .stdout_contains("drplan::too-many-errors")
        .run();
    assert!(
        output.stdout.matches("drplan::").count() <= 60,
        "reporting did not stop"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn too_many_errors_stops_reporting() {
    let text: String = (0..60)
        .map(|i| format!("server s{i} {{ cpu many }}\n"))
        .collect();
    let output = Test::new()
        .bytes(
            "plan.dr",
            format!("plan clinic {{ rto 4h }}\n{text}").as_bytes(),
        )
        .args(["check", "--format", "json", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::too-many-errors")
        .stdout_contains("stopped after 50 errors in this file")
        .run();
    assert_eq!(
        output
            .stdout
            .matches("\"drplan::unexpected-token\"")
            .count(),
        50
    );
}

#[test]
fn ten_thousand_open_braces() {
    Test::new()
        .bytes("plan.dr", "{".repeat(10_000).as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::nesting-too-deep")
        .run();
}

#[test]
fn ten_thousand_open_braces_inside_a_declaration() {
    let text = format!("plan clinic {{ rto 4h {}", "{".repeat(10_000));
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::nesting-too-deep")
        .run();
}

#[test]
fn ten_thousand_balanced_braces() {
    let text = format!("{}{}", "{".repeat(10_000), "}".repeat(10_000));
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::nesting-too-deep")
        .run();
}

#[test]
fn empty_file_is_an_empty_plan() {
    Test::new()
        .bytes("plan.dr", b"")
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::empty-plan")
        .stdout_contains("`plan.dr` declares nothing")
        .run();
}

#[test]
fn whitespace_only_file_is_an_empty_plan() {
    Test::new()
        .bytes("plan.dr", b" \n\t\r\n")
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::empty-plan")
        .run();
}

#[test]
fn numbers_that_overflow() {
    for (property, number) in [
        ("cpu", "18446744073709551616".to_string()),
        ("cpu", "9".repeat(400)),
        ("memory", format!("{}GiB", "9".repeat(400))),
        ("memory", "2000PiB".to_string()),
        ("mtbf", format!("{}y", "9".repeat(400))),
    ] {
        Test::new()
            .plan(&format!(
                "plan clinic {{ rto 4h }}\nserver sql1 {{ {property} {number} }}"
            ))
            .args(["check", "plan.dr"])
            .status(1)
            .stdout_contains("drplan::number-out-of-range")
            .run();
    }
}

#[test]
fn include_of_a_missing_file() {
    Test::new()
        .plan(
            r#"
            plan clinic { rto 4h }
            include "roles.dr"
            "#,
        )
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::include-not-found")
        .stdout_contains("plan.dr:2:")
        .run();
}

#[test]
fn include_cycle_between_two_files() {
    Test::new()
        .file("a.dr", "plan clinic { rto 4h }\ninclude \"b.dr\"")
        .file("b.dr", "role it { kind owner }\ninclude \"a.dr\"")
        .args(["check", "a.dr"])
        .status(1)
        .stdout_contains("drplan::include-cycle")
        .stdout_contains("a.dr → b.dr → a.dr")
        .run();
}

#[test]
fn include_joins_files_into_one_plan() {
    Test::new()
        .file(
            "a.dr",
            "plan clinic { owner it  escalation it  rpo 1h }\ninclude \"sub/roles.dr\"",
        )
        .file("sub/roles.dr", "role it { kind owner }")
        .args(["check", "a.dr"])
        .stdout("no problems in 2 files\n")
        .run();
}

#[test]
fn diagnostic_in_an_included_file_names_that_file() {
    Test::new()
        .file("a.dr", "plan clinic { owner it }\ninclude \"roles.dr\"")
        .file("roles.dr", "role it { kind ownr }")
        .args(["check", "a.dr"])
        .status(1)
        .stdout_contains("drplan::invalid-value")
        .stdout_contains("roles.dr:1:")
        .run();
}

#[test]
fn human_output_shows_25_of_a_code_and_counts_the_rest() {
    let text: String = (0..60)
        .map(|i| format!("server s{i} {{ cpu many }}\n"))
        .collect();
    let output = Test::new()
        .bytes(
            "plan.dr",
            format!("plan clinic {{ rto 4h }}\n{text}").as_bytes(),
        )
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("… and 25 more `drplan::unexpected-token` diagnostics")
        .stdout_contains("51 errors, 0 warnings in 1 file")
        .run();
    assert_eq!(
        output.stdout.matches("drplan::unexpected-token\n").count(),
        25
    );
}
