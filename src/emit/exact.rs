//! The exact analysis as a table: each service's probability of being unavailable.

use crate::simulate::exact::Report;
use crate::syntax::units::format_duration;
use std::fmt::Write;

/// Services shown at most; the rest are counted.
const MAX_ROWS: usize = 40;

/// Probabilities to six significant digits, like SCRAM prints them.
fn probability(p: f64) -> String {
    if p == 0.0 {
        "0".to_string()
    } else {
        format!("{p:.6e}").replace("e0", "").replace("e-", "e-")
    }
}

/// A table of exact unavailabilities, most likely first.
pub fn human(report: &Report) -> String {
    let mut out = format!(
        "exact unavailability (BDD of {} nodes; rates over a mission of {} unless repaired)\n",
        report.bdd_nodes,
        format_duration(report.mission)
    );
    let mut rows: Vec<_> = report.services.iter().filter(|s| s.components > 0).collect();
    rows.sort_by(|a, b| b.probability.total_cmp(&a.probability).then(a.name.cmp(&b.name)));
    if rows.is_empty() {
        out.push_str("  no component declares failure data (`fail-probability`, `mtbf`)\n");
        return out;
    }
    let width = rows.iter().take(MAX_ROWS).map(|s| s.name.len()).max().unwrap_or(0).max(7);
    let _ = writeln!(out, "  {:width$}  {:>14}  {:>10}", "service", "P(down)", "components");
    for service in rows.iter().take(MAX_ROWS) {
        let _ = writeln!(
            out,
            "  {:width$}  {:>14}  {:>10}",
            service.name,
            probability(service.probability),
            service.components
        );
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(out, "  … and {} more services (`--format json` lists them all)", rows.len() - MAX_ROWS);
    }
    for note in &report.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    out
}
