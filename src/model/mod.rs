//! The resolved plan: names turned into ids, units into numbers, defaults applied.
//! This is the IR every later stage reads; it is built only by `resolve`.

pub mod limits;
mod resolve;

pub use resolve::resolve;

use crate::source::Span;
use crate::syntax::ast::{Date, MinuteOfWeek};
use serde::Serialize;

/// Seconds.
pub type Seconds = u64;
/// Bytes.
pub type Bytes = u64;
/// Bytes per second.
pub type BytesPerSecond = f64;
/// A declared name: short names are stored inline, without an allocation.
pub type Name = compact_str::CompactString;

macro_rules! ids {
    ($($name:ident),*) => {$(
        /// Index into the plan's list of that kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}

ids!(
    TierId, RoleId, SiteId, StorageId, ServerId, VmId, ServiceId, BackupId, StandbyId, RolloutId,
    ScenarioId
);

/// A reference as written: the id it resolved to and where it was written.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ref<T> {
    pub id: T,
    #[serde(skip)]
    pub span: Span,
}

/// A weekly window: its start in minutes since Monday 00:00 and its length in minutes
/// (1 to a whole week); it may wrap past Sunday midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekWindow {
    pub start: MinuteOfWeek,
    pub minutes: u32,
}

pub const MINUTES_PER_WEEK: u32 = 7 * 1440;

impl WeekWindow {
    /// Minute of the week the window ends at.
    pub fn end(self) -> MinuteOfWeek {
        (self.start + self.minutes) % MINUTES_PER_WEEK
    }

    /// Whether the window covers the whole week.
    pub fn is_whole_week(self) -> bool {
        self.minutes >= MINUTES_PER_WEEK
    }

    /// Whether a minute of the week falls inside (start inclusive, end exclusive).
    pub fn contains(self, minute: MinuteOfWeek) -> bool {
        (minute + MINUTES_PER_WEEK - self.start % MINUTES_PER_WEEK) % MINUTES_PER_WEEK
            < self.minutes
    }
}

impl std::fmt::Display for WeekWindow {
    /// As written in a plan: `fri 18:00 .. mon 06:00`; a whole week from midnight
    /// ends at `24:00` of the day before it starts (`mon 00:00 .. sun 24:00`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::syntax::units::format_time_of_week;
        let start = format_time_of_week(self.start);
        if !self.is_whole_week() {
            return write!(f, "{start} .. {}", format_time_of_week(self.end()));
        }
        if self.start % 1440 != 0 {
            return write!(f, "a whole week from {start}");
        }
        let day_before =
            format_time_of_week((self.start + MINUTES_PER_WEEK - 1440) % MINUTES_PER_WEEK);
        write!(f, "{start} .. {} 24:00", &day_before[..3])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Criticality {
    Low,
    Medium,
    High,
    Critical,
}

/// Failure data for Monte Carlo and exact analysis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Failure {
    pub mtbf: Option<Seconds>,
    pub mttr: Option<Seconds>,
    pub probability: Option<f64>,
}

/// An `allow CODE "reason"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Allow {
    pub code: crate::diagnostics::Code,
    pub reason: String,
    #[serde(skip)]
    pub span: Span,
}

/// How a duration varies between incidents. Checks and timelines use its mean;
/// Monte Carlo trials draw from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "law")]
pub enum Spread {
    Uniform {
        low: Seconds,
        high: Seconds,
    },
    Triangular {
        low: Seconds,
        mode: Seconds,
        high: Seconds,
    },
    /// Parameterised the way people estimate: the typical value and a bad day (the 90th
    /// percentile).
    LogNormal {
        median: Seconds,
        p90: Seconds,
    },
}

/// The standard normal's 90th percentile: a lognormal's σ = ln(p90 / median) / Z90.
pub const Z90: f64 = 1.281_551_565_544_600_5;

impl Spread {
    /// The expected value in seconds.
    pub fn mean(self) -> f64 {
        match self {
            Spread::Uniform { low, high } => (low as f64 + high as f64) / 2.0,
            Spread::Triangular { low, mode, high } => {
                (low as f64 + mode as f64 + high as f64) / 3.0
            }
            Spread::LogNormal { median, .. } => {
                median as f64 * (self.log_sigma().powi(2) / 2.0).exp()
            }
        }
    }

    /// The mean rounded to whole seconds: the value checks and timelines use.
    pub fn nominal(self) -> Seconds {
        self.mean().round() as Seconds
    }

    /// σ of the underlying normal of a lognormal (0 for other laws).
    pub fn log_sigma(self) -> f64 {
        match self {
            Spread::LogNormal { median, p90 } => {
                (p90 as f64 / median.max(1) as f64).max(1.0).ln() / Z90
            }
            _ => 0.0,
        }
    }
}

/// Plan-wide settings from the `plan` block, with defaults filled in.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// The `plan` block's name, when there is one.
    #[serde(skip)]
    pub span: Option<Span>,
    pub rto: Option<Seconds>,
    pub rpo: Option<Seconds>,
    pub mtd: Option<Seconds>,
    pub owner: Option<Ref<RoleId>>,
    pub escalation: Option<Ref<RoleId>>,
    pub max_changes_per_stage: u64,
    pub restore_parallelism: u64,
    pub test_every: Seconds,
    pub detect: Seconds,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detect_spread: Option<Spread>,
    pub description: Option<String>,
}

pub const DEFAULT_MAX_CHANGES_PER_STAGE: u64 = 3;
pub const DEFAULT_RESTORE_PARALLELISM: u64 = 2;
pub const DEFAULT_TEST_EVERY: Seconds = 90 * 86_400;
pub const DEFAULT_DETECT: Seconds = 15 * 60;
/// Restore throughput assumed when neither a service nor its backup states one: 100 MB/s.
pub const DEFAULT_RESTORE_RATE: BytesPerSecond = 100e6;
pub const DEFAULT_FAILOVER: Seconds = 5 * 60;

#[derive(Debug, Clone, Serialize)]
pub struct Tier {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub rto: Option<Seconds>,
    pub rpo: Option<Seconds>,
    pub mtd: Option<Seconds>,
    pub criticality: Option<Criticality>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleKind {
    Owner,
    OnCall,
    Escalation,
    Vendor,
    Team,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub kind: Option<RoleKind>,
    pub person: Option<String>,
    pub contacts: Vec<String>,
    pub deputy: Option<Ref<RoleId>>,
    pub unavailable: Vec<WeekWindow>,
    /// Inclusive date ranges.
    pub holidays: Vec<(DateValue, DateValue)>,
    pub allows: Vec<Allow>,
}

/// A calendar date in the IR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DateValue {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl From<Date> for DateValue {
    fn from(d: Date) -> Self {
        DateValue {
            year: d.year,
            month: d.month,
            day: d.day,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SiteKind {
    Datacenter,
    Office,
    Colo,
    Cloud,
    Offsite,
    Vault,
}

#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub kind: Option<SiteKind>,
    pub location: Option<String>,
    pub failure: Failure,
    pub allows: Vec<Allow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StorageKind {
    Disk,
    Array,
    San,
    Nas,
    Tape,
    Cloud,
}

#[derive(Debug, Clone, Serialize)]
pub struct Storage {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub kind: Option<StorageKind>,
    pub site: Option<Ref<SiteId>>,
    pub capacity: Option<Bytes>,
    pub throughput: Option<BytesPerSecond>,
    pub failure: Failure,
    pub allows: Vec<Allow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hypervisor {
    Esxi,
    HyperV,
    Kvm,
    Xen,
    Proxmox,
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct Server {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub site: Option<Ref<SiteId>>,
    pub cpu: Option<u64>,
    pub memory: Option<Bytes>,
    pub disk: Option<Bytes>,
    pub storage: Box<[Ref<StorageId>]>,
    pub hypervisor: Option<Hypervisor>,
    pub model: Option<String>,
    pub owner: Option<Ref<RoleId>>,
    pub failure: Failure,
    pub allows: Vec<Allow>,
}

impl Server {
    pub fn is_hypervisor(&self) -> bool {
        matches!(self.hypervisor, Some(h) if h != Hypervisor::None)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Vm {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub host: Option<Ref<ServerId>>,
    pub cpu: Option<u64>,
    pub memory: Option<Bytes>,
    pub image: Option<Bytes>,
    pub storage: Box<[Ref<StorageId>]>,
    pub owner: Option<Ref<RoleId>>,
    /// What most vms leave unset; `None` when all of it is.
    pub extras: Option<Box<VmExtras>>,
}

// As many vms as services in a virtualized plan: the rarely set properties wait in
// `VmExtras`.
const _: () = assert!(std::mem::size_of::<Vm>() <= 152);

/// A vm's rarely set properties: the guest's own failure data and `allow`s.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VmExtras {
    pub failure: Failure,
    pub allows: Vec<Allow>,
}

impl Vm {
    pub fn failure(&self) -> Failure {
        self.extras
            .as_ref()
            .map_or_else(Failure::default, |e| e.failure)
    }

    pub fn allows(&self) -> &[Allow] {
        self.extras.as_ref().map_or(&[], |e| &e.allows)
    }
}

/// Where a service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Host {
    Server(ServerId),
    Vm(VmId),
}

/// What a service fails over to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum FailoverTarget {
    Server(ServerId),
    Vm(VmId),
    Standby(StandbyId),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Failover {
    pub target: Ref<FailoverTarget>,
    pub after: Seconds,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub hosts: Box<[Ref<Host>]>,
    /// Hosts that must be up for the service to be up.
    pub quorum: u64,
    pub needs: Box<[Ref<ServiceId>]>,
    pub data: Option<Bytes>,
    pub restore_rate: Option<BytesPerSecond>,
    pub restore_time: Option<Seconds>,
    pub boot: Seconds,
    pub change_rate: Option<BytesPerSecond>,
    pub rto: Option<Seconds>,
    pub rpo: Option<Seconds>,
    pub mtd: Option<Seconds>,
    pub tier: Option<Ref<TierId>>,
    pub criticality: Criticality,
    pub is_user_facing: bool,
    pub active: Box<[WeekWindow]>,
    /// Money per hour of downtime.
    pub downtime_cost: Option<f64>,
    pub owner: Option<Ref<RoleId>>,
    /// What most services leave unset; `None` when all of it is.
    pub extras: Option<Box<ServiceExtras>>,
}

// One per service, 100,000 in a large plan, so its size is most of the model's: the
// rarely set properties wait in `ServiceExtras`, and the lists, built once, are boxed
// slices (no spare capacity; a vector of one host kept room for four).
const _: () = assert!(std::mem::size_of::<Service>() <= 280);

/// A service's rarely set properties: failover, spreads, the commands and texts for
/// runbooks and readers, its own failure data and `allow`s. Few services of a plan
/// have any of them, so they cost a pointer on the others.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceExtras {
    pub failover: Option<Failover>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_time_spread: Option<Spread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_spread: Option<Spread>,
    pub activation: Option<String>,
    pub version: Option<String>,
    /// `start "cmd"`: the command that boots it.
    pub start_command: Option<String>,
    /// `check "cmd"`: a health probe; exit status 0 when it serves.
    pub check_command: Option<String>,
    pub description: Option<String>,
    pub failure: Failure,
    pub allows: Vec<Allow>,
}

impl Service {
    pub fn failover(&self) -> Option<Failover> {
        self.extras.as_ref().and_then(|e| e.failover)
    }

    pub fn restore_time_spread(&self) -> Option<Spread> {
        self.extras.as_ref().and_then(|e| e.restore_time_spread)
    }

    pub fn boot_spread(&self) -> Option<Spread> {
        self.extras.as_ref().and_then(|e| e.boot_spread)
    }

    pub fn activation(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|e| e.activation.as_deref())
    }

    pub fn version(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|e| e.version.as_deref())
    }

    pub fn start_command(&self) -> Option<&str> {
        self.extras
            .as_ref()
            .and_then(|e| e.start_command.as_deref())
    }

    pub fn check_command(&self) -> Option<&str> {
        self.extras
            .as_ref()
            .and_then(|e| e.check_command.as_deref())
    }

    pub fn description(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|e| e.description.as_deref())
    }

    pub fn failure(&self) -> Failure {
        self.extras
            .as_ref()
            .map_or_else(Failure::default, |e| e.failure)
    }

    pub fn allows(&self) -> &[Allow] {
        self.extras.as_ref().map_or(&[], |e| &e.allows)
    }
}

/// What a backup copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum BackupSubject {
    Service(ServiceId),
    Vm(VmId),
    Server(ServerId),
}

/// Where a backup is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Location {
    Site(SiteId),
    Storage(StorageId),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Schedule {
    pub every: Seconds,
    /// Minutes after midnight.
    pub at: Option<u32>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Media {
    Tape,
    Disk,
    Cloud,
    Snapshot,
    Replica,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consistency {
    App,
    Crash,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Offsite {
    pub site: Ref<SiteId>,
    pub every: Seconds,
}

#[derive(Debug, Clone, Serialize)]
pub struct Backup {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub subjects: Box<[Ref<BackupSubject>]>,
    pub full: Option<Schedule>,
    pub incremental: Option<Schedule>,
    pub to: Option<Ref<Location>>,
    pub media: Media,
    pub rotate: u64,
    pub offsite: Option<Offsite>,
    pub keep: Option<Seconds>,
    /// Restore-test interval; `None` when never tested.
    pub tested_every: Option<Seconds>,
    pub last_tested: Option<DateValue>,
    pub consistency: Consistency,
    pub restore_rate: Option<BytesPerSecond>,
    /// What most backups leave unset; `None` when all of it is.
    pub extras: Option<Box<BackupExtras>>,
}

// A backup or two per service, the model's most numerous record: its rarely set
// properties wait in `BackupExtras`.
const _: () = assert!(std::mem::size_of::<Backup>() <= 240);

/// A backup's rarely set properties: the less common schedules, the chance a medium
/// fails, the commands for runbooks, its text and `allow`s.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackupExtras {
    pub differential: Option<Schedule>,
    pub snapshot: Option<Schedule>,
    pub fail_probability: Option<f64>,
    /// `restore "cmd"`: the command that restores its newest restore point.
    pub restore_command: Option<String>,
    /// `drill "cmd"`: the restore into an isolated network, for drills.
    pub drill_command: Option<String>,
    pub description: Option<String>,
    pub allows: Vec<Allow>,
}

impl Backup {
    pub fn differential(&self) -> Option<Schedule> {
        self.extras.as_ref().and_then(|e| e.differential)
    }

    pub fn snapshot(&self) -> Option<Schedule> {
        self.extras.as_ref().and_then(|e| e.snapshot)
    }

    pub fn fail_probability(&self) -> Option<f64> {
        self.extras.as_ref().and_then(|e| e.fail_probability)
    }

    pub fn restore_command(&self) -> Option<&str> {
        self.extras
            .as_ref()
            .and_then(|e| e.restore_command.as_deref())
    }

    pub fn drill_command(&self) -> Option<&str> {
        self.extras
            .as_ref()
            .and_then(|e| e.drill_command.as_deref())
    }

    pub fn description(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|e| e.description.as_deref())
    }

    pub fn allows(&self) -> &[Allow] {
        self.extras.as_ref().map_or(&[], |e| &e.allows)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runs {
    VmImages,
    Physical,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StandbyKind {
    Hot,
    Warm,
    Cold,
    Mobile,
}

/// What a standby replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Covered {
    Server(ServerId),
    Site(SiteId),
}

#[derive(Debug, Clone, Serialize)]
pub struct Standby {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub cpu: Option<u64>,
    pub memory: Option<Bytes>,
    pub disk: Option<Bytes>,
    pub ready_in: Seconds,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_in_spread: Option<Spread>,
    /// Mean time between failures once in use (a cold standby does not age while off).
    pub mtbf: Option<Seconds>,
    pub runs: Runs,
    pub kind: StandbyKind,
    pub site: Option<Ref<SiteId>>,
    pub covers: Vec<Ref<Covered>>,
    pub hypervisor: Option<Hypervisor>,
    pub model: Option<String>,
    pub contract: Option<String>,
    /// `activate "cmd"`: the command that brings it into use.
    pub activate_command: Option<String>,
    pub allows: Vec<Allow>,
}

/// Anything a change can touch or a scenario can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Component {
    Site(SiteId),
    Storage(StorageId),
    Server(ServerId),
    Vm(VmId),
    Service(ServiceId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Upgrade,
    Migrate,
    Clone,
    Install,
    Config,
    Hardware,
    Move,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyKind {
    Smoke,
    LoadTest,
    Integrity,
    Manual,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub kind: VerifyKind,
    pub command: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "command")]
pub enum RollbackPlan {
    RestoreSnapshot,
    RestoreBackup,
    None,
    Command(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DataCopy {
    pub size: Bytes,
    pub rate: BytesPerSecond,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    /// The whole declaration as written, for suggestions that quote it.
    #[serde(skip)]
    pub declaration: Span,
    pub targets: Vec<Ref<Component>>,
    pub kind: ChangeKind,
    pub from: Option<String>,
    pub to: Option<String>,
    pub takes: Option<Seconds>,
    pub rehearsed: Option<Seconds>,
    pub copy: Option<DataCopy>,
    pub has_presync: bool,
    pub has_snapshot_before: bool,
    pub has_backup_before: bool,
    pub prechecks: Vec<String>,
    pub verifications: Vec<Verification>,
    pub rollback: Option<RollbackPlan>,
    pub go_no_go: Option<MinuteOfWeek>,
    pub roles: Vec<Ref<RoleId>>,
    pub drill: Option<String>,
    /// `run "cmd"`: the command that makes the change.
    pub run_command: Option<String>,
    pub description: Option<String>,
    pub allows: Vec<Allow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    /// The whole declaration as written, for suggestions that quote it.
    #[serde(skip)]
    pub declaration: Span,
    pub window: Option<WeekWindow>,
    pub go_no_go: Option<MinuteOfWeek>,
    pub soak: Option<Seconds>,
    pub roles: Vec<Ref<RoleId>>,
    pub changes: Vec<Change>,
    pub description: Option<String>,
    pub allows: Vec<Allow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rollout {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    /// The whole declaration as written, for suggestions that quote it.
    #[serde(skip)]
    pub declaration: Span,
    pub window: Option<WeekWindow>,
    pub starts: Option<DateValue>,
    pub max_changes_per_stage: Option<u64>,
    pub soak: Option<Seconds>,
    pub budget: Option<f64>,
    pub owner: Option<Ref<RoleId>>,
    pub stages: Vec<Stage>,
    pub description: Option<String>,
    pub allows: Vec<Allow>,
}

/// A change's place: rollout, stage and index within the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ChangeId {
    pub rollout: RolloutId,
    pub stage: u32,
    pub change: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EventKind {
    /// A component fails; `disk_only` for `fail disk of SERVER`.
    Fail { target: Component, disk_only: bool },
    /// A backup's newest restore point is unusable.
    Corrupt { backup: BackupId },
    /// A change fails its verification.
    FailVerify { change: ChangeId },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Event {
    pub at: MinuteOfWeek,
    #[serde(flatten)]
    pub kind: EventKind,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Expectation {
    pub service: Ref<ServiceId>,
    pub rto: Option<Seconds>,
    pub rpo: Option<Seconds>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub name: Name,
    #[serde(skip)]
    pub span: Span,
    pub events: Vec<Event>,
    pub expectations: Vec<Expectation>,
    pub random_over: Option<Seconds>,
    pub detect: Seconds,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detect_spread: Option<Spread>,
    pub restore_parallelism: u64,
    pub activation: Option<String>,
    pub reconstitution: Option<String>,
    pub description: Option<String>,
    pub allows: Vec<Allow>,
}

/// The whole resolved plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub name: Name,
    pub settings: Settings,
    pub tiers: Vec<Tier>,
    pub roles: Vec<Role>,
    pub sites: Vec<Site>,
    pub storage: Vec<Storage>,
    pub servers: Vec<Server>,
    pub vms: Vec<Vm>,
    pub services: Vec<Service>,
    pub backups: Vec<Backup>,
    pub standbys: Vec<Standby>,
    pub rollouts: Vec<Rollout>,
    pub scenarios: Vec<Scenario>,
    /// Plan-wide `allow`s.
    pub allows: Vec<Allow>,
}

impl Plan {
    pub fn change(&self, id: ChangeId) -> &Change {
        &self.rollouts[id.rollout.index()].stages[id.stage as usize].changes[id.change as usize]
    }

    pub fn component_name(&self, component: Component) -> &str {
        match component {
            Component::Site(id) => &self.sites[id.index()].name,
            Component::Storage(id) => &self.storage[id.index()].name,
            Component::Server(id) => &self.servers[id.index()].name,
            Component::Vm(id) => &self.vms[id.index()].name,
            Component::Service(id) => &self.services[id.index()].name,
        }
    }

    pub fn host_name(&self, host: Host) -> &str {
        match host {
            Host::Server(id) => &self.servers[id.index()].name,
            Host::Vm(id) => &self.vms[id.index()].name,
        }
    }

    /// Number of declarations of every kind.
    pub fn declaration_count(&self) -> usize {
        self.tiers.len()
            + self.roles.len()
            + self.sites.len()
            + self.storage.len()
            + self.servers.len()
            + self.vms.len()
            + self.services.len()
            + self.backups.len()
            + self.standbys.len()
            + self.rollouts.len()
            + self.scenarios.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_print_as_written() {
        let weekend = WeekWindow {
            start: 4 * 1440 + 18 * 60,
            minutes: 60 * 60,
        };
        assert_eq!(weekend.to_string(), "fri 18:00 .. mon 06:00");
        assert!(weekend.contains(0));
        assert!(!weekend.contains(7 * 60));
        let week = WeekWindow {
            start: 0,
            minutes: MINUTES_PER_WEEK,
        };
        assert_eq!(week.to_string(), "mon 00:00 .. sun 24:00");
        assert!(week.contains(MINUTES_PER_WEEK - 1));
    }
}
