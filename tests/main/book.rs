//! Every ```drplan snippet in the book (outside the diagnostic pages, which the guards
//! test) and in the README compiles without front-end errors; ```drplan,ignore marks
//! fragments that are partial on purpose.

use drplan::analysis::is_analysis_code;
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

/// (line number, text) of every ```drplan block.
fn snippets(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in text.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```drplan") => current = Some((number + 1, String::new())),
            (Some(_), "```") => found.extend(current.take()),
            (Some((_, block)), _) => {
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
        for (line, snippet) in snippets(&text) {
            checked += 1;
            let compiled = drplan::compile(drplan::load::load_text("snippet.dr", &snippet));
            let errors: Vec<String> = compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error() && !is_analysis_code(d.code))
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            if !errors.is_empty() {
                failures.push(format!("{}:{line}: {errors:?}", file.display()));
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
