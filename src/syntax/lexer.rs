//! Text → tokens, with nom recognizers for each token shape. Knows nothing of declarations.

use nom::bytes::complete::take_while_m_n;
use nom::character::complete::char;
use nom::combinator::recognize;
use nom::{IResult, Parser};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenKind {
    /// A keyword or name: `service`, `ehr-db`.
    Word,
    /// Digits with an optional fraction and unit written right after: `64GiB`.
    Number,
    /// `18:00`.
    Clock,
    /// `2016-12-24`.
    Date,
    /// `"..."`, escapes still encoded.
    Str,
    LBrace,
    RBrace,
    Comma,
    Semicolon,
    DotDot,
    #[default]
    Eof,
}

/// A token: kind and byte range. For numbers, `unit_start` is where the unit begins
/// (equal to `end` when there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
    pub unit_start: u32,
}

/// A problem met while lexing, at a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexError {
    UnexpectedCharacter {
        start: usize,
        end: usize,
    },
    /// `'text'`: lexed as a string so that parsing goes on, but reported.
    SingleQuotedString {
        start: usize,
        end: usize,
    },
    UnterminatedString {
        start: usize,
        end: usize,
    },
}

/// The lexer's output: tokens (always ending with `Eof`), comment ranges, errors.
#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<(u32, u32)>,
    pub errors: Vec<LexError>,
}

/// Byte classes, one bit each, looked up in a table rather than computed: the lexer
/// tests nearly every byte of a plan against one of them.
const BLANK: u8 = 1;
/// `[A-Za-z_]`
const WORD_START: u8 = 2;
/// `[A-Za-z0-9_-]`
const WORD: u8 = 4;
/// `[A-Za-z%/]`
const UNIT: u8 = 8;

const CLASSES: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        let mut class = 0;
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            class |= BLANK;
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            class |= WORD_START;
        }
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            class |= WORD;
        }
        if b.is_ascii_alphabetic() || b == b'%' || b == b'/' {
            class |= UNIT;
        }
        table[byte] = class;
        byte += 1;
    }
    table
}

fn is(byte: u8, class: u8) -> bool {
    CLASSES[byte as usize] & class != 0
}

/// The end of the run of `class` bytes in `bytes` from `from`.
fn run(bytes: &[u8], from: usize, class: u8) -> usize {
    let mut at = from;
    while at < bytes.len() && is(bytes[at], class) {
        at += 1;
    }
    at
}

pub(super) fn is_word_start(c: char) -> bool {
    c.is_ascii() && is(c as u8, WORD_START)
}

fn fixed_digits(n: usize) -> impl Fn(&str) -> IResult<&str, &str> {
    move |input| take_while_m_n(n, n, |c: char| c.is_ascii_digit()).parse(input)
}

/// DATE ::= [0-9]{4} '-' [0-9]{2} '-' [0-9]{2}
fn date(input: &str) -> IResult<&str, &str> {
    recognize((
        fixed_digits(4),
        char('-'),
        fixed_digits(2),
        char('-'),
        fixed_digits(2),
    ))
    .parse(input)
}

/// CLOCK ::= [0-9] [0-9] ':' [0-9] [0-9]
fn clock(input: &str) -> IResult<&str, &str> {
    recognize((fixed_digits(2), char(':'), fixed_digits(2))).parse(input)
}

/// NUMBER ::= [0-9] [0-9_]* ( '.' [0-9]+ )?   (the unit is lexed separately)
///
/// Scans bytes, like `word`: numbers are the second most common token.
fn number(input: &str) -> IResult<&str, &str> {
    let bytes = input.as_bytes();
    // The end of the digits (and, in the whole part, underscores) from `from`.
    let run = |from: usize, underscores: bool| {
        from + bytes[from..]
            .iter()
            .position(|&b| !(b.is_ascii_digit() || (underscores && b == b'_')))
            .unwrap_or(bytes.len() - from)
    };
    if !bytes.first().is_some_and(u8::is_ascii_digit) {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Digit,
        )));
    }
    let mut len = run(1, true);
    if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(u8::is_ascii_digit) {
        len = run(len + 1, false);
    }
    // Every byte before `len` is ASCII, so `len` is a char boundary.
    Ok((&input[len..], &input[..len]))
}

/// UNIT ::= [A-Za-z%/]*
fn unit(input: &str) -> IResult<&str, &str> {
    // Every byte of the run is ASCII, so its end is a char boundary.
    let len = run(input.as_bytes(), 0, UNIT);
    Ok((&input[len..], &input[..len]))
}

/// WORD ::= [A-Za-z_] [A-Za-z0-9_-]*
pub(super) fn word(input: &str) -> IResult<&str, &str> {
    let bytes = input.as_bytes();
    if !bytes.first().is_some_and(|&b| is(b, WORD_START)) {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::TakeWhileMN,
        )));
    }
    // Every byte of the run is ASCII, so its end is a char boundary.
    let len = run(bytes, 1, WORD);
    Ok((&input[len..], &input[..len]))
}

/// COMMENT ::= '#' [^#xA]*: the length of the comment `input` starts with.
pub(super) fn comment_length(input: &str) -> usize {
    memchr::memchr(b'\n', input.as_bytes()).unwrap_or(input.len())
}

/// STRING body: everything up to the closing quote, skipping escaped characters.
/// Returns the length including both quotes, or `Err(len)` when unterminated.
pub(super) fn string_length(input: &str) -> Result<usize, usize> {
    let bytes = input.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Ok(i + 1),
            b'\\' => i += 2,
            b'\n' => return Err(i),
            _ => i += 1,
        }
    }
    Err(bytes.len())
}

/// A streaming lexer: the parser pulls one token at a time, so a large file never
/// holds all its tokens in memory at once.
#[derive(Debug)]
pub struct Lexer<'a> {
    source: &'a str,
    /// Where the next token is looked for: always a char boundary.
    at: usize,
    max_errors: usize,
    pub comments: Vec<(u32, u32)>,
    pub errors: Vec<LexError>,
    error_count: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer that stops (returns `Eof`) once `max_errors` errors were found.
    pub fn new(source: &'a str, max_errors: usize) -> Self {
        Lexer {
            source,
            at: 0,
            max_errors,
            comments: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
        }
    }

    /// A lexer over `source` whose first token starts at byte `offset` (a token's start).
    pub fn starting_at(source: &'a str, offset: usize, max_errors: usize) -> Self {
        Lexer {
            at: offset,
            ..Lexer::new(source, max_errors)
        }
    }

    /// Where the next token will be looked for.
    pub fn position(&self) -> usize {
        self.at
    }

    /// Go on lexing from `offset` (a char boundary at or after `position`), skipping
    /// what lies before it unread.
    pub fn skip_to(&mut self, offset: usize) {
        if offset >= self.at && self.source.is_char_boundary(offset) {
            self.at = offset;
        }
    }

    fn error(&mut self, error: LexError) {
        self.error_count += 1;
        self.errors.push(error);
    }

    /// The next token; `Eof` forever after the end.
    pub fn next_token(&mut self) -> Token {
        loop {
            let token_or_skip = self.scan();
            if let Some(token) = token_or_skip {
                return token;
            }
        }
    }

    /// One step: a token, or `None` after skipping a comment or a bad character.
    fn scan(&mut self) -> Option<Token> {
        let bytes = self.source.as_bytes();
        let start = run(bytes, self.at, BLANK);
        self.at = start;
        let token = |kind, end: usize| Token {
            kind,
            start: start as u32,
            end: end as u32,
            unit_start: end as u32,
        };
        let Some(&first) = bytes.get(start) else {
            return Some(token(TokenKind::Eof, start));
        };
        if self.error_count >= self.max_errors {
            self.at = bytes.len();
            return Some(token(TokenKind::Eof, bytes.len()));
        }
        // Words are the commonest token (keys, names, keywords): tried first.
        if is(first, WORD_START) {
            self.at = run(bytes, start + 1, WORD);
            return Some(token(TokenKind::Word, self.at));
        }
        let simple = match first {
            b'{' => Some(TokenKind::LBrace),
            b'}' => Some(TokenKind::RBrace),
            b',' => Some(TokenKind::Comma),
            b';' => Some(TokenKind::Semicolon),
            _ => None,
        };
        if let Some(kind) = simple {
            self.at = start + 1;
            return Some(token(kind, self.at));
        }
        let rest = &self.source[start..];
        // Where `rest` ends up after `r` was lexed off its start.
        let end_of = |r: &str| start + (rest.len() - r.len());
        match first {
            b'.' if rest.starts_with("..") => {
                self.at = start + 2;
                return Some(token(TokenKind::DotDot, self.at));
            }
            b'#' => {
                self.at = start + comment_length(rest);
                self.comments.push((start as u32, self.at as u32));
                return None;
            }
            b'\'' => {
                if let Some(len) = rest[1..]
                    .find(['\'', '\n'])
                    .filter(|&i| rest.as_bytes()[i + 1] == b'\'')
                {
                    let end = start + len + 2;
                    self.error(LexError::SingleQuotedString { start, end });
                    self.at = end;
                    return Some(token(TokenKind::Str, end));
                }
            }
            b'"' => {
                let len = string_length(rest).unwrap_or_else(|len| {
                    self.error(LexError::UnterminatedString {
                        start,
                        end: start + len,
                    });
                    len
                });
                self.at = start + len;
                return Some(token(TokenKind::Str, self.at));
            }
            b'0'..=b'9' => {
                // Most numbers are neither: test the separator's fixed place first.
                let separator = |at: usize, byte: u8| bytes.get(start + at) == Some(&byte);
                if separator(4, b'-') {
                    if let Ok((r, _)) = date(rest) {
                        self.at = end_of(r);
                        return Some(token(TokenKind::Date, self.at));
                    }
                }
                if separator(2, b':') {
                    if let Ok((r, _)) = clock(rest) {
                        self.at = end_of(r);
                        return Some(token(TokenKind::Clock, self.at));
                    }
                }
                let (after_digits, _) = number(rest).unwrap_or((rest, ""));
                let (r, _) = unit(after_digits).unwrap_or((after_digits, ""));
                self.at = end_of(r);
                return Some(Token {
                    kind: TokenKind::Number,
                    start: start as u32,
                    end: self.at as u32,
                    unit_start: end_of(after_digits) as u32,
                });
            }
            _ => {}
        }
        let width = rest.chars().next().map_or(1, char::len_utf8);
        self.error(LexError::UnexpectedCharacter {
            start,
            end: start + width,
        });
        self.at = start + width;
        None
    }
}

/// Split all of `source` into tokens (the parser streams instead; this is for tools and tests).
pub fn lex(source: &str, max_errors: usize) -> Lexed {
    let mut lexer = Lexer::new(source, max_errors);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token();
        tokens.push(token);
        if token.kind == TokenKind::Eof {
            break;
        }
    }
    Lexed {
        tokens,
        comments: lexer.comments,
        errors: lexer.errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<TokenKind> {
        lex(source, 100).tokens.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers_carry_their_unit() {
        let lexed = lex("64GiB 150MB/s 2% 16", 100);
        let units: Vec<&str> = lexed
            .tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Number)
            .map(|t| &"64GiB 150MB/s 2% 16"[t.unit_start as usize..t.end as usize])
            .collect();
        assert_eq!(units, ["GiB", "MB/s", "%", ""]);
    }

    #[test]
    fn dates_clocks_and_ranges() {
        use TokenKind::*;
        assert_eq!(
            kinds("fri 18:00 .. mon 06:00 2016-12-24"),
            [Word, Clock, DotDot, Word, Clock, Date, Eof]
        );
        assert_eq!(kinds("1..2"), [Number, DotDot, Number, Eof]);
    }

    #[test]
    fn strings_and_comments() {
        let lexed = lex("a \"x \\\" y\" # note\nb", 100);
        assert_eq!(lexed.tokens.len(), 4);
        assert_eq!(lexed.comments, [(11, 17)]);
    }

    #[test]
    fn unterminated_string_is_reported() {
        let lexed = lex("\"abc\nd", 100);
        assert_eq!(
            lexed.errors,
            [LexError::UnterminatedString { start: 0, end: 4 }]
        );
    }

    #[test]
    fn kebab_words_are_one_token() {
        assert_eq!(
            kinds("ehr-db restore-rate"),
            [TokenKind::Word, TokenKind::Word, TokenKind::Eof]
        );
    }
}
