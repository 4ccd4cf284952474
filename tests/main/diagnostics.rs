//! The diagnostics corpus: every `tests/cases/err/*.dr` snapshotted as a person reads it,
//! and every `tests/cases/ok/*.dr` checked clean.

use crate::test_builder::drplan;
use std::path::Path;

/// Run `drplan check FILE` from the file's folder so the path shown is relative.
fn check(path: &Path, extra: &[&str]) -> (String, i32) {
    let output = drplan()
        .arg("check")
        .args(extra)
        .arg(path.file_name().expect("a file"))
        .current_dir(path.parent().expect("a folder"))
        .output()
        .expect("run drplan");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (stdout, output.status.code().unwrap_or(-1))
}

#[test]
fn err_corpus() {
    insta::glob!("../cases/err", "*.dr", |path| {
        let (stdout, status) = check(path, &[]);
        assert!(
            stdout.contains("drplan::"),
            "{}: no diagnostic",
            path.display()
        );
        let is_warning_only = stdout
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("0 errors"));
        let expected = if is_warning_only { 0 } else { 1 };
        assert_eq!(status, expected, "{}:\n{stdout}", path.display());
        insta::assert_snapshot!(format!("{stdout}\nexit status: {status}\n"));
    });
}

#[test]
fn ok_corpus() {
    insta::glob!("../cases/ok", "*.dr", |path| {
        let (stdout, status) = check(path, &["--deny", "warnings"]);
        assert_eq!(
            (stdout.as_str(), status),
            ("no problems in 1 file\n", 0),
            "{}",
            path.display()
        );
    });
}

/// A label in another file is drawn in a related report headed by that file's name,
/// not by a copy of the label's own text.
#[test]
fn a_label_in_another_file_is_headed_by_the_file() {
    crate::test_builder::Test::new()
        .file(
            "main.dr",
            "plan p { rto 4h  rpo 1h }\ninclude \"more.dr\"\nsite a { kind datacenter }\n",
        )
        .file(
            "more.dr",
            "site b { kind office }\nsite a { kind office }\n",
        )
        .args(["check", "--color", "never", "main.dr"])
        .status(1)
        .stdout_contains("╭─[more.dr:2:6]")
        .stdout_contains("☞ also in main.dr\n   ╭─[main.dr:3:6]")
        .stdout_contains("╰── first declared here as a site")
        .stdout_lacks("☞ first declared here")
        .run();
}
