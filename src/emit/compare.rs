//! What-if comparison: every number that differs between the baseline's results and
//! the changed plan's, as a table. Works on the JSON form, so it covers every report.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Rows shown at most; the rest are counted.
const MAX_ROWS: usize = 80;

/// Flatten numbers to `path → value`; array elements are labelled by their `name`,
/// `service` or `scenario` field when they have one, else by position.
fn flatten(value: &Value, path: &str, out: &mut BTreeMap<String, f64>) {
    match value {
        Value::Number(n) => {
            if SKIPPED_FIELDS.contains(&leaf(path)) {
                return;
            }
            if let Some(x) = n.as_f64() {
                out.insert(path.to_string(), x);
            }
        }
        Value::Bool(b) => {
            out.insert(path.to_string(), f64::from(u8::from(*b)));
        }
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(child, &child_path, out);
            }
        }
        Value::Array(items) => {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for (index, item) in items.iter().enumerate() {
                let mut label = label(item).unwrap_or_else(|| index.to_string());
                // Two entries with one label (a restore started, then aborted and
                // started again) stay apart, numbered in order.
                let count = seen.entry(label.clone()).or_insert(0);
                *count += 1;
                if *count > 1 {
                    label = format!("{label} #{count}");
                }
                flatten(item, &format!("{path}[{label}]"), out);
            }
        }
        Value::Null | Value::String(_) => {}
    }
}

/// What names an array element across the two runs: its `name`, `service`, `scenario`
/// or `component`; a timeline entry by its event and what it is about
/// (`restore-started cms-sites`), since positions shift when the timing changes.
fn label(item: &Value) -> Option<String> {
    let text = |key: &str| item.get(key).and_then(Value::as_str);
    let subject = [
        "name",
        "service",
        "scenario",
        "component",
        "backup",
        "change",
    ]
    .iter()
    .find_map(|k| text(k).map(str::to_string))
    .or_else(|| {
        let names: Vec<&str> = item
            .get("services")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        Some(names.join(", "))
    });
    match (text("event"), subject) {
        (Some(event), Some(subject)) => Some(format!("{event} {subject}")),
        (Some(event), None) => Some(event.to_string()),
        (None, subject) => subject,
    }
}

/// Leaf names that hold seconds, shown as durations.
const DURATION_FIELDS: &[&str] = &[
    "seconds",
    "outage",
    "actual",
    "data_lost",
    "p50",
    "p90",
    "p99",
    "max",
    "mean",
    "rto",
    "rpo",
    "mission",
    "at",
    "detect",
    "limit",
];
/// Leaf names that repeat another field in other units.
const SKIPPED_FIELDS: &[&str] = &["minute"];

fn leaf(path: &str) -> &str {
    path.rsplit(['.', ']']).next().unwrap_or(path)
}

/// Leaf names that hold bytes per second.
const RATE_FIELDS: &[&str] = &["rate", "restore_rate"];
/// Leaf names that hold bytes.
const SIZE_FIELDS: &[&str] = &["data"];

fn show(path: &str, x: f64) -> String {
    if RATE_FIELDS.contains(&leaf(path)) {
        return crate::syntax::units::format_rate(x);
    }
    if SIZE_FIELDS.contains(&leaf(path)) && (0.0..1e18).contains(&x) {
        return crate::analysis::estimate::format_bytes(x.round() as u64);
    }
    // Means are fractional seconds; a duration to the second reads better.
    if DURATION_FIELDS.contains(&leaf(path)) && (0.0..1e15).contains(&x) {
        crate::syntax::units::format_duration(x.round() as u64)
    } else {
        number(x)
    }
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.6}")
    }
}

/// Both values of a row, written alike: a probability that went from 1 to 0.632 reads
/// `1.000000` beside `0.632000`, not `1`.
fn show_pair(path: &str, old: f64, new: f64) -> (String, String) {
    let (shown_old, shown_new) = (show(path, old), show(path, new));
    let is_plain = shown_old == number(old) && shown_new == number(new);
    if is_plain && (old.fract() == 0.0) != (new.fract() == 0.0) {
        (format!("{old:.6}"), format!("{new:.6}"))
    } else {
        (shown_old, shown_new)
    }
}

/// A table of the numbers that changed.
pub fn human(overrides: &[String], baseline: &Value, changed: &Value) -> String {
    let mut before = BTreeMap::new();
    let mut after = BTreeMap::new();
    flatten(baseline, "", &mut before);
    flatten(changed, "", &mut after);
    let mut rows = Vec::new();
    for (path, &old) in &before {
        match after.get(path) {
            Some(&new) if new != old => {
                let (old, new) = show_pair(path, old, new);
                rows.push((path.clone(), old, new));
            }
            None => rows.push((path.clone(), show(path, old), "—".to_string())),
            _ => {}
        }
    }
    for (path, &new) in &after {
        if !before.contains_key(path) {
            rows.push((path.clone(), "—".to_string(), show(path, new)));
        }
    }
    let mut out = format!("what if {}:\n", overrides.join(", "));
    if rows.is_empty() {
        out.push_str("  no result changes\n");
        return out;
    }
    let width = rows
        .iter()
        .take(MAX_ROWS)
        .map(|r| r.0.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "  {:width$}  {:>14}  {:>14}",
        "", "baseline", "changed"
    );
    for (path, old, new) in rows.iter().take(MAX_ROWS) {
        let _ = writeln!(out, "  {path:width$}  {old:>14}  {new:>14}");
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "  … and {} more changed values (`--format json` has all)",
            rows.len() - MAX_ROWS
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_writes_both_numbers_alike() {
        let path = "monte_carlo.services[db].probability";
        assert_eq!(
            show_pair(path, 1.0, 0.632),
            ("1.000000".to_string(), "0.632000".to_string())
        );
        assert_eq!(
            show_pair(path, 3.0, 4.0),
            ("3".to_string(), "4".to_string())
        );
        // Durations keep their own form.
        assert_eq!(
            show_pair("scenarios[0].detect", 900.0, 1800.5),
            ("15m".to_string(), "30m 1s".to_string())
        );
    }

    #[test]
    fn only_changed_numbers_are_listed_by_name() {
        let before = serde_json::json!({"services": [{"name": "db", "outage": 60, "ok": true}]});
        let after = serde_json::json!({"services": [{"name": "db", "outage": 30, "ok": true}]});
        let table = human(&["x=1".into()], &before, &after);
        assert!(table.contains("services[db].outage"), "{table}");
        assert!(!table.contains(".ok"), "{table}");
    }
}
