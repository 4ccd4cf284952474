//! Hostile inputs made in the test: bad bytes, huge files, deep nesting, include trouble.
//! Each must give its diagnostic and exit code, never a panic.

use crate::test_builder::Test;
use std::time::Duration;

#[test]
fn invalid_utf8_is_reported() {
    Test::new()
        .bytes("plan.dr", b"plan clinic {\n  description \"caf\xe9\"\n}\n")
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::invalid-utf8")
        .stdout_contains("plan.dr:2:")
        .run();
}

#[test]
fn invalid_utf8_at_the_very_start() {
    Test::new()
        .bytes("plan.dr", b"\xff\xfe")
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::invalid-utf8")
        .run();
}

#[test]
fn file_over_the_size_limit_is_refused_unread() {
    let test = Test::new();
    let file = std::fs::File::create(test.path().join("huge.dr")).expect("create");
    // Sparse: the length is over the limit without writing the bytes.
    file.set_len(drplan::load::MAX_FILE_BYTES + 1)
        .expect("set length");
    test.args(["check", "huge.dr"])
        .status(1)
        .stdout_contains("drplan::file-too-large")
        .stdout_contains("huge.dr")
        .run();
}

#[test]
fn fifty_megabytes_of_junk_stop_early_without_a_panic() {
    let line = "server { cpu many }\n";
    let junk = line.repeat(50_000_000 / line.len());
    let output = Test::new()
        .bytes("big.dr", junk.as_bytes())
        .args(["check", "big.dr"])
        .status(1)
        .stdout_contains("drplan::too-many-errors")
        .within(Duration::from_secs(60))
        .run();
    assert!(
        output.stdout.matches("drplan::").count() <= 60,
        "reporting did not stop"
    );
}

#[test]
fn too_many_errors_stops_reporting() {
    let text: String = (0..60)
        .map(|i| format!("server s{i} {{ cpu many }}\n"))
        .collect();
    let output = Test::new()
        .bytes(
            "plan.dr",
            format!("plan clinic {{ rto 4h }}\n{text}").as_bytes(),
        )
        .args(["check", "--format", "json", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::too-many-errors")
        .stdout_contains("stopped after 50 errors in this file")
        .run();
    assert_eq!(
        output
            .stdout
            .matches("\"drplan::unexpected-token\"")
            .count(),
        50
    );
}

#[test]
fn ten_thousand_open_braces() {
    Test::new()
        .bytes("plan.dr", "{".repeat(10_000).as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::nesting-too-deep")
        .run();
}

#[test]
fn ten_thousand_open_braces_inside_a_declaration() {
    let text = format!("plan clinic {{ rto 4h {}", "{".repeat(10_000));
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::nesting-too-deep")
        .run();
}

#[test]
fn ten_thousand_balanced_braces() {
    let text = format!("{}{}", "{".repeat(10_000), "}".repeat(10_000));
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::nesting-too-deep")
        .run();
}

#[test]
fn empty_file_is_an_empty_plan() {
    Test::new()
        .bytes("plan.dr", b"")
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::empty-plan")
        .stdout_contains("`plan.dr` declares nothing")
        .run();
}

#[test]
fn whitespace_only_file_is_an_empty_plan() {
    Test::new()
        .bytes("plan.dr", b" \n\t\r\n")
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::empty-plan")
        .run();
}

#[test]
fn numbers_that_overflow() {
    for (property, number) in [
        ("cpu", "18446744073709551616".to_string()),
        ("cpu", "9".repeat(400)),
        ("memory", format!("{}GiB", "9".repeat(400))),
        ("memory", "2000PiB".to_string()),
        ("mtbf", format!("{}y", "9".repeat(400))),
    ] {
        Test::new()
            .plan(&format!(
                "plan clinic {{ rto 4h }}\nserver sql1 {{ {property} {number} }}"
            ))
            .args(["check", "plan.dr"])
            .status(1)
            .stdout_contains("drplan::number-out-of-range")
            .run();
    }
}

#[test]
fn include_of_a_missing_file() {
    Test::new()
        .plan(
            r#"
            plan clinic { rto 4h }
            include "roles.dr"
            "#,
        )
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::include-not-found")
        .stdout_contains("plan.dr:2:")
        .run();
}

#[test]
fn include_cycle_between_two_files() {
    Test::new()
        .file("a.dr", "plan clinic { rto 4h }\ninclude \"b.dr\"")
        .file("b.dr", "role it { kind owner }\ninclude \"a.dr\"")
        .args(["check", "a.dr"])
        .status(1)
        .stdout_contains("drplan::include-cycle")
        .stdout_contains("a.dr → b.dr → a.dr")
        .run();
}

#[test]
fn include_joins_files_into_one_plan() {
    Test::new()
        .file(
            "a.dr",
            "plan clinic { owner it  escalation it  rpo 1h }\ninclude \"sub/roles.dr\"",
        )
        .file("sub/roles.dr", "role it { kind owner }")
        .args(["check", "a.dr"])
        .stdout("no problems in 2 files\n")
        .run();
}

#[test]
fn diagnostic_in_an_included_file_names_that_file() {
    Test::new()
        .file("a.dr", "plan clinic { owner it }\ninclude \"roles.dr\"")
        .file("roles.dr", "role it { kind ownr }")
        .args(["check", "a.dr"])
        .status(1)
        .stdout_contains("drplan::invalid-value")
        .stdout_contains("roles.dr:1:")
        .run();
}

#[test]
fn human_output_shows_25_of_a_code_and_counts_the_rest() {
    let text: String = (0..60)
        .map(|i| format!("server s{i} {{ cpu many }}\n"))
        .collect();
    let output = Test::new()
        .bytes(
            "plan.dr",
            format!("plan clinic {{ rto 4h }}\n{text}").as_bytes(),
        )
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("… and 25 more `drplan::unexpected-token` diagnostics")
        .stdout_contains("51 errors, 0 warnings in 1 file")
        .run();
    assert_eq!(
        output.stdout.matches("drplan::unexpected-token\n").count(),
        25
    );
}

#[test]
fn string_longer_than_the_limit() {
    let text = format!(
        "plan clinic {{ rto 4h  description \"{}\" }}\n",
        "x".repeat(drplan::syntax::MAX_STRING_BYTES + 1)
    );
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::limit-exceeded")
        .stdout_contains("the length of a string exceeds the limit of 65536 bytes")
        .run();
}

#[test]
fn string_at_the_limit_is_accepted() {
    let text = format!(
        "plan clinic {{ rto 4h  description \"{}\" }}\n",
        "x".repeat(drplan::syntax::MAX_STRING_BYTES)
    );
    let compiled = drplan::compile(drplan::load::load_text("plan.dr", &text));
    assert!(!compiled
        .diagnostics
        .iter()
        .any(|d| d.code == drplan::diagnostics::Code::LimitExceeded));
}

#[test]
fn more_scenarios_than_the_limit_stop_before_resolution() {
    let scenarios: String = (0..=drplan::model::limits::MAX_SCENARIOS)
        .map(|i| format!("scenario s{i} {{ at mon 01:00 fail nowhere }}\n"))
        .collect();
    let output = Test::new()
        .bytes(
            "plan.dr",
            format!("plan clinic {{ rto 4h }}\n{scenarios}").as_bytes(),
        )
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::limit-exceeded")
        .stdout_contains("the number of scenarios exceeds the limit of 1000")
        .run();
    // Not resolved: the unknown `nowhere` of every scenario goes unreported.
    assert!(!output.stdout.contains("unknown-reference"));
}

#[test]
fn plan_text_over_the_total_limit_is_refused_unread() {
    let test = Test::new().dir("estate");
    let files = drplan::load::MAX_PLAN_BYTES / drplan::load::MAX_FILE_BYTES + 1;
    for i in 0..files {
        let file =
            std::fs::File::create(test.path().join(format!("estate/part-{i}.dr"))).expect("create");
        // Sparse: each file at the size limit without writing its bytes.
        file.set_len(drplan::load::MAX_FILE_BYTES)
            .expect("set length");
    }
    test.args(["check", "estate"])
        .status(1)
        .stdout_contains("drplan::limit-exceeded")
        .stdout_contains("the size of a plan exceeds the limit of 256 MiB")
        .stdout_contains(&format!("part-{}.dr` was not read", files - 1))
        .run();
}

#[test]
fn files_past_the_file_limit_are_refused_at_the_include() {
    let test = Test::new().dir("parts");
    let parts = drplan::load::MAX_FILES;
    let mut root = String::from("plan clinic { rto 4h  rpo 1h }\n");
    for i in 0..parts {
        std::fs::write(
            test.path().join(format!("parts/part-{i}.dr")),
            format!("role r{i} {{ }}\n"),
        )
        .expect("write a part");
        root.push_str(&format!("include \"parts/part-{i}.dr\"\n"));
    }
    // The root file and MAX_FILES − 1 parts fit; the last include is one file too many.
    let output = test
        .bytes("plan.dr", root.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::limit-exceeded")
        .stdout_contains("the number of files in a plan exceeds the limit of 10000")
        .stdout_contains(&format!("plan.dr:{}:", parts + 1))
        .stdout_contains("one file too many")
        .stdout_contains(&format!("part-{}.dr` was not read", parts - 1))
        .stdout_contains("drplan explain limit-exceeded")
        .run();
    assert!(!output.stdout.contains("file-too-large"));
    assert_eq!(output.stdout.matches("drplan::limit-exceeded").count(), 1);
}

#[test]
fn an_include_chain_as_long_as_the_file_limit_loads_quickly() {
    // Each file includes the next: loading once recursed per include and overflowed
    // the stack at a few thousand, and scanned every loaded file for each new one.
    let test = Test::new();
    let files = drplan::load::MAX_FILES;
    for i in 0..files {
        let include = if i + 1 < files {
            format!("include \"f{}.dr\"\n", i + 1)
        } else {
            String::new()
        };
        let plan = if i == 0 {
            "plan clinic { rto 4h  rpo 1h  owner r0  escalation r0 }\n"
        } else {
            ""
        };
        std::fs::write(
            test.path().join(format!("f{i}.dr")),
            format!("{include}{plan}role r{i} {{ }}\n"),
        )
        .expect("write a file");
    }
    test.args(["check", "f0.dr"])
        .status(0)
        .stdout_contains(&format!("in {files} files"))
        .within(Duration::from_secs(20))
        .run();
}

#[test]
fn monte_carlo_past_the_sample_limit_is_refused() {
    // `--trials` goes up to 100,000,000: 101 components pass the product limit.
    let servers: String = (0..101)
        .map(|i| format!("server s{i} {{ site hq  mtbf 5y }}\n"))
        .collect();
    Test::new()
        .bytes(
            "plan.dr",
            format!("plan clinic {{ rto 4h  rpo 1h }}\nsite hq {{ kind datacenter }}\n{servers}")
                .as_bytes(),
        )
        .args(["simulate", "plan.dr", "--trials", "100000000"])
        .status(1)
        .stderr_contains("drplan::limit-exceeded")
        .stderr_contains("100000000 trials × 101 components with failure data")
        .stderr_contains("run at most 99009900 trials")
        .within(Duration::from_secs(30))
        .run();
}

#[test]
fn exact_analysis_past_the_node_limit_is_left_out_beside_monte_carlo() {
    // Down when 3,001 of 6,000 hosts are: the threshold diagram needs 3,001 × 3,000
    // nodes, past the limit. The slowest test here (seconds in a debug build), since
    // the limit must really be reached.
    let hosts = 6_000;
    let text = one_service_on_many_servers(hosts, "  fail-probability 0.01");
    let output = Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["simulate", "plan.dr", "--trials", "10"])
        .status(1)
        .stderr_contains("drplan::limit-exceeded")
        .stderr_contains(
            "the decision diagram of the exact analysis exceeds the limit of 8000000 nodes",
        )
        .stderr_contains(&format!("plan.dr:{}:9", hosts + 3))
        .stderr_contains("the diagram passed the limit while adding this service")
        .stderr_contains("`drplan simulate --trials N`")
        .stdout_contains("Monte Carlo: 10 trials")
        .stdout_contains("exact unavailability left out")
        .run();
    assert!(!output.stdout.contains("exact unavailability (BDD"));
    assert!(!output.stderr.contains("panicked"));
}

#[test]
fn a_long_needs_list_costs_linear_time() {
    // One service needs another 200,000 times and a change restarts both: the boot
    // chain of the change once scanned its whole work stack for each `needs` entry.
    let needs = vec!["db"; 200_000].join(", ");
    let text = format!(
        "plan clinic {{ rto 4h  rpo 1h }}\nserver h {{ }}\nservice db {{ on h  boot 5m }}\n\
         service app {{ on h  boot 5m  needs {needs} }}\n\
         rollout r {{ stage one {{ change c {{ on app, db  kind upgrade  takes 1h }} }} }}\n"
    );
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::missing-rollback")
        .within(Duration::from_secs(20))
        .run();
}

#[test]
fn a_service_that_a_hundred_thousand_services_need_costs_linear_time() {
    // Monte Carlo's model once scanned a service's dependents for each new one.
    let services: String = (0..100_000)
        .map(|i| format!("service s{i} {{ on h  needs hub }}\n"))
        .collect();
    let text = format!(
        "plan clinic {{ rto 4h  rpo 1h }}\nserver h {{ mtbf 5y }}\nservice hub {{ on h }}\n{services}"
    );
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["simulate", "plan.dr", "--trials", "1"])
        .stdout_contains("Monte Carlo: 1 trials")
        .within(Duration::from_secs(40))
        .run();
}

#[test]
fn a_stage_of_ten_thousand_changes_on_one_service_is_checked_quickly() {
    // Every pair is coupled: finding them looked each pair up in a list of all the
    // changes (n³), and went on after the pairs collected were full. Past that limit
    // the pairs are only counted as "more than", but every coupled change still is.
    let changes: String = (0..10_000)
        .map(|i| format!("change c{i} {{ on s  kind config  takes 1m }}\n"))
        .collect();
    let text = format!(
        "plan clinic {{ rto 4h  rpo 1h  max-changes-per-stage 100000 }}\nserver h {{ }}\n\
         service s {{ on h }}\nrollout r {{ stage one {{\n{changes}}} }}\n"
    );
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::big-bang")
        .stdout_contains("changes 10000 coupled systems at once (more than 10000 coupled pairs)")
        .within(Duration::from_secs(20))
        .run();
}

#[test]
fn a_service_on_sixty_thousand_servers_is_checked_in_linear_time() {
    // The recovery rules lose each server in turn: each loss once counted the
    // survivors among every host of the service, n² in all.
    let text = one_service_on_many_servers(60_000, "");
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .stdout_contains("drplan::single-point-of-failure")
        .within(Duration::from_secs(30))
        .run();
}

#[test]
fn the_runbook_of_a_site_loss_of_twenty_thousand_services_costs_linear_time() {
    // Per lost service, the replay once settled every service, and the runbook searched
    // its steps, the plan's backups and the other moved services: minutes, not seconds.
    let text = a_site_of_many_services(20_000);
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["runbook", "plan.dr", "--scenario", "lose-hq"])
        .stdout_contains("· 80007 steps")
        .stdout_contains("Restore s19999 from b19999")
        .stdout_contains("after: `restore.s19999`, `boot.s4999`")
        .stdout_contains("after: `failback.s1`, `failback.s2`, `failback.s3`, `failback.s4`")
        .within(Duration::from_secs(30))
        .run();
}

#[test]
fn the_report_of_a_site_loss_of_twenty_thousand_services_costs_linear_time() {
    // The Gantt chart once read the whole timeline again for each service down.
    let text = a_site_of_many_services(20_000);
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["report", "plan.dr", "-o", "-"])
        .stdout_contains("one row per service that went down (20000 of them, 20000 back)")
        .stdout_contains("s19999: restore from 7.45h to 7.47h")
        .within(Duration::from_secs(30))
        .run();
}

#[test]
fn a_diagnostic_with_a_label_per_list_entry_draws_twenty() {
    // `no-snapshot-before-change` labels every service of a change on 10,000 of them;
    // drawing them all took minutes.
    let services: String = (0..10_000)
        .map(|i| format!("service s{i} {{ on h }}\n"))
        .collect();
    let names: Vec<String> = (0..10_000).map(|i| format!("s{i}")).collect();
    let text = format!(
        "plan clinic {{ rto 4h  rpo 1h }}\nserver h {{ }}\n{services}\
         rollout r {{ stage one {{ change c {{ on {}  kind upgrade  takes 1h }} }} }}\n",
        names.join(", ")
    );
    let output = Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["check", "plan.dr"])
        .status(1)
        .stdout_contains("drplan::no-snapshot-before-change")
        .stdout_contains("`s18` has no point to return to")
        .stdout_contains("… and 9981 more labels (`--format json` lists them all)")
        .within(Duration::from_secs(20))
        .run();
    assert!(!output.stdout.contains("`s19` has no point to return to"));
}

#[test]
fn a_file_of_one_long_line_is_not_printed_whole_for_each_diagnostic() {
    let text = format!("{} ={}", "x".repeat(1_000_000), "\u{1}".repeat(1_000_000));
    let compiled = drplan::compile(drplan::load::load_text("plan.dr", &text));
    let style = drplan::diagnostics::render::HumanStyle {
        color: false,
        width: 100,
    };
    let equals = compiled
        .diagnostics
        .iter()
        .find(|d| d.message.contains("`=`"))
        .expect("the `=` is reported");
    assert!(compiled.diagnostics.len() >= 50);
    for diagnostic in &compiled.diagnostics {
        let rendered = drplan::diagnostics::render::human(diagnostic, &compiled.sources, style);
        assert!(rendered.len() < 4_000, "{} bytes", rendered.len());
    }
    let rendered = drplan::diagnostics::render::human(equals, &compiled.sources, style);
    let column = equals.primary_span().expect("a span").start + 1;
    assert!(
        rendered.contains(&format!("plan.dr:1:{column}]")),
        "{rendered}"
    );
}

/// A plan whose one service `wide` runs on `hosts` servers of one site (each with
/// `server_properties` after its site) and needs half of them up.
fn one_service_on_many_servers(hosts: usize, server_properties: &str) -> String {
    let servers: String = (0..hosts)
        .map(|i| format!("server h{i} {{ site hq{server_properties} }}\n"))
        .collect();
    let names: Vec<String> = (0..hosts).map(|i| format!("h{i}")).collect();
    format!(
        "plan clinic {{ rto 4h  rpo 1h }}\nsite hq {{ kind datacenter }}\n{servers}\
         service wide {{ on {}  quorum {} }}\n",
        names.join(", "),
        hosts / 2
    )
}

/// A plan of `services` services on the servers of site `hq`, four to a server, each
/// with a backup off-site and needing one service of the level above (a tree, `s0` at
/// its root), a standby that covers `hq`, and the scenario `lose-hq` that loses it all.
fn a_site_of_many_services(services: usize) -> String {
    let mut text = String::from(
        "plan big { rto 3d  rpo 1d  owner ops  escalation ops  restore-parallelism 64 }\n\
         role ops { kind owner }\nsite hq { kind datacenter }\nsite vault { kind vault }\n\
         standby spare { covers hq  ready-in 2h  site vault  model \"r650\" }\n\
         scenario lose-hq { at mon 09:00 fail hq  activation \"hq is down\"  reconstitution \"smoke tests pass\" }\n",
    );
    for h in 0..services.div_ceil(4) {
        text.push_str(&format!("server h{h} {{ site hq  model \"r650\" }}\n"));
    }
    for i in 0..services {
        let needs = match i {
            0 => String::new(),
            _ => format!("  needs s{}", (i - 1) / 4),
        };
        text.push_str(&format!(
            "service s{i} {{ on h{}  data 1GiB{needs} }}\n\
             backup b{i} {{ of s{i}  full every 1d  to vault  tested every 30d }}\n",
            i / 4
        ));
    }
    text
}

#[test]
fn a_site_loss_of_twenty_thousand_services_is_replayed_quickly() {
    // The replay recomputed every service's availability at each of its events: a
    // loss of n services cost n² (5,000 took 9 s in a debug build, 20,000 minutes).
    Test::new()
        .bytes("plan.dr", a_site_of_many_services(20_000).as_bytes())
        .args(["simulate", "plan.dr", "--format", "json"])
        .status(0)
        .stdout_contains("\"s19999\"")
        .within(Duration::from_secs(30))
        .run();
}

#[test]
fn the_runbook_of_a_rollout_of_five_thousand_stages_costs_linear_time() {
    // Each stage's wait for its window once clocked every step before it again.
    let stages: String = (0..5_000)
        .map(|i| format!("  stage s{i} {{ change c{i} {{ on h  kind config  takes 1h }} }}\n"))
        .collect();
    let text = format!(
        "plan p {{ rto 4h  rpo 1h }}\nserver h {{ }}\nservice s {{ on h }}\n\
         rollout r {{\n  window sat 08:00 .. sat 20:00  soak 1d\n{stages}}}\n"
    );
    Test::new()
        .bytes("plan.dr", text.as_bytes())
        .args(["runbook", "plan.dr", "--rollout", "r"])
        .stdout_contains("Wait for the window of stage s4999")
        .within(Duration::from_secs(30))
        .run();
}
