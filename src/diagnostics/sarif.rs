//! SARIF 2.1.0 output for code-scanning services, built with serde-sarif's types.

use super::render::location;
use super::{Code, Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use serde_sarif::sarif;

/// One plan's diagnostics with the sources their spans point into.
pub struct PlanReport<'a> {
    pub sources: &'a SourceMap,
    pub diagnostics: &'a [Diagnostic],
}

fn message(text: impl Into<String>) -> sarif::Message {
    sarif::Message::builder().text(text.into()).build()
}

fn sarif_location(sources: &SourceMap, span: Span, text: Option<&str>) -> sarif::Location {
    let at = location(sources, span);
    let region = sarif::Region::builder()
        .start_line(at.line as i64)
        .start_column(at.column as i64)
        .end_line(at.end_line as i64)
        .end_column(at.end_column as i64)
        .build();
    let uri = at.file.replace('\\', "/");
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(sarif::ArtifactLocation::builder().uri(uri).build())
        .region(region)
        .build();
    match text {
        Some(text) if !text.is_empty() => sarif::Location::builder()
            .physical_location(physical)
            .message(message(text))
            .build(),
        _ => sarif::Location::builder()
            .physical_location(physical)
            .build(),
    }
}

fn rule(code: Code) -> sarif::ReportingDescriptor {
    let level = match code.default_severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    sarif::ReportingDescriptor::builder()
        .id(code.to_string())
        .name(code.name().to_string())
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(code.summary().to_string())
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(code.summary().to_string())
                .markdown(code.explanation().to_string())
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(serde_json::json!(level))
                .build(),
        )
        .build()
}

fn result(diagnostic: &Diagnostic, sources: &SourceMap) -> sarif::Result {
    let level = match diagnostic.severity {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
    };
    let mut text = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    for note in &diagnostic.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    let primary: Vec<sarif::Location> = diagnostic
        .labels
        .iter()
        .filter(|l| l.is_primary)
        .map(|l| sarif_location(sources, l.span, Some(&l.message)))
        .collect();
    let related: Vec<sarif::Location> = diagnostic
        .labels
        .iter()
        .filter(|l| !l.is_primary)
        .enumerate()
        .map(|(i, l)| {
            let mut location = sarif_location(sources, l.span, Some(&l.message));
            location.id = Some(i as i64);
            location
        })
        .collect();
    let code_index = Code::ALL
        .iter()
        .position(|&c| c == diagnostic.code)
        .unwrap_or(0);
    let mut result = sarif::Result::builder()
        .rule_id(diagnostic.code.to_string())
        .rule_index(code_index as i64)
        .level(level)
        .message(message(text))
        .build();
    if !primary.is_empty() {
        result.locations = Some(primary);
    }
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    result
}

/// A SARIF log with one run holding every plan's results.
pub fn log(reports: &[PlanReport]) -> sarif::Sarif {
    let driver = sarif::ToolComponent::builder()
        .name("drplan".to_string())
        .version(env!("CARGO_PKG_VERSION").to_string())
        .information_uri("https://github.com/drplan/drplan".to_string())
        .rules(Code::ALL.iter().map(|&c| rule(c)).collect::<Vec<_>>())
        .build();
    let results: Vec<sarif::Result> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(|d| result(d, r.sources)))
        .collect();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL.to_string())
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build()
}
