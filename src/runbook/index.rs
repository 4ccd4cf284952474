//! The plan's records by the names a replay reports them with, and the backups of each
//! service: built once per runbook, so that the lookup for each lost service takes
//! constant time instead of a search of the whole plan.

use crate::model::{Backup, BackupSubject, Plan, ServiceId, Standby};
use rustc_hash::FxHashMap;

pub(super) struct PlanIndex<'p> {
    services: FxHashMap<&'p str, ServiceId>,
    backups: FxHashMap<&'p str, &'p Backup>,
    standbys: FxHashMap<&'p str, &'p Standby>,
    /// Per service, the backups that copy it, in written order, each once.
    backups_of: Vec<Vec<&'p Backup>>,
}

impl<'p> PlanIndex<'p> {
    pub(super) fn new(plan: &'p Plan) -> Self {
        let mut backups_of: Vec<Vec<&Backup>> = vec![Vec::new(); plan.services.len()];
        for backup in &plan.backups {
            for subject in &backup.subjects {
                if let BackupSubject::Service(id) = subject.id {
                    let of = &mut backups_of[id.index()];
                    // A backup naming the service twice is still one backup of it.
                    if !of.last().is_some_and(|b| std::ptr::eq(*b, backup)) {
                        of.push(backup);
                    }
                }
            }
        }
        PlanIndex {
            services: first_by_name(
                plan.services
                    .iter()
                    .enumerate()
                    .map(|(k, s)| (s.name.as_str(), ServiceId(k as u32))),
            ),
            backups: first_by_name(plan.backups.iter().map(|b| (b.name.as_str(), b))),
            standbys: first_by_name(plan.standbys.iter().map(|s| (s.name.as_str(), s))),
            backups_of,
        }
    }

    pub(super) fn service(&self, name: &str) -> Option<ServiceId> {
        self.services.get(name).copied()
    }

    pub(super) fn backup(&self, name: &str) -> Option<&'p Backup> {
        self.backups.get(name).copied()
    }

    pub(super) fn standby(&self, name: &str) -> Option<&'p Standby> {
        self.standbys.get(name).copied()
    }

    /// The backups that copy `service`, in written order.
    pub(super) fn backups_of(&self, service: ServiceId) -> &[&'p Backup] {
        &self.backups_of[service.index()]
    }
}

/// Records by name; the first written wins, as a search from the start would find.
fn first_by_name<'p, T>(records: impl Iterator<Item = (&'p str, T)>) -> FxHashMap<&'p str, T> {
    let mut map = FxHashMap::default();
    for (name, record) in records {
        map.entry(name).or_insert(record);
    }
    map
}
