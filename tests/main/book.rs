//! Every ```drplan snippet in the book (outside the diagnostic pages, which the guards
//! test) and in the README is a plan that passes `check` without errors, since readers
//! copy them; ```drplan,fails marks an example of a failure (it must have errors) and
//! ```drplan,ignore a fragment that is partial on purpose.

use std::path::{Path, PathBuf};

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("book dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if !path.ends_with("diagnostics") {
                markdown_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// (line number, must fail, text) of every ```drplan and ```drplan,fails block.
fn snippets(text: &str) -> Vec<(usize, bool, String)> {
    let mut found = Vec::new();
    let mut current: Option<(usize, bool, String)> = None;
    for (number, line) in text.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```drplan") => current = Some((number + 1, false, String::new())),
            (None, "```drplan,fails") => current = Some((number + 1, true, String::new())),
            (Some(_), "```") => found.extend(current.take()),
            (Some((_, _, block)), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    found
}

#[test]
fn book_and_readme_snippets_compile() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    markdown_files(&root.join("book/src"), &mut files);
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read markdown");
        for (line, must_fail, snippet) in snippets(&text) {
            checked += 1;
            let compiled = drplan::compile(drplan::load::load_text("snippet.dr", &snippet));
            let errors: Vec<String> = compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            match (must_fail, errors.is_empty()) {
                (false, false) => failures.push(format!("{}:{line}: {errors:?}", file.display())),
                (true, true) => failures.push(format!(
                    "{}:{line}: marked `fails` but passes",
                    file.display()
                )),
                _ => {}
            }
        }
    }
    assert!(checked >= 10, "only {checked} snippets found");
    assert!(
        failures.is_empty(),
        "snippets that do not compile:\n{}",
        failures.join("\n")
    );
}

/// `1234567` as `1,234,567`, the way the book writes numbers.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Every row of the limits page states its limit as the code enforces it, and every
/// row is checked, so a limit changed in one place is changed in both.
#[test]
fn the_limits_page_states_the_limits_in_the_code() {
    use drplan::model::limits;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("book/src/reference/limits.md")).expect("page");
    let rows: Vec<(String, String)> = page
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| limit |"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let mib = |bytes: u64| {
        assert_eq!(bytes % (1 << 20), 0);
        format!("{} MiB", bytes >> 20)
    };
    let expected: Vec<(&str, String)> = vec![
        ("size of one file", mib(drplan::load::MAX_FILE_BYTES)),
        (
            "files in one plan, includes and all",
            grouped(drplan::load::MAX_FILES as u64),
        ),
        (
            "size of all the files of one plan",
            mib(drplan::load::MAX_PLAN_BYTES),
        ),
        (
            "nesting of `{` blocks",
            format!("{} levels", drplan::syntax::MAX_NESTING),
        ),
        (
            "errors reported per file",
            grouped(drplan::syntax::MAX_ERRORS_PER_FILE as u64),
        ),
        (
            "length of a name",
            format!("{} bytes", drplan::syntax::MAX_NAME_BYTES),
        ),
        (
            "length of a string",
            format!(
                "{} KiB between its quotes",
                drplan::syntax::MAX_STRING_BYTES >> 10
            ),
        ),
        (
            "declarations in one plan (stages and changes counted)",
            grouped(limits::MAX_DECLARATIONS as u64),
        ),
        (
            "scenarios in one plan",
            grouped(limits::MAX_SCENARIOS as u64),
        ),
        (
            "events (`at …`) in one scenario",
            grouped(limits::MAX_EVENTS_PER_SCENARIO as u64),
        ),
        (
            "expectations (`expect …`) in one scenario",
            grouped(limits::MAX_EXPECTATIONS_PER_SCENARIO as u64),
        ),
        (
            "Monte Carlo trials × components with failure data",
            grouped(drplan::simulate::monte_carlo::MAX_COMPONENT_SAMPLES),
        ),
        (
            "nodes of the exact analysis's decision diagram",
            grouped(drplan::simulate::exact::MAX_BDD_NODES as u64),
        ),
    ];
    let rows: Vec<(&str, &str)> = rows.iter().map(|(l, v)| (l.as_str(), v.as_str())).collect();
    let expected: Vec<(&str, &str)> = expected.iter().map(|(l, v)| (*l, v.as_str())).collect();
    assert_eq!(rows, expected);
    assert_eq!(drplan::syntax::MAX_STRING_BYTES % 1024, 0);
}
