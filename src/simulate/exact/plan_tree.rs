//! The plan's failure structure as a fault tree: which component failures take each
//! service down. Builds only the structure; evaluation is `structure`'s job.

use super::structure::{FaultTree, GateKind, Input};
use super::{Basis, Options};
use crate::graph::Graph;
use crate::model::{Component, FailoverTarget, Failure, Host, Plan, ServiceId};
use petgraph::algo::tarjan_scc;

/// A fault tree whose events and gates carry the names of the plan's components.
#[derive(Debug)]
pub(crate) struct PlanTree {
    pub tree: FaultTree,
    /// Open-PSA name of each basic event, and the component and basis behind it.
    pub events: Vec<EventSource>,
    /// Open-PSA name of each gate.
    pub gate_names: Vec<String>,
    /// The event "service is down", per service.
    pub services: Vec<Input>,
    /// `needs` edges left out to break a dependency cycle, as (service, needed).
    pub broken_needs: Vec<(ServiceId, ServiceId)>,
}

#[derive(Debug, Clone)]
pub(crate) struct EventSource {
    pub name: String,
    pub component: Component,
    pub basis: Basis,
}

/// Failure probability of one component and how it was derived; `None` when the
/// component has no failure data (it never fails).
pub(crate) fn component_probability(failure: &Failure, options: &Options) -> Option<(f64, Basis)> {
    if let Some(p) = failure.probability {
        return Some((p.clamp(0.0, 1.0), Basis::Probability));
    }
    let mtbf = failure.mtbf? as f64;
    if let Some(mttr) = failure.mttr {
        // Unavailability of a repairable component in steady state: λ/(λ+μ).
        let mttr = mttr as f64;
        let total = mtbf + mttr;
        let p = if total > 0.0 { mttr / total } else { 0.0 };
        return Some((p, Basis::SteadyState));
    }
    let p = if mtbf > 0.0 {
        -(-(options.mission as f64) / mtbf).exp_m1()
    } else {
        1.0
    };
    Some((p, Basis::Mission(options.mission)))
}

struct Builder<'a> {
    plan: &'a Plan,
    options: &'a Options,
    out: PlanTree,
}

impl Builder<'_> {
    fn event(&mut self, component: Component, failure: &Failure) -> Input {
        let Some((p, basis)) = component_probability(failure, self.options) else {
            return Input::Never;
        };
        let name = format!(
            "fail-{}-{}",
            kind_name(component),
            self.plan.component_name(component)
        );
        self.out.events.push(EventSource {
            name,
            component,
            basis,
        });
        self.out.tree.event(p)
    }

    /// A gate over inputs, with constants folded and single inputs passed through.
    fn gate(&mut self, name: String, kind: GateKind, inputs: Vec<Input>) -> Input {
        let n = inputs.len();
        let always = inputs.iter().filter(|&&i| i == Input::Always).count();
        let mut inputs: Vec<Input> = inputs
            .into_iter()
            .filter(|&i| i != Input::Never && i != Input::Always)
            .collect();
        if !matches!(kind, GateKind::AtLeast(_)) {
            // And and or are idempotent; at-least counts repeated inputs.
            inputs.sort_unstable();
            inputs.dedup();
        }
        let kind = match kind {
            GateKind::Or if always > 0 => return Input::Always,
            GateKind::Or => GateKind::Or,
            GateKind::And if always + inputs.len() < n => return Input::Never,
            GateKind::And if inputs.is_empty() => return Input::Always,
            GateKind::And => GateKind::And,
            GateKind::AtLeast(k) => {
                let k = (k as usize).saturating_sub(always);
                if k == 0 {
                    return Input::Always;
                }
                if k > inputs.len() {
                    return Input::Never;
                }
                if k == 1 {
                    GateKind::Or
                } else if k == inputs.len() {
                    GateKind::And
                } else {
                    GateKind::AtLeast(k as u32)
                }
            }
        };
        match inputs.len() {
            0 => Input::Never,
            1 => inputs[0],
            _ => {
                self.out.gate_names.push(name);
                self.out.tree.gate(kind, inputs)
            }
        }
    }
}

/// Build the fault tree of every service of a plan.
pub(crate) fn build(plan: &Plan, graph: &Graph, options: &Options) -> PlanTree {
    let mut b = Builder {
        plan,
        options,
        out: PlanTree {
            tree: FaultTree::new(),
            events: Vec::new(),
            gate_names: Vec::new(),
            services: vec![Input::Never; plan.services.len()],
            broken_needs: Vec::new(),
        },
    };
    let sites: Vec<Input> = plan
        .sites
        .iter()
        .enumerate()
        .map(|(i, site)| {
            b.event(
                Component::Site(crate::model::SiteId(i as u32)),
                &site.failure,
            )
        })
        .collect();
    let mut storage = Vec::with_capacity(plan.storage.len());
    for (i, s) in plan.storage.iter().enumerate() {
        let me = Component::Storage(crate::model::StorageId(i as u32));
        let own = b.event(me, &s.failure);
        let site = s.site.map_or(Input::Never, |r| sites[r.id.index()]);
        storage.push(b.gate(
            format!("down-storage-{}", s.name),
            GateKind::Or,
            vec![own, site],
        ));
    }
    let mut servers = Vec::with_capacity(plan.servers.len());
    for (i, s) in plan.servers.iter().enumerate() {
        let me = Component::Server(crate::model::ServerId(i as u32));
        let mut inputs = vec![b.event(me, &s.failure)];
        inputs.extend(s.site.map(|r| sites[r.id.index()]));
        inputs.extend(s.storage.iter().map(|r| storage[r.id.index()]));
        servers.push(b.gate(format!("down-server-{}", s.name), GateKind::Or, inputs));
    }
    let mut vms = Vec::with_capacity(plan.vms.len());
    for (i, v) in plan.vms.iter().enumerate() {
        let me = Component::Vm(crate::model::VmId(i as u32));
        let mut inputs = vec![b.event(me, &v.failure())];
        inputs.extend(v.host.map(|r| servers[r.id.index()]));
        inputs.extend(v.storage.iter().map(|r| storage[r.id.index()]));
        vms.push(b.gate(format!("down-vm-{}", v.name), GateKind::Or, inputs));
    }
    // A standby has no failure data of its own: it is lost only with its site.
    let standbys: Vec<Input> = plan
        .standbys
        .iter()
        .map(|s| s.site.map_or(Input::Never, |r| sites[r.id.index()]))
        .collect();
    let host_down = |host: Host| match host {
        Host::Server(id) => servers[id.index()],
        Host::Vm(id) => vms[id.index()],
    };
    // Strongly connected components come dependencies first; a `needs` inside a cycle
    // (an error the graph stage reports) is left out rather than followed forever.
    let mut is_built = vec![false; plan.services.len()];
    for members in tarjan_scc(&graph.graph) {
        for node in members {
            let Component::Service(id) = graph.component(node) else {
                continue;
            };
            let service = &plan.services[id.index()];
            let mut inputs = vec![b.event(Component::Service(id), &service.failure())];
            for need in &service.needs {
                if is_built[need.id.index()] {
                    inputs.push(b.out.services[need.id.index()]);
                } else {
                    b.out.broken_needs.push((id, need.id));
                }
            }
            let hosts: Vec<Input> = service.hosts.iter().map(|h| host_down(h.id)).collect();
            if !hosts.is_empty() {
                // Up while at least `quorum` hosts are up: down when more than n − quorum fail.
                let n = hosts.len() as u64;
                let quorum = service.quorum.clamp(1, n);
                let fail_count = (n - quorum + 1) as u32;
                let mut term = b.gate(
                    format!("hosts-service-{}", service.name),
                    GateKind::AtLeast(fail_count),
                    hosts,
                );
                if let Some(failover) = service.failover() {
                    let target = match failover.target.id {
                        FailoverTarget::Server(id) => servers[id.index()],
                        FailoverTarget::Vm(id) => vms[id.index()],
                        FailoverTarget::Standby(id) => standbys[id.index()],
                    };
                    term = b.gate(
                        format!("failover-service-{}", service.name),
                        GateKind::And,
                        vec![term, target],
                    );
                }
                inputs.push(term);
            }
            let down = b.gate(
                format!("down-service-{}", service.name),
                GateKind::Or,
                inputs,
            );
            b.out.services[id.index()] = down;
            is_built[id.index()] = true;
        }
    }
    b.out
}

pub(crate) fn kind_name(component: Component) -> &'static str {
    match component {
        Component::Site(_) => "site",
        Component::Storage(_) => "storage",
        Component::Server(_) => "server",
        Component::Vm(_) => "vm",
        Component::Service(_) => "service",
    }
}
