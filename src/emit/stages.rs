//! A suggested staging as plan text the user can paste over the rollout.

use crate::model::{ChangeId, Plan, RolloutId};
use crate::source::SourceMap;
use crate::syntax::units::{format_duration_literal, format_time_of_week};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Render `rollout` with its changes regrouped into `stages`. Rollout properties and
/// each change's text are kept as written; each new stage keeps the go/no-go and roles
/// of the stage its changes came from.
pub fn render(
    plan: &Plan,
    sources: &SourceMap,
    rollout: RolloutId,
    stages: &[Vec<ChangeId>],
) -> String {
    let data = &plan.rollouts[rollout.index()];
    let mut out = String::new();
    let _ = writeln!(out, "rollout {} {{", data.name);
    let declaration = sources.text(data.declaration);
    // Rollout-level properties: the text between `{` and the first stage, as written.
    let body_start = declaration.find('{').map_or(0, |i| i + 1);
    let first_stage = data
        .stages
        .first()
        .map_or(declaration.len().saturating_sub(1), |s| {
            (s.declaration.start - data.declaration.start) as usize
        });
    for line in declaration[body_start..first_stage.max(body_start)].lines() {
        let line = line.trim();
        // Whole-line comments there describe the old staging; keep properties only.
        if !line.is_empty() && !line.starts_with('#') {
            let _ = writeln!(out, "  {line}");
        }
    }
    let mut taken = taken_names(plan, rollout);
    for (number, members) in stages.iter().enumerate() {
        // Names share one namespace: `stage-1` in every rollout would clash.
        let mut name = format!("{}-stage-{}", data.name, number + 1);
        let mut suffix = 1;
        while taken.contains(name.as_str()) {
            suffix += 1;
            name = format!("{}-stage-{}-{suffix}", data.name, number + 1);
        }
        let _ = writeln!(out, "  stage {name} {{");
        taken.insert(name);
        let origins: Vec<&crate::model::Stage> = {
            let mut seen: Vec<u32> = members.iter().map(|id| id.stage).collect();
            seen.dedup();
            seen.iter().map(|&s| &data.stages[s as usize]).collect()
        };
        if let Some(window) = origins.iter().find_map(|s| s.window) {
            let _ = writeln!(out, "    window {window}");
        }
        if let Some(deadline) = origins.iter().find_map(|s| s.go_no_go) {
            let _ = writeln!(out, "    go-no-go {}", format_time_of_week(deadline));
        }
        let mut roles: Vec<&str> = origins
            .iter()
            .flat_map(|s| {
                s.roles
                    .iter()
                    .map(|r| plan.roles[r.id.index()].name.as_str())
            })
            .collect();
        roles.dedup();
        if !roles.is_empty() {
            let _ = writeln!(out, "    roles {}", roles.join(", "));
        }
        if let Some(soak) = origins.iter().find_map(|s| s.soak) {
            let _ = writeln!(out, "    soak {}", format_duration_literal(soak));
        }
        for &id in members {
            let text = sources.text(plan.change(id).declaration);
            for line in reindent(text, "    ").lines() {
                let _ = writeln!(out, "{line}");
            }
        }
        let _ = writeln!(out, "  }}");
    }
    // Stages without changes (a go/no-go checkpoint, a soak) keep their place at the end.
    for stage in data.stages.iter().filter(|s| s.changes.is_empty()) {
        for line in reindent(sources.text(stage.declaration), "  ").lines() {
            let _ = writeln!(out, "{line}");
        }
    }
    out.push_str("}\n");
    out
}

/// Every name the plan declares, but for the stages of `rollout` that hold changes:
/// those are the ones the suggestion replaces.
fn taken_names(plan: &Plan, rollout: RolloutId) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut add = |name: &str| {
        names.insert(name.to_string());
    };
    add(&plan.name);
    plan.tiers.iter().for_each(|d| add(&d.name));
    plan.roles.iter().for_each(|d| add(&d.name));
    plan.sites.iter().for_each(|d| add(&d.name));
    plan.storage.iter().for_each(|d| add(&d.name));
    plan.servers.iter().for_each(|d| add(&d.name));
    plan.vms.iter().for_each(|d| add(&d.name));
    plan.services.iter().for_each(|d| add(&d.name));
    plan.backups.iter().for_each(|d| add(&d.name));
    plan.standbys.iter().for_each(|d| add(&d.name));
    plan.scenarios.iter().for_each(|d| add(&d.name));
    for (index, other) in plan.rollouts.iter().enumerate() {
        add(&other.name);
        for stage in &other.stages {
            if index != rollout.index() || stage.changes.is_empty() {
                add(&stage.name);
            }
            stage.changes.iter().for_each(|c| add(&c.name));
        }
    }
    names
}

/// Re-indent a declaration: its first line at `indent`, later lines keeping their
/// indentation relative to the least-indented of them (the closing brace).
fn reindent(text: &str, indent: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    let rest: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let common = rest
        .iter()
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = format!("{indent}{first}\n");
    for line in rest {
        let _ = writeln!(out, "{indent}{}", line[common..].trim_end());
    }
    out
}
