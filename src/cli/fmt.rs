//! `drplan fmt`: rewrite plan files in the canonical layout (atomically, only when they
//! change), list the files that would change (`--check`), or format stdin to stdout.

use super::args::FmtArgs;
use super::output::{write_atomically, Permissions};
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use drplan::diagnostics::render::{self, HumanStyle};
use drplan::source::SourceMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What became of the files, for the exit status.
#[derive(Default)]
struct Outcome {
    has_syntax_errors: bool,
    has_io_error: bool,
    /// With `--check`: some file is not formatted.
    has_unformatted: bool,
}

pub fn run(args: &FmtArgs, color: bool) -> i32 {
    let mut outcome = Outcome::default();
    let reads_stdin = args.stdin || args.paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin {
        if args.paths.len() > 1 {
            eprintln!("error: `-` formats stdin and takes no other path");
            return EXIT_USAGE;
        }
        format_stdin(args.check, color, &mut outcome);
    } else {
        let roots = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let mut files = Vec::new();
        for root in &roots {
            if root.is_dir() {
                if let Err(error) = find_plan_files(root, &mut files) {
                    eprintln!("error: cannot read `{}`: {error}", root.display());
                    outcome.has_io_error = true;
                }
            } else {
                files.push(root.clone());
            }
        }
        for file in &files {
            format_path(file, args.check, color, &mut outcome);
        }
    }
    if outcome.has_io_error {
        EXIT_USAGE
    } else if outcome.has_syntax_errors || outcome.has_unformatted {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// Every `.dr` file under `dir`, sorted, skipping hidden directories and `target`.
fn find_plan_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        entries.push(entry?.path());
    }
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                find_plan_files(&path, files)?;
            }
        } else if path.extension().is_some_and(|e| e == "dr") {
            files.push(path);
        }
    }
    Ok(())
}

/// A path as the user should see it: without a leading `./`.
fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// Format one text, reporting its syntax errors; `None` when it has some.
fn format_text(name: &Path, text: String, color: bool, outcome: &mut Outcome) -> Option<String> {
    let mut sources = SourceMap::default();
    let id = sources.add(name.to_path_buf(), text);
    let text = &sources.file(id).text;
    match drplan::fmt::format_file(text, id) {
        Ok(formatted) => Some(formatted),
        Err(errors) => {
            for diagnostic in errors.diagnostics.iter().filter(|d| d.is_error()) {
                let style = HumanStyle { color, width: 100 };
                eprintln!("{}", render::human(diagnostic, &sources, style));
            }
            eprintln!(
                "error: `{}` has syntax errors and was not formatted",
                shown(name)
            );
            outcome.has_syntax_errors = true;
            None
        }
    }
}

fn format_path(path: &Path, check: bool, color: bool, outcome: &mut Outcome) {
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            eprintln!("error: `{}` is not valid UTF-8", shown(path));
            outcome.has_io_error = true;
            return;
        }
        Err(error) => {
            eprintln!("error: cannot read `{}`: {error}", shown(path));
            outcome.has_io_error = true;
            return;
        }
    };
    let Some(formatted) = format_text(path, text.clone(), color, outcome) else {
        return;
    };
    if formatted == text {
        return;
    }
    if check {
        println!("would reformat {}", shown(path));
        outcome.has_unformatted = true;
    } else if let Err(error) = write_atomically(path, formatted.as_bytes(), Permissions::Keep) {
        eprintln!("error: cannot write `{}`: {error}", shown(path));
        outcome.has_io_error = true;
    } else {
        println!("formatted {}", shown(path));
    }
}

fn format_stdin(check: bool, color: bool, outcome: &mut Outcome) {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read stdin: {error}");
        outcome.has_io_error = true;
        return;
    }
    let Some(formatted) = format_text(Path::new("<stdin>"), text.clone(), color, outcome) else {
        return;
    };
    if check {
        if formatted != text {
            println!("would reformat <stdin>");
            outcome.has_unformatted = true;
        }
    } else {
        super::output::print_stdout(&formatted);
    }
}
