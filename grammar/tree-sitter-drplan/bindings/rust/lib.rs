//! The drplan grammar for tree-sitter: the language and its highlighting query, for
//! editors and tools written in Rust (`tree_sitter::Parser::set_language(&LANGUAGE.into())`).

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_drplan() -> *const ();
}

/// The tree-sitter language of drplan plan files.
// SAFETY: `tree_sitter_drplan` is the generated parser's constructor, with the signature
// tree-sitter expects.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_drplan) };

/// The highlighting query (`queries/highlights.scm`).
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

/// The node types (`src/node-types.json`).
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");
