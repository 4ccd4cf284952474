//! A service's worst-case recovery time and data loss when one of its servers, or its
//! whole site, is lost: the figures an editor shows on hover. Pure: reads the model,
//! reuses `estimate` (RTO) and the RPO rule's restore-point ages; never reports.

use super::backups::rpo;
use super::estimate::{Assumptions, Estimator, Loss, Recovery};
use super::Context;
use crate::model::{Host, Seconds, ServiceId, StorageId};

/// Both losses a service is judged against.
#[derive(Debug, Clone, PartialEq)]
pub struct WorstCase {
    /// Losing one server it runs on (the worst of them); `None` when it runs on none.
    pub server_loss: Option<Worst>,
    /// Losing one site it runs at (the worst of them); `None` when it is at no site.
    pub site_loss: Option<Worst>,
}

/// The worst outcome of one kind of loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Worst {
    pub rto: RecoveryTime,
    pub rpo: DataLoss,
}

/// How long the service is down.
#[derive(Debug, Clone, PartialEq)]
pub enum RecoveryTime {
    /// Its quorum survives every such loss.
    Unaffected,
    /// Back after `seconds` when `lost` is lost; `arithmetic` shows the sum.
    Within {
        seconds: Seconds,
        lost: String,
        arithmetic: String,
    },
    /// Never back when `lost` is lost, for the reason given.
    Never { lost: String, reason: String },
}

/// How much data the service loses.
#[derive(Debug, Clone, PartialEq)]
pub enum DataLoss {
    /// It declares no `data`.
    NoData,
    /// Replicas elsewhere keep the data.
    Replicated,
    /// The newest surviving restore point can be this old.
    UpTo { seconds: Seconds, backup: String },
    /// No restore point survives.
    All,
}

/// The worst case of one service, with the plan's own assumptions.
pub fn worst_case(context: &Context, service: ServiceId) -> WorstCase {
    let plan = context.plan;
    let estimator = Estimator::new(context, Assumptions::of(plan));
    let servers = context.servers_of(service);
    let sites = context.sites_of(service);
    let server_rto = worst_time(
        servers
            .iter()
            .map(|&s| (Loss::Server(s), plan.servers[s.index()].name.to_string())),
        &estimator,
        context,
        service,
    );
    let site_rto = worst_time(
        sites
            .iter()
            .map(|&s| (Loss::Site(s), plan.sites[s.index()].name.to_string())),
        &estimator,
        context,
        service,
    );
    let (server_rpo, site_rpo) = data_loss(context, service);
    WorstCase {
        server_loss: (!servers.is_empty()).then_some(Worst {
            rto: server_rto,
            rpo: server_rpo,
        }),
        site_loss: (!sites.is_empty()).then_some(Worst {
            rto: site_rto,
            rpo: site_rpo,
        }),
    }
}

/// The worst recovery over several losses: never, else the longest.
fn worst_time(
    losses: impl Iterator<Item = (Loss, String)>,
    estimator: &Estimator,
    context: &Context,
    service: ServiceId,
) -> RecoveryTime {
    let plan = context.plan;
    let mut worst = RecoveryTime::Unaffected;
    for (loss, lost) in losses {
        let outcome = estimator.estimate(loss);
        let candidate = match outcome.get(service) {
            None => continue,
            Some(Recovery::Timed(timeline)) => RecoveryTime::Within {
                seconds: timeline.total,
                lost,
                arithmetic: timeline.describe(plan),
            },
            Some(Recovery::NoPlaceToRun { .. }) => RecoveryTime::Never {
                lost,
                reason: "nowhere left to run it".to_string(),
            },
            Some(Recovery::NoSurvivingBackup) => RecoveryTime::Never {
                lost,
                reason: "no backup of its data survives".to_string(),
            },
            Some(Recovery::Blocked { need }) => RecoveryTime::Never {
                lost,
                reason: format!(
                    "it needs `{}`, which never comes back",
                    plan.services[need.index()].name
                ),
            },
        };
        let is_worse = match (&worst, &candidate) {
            (RecoveryTime::Never { .. }, _) => false,
            (_, RecoveryTime::Never { .. }) | (RecoveryTime::Unaffected, _) => true,
            (RecoveryTime::Within { seconds: a, .. }, RecoveryTime::Within { seconds: b, .. }) => {
                b > a
            }
            (RecoveryTime::Within { .. }, RecoveryTime::Unaffected) => false,
        };
        if is_worse {
            worst = candidate;
        }
    }
    worst
}

/// Data lost with its servers, and with its site (as the RPO rules judge it).
fn data_loss(context: &Context, service_id: ServiceId) -> (DataLoss, DataLoss) {
    let plan = context.plan;
    let service = &plan.services[service_id.index()];
    if service.data.is_none() {
        return (DataLoss::NoData, DataLoss::NoData);
    }
    let backups = context.backups_of(service_id);
    let intervals: Vec<Option<rpo::Interval>> =
        plan.backups.iter().map(rpo::restore_interval).collect();
    let servers = context.servers_of(service_id);
    let mut storage: Vec<StorageId> = Vec::new();
    for server in &servers {
        storage.extend(plan.servers[server.index()].storage.iter().map(|r| r.id));
    }
    for host in &service.hosts {
        if let Host::Vm(vm) = host.id {
            storage.extend(plan.vms[vm.index()].storage.iter().map(|r| r.id));
        }
    }
    let judged = |loss| match rpo::newest(context, backups, &intervals, loss) {
        Some(newest) => DataLoss::UpTo {
            seconds: newest.age,
            backup: plan.backups[newest.backup.index()].name.to_string(),
        },
        None => DataLoss::All,
    };
    let server = if servers.len() >= 2 {
        DataLoss::Replicated
    } else {
        judged(rpo::Loss::Servers { storage: &storage })
    };
    let sites = context.sites_of(service_id);
    let site = if sites.len() >= 2 {
        DataLoss::Replicated
    } else {
        judged(rpo::Loss::Sites { sites: &sites })
    };
    (server, site)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worst(text: &str) -> WorstCase {
        let compiled = crate::compile(crate::load::load_text("p.dr", text));
        let plan = compiled.plan.expect("plan resolves");
        let graph = compiled.graph.expect("graph builds");
        let context = Context::new(&plan, &graph);
        worst_case(&context, ServiceId(0))
    }

    const PLAN: &str = "plan p { owner ops  escalation ops  rto 4h  rpo 1h }
        role ops { kind owner }
        site main { kind office }  site vault { kind vault }
        server db1 { site main }
        standby spare { ready-in 2h  covers main  site vault  kind cold  runs any }
        service db { on db1  data 36GB  restore-rate 10MB/s  boot 10m  rto 8h  rpo 1d }
        backup nightly { of db  full every 1d  to vault  keep 30d  tested every 30d }";

    #[test]
    fn server_and_site_loss_have_times_and_ages() {
        let worst = worst(PLAN);
        let server = worst.server_loss.expect("runs on a server");
        // detect 15m + standby 2h + restore 36GB at 10MB/s (1h) + boot 10m.
        assert!(
            matches!(server.rto, RecoveryTime::Within { seconds, .. } if seconds == 3 * 3600 + 25 * 60),
            "{server:?}"
        );
        assert_eq!(
            server.rpo,
            DataLoss::UpTo {
                seconds: 86_400,
                backup: "nightly".into()
            }
        );
        let site = worst.site_loss.expect("stands at a site");
        assert!(matches!(site.rto, RecoveryTime::Within { .. }), "{site:?}");
    }

    #[test]
    fn without_a_backup_nothing_survives() {
        let text = PLAN.replace("backup nightly", "backup nightly-gone");
        let text = text.replace("of db ", "of other ");
        let text = format!("{text}\nservice other {{ on db1 }}");
        let worst = worst(&text);
        assert_eq!(worst.server_loss.expect("server").rpo, DataLoss::All);
    }
}
