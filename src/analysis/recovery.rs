//! Recovery time and standby (story 004): RTOs the estimate cannot meet, standbys too
//! small for what they cover, single points of failure, restores onto unlike hardware.
//! Every loss is estimated once (`estimate`); no rule loops over services × servers.

use super::estimate::{
    Assumptions, Estimator, Loss, Part, Recovery, Replacement, Timeline, Unsuitable,
};
use super::{list_some_names, Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{
    Bytes, Covered, Host, Plan, Runs, Seconds, ServerId, ServiceId, SiteId, StandbyId,
};
use crate::source::Span;
use crate::syntax::units::{format_duration, format_rate};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

use super::estimate::format_bytes;

pub(super) fn check(context: &Context, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let estimator = Estimator::new(context, Assumptions::of(plan));
    let by_server = Worst::over(plan, &estimator, plan.servers.len(), |index| {
        Loss::Server(ServerId(index))
    });
    let by_site = Worst::over(plan, &estimator, plan.sites.len(), |index| {
        Loss::Site(SiteId(index))
    });
    for (&index, miss) in by_server.misses.iter().chain(&by_site.misses) {
        out.push(rto_unmet(context, ServiceId(index), miss));
    }
    // A server's single point of failure first; a site's only if no server is one.
    let mut stranded = by_site.stranded;
    stranded.extend(by_server.stranded);
    for (index, cause) in &stranded {
        out.push(single_point_of_failure(context, ServiceId(*index), cause));
    }
    standby_too_small(context, out);
    unlike_hardware(context, &estimator, out);
}

/// A service's worst RTO miss over one kind of loss.
struct Miss {
    loss: Loss,
    rto: Seconds,
    timeline: Timeline,
}

/// A loss that leaves a service nowhere to run, and the standbys that could not help.
struct Stranded {
    loss: Loss,
    unsuitable: Vec<(StandbyId, Unsuitable)>,
}

/// Per service (by index, in order), the worst miss and the first stranding over every
/// loss of one kind. Sparse: on a large estate most services miss nothing, and a slot
/// per service cost 27 MB on 100,000.
#[derive(Default)]
struct Worst {
    misses: BTreeMap<u32, Miss>,
    stranded: BTreeMap<u32, Stranded>,
}

/// Losses a thread estimates at least, in a row.
const LOSSES_PER_THREAD: usize = 16;

impl Worst {
    /// The worst over `count` losses of one kind, estimated on every core. Each thread
    /// takes a run of losses in order and the runs are merged in order, so the result
    /// is the one a single thread gets.
    fn over(
        plan: &Plan,
        estimator: &Estimator,
        count: usize,
        loss: impl Fn(u32) -> Loss + Sync + Send,
    ) -> Worst {
        (0..count as u32)
            .into_par_iter()
            .with_min_len(LOSSES_PER_THREAD)
            .fold(Worst::default, |mut worst, index| {
                worst.add(plan, estimator, loss(index));
                worst
            })
            .reduce(Worst::default, Worst::then)
    }

    /// Keep `miss` as the service's worst unless one met before is as long.
    fn keep_worse(&mut self, index: u32, miss: Miss) {
        let is_worse = self
            .misses
            .get(&index)
            .is_none_or(|m| miss.timeline.total > m.timeline.total);
        if is_worse {
            self.misses.insert(index, miss);
        }
    }

    /// This worst followed by `later`'s losses: a later miss replaces one only if it is
    /// longer, a later stranding never replaces one, as in `add`.
    fn then(mut self, later: Worst) -> Worst {
        for (index, miss) in later.misses {
            self.keep_worse(index, miss);
        }
        for (index, stranded) in later.stranded {
            self.stranded.entry(index).or_insert(stranded);
        }
        self
    }

    fn add(&mut self, plan: &Plan, estimator: &Estimator, loss: Loss) {
        let outcome = estimator.estimate(loss);
        let totals: FxHashMap<ServiceId, Seconds> = outcome
            .services
            .iter()
            .filter_map(|s| match &s.recovery {
                Recovery::Timed(t) => Some((s.service, t.total)),
                _ => None,
            })
            .collect();
        let misses_rto = |service: ServiceId| {
            let rto = plan.services[service.index()].rto;
            matches!((rto, totals.get(&service)), (Some(rto), Some(&total)) if total > rto)
        };
        for entry in &outcome.services {
            let index = entry.service.0;
            match &entry.recovery {
                Recovery::Timed(timeline) => {
                    let Some(rto) = plan.services[index as usize].rto else {
                        continue;
                    };
                    if timeline.total <= rto {
                        continue;
                    }
                    // Late only because a needed service is late against its own rto:
                    // that service's diagnostic is the one to fix.
                    let is_consequence = timeline
                        .waiting
                        .is_some_and(|w| misses_rto(w.need) && timeline.total - w.seconds <= rto);
                    if !is_consequence {
                        let timeline = *timeline;
                        self.keep_worse(
                            index,
                            Miss {
                                loss,
                                rto,
                                timeline,
                            },
                        );
                    }
                }
                Recovery::NoPlaceToRun { unsuitable } => {
                    self.stranded.entry(index).or_insert_with(|| Stranded {
                        loss,
                        unsuitable: unsuitable.clone(),
                    });
                }
                // No surviving backup is the backup rules' finding; a blocked service's
                // cause is reported on the service it waits for.
                Recovery::NoSurvivingBackup | Recovery::Blocked { .. } => {}
            }
        }
    }
}

/// The name span and a description of a lost server or site.
fn loss_declaration(plan: &Plan, loss: Loss) -> (Span, String) {
    match loss {
        Loss::Server(id) => {
            let server = &plan.servers[id.index()];
            (server.span, format!("server `{}`", server.name))
        }
        Loss::Site(id) => {
            let site = &plan.sites[id.index()];
            (site.span, format!("site `{}`", site.name))
        }
    }
}

fn rto_unmet(context: &Context, id: ServiceId, miss: &Miss) -> Finding {
    let plan = context.plan;
    let service = &plan.services[id.index()];
    let timeline = &miss.timeline;
    let (code, loss_label) = match miss.loss {
        Loss::Server(_) => (Code::RtoUnmet, "when this server is lost"),
        Loss::Site(_) => (Code::RtoUnmetSiteLoss, "when this site is lost"),
    };
    let (loss_span, loss_name) = loss_declaration(plan, miss.loss);
    let mut diagnostic = Diagnostic::new(
        code,
        format!(
            "`{}` cannot meet its rto of {} when {loss_name} is lost: recovery takes {}",
            service.name,
            format_duration(miss.rto),
            format_duration(timeline.total)
        ),
    )
    .primary(
        service.span,
        format!(
            "{} > rto {}",
            timeline.describe(plan),
            format_duration(miss.rto)
        ),
    )
    .secondary(loss_span, loss_label);
    let mut subjects = vec![Subject::Service(id), loss_subject(miss.loss)];
    match timeline.replacement {
        Replacement::Standby { standby, ready_in } => {
            diagnostic = diagnostic.secondary(
                plan.standbys[standby.index()].span,
                format!(
                    "usable {} after the failure is noticed",
                    format_duration(ready_in)
                ),
            );
            subjects.push(Subject::Standby(standby));
        }
        Replacement::Failover { .. } => {}
    }
    if let Some(restore) = timeline.restore {
        let backup = &plan.backups[restore.backup.index()];
        let label = if restore.is_measured {
            format!("restored from here in {}", format_duration(restore.seconds))
        } else {
            format!("restored from here at {}", format_rate(restore.rate))
        };
        diagnostic = diagnostic.secondary(backup.span, label);
        subjects.push(Subject::Backup(restore.backup));
    }
    if let Some(waiting) = timeline.waiting {
        diagnostic = diagnostic.secondary(
            plan.services[waiting.need.index()].span,
            format!(
                "`{}` waits {} for this service",
                service.name,
                format_duration(waiting.seconds)
            ),
        );
    }
    let help = match timeline.dominant() {
        Part::Lead => match timeline.replacement {
            Replacement::Standby { standby, .. } => format!(
                "use a standby that is ready sooner than `{}` (a warm spare), a `failover` target that survives the loss, or a second host with `quorum`",
                plan.standbys[standby.index()].name
            ),
            Replacement::Failover { .. } => {
                "fail over to a target that is ready sooner (a shorter `after`)".to_string()
            }
        },
        Part::Restore => format!(
            "restore faster (a higher `restore-rate`, faster media), keep less data on `{}`, or give it a `failover` target that needs no restore",
            service.name
        ),
        Part::Queued => format!(
            "raise the plan's `restore-parallelism` (now {}) or make `{}` more critical so its restore goes first",
            plan.settings.restore_parallelism, service.name
        ),
        Part::Waiting => {
            let need = timeline.waiting.map_or("", |w| &plan.services[w.need.index()].name);
            format!("recover `{need}` sooner: `{}` cannot start before it", service.name)
        }
        Part::Boot => format!("shorten `{}`'s `boot`", service.name),
        Part::Detect => "notice failures sooner (the plan's `detect`)".to_string(),
    };
    Finding::new(diagnostic.help(help), subjects)
}

fn loss_subject(loss: Loss) -> Subject {
    match loss {
        Loss::Server(id) => Subject::Server(id),
        Loss::Site(id) => Subject::Site(id),
    }
}

/// Unsuitable standbys labelled in a `single-point-of-failure` finding.
const MAX_STANDBY_LABELS: usize = 5;

fn single_point_of_failure(context: &Context, id: ServiceId, cause: &Stranded) -> Finding {
    let plan = context.plan;
    let service = &plan.services[id.index()];
    let (loss_span, loss_name) = loss_declaration(plan, cause.loss);
    let primary = match (cause.loss, service.hosts.len()) {
        (Loss::Server(_), 1) => format!("runs only on {loss_name}"),
        (Loss::Server(_), _) => format!("too few of its hosts survive {loss_name}"),
        (Loss::Site(_), _) => format!("too few of its hosts survive outside {loss_name}"),
    };
    let mut diagnostic = Diagnostic::new(
        Code::SinglePointOfFailure,
        format!(
            "`{}` has nowhere to run when {loss_name} is lost",
            service.name
        ),
    )
    .primary(service.span, primary)
    .secondary(loss_span, "lost here, with nothing to take over");
    let mut subjects = vec![Subject::Service(id), loss_subject(cause.loss)];
    let mut needs_physical = false;
    for (n, &(standby, why)) in cause.unsuitable.iter().enumerate() {
        needs_physical |= why == Unsuitable::RunsVmImagesOnly;
        subjects.push(Subject::Standby(standby));
        // Each service is a finding: a label per standby made thousands of standbys
        // times thousands of services. The first few are shown, the rest named.
        if n >= MAX_STANDBY_LABELS {
            continue;
        }
        let label = match why {
            Unsuitable::LostWithSite => "covers it, but stands at the lost site",
            Unsuitable::RunsVmImagesOnly => {
                "covers it, but `runs vm-images` only and this is a physical server"
            }
            Unsuitable::CannotRunVms => "covers it, but cannot run vm images",
        };
        diagnostic = diagnostic.secondary(plan.standbys[standby.index()].span, label);
    }
    if let Some(rest) = cause.unsuitable.get(MAX_STANDBY_LABELS..) {
        diagnostic = diagnostic.note(format!(
            "{} more standbys cover it and cannot take it either: {}",
            rest.len(),
            list_some_names(rest.iter().map(|&(s, _)| &*plan.standbys[s.index()].name))
        ));
    }
    let target = match cause.loss {
        Loss::Server(s) => plan.servers[s.index()].name.as_str(),
        Loss::Site(s) => plan.sites[s.index()].name.as_str(),
    };
    let help = if needs_physical {
        format!(
            "run `{}` in a vm so a standby that runs vm-images can take it (story 004), or add a standby that runs physical servers and covers `{target}`",
            service.name
        )
    } else {
        format!(
            "add a standby that `covers {target}` (and stands elsewhere), a `failover` target, or a second host elsewhere with `quorum`"
        )
    };
    Finding::new(diagnostic.help(help), subjects)
}

/// What must move to a standby: summed cpu, memory and disk, and how many vms and
/// physical servers they come from.
#[derive(Debug, Clone, Copy, Default)]
struct Demand {
    cpu: u64,
    memory: Bytes,
    disk: Bytes,
    vms: usize,
    servers: usize,
}

impl Demand {
    fn add(&mut self, other: Demand) {
        self.cpu += other.cpu;
        self.memory += other.memory;
        self.disk += other.disk;
        self.vms += other.vms;
        self.servers += other.servers;
    }

    fn describe(self) -> String {
        let mut from = Vec::new();
        if self.vms > 0 {
            from.push(plural(self.vms, "vm"));
        }
        if self.servers > 0 {
            from.push(plural(self.servers, "physical server"));
        }
        format!(
            "{} need cpu {}, memory {}, disk {}",
            from.join(" and "),
            self.cpu,
            format_bytes(self.memory),
            format_bytes(self.disk)
        )
    }
}

fn show_count(count: u64) -> String {
    count.to_string()
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn standby_too_small(context: &Context, out: &mut Vec<Finding>) {
    let plan = context.plan;
    // Per server: its vms' sums, and its own size when it is a physical server.
    let mut vms = vec![Demand::default(); plan.servers.len()];
    for vm in &plan.vms {
        if let Some(host) = vm.host {
            vms[host.id.index()].add(Demand {
                cpu: vm.cpu.unwrap_or(0),
                memory: vm.memory.unwrap_or(0),
                disk: vm.image.unwrap_or(0),
                vms: 1,
                servers: 0,
            });
        }
    }
    let physical: Vec<Demand> = plan
        .servers
        .iter()
        .enumerate()
        .map(|(index, server)| {
            if server.is_hypervisor() || vms[index].vms > 0 {
                Demand::default()
            } else {
                Demand {
                    cpu: server.cpu.unwrap_or(0),
                    memory: server.memory.unwrap_or(0),
                    disk: server.disk.unwrap_or(0),
                    vms: 0,
                    servers: 1,
                }
            }
        })
        .collect();
    let mut site_vms = vec![Demand::default(); plan.sites.len()];
    let mut site_physical = vec![Demand::default(); plan.sites.len()];
    for (index, server) in plan.servers.iter().enumerate() {
        if let Some(site) = server.site {
            site_vms[site.id.index()].add(vms[index]);
            site_physical[site.id.index()].add(physical[index]);
        }
    }
    for (index, standby) in plan.standbys.iter().enumerate() {
        let id = StandbyId(index as u32);
        for covered in &standby.covers {
            let (mut demand, physical_part, span, name, subject) = match covered.id {
                Covered::Server(s) => {
                    let server = &plan.servers[s.index()];
                    (
                        vms[s.index()],
                        physical[s.index()],
                        server.span,
                        format!("server `{}`", server.name),
                        Subject::Server(s),
                    )
                }
                Covered::Site(s) => {
                    let site = &plan.sites[s.index()];
                    (
                        site_vms[s.index()],
                        site_physical[s.index()],
                        site.span,
                        format!("site `{}`", site.name),
                        Subject::Site(s),
                    )
                }
            };
            // A standby that runs vm images takes only the vms.
            if standby.runs != Runs::VmImages {
                demand.add(physical_part);
            }
            let dimensions = [
                (
                    "cpu",
                    standby.cpu,
                    demand.cpu,
                    show_count as fn(u64) -> String,
                ),
                ("memory", standby.memory, demand.memory, format_bytes),
                ("disk", standby.disk, demand.disk, format_bytes),
            ];
            let over: Vec<String> = dimensions
                .iter()
                .filter_map(|&(what, capacity, need, show)| {
                    let capacity = capacity?;
                    (need > capacity).then(|| format!("{what} {} > {}", show(need), show(capacity)))
                })
                .collect();
            if over.is_empty() {
                continue;
            }
            let capacity: Vec<String> = dimensions
                .iter()
                .filter_map(|&(what, capacity, _, show)| {
                    capacity.map(|c| format!("{what} {}", show(c)))
                })
                .collect();
            let diagnostic = Diagnostic::new(
                Code::StandbyTooSmall,
                format!(
                    "standby `{}` cannot hold what {name} runs: {}",
                    standby.name,
                    over.join(", ")
                ),
            )
            .primary(standby.span, format!("capacity {}", capacity.join(", ")))
            .secondary(span, format!("its {}", demand.describe()))
            .help(format!(
                "give `{}` at least cpu {} memory {} disk {}, split what it covers between two standbys, or move vms off {name}",
                standby.name,
                demand.cpu,
                format_bytes(demand.memory),
                format_bytes(demand.disk)
            ));
            out.push(Finding::new(diagnostic, [Subject::Standby(id), subject]));
        }
    }
}

fn unlike_hardware(context: &Context, estimator: &Estimator, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let mut has_vms = vec![false; plan.servers.len()];
    for vm in &plan.vms {
        if let Some(host) = vm.host {
            has_vms[host.id.index()] = true;
        }
    }
    // The first service that runs directly on each server.
    let mut direct: Vec<Option<ServiceId>> = vec![None; plan.servers.len()];
    for (index, service) in plan.services.iter().enumerate() {
        for host in &service.hosts {
            if let Host::Server(s) = host.id {
                direct[s.index()].get_or_insert(ServiceId(index as u32));
            }
        }
    }
    for (index, server) in plan.servers.iter().enumerate() {
        let Some(first) = direct[index] else {
            continue;
        };
        if server.is_hypervisor() || has_vms[index] {
            continue;
        }
        let id = ServerId(index as u32);
        let normalize = |m: &Option<String>| m.as_deref().map(|m| m.trim().to_lowercase());
        let ours = normalize(&server.model);
        // One finding per server, naming every unlike standby: a site's worth of
        // servers covered by a few standbys is one fix per server, not one per pair.
        let unlike: Vec<StandbyId> = estimator
            .standbys_covering(id)
            .into_iter()
            .filter(|&standby_id| {
                let standby = &plan.standbys[standby_id.index()];
                // One that runs only vm images cannot take it at all: a single point of
                // failure. One that allows the finding is left out of it.
                let theirs = normalize(&standby.model);
                standby.runs != Runs::VmImages
                    && !(theirs.is_some() && theirs == ours)
                    && !standby
                        .allows
                        .iter()
                        .any(|a| a.code == Code::UnlikeHardware)
            })
            .collect();
        let Some(&first_standby) = unlike.first() else {
            continue;
        };
        let show = |m: &Option<String>| match m {
            Some(m) => format!("model \"{m}\""),
            None => "no `model` stated".to_string(),
        };
        let service = &plan.services[first.index()].name;
        let standbys = match unlike.len() {
            1 => format!("standby `{}`", plan.standbys[first_standby.index()].name),
            _ => format!(
                "standbys {}",
                list_some_names(
                    unlike
                        .iter()
                        .map(|s| plan.standbys[s.index()].name.as_str())
                )
            ),
        };
        let mut diagnostic = Diagnostic::new(
            Code::UnlikeHardware,
            format!(
                "physical server `{}` would be restored onto unlike hardware ({standbys})",
                server.name
            ),
        )
        .primary(
            server.span,
            format!(
                "{}, runs `{service}` without a hypervisor",
                show(&server.model)
            ),
        );
        for standby_id in &unlike {
            let standby = &plan.standbys[standby_id.index()];
            diagnostic = diagnostic.secondary(standby.span, show(&standby.model));
        }
        let diagnostic = diagnostic
            .note("a bare-metal restore onto different hardware often fails to boot or needs new drivers (story 004)")
            .help(match &server.model {
                Some(model) => format!(
                    "run `{service}` in a vm so any host with a hypervisor can take it, or cover `{}` with a like-for-like standby (`model \"{model}\"`)",
                    server.name
                ),
                None => format!(
                    "run `{service}` in a vm so any host with a hypervisor can take it, or state both `model`s and cover `{}` with like-for-like hardware",
                    server.name
                ),
            });
        out.push(Finding::new(
            diagnostic,
            std::iter::once(Subject::Server(id)).chain(unlike.into_iter().map(Subject::Standby)),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (service, loss, total) of each miss, and (service, loss) of each stranding.
    type Summary = (Vec<(u32, Loss, Seconds)>, Vec<(u32, Loss)>);

    fn summary(worst: &Worst) -> Summary {
        (
            worst
                .misses
                .iter()
                .map(|(&i, m)| (i, m.loss, m.timeline.total))
                .collect(),
            worst.stranded.iter().map(|(&i, s)| (i, s.loss)).collect(),
        )
    }

    #[test]
    fn losses_estimated_on_many_threads_give_what_one_thread_gets() {
        // `db` needs all 40 servers of site a: each loss misses its RTO by as much, so
        // which loss is kept depends on the order they are met in. `lonely` needs the
        // first and the last server, at a site no standby covers: stranded by either.
        let servers: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
        let mut text = String::from(
            "plan p { rto 1m }\nsite a { kind datacenter }\nsite b { kind datacenter }\n\
             server t0 { site b }\n",
        );
        for server in &servers {
            text.push_str(&format!("server {server} {{ site a }}\n"));
        }
        text.push_str(&format!(
            "server t1 {{ site b }}\n\
             standby spare {{ ready-in 2h  covers a  capacity cpu 999 }}\n\
             service db {{ on {}  quorum 40  data 1GiB }}\n\
             backup nightly {{ of db  full every 1d  to b  tested every 30d }}\n\
             service lonely {{ on t0, t1  quorum 2 }}\n",
            servers.join(", ")
        ));
        let compiled = crate::compile(crate::load::load_text("test.dr", &text));
        let plan = compiled.plan.as_ref().expect("a plan");
        let graph = compiled.graph.as_ref().expect("a graph");
        let context = Context::new(plan, graph);
        let estimator = Estimator::new(&context, Assumptions::of(plan));
        let mut in_order = Worst::default();
        for index in 0..plan.servers.len() as u32 {
            in_order.add(plan, &estimator, Loss::Server(ServerId(index)));
        }
        let expected = summary(&in_order);
        let first = |name: &str| plan.servers.iter().position(|s| s.name == name);
        let first_loss = |name| Loss::Server(ServerId(first(name).expect(name) as u32));
        assert_eq!(expected.0.len(), 1, "db misses its RTO: {expected:?}");
        assert_eq!(expected.0[0].1, first_loss("s0"), "the first loss");
        assert_eq!(expected.1.len(), 1, "lonely is stranded: {expected:?}");
        assert_eq!(expected.1[0].1, first_loss("t0"), "the first loss");
        for threads in [1, 2, 7] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            let spread = pool.install(|| {
                Worst::over(plan, &estimator, plan.servers.len(), |i| {
                    Loss::Server(ServerId(i))
                })
            });
            assert_eq!(summary(&spread), expected, "{threads} threads");
        }
    }
}
