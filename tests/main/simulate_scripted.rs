//! Scripted scenarios through the library API (`simulate::scripted::run` and
//! `emit::timeline::human`): the three story checks, a corpus of small scenario plans
//! in `tests/cases/simulate/`, and determinism. The CLI wiring has its own tests.

use drplan::model::{Plan, ScenarioId};
use drplan::simulate::scripted::{self, DataLossBasis, Happening, Report};
use std::path::Path;

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

/// Compile a plan file; it must have no errors.
fn compile_file(path: &Path) -> drplan::Compiled {
    let compiled = drplan::compile(drplan::load::load(path));
    assert!(
        !compiled.has_errors(),
        "{}: {:#?}",
        path.display(),
        compiled.diagnostics
    );
    compiled
}

/// Replay one scenario of a compiled plan: its report and its human rendering.
fn replay(compiled: &drplan::Compiled, scenario: &str) -> (Report, String) {
    let plan: &Plan = compiled.plan.as_ref().expect("plan");
    let graph = compiled.graph.as_ref().expect("graph");
    let index = plan
        .scenarios
        .iter()
        .position(|s| s.name == scenario)
        .unwrap_or_else(|| panic!("no scenario `{scenario}`"));
    let report = scripted::run(plan, graph, ScenarioId(index as u32));
    let text = drplan::emit::timeline::human(plan, &report);
    (report, text)
}

fn replay_file(path: &str, scenario: &str) -> (Report, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    replay(&compile_file(&root.join(path)), scenario)
}

fn restore_seconds(report: &Report, service: &str) -> Vec<u64> {
    report
        .timeline
        .iter()
        .filter_map(|e| match &e.event {
            Happening::RestoreStarted {
                service: s,
                seconds,
                ..
            } if s == service => Some(*seconds),
            _ => None,
        })
        .collect()
}

/// Story 003: the array under web1 fails; the websites' restores take what their size
/// and throughput say, not the hoped-for 2 hours.
#[test]
fn story_003_array_failure_restores_take_their_real_time() {
    let (report, text) = replay_file("plans/drive-array-clone.dr", "array-failure");
    // 940GB of cms-sites at web1-files' 100MB/s: 9400s, 2h 37m in whole minutes.
    assert_eq!(restore_seconds(&report, "cms-sites"), vec![157 * MINUTE]);
    // 260GB of shop-sites: 43m 20s, 44m.
    assert_eq!(restore_seconds(&report, "shop-sites"), vec![44 * MINUTE]);
    let cms = report.service("cms-sites").expect("cms-sites went down");
    assert!(cms.outage.expect("recovered") > 2 * HOUR, "{text}");
    // Every site restore together is far past the 2 hours the clone was sold as.
    let sites: u64 = ["shop-sites", "cms-sites", "media-uploads", "brochure-sites"]
        .iter()
        .flat_map(|s| restore_seconds(&report, s))
        .sum();
    assert!(sites > 4 * HOUR, "{sites}");
    // Hourly incrementals without a clock time: the worst case, an hour.
    assert_eq!(cms.data_lost, Some(HOUR));
    assert_eq!(cms.data_loss_basis, DataLossBasis::WorstCase);
    insta::assert_snapshot!(text);
}

/// Story 004: the site is lost; recovery waits for the truck, then restores from the
/// off-site drive, and the data lost is the rotation interval.
#[test]
fn story_004_site_loss_waits_for_the_truck_and_loses_a_rotation() {
    let (report, text) = replay_file("plans/virtual-dr-standby.dr", "site-loss");
    let erp_db = report.service("erp-db").expect("erp-db went down");
    // Detect 2h + the truck's 24h come before any restore.
    let first_restore = report
        .timeline
        .iter()
        .find(|e| matches!(e.event, Happening::RestoreStarted { .. }))
        .expect("a restore");
    assert_eq!(first_restore.time.seconds, 2 * HOUR + DAY, "{text}");
    assert!(erp_db.recovery.contains("mobile-datacenter"), "{text}");
    // The drive off site left up to a week ago: 7d lost, the rotation interval.
    for service in ["directory", "erp-db", "email", "file-shares"] {
        let s = report.service(service).expect(service);
        assert_eq!(s.data_lost, Some(7 * DAY), "{service}\n{text}");
        assert_eq!(s.data_loss_basis, DataLossBasis::WorstCase);
    }
    // 250GB of file shares at the drives' 30MB/s: 8334s, 2h 19m.
    assert_eq!(restore_seconds(&report, "file-shares"), vec![139 * MINUTE]);
    assert!(!report.has_failed_expectation(), "{text}");
    insta::assert_snapshot!(text);
}

/// Story 002: the integrity check fails; at the go/no-go deadline the pre-upgrade
/// backup is restored, and the report shows when users are back.
#[test]
fn story_002_failed_integrity_check_restores_from_backup_at_go_no_go() {
    let (report, text) = replay_file("plans/ehr-weekend-upgrade.dr", "integrity-check-fails");
    let no_go = report
        .timeline
        .iter()
        .find(|e| matches!(e.event, Happening::NoGo { .. }))
        .expect("a go/no-go");
    assert_eq!(no_go.time.clock, "sun 20:00");
    // 900GB of ehr-db at its 300MB/s: 50m, then boot 15m; the EHR boots 10m after.
    assert_eq!(restore_seconds(&report, "ehr-db"), vec![50 * MINUTE]);
    let ehr = report.service("ehr").expect("ehr went down");
    let back = ehr.back_at.as_ref().expect("users are back");
    assert_eq!(back.clock, "sun 21:15", "{text}");
    assert_eq!(ehr.data_lost, Some(0));
    assert!(!report.has_failed_expectation(), "{text}");
    insta::assert_snapshot!(text);
}

/// The same night with the pre-upgrade backup bad: the restore is abandoned and
/// restarted from the previous point, losing one more interval and more time.
#[test]
fn story_002_bad_backup_falls_back_to_the_previous_point() {
    let (report, text) = replay_file(
        "plans/ehr-weekend-upgrade.dr",
        "integrity-fails-and-backup-bad",
    );
    assert!(
        report
            .timeline
            .iter()
            .any(|e| matches!(e.event, Happening::RestoreAborted { .. })),
        "{text}"
    );
    let db = report.service("ehr-db").expect("ehr-db went down");
    assert_eq!(db.data_lost, Some(15 * MINUTE), "{text}");
    // Half an hour wasted on the bad point, then the whole 50m again.
    assert_eq!(db.outage, Some(30 * MINUTE + 50 * MINUTE + 15 * MINUTE));
    insta::assert_snapshot!(text);
}

/// Every scenario of every example plan replays without a panic, byte-identically.
#[test]
fn example_plans_replay_deterministically() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .expect("plans/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dr"))
        .collect();
    paths.sort();
    for path in paths {
        let compiled = drplan::compile(drplan::load::load(&path));
        if compiled.has_errors() {
            continue;
        }
        let plan = compiled.plan.as_ref().expect("plan");
        for scenario in &plan.scenarios {
            let (first, text) = replay(&compiled, &scenario.name);
            let (_, again) = replay(&compiled, &scenario.name);
            assert_eq!(text, again, "{}", scenario.name);
            let json = serde_json::to_string(&first).expect("json");
            let (second, _) = replay(&compiled, &scenario.name);
            assert_eq!(json, serde_json::to_string(&second).expect("json"));
        }
    }
}

/// Each `tests/cases/simulate/*.dr` replays its first scenario; the snapshot is what a
/// person reads.
#[test]
fn corpus() {
    insta::glob!("../cases/simulate", "*.dr", |path| {
        // Small plans: other rules' findings (no owner, no activation) do not matter.
        let compiled = drplan::compile(drplan::load::load(path));
        assert!(compiled.graph.is_some(), "{:#?}", compiled.diagnostics);
        let name = compiled.plan.as_ref().expect("plan").scenarios[0]
            .name
            .clone();
        let (report, text) = replay(&compiled, &name);
        insta::assert_snapshot!(format!(
            "{text}\nhas failed expectation: {}\n",
            report.has_failed_expectation()
        ));
    });
}
