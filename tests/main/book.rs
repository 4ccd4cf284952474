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
