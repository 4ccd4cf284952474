//! The syntax tree: what was written, with spans; no names resolved, no defaults applied.

use super::schema;
use crate::source::{Span, Spanned};
use compact_str::CompactString;

/// A word as written (a name or a keyword).
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub text: CompactString,
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, Default)]
pub struct File {
    pub items: Vec<Item>,
    /// Declarations found but not parsed, in source order (only when read for
    /// compilation: see `syntax::parse_indexed`).
    pub indexed: Vec<Indexed>,
    /// Comments, in order, for the formatter.
    pub comments: Vec<Span>,
}

impl File {
    /// Every top-level entry, whole or indexed, in source order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        let mut whole = self.items.iter().enumerate().peekable();
        let mut indexed = self.indexed.iter().peekable();
        std::iter::from_fn(move || match (whole.peek(), indexed.peek()) {
            (Some(&(position, _)), Some(next)) if position < next.before as usize => {
                whole.next().map(|(_, item)| Entry::Whole(item))
            }
            (_, Some(_)) => indexed.next().map(Entry::Indexed),
            (Some(_), None) => whole.next().map(|(_, item)| Entry::Whole(item)),
            (None, None) => None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.indexed.is_empty()
    }
}

/// A top-level entry of a file.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'f> {
    Whole(&'f Item),
    Indexed(&'f Indexed),
}

/// A declaration of a numerous kind (a service, a backup, a vm…) that was found but not
/// parsed: only its name and where it is written. Resolution parses it from the text
/// when it lowers it (`syntax::read_indexed`), so that a large plan's syntax tree never
/// exists whole beside its model. It may not be sound: then reading it says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Indexed {
    /// Its schema, as a position in `schema::ITEMS`.
    pub item: u8,
    /// Where its name is written: a plain word.
    pub name: Span,
    /// The whole declaration, from its keyword to its `}`.
    pub span: Span,
    /// How many of the file's whole items come before it.
    pub before: u32,
}

// One per declaration of a large plan, alive through resolution.
const _: () = assert!(std::mem::size_of::<Indexed>() <= 32);

impl Indexed {
    pub fn keyword(&self) -> &'static str {
        schema::ITEMS[self.item as usize].keyword
    }

    /// Its name, read from its file's text.
    pub fn name_text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.name.start as usize..self.name.end as usize]
    }
}

/// A declaration: `KEYWORD NAME { ... }`, or one of the block-less items
/// (`include "x"`, `allow code "reason"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub keyword: Ident,
    /// The declared name; for `defaults` the kind it applies to. `None` for
    /// `include` and `allow`, or when the name was missing.
    pub name: Option<Ident>,
    /// Boxed slices, not vectors: a large plan holds hundreds of thousands of items,
    /// and each list is built once at its final size.
    pub properties: Box<[Property]>,
    pub children: Box<[Item]>,
    /// For `include` the path, for `allow` the code and reason (boxed: most items
    /// have none).
    pub value: Option<Box<Value>>,
    pub span: Span,
}

impl Item {
    /// The span to point at for this declaration: its name, or its keyword.
    pub fn name_span(&self) -> Span {
        self.name.as_ref().map_or(self.keyword.span, |n| n.span)
    }

    pub fn name_text(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.text.as_str())
    }
}

/// `key value`, one property of a declaration. Kept small (64 bytes): a large plan
/// holds millions of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Its declaration's schema, as a position in `schema::ITEMS`: the key is always
    /// one of the schema's, so it is found there rather than stored (16 bytes each).
    pub item: u8,
    /// Position of the key in its declaration's schema (`schema::ItemSpec::properties`).
    pub index: u8,
    /// The key, as lowering looks for it (in the padding: no larger for it).
    pub key: schema::Key,
    pub value: Value,
    /// From the key, which starts it, to the value's end.
    pub span: Span,
}

// Millions of properties make up most of a large plan's syntax tree.
const _: () = assert!(std::mem::size_of::<Property>() <= 64);

impl Property {
    /// The key, as the schema spells it.
    #[inline]
    pub fn key(&self) -> &'static str {
        self.key.text()
    }

    /// Where the key is written.
    pub fn key_span(&self) -> Span {
        Span {
            end: self.span.start + self.key().len() as u32,
            ..self.span
        }
    }
}

/// A clock time of the week, in minutes since Monday 00:00.
pub type MinuteOfWeek = u32;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `fri 18:00 .. mon 06:00`.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub start: Spanned<MinuteOfWeek>,
    pub end: Spanned<MinuteOfWeek>,
}

/// `restore-snapshot` or a command string.
#[derive(Debug, Clone, PartialEq)]
pub enum Rollback {
    Keyword(Ident),
    Command(Spanned<String>),
}

/// A property's value, already shaped by the schema. Durations are seconds,
/// sizes bytes, rates bytes per second. Variants larger than a name are boxed, to keep
/// every property small.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Flag,
    Name(Ident),
    Names(Vec<Ident>),
    Int(Spanned<u64>),
    Number(Spanned<f64>),
    Size(Spanned<u64>),
    Duration(Spanned<u64>),
    /// A duration that varies: a law and its durations (in seconds), as written.
    Spread(Box<Spread>),
    Rate(Spanned<f64>),
    Probability(Spanned<f64>),
    /// Money per hour.
    Cost(Spanned<f64>),
    Str(Spanned<String>),
    Date(Spanned<Date>),
    DateRange(Spanned<Date>, Spanned<Date>),
    Time(Spanned<MinuteOfWeek>),
    Window(Window),
    /// One keyword from a fixed set.
    Word(Ident),
    Schedule(Box<Schedule>),
    /// `tested every D`, or `tested never` as `None`.
    Tested(Option<Spanned<u64>>),
    Rotate(Spanned<u64>),
    Offsite(Box<Offsite>),
    Copy(Box<Transfer>),
    /// `cpu N`, `memory SIZE`, `disk SIZE` in any order.
    Capacity(Vec<(Ident, Value)>),
    Quorum(Box<Quorum>),
    Failover(Box<Failover>),
    Verify(Box<Verify>),
    Rollback(Box<Rollback>),
    Expect(Box<Expect>),
    Event(Box<Event>),
    Allow(Box<Allow>),
    /// `random over D`.
    RandomOver(Spanned<u64>),
    /// A value that failed to parse; a diagnostic was reported.
    Error,
}

/// `uniform 5m 15m`: a law and its durations (in seconds), as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub law: Ident,
    pub durations: Vec<Spanned<u64>>,
}

/// `every D at HH:MM`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub every: Spanned<u64>,
    pub at: Option<Spanned<u32>>,
}

/// `SIZE at RATE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub size: Spanned<u64>,
    pub rate: Spanned<f64>,
}

/// `N of M`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quorum {
    pub need: Spanned<u64>,
    pub of: Option<Spanned<u64>>,
}

/// `offsite SITE every D`.
#[derive(Debug, Clone, PartialEq)]
pub struct Offsite {
    pub site: Ident,
    pub every: Spanned<u64>,
}

/// `failover HOST after D`.
#[derive(Debug, Clone, PartialEq)]
pub struct Failover {
    pub target: Ident,
    pub after: Option<Spanned<u64>>,
}

/// `verify KIND "command"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verify {
    pub kind: Ident,
    pub command: Option<Spanned<String>>,
}

/// `expect SERVICE rto D rpo D`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub service: Ident,
    pub rto: Option<Spanned<u64>>,
    pub rpo: Option<Spanned<u64>>,
}

/// `at TIME fail|corrupt|fail-verify NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: Spanned<MinuteOfWeek>,
    pub action: Ident,
    /// `fail disk of X`: the server's local disk rather than the whole component.
    pub is_disk: bool,
    pub target: Ident,
}

/// `allow CODE "reason"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Allow {
    pub code: Ident,
    pub reason: Spanned<String>,
}
