//! Finding where each numerous declaration (a service, a backup, a vm…) starts and ends
//! without parsing it, so that `drplan check` parses it once, where resolution lowers
//! it (`parser::read_indexed`), and its syntax tree never exists whole.
//!
//! The scan trusts nothing it does not check: a declaration is indexed only when it
//! opens as `KEYWORD NAME {` and a `}` closes it outside strings and comments, with
//! only blanks, comments and `;` between declarations. Anything else is parsed here,
//! item by item, and one diagnostic makes the caller parse the file whole. Mistakes
//! inside an indexed body surface when it is read again: then the file is parsed whole.

use super::ast::{File, Indexed, Item};
use super::lexer;
use super::{parser, schema};
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};
use std::sync::{Mutex, PoisonError};

/// The kinds indexed rather than kept: those a plan holds by the thousand. Kept whole:
/// what resolution reads before lowering (`plan`, `defaults`, `allow`, `include`),
/// rollouts (their stages and changes are declarations too) and scenarios.
const INDEXED_KINDS: [&str; 9] = [
    "tier", "role", "site", "storage", "server", "vm", "service", "backup", "standby",
];

/// Parse one file's text for compilation. The numerous declarations (sites, servers,
/// vms, services, backups…) are not parsed but indexed by their name and span, and
/// `read_indexed` parses each where resolution lowers it: on a large plan the syntax
/// tree is five times the text, and this way it never exists whole, nor is any
/// declaration parsed twice.
///
/// A file whose other items have a diagnostic is parsed whole instead; so is one whose
/// indexed declaration does not read as sound (`read_indexed` returns `None`), by its
/// reader.
pub fn parse_indexed(source: &str, file: FileId) -> (File, Vec<Diagnostic>) {
    match index(source, file) {
        Some(indexed) => (indexed, Vec::new()),
        None => parser::parse(source, file),
    }
}

/// Index `source`'s numerous declarations and parse the rest. `None` when anything
/// outside an indexed body is not sound: the file is then to be parsed whole, which
/// reports why.
fn index(source: &str, file: FileId) -> Option<File> {
    let mut scan = Scan {
        source,
        bytes: source.as_bytes(),
        at: 0,
        comments: Vec::new(),
    };
    let mut indexed = Vec::new();
    // The other items, in order: read here, or being read on another core.
    let mut whole: Vec<Whole> = Vec::new();
    let read_apart = Mutex::new(Vec::new());
    // A block (a rollout, a scenario) is read on another core while the scan goes on:
    // a large rollout is the one long item of a large plan.
    let scanned = rayon::scope(|scope| {
        loop {
            // What the lexer skips between tokens, and the `;` the parser skips here.
            scan.skip_blanks(true);
            let Some(&first) = scan.bytes.get(scan.at) else {
                return Some(());
            };
            if !lexer::is_word_start(char::from(first)) {
                return None;
            }
            let start = scan.at;
            if let Some(entry) = scan.declaration(file, whole.len() as u32) {
                indexed.push(entry);
            } else if let Some(end) = scan.block_end() {
                let (slot, read_apart) = (whole.len(), &read_apart);
                whole.push(Whole::Apart { end });
                scope.spawn(move |_| {
                    let read = parser::read_item_at(source, file, start);
                    read_apart
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((slot, read));
                });
                scan.at = end;
            } else {
                // Not an indexed kind, nor a block: the parser reads it here.
                let read = parser::read_item_at(source, file, start)?;
                whole.push(Whole::Read(read.item));
                scan.comments.extend(read.comments);
                scan.at = read.end;
            }
        }
    });
    scanned?;
    for (slot, read) in read_apart
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        // The parser must end the block where the scan did, or the scan was wrong.
        let read = read?;
        if !matches!(whole[slot], Whole::Apart { end } if end == read.end) {
            return None;
        }
        whole[slot] = Whole::Read(read.item);
        scan.comments.extend(read.comments);
    }
    let mut items: Vec<Item> = whole
        .into_iter()
        .map(|entry| match entry {
            Whole::Read(item) => Some(item),
            Whole::Apart { .. } => None,
        })
        .collect::<Option<_>>()?;
    items.shrink_to_fit();
    indexed.shrink_to_fit();
    // Comments of blocks read apart came last.
    scan.comments.sort_unstable();
    Some(File {
        items,
        indexed,
        comments: scan
            .comments
            .into_iter()
            .map(|(s, e)| Span::new(file, s as usize, e as usize))
            .collect(),
    })
}

/// An item kept whole, in the file's order.
enum Whole {
    Read(Item),
    /// Being read on another core; the scan found it ends at `end`.
    Apart {
        end: usize,
    },
}

struct Scan<'a> {
    source: &'a str,
    bytes: &'a [u8],
    /// The next byte to look at.
    at: usize,
    /// Comments met, in order, as the lexer records them.
    comments: Vec<(u32, u32)>,
}

impl Scan<'_> {
    /// Blanks and comments, and `;` too when `semicolons`.
    fn skip_blanks(&mut self, semicolons: bool) {
        while let Some(&byte) = self.bytes.get(self.at) {
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' => self.at += 1,
                b';' if semicolons => self.at += 1,
                b'#' => self.comment(),
                _ => break,
            }
        }
    }

    /// A comment from `#` to the end of its line, as the lexer reads one.
    fn comment(&mut self) {
        let end = self.at + lexer::comment_length(&self.source[self.at..]);
        self.comments.push((self.at as u32, end as u32));
        self.at = end;
    }

    /// A word from here, as the lexer reads one: its end.
    fn word(&self) -> Option<usize> {
        let (_, word) = lexer::word(&self.source[self.at..]).ok()?;
        Some(self.at + word.len())
    }

    /// `KEYWORD NAME { … }` of an indexed kind, from here. `None` (back here, with the
    /// comments met forgotten, for the parser to record) when it is anything else.
    fn declaration(&mut self, file: FileId, before: u32) -> Option<Indexed> {
        let (start, comments) = (self.at, self.comments.len());
        let entry = self.indexed_declaration(file, before);
        if entry.is_none() {
            self.at = start;
            self.comments.truncate(comments);
        }
        entry
    }

    fn indexed_declaration(&mut self, file: FileId, before: u32) -> Option<Indexed> {
        let start = self.at;
        let keyword_end = self.word()?;
        let keyword = &self.source[start..keyword_end];
        if !INDEXED_KINDS.contains(&keyword) {
            return None;
        }
        let spec = schema::item(keyword)?;
        self.at = keyword_end;
        self.skip_blanks(false);
        let name_start = self.at;
        let name_end = self.word()?;
        self.at = name_end;
        self.skip_blanks(false);
        if self.bytes.get(self.at) != Some(&b'{') {
            return None;
        }
        self.at += 1;
        let end = self.body_end()?;
        Some(Indexed {
            item: schema::position(spec),
            name: Span::new(file, name_start, name_end),
            span: Span::new(file, start, end),
            before,
        })
    }

    /// `KEYWORD NAME {` (the name may be missing) from here, and past the `}` that
    /// closes it, counting blocks nested within, outside strings and comments. `None`
    /// when the item is not written so. Comments met are not recorded: the parser reads
    /// the item and records its comments.
    fn block_end(&mut self) -> Option<usize> {
        let (start, comments) = (self.at, self.comments.len());
        let end = self.block_end_from_here();
        self.at = start;
        self.comments.truncate(comments);
        end
    }

    fn block_end_from_here(&mut self) -> Option<usize> {
        self.at = self.word()?;
        self.skip_blanks(false);
        if self.bytes.get(self.at) != Some(&b'{') {
            self.at = self.word()?;
            self.skip_blanks(false);
        }
        if self.bytes.get(self.at) != Some(&b'{') {
            return None;
        }
        let mut depth = 0usize;
        loop {
            let next = self.bytes[self.at..]
                .iter()
                .position(|b| matches!(b, b'{' | b'}' | b'"' | b'#'))?;
            self.at += next;
            match self.bytes[self.at] {
                b'{' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' => {
                    depth -= 1;
                    self.at += 1;
                    if depth == 0 {
                        return Some(self.at);
                    }
                }
                b'"' => self.at += lexer::string_length(&self.source[self.at..]).ok()?,
                _ => self.at += lexer::comment_length(&self.source[self.at..]),
            }
        }
    }

    /// Past the `}` that closes the body opened just before here: the first outside
    /// strings and comments, as the kinds indexed have no nested blocks.
    fn body_end(&mut self) -> Option<usize> {
        loop {
            let next = memchr::memchr3(b'}', b'"', b'#', &self.bytes[self.at..])?;
            self.at += next;
            match self.bytes[self.at] {
                b'}' => {
                    self.at += 1;
                    return Some(self.at);
                }
                b'"' => self.at += lexer::string_length(&self.source[self.at..]).ok()?,
                _ => self.comment(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{Entry, Item};
    use crate::syntax::{parse, read_indexed};

    /// `parse_indexed` keeps what resolution reads first and indexes the rest, in
    /// source order; each indexed declaration reads as the item `parse` builds.
    fn assert_indexed_reads_as_whole(source: &str) {
        let (whole, diagnostics) = parse(source, FileId(0));
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let (indexed, diagnostics) = parse_indexed(source, FileId(0));
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        assert!(!indexed.indexed.is_empty(), "nothing was indexed");
        let read: Vec<Item> = indexed
            .entries()
            .map(|entry| match entry {
                Entry::Whole(item) => item.clone(),
                Entry::Indexed(entry) => {
                    let item = read_indexed(source, FileId(0), entry.span).expect("sound");
                    let name = item.name.as_ref().expect("a name");
                    assert_eq!(
                        (name.text.as_str(), name.span),
                        (entry.name_text(source), entry.name)
                    );
                    assert_eq!(item.keyword.text, entry.keyword());
                    item
                }
            })
            .collect();
        assert_eq!(read, whole.items);
        assert_eq!(indexed.comments, whole.comments);
    }

    #[test]
    fn indexed_declarations_read_as_parsed_and_keep_their_order() {
        assert_indexed_reads_as_whole(
            "# a plan\nplan p { rto 4h }\nservice a { on vm1  needs b, c  # why }\n data 10GiB }\n\
             rollout r { stage s { change c1 { on a } } }\nvm vm1 { on h };\n\
             defaults service { boot 5m }\nserver h { site x  hypervisor esxi }\n\
             allow no-backup \"lab\"  # a comment after the last token of an item\n\
             site x # between the name and the brace\n { kind datacenter }\n\
             scenario z { at tue 10:00 fail h }\n\
             backup bk { of a  full every 1d  keep 30d  description \"{ \\\" }\" }\n",
        );
        // The example plans, each a mix of whole and indexed declarations.
        let plans = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
        for entry in std::fs::read_dir(plans).expect("the example plans") {
            let path = entry.expect("a directory entry").path();
            let text = std::fs::read_to_string(&path).expect("a plan");
            assert_indexed_reads_as_whole(&text);
        }
    }

    #[test]
    fn a_mistake_inside_a_declaration_is_found_when_it_is_read() {
        let source = "service a { on vm1 }\nservice b { on }\nvm vm1 { on h  cpu }\n";
        let (file, diagnostics) = parse_indexed(source, FileId(0));
        assert!(diagnostics.is_empty(), "not parsed yet");
        let read: Vec<bool> = file
            .indexed
            .iter()
            .map(|entry| read_indexed(source, FileId(0), entry.span).is_some())
            .collect();
        assert_eq!(read, [true, false, false]);
        // A nested block is no part of an indexed kind: the scan does not look for
        // one, and the declaration is not sound.
        let source = "vm vm1 { on h {} site s { }\n";
        let (file, _) = parse_indexed(source, FileId(0));
        let ends: Vec<u32> = file.indexed.iter().map(|e| e.span.end).collect();
        assert_eq!(ends, [16, 27]);
        assert!(read_indexed(source, FileId(0), file.indexed[0].span).is_none());
        assert!(read_indexed(source, FileId(0), file.indexed[1].span).is_some());
    }

    #[test]
    fn a_mistake_outside_indexed_bodies_has_the_file_parsed_whole() {
        for source in [
            "service a { on vm1 }\n}\nvm vm1 { on h }\n",
            "service a { on vm1 }\nservce b { }\n",
            "service a { on vm1\n",
            "service a { on vm1 }\nplan p { rto }\n",
            "service a { on vm1 } 42\n",
        ] {
            let (file, diagnostics) = parse_indexed(source, FileId(0));
            assert!(!diagnostics.is_empty(), "{source}");
            assert_eq!(
                format!("{:?}", (file, diagnostics)),
                format!("{:?}", parse(source, FileId(0)))
            );
        }
    }
}
