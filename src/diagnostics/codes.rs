//! The registry of diagnostic codes: one place lists them all, with their explain pages.

use super::Severity;
use serde::{Serialize, Serializer};

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// A stable diagnostic code; the text form is `drplan::<code>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case name, without the `drplan::` prefix.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One line saying what the code is about.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// The explain page (the same Markdown the book shows).
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("../../book/src/diagnostics/", $code, ".md")),)*
                }
            }
        }
    };
}

codes! {
    // Input and loading.
    IoError = "io-error", Error, "a plan file or directory could not be read";
    InvalidUtf8 = "invalid-utf8", Error, "a plan file is not valid UTF-8";
    FileTooLarge = "file-too-large", Error, "a plan file exceeds the size limit";
    NoPlanFiles = "no-plan-files", Error, "a directory holds no `.dr` files";
    IncludeNotFound = "include-not-found", Error, "an included file does not exist";
    IncludeCycle = "include-cycle", Error, "files include each other in a cycle";
    EmptyPlan = "empty-plan", Error, "the plan declares nothing";
    // Syntax.
    UnexpectedToken = "unexpected-token", Error, "the parser met a token it did not expect";
    UnexpectedCharacter = "unexpected-character", Error, "a character that cannot start any token";
    UnterminatedString = "unterminated-string", Error, "a string is missing its closing quote";
    InvalidEscape = "invalid-escape", Error, "a string holds an unknown escape sequence";
    UnclosedBlock = "unclosed-block", Error, "a `{` has no matching `}`";
    UnknownItem = "unknown-item", Error, "a top-level keyword that declares nothing";
    UnknownProperty = "unknown-property", Error, "a property this kind of declaration does not have";
    InvalidValue = "invalid-value", Error, "a keyword value outside the allowed set";
    InvalidName = "invalid-name", Error, "a name that is not kebab-case";
    InvalidNumber = "invalid-number", Error, "a number is malformed or of the wrong kind";
    InvalidUnit = "invalid-unit", Error, "a number has a missing or wrong unit";
    NumberOutOfRange = "number-out-of-range", Error, "a number too large or otherwise absurd";
    InvalidTime = "invalid-time", Error, "a clock time, day or date that does not exist";
    TooManyErrors = "too-many-errors", Error, "reporting stopped after too many errors in one file";
    NestingTooDeep = "nesting-too-deep", Error, "blocks nested deeper than the limit";
    // Names and references.
    DuplicateName = "duplicate-name", Error, "two declarations share a name";
    DuplicateProperty = "duplicate-property", Error, "a property set twice in one declaration";
    DuplicatePlan = "duplicate-plan", Error, "more than one `plan` block";
    MissingPlan = "missing-plan", Warning, "no `plan` block: plan-wide objectives and roles are unset";
    UnknownReference = "unknown-reference", Error, "a name that is not declared";
    WrongKindReference = "wrong-kind-reference", Error, "a name that refers to the wrong kind of declaration";
    MissingProperty = "missing-property", Error, "a declaration lacks a property it needs";
    DependencyCycle = "dependency-cycle", Error, "services depend on each other in a cycle";
    InvalidQuorum = "invalid-quorum", Error, "a quorum that its hosts cannot meet";
    NotAHypervisor = "not-a-hypervisor", Error, "a vm placed on a server with no hypervisor";
    InvalidWindow = "invalid-window", Error, "a window that is empty or a deadline outside its window";
    UnknownAllow = "unknown-allow", Warning, "an `allow` names a code that does not exist";
    SelfReference = "self-reference", Error, "a declaration refers to itself";
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("drplan::{}", self.name()))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drplan::{}", self.name())
    }
}

impl std::str::FromStr for Code {
    type Err = ();

    /// Accepts `unknown-reference` or `drplan::unknown-reference`.
    fn from_str(s: &str) -> Result<Self, ()> {
        let name = s.strip_prefix("drplan::").unwrap_or(s);
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name)
            .ok_or(())
    }
}
