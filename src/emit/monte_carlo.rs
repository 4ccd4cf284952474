//! The Monte Carlo report as text for people: the plan-wide odds, the services most
//! likely to miss an objective, and the components behind the misses. Pure: no I/O.

use crate::model::Plan;
use crate::simulate::monte_carlo::{Cost, Probability, Quantiles, Report};
use crate::syntax::units::format_duration;
use std::fmt::Write;

/// Services listed in full; the rest are summed up (JSON has them all).
const SHOWN_SERVICES: usize = 25;
/// Components listed in the ranking.
const SHOWN_CAUSES: usize = 10;

/// Render a Monte Carlo report.
pub fn human(_plan: &Plan, report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Monte Carlo: {} trials over {} (seed {}), {} components with failure data, {} component-samples",
        group(report.trials),
        format_duration(report.mission),
        report.seed,
        group(report.components as u64),
        group(report.component_samples)
    );
    let _ = writeln!(
        out,
        "  restore throughput varies by incident: lognormal around the declared rate, σ {}",
        report.restore_throughput_sigma
    );
    if report.components == 0 {
        out.push_str(
            "  no component declares `mtbf` or `fail-probability`: nothing can fail at random\n",
        );
        return out;
    }
    let plan = &report.plan;
    let _ = writeln!(out, "\nplan");
    let _ = writeln!(out, "  some service down   {}", probability(plan.down));
    if let Some(p) = plan.rto_holds {
        let _ = writeln!(out, "  every RTO holds     {}", probability(p));
    }
    if let Some(p) = plan.rpo_holds {
        let _ = writeln!(out, "  every RPO holds     {}", probability(p));
    }
    let _ = writeln!(
        out,
        "  longest outage      {}",
        quantiles(&plan.outage, "never back")
    );
    let _ = writeln!(
        out,
        "  largest data loss   {}",
        quantiles(&plan.data_loss, "all")
    );
    if let Some(cost) = plan.cost {
        let _ = writeln!(out, "  downtime cost       {}", cost_text(cost));
    }

    let services = report.services_by_risk();
    let _ = writeln!(
        out,
        "\nservices ({} of {} ever down; outage and data loss over the trials where each was down)",
        services.len(),
        report.services.len()
    );
    for service in services.iter().take(SHOWN_SERVICES) {
        let _ = writeln!(out, "  {}", service.name);
        let _ = writeln!(out, "    down            {}", probability(service.down));
        if let (Some(rto), Some(p)) = (service.rto, service.rto_holds) {
            let _ = writeln!(
                out,
                "    rto {:<11} {}",
                format_duration(rto),
                probability(p)
            );
        }
        if let (Some(rpo), Some(p)) = (service.rpo, service.rpo_holds) {
            let _ = writeln!(
                out,
                "    rpo {:<11} {}",
                format_duration(rpo),
                probability(p)
            );
        }
        let _ = writeln!(
            out,
            "    outage          {}",
            quantiles(&service.outage, "never back")
        );
        let _ = writeln!(
            out,
            "    data loss       {}",
            quantiles(&service.data_loss, "all")
        );
        if let (Some(rate), Some(cost)) = (service.downtime_cost, service.cost) {
            let _ = writeln!(
                out,
                "    downtime cost   {} (at {}/h)",
                cost_text(cost),
                money(rate)
            );
        }
    }
    if services.len() > SHOWN_SERVICES {
        let _ = writeln!(
            out,
            "  … {} more (`--format json` lists every service)",
            services.len() - SHOWN_SERVICES
        );
    }

    if !report.causes.is_empty() {
        let _ = writeln!(out, "\ncomponents behind the most objective misses");
        let width = report
            .causes
            .iter()
            .take(SHOWN_CAUSES)
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        for cause in report.causes.iter().take(SHOWN_CAUSES) {
            let _ = writeln!(
                out,
                "  {:<width$}  {:>5.1}%  {} {} (rto {}, rpo {})",
                cause.name,
                cause.share * 100.0,
                group(cause.misses),
                if cause.misses == 1 { "miss" } else { "misses" },
                group(cause.rto_misses),
                group(cause.rpo_misses),
            );
        }
    }
    out
}

/// "97.1% (95% CI 96.8–97.4%)".
fn probability(p: Probability) -> String {
    format!(
        "{} (95% CI {}–{})",
        percent(p.estimate),
        percent(p.low).trim_end_matches('%'),
        percent(p.high)
    )
}

fn percent(p: f64) -> String {
    let value = p * 100.0;
    // Near 0% and 100% the tenths hide what matters.
    if (value != 0.0 && value < 0.1) || (value > 99.9 && value != 100.0) {
        format!("{value:.3}%")
    } else {
        format!("{value:.1}%")
    }
}

/// "p50 2h  p90 5h 10m  p99 1d  max 2d 3h".
fn quantiles(q: &Quantiles, unbounded: &str) -> String {
    if q.trials == 0 {
        return "—".to_string();
    }
    let show = |v: Option<u64>| v.map_or_else(|| unbounded.to_string(), duration);
    format!(
        "p50 {}  p90 {}  p99 {}  max {}",
        show(q.p50),
        show(q.p90),
        show(q.p99),
        show(q.max)
    )
}

/// A duration to whole minutes from 10 minutes up: quantiles are approximate anyway.
fn duration(seconds: u64) -> String {
    if seconds >= 600 {
        format_duration((seconds + 30) / 60 * 60)
    } else {
        format_duration(seconds)
    }
}

fn cost_text(cost: Cost) -> String {
    format!(
        "expected {}/year, p99 {}/year",
        money(cost.expected_per_year),
        money(cost.p99_per_year)
    )
}

/// Whole money units with thousands separators.
fn money(value: f64) -> String {
    group(value.max(0.0).round() as u64)
}

/// 1234567 → "1,234,567".
fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }

    #[test]
    fn long_durations_round_to_minutes() {
        assert_eq!(duration(15_872), "4h 25m");
        assert_eq!(duration(75), "1m 15s");
    }

    #[test]
    fn small_probabilities_keep_their_digits() {
        assert_eq!(percent(0.0004), "0.040%");
        assert_eq!(percent(0.971), "97.1%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(0.99981), "99.981%");
        assert_eq!(percent(1.0), "100.0%");
    }
}
