//! Guards: every code has a real page whose examples do what they say, every code that
//! plan text can produce has a corpus file (`tests/cases/err` or `tests/cases/rules`),
//! and every shipped plan checks clean.

use crate::test_builder::drplan;
use drplan::diagnostics::Code;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Codes a single plan file's text cannot produce; `inputs.rs` and `cli.rs` cover them.
const NOT_FROM_PLAN_TEXT: &[Code] = &[
    Code::IoError,
    Code::NoPlanFiles,
    Code::IncludeNotFound,
    Code::IncludeCycle,
    Code::FileTooLarge,
    Code::InvalidUtf8,
    Code::TooManyErrors,
];

/// Shipped plans that may fail `drplan check`: they show a problem on purpose.
const FAILING_ON_PURPOSE: &[&str] = &["big-bang-rollout.dr"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dr_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "dr"))
        .collect();
    files.sort();
    files
}

/// Each diagnostic's code, and whether it is an error.
fn codes_of_text(text: &str) -> Vec<(Code, bool)> {
    let compiled = drplan::compile(drplan::load::load_text("example.dr", text));
    compiled
        .diagnostics
        .iter()
        .map(|d| (d.code, d.is_error()))
        .collect()
}

/// The ```drplan blocks of a page, in order.
fn drplan_blocks(page: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```drplan") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn is_placeholder(page: &str) -> bool {
    page.trim().lines().count() <= 1
}

#[test]
fn every_code_has_a_page() {
    for &code in Code::ALL {
        let page = code.explanation();
        let title = format!("# drplan::{}\n", code.name());
        assert!(
            page.starts_with(&title),
            "{code}: page must open with {title:?}"
        );
        assert!(
            !is_placeholder(page) && page.lines().count() > 10,
            "{code}: page is a placeholder"
        );
        let severity = format!("{:?}", code.default_severity()).to_lowercase();
        assert!(
            page.contains(&format!("Severity: {severity}")),
            "{code}: page must give its severity ({severity})"
        );
        assert!(
            drplan_blocks(page).len() >= 2,
            "{code}: page needs a failing example and its fix"
        );
    }
}

/// The first example reports the page's code; the fix reports neither it nor any error.
#[test]
fn page_examples_fail_with_their_code_and_fixes_have_no_errors() {
    for &code in Code::ALL {
        if NOT_FROM_PLAN_TEXT.contains(&code) {
            continue;
        }
        let blocks = drplan_blocks(code.explanation());
        let failing = codes_of_text(&blocks[0]);
        assert!(
            failing.iter().any(|(c, _)| *c == code),
            "{code}: the first example gives {failing:?}\n{}",
            blocks[0]
        );
        let fixed = codes_of_text(&blocks[1]);
        assert!(
            !fixed.iter().any(|(c, is_error)| *c == code || *is_error),
            "{code}: the fixed example gives {fixed:?}\n{}",
            blocks[1]
        );
    }
}

#[test]
fn every_code_from_plan_text_has_a_corpus_file() {
    let mut found = BTreeSet::new();
    let rule_cases = crate::rules::rule_codes()
        .into_iter()
        .map(|(_, dir)| dir.join("fails.dr"));
    for path in dr_files(&root().join("tests/cases/err"))
        .into_iter()
        .chain(rule_cases)
    {
        let compiled = drplan::compile(drplan::load::load(&path));
        found.extend(compiled.diagnostics.iter().map(|d| d.code));
    }
    let missing: Vec<String> = Code::ALL
        .iter()
        .filter(|code| !NOT_FROM_PLAN_TEXT.contains(code) && !found.contains(code))
        .map(ToString::to_string)
        .collect();
    assert!(
        missing.is_empty(),
        "no tests/cases/err or tests/cases/rules file triggers {missing:?}"
    );
}

#[test]
fn every_shipped_plan_passes_check() {
    let plans = dr_files(&root().join("plans"));
    assert!(!plans.is_empty());
    let mut failing = Vec::new();
    for path in plans {
        let name = path
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        if FAILING_ON_PURPOSE.contains(&name.as_str()) {
            continue;
        }
        let output = drplan()
            .arg("check")
            .arg(&path)
            .output()
            .expect("run drplan");
        if output.status.code() != Some(0) {
            failing.push(format!(
                "{name}:\n{}",
                String::from_utf8_lossy(&output.stdout)
            ));
        }
    }
    assert!(
        failing.is_empty(),
        "plans that fail `drplan check`:\n{}",
        failing.join("\n")
    );
}

/// The index lists every code with the severity and summary `drplan explain --list`
/// prints (the page says the two are the same table).
#[test]
fn the_diagnostic_index_lists_every_code() {
    let index =
        std::fs::read_to_string(root().join("book/src/diagnostics/README.md")).expect("index");
    let wrong: Vec<String> = Code::ALL
        .iter()
        .filter_map(|code| {
            let name = code.name();
            let severity = format!("{:?}", code.default_severity()).to_lowercase();
            let row = format!(
                "| [`{name}`]({name}.md) | {severity} | {} |",
                code.summary()
            );
            (!index.lines().any(|line| line == row)).then_some(row)
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "book/src/diagnostics/README.md lacks these rows (or words them otherwise):\n{}",
        wrong.join("\n")
    );
}
