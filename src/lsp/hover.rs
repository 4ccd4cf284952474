//! Hover text: for a name, its kind and description (and for a service its worst-case
//! RTO and RPO); for a keyword, what it declares or what value a property takes.

use super::complete::Cursor;
use super::server::Analysis;
use crate::analysis::worst_case::{worst_case, DataLoss, RecoveryTime, Worst};
use crate::analysis::Context;
use crate::model::ServiceId;
use crate::source::FileId;
use crate::syntax::lexer::{self, TokenKind};
use crate::syntax::schema::{self, Shape};
use crate::syntax::units::format_duration;
use std::fmt::Write;

/// Markdown for what is at a byte offset of the document, with the byte range it covers.
pub(super) fn hover(analysis: &Analysis, offset: usize) -> Option<(String, (usize, usize))> {
    if let Some(occurrence) = analysis.index.at(FileId(0), offset as u32) {
        let mut text = String::new();
        let declarations: Vec<_> = analysis.index.declarations_of(&occurrence.name).collect();
        if declarations.is_empty() {
            let _ = write!(text, "`{}`: not declared in this plan", occurrence.name);
        }
        for declaration in declarations {
            if !text.is_empty() {
                text.push_str("\n\n---\n\n");
            }
            let _ = write!(text, "**{}** `{}`", declaration.kind, declaration.name);
            if let Some(description) = &declaration.description {
                let _ = write!(text, "\n\n{description}");
            }
            if declaration.kind == "service" {
                text.push_str(&service_estimate(analysis, &declaration.name));
            }
        }
        let span = occurrence.span;
        return Some((text, (span.start as usize, span.end as usize)));
    }
    keyword(analysis.text(), offset)
}

/// The worst-case figures of a service, when the plan compiles without errors.
fn service_estimate(analysis: &Analysis, name: &str) -> String {
    let compiled = &analysis.compiled;
    let (Some(plan), Some(graph)) = (&compiled.plan, &compiled.graph) else {
        return String::new();
    };
    if compiled.has_errors() {
        return "\n\n_Worst-case RTO and RPO are shown once the plan has no errors._".to_string();
    }
    let Some(index) = plan.services.iter().position(|s| s.name == name) else {
        return String::new();
    };
    let service = &plan.services[index];
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        worst_case(&Context::new(plan, graph), ServiceId(index as u32))
    }));
    let Ok(worst) = result else {
        return String::new();
    };
    let objective = |value: Option<u64>| value.map_or_else(|| "none".to_string(), format_duration);
    let mut text = format!(
        "\n\nObjectives: RTO {}, RPO {}",
        objective(service.rto),
        objective(service.rpo)
    );
    for (loss, case) in [
        ("server loss", &worst.server_loss),
        ("site loss", &worst.site_loss),
    ] {
        match case {
            Some(case) => {
                let _ = write!(text, "\n\n**Worst case, {loss}:**\n{}", lines(case));
            }
            None => {
                let _ = write!(text, "\n\n**Worst case, {loss}:** not placed on any");
            }
        }
    }
    text
}

fn lines(worst: &Worst) -> String {
    let rto = match &worst.rto {
        RecoveryTime::Unaffected => "no outage: its quorum survives".to_string(),
        RecoveryTime::Within {
            seconds,
            lost,
            arithmetic,
        } => format!(
            "{} when `{lost}` is lost ({arithmetic})",
            format_duration(*seconds)
        ),
        RecoveryTime::Never { lost, reason } => {
            format!("never back when `{lost}` is lost: {reason}")
        }
    };
    let rpo = match &worst.rpo {
        DataLoss::NoData => "no data declared".to_string(),
        DataLoss::Replicated => "none: replicas elsewhere keep the data".to_string(),
        DataLoss::UpTo { seconds, backup } => format!(
            "{} (newest surviving restore point, from `{backup}`)",
            format_duration(*seconds)
        ),
        DataLoss::All => "all of it: no restore point survives".to_string(),
    };
    format!("- RTO: {rto}\n- RPO: {rpo}")
}

/// Hover for a declaration keyword or a property name.
fn keyword(text: &str, offset: usize) -> Option<(String, (usize, usize))> {
    let token = lexer::lex(text, usize::MAX).tokens.into_iter().find(|t| {
        t.kind == TokenKind::Word && t.start as usize <= offset && offset <= t.end as usize
    })?;
    let range = (token.start as usize, token.end as usize);
    let word = &text[range.0..range.1];
    let cursor = Cursor::new(text, range.0);
    if let Some(Some(spec)) = cursor.spec() {
        if let Some(property) = spec.property(word) {
            let repeat = if property.is_repeatable {
                "; may be repeated"
            } else {
                ""
            };
            return Some((
                format!(
                    "`{word}`: property of `{}`, {}{repeat}",
                    spec.keyword,
                    shape(property.shape)
                ),
                range,
            ));
        }
    }
    let spec = schema::item(word)?;
    let keys: Vec<String> = spec.keys().map(|k| format!("`{k}`")).collect();
    Some((
        format!("**{word}** declaration\n\nProperties: {}", keys.join(", ")),
        range,
    ))
}

/// How a property's value is written, for hovers.
fn shape(shape: Shape) -> String {
    match shape {
        Shape::Flag => "a flag (nothing follows)".to_string(),
        Shape::Name => "a name".to_string(),
        Shape::Names => "names separated by commas".to_string(),
        Shape::Int => "a whole number".to_string(),
        Shape::Number => "a number".to_string(),
        Shape::Size => "a size like `600GiB`".to_string(),
        Shape::Duration => "a duration like `4h`".to_string(),
        Shape::Spread => "a duration like `4h`, or `uniform LOW HIGH`, `triangular LOW MODE HIGH`, `lognormal MEDIAN P90`".to_string(),
        Shape::Rate => "a rate like `150MB/s`".to_string(),
        Shape::Probability => "a probability like `0.02` or `2%`".to_string(),
        Shape::Cost => "money per hour like `5000/h`".to_string(),
        Shape::Str => "a string".to_string(),
        Shape::Date => "a date like `2016-12-24`".to_string(),
        Shape::DateRange => "a date or a range `2016-12-24 .. 2016-12-26`".to_string(),
        Shape::Time => "a time of the week like `sun 20:00`".to_string(),
        Shape::Window => "a weekly window like `fri 18:00 .. mon 06:00`".to_string(),
        Shape::Choice(values) => format!("one of {}", values.join(", ")),
        Shape::Schedule => "`every DURATION (at HH:MM)?`".to_string(),
        Shape::Tested => "`every DURATION` or `never`".to_string(),
        Shape::Rotate => "`N media`".to_string(),
        Shape::Offsite => "`SITE every DURATION`".to_string(),
        Shape::Copy => "`SIZE at RATE`".to_string(),
        Shape::Capacity => "`cpu N`, `memory SIZE`, `disk SIZE`".to_string(),
        Shape::Quorum => "`K (of N)?`".to_string(),
        Shape::Failover => "`HOST (after DURATION)?`".to_string(),
        Shape::Verify => format!(
            "one of {} and an optional command",
            schema::VERIFY_KINDS.join(", ")
        ),
        Shape::Rollback => format!("one of {} or a command", schema::ROLLBACK_KINDS.join(", ")),
        Shape::Expect => "`SERVICE rto DURATION rpo DURATION`".to_string(),
        Shape::Event => "`DAY HH:MM fail|corrupt|fail-verify NAME`".to_string(),
        Shape::Allow => "`CODE \"reason\"`".to_string(),
        Shape::RandomOver => "`over DURATION`".to_string(),
    }
}
