//! Tokens → `ast::File`. Recursive descent driven by `schema`, recovering after
//! every error so that one run reports all mistakes in a file. No meaning checks here.

use super::ast::{self, Date, File, Ident, Item, MinuteOfWeek, Property, Rollback, Value, Window};
use super::lexer::{self, LexError, Token, TokenKind};
use super::schema::{self, ItemSpec, Shape};
use super::units;
use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};

/// Errors reported for one file before the parser gives up on it.
pub const MAX_ERRORS_PER_FILE: usize = 50;
/// Deepest `{` nesting accepted (the language itself needs three levels).
pub const MAX_NESTING: usize = 32;
/// Longest name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Longest string, in bytes between its quotes as written.
pub const MAX_STRING_BYTES: usize = 64 * 1024;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Parse one file's text, keeping every declaration whole.
pub fn parse(source: &str, file: FileId) -> (File, Vec<Diagnostic>) {
    Parser::new(source, file, 0).file()
}

/// What `read_item_at` read: a sound item, the comments in it, and where it ends.
pub(super) struct ReadItem {
    pub item: Item,
    pub comments: Vec<(u32, u32)>,
    pub end: usize,
}

/// Read the one top-level item that starts at `offset` of `source` (a token's start),
/// as the parser reads it there within the whole file. `None` when it is not sound: it
/// has a diagnostic.
pub(super) fn read_item_at(source: &str, file: FileId, offset: usize) -> Option<ReadItem> {
    let mut parser = Parser::new(source, file, offset);
    let item = parser.top_level_item()?;
    if !parser.diagnostics.is_empty() {
        return None;
    }
    let end = parser.last_end;
    // The parser may have looked one token past the item, and lexed comments before it.
    let mut comments = std::mem::take(&mut parser.lexer.comments);
    comments.retain(|&(start, _)| (start as usize) < end);
    Some(ReadItem {
        item,
        comments,
        end,
    })
}

/// Read the declaration indexed (`syntax::parse_indexed`) as `entry`, to lower it.
/// `None` when it is not sound (it has a diagnostic, or does not end where it was
/// indexed to): then its file is to be parsed whole, which reports why.
pub fn read_indexed(source: &str, file: FileId, span: Span) -> Option<Item> {
    let read = read_item_at(source, file, span.start as usize)?;
    (read.item.span == span && read.item.name.is_some()).then_some(read.item)
}

impl<'a> Parser<'a> {
    fn new(source: &'a str, file: FileId, offset: usize) -> Self {
        Parser {
            source,
            file,
            lexer: lexer::Lexer::starting_at(source, offset, MAX_ERRORS_PER_FILE),
            lookahead: Lookahead::default(),
            pos: 0,
            last_end: offset,
            diagnostics: Vec::new(),
            has_given_up: false,
            // Room for a declaration's usual properties at once, not grown from four.
            property_stack: Vec::with_capacity(16),
        }
    }

    /// The file's items, then its comments.
    fn file(mut self) -> (File, Vec<Diagnostic>) {
        let items = self.items();
        let comments = self.comments();
        (
            File {
                items,
                indexed: Vec::new(),
                comments,
            },
            self.diagnostics,
        )
    }
}

/// Parse `text` as one property of a `spec` declaration (for what-if overrides).
/// Returns the property when the whole text is exactly one valid property.
pub fn parse_property(
    spec: &'static ItemSpec,
    text: &str,
    file: FileId,
) -> (Option<Property>, Vec<Diagnostic>) {
    let mut parser = Parser::new(text, file, 0);
    let token = parser.peek();
    let word = parser.text(token);
    let index = (token.kind == TokenKind::Word)
        .then(|| spec.index_of(word))
        .flatten();
    let property = match index {
        Some(index) => parser
            .property(spec, schema::position(spec), index as u8)
            .ok(),
        None => {
            parser.unknown_property(spec, token);
            None
        }
    };
    if property.is_some() && parser.peek().kind != TokenKind::Eof {
        parser.unexpected("the end of the value");
    }
    let property = property.filter(|_| parser.diagnostics.is_empty());
    (property, parser.diagnostics)
}

/// Whether a name is kebab-case: `[a-z][a-z0-9]*(-[a-z0-9]+)*`.
pub fn is_kebab_case(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_lowercase()
        && !name.ends_with('-')
        && !name.contains("--")
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn to_kebab_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('-') {
            out.push('-');
        }
        match c {
            '_' | '-' if !out.ends_with('-') && !out.is_empty() => out.push('-'),
            '_' | '-' => {}
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out.trim_end_matches('-').to_string()
}

struct Parser<'a> {
    source: &'a str,
    file: FileId,
    lexer: lexer::Lexer<'a>,
    /// Tokens pulled from the lexer but not yet consumed.
    lookahead: Lookahead,
    /// How many tokens were consumed.
    pos: usize,
    /// End of the last consumed token.
    last_end: usize,
    diagnostics: Vec<Diagnostic>,
    has_given_up: bool,
    /// Properties of the bodies being parsed, innermost last: each body moves its own
    /// into an exact-size vector, so the tree holds no spare capacity.
    property_stack: Vec<Property>,
}

/// Tokens pulled but not yet consumed, in a ring held in place: the parser looks at
/// most three ahead and gives back at most one, and a ring on the heap cost an
/// allocation per declaration read.
#[derive(Default)]
struct Lookahead {
    tokens: [Token; Lookahead::SLOTS],
    head: usize,
    len: usize,
}

impl Lookahead {
    /// A power of two, so that positions wrap with a mask.
    const SLOTS: usize = 8;

    fn slot(&self, at: usize) -> usize {
        (self.head + at) & (Self::SLOTS - 1)
    }

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, at: usize) -> Option<Token> {
        (at < self.len).then(|| self.tokens[self.slot(at)])
    }

    fn push_back(&mut self, token: Token) {
        debug_assert!(self.len < Self::SLOTS);
        self.tokens[self.slot(self.len)] = token;
        self.len = (self.len + 1).min(Self::SLOTS);
    }

    fn push_front(&mut self, token: Token) {
        debug_assert!(self.len < Self::SLOTS);
        self.head = self.slot(Self::SLOTS - 1);
        self.tokens[self.head] = token;
        self.len = (self.len + 1).min(Self::SLOTS);
    }

    fn pop_front(&mut self) {
        if self.len > 0 {
            self.head = self.slot(1);
            self.len -= 1;
        }
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    fn iter(&self) -> impl Iterator<Item = Token> + '_ {
        (0..self.len).map(|at| self.tokens[self.slot(at)])
    }
}

/// Marks a value that failed to parse; its diagnostic is already reported.
struct Reported;

type Parsed<T> = Result<T, Reported>;

impl<'a> Parser<'a> {
    // ---------------------------------------------------------------- tokens

    /// Pull tokens until `count` are buffered, reporting lexer errors as they appear.
    fn fill(&mut self, count: usize) {
        while self.lookahead.len() < count {
            let token = self.lexer.next_token();
            self.lookahead.push_back(token);
            if token.kind == TokenKind::Eof {
                break;
            }
        }
        if !self.lexer.errors.is_empty() {
            let errors = std::mem::take(&mut self.lexer.errors);
            for error in &errors {
                self.report_lex_error(error);
            }
        }
    }

    fn eof(&self) -> Token {
        let end = self.source.len() as u32;
        Token {
            kind: TokenKind::Eof,
            start: end,
            end,
            unit_start: end,
        }
    }

    #[inline]
    fn peek(&mut self) -> Token {
        self.peek_at(0)
    }

    #[inline]
    fn peek_at(&mut self, ahead: usize) -> Token {
        if self.has_given_up {
            return self.eof();
        }
        if let Some(token) = self.lookahead.get(ahead) {
            return token;
        }
        self.fill(ahead + 1);
        let last = self.lookahead.len().saturating_sub(1);
        self.lookahead
            .get(ahead.min(last))
            .unwrap_or_else(|| self.eof())
    }

    fn bump(&mut self) -> Token {
        let token = self.peek();
        if token.kind != TokenKind::Eof {
            self.lookahead.pop_front();
            self.pos += 1;
            self.last_end = token.end as usize;
        }
        token
    }

    fn text(&self, token: Token) -> &'a str {
        &self.source[token.start as usize..token.end as usize]
    }

    fn span(&self, token: Token) -> Span {
        if token.kind == TokenKind::Eof {
            // An empty span at the very end shows no label: point at the last character.
            let trimmed = self.source.trim_end();
            let end = trimmed.len();
            let start = trimmed.char_indices().next_back().map_or(end, |(i, _)| i);
            return Span::new(self.file, start, end);
        }
        Span::new(self.file, token.start as usize, token.end as usize)
    }

    /// From the start of `start` to the end of the last consumed token.
    fn span_from(&self, start: Span) -> Span {
        Span::new(
            self.file,
            start.start as usize,
            self.last_end.max(start.end as usize),
        )
    }

    fn is_word(&self, token: Token, word: &str) -> bool {
        token.kind == TokenKind::Word && self.text(token) == word
    }

    /// After `rotate N`, whether the `media` next is the `media` property (`media tape`)
    /// rather than the optional last word of `rotate N media`: a kind of medium follows
    /// it, except in `snapshot every …`, a schedule.
    fn starts_media_property(&mut self) -> bool {
        let kind = self.peek_at(1);
        let after = self.peek_at(2);
        let word = self.text(kind);
        kind.kind == TokenKind::Word
            && schema::MEDIA_KINDS.contains(&word)
            && !(word == "snapshot" && self.is_word(after, "every"))
    }

    fn eat_word(&mut self, word: &str) -> Option<Token> {
        {
            let token = self.peek();
            self.is_word(token, word).then(|| self.bump())
        }
    }

    fn describe(&self, token: Token) -> String {
        match token.kind {
            TokenKind::Eof => "end of file".to_string(),
            _ => format!("`{}`", self.text(token)),
        }
    }

    // ---------------------------------------------------------------- errors

    fn report(&mut self, diagnostic: Diagnostic) {
        if self.has_given_up {
            return;
        }
        if self.diagnostics.len() >= MAX_ERRORS_PER_FILE {
            let token = self.peek();
            let span = self.span(token);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::TooManyErrors,
                    format!("stopped after {MAX_ERRORS_PER_FILE} errors in this file"),
                )
                .primary(span, "parsing stopped here")
                .help("fix the errors above and run again"),
            );
            self.has_given_up = true;
            return;
        }
        self.diagnostics.push(diagnostic);
    }

    fn report_lex_error(&mut self, error: &LexError) {
        let diagnostic = match *error {
            LexError::UnexpectedCharacter { start, end } => {
                let c = &self.source[start..end];
                Diagnostic::new(
                    Code::UnexpectedCharacter,
                    format!("unexpected character `{}`", printable(c)),
                )
                .primary(
                    Span::new(self.file, start, end),
                    "no token starts with this",
                )
                .help_opt(match c {
                    "'" => Some("strings are written in double quotes: \"like this\"".to_string()),
                    "=" | ":" => {
                        Some("write a property as `key value`, without `=` or `:`".to_string())
                    }
                    _ => Some("names are kebab-case words; text goes in double quotes".to_string()),
                })
            }
            LexError::SingleQuotedString { start, end } => Diagnostic::new(
                Code::UnexpectedCharacter,
                "strings are written in double quotes",
            )
            .primary(Span::new(self.file, start, end), "single quotes")
            .help(format!("write \"{}\"", &self.source[start + 1..end - 1])),
            LexError::UnterminatedString { start, end } => Diagnostic::new(
                Code::UnterminatedString,
                "string is missing its closing quote",
            )
            .primary(Span::new(self.file, start, end), "this string never ends")
            .help("add a `\"` before the end of the line; strings cannot span lines (write `\\n`)"),
        };
        self.report(diagnostic);
    }

    fn unexpected(&mut self, expected: &str) -> Reported {
        let token = self.peek();
        let found = self.describe(token);
        let span = self.span(token);
        self.report(
            Diagnostic::new(
                Code::UnexpectedToken,
                format!("expected {expected}, found {found}"),
            )
            .primary(span, format!("expected {expected}")),
        );
        Reported
    }

    // ---------------------------------------------------------------- recovery

    /// Skip to the next token that can start a top-level item.
    fn recover_to_top_level(&mut self) {
        let mut depth = 0usize;
        loop {
            let token = self.peek();
            match token.kind {
                TokenKind::Eof => return,
                TokenKind::LBrace => {
                    depth += 1;
                    if depth == MAX_NESTING + 1 {
                        self.report_nesting(token);
                    }
                }
                TokenKind::RBrace => depth = depth.saturating_sub(1),
                TokenKind::Word if depth == 0 && self.starts_top_level_item() => return,
                _ => {}
            }
            self.bump();
        }
    }

    fn report_nesting(&mut self, token: Token) {
        let span = self.span(token);
        self.report(
            Diagnostic::new(
                Code::NestingTooDeep,
                format!("blocks nested more than {MAX_NESTING} deep"),
            )
            .primary(span, "too deep")
            .help("a plan needs at most three levels: rollout, stage, change"),
        );
    }

    /// A top-level keyword followed by something that fits after it.
    fn starts_top_level_item(&mut self) -> bool {
        let token = self.peek();
        let word = self.text(token);
        let next = self.peek_at(1).kind;
        match word {
            "include" => next == TokenKind::Str,
            "allow" | "defaults" => next == TokenKind::Word,
            _ => {
                schema::TOP_LEVEL.iter().any(|s| s.keyword == word)
                    && (next == TokenKind::Word && self.peek_at(2).kind == TokenKind::LBrace)
            }
        }
    }

    /// Skip inside a block to the next property key of `spec`, a `;`, or the closing `}`.
    fn recover_in_block(&mut self, spec: &ItemSpec) {
        let mut depth = 0usize;
        loop {
            let token = self.peek();
            match token.kind {
                TokenKind::Eof => return,
                TokenKind::LBrace => {
                    depth += 1;
                    if depth == MAX_NESTING + 1 {
                        self.report_nesting(token);
                    }
                }
                TokenKind::RBrace if depth == 0 => return,
                TokenKind::RBrace => depth -= 1,
                TokenKind::Semicolon if depth == 0 => return,
                TokenKind::Word if depth == 0 => {
                    let word = self.text(token);
                    if spec.property(word).is_some()
                        || spec.children.contains(&word)
                        || self.starts_top_level_item()
                    {
                        return;
                    }
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// After a bad value: skip the rest of it, up to the next property key, `;`, `}`,
    /// or a word that starts a new line (so that an unknown property on the next line
    /// is still reported, while the remains of a bad window or schedule are not).
    fn recover_after_value(&mut self, spec: &ItemSpec) {
        loop {
            let token = self.peek();
            match token.kind {
                TokenKind::RBrace | TokenKind::Eof | TokenKind::Semicolon => return,
                TokenKind::LBrace => return self.recover_in_block(spec),
                TokenKind::Word => {
                    let word = self.text(token);
                    let starts_line = self.source[..token.start as usize]
                        .trim_end_matches([' ', '\t'])
                        .ends_with('\n');
                    let is_known = spec.property(word).is_some() || spec.children.contains(&word);
                    if is_known || starts_line || self.starts_top_level_item() {
                        return;
                    }
                }
                _ => {}
            }
            self.bump();
        }
    }

    // ---------------------------------------------------------------- items

    /// The comments read so far.
    fn comments(&self) -> Vec<Span> {
        self.lexer
            .comments
            .iter()
            .map(|&(s, e)| Span::new(self.file, s as usize, e as usize))
            .collect()
    }

    /// file ::= item*
    fn items(&mut self) -> Vec<Item> {
        let mut items = Vec::new();
        loop {
            let token = self.peek();
            match token.kind {
                TokenKind::Eof => break,
                TokenKind::Semicolon => {
                    self.bump();
                }
                TokenKind::Word => items.extend(self.top_level_item()),
                _ => {
                    self.unexpected("a declaration such as `service` or `backup`");
                    self.bump();
                    self.recover_to_top_level();
                }
            }
        }
        // Grown by doubling: give the spare capacity back before resolution, when the
        // tree and the model are both alive.
        items.shrink_to_fit();
        items
    }

    /// item ::= include | plan | defaults | … | allow
    fn top_level_item(&mut self) -> Option<Item> {
        let token = self.peek();
        let keyword = self.text(token);
        match keyword {
            "include" => self.include(),
            "allow" => {
                let keyword = self.bump_ident();
                let start = keyword.span;
                match self.allow() {
                    Ok(value) => Some(Item {
                        span: self.span_from(start),
                        keyword,
                        name: None,
                        properties: Box::default(),
                        children: Box::default(),
                        value: Some(Box::new(value)),
                    }),
                    Err(Reported) => {
                        self.recover_to_top_level();
                        None
                    }
                }
            }
            "defaults" => self.defaults(),
            _ => {
                if let Some(spec) = schema::TOP_LEVEL.iter().find(|s| s.keyword == keyword) {
                    return Some(self.declaration(spec, 0));
                }
                let span = self.span(token);
                let help = if schema::item(keyword).is_some() {
                    Some(format!(
                        "`{keyword}` can only appear inside a `{}` block",
                        if keyword == "stage" {
                            "rollout"
                        } else {
                            "stage"
                        }
                    ))
                } else {
                    did_you_mean(keyword, schema::top_level_keywords()).or_else(|| {
                        Some(format!(
                            "a plan is made of declarations: {}",
                            schema::top_level_keywords().collect::<Vec<_>>().join(", ")
                        ))
                    })
                };
                self.report(
                    Diagnostic::new(
                        Code::UnknownItem,
                        format!("`{keyword}` does not start a declaration"),
                    )
                    .primary(span, "unknown declaration keyword")
                    .help_opt(help),
                );
                self.bump();
                self.recover_to_top_level();
                None
            }
        }
    }

    /// include ::= 'include' STRING
    fn include(&mut self) -> Option<Item> {
        let keyword = self.bump_ident();
        let path = self.string().ok()?;
        Some(Item {
            span: keyword.span.to(path.span),
            keyword,
            name: None,
            properties: Box::default(),
            children: Box::default(),
            value: Some(Box::new(Value::Str(path))),
        })
    }

    /// defaults ::= 'defaults' KIND '{' property* '}'
    fn defaults(&mut self) -> Option<Item> {
        let keyword = self.bump_ident();
        let token = self.peek();
        if token.kind != TokenKind::Word {
            self.unexpected("the kind of declaration the defaults are for, such as `service`");
            self.recover_to_top_level();
            return None;
        }
        let kind = self.bump_ident();
        let Some(spec) = schema::DEFAULTS_KINDS
            .contains(&kind.text.as_str())
            .then(|| schema::item(&kind.text))
            .flatten()
        else {
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("`defaults` cannot apply to `{}`", kind.text),
                )
                .primary(kind.span, "not a kind with defaults")
                .help(
                    did_you_mean(&kind.text, schema::DEFAULTS_KINDS.iter().copied())
                        .unwrap_or_else(|| {
                            format!("defaults exist for: {}", schema::DEFAULTS_KINDS.join(", "))
                        }),
                ),
            );
            self.recover_to_top_level();
            return None;
        };
        let (properties, children) = self.body(spec, keyword.span, 0, false);
        Some(Item {
            span: self.span_from(keyword.span),
            keyword,
            name: Some(kind),
            properties,
            children,
            value: None,
        })
    }

    /// declaration ::= KEYWORD NAME '{' ( property | child )* '}'
    fn declaration(&mut self, spec: &'static ItemSpec, depth: usize) -> Item {
        let keyword = self.bump_ident();
        let name = match self.peek().kind {
            TokenKind::Word => {
                let token = self.bump();
                Some(self.name(token))
            }
            TokenKind::Str => self.quoted_name(),
            _ => {
                let what = format!("a name for this `{}`", spec.keyword);
                self.unexpected(&what);
                None
            }
        };
        let (properties, children) = self.body(spec, keyword.span, depth, true);
        Item {
            span: self.span_from(keyword.span),
            keyword,
            name,
            properties,
            children,
            value: None,
        }
    }

    /// '{' ( property | child )* '}'
    fn body(
        &mut self,
        spec: &'static ItemSpec,
        keyword_span: Span,
        depth: usize,
        allows_children: bool,
    ) -> (Box<[Property]>, Box<[Item]>) {
        let mut children = Vec::new();
        let open = self.peek();
        if open.kind != TokenKind::LBrace {
            self.unexpected("`{` to open the declaration's body");
            self.recover_to_top_level();
            return (Box::default(), Box::default());
        }
        let first = self.property_stack.len();
        let item = schema::position(spec);
        self.bump();
        let open_span = self.span(open);
        loop {
            let token = self.peek();
            match token.kind {
                TokenKind::RBrace => {
                    self.bump();
                    break;
                }
                TokenKind::Eof => {
                    if !self.has_given_up {
                        self.report_unclosed(
                            open_span,
                            keyword_span,
                            self.span(token),
                            "the file ends here",
                        );
                    }
                    break;
                }
                TokenKind::Semicolon => {
                    self.bump();
                }
                TokenKind::Word => {
                    let word = self.text(token);
                    if let Some(index) = spec.index_of(word) {
                        match self.property(spec, item, index as u8) {
                            Ok(p) => self.property_stack.push(p),
                            Err(Reported) => self.recover_after_value(spec),
                        }
                    } else if allows_children && spec.children.contains(&word) {
                        let child_spec = schema::item(word).expect("children are specs");
                        children.push(self.declaration(child_spec, depth + 1));
                    } else if word != "allow" && self.starts_top_level_item() {
                        // Most likely a forgotten `}`: let the enclosing level take it.
                        self.report_unclosed(
                            open_span,
                            keyword_span,
                            self.span(token),
                            "expected `}` before this",
                        );
                        break;
                    } else {
                        self.unknown_property(spec, token);
                        self.bump();
                        self.recover_in_block(spec);
                    }
                }
                _ => {
                    let what = format!("a property of `{}`", spec.keyword);
                    self.unexpected(&what);
                    self.bump();
                    self.recover_in_block(spec);
                }
            }
        }
        let properties = self.property_stack.drain(first..).collect();
        (properties, children.into_boxed_slice())
    }

    fn report_unclosed(&mut self, open: Span, keyword: Span, at: Span, at_label: &str) {
        self.report(
            Diagnostic::new(Code::UnclosedBlock, "this block is never closed")
                .primary(open, "this `{` has no matching `}`")
                .secondary(keyword, "in this declaration")
                .secondary(at, at_label)
                .help("add a `}` to close the block"),
        );
    }

    fn unknown_property(&mut self, spec: &ItemSpec, token: Token) {
        let word = self.text(token);
        let span = self.span(token);
        let candidates = spec.keys().chain(spec.children.iter().copied());
        let help = did_you_mean(word, candidates).unwrap_or_else(|| {
            format!(
                "a `{}` has these properties: {}",
                spec.keyword,
                spec.keys().collect::<Vec<_>>().join(", ")
            )
        });
        self.report(
            Diagnostic::new(
                Code::UnknownProperty,
                format!("`{}` has no property `{word}`", spec.keyword),
            )
            .primary(span, "unknown property")
            .help(help),
        );
    }

    /// property ::= KEY value
    fn property(&mut self, spec: &ItemSpec, item: u8, index: u8) -> Parsed<Property> {
        let property = &spec.properties[index as usize];
        let token = self.bump();
        let key_span = self.span(token);
        let value = self.value(property.shape, property.key)?;
        Ok(Property {
            item,
            index,
            key: property.id,
            span: self.span_from(key_span),
            value,
        })
    }

    // ---------------------------------------------------------------- values

    fn value(&mut self, shape: Shape, key: &str) -> Parsed<Value> {
        Ok(match shape {
            Shape::Flag => Value::Flag,
            Shape::Name => Value::Name(self.expect_name()?),
            Shape::Names => Value::Names(self.names()?),
            Shape::Int => Value::Int(self.int()?),
            Shape::Number => Value::Number(self.plain_number()?),
            Shape::Size => Value::Size(self.size()?),
            Shape::Duration => Value::Duration(self.duration()?),
            Shape::Spread => self.spread()?,
            Shape::Rate => Value::Rate(self.rate()?),
            Shape::Probability => Value::Probability(self.probability()?),
            Shape::Cost => Value::Cost(self.cost()?),
            Shape::Str => Value::Str(self.string()?),
            Shape::Date => Value::Date(self.date()?),
            Shape::DateRange => {
                let from = self.date()?;
                if self.peek().kind == TokenKind::DotDot {
                    self.bump();
                    let to = self.date()?;
                    if to.value < from.value {
                        self.report(
                            Diagnostic::new(Code::InvalidTime, "date range ends before it starts")
                                .primary(from.span.to(to.span), "empty range")
                                .help("write the earlier date first"),
                        );
                    }
                    Value::DateRange(from, to)
                } else {
                    Value::DateRange(from.clone(), from)
                }
            }
            Shape::Time => Value::Time(self.time_of_week()?),
            Shape::Window => Value::Window(self.window()?),
            Shape::Choice(options) => Value::Word(self.choice(options, key)?),
            Shape::Schedule => {
                self.keyword("every", "`every` and an interval, like `every 24h`")?;
                let every = self.duration()?;
                self.positive(&every, "an interval")?;
                let at = if self.eat_word("at").is_some() {
                    Some(self.clock()?)
                } else {
                    None
                };
                Value::Schedule(Box::new(ast::Schedule { every, at }))
            }
            Shape::Tested => {
                if self.eat_word("never").is_some() {
                    Value::Tested(None)
                } else {
                    self.keyword("every", "`every 30d` or `never`")?;
                    let every = self.duration()?;
                    self.positive(&every, "an interval")?;
                    Value::Tested(Some(every))
                }
            }
            Shape::Rotate => {
                let count = self.int()?;
                // `rotate 2 media`, but `rotate 2` then `media tape` is two properties:
                // line breaks carry no meaning, so the word after `media` decides.
                let next = self.peek();
                if self.is_word(next, "media") && !self.starts_media_property() {
                    self.bump();
                }
                Value::Rotate(count)
            }
            Shape::Offsite => {
                let site = self.expect_name()?;
                self.keyword("every", "`every` and how often a copy goes off site")?;
                let every = self.duration()?;
                Value::Offsite(Box::new(ast::Offsite { site, every }))
            }
            Shape::Copy => {
                let size = self.size()?;
                self.keyword("at", "`at` and a transfer rate, like `at 100MB/s`")?;
                let rate = self.rate()?;
                Value::Copy(Box::new(ast::Transfer { size, rate }))
            }
            Shape::Capacity => {
                let mut parts = Vec::new();
                while let Some(token) = ["cpu", "memory", "disk"]
                    .iter()
                    .find_map(|w| self.eat_word(w))
                {
                    let part = self.ident(token);
                    let value = match part.text.as_str() {
                        "cpu" => Value::Int(self.int()?),
                        _ => Value::Size(self.size()?),
                    };
                    parts.push((part, value));
                }
                if parts.is_empty() {
                    return Err(self.unexpected("`cpu`, `memory` or `disk` and an amount"));
                }
                Value::Capacity(parts)
            }
            Shape::Quorum => {
                let need = self.whole_number()?;
                let of = if self.eat_word("of").is_some() {
                    Some(self.whole_number()?)
                } else {
                    None
                };
                Value::Quorum(Box::new(ast::Quorum { need, of }))
            }
            Shape::Failover => {
                let target = self.expect_name()?;
                let after = if self.eat_word("after").is_some() {
                    Some(self.duration()?)
                } else {
                    None
                };
                Value::Failover(Box::new(ast::Failover { target, after }))
            }
            Shape::Verify => {
                let kind = self.choice(schema::VERIFY_KINDS, "verify")?;
                let command = if self.peek().kind == TokenKind::Str {
                    Some(self.string()?)
                } else {
                    None
                };
                Value::Verify(Box::new(ast::Verify { kind, command }))
            }
            Shape::Rollback => {
                if self.peek().kind == TokenKind::Str {
                    Value::Rollback(Box::new(Rollback::Command(self.string()?)))
                } else {
                    Value::Rollback(Box::new(Rollback::Keyword(
                        self.choice(schema::ROLLBACK_KINDS, "rollback")?,
                    )))
                }
            }
            Shape::Expect => {
                let service = self.expect_name()?;
                let (mut rto, mut rpo) = (None, None);
                loop {
                    if self.eat_word("rto").is_some() {
                        rto = Some(self.duration()?);
                    } else if self.eat_word("rpo").is_some() {
                        rpo = Some(self.duration()?);
                    } else {
                        break;
                    }
                }
                if rto.is_none() && rpo.is_none() {
                    return Err(self.unexpected("`rto` or `rpo` and a duration"));
                }
                Value::Expect(Box::new(ast::Expect { service, rto, rpo }))
            }
            Shape::Event => {
                let at = self.time_of_week()?;
                let action = self.choice(schema::EVENT_ACTIONS, "at")?;
                let is_disk = action.text == "fail" && {
                    let (next, after) = (self.peek(), self.peek_at(1));
                    self.is_word(next, "disk") && self.is_word(after, "of")
                };
                if is_disk {
                    self.bump();
                    self.bump();
                }
                let target = self.expect_name()?;
                Value::Event(Box::new(ast::Event {
                    at,
                    action,
                    is_disk,
                    target,
                }))
            }
            Shape::Allow => self.allow()?,
            Shape::RandomOver => {
                self.keyword("over", "`over` and a mission time, like `over 1y`")?;
                let mission = self.duration()?;
                self.positive(&mission, "a mission time")?;
                Value::RandomOver(mission)
            }
        })
    }

    /// allow ::= 'allow' NAME STRING
    fn allow(&mut self) -> Parsed<Value> {
        let code = self.expect_name()?;
        if self.peek().kind != TokenKind::Str {
            let token = self.peek();
            let found = self.describe(token);
            let span = self.span(token);
            self.report(
                Diagnostic::new(
                    Code::UnexpectedToken,
                    format!(
                        "expected the reason for allowing `{}`, found {found}",
                        code.text
                    ),
                )
                .primary(span, "expected a reason in double quotes")
                .help(format!(
                    "every allow needs a reason: allow {} \"why this is acceptable\"",
                    code.text
                )),
            );
            return Err(Reported);
        }
        let reason = self.string()?;
        Ok(Value::Allow(Box::new(ast::Allow { code, reason })))
    }

    fn bump_ident(&mut self) -> Ident {
        let token = self.bump();
        self.ident(token)
    }

    fn ident(&self, token: Token) -> Ident {
        Ident {
            text: self.text(token).into(),
            span: self.span(token),
        }
    }

    /// A declared name; reports (but keeps) names that are not kebab-case.
    fn name(&mut self, token: Token) -> Ident {
        let ident = self.ident(token);
        if ident.text.len() > MAX_NAME_BYTES {
            self.report(
                Diagnostic::new(
                    Code::LimitExceeded,
                    format!("the length of a name exceeds the limit of {MAX_NAME_BYTES} bytes"),
                )
                .primary(ident.span, format!("{} bytes long", ident.text.len()))
                .help("use a shorter name; a `description` can say more"),
            );
        } else if !is_kebab_case(&ident.text) {
            let suggestion = to_kebab_case(&ident.text);
            self.report(
                Diagnostic::new(
                    Code::InvalidName,
                    format!("name `{}` is not kebab-case", ident.text),
                )
                .primary(ident.span, "names are lowercase words joined by `-`")
                .help_opt(is_kebab_case(&suggestion).then(|| format!("write `{suggestion}`"))),
            );
        }
        ident
    }

    /// `service "app" {`: reported once, and read as the name `app` when it is one, so
    /// that the body still parses and nothing else is reported for it.
    fn quoted_name(&mut self) -> Option<Ident> {
        let token = self.bump();
        let text = self.text(token);
        let inner = text.strip_prefix('"')?;
        let Some(inner) = inner.strip_suffix('"') else {
            return self.unterminated_quoted_name(token, inner);
        };
        let is_name = is_kebab_case(inner) && inner.len() <= MAX_NAME_BYTES;
        self.report(
            Diagnostic::new(
                Code::UnexpectedToken,
                format!("expected a name, found the string {text}"),
            )
            .primary(self.span(token), "a name is written without quotes")
            .help_opt(is_name.then(|| format!("write `{inner}`"))),
        );
        let start = token.start as usize + 1;
        is_name.then(|| Ident {
            text: inner.into(),
            span: Span::new(self.file, start, start + inner.len()),
        })
    }

    /// `service "app {`: the lexer reported the string that never ends, and it took
    /// the line's `{` with it. That `{` is given back to the parser, and the name read as
    /// `app` when it is one, so that the body parses and nothing more is reported. The
    /// report's help says how to write a name.
    fn unterminated_quoted_name(&mut self, token: Token, inner: &str) -> Option<Ident> {
        let written = inner.trim_end();
        let name = match written.strip_suffix('{') {
            Some(before_brace) => {
                let brace = token.start + 1 + before_brace.len() as u32;
                self.lookahead.push_front(Token {
                    kind: TokenKind::LBrace,
                    start: brace,
                    end: brace + 1,
                    unit_start: brace + 1,
                });
                before_brace.trim_end()
            }
            // `service "app` with its `{` on the next line.
            None => written,
        };
        let start = token.start as usize + 1;
        let is_name = is_kebab_case(name) && name.len() <= MAX_NAME_BYTES;
        // The lexer's help is about strings; here the string was meant as a name.
        if let Some(reported) = self.diagnostics.iter_mut().rev().find(|d| {
            d.code == Code::UnterminatedString
                && d.primary_span().is_some_and(|s| s.start == token.start)
        }) {
            reported.help = Some(if is_name {
                format!("a name is written without quotes: write `{name}`")
            } else {
                "a name is written without quotes, in kebab-case".to_string()
            });
        }
        is_name.then(|| Ident {
            text: name.into(),
            span: Span::new(self.file, start, start + name.len()),
        })
    }

    fn expect_name(&mut self) -> Parsed<Ident> {
        if self.peek().kind == TokenKind::Word {
            let token = self.bump();
            Ok(self.name(token))
        } else {
            Err(self.unexpected("a name"))
        }
    }

    /// names ::= NAME ( ',' NAME )*
    fn names(&mut self) -> Parsed<Vec<Ident>> {
        let mut names = vec![self.expect_name()?];
        while self.peek().kind == TokenKind::Comma {
            self.bump();
            names.push(self.expect_name()?);
        }
        Ok(names)
    }

    fn keyword(&mut self, word: &str, expected: &str) -> Parsed<Token> {
        match self.eat_word(word) {
            Some(token) => Ok(token),
            None => Err(self.unexpected(expected)),
        }
    }

    fn choice(&mut self, options: &[&str], key: &str) -> Parsed<Ident> {
        let token = self.peek();
        if token.kind != TokenKind::Word {
            let expected = format!("one of {}", quote_list(options));
            return Err(self.unexpected(&expected));
        }
        let ident = self.bump_ident();
        if options.contains(&ident.text.as_str()) {
            return Ok(ident);
        }
        let help = did_you_mean(&ident.text, options.iter().copied())
            .unwrap_or_else(|| format!("`{key}` takes one of {}", quote_list(options)));
        self.report(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{}` is not a valid value for `{key}`", ident.text),
            )
            .primary(ident.span, "not one of the allowed values")
            .help(help),
        );
        Err(Reported)
    }

    fn string(&mut self) -> Parsed<Spanned<String>> {
        let token = self.peek();
        if token.kind != TokenKind::Str {
            return Err(self.unexpected("a string in double quotes"));
        }
        self.bump();
        let span = self.span(token);
        let raw = self.text(token);
        if raw.len() > MAX_STRING_BYTES + 2 {
            self.report(
                Diagnostic::new(
                    Code::LimitExceeded,
                    format!("the length of a string exceeds the limit of {MAX_STRING_BYTES} bytes"),
                )
                .primary(
                    Span::new(self.file, span.start as usize, span.start as usize + 1),
                    format!("this string is {} bytes long", raw.len() - 2),
                )
                .help("keep long scripts in files and name them in the plan"),
            );
        }
        let quote = if raw.starts_with('\'') { '\'' } else { '"' };
        let inner = raw
            .strip_prefix(quote)
            .map(|s| s.strip_suffix(quote).unwrap_or(s))
            .unwrap_or(raw);
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        let base = token.start as usize + 1;
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let decoded = match chars.next() {
                Some((_, '"')) => Some('"'),
                Some((_, '\\')) => Some('\\'),
                Some((_, 'n')) => Some('\n'),
                Some((_, 't')) => Some('\t'),
                Some((_, 'r')) => Some('\r'),
                Some((_, 'u')) => {
                    let rest = &inner[i + 2..];
                    let close = rest.find('}');
                    let code = rest
                        .strip_prefix('{')
                        .and(close)
                        .and_then(|c| u32::from_str_radix(&rest[1..c], 16).ok())
                        .and_then(char::from_u32);
                    if let (Some(c), Some(close)) = (code, close) {
                        for _ in 0..=close {
                            chars.next();
                        }
                        Some(c)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match decoded {
                Some(c) => out.push(c),
                None => {
                    let end = inner[i + 1..]
                        .chars()
                        .next()
                        .map_or(i + 1, |c| i + 1 + c.len_utf8());
                    self.report(
                        Diagnostic::new(Code::InvalidEscape, "unknown escape sequence in string")
                            .primary(Span::new(self.file, base + i, base + end), "not an escape")
                            .help("escapes are \\\" \\\\ \\n \\t \\r and \\u{…}; write \\\\ for a backslash"),
                    );
                }
            }
        }
        Ok(Spanned::new(out, span))
    }

    /// The number token's digits as a float and its unit text. `separate_units` lists
    /// the units that may also stand apart as the next word (`64 GiB`).
    fn number_token(
        &mut self,
        expected: &str,
        separate_units: &[(&str, f64)],
    ) -> Parsed<(Token, f64, &'a str)> {
        let token = self.peek();
        if token.kind != TokenKind::Number {
            return Err(self.unexpected(expected));
        }
        self.bump();
        let written = &self.source[token.start as usize..token.unit_start as usize];
        let value = parse_number(written);
        let mut unit = &self.source[token.unit_start as usize..token.end as usize];
        let mut token = token;
        // A unit may also stand apart: `64 GiB`.
        let next = self.peek();
        if unit.is_empty() && next.kind == TokenKind::Word {
            let word = self.text(next);
            if separate_units.iter().any(|(u, _)| *u == word) {
                self.bump();
                unit = word;
                token.end = next.end;
            }
        }
        Ok((token, value, unit))
    }

    fn out_of_range(&mut self, span: Span, what: &str, limit: &str) -> Reported {
        self.report(
            Diagnostic::new(Code::NumberOutOfRange, format!("{what} is too large"))
                .primary(span, "out of range")
                .help(format!("the largest accepted {what} is {limit}")),
        );
        Reported
    }

    fn wrong_unit(
        &mut self,
        span: Span,
        unit: &str,
        what: &str,
        units_list: &str,
        example: &str,
    ) -> Reported {
        let message = if unit.is_empty() {
            format!("{what} needs a unit")
        } else {
            format!("`{unit}` is not a unit of {what}")
        };
        self.report(
            Diagnostic::new(Code::InvalidUnit, message)
                .primary(span, format!("expected {what}, like `{example}`"))
                .help(format!("units of {what}: {units_list}")),
        );
        Reported
    }

    /// A number with no unit whose unit stands apart on the same line (`150 MB/s`,
    /// `5000 /h`, `2 %`): only word units of size and duration may.
    fn detached_unit(
        &mut self,
        span: Span,
        what: &str,
        example: &str,
        is_unit: fn(&str) -> bool,
    ) -> Option<Reported> {
        let source = self.source;
        let rest = source[self.last_end..].trim_start_matches([' ', '\t']);
        if !is_unit(rest) {
            return None;
        }
        let unit = rest
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '}' | '#'))
            .next()
            .unwrap_or_default();
        let digits = &source[span.start as usize..span.end as usize];
        self.report(
            Diagnostic::new(Code::InvalidUnit, format!("{what} needs its unit attached"))
                .primary(span, format!("expected {what}, like `{example}`"))
                .help(format!(
                    "write the unit right after the digits, with no space: `{digits}{unit}`; only units of size and duration may stand apart"
                )),
        );
        // The unit is read as part of this mistake: its `/` or `%` is not another one,
        // whether or not looking for a unit apart already read it.
        let unit_start = (source.len() - rest.len()) as u32;
        let unit_end = unit_start as usize + unit.len();
        self.diagnostics.retain(|d| {
            d.code != Code::UnexpectedCharacter
                || !d
                    .labels
                    .iter()
                    .any(|l| l.span.start >= unit_start && l.span.end as usize <= unit_end)
        });
        self.skip_to(unit_end);
        Some(Reported)
    }

    /// Skip the text up to `offset` unread, when no token past it was read yet.
    fn skip_to(&mut self, offset: usize) {
        if self.lookahead.iter().all(|t| (t.end as usize) <= offset)
            && self.lexer.position() <= offset
        {
            self.lookahead.clear();
            self.lexer.skip_to(offset);
            self.last_end = offset;
        }
    }

    /// A count: a whole number from 1.
    fn int(&mut self) -> Parsed<Spanned<u64>> {
        let count = self.whole_number()?;
        if count.value == 0 {
            self.report(
                Diagnostic::new(Code::InvalidNumber, "a count must be at least 1")
                    .primary(count.span, "zero")
                    .help("counts of cpus, media, changes or restores start at 1"),
            );
            return Err(Reported);
        }
        Ok(count)
    }

    /// A whole number, zero included (a quorum of 0 is resolution's to explain).
    fn whole_number(&mut self) -> Parsed<Spanned<u64>> {
        let (token, _, unit) = self.number_token("a whole number", &[])?;
        let span = self.span(token);
        let digits = &self.source[token.start as usize..token.unit_start as usize];
        if !unit.is_empty() || digits.contains('.') {
            self.report(
                Diagnostic::new(Code::InvalidNumber, "expected a whole number")
                    .primary(span, "a count, without fraction or unit")
                    .help("write a whole number, like `16`"),
            );
            return Err(Reported);
        }
        let parsed = if digits.contains('_') {
            digits.replace('_', "").parse::<u64>()
        } else {
            digits.parse::<u64>()
        };
        match parsed {
            Ok(n) if n <= units::MAX_INT => Ok(Spanned::new(n, span)),
            _ => Err(self.out_of_range(span, "count", &units::MAX_INT.to_string())),
        }
    }

    fn plain_number(&mut self) -> Parsed<Spanned<f64>> {
        let (token, value, unit) = self.number_token("a number", &[])?;
        let span = self.span(token);
        if !unit.is_empty() {
            self.report(
                Diagnostic::new(Code::InvalidUnit, format!("`{unit}` does not belong here"))
                    .primary(span, "expected a plain number")
                    .help("write the amount without a unit, like `500000`"),
            );
            return Err(Reported);
        }
        if value > 1e15 {
            return Err(self.out_of_range(span, "number", "10^15"));
        }
        Ok(Spanned::new(value, span))
    }

    fn duration(&mut self) -> Parsed<Spanned<u64>> {
        let (token, value, unit) =
            self.number_token("a duration, like `4h`", units::DURATION_UNITS)?;
        let span = self.span(token);
        let Some(multiplier) = units::duration_unit(unit) else {
            return Err(self.wrong_unit(
                span,
                unit,
                "duration",
                &units::list(units::DURATION_UNITS),
                "4h",
            ));
        };
        let seconds = value * multiplier;
        if seconds > units::MAX_DURATION_SECONDS {
            return Err(self.out_of_range(span, "duration", "1000y"));
        }
        Ok(Spanned::new(seconds.round() as u64, span))
    }

    /// `spread = duration | "uniform" duration duration
    ///          | "triangular" duration duration duration | "lognormal" duration duration ;`
    fn spread(&mut self) -> Parsed<Value> {
        let Some(token) = schema::SPREAD_LAWS.iter().find_map(|w| self.eat_word(w)) else {
            return Ok(Value::Duration(self.duration()?));
        };
        let law = self.ident(token);
        let (count, order, hint) = match law.text.as_str() {
            "uniform" => (2, "LOW < HIGH", "uniform 5m 15m"),
            "triangular" => (
                3,
                "LOW ≤ MODE ≤ HIGH with LOW < HIGH",
                "triangular 4h 8h 24h",
            ),
            _ => (2, "0 < MEDIAN < P90", "lognormal 8h 24h"),
        };
        let mut durations = Vec::with_capacity(count);
        for _ in 0..count {
            durations.push(self.duration()?);
        }
        let values: Vec<u64> = durations.iter().map(|d| d.value).collect();
        let is_ordered = match values.as_slice() {
            [low, high] if law.text == "uniform" => low < high,
            [low, mode, high] => low <= mode && mode <= high && low < high,
            [median, p90] => *median > 0 && median < p90,
            _ => false,
        };
        if !is_ordered {
            let span = law.span.to(durations[count - 1].span);
            self.report(
                Diagnostic::new(Code::InvalidNumber, format!("`{}` needs {order}", law.text))
                    .primary(span, "not in order")
                    .help(format!("for example `{hint}`")),
            );
        }
        Ok(Value::Spread(Box::new(ast::Spread { law, durations })))
    }

    fn positive(&mut self, value: &Spanned<u64>, what: &str) -> Parsed<()> {
        if value.value > 0 {
            return Ok(());
        }
        self.report(
            Diagnostic::new(
                Code::InvalidNumber,
                format!("{what} must be longer than zero"),
            )
            .primary(value.span, "zero")
            .help("a schedule that repeats every 0s never advances"),
        );
        Err(Reported)
    }

    fn size(&mut self) -> Parsed<Spanned<u64>> {
        let (token, value, unit) = self.number_token("a size, like `64GiB`", units::SIZE_UNITS)?;
        let span = self.span(token);
        let Some(multiplier) = units::size_unit(unit) else {
            return Err(self.wrong_unit(
                span,
                unit,
                "size",
                &units::list(units::SIZE_UNITS),
                "64GiB",
            ));
        };
        let bytes = value * multiplier;
        if bytes > units::MAX_SIZE_BYTES {
            return Err(self.out_of_range(span, "size", "1024PiB"));
        }
        Ok(Spanned::new(bytes.round() as u64, span))
    }

    fn rate(&mut self) -> Parsed<Spanned<f64>> {
        let (token, value, unit) = self.number_token("a rate, like `150MB/s`", &[])?;
        let span = self.span(token);
        if unit.is_empty() {
            let is_unit = |rest: &str| {
                let word: &str = rest
                    .split(|c: char| !c.is_ascii_alphabetic())
                    .next()
                    .unwrap_or("");
                units::size_unit(word).is_some() && rest[word.len()..].starts_with('/')
            };
            if let Some(reported) = self.detached_unit(span, "rate", "150MB/s", is_unit) {
                return Err(reported);
            }
        }
        let Some(multiplier) = units::rate_unit(unit) else {
            return Err(self.wrong_unit(
                span,
                unit,
                "rate",
                "a size unit, `/`, and s, m, h or d (MB/s, GiB/h, GiB/d)",
                "150MB/s",
            ));
        };
        let bytes_per_second = value * multiplier;
        if bytes_per_second > units::MAX_SIZE_BYTES {
            return Err(self.out_of_range(span, "rate", "1024PiB/s"));
        }
        Ok(Spanned::new(bytes_per_second, span))
    }

    fn probability(&mut self) -> Parsed<Spanned<f64>> {
        let (token, value, unit) = self.number_token("a probability, like `0.02` or `2%`", &[])?;
        let span = self.span(token);
        if unit.is_empty() {
            if let Some(reported) =
                self.detached_unit(span, "probability", "2%", |rest| rest.starts_with('%'))
            {
                return Err(reported);
            }
        }
        let p = match unit {
            "" => value,
            "%" => value / 100.0,
            _ => {
                return Err(self.wrong_unit(
                    span,
                    unit,
                    "probability",
                    "none (0.02) or % (2%)",
                    "2%",
                ));
            }
        };
        if !(0.0..=1.0).contains(&p) {
            self.report(
                Diagnostic::new(Code::NumberOutOfRange, "a probability lies between 0 and 1")
                    .primary(span, "not a probability")
                    .help("write a fraction like `0.02` or a percentage like `2%`"),
            );
            return Err(Reported);
        }
        Ok(Spanned::new(p, span))
    }

    fn cost(&mut self) -> Parsed<Spanned<f64>> {
        let (token, value, unit) = self.number_token("a cost per hour, like `5000/h`", &[])?;
        let span = self.span(token);
        if unit.is_empty() {
            if let Some(reported) =
                self.detached_unit(span, "cost", "5000/h", |rest| rest.starts_with('/'))
            {
                return Err(reported);
            }
        }
        let per_hour = match unit {
            "/h" => value,
            "/d" => value / 24.0,
            _ => return Err(self.wrong_unit(span, unit, "cost", "/h or /d (5000/h)", "5000/h")),
        };
        if per_hour > 1e15 {
            return Err(self.out_of_range(span, "cost", "10^15/h"));
        }
        Ok(Spanned::new(per_hour, span))
    }

    /// CLOCK, as minutes since midnight.
    fn clock(&mut self) -> Parsed<Spanned<u32>> {
        let token = self.peek();
        if token.kind != TokenKind::Clock {
            return Err(self.unexpected("a clock time, like `18:00`"));
        }
        self.bump();
        let text = self.text(token);
        let hours: u32 = text[..2].parse().unwrap_or(99);
        let minutes: u32 = text[3..].parse().unwrap_or(99);
        let span = self.span(token);
        if minutes > 59 || hours > 24 || (hours == 24 && minutes > 0) {
            self.report(
                Diagnostic::new(Code::InvalidTime, format!("`{text}` is not a time of day"))
                    .primary(span, "no such time")
                    .help("times run from 00:00 to 24:00"),
            );
            return Err(Reported);
        }
        Ok(Spanned::new(hours * 60 + minutes, span))
    }

    /// time_of_week ::= DAY CLOCK
    fn time_of_week(&mut self) -> Parsed<Spanned<MinuteOfWeek>> {
        let token = self.peek();
        if token.kind != TokenKind::Word {
            return Err(self.unexpected("a day and time, like `fri 18:00`"));
        }
        let day_text = self.text(token);
        let Some(day) = DAYS.iter().position(|d| *d == day_text) else {
            let span = self.span(token);
            let lower = day_text.to_ascii_lowercase();
            let help = DAYS
                .iter()
                .find(|d| lower.starts_with(*d))
                .map(|d| format!("write `{d}`"))
                .or_else(|| did_you_mean(day_text, DAYS))
                .unwrap_or_else(|| "days are mon, tue, wed, thu, fri, sat, sun".to_string());
            self.report(
                Diagnostic::new(
                    Code::InvalidTime,
                    format!("`{day_text}` is not a day of the week"),
                )
                .primary(span, "expected a day")
                .help(help),
            );
            self.bump();
            return Err(Reported);
        };
        self.bump();
        let clock = self.clock()?;
        Ok(Spanned::new(
            day as u32 * 1440 + clock.value,
            self.span(token).to(clock.span),
        ))
    }

    /// window ::= time_of_week '..' time_of_week
    fn window(&mut self) -> Parsed<Window> {
        let start = self.time_of_week()?;
        if self.peek().kind != TokenKind::DotDot {
            return Err(self.unexpected("`..` and the end of the window"));
        }
        self.bump();
        let end = self.time_of_week()?;
        Ok(Window { start, end })
    }

    fn date(&mut self) -> Parsed<Spanned<Date>> {
        let token = self.peek();
        if token.kind != TokenKind::Date {
            return Err(self.unexpected("a date, like `2016-12-24`"));
        }
        self.bump();
        let text = self.text(token);
        let span = self.span(token);
        let year: u16 = text[..4].parse().unwrap_or(0);
        let month: u8 = text[5..7].parse().unwrap_or(0);
        let day: u8 = text[8..].parse().unwrap_or(0);
        let is_leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if is_leap => 29,
            2 => 28,
            _ => 0,
        };
        if year < 1900 || day == 0 || day > days_in_month {
            self.report(
                Diagnostic::new(Code::InvalidTime, format!("`{text}` is not a date"))
                    .primary(span, "no such day")
                    .help("dates are written YYYY-MM-DD, like `2016-12-24`"),
            );
            return Err(Reported);
        }
        Ok(Spanned::new(Date { year, month, day }, span))
    }
}

/// The value of NUMBER's digits (`1_000`, `0.5`); infinite when too large for a float.
fn parse_number(written: &str) -> f64 {
    // Most numbers are short whole numbers: add up their digits, which is faster
    // than float parsing and exact below 2^53.
    if written.len() <= 15 && written.bytes().all(|b| b.is_ascii_digit()) {
        return written
            .bytes()
            .fold(0u64, |n, b| n * 10 + u64::from(b - b'0')) as f64;
    }
    let parsed = if written.contains('_') {
        written.replace('_', "").parse()
    } else {
        written.parse()
    };
    parsed.unwrap_or(f64::INFINITY)
}

/// A character as a person reads it: itself when visible, escaped otherwise.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c.is_whitespace() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn quote_list(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(source: &str) -> File {
        let (file, diagnostics) = parse(source, FileId(0));
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        file
    }

    fn codes(source: &str) -> Vec<Code> {
        parse(source, FileId(0)).1.iter().map(|d| d.code).collect()
    }

    #[test]
    fn an_unterminated_quoted_name_is_read_as_the_name_with_or_without_its_brace() {
        for source in [
            "service \"app {\n on h\n}\n",
            "service \"app\n{\n on h\n}\n",
        ] {
            let (file, diagnostics) = parse(source, FileId(0));
            let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(codes, [Code::UnterminatedString], "{source}");
            assert_eq!(
                diagnostics[0].help.as_deref(),
                Some("a name is written without quotes: write `app`")
            );
            assert_eq!(file.items.len(), 1);
            assert_eq!(file.items[0].name_text(), "app");
            assert_eq!(file.items[0].properties.len(), 1, "{source}");
        }
    }

    #[test]
    fn properties_may_share_a_line() {
        let source = "server sql1 { site inhouse  cpu 16  memory 64GiB  disk 2TiB }";
        let item = &parse_ok(source).items[0];
        assert_eq!(item.properties.len(), 4);
        let at = source.find("64GiB").unwrap();
        let span = Span::new(FileId(0), at, at + 5);
        assert_eq!(
            item.properties[2].value,
            Value::Size(Spanned::new(64 << 30, span))
        );
    }

    #[test]
    fn nested_rollout_stages_and_changes() {
        let source =
            "rollout r { window fri 18:00 .. mon 06:00 stage s { change c { on a, b takes 8h } } }";
        let file = parse_ok(source);
        let stage = &file.items[0].children[0];
        let at = source.find("a, b").unwrap();
        let ident = |text: &str, start: usize| Ident {
            text: text.into(),
            span: Span::new(FileId(0), start, start + 1),
        };
        assert_eq!(
            stage.children[0].properties[0].value,
            Value::Names(vec![ident("a", at), ident("b", at + 3)])
        );
    }

    #[test]
    fn every_error_in_a_file_is_reported() {
        assert_eq!(
            codes("service a { bogus 1 rto 4x\n data 1 }\nserver b { cpu many }"),
            [
                Code::UnknownProperty,
                Code::InvalidUnit,
                Code::InvalidUnit,
                Code::UnexpectedToken
            ]
        );
    }

    #[test]
    fn spans_cover_exactly_their_declaration() {
        let source = "site a { }\nrollout r { stage s { change c { on a } } }";
        let file = parse_ok(source);
        let rollout = &file.items[1];
        assert_eq!(rollout.span.range(), 11..source.len());
        let change = &rollout.children[0].children[0];
        assert_eq!(&source[change.span.range()], "change c { on a }");
        assert_eq!(&source[change.properties[0].span.range()], "on a");
    }

    #[test]
    fn numbers_parse_exactly() {
        assert_eq!(parse_number("0"), 0.0);
        assert_eq!(parse_number("600"), 600.0);
        assert_eq!(parse_number("1_000"), 1000.0);
        assert_eq!(parse_number("0.25"), 0.25);
        assert_eq!(parse_number("999999999999999"), 999_999_999_999_999.0);
        assert_eq!(parse_number(&"9".repeat(400)), f64::INFINITY);
    }

    #[test]
    fn unit_may_stand_apart() {
        let file = parse_ok("service a { rto 4 h }");
        assert!(matches!(
            file.items[0].properties[0].value,
            Value::Duration(Spanned { value: 14_400, .. })
        ));
    }

    #[test]
    fn kebab_case_names() {
        assert!(is_kebab_case("ehr-db2"));
        assert!(!is_kebab_case("EhrDb"));
        assert!(!is_kebab_case("a--b"));
        assert_eq!(to_kebab_case("EhrDb"), "ehr-db");
        assert_eq!(codes("site Vault { }"), [Code::InvalidName]);
    }

    #[test]
    fn forgotten_brace_is_caught_at_the_next_declaration() {
        assert_eq!(
            codes("site a { kind office\nsite b { }"),
            [Code::UnclosedBlock]
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let source = "{".repeat(10_000);
        let found = codes(&source);
        assert!(found.contains(&Code::NestingTooDeep));
    }
}
