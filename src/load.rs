//! Reading a plan from disk: a file and what it includes, or every `.dr` file of a
//! directory. The only input I/O of the pipeline; enforces the size limit.

use crate::diagnostics::{Code, Diagnostic};
use crate::model::limits;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};
use rustc_hash::FxHashSet;
use std::path::{Path, PathBuf};

/// Largest plan file accepted: 64 MiB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Most files one plan may span, includes and all.
pub const MAX_FILES: usize = 10_000;
/// Most plan text across all the files of one plan: 256 MiB.
pub const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// Every file of one plan, parsed.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub files: Vec<(FileId, ast::File)>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when a path could not be read at all (exit code 2, not 1).
    pub has_io_error: bool,
}

impl Loaded {
    /// Parse whole again each file whose declarations were indexed (see
    /// `syntax::parse_indexed`), so that the trees hold every declaration, as what-if
    /// overrides need to edit them. An indexed declaration's mistakes are reported
    /// here, since the index did not parse it.
    pub fn keep_whole(&mut self) {
        for (id, file) in &mut self.files {
            if !file.indexed.is_empty() {
                let (whole, diagnostics) = syntax::parse(&self.sources.file(*id).text, *id);
                *file = whole;
                self.diagnostics.extend(diagnostics);
            }
        }
    }
}

/// Load the plan at `path`: a file with its includes, or a directory's `.dr` files.
/// Declarations of the numerous kinds are indexed, not kept (`syntax::parse_indexed`).
pub fn load(path: &Path) -> Loaded {
    let mut loaded = Loaded::default();
    let mut walk = Walk {
        indexed: true,
        ..Walk::default()
    };
    if path.is_dir() {
        match plan_files(path) {
            Ok(files) if files.is_empty() => {
                loaded.has_io_error = true;
                loaded.diagnostics.push(
                    Diagnostic::new(
                        Code::NoPlanFiles,
                        format!("`{}` holds no `.dr` plan files", path.display()),
                    )
                    .help("point drplan at a `.dr` file, or at a directory that holds some"),
                );
            }
            Ok(files) => {
                for file in files {
                    walk.load(&mut loaded, file.clone(), file, None);
                }
            }
            Err(error) => io_error(&mut loaded, path, &error),
        }
    } else {
        walk.load(&mut loaded, path.to_path_buf(), path.to_path_buf(), None);
    }
    loaded
}

/// Parse text that is not on disk (tests, the language server), keeping every
/// declaration whole.
pub fn load_text(name: &str, text: &str) -> Loaded {
    load_text_with(name, text, syntax::parse)
}

/// Parse text that is not on disk as `load` reads a file: the numerous declarations
/// indexed, not kept (`syntax::parse_indexed`). Compiles to the same plan as `load_text`.
pub fn load_text_indexed(name: &str, text: &str) -> Loaded {
    load_text_with(name, text, syntax::parse_indexed)
}

fn load_text_with(
    name: &str,
    text: &str,
    parse: fn(&str, FileId) -> (ast::File, Vec<Diagnostic>),
) -> Loaded {
    let mut loaded = Loaded::default();
    let id = loaded.sources.add(PathBuf::from(name), text.to_string());
    let (file, diagnostics) = parse(text, id);
    loaded.diagnostics.extend(diagnostics);
    loaded.files.push((id, file));
    loaded
}

/// Parse text that stands for the file at `path` (an editor's unsaved buffer), loading
/// the files it includes from disk relative to `path`. The text is always file 0.
pub fn load_buffer(path: &Path, text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut walk = Walk::default();
    walk.parse(&mut loaded, canonical, path, text.to_string());
    walk.run(&mut loaded);
    loaded
}

fn plan_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "dr") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Report a file that is not read, pointing at the include that asked for it (a
/// file named on the command line has none).
fn refuse(loaded: &mut Loaded, diagnostic: Diagnostic, included_at: Option<Span>, label: &str) {
    loaded.diagnostics.push(match included_at {
        Some(span) => diagnostic.primary(span, label),
        None => diagnostic,
    });
}

fn io_error(loaded: &mut Loaded, path: &Path, error: &std::io::Error) {
    loaded.has_io_error = true;
    loaded.diagnostics.push(
        Diagnostic::new(
            Code::IoError,
            format!("cannot read `{}`: {error}", path.display()),
        )
        .help("check that the path exists and is readable"),
    );
}

/// What is left to do while loading: a file to load, or the end of the includes of
/// the innermost file being included.
enum Step {
    Load {
        path: PathBuf,
        shown: PathBuf,
        included_at: Option<Span>,
    },
    Leave,
}

/// The state of one load. Includes are followed with an explicit stack, not by
/// recursion, so that a chain of thousands of includes cannot overflow the call stack;
/// sets find loaded and open files without scanning every file loaded so far.
#[derive(Default)]
struct Walk {
    todo: Vec<Step>,
    /// The files being included, outermost first: a file met again here is a cycle.
    chain: Vec<PathBuf>,
    open: FxHashSet<PathBuf>,
    /// Every file added to the source map, by canonical path.
    seen: FxHashSet<PathBuf>,
    /// Plan text read so far, in bytes.
    bytes: u64,
    /// Whether to index the numerous declarations rather than keep them.
    indexed: bool,
}

impl Walk {
    /// Load the file at `path` and everything it includes.
    fn load(&mut self, loaded: &mut Loaded, path: PathBuf, shown: PathBuf, at: Option<Span>) {
        self.todo.push(Step::Load {
            path,
            shown,
            included_at: at,
        });
        self.run(loaded);
    }

    fn run(&mut self, loaded: &mut Loaded) {
        while let Some(step) = self.todo.pop() {
            match step {
                Step::Load {
                    path,
                    shown,
                    included_at,
                } => self.load_file(loaded, &path, &shown, included_at),
                Step::Leave => {
                    if let Some(path) = self.chain.pop() {
                        self.open.remove(&path);
                    }
                }
            }
        }
    }

    /// Load one file unless already loaded; `included_at` is the include that asked for it.
    fn load_file(
        &mut self,
        loaded: &mut Loaded,
        path: &Path,
        shown: &Path,
        included_at: Option<Span>,
    ) {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.open.contains(&canonical) {
            let position = self.chain.iter().position(|p| p == &canonical);
            let chain: Vec<String> = self.chain[position.unwrap_or(0)..]
                .iter()
                .chain(std::iter::once(&canonical))
                .map(|p| {
                    p.file_name().map_or_else(
                        || p.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    )
                })
                .collect();
            let diagnostic = Diagnostic::new(
                Code::IncludeCycle,
                format!("files include each other in a cycle: {}", chain.join(" → ")),
            )
            .help("remove one of the includes; each file is read once anyway");
            refuse(
                loaded,
                diagnostic,
                included_at,
                "this include closes the cycle",
            );
            return;
        }
        if self.seen.contains(&canonical) {
            return;
        }
        if loaded.sources.len() >= MAX_FILES {
            let diagnostic = limits::exceeded("the number of files in a plan", MAX_FILES)
                .help(
                    "split the estate into several plans; `drplan explain limit-exceeded` \
                     describes the limits",
                )
                .note(format!("`{}` was not read", shown.display()));
            refuse(loaded, diagnostic, included_at, "one file too many");
            return;
        }
        let metadata = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(error) => {
                match included_at {
                    Some(span) => loaded.diagnostics.push(
                        Diagnostic::new(
                            Code::IncludeNotFound,
                            format!("cannot include `{}`: {error}", shown.display()),
                        )
                        .primary(span, "this file cannot be read")
                        .help("include paths are relative to the file that includes them"),
                    ),
                    None => io_error(loaded, shown, &error),
                }
                return;
            }
        };
        if metadata.len() > MAX_FILE_BYTES {
            self.add(loaded, canonical, shown, String::new());
            let diagnostic = Diagnostic::new(
                Code::FileTooLarge,
                format!(
                    "`{}` is {} MiB; plan files may be at most {} MiB",
                    shown.display(),
                    metadata.len() / (1024 * 1024),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            )
            .help("split the plan into several files with `include`");
            refuse(loaded, diagnostic, included_at, "included here");
            return;
        }
        if self.bytes + metadata.len() > MAX_PLAN_BYTES {
            let diagnostic = limits::exceeded(
                "the size of a plan",
                format!("{} MiB", MAX_PLAN_BYTES / (1024 * 1024)),
            )
            .help("split the estate into several plans")
            .note(format!("`{}` was not read", shown.display()));
            refuse(
                loaded,
                diagnostic,
                included_at,
                "this file would pass the limit",
            );
            return;
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(error) => {
                io_error(loaded, shown, &error);
                return;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let valid = error.utf8_error().valid_up_to();
                let bad_len = error.utf8_error().error_len().unwrap_or(1);
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                let id = self.add(loaded, canonical, shown, text);
                loaded.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidUtf8,
                        format!("`{}` is not valid UTF-8", path.display()),
                    )
                    .primary(
                        Span::new(id, valid, valid + bad_len.min(3)),
                        "invalid byte sequence here",
                    )
                    .help("save the plan as UTF-8 text"),
                );
                return;
            }
        };
        self.parse(loaded, canonical, shown, text);
    }

    /// Parse a file's text and queue what it includes, relative to the file.
    fn parse(&mut self, loaded: &mut Loaded, canonical: PathBuf, shown: &Path, text: String) {
        let id = self.add(loaded, canonical.clone(), shown, text);
        let text = &loaded.sources.file(id).text;
        let (file, diagnostics) = if self.indexed {
            syntax::parse_indexed(text, id)
        } else {
            syntax::parse(text, id)
        };
        loaded.diagnostics.extend(diagnostics);
        let includes: Vec<(PathBuf, Span)> = file
            .items
            .iter()
            .filter(|i| i.keyword.text == "include")
            .filter_map(|i| match i.value.as_deref() {
                Some(ast::Value::Str(s)) => Some((PathBuf::from(&s.value), s.span)),
                _ => None,
            })
            .collect();
        loaded.files.push((id, file));
        let base = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let shown_base = shown.parent().map(Path::to_path_buf).unwrap_or_default();
        self.chain.push(canonical.clone());
        self.open.insert(canonical);
        // Last in, first out: the includes load in written order, then the file leaves
        // the chain.
        self.todo.push(Step::Leave);
        for (relative, span) in includes.into_iter().rev() {
            self.todo.push(Step::Load {
                path: base.join(&relative),
                shown: tidy(&shown_base.join(&relative)),
                included_at: Some(span),
            });
        }
    }

    /// Add a file to the source map, shown by the path the user gave (or the include
    /// resolved from it).
    fn add(
        &mut self,
        loaded: &mut Loaded,
        canonical: PathBuf,
        shown: &Path,
        text: String,
    ) -> FileId {
        self.bytes += text.len() as u64;
        self.seen.insert(canonical.clone());
        let id = loaded.sources.add(canonical, text);
        loaded.sources.set_name(id, shown.display().to_string());
        id
    }
}

/// A shown path without its `.` parts and with each `dir/..` pair taken out, so an
/// include of `../shared/roles.dr` from `plan/` shows as `shared/roles.dr`, as a
/// person (and a SARIF consumer mapping results to a repository) expects. Only the
/// name shown: files are still read by the path as joined.
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            _ => out.push(part),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}
