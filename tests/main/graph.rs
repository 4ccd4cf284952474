//! `drplan graph`: every example plan drawn in each format (snapshots), DOT checked by
//! Graphviz when it is installed, JSON checked for dangling edges, a scenario's blast
//! radius, and the command's errors.

use crate::test_builder::{drplan, Test};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const FORMATS: [&str; 3] = ["dot", "mermaid", "json"];

fn graph(path: &Path, extra: &[&str]) -> String {
    let output = drplan()
        .arg("graph")
        .arg(path.file_name().expect("a file"))
        .args(extra)
        .current_dir(path.parent().expect("a folder"))
        .output()
        .expect("run drplan");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}: {stderr}",
        path.display()
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn has_graphviz() -> bool {
    Command::new("dot")
        .arg("-V")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Render DOT to SVG with Graphviz; panics with its complaint when it refuses the text
/// or says anything at all about it.
pub(crate) fn check_with_graphviz(dot: &str, what: &str) {
    let mut child = Command::new("dot")
        .args(["-Tsvg", "-o", "/dev/null"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dot");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.is_empty(),
        "{what}: graphviz rejects the DOT:\n{stderr}"
    );
}

/// Every edge joins two nodes, and ids are unique.
fn check_json(text: &str, what: &str) {
    let document: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    let ids: Vec<&str> = document["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("an id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{what}: duplicate ids");
    for edge in document["edges"].as_array().expect("edges") {
        for end in ["from", "to"] {
            let id = edge[end].as_str().expect("an end");
            assert!(ids.contains(&id), "{what}: edge to unknown node {id}");
        }
    }
}

#[test]
fn example_plans() {
    let graphviz = has_graphviz();
    if !graphviz {
        eprintln!("note: graphviz is not installed; DOT output is not rendered");
    }
    insta::glob!("../../plans", "*.dr", |path| {
        for format in FORMATS {
            let text = graph(path, &["--format", format]);
            let what = format!("{} as {format}", path.display());
            match format {
                "dot" if graphviz => check_with_graphviz(&text, &what),
                "json" => check_json(&text, &what),
                _ => {}
            }
            insta::assert_snapshot!(format, text);
        }
    });
}

/// Each example plan's scenarios, in every format: (plan, scenario).
const SCENARIOS: [(&str, &str); 3] = [
    ("virtual-dr-standby.dr", "site-loss"),
    ("big-bang-rollout.dr", "saturday-morning"),
    ("drive-array-clone.dr", "array-failure"),
];

#[test]
fn scenario_blast_radius() {
    let graphviz = has_graphviz();
    let plans = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
    for (plan, scenario) in SCENARIOS {
        for format in FORMATS {
            let text = graph(
                &plans.join(plan),
                &["--format", format, "--scenario", scenario],
            );
            let what = format!("{plan} --scenario {scenario} as {format}");
            match format {
                "dot" if graphviz => check_with_graphviz(&text, &what),
                "json" => check_json(&text, &what),
                _ => {}
            }
            insta::assert_snapshot!(format!("{plan}-{scenario}.{format}"), text);
        }
    }
}

const SMALL: &str = r#"
    plan p { owner ops  escalation ops  rto 4h  rpo 1h }
    role ops { kind on-call }
    site dc { kind datacenter }
    site vault { kind vault }
    storage san { kind san  site dc }
    server host { site dc  hypervisor kvm  storage san }
    vm app-vm { on host  storage san }
    service db { on host }
    service app { on app-vm  needs db }
    service other { on host }
    backup nightly { of db  full every 1d at 01:00  to san  offsite vault every 1d  tested every 30d }
    scenario disk-down { at mon 10:00 fail san }
"#;

#[test]
fn blast_radius_marks_failed_down_and_unaffected() {
    let output = Test::new()
        .plan(SMALL)
        .args([
            "graph",
            "plan.dr",
            "--format",
            "json",
            "--scenario",
            "disk-down",
        ])
        .run();
    let document: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let status = |id: &str| {
        document["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap_or_else(|| panic!("no node {id}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("storage:san"), "failed");
    for id in [
        "server:host",
        "vm:app-vm",
        "service:db",
        "service:app",
        "service:other",
    ] {
        assert_eq!(status(id), "down", "{id}");
    }
    assert_eq!(status("backup:nightly"), "unaffected");
    assert_eq!(status("site:vault"), "unaffected");
    assert_eq!(document["scenario"], "disk-down");
}

#[test]
fn writes_to_a_file() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("plan.dr"),
        crate::test_builder::unindent(SMALL),
    )
    .unwrap();
    let output = drplan()
        .args(["graph", "plan.dr", "--format", "mermaid", "-o", "plan.mmd"])
        .current_dir(dir.path())
        .output()
        .expect("run drplan");
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let written = std::fs::read_to_string(dir.path().join("plan.mmd")).expect("written");
    assert!(written.contains("flowchart TB"), "{written}");
}

#[test]
fn unknown_scenario_is_a_usage_error() {
    Test::new()
        .plan(SMALL)
        .args(["graph", "plan.dr", "--scenario", "disk-dwn"])
        .status(2)
        .stderr_contains("no scenario `disk-dwn`")
        .stderr_contains("disk-down")
        .run();
}

#[test]
fn plan_that_does_not_compile_is_not_drawn() {
    Test::new()
        .plan("service a { on nowhere }")
        .args(["graph", "plan.dr"])
        .status(1)
        .stderr_contains("unknown-reference")
        .stdout("")
        .run();
}
