//! Text → syntax tree: lexing, parsing and the language's schema. No meaning checks.

pub mod ast;
mod index;
pub mod lexer;
mod parser;
pub mod schema;
pub mod units;

mod overrides;

/// "did you mean `x`?" over owned names.
fn did_you_mean_in(wrong: &str, names: &[String]) -> Option<String> {
    crate::diagnostics::did_you_mean(wrong, names.iter().map(String::as_str))
}

pub use index::parse_indexed;
pub use overrides::{apply_override, parse_override, Override};
pub use parser::{
    is_kebab_case, parse, parse_property, read_indexed, MAX_ERRORS_PER_FILE, MAX_NAME_BYTES,
    MAX_NESTING, MAX_STRING_BYTES,
};

/// The formal grammar and the parser must agree: its examples parse, and each
/// declaration's property list names exactly the keys of the schema.
#[cfg(test)]
mod grammar_tests {
    use super::schema;
    use crate::source::FileId;

    const GRAMMAR: &str = include_str!("../../grammar/drplan.ebnf");

    #[test]
    fn every_grammar_example_parses() {
        let examples: Vec<&str> = GRAMMAR
            .lines()
            .filter_map(|l| l.strip_prefix("/* e.g. "))
            .map(|l| l.trim_end_matches("*/").trim())
            .collect();
        assert!(
            examples.len() >= 15,
            "found only {} examples",
            examples.len()
        );
        for example in examples {
            let (_, diagnostics) = super::parse(example, FileId(0));
            assert!(diagnostics.is_empty(), "{example}\n{diagnostics:#?}");
        }
    }

    /// The quoted keys at the start of each alternative of `NAME_property ::=`.
    fn grammar_keys(production: &str) -> Vec<String> {
        let start = GRAMMAR
            .find(&format!("\n{production} ::="))
            .unwrap_or_else(|| panic!("no production {production}"));
        let body = &GRAMMAR[start + production.len() + 5..];
        // The production ends at a blank line or where the next one starts.
        let end = body.find("\n\n").unwrap_or(body.len());
        let end = body[..end]
            .find("::=")
            .map_or(end, |e| body[..e].rfind('\n').unwrap_or(e));
        let mut keys = Vec::new();
        let mut depth = 0i32;
        let alternatives = body[..end].split(|c: char| {
            depth += i32::from(c == '(') - i32::from(c == ')');
            depth == 0 && (c == '|' || c == '\n')
        });
        for alternative in alternatives {
            let alternative = alternative.trim();
            if let Some(rest) = alternative.strip_prefix('\'') {
                keys.push(rest[..rest.find('\'').unwrap()].to_string());
            } else if alternative.starts_with("allow") {
                keys.push("allow".to_string());
            } else if alternative.starts_with("failure_property") {
                keys.extend(["mtbf", "mttr", "fail-probability"].map(String::from));
            }
        }
        keys
    }

    #[test]
    fn grammar_lists_exactly_the_schema_keys() {
        let specs = schema::TOP_LEVEL
            .iter()
            .copied()
            .chain([&schema::STAGE, &schema::CHANGE]);
        for spec in specs {
            let mut from_grammar = grammar_keys(&format!("{}_property", spec.keyword));
            let mut from_schema: Vec<String> = spec.keys().map(String::from).collect();
            from_grammar.sort();
            from_grammar.dedup();
            from_schema.sort();
            assert_eq!(
                from_grammar, from_schema,
                "properties of `{}`",
                spec.keyword
            );
        }
    }

    /// Every property of every declaration has a row in its book chapter.
    #[test]
    fn reference_documents_every_property() {
        let chapters = [
            ("plan", include_str!("../../book/src/reference/plan.md")),
            ("tier", include_str!("../../book/src/reference/tier.md")),
            ("role", include_str!("../../book/src/reference/role.md")),
            ("site", include_str!("../../book/src/reference/site.md")),
            (
                "storage",
                include_str!("../../book/src/reference/storage.md"),
            ),
            ("server", include_str!("../../book/src/reference/server.md")),
            ("vm", include_str!("../../book/src/reference/vm.md")),
            (
                "service",
                include_str!("../../book/src/reference/service.md"),
            ),
            ("backup", include_str!("../../book/src/reference/backup.md")),
            (
                "standby",
                include_str!("../../book/src/reference/standby.md"),
            ),
            (
                "rollout",
                include_str!("../../book/src/reference/rollout.md"),
            ),
            ("stage", include_str!("../../book/src/reference/rollout.md")),
            (
                "change",
                include_str!("../../book/src/reference/rollout.md"),
            ),
            (
                "scenario",
                include_str!("../../book/src/reference/scenario.md"),
            ),
        ];
        let mut missing = Vec::new();
        for (keyword, chapter) in chapters {
            let spec = schema::item(keyword).unwrap();
            for key in spec.keys() {
                let row = format!("| `{key}");
                if !chapter.contains(&row) {
                    missing.push(format!("{keyword}.{key}"));
                }
            }
        }
        assert!(missing.is_empty(), "undocumented properties: {missing:?}");
    }
}
