//! The exact analysis as a table: each service's probability of being unavailable.

use crate::simulate::exact::Report;
use crate::simulate::monte_carlo;
use crate::syntax::units::format_duration;
use std::fmt::Write;

/// Services shown at most; the rest are counted.
const MAX_ROWS: usize = 40;

/// Probabilities to six significant digits, like SCRAM prints them.
fn probability(p: f64) -> String {
    if p == 0.0 {
        "0".to_string()
    } else {
        format!("{p:.6e}").replace("e0", "")
    }
}

/// A table of exact unavailabilities, most likely first, with the Monte Carlo estimate
/// of the same probability beside it when one ran and measures the same thing.
pub fn human(report: &Report, estimate: Option<&monte_carlo::Report>) -> String {
    let mut out = format!(
        "exact unavailability (BDD of {} nodes; rates over a mission of {} unless repaired)\n",
        report.bdd_nodes,
        format_duration(report.mission)
    );
    let mut rows: Vec<_> = report
        .services
        .iter()
        .filter(|s| s.components > 0)
        .collect();
    rows.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.name.cmp(&b.name))
    });
    if rows.is_empty() {
        out.push_str("  no component declares failure data (`fail-probability`, `mtbf`)\n");
        return out;
    }
    let width = rows
        .iter()
        .take(MAX_ROWS)
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0)
        .max(7);
    let _ = writeln!(
        out,
        "  {:width$}  {:>14}  {:>26}  basis",
        "service", "exact P(down)", "Monte Carlo (95% CI)"
    );
    for service in rows.iter().take(MAX_ROWS) {
        // With repair the exact value is the long-run fraction of time down; the
        // simulation counts trials with any outage: not the same quantity.
        let is_steady = service.basis.steady_state > 0;
        let simulated = estimate
            .and_then(|mc| mc.services.iter().find(|s| s.name == service.name))
            .filter(|_| !is_steady)
            .map_or_else(
                || "—".to_string(),
                |s| {
                    format!(
                        "{:.4} ({:.4}–{:.4})",
                        s.down.estimate, s.down.low, s.down.high
                    )
                },
            );
        let basis = if is_steady {
            "steady state (mttr)"
        } else {
            "over the mission"
        };
        let _ = writeln!(
            out,
            "  {:width$}  {:>14}  {simulated:>26}  {basis}",
            service.name,
            probability(service.probability),
        );
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "  … and {} more services (`--format json` lists them all)",
            rows.len() - MAX_ROWS
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    out
}
