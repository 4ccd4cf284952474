//! Text → syntax tree: lexing, parsing and the language's schema. No meaning checks.

pub mod ast;
pub mod lexer;
mod parser;
pub mod schema;
pub mod units;

pub use parser::{is_kebab_case, parse, MAX_ERRORS_PER_FILE, MAX_NESTING};
