//! Rendering diagnostics for people (miette's graphical report) and machines (JSON).

use super::{Diagnostic, Severity};
use crate::source::SourceFile;
use crate::source::{FileId, SourceMap};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;
use std::fmt;

/// A diagnostic in the shape miette renders: one source file, its labels, and
/// related reports for labels that sit in other files.
#[derive(Debug)]
struct MietteReport<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<FileSource<'a>>,
    labels: Vec<LabeledSpan>,
    related: Vec<MietteReport<'a>>,
}

/// A source file as miette reads it: only the lines around a span are scanned, so
/// rendering a diagnostic costs the size of its snippet, not of the file.
#[derive(Debug, Clone, Copy)]
struct FileSource<'a> {
    file: &'a SourceFile,
}

impl SourceCode for FileSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text = &self.file.text;
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = self
            .file
            .line_index(start as u32)
            .saturating_sub(context_lines_before + 1);
        let last_line = self.file.line_index(end as u32) + context_lines_after + 2;
        // A very long line (a file of one line) is cut around the span: printed whole,
        // it would make every diagnostic in it as large as the file.
        let window_start = self.file.line_start(first_line).max(floor_char_boundary(
            text,
            start.saturating_sub(MAX_LINE_CONTEXT),
        ));
        let window_end = self.file.line_start(last_line).min(ceil_char_boundary(
            text,
            end.saturating_add(MAX_LINE_CONTEXT),
        ));
        let window = &text[window_start..window_end];
        let inner_span = SourceSpan::new((start - window_start).into(), span.len());
        let inner = window.read_span(&inner_span, context_lines_before, context_lines_after)?;
        // miette counts from the window's start; a cut window starts inside a line.
        let base_line = self.file.line_index(window_start as u32);
        let base_column = window_start - self.file.line_start(base_line);
        let column = if inner.line() == 0 {
            inner.column() + base_column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + window_start).into(),
                inner.span().len(),
            ),
            inner.line() + base_line,
            column,
            // miette joins two labels' snippets when the first's lines reach the
            // second's: counting MAX_GAP more joins labels of one declaration, while
            // labels far apart get snippets of their own.
            inner.line_count() + MAX_GAP,
        )))
    }
}

/// About the most lines between two labels shown in one snippet.
const MAX_GAP: usize = 6;

/// Most bytes of a line shown on either side of a span.
const MAX_LINE_CONTEXT: usize = 240;

/// The nearest character boundary at or before `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The nearest character boundary at or after `offset`.
fn ceil_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

impl fmt::Display for MietteReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteReport<'_> {}

impl miette::Diagnostic for MietteReport<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

fn named_source(sources: &SourceMap, file: FileId) -> FileSource<'_> {
    FileSource {
        file: sources.file(file),
    }
}

/// Longest message shown: one that quotes a huge token is cut.
const MAX_MESSAGE_BYTES: usize = 1024;

/// `message`, cut to [`MAX_MESSAGE_BYTES`] with an ellipsis.
fn shortened(message: &str) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message.to_string();
    }
    format!(
        "{}…",
        &message[..floor_char_boundary(message, MAX_MESSAGE_BYTES)]
    )
}

/// Longest label underlined on one line: a label over a huge token shows its start.
const MAX_LABEL_BYTES: usize = 240;

fn labeled(label: &super::Label, sources: &SourceMap) -> LabeledSpan {
    let text = &sources.file(label.span.file).text;
    let (start, mut end) = (label.span.start as usize, label.span.end as usize);
    if end - start > MAX_LABEL_BYTES && text.get(start..end).is_some_and(|s| !s.contains('\n')) {
        end = floor_char_boundary(text, start + MAX_LABEL_BYTES);
    }
    let span = SourceSpan::new(start.into(), end - start);
    let text = (!label.message.is_empty()).then(|| label.message.clone());
    if label.is_primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

/// Most labels drawn for one diagnostic; the rest are counted. A rule that labels each
/// entry of a list would otherwise draw as many as the list holds, and laying out many
/// labels on one line costs more than their number squared: a change on 10,000
/// services took 100 s to print in a debug build.
const MAX_LABELS: usize = 20;

/// The primary labels and the first secondary ones, to [`MAX_LABELS`] in all.
fn shown_labels(diagnostic: &Diagnostic) -> Vec<&super::Label> {
    let primaries = diagnostic.labels.iter().filter(|l| l.is_primary).count();
    let mut room = MAX_LABELS.saturating_sub(primaries);
    diagnostic
        .labels
        .iter()
        .filter(|l| {
            if l.is_primary {
                return true;
            }
            let keep = room > 0;
            room = room.saturating_sub(1);
            keep
        })
        .collect()
}

fn to_miette<'a>(diagnostic: &Diagnostic, sources: &'a SourceMap) -> MietteReport<'a> {
    let severity = match diagnostic.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    let main_file = diagnostic
        .primary_span()
        .or_else(|| diagnostic.labels.first().map(|l| l.span))
        .map(|s| s.file);
    let shown = shown_labels(diagnostic);
    let mut notes = diagnostic.notes.clone();
    let hidden = diagnostic.labels.len() - shown.len();
    if hidden > 0 {
        notes.push(format!(
            "… and {hidden} more labels (`--format json` lists them all)"
        ));
    }
    let mut help = diagnostic.help.clone();
    if !notes.is_empty() {
        let notes = notes.join("\n");
        help = Some(match help {
            Some(h) => format!("{h}\n{notes}"),
            None => notes,
        });
    }
    let mut report = MietteReport {
        message: shortened(&diagnostic.message),
        code: Some(diagnostic.code.to_string()),
        severity,
        help,
        source: main_file.map(|f| named_source(sources, f)),
        labels: Vec::new(),
        related: Vec::new(),
    };
    // One report shows one file: miette draws labels far apart in it as separate
    // snippets. Labels in other files become related reports, one per file.
    let mut labels = shown;
    labels.sort_by_key(|l| (l.span.file, l.span.start));
    let mut clusters: Vec<Vec<&super::Label>> = Vec::new();
    for label in labels {
        match clusters.last_mut() {
            Some(cluster) if cluster[0].span.file == label.span.file => cluster.push(label),
            _ => clusters.push(vec![label]),
        }
    }
    let main_cluster = clusters
        .iter()
        .position(|c| c.iter().any(|l| l.is_primary))
        .or_else(|| {
            clusters
                .iter()
                .position(|c| Some(c[0].span.file) == main_file)
        });
    for (index, cluster) in clusters.iter().enumerate() {
        if Some(index) == main_cluster {
            report
                .labels
                .extend(cluster.iter().map(|l| labeled(l, sources)));
        } else {
            report.related.push(MietteReport {
                // The labels say what is there; the heading says where.
                message: format!("also in {}", sources.file(cluster[0].span.file).name),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: Some(named_source(sources, cluster[0].span.file)),
                labels: cluster.iter().map(|l| labeled(l, sources)).collect(),
                related: Vec::new(),
            });
        }
    }
    report
}

/// Options for the human format.
#[derive(Debug, Clone, Copy)]
pub struct HumanStyle {
    pub color: bool,
    pub width: usize,
}

/// Render one diagnostic as rustc-style text.
pub fn human(diagnostic: &Diagnostic, sources: &SourceMap, style: HumanStyle) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let mut out = String::new();
    let report = to_miette(diagnostic, sources);
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}\n", diagnostic.code, diagnostic.message);
    }
    out
}

/// A position in a file, 1-based, columns in characters.
#[derive(Debug, Serialize)]
pub struct JsonLocation {
    pub file: String,
    pub start: u32,
    pub end: u32,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonLabel {
    #[serde(flatten)]
    pub location: JsonLocation,
    pub message: String,
    pub primary: bool,
}

/// The documented JSON form of one diagnostic (see the book's CLI chapter).
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub location: Option<JsonLocation>,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

pub fn location(sources: &SourceMap, span: crate::source::Span) -> JsonLocation {
    let file = sources.file(span.file);
    let (line, column) = file.line_column(span.start);
    let (end_line, end_column) = file.line_column(span.end);
    JsonLocation {
        file: file.name.clone(),
        start: span.start,
        end: span.end,
        line,
        column,
        end_line,
        end_column,
    }
}

pub fn json(diagnostic: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
    JsonDiagnostic {
        code: diagnostic.code.to_string(),
        severity: diagnostic.severity,
        message: shortened(&diagnostic.message),
        location: diagnostic.primary_span().map(|s| location(sources, s)),
        labels: diagnostic
            .labels
            .iter()
            .map(|l| JsonLabel {
                location: location(sources, l.span),
                message: l.message.clone(),
                primary: l.is_primary,
            })
            .collect(),
        help: diagnostic.help.clone(),
        notes: diagnostic.notes.clone(),
    }
}
