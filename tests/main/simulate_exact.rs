//! The exact engine against textbook results, the SCRAM reference values of the
//! Open-PSA test inputs (as fault trees and as converted plans), and, when the `scram`
//! binary is installed, SCRAM itself on the Open-PSA export of a generated plan.

#[path = "../../benches/support/open_psa.rs"]
mod open_psa;

use drplan::model::{Plan, ServiceId};
use drplan::simulate::exact::{analyse, to_open_psa, Basis, Options, Report};
use std::path::Path;

const DAY: u64 = 86_400;

/// Compile plan text; it must resolve without errors (safety rules may still object).
fn compile(text: &str) -> (Plan, drplan::graph::Graph) {
    let compiled = drplan::compile(drplan::load::load_text("plan.dr", text));
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && !drplan::analysis::is_analysis_code(d.code))
        .map(|d| format!("{d:?}"))
        .collect();
    assert!(errors.is_empty(), "plan has errors: {errors:#?}");
    (
        compiled.plan.expect("a plan"),
        compiled.graph.expect("a graph"),
    )
}

fn report(text: &str, mission: u64) -> Report {
    let (plan, graph) = compile(text);
    analyse(&plan, &graph, &Options::new(mission)).expect("within the node limit")
}

fn probability(report: &Report, service: &str) -> f64 {
    report
        .services
        .iter()
        .find(|s| s.name == service)
        .unwrap_or_else(|| panic!("no service `{service}`"))
        .probability
}

#[track_caller]
fn assert_close(actual: f64, expected: f64, relative: f64) {
    let error = (actual - expected).abs() / expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        error <= relative,
        "{actual} differs from {expected} by {error:e} (relative), more than {relative:e}"
    );
}

const PLAN: &str = "plan t { rto 4h  rpo 1h }\n";

#[test]
fn series_fails_when_any_part_fails() {
    let r = report(
        &format!(
            "{PLAN}site dc {{ fail-probability 0.01 }}
             storage disk {{ site dc  fail-probability 0.02 }}
             server s {{ site dc  storage disk  fail-probability 0.03 }}
             service app {{ on s  fail-probability 0.04 }}"
        ),
        0,
    );
    let expected = 1.0 - 0.99 * 0.98 * 0.97 * 0.96;
    assert_close(probability(&r, "app"), expected, 1e-12);
}

#[test]
fn parallel_hosts_fail_together() {
    let r = report(
        &format!(
            "{PLAN}server a {{ fail-probability 0.1 }}
             server b {{ fail-probability 0.2 }}
             server c {{ fail-probability 0.3 }}
             service app {{ on a, b, c  quorum 1 }}
             service all {{ on a, b, c  quorum 3 }}"
        ),
        0,
    );
    assert_close(probability(&r, "app"), 0.1 * 0.2 * 0.3, 1e-12);
    assert_close(probability(&r, "all"), 1.0 - 0.9 * 0.8 * 0.7, 1e-12);
}

#[test]
fn quorum_is_a_binomial_sum() {
    let p: f64 = 0.15;
    let servers: String = (0..5)
        .map(|i| format!("server s{i} {{ fail-probability {p} }}\n"))
        .collect();
    let r = report(
        &format!("{PLAN}{servers}service db {{ on s0, s1, s2, s3, s4  quorum 3 of 5 }}"),
        0,
    );
    // Up while 3 of 5 are up: down when 3 or more of the 5 are down.
    let choose = |n: u64, k: u64| (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64);
    let expected: f64 = (3..=5)
        .map(|k| choose(5, k) * p.powi(k as i32) * (1.0 - p).powi(5 - k as i32))
        .sum();
    assert_close(probability(&r, "db"), expected, 1e-12);
}

#[test]
fn a_shared_disk_is_one_variable() {
    let r = report(
        &format!(
            "{PLAN}storage disk {{ fail-probability 0.05 }}
             server a {{ storage disk  fail-probability 0.1 }}
             server b {{ storage disk  fail-probability 0.2 }}
             service x {{ on a }}
             service y {{ on b }}
             service both {{ on a, b  quorum 1 }}
             service front {{ on a  needs x, y }}"
        ),
        0,
    );
    // Redundant servers over one disk: the disk alone takes both down.
    let both = 0.05 + 0.95 * 0.1 * 0.2;
    assert_close(probability(&r, "both"), both, 1e-12);
    // Assuming independence would give P(a) · P(b) instead: far off.
    let naive = (1.0 - 0.95 * 0.9) * (1.0 - 0.95 * 0.8);
    assert!((probability(&r, "both") - naive).abs() > 0.01);
    assert_close(probability(&r, "front"), 1.0 - 0.95 * 0.9 * 0.8, 1e-12);
}

#[test]
fn mission_time_uses_the_exponential_law() {
    let r = report(
        &format!(
            "{PLAN}server s {{ mtbf 1000h }}
             service app {{ on s }}"
        ),
        30 * DAY,
    );
    let expected = 1.0 - (-(720.0_f64) / 1000.0).exp();
    assert_close(probability(&r, "app"), expected, 1e-12);
    assert_eq!(r.components[0].basis, Basis::Mission(30 * DAY));
    assert_eq!(r.services[0].basis.mission, 1);
}

#[test]
fn repairable_components_use_steady_state() {
    let r = report(
        &format!(
            "{PLAN}server s {{ mtbf 1000h  mttr 10h }}
             service app {{ on s }}"
        ),
        30 * DAY,
    );
    // λ/(λ+μ) with λ = 1/1000h, μ = 1/10h.
    let (lambda, mu) = (1.0 / 1000.0, 1.0 / 10.0);
    assert_close(probability(&r, "app"), lambda / (lambda + mu), 1e-12);
    assert_eq!(r.components[0].basis, Basis::SteadyState);
}

#[test]
fn failover_needs_primary_and_target_down() {
    let r = report(
        &format!(
            "{PLAN}site dc {{ fail-probability 0.01 }}
             site far {{ fail-probability 0.02 }}
             server a {{ site dc  fail-probability 0.1 }}
             server b {{ site far  fail-probability 0.2 }}
             standby spare {{ site far  ready-in 4h  covers dc }}
             service app {{ on a  failover b after 5m }}
             service cold {{ on a  failover spare }}"
        ),
        0,
    );
    let a = 1.0 - 0.99 * 0.9;
    let b = 1.0 - 0.98 * 0.8;
    assert_close(probability(&r, "app"), a * b, 1e-12);
    assert_close(probability(&r, "cold"), a * 0.02, 1e-12);
}

#[test]
fn components_without_failure_data_never_fail() {
    let r = report(
        &format!(
            "{PLAN}server s {{ }}
             service app {{ on s }}"
        ),
        DAY,
    );
    assert_eq!(probability(&r, "app"), 0.0);
    assert!(r.components.is_empty());
}

#[test]
fn a_diagram_past_the_node_limit_is_a_diagnostic_at_the_service() {
    let servers: String = (0..20)
        .map(|i| format!("server h{i} {{ fail-probability 0.1 }}\n"))
        .collect();
    let hosts: Vec<String> = (0..20).map(|i| format!("h{i}")).collect();
    let text = format!(
        "{PLAN}{servers}service small {{ on h0 }}\n\
         service wide {{ on {}  quorum 10 }}\n",
        hosts.join(", ")
    );
    let (plan, graph) = compile(&text);
    // Down when 11 of 20 are down: 11 × 10 nodes and more.
    let options = Options {
        max_bdd_nodes: 100,
        ..Options::new(DAY)
    };
    let diagnostic = analyse(&plan, &graph, &options).expect_err("past the limit");
    assert_eq!(diagnostic.code, drplan::diagnostics::Code::LimitExceeded);
    assert_eq!(
        diagnostic.message,
        "the decision diagram of the exact analysis exceeds the limit of 100 nodes"
    );
    let span = diagnostic.primary_span().expect("a span");
    assert_eq!(&text[span.range()], "wide");
    assert!(diagnostic
        .help
        .as_deref()
        .is_some_and(|h| h.contains("drplan simulate --trials N")));
    // The real limit leaves the same plan alone.
    let r = analyse(&plan, &graph, &Options::new(DAY)).expect("within the real limit");
    assert!(r.bdd_nodes > 100);
}

#[test]
fn a_long_on_list_of_one_host_is_one_step() {
    // 100,000 entries and a quorum of half: a k × n threshold table would take
    // billions of steps; the repeated host counts once for all its entries.
    let hosts = vec!["h"; 100_000].join(", ");
    let r = report(
        &format!(
            "{PLAN}server h {{ fail-probability 0.25 }}\n\
             service s {{ on {hosts}  quorum 50000 }}\n"
        ),
        DAY,
    );
    assert_close(probability(&r, "s"), 0.25, 1e-12);
}

/// The values SCRAM 0.16.2 prints for the reference files (tests/data/open-psa/README.md).
const REFERENCE: [(&str, f64); 5] = [
    ("two_train", 0.7225),
    ("theatre", 0.00207),
    ("ne574", 0.662208),
    ("baobab1", 0.000101708),
    ("200_event", 0.559854),
];

fn reference_model(name: &str) -> open_psa::OpenPsa {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/open-psa")
        .join(format!("{name}.xml"));
    let xml = std::fs::read_to_string(&path).expect("reference file");
    open_psa::parse(&xml).expect("an Open-PSA model")
}

#[test]
fn open_psa_fault_trees_match_scram() {
    for (name, expected) in REFERENCE {
        let (tree, top) = open_psa::to_fault_tree(&reference_model(name));
        let exact = tree.probability(top).expect("within the node limit");
        // SCRAM prints six significant digits.
        assert_close(exact.probability, expected, 1e-6);
    }
}

#[test]
fn open_psa_as_plans_match_scram() {
    for (name, expected) in REFERENCE {
        let model = reference_model(name);
        let Some(text) = open_psa::to_plan(&model) else {
            // baobab1's ANDs of `atleast` gates multiply out to more terms than a plan
            // should hold; its tree is checked gate for gate above.
            assert_eq!(name, "baobab1");
            continue;
        };
        let r = report(&text, 0);
        assert_close(probability(&r, "top"), expected, 1e-6);
    }
}

/// A plan with shared sites and storage, quorums, failover, needs chains and every
/// basis: the kind of structure `to_open_psa` exports.
fn generated_plan(services: usize) -> String {
    use std::fmt::Write;
    let mut out = String::from(PLAN);
    let sites = services / 20 + 2;
    for s in 0..sites {
        let _ = writeln!(out, "site dc{s} {{ fail-probability 0.00{} }}", s % 9 + 1);
        let _ = writeln!(out, "storage array{s} {{ site dc{s}  mtbf 3y  mttr 2d }}");
    }
    for h in 0..services * 2 {
        let s = h % sites;
        let _ = writeln!(
            out,
            "server h{h} {{ site dc{s}  storage array{s}, array{}  mtbf {}d }}",
            (s + 1) % sites,
            200 + h % 300
        );
    }
    for i in 0..services {
        let (a, b, c) = (
            2 * i,
            (2 * i + 1) % (services * 2),
            (i * 7 + 3) % (services * 2),
        );
        let hosts = if b == c {
            format!("h{a}, h{b}")
        } else {
            format!("h{a}, h{b}, h{c}")
        };
        let quorum = if i % 3 == 0 { "quorum 2" } else { "quorum 1" };
        let needs = if i >= 3 {
            format!("needs s{}, s{}", i / 2, i / 3)
        } else {
            String::new()
        };
        let failover = if i % 5 == 0 {
            format!("failover h{}", (i * 13 + 1) % (services * 2))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "service s{i} {{ on {hosts}  {quorum}  {failover}  {needs}  fail-probability 0.0001 }}"
        );
    }
    out
}

#[test]
fn generated_plans_analyse_every_service() {
    let r = report(&generated_plan(200), 30 * DAY);
    assert_eq!(r.services.len(), 200);
    assert!(r
        .services
        .iter()
        .all(|s| s.probability > 0.0 && s.probability < 1.0));
    let last = r.services.last().expect("services");
    assert!(last.basis.probability > 0 && last.basis.mission > 0 && last.basis.steady_state > 0);
}

#[test]
fn open_psa_export_round_trips() {
    let text = generated_plan(60);
    let (plan, graph) = compile(&text);
    let options = Options::new(30 * DAY);
    let r = analyse(&plan, &graph, &options).expect("within the node limit");
    for service in [0, 7, 59] {
        let xml = to_open_psa(&plan, &options, ServiceId(service));
        let model = open_psa::parse(&xml).expect("the export reads back");
        assert_eq!(model.gates[model.top].0, "top");
        let (tree, top) = open_psa::to_fault_tree(&model);
        assert_close(
            tree.probability(top)
                .expect("within the node limit")
                .probability,
            r.services[service as usize].probability,
            1e-9,
        );
    }
}

/// SCRAM's printed top-event probability for an Open-PSA file.
fn scram_probability(file: &Path) -> Option<f64> {
    let output = std::process::Command::new("scram")
        .args(["--probability", "true"])
        .arg(file)
        .output()
        .ok()?;
    assert!(
        output.status.success(),
        "scram failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let at = stdout.find("<sum-of-products")?;
    let rest = &stdout[at..];
    let value = rest.split("probability=\"").nth(1)?.split('"').next()?;
    value.parse().ok()
}

#[test]
fn scram_agrees_on_exported_plans() {
    if std::process::Command::new("scram")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("note: `scram` is not on PATH (Debian package `scram`); skipping the comparison");
        return;
    }
    let text = generated_plan(120);
    let (plan, graph) = compile(&text);
    let options = Options::new(30 * DAY);
    let r = analyse(&plan, &graph, &options).expect("within the node limit");
    let dir = tempfile::tempdir().expect("temp dir");
    for service in [0u32, 5, 42, 119] {
        let file = dir.path().join(format!("s{service}.xml"));
        std::fs::write(&file, to_open_psa(&plan, &options, ServiceId(service))).expect("write");
        let scram = scram_probability(&file).expect("scram prints a probability");
        // SCRAM prints six significant digits.
        assert_close(r.services[service as usize].probability, scram, 1e-5);
    }
    // And on the reference files themselves.
    for (name, _) in REFERENCE {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/open-psa")
            .join(format!("{name}.xml"));
        let scram = scram_probability(&file).expect("scram prints a probability");
        let (tree, top) = open_psa::to_fault_tree(&reference_model(name));
        assert_close(
            tree.probability(top)
                .expect("within the node limit")
                .probability,
            scram,
            1e-5,
        );
    }
}
