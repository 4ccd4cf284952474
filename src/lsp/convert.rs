//! Byte offsets ↔ LSP positions (0-based lines, UTF-16 columns), and drplan diagnostics
//! → LSP diagnostics. Total: any offset or position maps somewhere inside the text.

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, Location, NumberOrString, Position, Range, Uri,
};

/// Line starts of one text, for conversions in both directions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { line_starts }
    }

    /// The position of a byte offset; an offset inside a character counts as its start.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(character))
    }

    /// The byte offset of a position; past the end of a line means its end.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.line_starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .line_starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |&next| next - 1);
        let mut units = 0;
        for (index, c) in text[start..end].char_indices() {
            if units >= position.character as usize {
                return start + index;
            }
            units += c.len_utf16();
        }
        end
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where the files of one compile live, for spans → LSP locations.
pub struct Files<'a> {
    pub sources: &'a SourceMap,
    /// The URI of each file, by file id.
    pub uris: &'a [Uri],
    /// The line index of each file, by file id.
    pub lines: &'a [LineIndex],
}

impl Files<'_> {
    pub fn range(&self, span: Span) -> Range {
        let text = &self.sources.file(span.file).text;
        self.lines[span.file.0 as usize].range(text, span.start as usize, span.end as usize)
    }

    pub fn location(&self, span: Span) -> Location {
        Location::new(self.uris[span.file.0 as usize].clone(), self.range(span))
    }
}

/// One drplan diagnostic as the LSP shows it: the primary label's range (the start of the
/// file when it has none), the other labels as related information, help appended.
pub fn diagnostic(files: &Files, diagnostic: &Diagnostic) -> lsp::Diagnostic {
    let primary = diagnostic.labels.iter().find(|l| l.is_primary);
    let range = primary.map_or_else(Range::default, |l| files.range(l.span));
    let mut message = diagnostic.message.clone();
    if let Some(label) = primary.filter(|l| !l.message.is_empty()) {
        message.push_str(": ");
        message.push_str(&label.message);
    }
    for note in &diagnostic.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .filter(|l| !l.is_primary)
        .map(|l| DiagnosticRelatedInformation {
            location: files.location(l.span),
            message: l.message.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.name().to_string())),
        source: Some("drplan".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "a\n\u{e9}\u{1f600}x\n";
        let lines = LineIndex::new(text);
        // `x` is after é (1 unit, 2 bytes) and 😀 (2 units, 4 bytes).
        let x = text.find('x').unwrap();
        assert_eq!(lines.position(text, x), Position::new(1, 3));
        assert_eq!(lines.offset(text, Position::new(1, 3)), x);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        let lines = LineIndex::new(text);
        assert_eq!(lines.offset(text, Position::new(0, 99)), 2);
        assert_eq!(lines.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(lines.position(text, 999), Position::new(1, 2));
        // Inside a multi-byte character: its start.
        let text = "\u{1f600}";
        assert_eq!(LineIndex::new(text).position(text, 2), Position::new(0, 0));
        assert_eq!(LineIndex::new(text).offset(text, Position::new(0, 1)), 4);
    }
}
