//! The tree-sitter grammar (grammar/tree-sitter-drplan), through its Rust binding: every
//! example plan parses without an error node, the corpus tests give their trees, and the
//! highlighting query compiles. Needs no tree-sitter CLI, so it always runs in CI;
//! `grammar/tree-sitter-drplan/test.sh` also regenerates the parser with the CLI.

use std::path::{Path, PathBuf};
use tree_sitter::{Language, Node, Parser, Query};

fn language() -> Language {
    tree_sitter_drplan::LANGUAGE.into()
}

fn parse(text: &str) -> tree_sitter::Tree {
    let mut parser = Parser::new();
    parser.set_language(&language()).expect("a compatible ABI");
    parser.parse(text, None).expect("a tree")
}

/// The first ERROR or MISSING node, as `line:column kind`.
fn first_error(node: Node) -> Option<String> {
    if node.is_error() || node.is_missing() {
        let at = node.start_position();
        return Some(format!("{}:{} {}", at.row + 1, at.column + 1, node.kind()));
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a directory")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_plan_and_grammar_example_parses_cleanly() {
    let mut texts: Vec<(String, String)> = Vec::new();
    for dir in ["plans", "tests/cases/ok"] {
        for path in files(&root().join(dir), "dr") {
            let text = std::fs::read_to_string(&path).expect("readable");
            texts.push((path.display().to_string(), text));
        }
    }
    let ebnf = std::fs::read_to_string(root().join("grammar/drplan.ebnf")).expect("grammar");
    for line in ebnf.lines().filter_map(|l| l.strip_prefix("/* e.g. ")) {
        let example = line.trim_end_matches("*/").trim();
        texts.push((format!("ebnf example `{example}`"), example.to_string()));
    }
    assert!(texts.len() > 20, "{} inputs", texts.len());
    let failures: Vec<String> = texts
        .iter()
        .filter_map(|(name, text)| {
            first_error(parse(text).root_node()).map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_plan_with_a_misplaced_property_has_an_error_node() {
    // `boot` belongs to services, not sites: the grammar knows each declaration's properties.
    let tree = parse("site hq { kind office  boot 5m }\n");
    assert!(
        first_error(tree.root_node()).is_some(),
        "{}",
        tree.root_node().to_sexp()
    );
}

/// S-expressions compared as the tree-sitter CLI does: whitespace collapsed, field names
/// ignored (the corpus does not write them).
fn normalize(sexp: &str) -> String {
    let mut out = String::new();
    for word in sexp.split_whitespace() {
        if word.ends_with(':') {
            continue;
        }
        if !out.is_empty() && !word.starts_with(')') {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[test]
fn the_corpus_tests_give_their_trees() {
    let corpus = root().join("grammar/tree-sitter-drplan/test/corpus");
    let mut cases = 0;
    let mut failures = Vec::new();
    for path in files(&corpus, "txt") {
        let text = std::fs::read_to_string(&path).expect("readable");
        // Each case: its name between two `===` lines, the input, a `---` line, the tree.
        let is_rule = |line: &str, c: char| line.len() >= 3 && line.chars().all(|x| x == c);
        let lines: Vec<&str> = text.lines().collect();
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut i = 0;
        while i + 2 < lines.len() {
            if !(is_rule(lines[i], '=') && is_rule(lines[i + 2], '=')) {
                i += 1;
                continue;
            }
            let name = lines[i + 1].trim().to_string();
            let mut end = i + 3;
            while end + 2 < lines.len()
                && !(is_rule(lines[end], '=') && is_rule(lines[end + 2], '='))
            {
                end += 1;
            }
            if end + 2 >= lines.len() {
                end = lines.len();
            }
            sections.push((name, lines[i + 3..end].join("\n")));
            i = end;
        }
        for (name, body) in sections {
            let lines: Vec<&str> = body.lines().collect();
            let split = lines
                .iter()
                .position(|l| is_rule(l, '-'))
                .expect("a --- line");
            let input = lines[..split].join("\n") + "\n";
            let expected = lines[split + 1..].join("\n");
            cases += 1;
            let actual = normalize(&parse(&input).root_node().to_sexp());
            if actual != normalize(&expected) {
                failures.push(format!(
                    "{}: {name}\n  expected {}\n  actual   {actual}",
                    path.display(),
                    normalize(&expected)
                ));
            }
        }
    }
    assert!(cases >= 10, "{cases} corpus cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_highlighting_query_compiles_and_marks_keywords() {
    let query =
        Query::new(&language(), tree_sitter_drplan::HIGHLIGHTS_QUERY).expect("a valid query");
    let captures = query.capture_names();
    for capture in ["keyword", "string", "comment"] {
        assert!(
            captures.iter().any(|c| c.starts_with(capture)),
            "no @{capture} capture in {captures:?}"
        );
    }
}
