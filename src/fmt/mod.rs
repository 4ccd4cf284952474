//! Plan text → the same plan in the one canonical layout, every comment kept. Pure text
//! to text: it never changes what a plan means, and never touches text with syntax errors.
//!
//! The layout: two-space indentation, one property (or nested declaration) per line,
//! one blank line between top-level declarations, at most one blank line inside a
//! block (none after `{` or before `}`), tokens as written separated by one space (none
//! before `,` and `;`), trailing comments kept on their line (two spaces after the code,
//! lined up across neighbouring lines), and comments on lines of their own kept with what
//! follows them. String escapes, numbers and names stay exactly as written.

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use crate::syntax::lexer::{self, TokenKind};
use crate::syntax::{self, ast};

const INDENT: &str = "  ";

/// Why a text was not formatted: the syntax errors the parser found in it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the text has syntax errors, so it was not formatted")]
pub struct SyntaxErrors {
    /// Every diagnostic of the parse (errors, and any warnings beside them).
    pub diagnostics: Vec<Diagnostic>,
}

/// Format one plan file's text in the canonical layout. Spans in the errors point
/// into `text` as `FileId(0)`.
pub fn format_source(text: &str) -> Result<String, SyntaxErrors> {
    format_file(text, FileId(0))
}

/// Format one plan file's text; spans in the errors carry `file`.
pub fn format_file(text: &str, file: FileId) -> Result<String, SyntaxErrors> {
    let (parsed, diagnostics) = syntax::parse(text, file);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(SyntaxErrors { diagnostics });
    }
    let mut starts = Vec::new();
    for item in &parsed.items {
        collect_starts(item, &mut starts);
    }
    starts.sort_by_key(|&(offset, _)| offset);
    let lexed = lexer::lex(text, syntax::MAX_ERRORS_PER_FILE);
    let mut writer = Writer::new(text);
    let mut tokens = lexed
        .tokens
        .iter()
        .filter(|t| t.kind != TokenKind::Eof)
        .peekable();
    let mut comments = lexed.comments.iter().peekable();
    let mut starts = starts.into_iter().peekable();
    loop {
        let next_token = tokens.peek().map(|t| t.start);
        let next_comment = comments.peek().map(|c| c.0);
        match (next_token, next_comment) {
            (None, None) => break,
            (Some(t), Some(c)) if c < t => {
                let &(start, end) = comments.next().expect("peeked");
                writer.comment(start, end);
            }
            (None, Some(_)) => {
                let &(start, end) = comments.next().expect("peeked");
                writer.comment(start, end);
            }
            (Some(_), _) => {
                let token = *tokens.next().expect("peeked");
                while starts.peek().is_some_and(|&(o, _)| o < token.start) {
                    starts.next();
                }
                let line_start = starts
                    .next_if(|&(o, _)| o == token.start)
                    .map(|(_, start)| start);
                writer.token(token.kind, token.start, token.end, line_start);
            }
        }
    }
    Ok(writer.finish())
}

/// What begins a line of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineStart {
    /// A declaration's keyword; `has_block` is false for `include` and top-level `allow`.
    Item {
        has_block: bool,
    },
    Property,
}

fn collect_starts(item: &ast::Item, starts: &mut Vec<(u32, LineStart)>) {
    let has_block = item.value.is_none();
    starts.push((item.keyword.span.start, LineStart::Item { has_block }));
    for property in &item.properties {
        starts.push((property.key_span().start, LineStart::Property));
    }
    for child in &item.children {
        collect_starts(child, starts);
    }
}

/// What came last at the top level, to choose the blank lines before what comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    Item { has_block: bool },
    Comment,
}

/// One line of output: indentation, code, and a trailing comment.
#[derive(Debug, Default)]
struct Line {
    indent: usize,
    is_after_blank: bool,
    code: String,
    trailing: Option<String>,
    /// The line holds only a comment.
    is_comment: bool,
}

impl Line {
    /// Columns the indentation and code take.
    fn width(&self) -> usize {
        self.indent * INDENT.len() + self.code.chars().count()
    }
}

/// Trailing comments of neighbouring lines line up, unless the code is wider than this.
const MAX_ALIGNED_WIDTH: usize = 60;

/// The output being written, one line at a time.
struct Writer<'a> {
    source: &'a str,
    lines: Vec<Line>,
    depth: usize,
    /// End of the last token or comment taken from the source.
    previous_end: usize,
    /// The current line ended in a comment: whatever follows starts a new line.
    must_break: bool,
    /// The last line written opened a block (ends with `{`, maybe and a comment).
    is_after_open: bool,
    last_top: Last,
}

impl<'a> Writer<'a> {
    fn new(source: &'a str) -> Self {
        Writer {
            source,
            lines: Vec::new(),
            depth: 0,
            previous_end: 0,
            must_break: false,
            is_after_open: false,
            last_top: Last::Nothing,
        }
    }

    /// Line breaks in the source between the previous element and `start`.
    fn newlines_before(&self, start: usize) -> usize {
        self.source[self.previous_end..start]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
    }

    /// The line being written; there is one once anything was written.
    fn line(&mut self) -> &mut Line {
        if self.lines.is_empty() {
            self.lines.push(Line::default());
        }
        self.lines.last_mut().expect("a line")
    }

    /// Start a new line at `depth` (plus `extra` levels), after a blank line when `blank`.
    fn start_line(&mut self, blank: bool, extra: usize) {
        self.lines.push(Line {
            indent: self.depth + extra,
            is_after_blank: blank && !self.lines.is_empty(),
            ..Line::default()
        });
        self.must_break = false;
    }

    /// Whether a line starting at source offset `start` inside a block follows a blank line.
    fn blank_inside(&self, start: usize) -> bool {
        !self.is_after_open && self.newlines_before(start) >= 2
    }

    fn comment(&mut self, start: u32, end: u32) {
        let (start, end) = (start as usize, end as usize);
        let text = self.source[start..end].trim_end().to_string();
        let is_trailing =
            !self.lines.is_empty() && !self.must_break && self.newlines_before(start) == 0;
        if is_trailing {
            self.line().trailing = Some(text);
        } else {
            if self.depth == 0 {
                let blank = match self.last_top {
                    Last::Nothing => false,
                    Last::Item { .. } => true,
                    Last::Comment => self.newlines_before(start) >= 2,
                };
                self.last_top = Last::Comment;
                self.start_line(blank, 0);
            } else {
                let blank = self.blank_inside(start);
                self.start_line(blank, 0);
            }
            self.is_after_open = false;
            let line = self.line();
            line.code = text;
            line.is_comment = true;
        }
        self.must_break = true;
        self.previous_end = end;
    }

    fn token(&mut self, kind: TokenKind, start: u32, end: u32, line_start: Option<LineStart>) {
        let (start, end) = (start as usize, end as usize);
        let text = &self.source[start..end];
        match (kind, line_start) {
            (TokenKind::RBrace, _) => {
                self.depth = self.depth.saturating_sub(1);
                let line = self.line();
                let is_empty_block = line.trailing.is_none() && line.code.ends_with('{');
                if !is_empty_block {
                    self.start_line(false, 0);
                }
                self.line().code.push('}');
                self.must_break = false;
                self.is_after_open = false;
            }
            (_, Some(LineStart::Item { has_block })) if self.depth == 0 => {
                let blank = match self.last_top {
                    Last::Nothing => false,
                    Last::Item { has_block: false } if !has_block => {
                        self.newlines_before(start) >= 2
                    }
                    Last::Item { .. } => true,
                    Last::Comment => self.newlines_before(start) >= 2,
                };
                self.start_line(blank, 0);
                self.line().code.push_str(text);
                self.last_top = Last::Item { has_block };
                self.is_after_open = false;
            }
            (_, Some(_)) => {
                let blank = self.blank_inside(start);
                self.start_line(blank, 0);
                self.line().code.push_str(text);
                self.is_after_open = false;
            }
            (TokenKind::LBrace, None) if !self.must_break => {
                self.line().code.push_str(" {");
                self.depth += 1;
                self.is_after_open = true;
            }
            (TokenKind::Comma | TokenKind::Semicolon, None) if !self.must_break => {
                self.line().code.push_str(text);
            }
            (_, None) => {
                if self.lines.is_empty() {
                    self.start_line(false, 0);
                } else if self.must_break {
                    // A comment ended the line inside a value: continue one level deeper.
                    self.start_line(false, 1);
                    self.is_after_open = false;
                } else {
                    self.line().code.push(' ');
                }
                self.line().code.push_str(text);
                if kind == TokenKind::LBrace {
                    self.depth += 1;
                    self.is_after_open = true;
                }
            }
        }
        self.previous_end = end;
    }

    /// Render the lines, lining up the trailing comments of each run of neighbouring
    /// code lines at one indentation.
    fn finish(self) -> String {
        let lines = self.lines;
        let mut columns = vec![0; lines.len()];
        let mut run_start = 0;
        for i in 0..=lines.len() {
            let breaks = i == lines.len()
                || lines[i].is_after_blank
                || lines[i].is_comment
                || lines[i].indent != lines[run_start].indent
                || lines[run_start].is_comment;
            if breaks {
                let width = lines[run_start..i]
                    .iter()
                    .filter(|l| l.trailing.is_some())
                    .map(Line::width)
                    .filter(|&w| w <= MAX_ALIGNED_WIDTH)
                    .max()
                    .unwrap_or(0);
                for column in &mut columns[run_start..i] {
                    *column = width;
                }
                run_start = i;
            }
        }
        let mut out = String::with_capacity(self.source.len() + self.source.len() / 8);
        for (line, column) in lines.iter().zip(columns) {
            if line.is_after_blank {
                out.push('\n');
            }
            let indent = INDENT.repeat(line.indent);
            out.push_str(&indent);
            out.push_str(&line.code);
            if let Some(comment) = &line.trailing {
                let width = line.width();
                let pad = if width <= MAX_ALIGNED_WIDTH {
                    column - width
                } else {
                    0
                };
                for _ in 0..pad + 2 {
                    out.push(' ');
                }
                out.push_str(comment);
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::format_source;

    fn format(text: &str) -> String {
        format_source(text).expect("formats")
    }

    #[test]
    fn one_property_per_line() {
        assert_eq!(
            format("vm a { on h  cpu 2 memory 4GiB }"),
            "vm a {\n  on h\n  cpu 2\n  memory 4GiB\n}\n"
        );
    }

    #[test]
    fn spacing_is_normalised() {
        assert_eq!(
            format("service s{on a ,b\n\n\n needs   c;}"),
            "service s {\n  on a, b\n\n  needs c;\n}\n"
        );
    }

    #[test]
    fn top_level_declarations_are_one_blank_line_apart() {
        assert_eq!(
            format("site a { kind office }\nsite b { kind office }"),
            "site a {\n  kind office\n}\n\nsite b {\n  kind office\n}\n"
        );
    }

    #[test]
    fn comments_keep_their_place() {
        let text = "# head\n\n# about a\nsite a {   # trailing\n\n  kind office # kind\n  # last\n}\n# tail\n";
        assert_eq!(
            format(text),
            "# head\n\n# about a\nsite a {  # trailing\n  kind office  # kind\n  # last\n}\n\n# tail\n"
        );
    }

    #[test]
    fn comment_inside_a_value_continues_the_line() {
        let text = "standby s { covers a, # first\n b }";
        let formatted = format(text);
        assert_eq!(formatted, "standby s {\n  covers a,  # first\n    b\n}\n");
        assert_eq!(format(&formatted), formatted);
    }

    #[test]
    fn trailing_comments_line_up() {
        let text = "plan p {\n rto 4h # a\n  restore-parallelism 2    # b\n\n  mtd 1d # c\n}";
        assert_eq!(
            format(text),
            "plan p {\n  rto 4h                 # a\n  restore-parallelism 2  # b\n\n  mtd 1d  # c\n}\n"
        );
    }

    #[test]
    fn empty_blocks_and_blockless_items() {
        assert_eq!(
            format("include \"a.dr\"\ninclude \"b.dr\"\nsite x {}"),
            "include \"a.dr\"\ninclude \"b.dr\"\n\nsite x {}\n"
        );
        assert_eq!(format(""), "");
        assert_eq!(format("# only\n"), "# only\n");
    }

    #[test]
    fn syntax_errors_are_not_formatted() {
        let errors = format_source("site a { kind office ").unwrap_err();
        assert!(errors.diagnostics.iter().any(|d| d.is_error()));
    }
}
