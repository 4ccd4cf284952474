//! Unit tests of the scripted engine against hand-worked timelines.

use super::{run, DataLossBasis, Happening, Report};
use crate::model::ScenarioId;

fn replay(text: &str) -> Report {
    let compiled = crate::compile(crate::load::load_text("test.dr", text));
    // Analysis errors (no rto, untested backup) do not matter here: the model resolves.
    assert!(compiled.graph.is_some(), "{:?}", compiled.diagnostics);
    let plan = compiled.plan.as_ref().expect("plan");
    run(plan, compiled.graph.as_ref().expect("graph"), ScenarioId(0))
}

fn restores(report: &Report) -> Vec<(String, u64, u64)> {
    let mut started = Vec::new();
    for entry in &report.timeline {
        if let Happening::RestoreStarted {
            service, seconds, ..
        } = &entry.event
        {
            started.push((service.clone(), entry.time.seconds, *seconds));
        }
    }
    started
}

const TWO_EQUAL: &str = "plan p { detect 0s  restore-parallelism 1 }
    server a { cpu 1 }
    service x { on a  data 360GB  restore-rate 100MB/s }
    service y { on a  data 360GB  restore-rate 100MB/s }
    backup b { of x, y  full every 1d  to a-vault }
    site a-vault { kind vault }
    standby s { covers a }
    scenario lose-a { at mon 09:00 fail a }";

#[test]
fn a_restore_takes_size_over_rate() {
    let report = replay(TWO_EQUAL);
    // 360GB at 100MB/s is 3600s.
    for (_, _, seconds) in restores(&report) {
        assert_eq!(seconds, 3600);
    }
}

#[test]
fn with_one_slot_two_equal_restores_finish_at_twice_the_time() {
    let report = replay(TWO_EQUAL);
    let x = report.service("x").expect("x down");
    let y = report.service("y").expect("y down");
    assert_eq!(x.outage, Some(3600));
    assert_eq!(y.outage, Some(7200));
    let parallel = replay(&TWO_EQUAL.replace("restore-parallelism 1", "restore-parallelism 2"));
    assert_eq!(parallel.service("y").and_then(|s| s.outage), Some(3600));
}

#[test]
fn a_nightly_full_at_one_loses_one_hour_at_two() {
    let report = replay(
        "plan p { }
         site vault { kind vault }
         server a { cpu 1 }
         service x { on a  data 1GB }
         backup b { of x  full every 1d at 01:00  to vault }
         standby s { covers a }
         scenario lose-a { at sat 02:00 fail a  expect x rpo 1h }",
    );
    let x = report.service("x").expect("x down");
    assert_eq!(x.data_lost, Some(3600));
    assert_eq!(x.data_loss_basis, DataLossBasis::Exact);
    assert!(!report.has_failed_expectation());
}

#[test]
fn the_clock_starts_at_the_first_event_across_the_week_end() {
    let report = replay(
        "plan p { }
         site vault { kind vault }
         server a { cpu 1 }
         service x { on a  data 1GB }
         backup b { of x  full every 1d  to vault }
         standby s { covers a }
         scenario late { at mon 01:00 corrupt b  at sun 23:00 fail a }",
    );
    assert_eq!(report.start.clock, "sun 23:00");
    assert_eq!(report.timeline[0].time.seconds, 0);
    let corrupt = report
        .timeline
        .iter()
        .find(|e| matches!(e.event, Happening::Corrupted { .. }))
        .expect("corrupt");
    assert_eq!(corrupt.time.seconds, 2 * 3600);
    assert_eq!(corrupt.time.week, 1);
}

#[test]
fn no_standby_means_not_recovered_and_a_failed_expectation() {
    let report = replay(
        "plan p { }
         server a { cpu 1 }
         service x { on a }
         service y { on a, b  quorum 1 of 2 }
         server b { cpu 1 }
         scenario lose-a { at tue 10:00 fail a  expect x rto 1h  expect y rto 1m }",
    );
    let x = report.service("x").expect("x down");
    assert_eq!(x.back_at, None);
    assert!(report.service("y").is_none(), "quorum holds");
    assert!(report.has_failed_expectation());
    assert!(report.expectations[1].holds);
}

#[test]
fn a_dependent_is_unavailable_until_its_need_is_back() {
    let report = replay(
        "plan p { detect 10m }
         server a { cpu 1 }
         server b { cpu 1 }
         service db { on a  restore-time 1h  boot 5m }
         service app { on b  needs db }
         backup k { of db  full every 1d }
         standby s { ready-in 20m  covers a }
         scenario lose-a { at tue 10:00 fail a }",
    );
    let db = report.service("db").expect("db");
    let app = report.service("app").expect("app");
    // 10m + 20m + 1h + 5m.
    assert_eq!(db.outage, Some(95 * 60));
    assert_eq!(app.outage, db.outage);
    assert_eq!(app.data_lost, Some(0));
}
