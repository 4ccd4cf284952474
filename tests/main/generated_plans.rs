//! Generated plans (the benchmarks' generator): clean ones check clean, and each planted
//! error is reported with its code at exactly the line the generator says.

#[path = "../../benches/support/generate.rs"]
mod generate;

use crate::test_builder::Test;
use generate::{Options, Plant};

/// `(line, code)` of every diagnostic `drplan check --format json` reports.
/// Every planted error is an error, so the exit status says whether any was expected.
fn reported(text: &str, status: i32) -> Vec<(usize, String)> {
    let out = Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "--format", "json", "plan.dr"])
        .status(status)
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json output");
    let mut found: Vec<(usize, String)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["location"]["line"].as_u64().unwrap_or(0) as usize,
                d["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn planted(options: &Options) -> (String, Vec<(usize, String)>) {
    let generated = generate::generate_with(options).expect("a plan");
    let mut expected: Vec<(usize, String)> = generated
        .planted
        .iter()
        .map(|p| (p.line, p.code.to_string()))
        .collect();
    expected.sort();
    (generated.text, expected)
}

#[test]
fn generated_plans_check_clean() {
    for (services, seed) in [(1, 0), (7, 0), (60, 0), (60, 3), (300, 11)] {
        let options = Options {
            seed,
            ..Options::new(services)
        };
        let (text, _) = planted(&options);
        assert_eq!(reported(&text, 0), [], "{services} services, seed {seed}");
    }
}

#[test]
fn each_planted_error_is_reported_at_its_line() {
    for &plant in Plant::ALL {
        for seed in [0, 5] {
            let options = Options {
                seed,
                plants: vec![plant],
                ..Options::new(40)
            };
            let (text, expected) = planted(&options);
            assert_eq!(expected.len(), 1);
            assert_eq!(
                reported(&text, 1),
                expected,
                "plant {} with seed {seed}",
                plant.name()
            );
        }
    }
}

#[test]
fn planted_errors_together_are_each_reported() {
    let front_end: Vec<Plant> = Plant::ALL
        .iter()
        .copied()
        .filter(|p| !p.is_analysis())
        .collect();
    let analysis: Vec<Plant> = Plant::ALL
        .iter()
        .copied()
        .filter(|p| p.is_analysis())
        .collect();
    for plants in [front_end, analysis] {
        let options = Options {
            seed: 9,
            changes: Some(30),
            plants: plants.clone(),
            ..Options::new(120)
        };
        let (text, expected) = planted(&options);
        assert_eq!(expected.len(), plants.len());
        assert_eq!(reported(&text, 1), expected, "plants {plants:?}");
    }
}

#[test]
fn analysis_plants_do_not_mix_with_errors() {
    let options = Options {
        plants: vec![Plant::Cycle, Plant::NoBackup],
        ..Options::new(40)
    };
    let error = generate::generate_with(&options).unwrap_err();
    assert!(error.contains("no-backup"), "{error}");
}

/// `check`'s JSON report of `text` (which has errors) on `threads` threads, and the
/// number of its diagnostics with `code`.
fn report_on_threads(text: &str, threads: usize, code: &str) -> (String, usize) {
    let stdout = Test::new()
        .bytes("plan.dr", text.as_bytes())
        .env("RAYON_NUM_THREADS", &threads.to_string())
        .args(["check", "--format", "json", "plan.dr"])
        .status(1)
        .run()
        .stdout;
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json output");
    let count = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == code)
        .count();
    (stdout, count)
}

#[test]
fn findings_are_the_same_whatever_the_thread_count() {
    let (text, _) = planted(&Options::new(1200));
    // Objectives nothing can meet and a standby too slow to help: RTO misses after
    // many server and site losses, whose estimates are spread over the threads.
    let late = text
        .replace("tier gold { rto 12h", "tier gold { rto 1m")
        .replace("ready-in 2h", "ready-in 30d");
    // Unknown names, found while declarations are lowered on several threads.
    let unknown = text.replace("needs svc-10", "needs svc-nowhere");
    for (text, code, least) in [
        (late, "drplan::rto-unmet", 1000),
        (unknown, "drplan::unknown-reference", 100),
    ] {
        let (one, count) = report_on_threads(&text, 1, code);
        assert!(count >= least, "{count} × {code}");
        for threads in [2, 5] {
            assert_eq!(
                one,
                report_on_threads(&text, threads, code).0,
                "{threads} threads"
            );
        }
    }
}
