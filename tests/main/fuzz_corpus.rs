//! The fuzz corpus replayed without cargo-fuzz: every committed seed and reproducer in
//! `fuzz/corpus/<target>/` goes through the same checks as its fuzz target.

use crate::fuzz_checks;
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "dr"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no seeds", dir.display());
    files
}

fn text(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).expect("read a corpus file")).into_owned()
}

#[test]
fn frontend_corpus() {
    for path in corpus("frontend") {
        println!("{}", path.display());
        fuzz_checks::frontend(&text(&path));
    }
}

#[test]
fn simulate_corpus() {
    for path in corpus("simulate") {
        println!("{}", path.display());
        fuzz_checks::simulate(&text(&path));
    }
}

#[test]
fn fmt_corpus() {
    for path in corpus("fmt") {
        println!("{}", path.display());
        fuzz_checks::fmt(&text(&path));
    }
}
