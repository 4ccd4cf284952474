//! The restore runbook of a scenario, in the phases of NIST SP 800-34: activation and
//! notification, recovery, reconstitution. The times come from the scripted replay
//! (`simulate::scripted`), so a runbook's clock and the simulator never disagree.

use super::document::{Action, Drill, Phase, Runbook, RunbookKind, Step, FORMAT_VERSION};
use super::index::PlanIndex;
use super::{action, fill_clock, gate, set_timeouts, sort_steps, step, who, Contacts};
use crate::analysis::estimate::format_bytes;
use crate::graph::Graph;
use crate::model::{Plan, ScenarioId, Seconds, ServiceId};
use crate::simulate::scripted::{
    self, failed_verification, Happening, Venue, DISK_SWAP, ROLLBACK_COMMAND, SNAPSHOT_REVERT,
};
use crate::syntax::units::{format_duration, format_rate};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// What the replay says about one service.
#[derive(Default)]
struct Trace {
    /// Lost itself (not only unavailable because of a need).
    is_lost: bool,
    /// Why it went down, in the timeline's words.
    cause: Option<String>,
    /// The service it waited for when it was only unavailable.
    unavailable_for: Vec<String>,
    /// When its place to run was ready, that place in words, and which it is.
    place: Option<(Seconds, String, Venue)>,
    /// The restore that finished: start, backup, data, rate, seconds, older point.
    restore: Option<RestoreTrace>,
    aborted: Vec<String>,
    restored_at: Option<Seconds>,
    back_at: Option<Seconds>,
    not_recovered: Option<String>,
}

#[derive(Clone)]
struct RestoreTrace {
    start: Seconds,
    backup: Option<String>,
    data: Option<u64>,
    rate: Option<f64>,
    seconds: Seconds,
    is_fallback: bool,
}

/// Build the restore runbook of one scenario of a compiled plan without errors.
pub fn scenario(plan: &Plan, graph: &Graph, id: ScenarioId) -> Runbook {
    let record = &plan.scenarios[id.index()];
    let report = scripted::run(plan, graph, id);
    let index = PlanIndex::new(plan);
    let service_id = |name: &str| index.service(name);
    // The replay's result per service; the first, as `Report::service` finds it.
    let mut reported: FxHashMap<&str, &scripted::ServiceReport> = FxHashMap::default();
    for r in &report.services {
        reported.entry(r.service.as_str()).or_insert(r);
    }

    let mut traces: BTreeMap<ServiceId, Trace> = BTreeMap::new();
    let mut detected: Option<Seconds> = None;
    let mut no_go: Vec<(String, String)> = Vec::new();
    for entry in &report.timeline {
        let at = entry.time.seconds;
        match &entry.event {
            Happening::Down { services, cause } => {
                for s in services.iter().filter_map(|s| service_id(s)) {
                    let trace = traces.entry(s).or_default();
                    trace.is_lost = true;
                    trace.cause.get_or_insert_with(|| cause.clone());
                }
            }
            Happening::Unavailable { services, need } => {
                for s in services.iter().filter_map(|s| service_id(s)) {
                    traces
                        .entry(s)
                        .or_default()
                        .unavailable_for
                        .push(need.clone());
                }
            }
            Happening::Detected { .. } => {
                detected.get_or_insert(at);
            }
            Happening::NoGo { change, rollback } => no_go.push((change.clone(), rollback.clone())),
            Happening::PlaceReady {
                services,
                place,
                venue,
            } => {
                for s in services.iter().filter_map(|s| service_id(s)) {
                    traces.entry(s).or_default().place = Some((at, place.clone(), venue.clone()));
                }
            }
            Happening::RestoreStarted {
                service,
                backup,
                data,
                rate,
                seconds,
                is_fallback,
            } => {
                if let Some(s) = service_id(service) {
                    traces.entry(s).or_default().restore = Some(RestoreTrace {
                        start: at,
                        backup: backup.clone(),
                        data: *data,
                        rate: *rate,
                        seconds: *seconds,
                        is_fallback: *is_fallback,
                    });
                }
            }
            Happening::RestoreAborted { service, backup } => {
                if let Some(s) = service_id(service) {
                    traces.entry(s).or_default().aborted.push(backup.clone());
                }
            }
            Happening::Restored { service } => {
                if let Some(s) = service_id(service) {
                    traces.entry(s).or_default().restored_at = Some(at);
                }
            }
            Happening::Back { services } => {
                for s in services.iter().filter_map(|s| service_id(s)) {
                    traces.entry(s).or_default().back_at = Some(at);
                }
            }
            Happening::NotRecovered { service, reason } => {
                if let Some(s) = service_id(service) {
                    traces.entry(s).or_default().not_recovered = Some(reason.clone());
                }
            }
            Happening::Failed { .. }
            | Happening::Corrupted { .. }
            | Happening::VerificationFailed { .. } => {}
        }
    }
    let detect_at = detected.unwrap_or(record.detect);

    // Services in the order they come back (what others need first), then the rest.
    let mut order: Vec<ServiceId> = traces.keys().copied().collect();
    order.sort_by_key(|s| (traces[s].back_at.unwrap_or(Seconds::MAX), *s));

    let owner = plan.settings.owner.map(|r| r.id);
    let escalation = plan.settings.escalation.map(|r| r.id);
    let escalate_to =
        who(plan, escalation.or(owner)).unwrap_or_else(|| "the plan's escalation".to_string());
    let mut contacts = Contacts::default();
    contacts.add(owner, "owner");
    contacts.add(escalation, "escalation");
    for s in &order {
        contacts.add(plan.services[s.index()].owner.map(|r| r.id), "owner");
    }

    let name = |s: ServiceId| plan.services[s.index()].name.to_string();
    let lost_names: Vec<String> = order
        .iter()
        .filter(|s| traces[s].is_lost)
        .map(|&s| name(s))
        .collect();
    let mut steps: Vec<Step> = Vec::new();

    // ---------------------------------------------------------------- activation
    let criteria = record.activation.clone().unwrap_or_else(|| {
        if lost_names.is_empty() {
            "the failures of this scenario are confirmed".to_string()
        } else {
            format!("{} are down", lost_names.join(", "))
        }
    });
    let mut declare = step(
        "declare",
        Phase::Activation,
        format!("Declare the incident: {}", record.name),
        Action::manual(format!(
            "Declare a disaster when: {criteria}. Down: {}. Start the incident log with the time of the failure.",
            if lost_names.is_empty() { "nothing".to_string() } else { lost_names.join(", ") }
        )),
    );
    declare.owner = owner.map(|r| plan.roles[r.index()].name.to_string());
    declare.expected_seconds = detect_at;
    declare.clock_seconds = detect_at;
    declare.on_failure = format!("If the owner cannot be reached, {escalate_to} declares.");
    steps.push(declare);

    let mut calls: Vec<String> = Vec::new();
    if let Some(e) = who(plan, escalation) {
        calls.push(format!("escalation {e}"));
    }
    let mut called: FxHashSet<String> = calls.iter().cloned().collect();
    for &s in &order {
        if let Some(o) = who(plan, plan.services[s.index()].owner.map(|r| r.id)) {
            let call = format!("owner of {} {o}", name(s));
            if called.insert(call.clone()) {
                calls.push(call);
            }
        }
    }
    let mut downtime: Vec<String> = Vec::new();
    for &s in &order {
        if let Some(text) = plan.services[s.index()].activation() {
            downtime.push(format!("{}: {text}", name(s)));
        }
    }
    let mut notify = step(
        "notify",
        Phase::Activation,
        "Call the people on the contact list and start downtime procedures",
        Action::manual(format!(
            "Call {}.{}",
            if calls.is_empty() {
                "the plan's owner".to_string()
            } else {
                calls.join("; ")
            },
            if downtime.is_empty() {
                String::new()
            } else {
                format!(" Downtime procedures: {}.", downtime.join("; "))
            }
        )),
    );
    notify.owner = steps[0].owner.clone();
    notify.after = vec!["declare".into()];
    notify.clock_seconds = detect_at;
    notify.on_failure = format!("Use each role's deputy; if nobody answers, call {escalate_to}.");
    steps.push(notify);

    // ---------------------------------------------------------------- recovery
    let owner_of = |s: ServiceId| {
        plan.services[s.index()]
            .owner
            .or(plan.settings.owner)
            .map(|r| plan.roles[r.id.index()].name.to_string())
    };
    // The step after which a service's data and place are ready, and after which it is up.
    let mut ready_step: BTreeMap<ServiceId, String> = BTreeMap::new();
    let mut up_step: BTreeMap<ServiceId, String> = BTreeMap::new();
    let mut failbacks: Vec<(ServiceId, String, Seconds)> = Vec::new();
    // A standby, disk swap or rollback is one step however many services it serves.
    let mut placed: FxHashSet<String> = FxHashSet::default();
    let mut restores = 0;
    for &s in &order {
        let trace = &traces[&s];
        let service = &plan.services[s.index()];
        if let Some(reason) = &trace.not_recovered {
            let mut escalate = step(
                format!("escalate.{}", service.name),
                Phase::Recovery,
                format!("No recovery for {}: escalate", service.name),
                Action::manual(format!(
                    "{} cannot come back in this scenario ({reason}). Keep its downtime procedure running{} and agree the next step with {escalate_to}.",
                    service.name,
                    service
                        .activation()
                        .map_or(String::new(), |a| format!(" ({a})"))
                )),
            );
            escalate.owner = owner_of(s);
            escalate.after = vec!["notify".into()];
            escalate.clock_seconds = detect_at;
            escalate.on_failure = format!("Call {escalate_to}.");
            steps.push(escalate);
            continue;
        }
        if !trace.is_lost {
            continue;
        }
        let mut previous = "notify".to_string();
        // The no-go of the change that took this service down, if one did.
        let own_no_go = no_go.iter().find(|(change, _)| {
            trace.cause.as_deref() == Some(failed_verification(change).as_str())
        });
        if let Some((at, _, venue)) = &trace.place {
            if let Some(place_step) = place_step(
                plan,
                &index,
                s,
                *at,
                venue,
                own_no_go,
                detect_at,
                &escalate_to,
            ) {
                previous = place_step.id.clone();
                if placed.insert(place_step.id.clone()) {
                    steps.push(place_step);
                }
                match venue {
                    Venue::Failover(target) => {
                        failbacks.push((s, target.clone(), plan_failover_after(plan, s)));
                    }
                    Venue::Standby(standby) => failbacks.push((s, format!("standby {standby}"), 0)),
                    Venue::OwnHost
                    | Venue::NewDisk(_)
                    | Venue::Rebuilt { .. }
                    | Venue::Rollback => {}
                }
            }
        }
        // A `rollback restore-snapshot` reverts outside the restore queue: the timeline
        // shows no restore for it, only the service restored.
        let snapshot_no_go = own_no_go.filter(|(_, r)| r == "restore-snapshot");
        if let (None, None, Some(at), Some((change, _))) = (
            &trace.place,
            &trace.restore,
            trace.restored_at,
            snapshot_no_go,
        ) {
            let mut revert = step(
                format!("revert.{}", service.name),
                Phase::Recovery,
                format!(
                    "Revert {} to the snapshot taken before {change}",
                    service.name
                ),
                Action::manual(format!(
                    "No-go for {change}: revert {} to the snapshot taken right before the change; expected {}.",
                    service.name,
                    format_duration(SNAPSHOT_REVERT)
                )),
            );
            revert.owner = owner_of(s);
            revert.after = vec![previous.clone()];
            revert.expected_seconds = SNAPSHOT_REVERT;
            revert.clock_seconds = at;
            revert.drill = Drill::Skip;
            revert.on_failure = format!("Stop and call {escalate_to}.");
            previous = revert.id.clone();
            steps.push(revert);
        }
        if let Some(restore) = &trace.restore {
            restores += 1;
            let backup = restore.backup.as_ref().and_then(|b| index.backup(b));
            let what = match (restore.data, restore.rate) {
                (Some(data), Some(rate)) => format!(
                    " ({}; expected {} at {})",
                    format_bytes(data),
                    format_duration(restore.seconds),
                    format_rate(rate)
                ),
                _ => format!(" (expected {})", format_duration(restore.seconds)),
            };
            let (title, instruction) = match (&restore.backup, backup) {
                (Some(b), Some(record)) => {
                    let to = record.to.map(|l| match l.id {
                        crate::model::Location::Site(id) => plan.sites[id.index()].name.to_string(),
                        crate::model::Location::Storage(id) => {
                            plan.storage[id.index()].name.to_string()
                        }
                    });
                    (
                        format!("Restore {} from {b}", service.name),
                        format!(
                            "Restore {} from the {} restore point of {b}{}{what}.",
                            service.name,
                            if restore.is_fallback {
                                "previous"
                            } else {
                                "newest"
                            },
                            to.map_or(String::new(), |t| format!(" on {t}"))
                        ),
                    )
                }
                _ => (
                    format!(
                        "Revert {} to the snapshot taken before the change",
                        service.name
                    ),
                    format!(
                        "Revert {} to the snapshot taken right before the change{what}.",
                        service.name
                    ),
                ),
            };
            let command = if restore.is_fallback {
                None
            } else {
                backup.and_then(|b| b.restore_command())
            };
            let mut restore_step = step(
                format!("restore.{}", service.name),
                Phase::Recovery,
                title,
                action(command, || instruction),
            );
            restore_step.owner = owner_of(s);
            restore_step.after = vec![previous.clone()];
            restore_step.expected_seconds = restore.seconds;
            restore_step.clock_seconds =
                trace.restored_at.unwrap_or(restore.start + restore.seconds);
            restore_step.drill = match backup.and_then(|b| b.drill_command().map(str::to_string)) {
                Some(command) => Drill::Substitute { command },
                None => Drill::Skip,
            };
            let others: Vec<String> = index
                .backups_of(s)
                .iter()
                .filter(|b| Some(b.name.as_str()) != restore.backup.as_deref())
                .map(|b| b.name.to_string())
                .collect();
            restore_step.on_failure = format!(
                "Do not restart the restore blindly. Check the restore point; restore from {}{}, and tell {escalate_to}.",
                restore
                    .backup
                    .as_ref()
                    .map_or("the backup taken before the change".to_string(), |b| format!("the previous restore point of {b}")),
                if others.is_empty() { String::new() } else { format!(" or from {}", others.join(", ")) }
            );
            if !trace.aborted.is_empty() {
                restore_step.on_failure.push_str(&format!(
                    " (This scenario expects the newest restore point of {} to be corrupt.)",
                    trace.aborted.join(", ")
                ));
            }
            previous = restore_step.id.clone();
            steps.push(restore_step);
        }
        ready_step.insert(s, previous.clone());
        // Everything but a failover or a rollback procedure ends with a start.
        let needs_boot = !trace
            .place
            .as_ref()
            .is_some_and(|(_, _, venue)| matches!(venue, Venue::Failover(_) | Venue::Rollback));
        if needs_boot {
            let mut boot = step(
                format!("boot.{}", service.name),
                Phase::Recovery,
                format!("Start {}", service.name),
                action(service.start_command(), || {
                    format!(
                        "Start {} on {}; expected {}.",
                        service.name,
                        trace
                            .place
                            .as_ref()
                            .map_or_else(|| hosts(plan, s), |(_, p, _)| p.replace('`', "")),
                        format_duration(service.boot)
                    )
                }),
            );
            boot.owner = owner_of(s);
            boot.after = vec![previous.clone()];
            boot.expected_seconds = service.boot;
            boot.clock_seconds = trace.back_at.unwrap_or(0);
            boot.drill = Drill::Skip;
            boot.gate = gate(service.check_command(), service.boot);
            boot.on_failure = format!(
                "Check the logs of {}; do not start the services that need it. Tell {escalate_to}.",
                service.name
            );
            previous = boot.id.clone();
            steps.push(boot);
        }
        up_step.insert(s, previous);
    }
    // Dependencies between the lost services: a service starts once what it needs is up.
    let mut waits: Vec<(usize, Vec<String>)> = Vec::new();
    {
        let mut first_with_id: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, x) in steps.iter().enumerate() {
            first_with_id.entry(x.id.as_str()).or_insert(i);
        }
        for &s in &order {
            let Some(up) = up_step.get(&s) else { continue };
            // Only a service's own steps wait for its needs (not a shared standby or the call).
            let own = format!(".{}", plan.services[s.index()].name);
            if !up.ends_with(&own) || up.starts_with("standby.") {
                continue;
            }
            let needs: Vec<String> = plan.services[s.index()]
                .needs
                .iter()
                .filter_map(|n| up_step.get(&n.id))
                .cloned()
                .collect();
            if let Some(&first) = first_with_id.get(up.as_str()) {
                waits.push((first, needs));
            }
        }
    }
    for (first, needs) in waits {
        let first = &mut steps[first];
        let mut listed: FxHashSet<String> = first.after.iter().cloned().collect();
        for need in needs {
            if need != first.id && listed.insert(need.clone()) {
                first.after.push(need);
            }
        }
    }
    if restores > 1 {
        for x in steps.iter_mut().filter(|x| x.id.starts_with("restore.")) {
            x.group = Some("restore".into());
        }
    }

    // Verification of every service that was down and came back.
    let mut verified: Vec<String> = Vec::new();
    for &s in &order {
        let trace = &traces[&s];
        let Some(back) = trace.back_at else { continue };
        let service = &plan.services[s.index()];
        let after: Vec<String> = if let Some(up) = up_step.get(&s) {
            vec![up.clone()]
        } else {
            let needs: Vec<String> = trace
                .unavailable_for
                .iter()
                .filter_map(|n| service_id(n))
                .filter_map(|n| up_step.get(&n).cloned())
                .collect();
            if needs.is_empty() {
                vec!["notify".to_string()]
            } else {
                needs
            }
        };
        let mut verify = step(
            format!("verify.{}", service.name),
            Phase::Recovery,
            format!("Verify {} serves", service.name),
            action(service.check_command(), || {
                let mut text = format!("Check that {} serves: run its smoke test", service.name);
                if trace.restore.is_some() {
                    text.push_str(" and an integrity check of the restored data");
                }
                if let Some(lost) = reported
                    .get(service.name.as_str())
                    .and_then(|r| r.data_lost)
                    .filter(|&l| l > 0)
                {
                    text.push_str(&format!(
                        "; expect up to {} of data lost and list what must be re-entered",
                        format_duration(lost)
                    ));
                }
                text.push('.');
                text
            }),
        );
        verify.owner = owner_of(s);
        verify.after = after;
        verify.clock_seconds = back;
        verify.on_failure = format!(
            "Keep users off {}: repeat its boot, or restore again from the previous restore point; tell {escalate_to}.",
            service.name
        );
        verified.push(verify.id.clone());
        steps.push(verify);
    }
    let back_at = order
        .iter()
        .filter_map(|s| traces[s].back_at)
        .max()
        .unwrap_or(detect_at);
    let mut users: Vec<String> = order
        .iter()
        .filter(|s| traces[s].back_at.is_some() && plan.services[s.index()].is_user_facing)
        .map(|&s| name(s))
        .collect();
    if users.is_empty() {
        users.push("the recovered services".to_string());
    }
    let mut handback = step(
        "hand-back",
        Phase::Recovery,
        "Hand back to users",
        Action::manual(format!(
            "Tell the users of {} that they are back; end the downtime procedures and re-enter what was recorded on paper.",
            users.join(", ")
        )),
    );
    handback.owner = steps[0].owner.clone();
    handback.after = if verified.is_empty() {
        vec!["notify".into()]
    } else {
        verified
    };
    handback.clock_seconds = back_at;
    handback.on_failure = format!("Keep the downtime procedures running and call {escalate_to}.");
    steps.push(handback);

    // ---------------------------------------------------------------- reconstitution
    let recovered = steps.len();
    let mut validate = step(
        "validate",
        Phase::Reconstitution,
        "Validate the recovered systems",
        Action::manual(record.reconstitution.clone().unwrap_or_else(|| {
            "Every recovered service passes its checks and its data is complete.".to_string()
        })),
    );
    validate.owner = steps[0].owner.clone();
    validate.after = vec!["hand-back".into()];
    validate.on_failure = format!("Stay in recovery; call {escalate_to}.");
    steps.push(validate);
    // Fail back in reverse dependency order: what needs others first.
    let moved: Vec<ServiceId> = failbacks.iter().map(|(s, _, _)| *s).collect();
    let is_moved: FxHashSet<ServiceId> = moved.iter().copied().collect();
    // Per moved service, the moved services that need it, in the order they moved.
    let mut dependants_of: FxHashMap<ServiceId, Vec<ServiceId>> = FxHashMap::default();
    for &d in &moved {
        for need in &plan.services[d.index()].needs {
            if is_moved.contains(&need.id) {
                let dependants = dependants_of.entry(need.id).or_default();
                // A need written twice still makes one dependant.
                if dependants.last() != Some(&d) {
                    dependants.push(d);
                }
            }
        }
    }
    let mut last_failback = vec!["validate".to_string()];
    for (s, place, after) in failbacks.iter().rev() {
        let service = &plan.services[s.index()];
        let trace = &traces[s];
        let copy = trace.restore.as_ref().map_or(0, |r| r.seconds);
        let dependants: Vec<String> = dependants_of
            .get(s)
            .into_iter()
            .flatten()
            .map(|d| format!("failback.{}", plan.services[d.index()].name))
            .collect();
        let mut failback = step(
            format!("failback.{}", service.name),
            Phase::Reconstitution,
            format!("Fail {} back to {}", service.name, hosts(plan, *s)),
            Action::manual(format!(
                "Once {} {} repaired, {} and move users back; expected {}.",
                hosts(plan, *s),
                if service.hosts.len() == 1 {
                    "is"
                } else {
                    "are"
                },
                // A service without data has nothing to copy back.
                if service.data.unwrap_or(0) > 0 {
                    format!(
                        "copy {}'s data back from {place}, start it there",
                        service.name
                    )
                } else {
                    format!("start {} there instead of on {place}", service.name)
                },
                format_duration(copy + after + service.boot)
            )),
        );
        failback.owner = owner_of(*s);
        failback.after = if dependants.is_empty() {
            vec!["validate".into()]
        } else {
            dependants
        };
        failback.expected_seconds = copy + after + service.boot;
        failback.drill = Drill::Skip;
        failback.gate = gate(service.check_command(), service.boot);
        failback.on_failure = format!(
            "Keep {} running where it is and call {escalate_to}.",
            service.name
        );
        last_failback = vec![failback.id.clone()];
        steps.push(failback);
    }
    if moved.len() > 1 {
        last_failback = moved
            .iter()
            .filter(|s| {
                !plan.services[s.index()]
                    .needs
                    .iter()
                    .any(|n| is_moved.contains(&n.id))
            })
            .map(|s| format!("failback.{}", plan.services[s.index()].name))
            .collect();
    }
    let mut standbys: Vec<String> = steps
        .iter()
        .filter_map(|x| x.id.strip_prefix("standby."))
        .map(str::to_string)
        .collect();
    standbys.dedup();
    let mut closing_after = last_failback.clone();
    for standby in standbys {
        let mut release = step(
            format!("release.{standby}"),
            Phase::Reconstitution,
            format!("Release standby {standby}"),
            Action::manual(format!(
                "When nothing runs on {standby} any more, return it to its ready state (or to the provider) and record the hours it was used."
            )),
        );
        release.owner = steps[0].owner.clone();
        release.after = last_failback.clone();
        release.drill = Drill::Skip;
        release.on_failure = "Keep it until the owner decides.".to_string();
        closing_after = vec![release.id.clone()];
        steps.push(release);
    }
    let mut close = step(
        "close",
        Phase::Reconstitution,
        "Close the incident",
        Action::manual("Deactivate the plan: tell everyone on the contact list, write up the timeline against the RTO, test-restore the backups used, and update this plan with what was learned.".to_string()),
    );
    close.owner = steps[0].owner.clone();
    close.after = closing_after;
    close.on_failure = "Record what is missing in the incident log.".to_string();
    steps.push(close);

    set_timeouts(&mut steps);
    fill_clock(&mut steps, recovered);
    let steps = sort_steps(steps);

    // The bar of this scenario: a service's `expect … rto` here, else its own RTO.
    let expected_rto = |s: &ServiceId| {
        record
            .expectations
            .iter()
            .find(|e| e.service.id == *s)
            .and_then(|e| e.rto)
    };
    let rto = order
        .iter()
        .filter(|s| traces[s].is_lost || !traces[s].unavailable_for.is_empty())
        .filter_map(|s| {
            expected_rto(s)
                .or(plan.services[s.index()].rto)
                .or(plan.settings.rto)
        })
        .min()
        .or(plan.settings.rto);
    Runbook {
        format: FORMAT_VERSION,
        plan: plan.name.to_string(),
        kind: RunbookKind::Scenario,
        name: record.name.to_string(),
        title: record.description.clone().unwrap_or_else(|| {
            format!(
                "Recover from scenario {} of plan {}",
                record.name, plan.name
            )
        }),
        rto_seconds: rto,
        parallelism: record.restore_parallelism.clamp(1, u64::from(u32::MAX)) as u32,
        contacts: contacts.build(plan),
        steps,
    }
}

/// A `failover` switch-over time of a service, if it declares one.
fn plan_failover_after(plan: &Plan, service: ServiceId) -> Seconds {
    plan.services[service.index()]
        .failover()
        .map_or(0, |f| f.after)
}

/// The service's hosts, as written.
fn hosts(plan: &Plan, service: ServiceId) -> String {
    plan.services[service.index()]
        .hosts
        .iter()
        .map(|h| plan.host_name(h.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The step that makes a lost service's new place ready: a standby, a failover, a
/// disk swap, a rebuilt vm or a rollback procedure; none when it runs again on its own
/// host.
#[allow(clippy::too_many_arguments)]
fn place_step(
    plan: &Plan,
    index: &PlanIndex,
    service: ServiceId,
    at: Seconds,
    venue: &Venue,
    own_no_go: Option<&(String, String)>,
    detect_at: Seconds,
    escalate_to: &str,
) -> Option<Step> {
    let record = &plan.services[service.index()];
    let owner = record
        .owner
        .or(plan.settings.owner)
        .map(|r| plan.roles[r.id.index()].name.to_string());
    if let Venue::Standby(name) = venue {
        let standby = index.standby(name)?;
        let mut activate = step(
            format!("standby.{name}"),
            Phase::Recovery,
            format!("Activate standby {name}"),
            action(standby.activate_command.as_deref(), || {
                format!(
                    "Call for standby {name}{}{}; it is usable {} after the call.",
                    standby
                        .contract
                        .as_ref()
                        .map_or(String::new(), |c| format!(" under contract {c}")),
                    standby.site.map_or(String::new(), |s| format!(
                        " at {}",
                        plan.sites[s.id.index()].name
                    )),
                    format_duration(standby.ready_in)
                )
            }),
        );
        activate.owner = plan
            .settings
            .owner
            .map(|r| plan.roles[r.id.index()].name.to_string());
        activate.after = vec!["notify".into()];
        activate.expected_seconds = standby.ready_in;
        activate.clock_seconds = at;
        activate.drill = Drill::Skip;
        activate.on_failure = format!(
            "Chase the provider; if {name} cannot be ready in time, tell {escalate_to} and keep the downtime procedures running."
        );
        return Some(activate);
    }
    if let Venue::Failover(target) = venue {
        let mut failover = step(
            format!("failover.{}", record.name),
            Phase::Recovery,
            format!("Fail {} over to {target}", record.name),
            Action::manual(format!(
                "Switch {} over to {target}; expected {}.",
                record.name,
                format_duration(at.saturating_sub(detect_at))
            )),
        );
        failover.owner = owner;
        failover.after = vec!["notify".into()];
        failover.expected_seconds = at.saturating_sub(detect_at);
        failover.clock_seconds = at;
        failover.drill = Drill::Skip;
        failover.gate = gate(record.check_command(), failover.expected_seconds);
        failover.on_failure = format!(
            "Do not retry blindly: restore {} from its backup instead and tell {escalate_to}.",
            record.name
        );
        return Some(failover);
    }
    if let Venue::NewDisk(server) = venue {
        let mut swap = step(
            format!("repair.{server}"),
            Phase::Recovery,
            format!("Replace the failed disk of {server}"),
            Action::manual(format!(
                "Replace the failed disk of {server} and reinstall its system; expected {}.",
                format_duration(DISK_SWAP)
            )),
        );
        swap.owner = owner;
        swap.after = vec!["notify".into()];
        swap.expected_seconds = at.saturating_sub(detect_at);
        swap.clock_seconds = at;
        swap.drill = Drill::Skip;
        swap.on_failure = format!("Use a spare server if one is at hand; tell {escalate_to}.");
        return Some(swap);
    }
    if let Venue::Rebuilt { vm, server } = venue {
        let image = plan
            .vms
            .iter()
            .find(|v| v.name == *vm)
            .and_then(|v| v.image)
            .map_or(String::new(), |size| {
                format!(" ({} image)", format_bytes(size))
            });
        let mut rebuild = step(
            format!("rebuild.{vm}"),
            Phase::Recovery,
            format!("Rebuild vm {vm} on {server}"),
            Action::manual(format!(
                "Create vm {vm} again on {server} from its template{image}, with its network and storage, ready for the restore of its data."
            )),
        );
        rebuild.owner = owner;
        rebuild.after = vec!["notify".into()];
        rebuild.clock_seconds = at;
        rebuild.drill = Drill::Skip;
        rebuild.on_failure = format!(
            "If {server} cannot host it, build {vm} on another host and tell {escalate_to}."
        );
        return Some(rebuild);
    }
    if *venue == Venue::Rollback {
        // A rollback procedure is a described one: not a snapshot or backup restore,
        // which come back through the restore steps.
        let (change, rollback) =
            own_no_go.filter(|(_, r)| r != "restore-snapshot" && r != "restore-backup")?;
        let text = rollback.trim_start_matches("rollback ").to_string();
        let mut procedure = step(
            format!("rollback.{change}"),
            Phase::Recovery,
            format!("Roll back {change}"),
            Action::manual(format!("No-go for {change}: {text}.")),
        );
        procedure.owner = owner;
        procedure.after = vec!["notify".into()];
        procedure.expected_seconds = ROLLBACK_COMMAND;
        procedure.clock_seconds = at;
        procedure.drill = Drill::Skip;
        procedure.on_failure = format!("Stop and call {escalate_to}.");
        return Some(procedure);
    }
    None
}
