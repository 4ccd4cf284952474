//! What one plan may hold, counted over its syntax trees before resolution, so that a
//! hostile plan is refused before it costs time or memory. Counts only; no meaning.
//! The limits on text (file size, nesting, names, strings) sit where text is read.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast;

/// Most declarations in one plan, all files and nested stages and changes counted.
pub const MAX_DECLARATIONS: usize = 1_000_000;
/// Most scenarios in one plan.
pub const MAX_SCENARIOS: usize = 1_000;
/// Most events (`at TIME …`) in one scenario.
pub const MAX_EVENTS_PER_SCENARIO: usize = 1_000;
/// Most expectations (`expect SERVICE …`) in one scenario.
pub const MAX_EXPECTATIONS_PER_SCENARIO: usize = 10_000;

/// A `limit-exceeded` diagnostic for the limit named `limit` at `value`.
pub fn exceeded(limit: &str, value: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(
        Code::LimitExceeded,
        format!("{limit} exceeds the limit of {value}"),
    )
}

/// The plan-wide limits, as one value so that tests can lower them.
struct Limits {
    declarations: usize,
    scenarios: usize,
    events: usize,
    expectations: usize,
}

const LIMITS: Limits = Limits {
    declarations: MAX_DECLARATIONS,
    scenarios: MAX_SCENARIOS,
    events: MAX_EVENTS_PER_SCENARIO,
    expectations: MAX_EXPECTATIONS_PER_SCENARIO,
};

/// Every limit the plan's files exceed, at most one diagnostic per limit and scenario.
pub fn check(files: &[(FileId, ast::File)]) -> Vec<Diagnostic> {
    check_with(files, &LIMITS)
}

fn check_with(files: &[(FileId, ast::File)], limits: &Limits) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut declarations = 0usize;
    let mut scenarios = 0usize;
    for (_, file) in files {
        for entry in file.entries() {
            let item = match entry {
                ast::Entry::Whole(item) => item,
                ast::Entry::Indexed(indexed) => {
                    declarations += 1;
                    if declarations == limits.declarations + 1 {
                        diagnostics.push(declarations_exceeded(indexed.name, limits));
                    }
                    continue;
                }
            };
            if item.keyword.text == "scenario" {
                scenarios += 1;
                if scenarios == limits.scenarios + 1 {
                    diagnostics.push(
                        exceeded("the number of scenarios", limits.scenarios)
                            .primary(item.name_span(), "one scenario too many")
                            .help("split the plan, or merge scenarios that test the same failure"),
                    );
                }
                check_scenario(item, limits, &mut diagnostics);
            }
            let before = declarations;
            declarations += count(item);
            if before <= limits.declarations && declarations > limits.declarations {
                diagnostics.push(declarations_exceeded(item.name_span(), limits));
            }
        }
    }
    diagnostics
}

fn declarations_exceeded(at: Span, limits: &Limits) -> Diagnostic {
    exceeded("the number of declarations", limits.declarations)
        .primary(at, "the limit is passed here")
        .help("split the estate into several plans")
}

/// The item and every declaration nested in it.
fn count(item: &ast::Item) -> usize {
    1 + item.children.iter().map(count).sum::<usize>()
}

fn check_scenario(scenario: &ast::Item, limits: &Limits, diagnostics: &mut Vec<Diagnostic>) {
    for (key, limit, what) in [
        ("at", limits.events, "the number of events in a scenario"),
        (
            "expect",
            limits.expectations,
            "the number of expectations in a scenario",
        ),
    ] {
        if let Some(extra) = scenario
            .properties
            .iter()
            .filter(|p| p.key() == key)
            .nth(limit)
        {
            diagnostics.push(
                exceeded(what, limit)
                    .primary(extra.key_span(), format!("`{key}` number {}", limit + 1))
                    .secondary(scenario.name_span(), "in this scenario")
                    .help("split the scenario into several, one story each"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

    const SMALL: Limits = Limits {
        declarations: 5,
        scenarios: 2,
        events: 2,
        expectations: 3,
    };

    fn files(texts: &[&str]) -> Vec<(FileId, ast::File)> {
        read(texts, crate::syntax::parse)
    }

    /// As `drplan check` reads them: the numerous declarations indexed.
    fn indexed(texts: &[&str]) -> Vec<(FileId, ast::File)> {
        read(texts, crate::syntax::parse_indexed)
    }

    fn read(
        texts: &[&str],
        parse: fn(&str, FileId) -> (ast::File, Vec<Diagnostic>),
    ) -> Vec<(FileId, ast::File)> {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let id = FileId(i as u32);
                (id, parse(text, id).0)
            })
            .collect()
    }

    fn primary_text(text: &str, diagnostic: &Diagnostic) -> String {
        assert_eq!(diagnostic.code, Code::LimitExceeded);
        text[diagnostic.primary_span().expect("a span").range()].to_string()
    }

    #[test]
    fn scenarios_beyond_the_limit() {
        let text = "scenario a { }\nscenario b { }\nscenario c { }\nscenario d { }\n";
        let found = check_with(&files(&[text]), &SMALL);
        assert_eq!(found.len(), 1);
        assert_eq!(primary_text(text, &found[0]), "c");
    }

    #[test]
    fn events_and_expectations_beyond_the_limit() {
        let at_limit = "scenario s {\nat mon 01:00 fail a\nat mon 02:00 fail a\nexpect a rto 1h\n}";
        assert!(check_with(&files(&[at_limit]), &SMALL).is_empty());
        let text = "scenario s {\nat mon 01:00 fail a\nat mon 02:00 fail a\nat mon 03:00 fail a\n\
            expect a rto 1h\nexpect a rto 1h\nexpect a rto 1h\nexpect a rto 1h\n}";
        let found = check_with(&files(&[text]), &SMALL);
        assert_eq!(found.len(), 2);
        assert_eq!(primary_text(text, &found[0]), "at");
        assert_eq!(primary_text(text, &found[1]), "expect");
    }

    #[test]
    fn declarations_beyond_the_limit_across_files_count_nested_ones() {
        let first = "role a { }\nrole b { }\n";
        let second = "rollout r { stage s { change c { } } }\nrole d { }\n";
        for read in [files, indexed] {
            let found = check_with(&read(&[first, second]), &SMALL);
            assert_eq!(found.len(), 1);
            let span = found[0].primary_span().expect("a span");
            assert_eq!(span.file, FileId(1));
            assert_eq!(&second[span.range()], "d");
        }
        // An indexed declaration passing the limit after whole ones.
        let text = "rollout r { stage s { change c { } } }\nrole a { }\nrole b { }\nrole d { }\n";
        let found = check_with(&indexed(&[text]), &SMALL);
        assert_eq!(found.len(), 1);
        assert_eq!(primary_text(text, &found[0]), "d");
    }

    #[test]
    fn the_real_limits_leave_the_shipped_plans_alone() {
        for text in [
            include_str!("../../plans/ehr-weekend-upgrade.dr"),
            include_str!("../../plans/staged-rollout.dr"),
        ] {
            assert!(check(&files(&[text])).is_empty());
        }
    }
}
