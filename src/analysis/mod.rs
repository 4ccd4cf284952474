//! Safety rules over the resolved model and its dependency graph: the big bang,
//! change safety, time, backups and RPO, recovery time and standby, completeness.
//! Rules only report findings; `allow` suppression is applied here, once.

pub(crate) mod backups;
mod big_bang;
mod changes;
mod completeness;
mod context;
pub mod estimate;
mod footprint;
mod recovery;
pub mod staging;
pub(crate) mod timing;
pub mod worst_case;

pub use context::Context;
pub use timing::{stage_timelines, ChangeTimeline, StageTimeline};

use crate::diagnostics::{Code, Diagnostic};
use crate::graph::Graph;
use crate::model::{
    BackupId, ChangeId, Plan, RoleId, RolloutId, ScenarioId, ServerId, ServiceId, SiteId,
    StandbyId, StorageId, VmId,
};

/// A declaration a finding is about; its `allow`s (and those of what encloses it) can
/// suppress the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Plan,
    Site(SiteId),
    Storage(StorageId),
    Server(ServerId),
    Vm(VmId),
    Service(ServiceId),
    Backup(BackupId),
    Standby(StandbyId),
    Role(RoleId),
    Rollout(RolloutId),
    Stage(RolloutId, u32),
    Change(ChangeId),
    Scenario(ScenarioId),
}

/// A rule's result: the diagnostic and the declarations it concerns.
#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub subjects: Vec<Subject>,
}

impl Finding {
    pub fn new(diagnostic: Diagnostic, subjects: impl IntoIterator<Item = Subject>) -> Self {
        Finding {
            diagnostic,
            subjects: subjects.into_iter().collect(),
        }
    }
}

/// Run every rule; return the diagnostics no `allow` suppresses, in rule order.
pub fn check(plan: &Plan, graph: &Graph) -> Vec<Diagnostic> {
    let context = Context::new(plan, graph);
    // The rules run on every core: the backup rules beside the others, and the
    // recovery rule's estimates spread further. Findings are joined in one fixed
    // order, whatever the timing.
    let (backup_findings, (mut findings, later_findings)) = rayon::join(
        || {
            let mut out = Vec::new();
            backups::check(&context, &mut out);
            out
        },
        || {
            let mut first = Vec::new();
            big_bang::check(&context, &mut first);
            changes::check(&context, &mut first);
            let mut later = Vec::new();
            recovery::check(&context, &mut later);
            completeness::check(&context, &mut later);
            (first, later)
        },
    );
    findings.extend(backup_findings);
    findings.extend(later_findings);
    findings
        .into_iter()
        .filter(|f| !is_allowed(plan, f))
        .map(|f| f.diagnostic)
        .collect()
}

/// Whether any subject of the finding (or the plan) allows its code.
fn is_allowed(plan: &Plan, finding: &Finding) -> bool {
    let code = finding.diagnostic.code;
    let allows = |list: &[crate::model::Allow]| list.iter().any(|a| a.code == code);
    allows(&plan.allows)
        || finding.subjects.iter().any(|&subject| match subject {
            Subject::Plan => false,
            Subject::Site(id) => allows(&plan.sites[id.index()].allows),
            Subject::Storage(id) => allows(&plan.storage[id.index()].allows),
            Subject::Server(id) => allows(&plan.servers[id.index()].allows),
            Subject::Vm(id) => allows(plan.vms[id.index()].allows()),
            Subject::Service(id) => allows(plan.services[id.index()].allows()),
            Subject::Backup(id) => allows(plan.backups[id.index()].allows()),
            Subject::Standby(id) => allows(&plan.standbys[id.index()].allows),
            Subject::Role(id) => allows(&plan.roles[id.index()].allows),
            Subject::Scenario(id) => allows(&plan.scenarios[id.index()].allows),
            Subject::Rollout(id) => allows(&plan.rollouts[id.index()].allows),
            Subject::Stage(rollout, stage) => {
                let r = &plan.rollouts[rollout.index()];
                allows(&r.allows) || allows(&r.stages[stage as usize].allows)
            }
            Subject::Change(id) => {
                let r = &plan.rollouts[id.rollout.index()];
                let stage = &r.stages[id.stage as usize];
                allows(&r.allows)
                    || allows(&stage.allows)
                    || allows(&stage.changes[id.change as usize].allows)
            }
        })
}

/// Whether a code belongs to the safety analysis (so that it is reported only for
/// plans that compile).
pub fn is_analysis_code(code: Code) -> bool {
    code.is_allowable()
}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`".
pub(crate) fn list_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Like `list_names`, but names at most five and counts the rest: "`a`, `b`, `c`, `d`,
/// `e` and 7 more".
pub(crate) fn list_some_names<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    const SHOWN: usize = 5;
    let count = names.len();
    if count <= SHOWN {
        return list_names(names);
    }
    let shown: Vec<String> = names.take(SHOWN).map(|n| format!("`{n}`")).collect();
    format!("{} and {} more", shown.join(", "), count - SHOWN)
}
