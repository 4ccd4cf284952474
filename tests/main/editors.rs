//! Editor and shell support: completion scripts, manual pages, and the tree-sitter
//! grammar (its script runs when the tree-sitter CLI is at hand).

use crate::test_builder::{drplan, Test};
use std::path::PathBuf;
use std::process::Command;

fn has_command(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn bash_completions_are_valid_bash() {
    let output = Test::new().args(["completions", "bash"]).run();
    assert!(output.stdout.contains("simulate"), "{}", output.stdout);
    if !has_command("bash") {
        eprintln!("note: bash is not installed; the script was not syntax-checked");
        return;
    }
    let dir = tempfile::TempDir::new().expect("temp dir");
    let script = dir.path().join("drplan.bash");
    std::fs::write(&script, &output.stdout).expect("write script");
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash -n");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn every_shell_has_completions() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = Test::new().args(["completions", shell]).run();
        assert!(output.stdout.contains("drplan"), "{shell}");
    }
    Test::new().args(["completions", "tcsh"]).status(2).run();
}

#[test]
fn man_page_names_every_subcommand() {
    let output = Test::new().args(["man"]).run();
    assert!(output.stdout.starts_with(".ie"), "roff expected");
    for command in ["check", "explain", "simulate", "completions", "lsp"] {
        assert!(output.stdout.contains(command), "`{command}` in the page");
    }
}

#[test]
fn man_pages_per_subcommand_render() {
    let temp = tempfile::TempDir::new().expect("temp dir");
    let dir = temp.path().join("man");
    let status = drplan()
        .arg("man")
        .arg("-o")
        .arg(&dir)
        .status()
        .expect("run");
    assert!(status.success());
    for page in [
        "drplan.1",
        "drplan-check.1",
        "drplan-simulate.1",
        "drplan-lsp.1",
    ] {
        assert!(dir.join(page).is_file(), "{page}");
    }
    if !has_command("man") {
        eprintln!("note: man is not installed; the pages were not rendered");
        return;
    }
    let rendered = Command::new("man")
        .arg("-l")
        .arg(dir.join("drplan-check.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .expect("man -l");
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(text.contains("drplan-check"), "{text}");
    assert!(text.contains("--format"), "{text}");
}

/// `grammar/tree-sitter-drplan/test.sh`: generate, corpus tests, every example plan
/// parses without ERROR or MISSING nodes, highlighting runs. Skipped (with a note)
/// without the tree-sitter CLI, since installing it needs more than cargo.
#[test]
fn tree_sitter_grammar() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("grammar/tree-sitter-drplan/test.sh");
    assert!(script.is_file(), "the grammar ships its test script");
    if !has_command("tree-sitter") {
        eprintln!("note: tree-sitter is not installed; run grammar/tree-sitter-drplan/test.sh (it installs the CLI) to test the grammar");
        return;
    }
    let output = Command::new("bash")
        .arg(&script)
        .env("DRPLAN_TS_NO_INSTALL", "1")
        .output()
        .expect("run test.sh");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn lsp_is_listed_in_help_and_man_is_hidden() {
    let output = drplan().arg("--help").output().expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("lsp"), "{help}");
    assert!(help.contains("completions"), "{help}");
    assert!(!help.contains("\n  man "), "{help}");
}

/// The tree-sitter grammar's declaration table, as `(declaration, key, shape line)`.
fn grammar_table(grammar: &str) -> Vec<(String, String, String)> {
    let start = grammar
        .find("const DECLARATIONS = {")
        .expect("DECLARATIONS table");
    let mut rows = Vec::new();
    let mut declaration = String::new();
    for line in grammar[start..].lines().skip(1) {
        if line == "};" {
            break;
        }
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(": {")) {
            declaration = name.to_string();
        } else if let Some(row) = line.strip_prefix("    '") {
            let (key, shape) = row.split_once("': ").expect("'key': shape");
            rows.push((declaration.clone(), key.to_string(), shape.to_string()));
        }
    }
    rows
}

/// Every keyword of `schema.rs` is in the tree-sitter grammar with the same shape:
/// each declaration's properties exactly, each one-of property's values, and the
/// keywords of events, verifications, rollbacks and `defaults`.
#[test]
fn tree_sitter_grammar_matches_the_schema() {
    use drplan::syntax::schema::{self, Shape};
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let grammar = std::fs::read_to_string(root.join("grammar/tree-sitter-drplan/grammar.js"))
        .expect("grammar.js");
    let highlights =
        std::fs::read_to_string(root.join("grammar/tree-sitter-drplan/queries/highlights.scm"))
            .expect("highlights.scm");
    let table = grammar_table(&grammar);
    let specs = schema::TOP_LEVEL
        .iter()
        .copied()
        .chain([&schema::STAGE, &schema::CHANGE]);
    let mut problems = Vec::new();
    let mut expected_rows = 0;
    for spec in specs {
        if !highlights.contains(&format!("\"{}\"", spec.keyword)) {
            problems.push(format!(
                "highlights.scm lacks the keyword `{}`",
                spec.keyword
            ));
        }
        for property in spec.properties {
            expected_rows += 1;
            let row = table
                .iter()
                .find(|(d, k, _)| d == spec.keyword && k == property.key);
            let Some((_, _, shape)) = row else {
                problems.push(format!(
                    "{}.{} is not in grammar.js",
                    spec.keyword, property.key
                ));
                continue;
            };
            match property.shape {
                Shape::Choice(values) => {
                    let written: Vec<&str> = shape.split('\'').skip(1).step_by(2).collect();
                    if written != values {
                        problems.push(format!(
                            "{}.{}: grammar.js has {written:?}, schema.rs {values:?}",
                            spec.keyword, property.key
                        ));
                    }
                }
                other => {
                    let expected = format!("'{other:?}',");
                    if *shape != expected {
                        problems.push(format!(
                            "{}.{}: grammar.js has {shape}, schema.rs {expected}",
                            spec.keyword, property.key
                        ));
                    }
                }
            }
        }
    }
    if table.len() != expected_rows {
        problems.push(format!(
            "grammar.js lists {} properties, schema.rs {expected_rows}",
            table.len()
        ));
    }
    let lists = [
        schema::EVENT_ACTIONS,
        schema::VERIFY_KINDS,
        schema::ROLLBACK_KINDS,
        schema::DEFAULTS_KINDS,
        schema::OTHER_TOP_LEVEL,
    ];
    for word in lists.iter().flat_map(|l| l.iter()) {
        if !grammar.contains(&format!("'{word}'")) {
            problems.push(format!("grammar.js lacks the keyword `{word}`"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
