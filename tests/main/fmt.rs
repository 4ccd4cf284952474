//! `drplan fmt` and `drplan::fmt::format_source`: every example plan and every clean case
//! formats idempotently to a plan with the same model and the same diagnostics; the CLI
//! rewrites, checks and reads stdin.

use crate::test_builder::{drplan, unindent};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The resolved model as JSON (spans are not serialized) and the diagnostic codes.
pub fn meaning(text: &str) -> (String, Vec<String>) {
    let compiled = drplan::compile(drplan::load::load_text("plan.dr", text));
    let model = serde_json::to_string(&compiled.plan).expect("model serializes");
    let codes = compiled
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    (model, codes)
}

/// Format `text`, check idempotence and that the meaning is unchanged; the formatted text.
pub fn check_formats(text: &str, what: &str) -> String {
    let formatted = drplan::fmt::format_source(text)
        .unwrap_or_else(|e| panic!("{what}: not formatted: {:?}", e.diagnostics));
    let again = drplan::fmt::format_source(&formatted).expect("formatted text formats");
    assert_eq!(again, formatted, "{what}: not idempotent");
    assert_eq!(
        meaning(&formatted),
        meaning(text),
        "{what}: meaning changed"
    );
    formatted
}

fn plan_files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dr"))
        .collect();
    files.sort();
    files
}

#[test]
fn example_plans_and_ok_cases_format_to_the_same_plan() {
    let files: Vec<PathBuf> = plan_files("plans")
        .into_iter()
        .chain(plan_files("tests/cases/ok"))
        .collect();
    assert!(files.len() >= 8);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read plan");
        check_formats(&text, &path.display().to_string());
    }
}

#[test]
fn example_plans_are_formatted() {
    for path in plan_files("plans") {
        let text = std::fs::read_to_string(&path).expect("read plan");
        let formatted = drplan::fmt::format_source(&text).expect("formats");
        assert!(
            formatted == text,
            "{} is not in the canonical layout: run `drplan fmt plans`",
            path.display()
        );
    }
}

const MESSY: &str = r#"
# A plan written in a hurry.
plan   messy{owner ops escalation ops   rto 4h;rpo 1h # objectives
  description "quotes \" and \\ and \u{e9} stay as written"}
role ops { kind on-call
   person "On call"


   contact "+1 555 0100"   # the pager
}
  # the site, with its one server
site dc{kind datacenter}
server web-1 { site dc  cpu 4   memory 16 GiB
# the database lives here too
  hypervisor none}



service web {on web-1 needs db ,cache   # two needs
  data 1GB}
service db { on web-1 }
service cache { on web-1 } # no data
# the end
"#;

#[test]
fn messy_plan_snapshot() {
    let text = unindent(MESSY);
    let formatted = check_formats(&text, "messy plan");
    insta::assert_snapshot!(formatted);
}

/// Run `drplan ARGS` in a temp dir holding `files`; exit status, stdout, stderr and the
/// files' text afterwards.
fn run_fmt(files: &[(&str, &str)], args: &[&str]) -> (i32, String, String, Vec<String>) {
    let dir = tempfile::TempDir::new().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let output = drplan()
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("run drplan");
    let after = files
        .iter()
        .map(|(path, _)| std::fs::read_to_string(dir.path().join(path)).unwrap())
        .collect();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
        after,
    )
}

const UNFORMATTED: &str = "site a { kind office }";
const FORMATTED: &str = "site b {\n  kind office\n}\n";

#[test]
fn fmt_rewrites_only_files_that_change() {
    let (status, stdout, _, after) = run_fmt(
        &[
            ("a.dr", UNFORMATTED),
            ("sub/b.dr", FORMATTED),
            ("c.txt", UNFORMATTED),
        ],
        &["fmt"],
    );
    assert_eq!((status, stdout.as_str()), (0, "formatted a.dr\n"));
    assert_eq!(
        after,
        ["site a {\n  kind office\n}\n", FORMATTED, UNFORMATTED]
    );
}

#[test]
fn fmt_check_lists_files_and_fails() {
    let files = [("a.dr", UNFORMATTED), ("b.dr", FORMATTED)];
    let (status, stdout, _, after) = run_fmt(&files, &["fmt", "--check", "."]);
    assert_eq!((status, stdout.as_str()), (1, "would reformat a.dr\n"));
    assert_eq!(after, [UNFORMATTED, FORMATTED]);
    let (status, stdout, _, _) = run_fmt(&files, &["fmt", "--check", "b.dr"]);
    assert_eq!((status, stdout.as_str()), (0, ""));
}

#[test]
fn fmt_refuses_syntax_errors() {
    let files = [("bad.dr", "site a { kind office"), ("good.dr", UNFORMATTED)];
    let (status, stdout, stderr, after) = run_fmt(&files, &["fmt", "bad.dr", "good.dr"]);
    assert_eq!((status, stdout.as_str()), (1, "formatted good.dr\n"));
    assert!(stderr.contains("drplan::unclosed-block"), "{stderr}");
    assert!(stderr.contains("`bad.dr` has syntax errors"), "{stderr}");
    assert_eq!(after[0], "site a { kind office");
}

#[test]
fn fmt_reads_stdin() {
    for flag in ["-", "--stdin"] {
        let mut child = drplan()
            .args(["fmt", flag])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run drplan");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"site a { kind office }")
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "site a {\n  kind office\n}\n"
        );
        assert_eq!(output.status.code(), Some(0));
    }
}
