//! Monte Carlo through the library: the same report whatever the thread count, estimates
//! within the bound of textbook probabilities, data loss of a periodic backup,
//! and the human report.

use drplan::model::{Plan, Seconds};
use drplan::simulate::monte_carlo::{run, Options, Report};

const DAY: Seconds = 86_400;
const YEAR: Seconds = 365 * DAY;

/// Compile plan text; it must resolve (safety rules may still object).
fn compile(text: &str) -> (Plan, drplan::graph::Graph) {
    let compiled = drplan::compile(drplan::load::load_text("plan.dr", text));
    (
        compiled.plan.expect("a plan"),
        compiled.graph.expect("a graph"),
    )
}

fn simulate(text: &str, trials: u64, threads: usize, seed: u64) -> (Plan, Report) {
    let (plan, graph) = compile(text);
    let options = Options {
        trials,
        seed,
        threads,
        mission: YEAR,
    };
    let report = run(&plan, &graph, &options, &|_| {});
    (plan, report)
}

fn down(report: &Report, service: &str) -> f64 {
    report
        .services
        .iter()
        .find(|s| s.name == service)
        .unwrap_or_else(|| panic!("no service `{service}`"))
        .down
        .estimate
}

/// Accept an estimate within 3.5·sqrt(p(1−p)/N) + 0.002 of the exact value (issue 4).
fn assert_close(estimate: f64, exact: f64, trials: u64) {
    let tolerance = 3.5 * (exact * (1.0 - exact) / trials as f64).sqrt() + 0.002;
    assert!(
        (estimate - exact).abs() <= tolerance,
        "estimate {estimate}, exact {exact}, tolerance {tolerance}"
    );
}

const CLINIC: &str = "
plan clinic { rto 1d  rpo 1d  owner ops  escalation cio }
role ops { kind owner  person \"Ops\"  contact \"+1 555 0100\" }
role cio { kind escalation  person \"CIO\"  contact \"+1 555 0101\" }
site hq { kind office  location \"Main St\"  fail-probability 1% }
site vault { kind vault  location \"bank vault\" }
storage array1 { kind array  site hq  fail-probability 0.5% }
server a { site hq  storage array1  hypervisor esxi  mtbf 3y  mttr 1d }
server b { site hq  hypervisor esxi  mtbf 5y }
vm db-vm { on a  image 80GiB  fail-probability 2% }
vm web-vm { on b  image 80GiB }
service db { on db-vm  data 50GB  rto 8h  rpo 1h  downtime-cost 1000/h  owner ops  fail-probability 1% }
service web { on web-vm, db-vm  quorum 1 of 2  needs db  rto 6h  downtime-cost 200/h  owner ops }
backup nightly { of db  full every 1d at 01:00  incremental every 30m  to vault  media disk  keep 30d  tested every 30d  consistent app  fail-probability 3% }
standby truck { ready-in 4h  runs vm-images  kind warm  hypervisor esxi  site vault  covers hq }
";

#[test]
fn one_thread_and_four_give_the_same_json() {
    let (_, one) = simulate(CLINIC, 5_000, 1, 42);
    let (_, four) = simulate(CLINIC, 5_000, 4, 42);
    let one = serde_json::to_string_pretty(&one).expect("json");
    let four = serde_json::to_string_pretty(&four).expect("json");
    assert_eq!(one, four);
    let (_, other) = simulate(CLINIC, 5_000, 4, 43);
    assert_ne!(one, serde_json::to_string_pretty(&other).expect("json"));
}

#[test]
fn the_json_has_the_documented_fields() {
    let (_, report) = simulate(CLINIC, 1_000, 2, 1);
    let value = serde_json::to_value(&report).expect("json");
    for key in [
        "trials",
        "seed",
        "mission",
        "components",
        "component_samples",
        "restore_throughput_sigma",
        "plan",
        "services",
        "causes",
    ] {
        assert!(value.get(key).is_some(), "no `{key}`");
    }
    assert_eq!(value["trials"], 1_000);
    assert_eq!(value["components"], 6);
    assert_eq!(value["component_samples"], 6_000);
    let db = &value["services"][0];
    assert_eq!(db["name"], "db");
    for key in [
        "down",
        "rto_holds",
        "rpo_holds",
        "outage",
        "data_loss",
        "cost",
    ] {
        assert!(db.get(key).is_some(), "no `{key}` for db");
    }
    assert_eq!(db["outage"]["over"], "affected trials");
    let p = &db["rto_holds"];
    assert!(p["low"].as_f64() <= p["estimate"].as_f64());
    assert!(p["estimate"].as_f64() <= p["high"].as_f64());
}

const N: u64 = 40_000;

#[test]
fn single_series_parallel_and_two_of_three_match_the_textbook() {
    let text = "
        plan p { }
        server a { fail-probability 10% }
        server b { fail-probability 20% }
        server c { fail-probability 30% }
        service single { on a }
        service base { on b }
        service series { on a  needs base }
        service parallel { on a, b  quorum 1 of 2 }
        service two-of-three { on a, b, c  quorum 2 of 3 }
        standby spare { covers a, b, c }
    ";
    let (_, report) = simulate(text, N, 2, 3);
    let (pa, pb, pc) = (0.1, 0.2, 0.3);
    assert_close(down(&report, "single"), pa, N);
    assert_close(down(&report, "series"), 1.0 - (1.0 - pa) * (1.0 - pb), N);
    assert_close(down(&report, "parallel"), pa * pb, N);
    // Down when at least two of three fail.
    let two_of_three = pa * pb + pa * pc + pb * pc - 2.0 * pa * pb * pc;
    assert_close(down(&report, "two-of-three"), two_of_three, N);
}

#[test]
fn shared_storage_and_sites_take_down_what_uses_them() {
    let text = "
        plan p { }
        site hq { kind office  fail-probability 5% }
        storage disk1 { kind disk  site hq  fail-probability 10% }
        server a { site hq  storage disk1 }
        server b { site hq }
        service x { on a }
        service y { on b }
        standby truck { covers hq }
    ";
    let (_, report) = simulate(text, N, 2, 5);
    assert_close(down(&report, "x"), 1.0 - 0.95 * 0.9, N);
    assert_close(down(&report, "y"), 0.05, N);
}

#[test]
fn data_loss_of_a_periodic_backup_averages_half_its_interval() {
    let text = "
        plan p { detect 0s }
        site vault { kind vault }
        server a { fail-probability 100% }
        service s { on a  data 10GB }
        backup b { of s  full every 7d  incremental every 30m  to vault }
        standby spare { covers a }
    ";
    let (_, report) = simulate(text, N, 2, 9);
    let loss = report.services[0].data_loss;
    let mean = loss.mean.expect("bounded");
    let half = 15.0 * 60.0;
    // Uniform on [0, 30m): standard error 30m / sqrt(12 N).
    let tolerance = 3.5 * 1800.0 / (12.0 * N as f64).sqrt();
    assert!((mean - half).abs() <= tolerance, "mean {mean}");
    assert!(loss.max.expect("bounded") <= 1800);
}

#[test]
fn the_human_report_names_odds_services_and_causes() {
    // Objective misses are rare here (about 3 in 10,000 trials): enough trials to see some.
    let (plan, report) = simulate(CLINIC, 20_000, 2, 1);
    let text = drplan::emit::monte_carlo::human(&plan, &report);
    for needle in [
        "Monte Carlo: 20,000 trials over 365d (seed 1)",
        "every RTO holds",
        "every RPO holds",
        "95% CI",
        "  db\n",
        "downtime cost",
        "components behind the most objective misses",
    ] {
        assert!(text.contains(needle), "no {needle:?} in\n{text}");
    }
}

/// Durations written as distributions are drawn per incident: the share of trials within
/// the RTO is the distribution's CDF at the RTO (each service fails in every trial).
#[test]
fn spread_durations_follow_their_textbook_cdfs() {
    let plan = "
plan spreads { detect 0s }
site hq { kind office }
site dr { kind datacenter }
server s1 { site hq }
server s2 { site hq  fail-probability 100% }
service uniform-boot { on s1  boot uniform 1h 3h  rto 150m  fail-probability 100% }
service triangular-boot { on s1  boot triangular 1h 2h 4h  rto 2h  fail-probability 100% }
service lognormal-restore { on s1  data 1TB  restore-time lognormal 8h 24h  rto 24h  fail-probability 100% }
backup nightly { of lognormal-restore  full every 1d  to dr }
service lognormal-lead { on s2  rto 24h }
standby spare { ready-in lognormal 8h 24h  runs any  covers s2  site dr }
";
    let compiled = drplan::compile(drplan::load::load_text("plan.dr", plan));
    // The front end accepts it (the safety rules' objections do not matter here).
    let front_end: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| !d.code.is_allowable())
        .collect();
    assert!(front_end.is_empty(), "{front_end:?}");
    let trials = 20_000;
    let (_, report) = simulate(plan, trials, 2, 7);
    let holds = |name: &str| {
        report
            .services
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.rto_holds)
            .unwrap_or_else(|| panic!("`{name}` has an RTO result"))
            .estimate
    };
    // Uniform(1h, 3h) ≤ 2.5h: 0.75.
    assert_close(holds("uniform-boot"), 0.75, trials);
    // Triangular(1h, 2h, 4h) ≤ 2h: (2 − 1)² / ((4 − 1)(2 − 1)) = 1/3.
    assert_close(holds("triangular-boot"), 1.0 / 3.0, trials);
    // A lognormal with median 8h and 90th percentile 24h is within 24h nine times in ten.
    assert_close(holds("lognormal-restore"), 0.9, trials);
    assert_close(holds("lognormal-lead"), 0.9, trials);
}

/// Cold standby (textbook): a server and a standby that only starts to age when it takes
/// over, both failing at rate λ. The service is lost for good when both fail within the
/// mission t: the sum of two exponentials, Erlang(2, λ): 1 − e^(−λt)(1 + λt).
#[test]
fn a_cold_standby_fails_by_the_erlang_law() {
    let plan = "
plan cold { detect 0s }
site hq { kind office }
site dr { kind datacenter }
server s1 { site hq  mtbf 1y  model \"R740\" }
standby spare { ready-in 0s  runs any  kind cold  covers s1  site dr  mtbf 1y  model \"R740\" }
service app { on s1  rto 1h }
service db { on s1  rto 1h }
";
    let trials = 40_000;
    let (_, report) = simulate(plan, trials, 2, 11);
    let app = &report.services[0];
    let lambda_t = 1.0f64;
    assert_close(app.down.estimate, 1.0 - (-lambda_t).exp(), trials);
    let erlang = 1.0 - (-lambda_t).exp() * (1.0 + lambda_t);
    let holds = app.rto_holds.expect("an rto").estimate;
    assert_close(1.0 - holds, erlang, trials);
    // One standby is one machine: both services lose it together, so the plan misses
    // an RTO exactly as often as one service does (independent draws would miss more).
    let plan_holds = report.plan.rto_holds.expect("rtos").estimate;
    assert_close(1.0 - plan_holds, erlang, trials);
}
