//! Facts about a plan that many rules need: where services run, which backups
//! cover them, which changes touch what. Computed once per check.

use crate::graph::Graph;
use crate::model::{
    BackupId, BackupSubject, ChangeId, Component, Host, Location, Plan, ServerId, ServiceId, SiteId,
};
use petgraph::graph::NodeIndex;
use rustc_hash::FxHashSet;
use std::sync::OnceLock;

/// A plan with its graph and precomputed look-ups.
pub struct Context<'p> {
    pub plan: &'p Plan,
    pub graph: &'p Graph,
    /// For each service, the backups that cover it: of the service itself, of a vm it
    /// runs on, or of a server it runs on.
    backups_by_service: Vec<Vec<BackupId>>,
    /// Every declared name, built the first time a rule asks (only to suggest a new
    /// name that is free).
    names: OnceLock<FxHashSet<&'p str>>,
}

impl<'p> Context<'p> {
    pub fn new(plan: &'p Plan, graph: &'p Graph) -> Self {
        // Services by the vm or server they run on directly, to find what a backup covers.
        let mut services_by_vm = vec![Vec::new(); plan.vms.len()];
        let mut services_by_server = vec![Vec::new(); plan.servers.len()];
        for (index, service) in plan.services.iter().enumerate() {
            for host in &service.hosts {
                match host.id {
                    Host::Vm(vm) => services_by_vm[vm.index()].push(ServiceId(index as u32)),
                    Host::Server(server) => {
                        services_by_server[server.index()].push(ServiceId(index as u32))
                    }
                }
            }
        }
        let mut backups_by_service: Vec<Vec<BackupId>> = vec![Vec::new(); plan.services.len()];
        for (backup_index, backup) in plan.backups.iter().enumerate() {
            let id = BackupId(backup_index as u32);
            for subject in &backup.subjects {
                let covered: &[ServiceId] = match subject.id {
                    BackupSubject::Service(_) => &[],
                    BackupSubject::Vm(vm) => &services_by_vm[vm.index()],
                    BackupSubject::Server(server) => &services_by_server[server.index()],
                };
                if let BackupSubject::Service(service) = subject.id {
                    push_unique(&mut backups_by_service[service.index()], id);
                }
                for service in covered {
                    push_unique(&mut backups_by_service[service.index()], id);
                }
            }
        }
        Context {
            plan,
            graph,
            backups_by_service,
            names: OnceLock::new(),
        }
    }

    /// Whether a declaration of any kind has this name.
    pub fn is_declared(&self, name: &str) -> bool {
        self.names
            .get_or_init(|| declared_names(self.plan))
            .contains(name)
    }

    /// `base` if no declaration has that name, else the first free `base-2`, `base-3`…
    pub fn free_name(&self, base: &str) -> String {
        if !self.is_declared(base) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|name| !self.is_declared(name))
            .expect("a plan has finitely many names")
    }

    /// The backups that cover a service.
    pub fn backups_of(&self, service: ServiceId) -> &[BackupId] {
        &self.backups_by_service[service.index()]
    }

    /// The physical server a host runs on.
    pub fn server_of(&self, host: Host) -> Option<ServerId> {
        match host {
            Host::Server(id) => Some(id),
            Host::Vm(id) => self.plan.vms[id.index()].host.map(|h| h.id),
        }
    }

    /// The site a host is at.
    pub fn site_of(&self, host: Host) -> Option<SiteId> {
        self.server_of(host)
            .and_then(|s| self.plan.servers[s.index()].site.map(|r| r.id))
    }

    /// The physical servers a service runs on, in order, without repeats.
    pub fn servers_of(&self, service: ServiceId) -> Vec<ServerId> {
        self.unique_per_host(service, |host| self.server_of(host))
    }

    /// The sites a service runs at, in order, without repeats.
    pub fn sites_of(&self, service: ServiceId) -> Vec<SiteId> {
        self.unique_per_host(service, |host| self.site_of(host))
    }

    /// `find` of each of a service's hosts, in order, without repeats.
    fn unique_per_host<T: PartialEq>(
        &self,
        service: ServiceId,
        find: impl Fn(Host) -> Option<T>,
    ) -> Vec<T> {
        let mut found = Vec::new();
        for host in &self.plan.services[service.index()].hosts {
            if let Some(item) = find(host.id) {
                push_unique(&mut found, item);
            }
        }
        found
    }

    /// The site a backup location is at.
    pub fn location_site(&self, location: Location) -> Option<SiteId> {
        match location {
            Location::Site(id) => Some(id),
            Location::Storage(id) => self.plan.storage[id.index()].site.map(|r| r.id),
        }
    }

    /// Every change of every rollout, in written order.
    pub fn changes(&self) -> impl Iterator<Item = ChangeId> + '_ {
        self.plan
            .rollouts
            .iter()
            .enumerate()
            .flat_map(|(r, rollout)| {
                rollout
                    .stages
                    .iter()
                    .enumerate()
                    .flat_map(move |(s, stage)| {
                        (0..stage.changes.len()).map(move |c| ChangeId {
                            rollout: crate::model::RolloutId(r as u32),
                            stage: s as u32,
                            change: c as u32,
                        })
                    })
            })
    }

    /// Graph nodes of a change's targets.
    pub fn target_nodes(&self, change: ChangeId) -> Vec<NodeIndex> {
        self.plan
            .change(change)
            .targets
            .iter()
            .map(|t| self.graph.node(t.id))
            .collect()
    }

    /// A component's name, for messages.
    pub fn name(&self, component: Component) -> &str {
        self.plan.component_name(component)
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The names of every declaration: they share one namespace.
fn declared_names(plan: &Plan) -> FxHashSet<&str> {
    let stages = plan.rollouts.iter().flat_map(|r| &r.stages);
    let changes = stages.clone().flat_map(|s| &s.changes);
    plan.tiers
        .iter()
        .map(|x| &*x.name)
        .chain(plan.roles.iter().map(|x| &*x.name))
        .chain(plan.sites.iter().map(|x| &*x.name))
        .chain(plan.storage.iter().map(|x| &*x.name))
        .chain(plan.servers.iter().map(|x| &*x.name))
        .chain(plan.vms.iter().map(|x| &*x.name))
        .chain(plan.services.iter().map(|x| &*x.name))
        .chain(plan.backups.iter().map(|x| &*x.name))
        .chain(plan.standbys.iter().map(|x| &*x.name))
        .chain(plan.rollouts.iter().map(|x| &*x.name))
        .chain(stages.map(|x| &*x.name))
        .chain(changes.map(|x| &*x.name))
        .chain(plan.scenarios.iter().map(|x| &*x.name))
        .collect()
}
