//! A generator of large, valid, realistic plans for benchmarks and scale tests.
//! Layered estate: sites, virtualization hosts, vms, services whose `needs` point to
//! the layer below (fan-in and fan-out), restore-tested off-site backups, a standby per
//! site, a rollout of one change per stage, and scenarios. The plan checks clean,
//! unless errors are planted on purpose ([`Plant`]): each at a known line, with the
//! code drplan must report there.
// Shared by benches, examples and tests through `#[path]`; each uses a part of it.
#![allow(dead_code)]

use std::fmt::Write;

/// Dependency layers: front ends, applications, middleware, databases, storage services.
const LAYERS: usize = 5;
/// Services per site.
const SERVICES_PER_SITE: usize = 500;
/// Services per virtualization host.
const SERVICES_PER_HOST: usize = 4;

/// An error put into a generated plan at a known place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plant {
    /// Two services that need each other (`dependency-cycle`, at the first one's `needs`).
    Cycle,
    /// A second change in a stage, coupled with the first (`big-bang`, at the stage).
    BigBang,
    /// A service owned by an undeclared role (`unknown-reference`).
    UnknownName,
    /// A vm declared twice (`duplicate-name`, at the second).
    DuplicateName,
    /// A server with a property servers do not have (`unknown-property`).
    UnknownProperty,
    /// A service's data written as a rate (`invalid-unit`).
    InvalidUnit,
    /// A backup that is never restore-tested (`untested-backup`, at the backup).
    UntestedBackup,
    /// A service with data and no backup (`no-backup`, at the service).
    NoBackup,
    /// A change with no rollback (`missing-rollback`, at the change).
    MissingRollback,
}

impl Plant {
    pub const ALL: &'static [Plant] = &[
        Plant::Cycle,
        Plant::BigBang,
        Plant::UnknownName,
        Plant::DuplicateName,
        Plant::UnknownProperty,
        Plant::InvalidUnit,
        Plant::UntestedBackup,
        Plant::NoBackup,
        Plant::MissingRollback,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Plant::Cycle => "cycle",
            Plant::BigBang => "big-bang",
            Plant::UnknownName => "unknown-name",
            Plant::DuplicateName => "duplicate-name",
            Plant::UnknownProperty => "unknown-property",
            Plant::InvalidUnit => "invalid-unit",
            Plant::UntestedBackup => "untested-backup",
            Plant::NoBackup => "no-backup",
            Plant::MissingRollback => "missing-rollback",
        }
    }

    /// The diagnostic code drplan reports for it.
    pub fn code(self) -> &'static str {
        match self {
            Plant::Cycle => "drplan::dependency-cycle",
            Plant::BigBang => "drplan::big-bang",
            Plant::UnknownName => "drplan::unknown-reference",
            Plant::DuplicateName => "drplan::duplicate-name",
            Plant::UnknownProperty => "drplan::unknown-property",
            Plant::InvalidUnit => "drplan::invalid-unit",
            Plant::UntestedBackup => "drplan::untested-backup",
            Plant::NoBackup => "drplan::no-backup",
            Plant::MissingRollback => "drplan::missing-rollback",
        }
    }

    /// Found by the safety analysis, which runs only on plans without errors.
    pub fn is_analysis(self) -> bool {
        matches!(
            self,
            Plant::BigBang | Plant::UntestedBackup | Plant::NoBackup | Plant::MissingRollback
        )
    }

    pub fn from_name(name: &str) -> Option<Plant> {
        Plant::ALL.iter().copied().find(|p| p.name() == name)
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub services: usize,
    /// Changes of the rollout, one per stage; `None` for one per ten services.
    pub changes: Option<usize>,
    /// Varies which services each service needs, and where errors are planted;
    /// 0 gives the classic layout the benchmarks use.
    pub seed: u64,
    pub plants: Vec<Plant>,
}

impl Options {
    pub fn new(services: usize) -> Self {
        Options {
            services,
            changes: None,
            seed: 0,
            plants: Vec::new(),
        }
    }
}

/// One planted error: where drplan must report it (1-based line) and with which code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    pub plant: Plant,
    pub line: usize,
    pub code: &'static str,
    /// The declaration it was planted in.
    pub near: String,
}

/// A generated plan and the errors planted in it, in file order.
#[derive(Debug, Clone)]
pub struct Generated {
    pub text: String,
    pub planted: Vec<Planted>,
}

/// A plan with `services` services (about 600 bytes of plan text per service).
pub fn generate(services: usize) -> String {
    generate_with(&Options::new(services))
        .expect("a plan without plants")
        .text
}

/// The generated plan with failure data on every kind of component, for the Monte
/// Carlo benchmark and its profiling example.
pub fn generate_with_failure_data(services: usize) -> String {
    generate(services)
        .replace(
            "kind datacenter",
            "kind datacenter  mtbf 50y  fail-probability 0.2%",
        )
        .replace("image 80GiB }", "image 80GiB  fail-probability 0.5% }")
        .replace(
            "owner ops  downtime-cost",
            "owner ops  mtbf 20y  downtime-cost",
        )
        .replace("media disk", "media disk  fail-probability 2%")
        .replace("media tape", "media tape  fail-probability 5%")
}

/// splitmix64: a stateless mix, so that each use of the seed is independent.
fn mix(seed: u64, salt: u64) -> u64 {
    let mut z = seed
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The estate's shape, shared by the writer and the planting.
struct Layout {
    services: usize,
    servers: usize,
    layer_size: usize,
    seed: u64,
}

impl Layout {
    /// The services service `i` needs: two of the layer below, so many services share
    /// a database (fan-in) and each needs several (fan-out).
    fn needs(&self, i: usize) -> Vec<usize> {
        let below = (i / self.layer_size + 1) * self.layer_size;
        if below >= self.services {
            return Vec::new();
        }
        let size = self.layer_size.min(self.services - below);
        let (a, b) = if self.seed == 0 {
            (0, 0)
        } else {
            (
                mix(self.seed, 2 * i as u64),
                mix(self.seed, 2 * i as u64 + 1),
            )
        };
        let first = below + ((i * 7) as u64).wrapping_add(a) as usize % size;
        let mut second = below + ((i * 13 + 3) as u64).wrapping_add(b) as usize % size;
        if self.seed != 0 && second == first && size > 1 {
            second = below + (second - below + 1) % size;
        }
        vec![first, second]
    }

    fn is_bottom(&self, i: usize) -> bool {
        (i / self.layer_size + 1) * self.layer_size >= self.services
    }
}

/// Where each plant goes: a service, server or stage index, spread through the plan.
#[derive(Default)]
struct Targets {
    /// Per service: plants that change it.
    services: Vec<(usize, Plant)>,
    /// Cycle plants: the service that gets the extra `needs`, and whom it needs.
    back_edges: Vec<(usize, usize)>,
    servers: Vec<(usize, Plant)>,
    stages: Vec<(usize, Plant)>,
}

fn place(options: &Options, layout: &Layout, changes: usize) -> Result<Targets, String> {
    let plants = &options.plants;
    if plants.iter().any(|p| !p.is_analysis()) {
        if let Some(p) = plants.iter().find(|p| p.is_analysis()) {
            return Err(format!(
                "`{}` is found by the safety analysis, which drplan runs only on plans \
                 without errors: plant it without error plants",
                p.name()
            ));
        }
    }
    let mut targets = Targets::default();
    let mut touched_services: Vec<usize> = Vec::new();
    let mut touched_stages: Vec<usize> = Vec::new();
    let count = plants.len();
    for (k, &plant) in plants.iter().enumerate() {
        // A fraction of the way through the plan, moved a little by the seed.
        let jitter = if options.seed == 0 {
            0.0
        } else {
            (mix(options.seed, 1_000 + k as u64) % 1_000) as f64 / 1_000.0 * 0.5
        };
        let fraction = (k as f64 + 0.75 + jitter) / (count as f64 + 0.5);
        let pick = |range: usize| ((fraction * range as f64) as usize).min(range.saturating_sub(1));
        let mut touch = |indexes: &[usize]| -> Result<(), String> {
            for &i in indexes {
                if touched_services.contains(&i) {
                    return Err(format!(
                        "too few services ({}) to plant {count} errors apart",
                        options.services
                    ));
                }
            }
            touched_services.extend_from_slice(indexes);
            Ok(())
        };
        match plant {
            Plant::Cycle => {
                // A service above the bottom layer and the first service it needs.
                let upper = options.services - layout.layer_size.min(options.services);
                if upper == 0 {
                    return Err(format!(
                        "a cycle needs two layers of services; {} services have one",
                        options.services
                    ));
                }
                let from = pick(upper);
                let to = layout.needs(from)[0];
                touch(&[from, to])?;
                targets.back_edges.push((to, from));
                targets.services.push((from, plant));
            }
            Plant::BigBang | Plant::MissingRollback => {
                let stage = pick(changes);
                if touched_stages.contains(&stage) {
                    return Err(format!(
                        "too few changes ({changes}) to plant {count} errors apart"
                    ));
                }
                touched_stages.push(stage);
                targets.stages.push((stage, plant));
            }
            Plant::UnknownProperty => {
                let server = pick(layout.servers);
                if targets.servers.iter().any(|&(s, _)| s == server) {
                    return Err(format!(
                        "too few servers ({}) to plant {count} errors apart",
                        layout.servers
                    ));
                }
                targets.servers.push((server, plant));
            }
            _ => {
                let service = pick(options.services);
                touch(&[service])?;
                targets.services.push((service, plant));
            }
        }
    }
    Ok(targets)
}

/// The text being written, and its line count so far (for the manifest).
struct Writer {
    out: String,
    counted: usize,
    lines: usize,
    planted: Vec<Planted>,
}

impl Writer {
    /// The 1-based line the next write starts on.
    fn line(&mut self) -> usize {
        self.lines += self.out.as_bytes()[self.counted..]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.counted = self.out.len();
        self.lines + 1
    }

    fn plant(&mut self, plant: Plant, line: usize, near: String) {
        self.planted.push(Planted {
            plant,
            line,
            code: plant.code(),
            near,
        });
    }
}

/// A plan as `options` ask, with the errors they plant and where.
pub fn generate_with(options: &Options) -> Result<Generated, String> {
    let services = options.services;
    if services == 0 {
        return Err("a plan needs at least one service".to_string());
    }
    let sites = services.div_ceil(SERVICES_PER_SITE).max(1);
    let servers = services.div_ceil(SERVICES_PER_HOST).max(1);
    let layout = Layout {
        services,
        servers,
        layer_size: services.div_ceil(LAYERS),
        seed: options.seed,
    };
    let changes = options.changes.unwrap_or((services / 10).max(1));
    if changes == 0 {
        return Err("a rollout needs at least one change".to_string());
    }
    let targets = place(options, &layout, changes)?;
    let plant_at = |list: &[(usize, Plant)], index: usize, plant: Plant| {
        list.iter().any(|&(i, p)| i == index && p == plant)
    };
    let mut w = Writer {
        out: String::with_capacity(services * 700 + changes * 200),
        counted: 0,
        lines: 0,
        planted: Vec::new(),
    };
    let out = &mut w.out;
    let _ = writeln!(
        out,
        "# generated plan: {services} services\n\
         plan generated {{ rto 3d  rpo 1d  owner ops  escalation cio  restore-parallelism 64 }}"
    );
    out.push_str("role ops { kind owner  person \"Ops Team\"  contact \"+1 555 0100\" }\n");
    out.push_str(
        "role cio { kind escalation  person \"CIO\"  unavailable sat 00:00 .. mon 06:00 }\n",
    );
    out.push_str("tier gold { rto 12h  rpo 1h  mtd 2d  criticality critical }\n");
    out.push_str("defaults service { boot 5m  restore-rate 200MB/s }\n");
    out.push_str("site vault { kind vault  location \"off-site vault\" }\n");
    // Site of service i: its vm's host's site.
    let site_of = |i: usize| (i % servers) % sites;
    let mut cpu = vec![0u64; sites];
    let mut memory = vec![0u64; sites];
    let mut disk = vec![0u64; sites];
    for i in 0..services {
        cpu[site_of(i)] += 4;
        memory[site_of(i)] += 16;
        disk[site_of(i)] += 80;
    }
    for s in 0..sites {
        let _ = writeln!(
            out,
            "site site-{s} {{ kind datacenter  location \"region {s}\" }}\n\
             standby spare-{s} {{\n  capacity cpu {} memory {}GiB disk {}GiB\n  \
             ready-in 2h  runs vm-images  kind warm  hypervisor esxi  site vault  covers site-{s}\n}}",
            cpu[s], memory[s], disk[s]
        );
    }
    for h in 0..servers {
        let _ = writeln!(
            w.out,
            "server host-{h} {{\n  site site-{}  cpu 32  memory 256GiB  disk 4TiB  hypervisor esxi",
            h % sites
        );
        if plant_at(&targets.servers, h, Plant::UnknownProperty) {
            let line = w.line();
            w.plant(Plant::UnknownProperty, line, format!("host-{h}"));
            w.out.push_str("  rack-unit 42\n");
        }
        w.out.push_str("  mtbf 5y  mttr 8h\n}\n");
    }
    for i in 0..services {
        let _ = writeln!(
            w.out,
            "vm vm-{i} {{ on host-{}  cpu 4  memory 16GiB  image 80GiB }}",
            i % servers
        );
        let plants: Vec<Plant> = targets
            .services
            .iter()
            .filter(|&&(s, _)| s == i)
            .map(|&(_, p)| p)
            .collect();
        let has = |p: Plant| plants.contains(&p);
        if has(Plant::DuplicateName) {
            let line = w.line();
            w.plant(Plant::DuplicateName, line, format!("vm-{i}"));
            let _ = writeln!(
                w.out,
                "vm vm-{i} {{ on host-{}  cpu 2  memory 8GiB  image 40GiB }}",
                i % servers
            );
        }
        let mut needs: Vec<String> = layout.needs(i).iter().map(|n| format!("svc-{n}")).collect();
        for &(_, from) in targets.back_edges.iter().filter(|&&(to, _)| to == i) {
            needs.push(format!("svc-{from}"));
        }
        let is_gold = i % 5 == 0;
        let service_line = w.line();
        if has(Plant::NoBackup) {
            w.plant(Plant::NoBackup, service_line, format!("svc-{i}"));
        }
        let _ = write!(w.out, "service svc-{i} {{\n  on vm-{i}");
        if !needs.is_empty() {
            if has(Plant::Cycle) {
                let line = w.line();
                w.plant(Plant::Cycle, line, format!("svc-{i}"));
            }
            let _ = write!(w.out, "  needs {}", needs.join(", "));
        }
        w.out.push('\n');
        if has(Plant::InvalidUnit) {
            let line = w.line();
            w.plant(Plant::InvalidUnit, line, format!("svc-{i}"));
        }
        let _ = writeln!(
            w.out,
            "  data {}{}  change-rate 5GiB/d{}",
            10 + i % 500,
            if has(Plant::InvalidUnit) {
                "GB/s"
            } else {
                "GiB"
            },
            if is_gold { "  tier gold" } else { "" },
        );
        if has(Plant::UnknownName) {
            let line = w.line();
            w.plant(Plant::UnknownName, line, format!("svc-{i}"));
        }
        let _ = writeln!(
            w.out,
            "  owner {}  downtime-cost {}/h\n}}",
            if has(Plant::UnknownName) {
                "ops-team"
            } else {
                "ops"
            },
            100 + i % 1000
        );
        if has(Plant::NoBackup) {
            continue;
        }
        if has(Plant::UntestedBackup) {
            let line = w.line();
            w.plant(Plant::UntestedBackup, line, format!("bk-{i}"));
        }
        let _ = writeln!(
            w.out,
            "backup bk-{i} {{\n  of svc-{i}  full every 7d at 01:00  incremental every 30m\n  \
             to vault  media disk  keep 35d  {}  consistent app\n}}",
            if has(Plant::UntestedBackup) {
                "tested never"
            } else {
                "tested every 30d"
            }
        );
        if is_gold {
            let _ = writeln!(
                w.out,
                "backup tape-{i} {{ of svc-{i}  full every 1d at 03:00  to vault  media tape  keep 90d  tested every 30d  consistent app }}"
            );
        }
    }
    w.out
        .push_str("rollout refresh {\n  window fri 18:00 .. mon 06:00\n  owner ops\n");
    for c in 0..changes {
        let target = (c * 10) % services;
        let stage_line = w.line();
        let _ = writeln!(w.out, "  stage stage-{c} {{\n    go-no-go sat 18:00");
        let planted = targets
            .stages
            .iter()
            .find(|&&(s, _)| s == c)
            .map(|&(_, p)| p);
        let change_line = w.line();
        let _ = writeln!(
            w.out,
            "    change change-{c} {{\n      \
             on svc-{target}  takes 1h  snapshot before  precheck \"true\"\n      \
             verify smoke \"true\"{}\n    }}",
            if planted == Some(Plant::MissingRollback) {
                ""
            } else {
                "  rollback restore-snapshot"
            }
        );
        match planted {
            Some(Plant::MissingRollback) => {
                w.plant(Plant::MissingRollback, change_line, format!("change-{c}"));
            }
            Some(Plant::BigBang) => {
                // A second change on what the first one's service needs (or on the
                // same service): their footprints meet.
                let other = layout.needs(target).first().copied().unwrap_or(target);
                w.plant(Plant::BigBang, stage_line, format!("stage-{c}"));
                let _ = writeln!(
                    w.out,
                    "    change change-{c}-also {{\n      \
                     on svc-{other}  takes 1h  snapshot before  precheck \"true\"\n      \
                     verify smoke \"true\"  rollback restore-snapshot\n    }}"
                );
            }
            _ => {}
        }
        w.out.push_str("  }\n");
    }
    w.out.push_str("}\n");
    w.out.push_str(
        "scenario site-loss {\n  at sat 02:00 fail site-0\n  expect svc-0 rto 2d rpo 1d\n  \
         activation \"site unreachable for 30 minutes\"\n  reconstitution \"smoke tests pass on every service\"\n}\n",
    );
    let mut planted = w.planted;
    planted.sort_by_key(|p| p.line);
    Ok(Generated {
        text: w.out,
        planted,
    })
}
