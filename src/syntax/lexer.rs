//! Text → tokens, with nom recognizers for each token shape. Knows nothing of declarations.

use nom::bytes::complete::{tag, take_while, take_while1, take_while_m_n};
use nom::character::complete::char;
use nom::combinator::{opt, recognize};
use nom::sequence::pair;
use nom::{IResult, Parser};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    Eof,
}

/// A token: kind and byte range. For numbers, `unit_start` is where the unit begins
/// (equal to `end` when there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
    pub unit_start: u32,
}

/// A problem met while lexing, at a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexError {
    UnexpectedCharacter { start: usize, end: usize },
    UnterminatedString { start: usize, end: usize },
}

/// The lexer's output: tokens (always ending with `Eof`), comment ranges, errors.
#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<(u32, u32)>,
    pub errors: Vec<LexError>,
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_unit_char(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '%' || c == '/'
}

fn digits(input: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_digit()).parse(input)
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
fn number(input: &str) -> IResult<&str, &str> {
    recognize((
        digits,
        take_while(|c: char| c.is_ascii_digit() || c == '_'),
        opt(pair(char('.'), digits)),
    ))
    .parse(input)
}

/// UNIT ::= [A-Za-z%/] [A-Za-z/]*
fn unit(input: &str) -> IResult<&str, &str> {
    take_while(is_unit_char).parse(input)
}

/// WORD ::= [A-Za-z_] [A-Za-z0-9_-]*
fn word(input: &str) -> IResult<&str, &str> {
    recognize(pair(
        take_while_m_n(1, 1, is_word_start),
        take_while(is_word_char),
    ))
    .parse(input)
}

/// COMMENT ::= '#' [^#xA]*
fn comment(input: &str) -> IResult<&str, &str> {
    recognize(pair(tag("#"), take_while(|c: char| c != '\n'))).parse(input)
}

/// STRING body: everything up to the closing quote, skipping escaped characters.
/// Returns the length including both quotes, or `Err(len)` when unterminated.
fn string_length(input: &str) -> Result<usize, usize> {
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

/// Split `source` into tokens. Stops early once `max_errors` errors were found.
pub fn lex(source: &str, max_errors: usize) -> Lexed {
    let mut out = Lexed {
        tokens: Vec::with_capacity(source.len() / 5),
        ..Lexed::default()
    };
    let mut rest = source;
    let offset = |rest: &str| source.len() - rest.len();
    while out.errors.len() < max_errors {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        let start = offset(rest);
        let Some(first) = rest.chars().next() else {
            break;
        };
        let simple = match first {
            '{' => Some(TokenKind::LBrace),
            '}' => Some(TokenKind::RBrace),
            ',' => Some(TokenKind::Comma),
            ';' => Some(TokenKind::Semicolon),
            _ => None,
        };
        let push = |out: &mut Lexed, kind, end: usize| {
            out.tokens.push(Token {
                kind,
                start: start as u32,
                end: end as u32,
                unit_start: end as u32,
            })
        };
        if let Some(kind) = simple {
            push(&mut out, kind, start + 1);
            rest = &rest[1..];
        } else if rest.starts_with("..") {
            push(&mut out, TokenKind::DotDot, start + 2);
            rest = &rest[2..];
        } else if first == '#' {
            let (r, _) = comment(rest).unwrap_or((&rest[rest.len()..], rest));
            out.comments.push((start as u32, offset(r) as u32));
            rest = r;
        } else if first == '"' {
            let len = string_length(rest).unwrap_or_else(|len| {
                out.errors.push(LexError::UnterminatedString {
                    start,
                    end: start + len,
                });
                len
            });
            push(&mut out, TokenKind::Str, start + len);
            rest = &rest[len..];
        } else if first.is_ascii_digit() {
            if let Ok((r, _)) = date(rest) {
                push(&mut out, TokenKind::Date, offset(r));
                rest = r;
            } else if let Ok((r, _)) = clock(rest) {
                push(&mut out, TokenKind::Clock, offset(r));
                rest = r;
            } else {
                let (after_digits, _) = number(rest).unwrap_or((rest, ""));
                let unit_start = offset(after_digits);
                let (r, _) = unit(after_digits).unwrap_or((after_digits, ""));
                out.tokens.push(Token {
                    kind: TokenKind::Number,
                    start: start as u32,
                    end: offset(r) as u32,
                    unit_start: unit_start as u32,
                });
                rest = r;
            }
        } else if let Ok((r, _)) = word(rest) {
            push(&mut out, TokenKind::Word, offset(r));
            rest = r;
        } else {
            let width = first.len_utf8();
            out.errors.push(LexError::UnexpectedCharacter {
                start,
                end: start + width,
            });
            rest = &rest[width..];
        }
    }
    let end = source.len() as u32;
    out.tokens.push(Token {
        kind: TokenKind::Eof,
        start: end,
        end,
        unit_start: end,
    });
    out
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
