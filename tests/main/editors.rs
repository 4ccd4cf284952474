//! Editor and shell support: completion scripts and manual pages.

use crate::test_builder::{drplan, Test};
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

#[test]
fn lsp_is_listed_in_help_and_man_is_hidden() {
    let output = drplan().arg("--help").output().expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("lsp"), "{help}");
    assert!(help.contains("completions"), "{help}");
    assert!(!help.contains("\n  man "), "{help}");
}
