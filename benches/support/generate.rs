//! A generator of large, valid, realistic plans for benchmarks and scale tests.
//! Layered estate: sites, virtualization hosts, vms, services whose `needs` point to
//! the layer below (fan-in and fan-out), restore-tested off-site backups, a standby per
//! site, a rollout of one change per stage, and scenarios. The plan checks clean.

use std::fmt::Write;

/// Dependency layers: front ends, applications, middleware, databases, storage services.
const LAYERS: usize = 5;
/// Services per site.
const SERVICES_PER_SITE: usize = 500;
/// Services per virtualization host.
const SERVICES_PER_HOST: usize = 4;

/// A plan with `services` services (about 600 bytes of plan text per service).
pub fn generate(services: usize) -> String {
    let mut out = String::with_capacity(services * 700);
    let sites = services.div_ceil(SERVICES_PER_SITE).max(1);
    let servers = services.div_ceil(SERVICES_PER_HOST).max(1);
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
            out,
            "server host-{h} {{\n  site site-{}  cpu 32  memory 256GiB  disk 4TiB  hypervisor esxi\n  mtbf 5y  mttr 8h\n}}",
            h % sites
        );
    }
    let layer_size = services.div_ceil(LAYERS);
    for i in 0..services {
        let _ = writeln!(
            out,
            "vm vm-{i} {{ on host-{}  cpu 4  memory 16GiB  image 80GiB }}",
            i % servers
        );
        // Each service needs two of the layer below, so many services share a
        // database (fan-in) and each needs several (fan-out).
        let below = (i / layer_size + 1) * layer_size;
        let mut needs = String::new();
        if below < services {
            let size = layer_size.min(services - below);
            let _ = write!(
                needs,
                "  needs svc-{}, svc-{}",
                below + (i * 7) % size,
                below + (i * 13 + 3) % size
            );
        }
        let is_gold = i % 5 == 0;
        let _ = writeln!(
            out,
            "service svc-{i} {{\n  on vm-{i}{needs}\n  data {}GiB  change-rate 5GiB/d{}\n  owner ops  downtime-cost {}/h\n}}",
            10 + i % 500,
            if is_gold { "  tier gold" } else { "" },
            100 + i % 1000
        );
        let _ = writeln!(
            out,
            "backup bk-{i} {{\n  of svc-{i}  full every 7d at 01:00  incremental every 30m\n  \
             to vault  media disk  keep 35d  tested every 30d  consistent app\n}}"
        );
        if is_gold {
            let _ = writeln!(
                out,
                "backup tape-{i} {{ of svc-{i}  full every 1d at 03:00  to vault  media tape  keep 90d  tested every 30d  consistent app }}"
            );
        }
    }
    out.push_str("rollout refresh {\n  window fri 18:00 .. mon 06:00\n  owner ops\n");
    for c in 0..(services / 10).max(1) {
        let _ = writeln!(
            out,
            "  stage stage-{c} {{\n    go-no-go sat 18:00\n    change change-{c} {{\n      \
             on svc-{}  takes 1h  snapshot before  precheck \"true\"\n      \
             verify smoke \"true\"  rollback restore-snapshot\n    }}\n  }}",
            c * 10
        );
    }
    out.push_str("}\n");
    out.push_str(
        "scenario site-loss {\n  at sat 02:00 fail site-0\n  expect svc-0 rto 2d rpo 1d\n  \
         activation \"site unreachable for 30 minutes\"\n  reconstitution \"smoke tests pass on every service\"\n}\n",
    );
    out
}
