//! The exact analysis as a table: each service's probability of being unavailable.

use crate::model::{Plan, ServiceId};
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
pub fn human(plan: &Plan, report: &Report, estimate: Option<&monte_carlo::Report>) -> String {
    let switches_over = switches_over(plan);
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
        // A failover is instant here but takes its `after` in the simulation, which
        // counts that switch as being down: again not the same quantity.
        let is_comparable = !is_steady && !switches_over.contains(service.name.as_str());
        let simulated = estimate
            .and_then(|mc| mc.services.iter().find(|s| s.name == service.name))
            .filter(|_| is_comparable)
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
        } else if service.basis.mission > 0 {
            "over the mission"
        } else {
            "fail-probability"
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

/// Services that go down for a failover's switch-over: those with a `failover` and
/// those that need one (directly or through others).
fn switches_over(plan: &Plan) -> std::collections::HashSet<&str> {
    let mut memo: Vec<Option<bool>> = vec![None; plan.services.len()];
    fn visit(plan: &Plan, id: ServiceId, memo: &mut Vec<Option<bool>>) -> bool {
        if let Some(known) = memo[id.index()] {
            return known;
        }
        // Marked first, so a `needs` cycle (reported elsewhere) ends here.
        memo[id.index()] = Some(false);
        let service = &plan.services[id.index()];
        let found = service.failover().is_some()
            || service.needs.iter().any(|need| visit(plan, need.id, memo));
        memo[id.index()] = Some(found);
        found
    }
    (0..plan.services.len())
        .filter(|&i| visit(plan, ServiceId(i as u32), &mut memo))
        .map(|i| plan.services[i].name.as_str())
        .collect()
}
