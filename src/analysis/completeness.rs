//! Completeness (NIST SP 800-34): objectives for every service, an RTO within the
//! maximum tolerable downtime, named owner and escalation, activation criteria and a
//! reconstitution check for every scenario.

use super::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{ScenarioId, ServiceId};
use crate::syntax::units::format_duration;

pub(super) fn check(context: &Context, out: &mut Vec<Finding>) {
    let plan = context.plan;
    for (index, service) in plan.services.iter().enumerate() {
        let subject = Subject::Service(ServiceId(index as u32));
        let missing: Vec<&str> = [("rto", service.rto), ("rpo", service.rpo)]
            .iter()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            let what = missing.join(" and ");
            out.push(Finding::new(
                Diagnostic::new(
                    Code::MissingObjective,
                    format!("service `{}` has no {what}", service.name),
                )
                .primary(service.span, format!("no {what} from the service, its tier, `defaults service` or the plan"))
                .help(format!(
                    "say how long `{}` may be down and how much data it may lose: set `{}` on it, on its tier, or in the `plan` block",
                    service.name,
                    missing.join("` and `")
                )),
                [subject],
            ));
        }
        if let (Some(rto), Some(mtd)) = (service.rto, service.mtd) {
            if rto > mtd {
                out.push(Finding::new(
                    Diagnostic::new(
                        Code::RtoExceedsMtd,
                        format!(
                            "service `{}` may take {} to recover but can only be down {}",
                            service.name,
                            format_duration(rto),
                            format_duration(mtd)
                        ),
                    )
                    .primary(service.span, format!("rto {} > mtd {}", format_duration(rto), format_duration(mtd)))
                    .help("the recovery time objective must fit inside the maximum tolerable downtime: lower `rto` or, if the business agrees, raise `mtd`"),
                    [subject],
                ));
            }
        }
    }
    let plan_label = |d: Diagnostic| match plan.settings.span {
        Some(span) => d.primary(span, "in this plan"),
        None => d,
    };
    if plan.settings.owner.is_none() {
        out.push(Finding::new(
            plan_label(Diagnostic::new(Code::MissingOwner, "the plan names no owner"))
                .help("add `owner ROLE` to the `plan` block: the person accountable for keeping it current"),
            [Subject::Plan],
        ));
    }
    if plan.settings.escalation.is_none() {
        out.push(Finding::new(
            plan_label(Diagnostic::new(
                Code::MissingEscalation,
                "the plan names no escalation contact",
            ))
            .help("add `escalation ROLE` to the `plan` block: who decides when recovery stalls"),
            [Subject::Plan],
        ));
    }
    for (index, scenario) in plan.scenarios.iter().enumerate() {
        // Only scripted failures get a runbook; pure Monte Carlo runs need neither.
        if scenario.events.is_empty() {
            continue;
        }
        let subject = Subject::Scenario(ScenarioId(index as u32));
        if scenario.activation.is_none() {
            out.push(Finding::new(
                Diagnostic::new(
                    Code::MissingActivation,
                    format!("scenario `{}` does not say when the plan is activated", scenario.name),
                )
                .primary(scenario.span, "no `activation` criteria")
                .help("add `activation \"…\"`: the observable condition that makes someone declare the incident"),
                [subject],
            ));
        }
        if scenario.reconstitution.is_none() {
            out.push(Finding::new(
                Diagnostic::new(
                    Code::MissingReconstitution,
                    format!("scenario `{}` has no reconstitution check", scenario.name),
                )
                .primary(scenario.span, "no `reconstitution` check")
                .help("add `reconstitution \"…\"`: how the team validates recovery before handing back to users"),
                [subject],
            ));
        }
    }
}
