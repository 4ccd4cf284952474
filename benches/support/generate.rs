//! A generator of large, valid, realistic plans for benchmarks and scale tests.
//! Layered estate: sites, hosts, vms, services whose `needs` point to lower layers
//! (fan-in and fan-out), a backup per service, standby, a rollout and scenarios.

use std::fmt::Write;

/// Dependency layers: front ends, applications, middleware, databases, storage services.
const LAYERS: usize = 5;

/// A plan with `services` services (about 450 bytes of plan text per service).
pub fn generate(services: usize) -> String {
    let mut out = String::with_capacity(services * 400);
    let sites = (services / 500).max(2);
    let servers = (services / 4).max(2);
    let _ = writeln!(
        out,
        "# generated plan: {services} services\nplan generated {{ rto 8h  rpo 1h  owner ops  escalation cio }}"
    );
    out.push_str("role ops { kind owner  person \"Ops Team\"  contact \"+1 555 0100\" }\n");
    out.push_str(
        "role cio { kind escalation  person \"CIO\"  unavailable sat 00:00 .. mon 06:00 }\n",
    );
    out.push_str("tier gold { rto 2h  rpo 15m  mtd 8h  criticality critical }\n");
    out.push_str("defaults service { boot 5m  restore-rate 200MB/s }\n");
    for s in 0..sites {
        let _ = writeln!(
            out,
            "site site-{s} {{ kind datacenter  location \"region {s}\" }}"
        );
    }
    out.push_str("site vault { kind offsite }\n");
    for h in 0..servers {
        let _ = writeln!(
            out,
            "server host-{h} {{\n  site site-{}  cpu 32  memory 256GiB  disk 4TiB  hypervisor esxi\n  mtbf 5y  mttr 8h\n}}",
            h % sites
        );
    }
    for i in 0..services {
        let _ = writeln!(
            out,
            "vm vm-{i} {{ on host-{}  cpu 4  memory 16GiB  image 80GiB }}",
            i % servers
        );
        // Five layers, front ends on top: each service needs two of the layer below,
        // so many services share a database (fan-in) and each needs several (fan-out).
        let layer_size = services.div_ceil(LAYERS);
        let layer = i / layer_size;
        let mut needs = String::new();
        let below = (layer + 1) * layer_size;
        if below < services {
            let size = layer_size.min(services - below);
            let _ = write!(
                needs,
                "  needs svc-{}, svc-{}",
                below + (i * 7) % size,
                below + (i * 13 + 3) % size
            );
        }
        let tier = if i % 5 == 0 {
            "  tier gold"
        } else {
            "  rto 12h  rpo 4h"
        };
        let _ = writeln!(
            out,
            "service svc-{i} {{\n  on vm-{i}{needs}\n  data {}GiB  change-rate 5GiB/d{tier}\n  owner ops  downtime-cost {}/h\n}}",
            10 + i % 500,
            100 + i % 1000
        );
        let _ = writeln!(
            out,
            "backup bk-{i} {{\n  of svc-{i}  full every 7d at 01:00  differential every 24h at 02:00\n  to vault  media disk  rotate 2 media  offsite vault every 1d\n  keep 30d  tested every 30d  consistent app\n}}"
        );
    }
    out.push_str("standby truck { capacity cpu 512 memory 4TiB disk 200TiB  ready-in 24h  runs vm-images  covers site-0 }\n");
    out.push_str("rollout big { window fri 18:00 .. mon 06:00\n");
    let changes = (services / 10).max(1);
    for stage in 0..changes.div_ceil(2) {
        let _ = writeln!(out, "  stage stage-{stage} {{");
        for c in (stage * 2)..((stage * 2 + 2).min(changes)) {
            let _ = writeln!(
                out,
                "    change change-{c} {{ on svc-{}  takes 1h  snapshot before  precheck \"true\"  verify smoke \"true\"  rollback restore-snapshot }}",
                c * 10
            );
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out.push_str("scenario site-loss { at sat 02:00 fail site-0  expect svc-0 rto 48h rpo 1d }\n");
    out
}
