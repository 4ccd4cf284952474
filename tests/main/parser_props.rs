//! Property tests: whatever the text, compiling, rendering and simulating it never
//! panics and every label span lies inside the text, on character boundaries.

use proptest::prelude::*;

fn check_spans(text: &str) {
    // The fuzz targets' checks: spans in bounds and every diagnostic rendered; then,
    // when the plan compiles, its scenarios, runbooks and a tiny Monte Carlo.
    let compiled = crate::fuzz_checks::frontend(text);
    crate::fuzz_checks::simulate_compiled(&compiled);
}

/// Words the grammar gives meaning to, so generated plans reach deep parser paths.
const KEYWORDS: &[&str] = &[
    "include",
    "plan",
    "defaults",
    "tier",
    "role",
    "site",
    "storage",
    "server",
    "vm",
    "service",
    "backup",
    "standby",
    "rollout",
    "stage",
    "change",
    "scenario",
    "allow",
    "rto",
    "rpo",
    "mtd",
    "owner",
    "escalation",
    "max-changes-per-stage",
    "restore-parallelism",
    "test-every",
    "detect",
    "description",
    "criticality",
    "critical",
    "kind",
    "person",
    "contact",
    "deputy",
    "unavailable",
    "holiday",
    "location",
    "mtbf",
    "mttr",
    "fail-probability",
    "capacity",
    "throughput",
    "cpu",
    "memory",
    "disk",
    "hypervisor",
    "esxi",
    "none",
    "model",
    "on",
    "image",
    "quorum",
    "of",
    "failover",
    "after",
    "needs",
    "data",
    "restore-rate",
    "restore-time",
    "boot",
    "change-rate",
    "tier",
    "user-facing",
    "active",
    "downtime-cost",
    "activation",
    "version",
    "full",
    "differential",
    "incremental",
    "snapshot",
    "every",
    "at",
    "to",
    "media",
    "tape",
    "rotate",
    "offsite",
    "keep",
    "tested",
    "never",
    "last-tested",
    "consistent",
    "app",
    "ready-in",
    "runs",
    "vm-images",
    "covers",
    "contract",
    "window",
    "starts",
    "soak",
    "budget",
    "go-no-go",
    "roles",
    "from",
    "takes",
    "rehearsed",
    "copy",
    "presync",
    "before",
    "backup",
    "precheck",
    "verify",
    "smoke",
    "load-test",
    "rollback",
    "restore-snapshot",
    "drill",
    "expect",
    "random",
    "over",
    "fail",
    "corrupt",
    "fail-verify",
    "reconstitution",
    "upgrade",
    "office",
    "mon",
    "fri",
    "sat",
    "sun",
    "big-bang",
    "EhrDb",
    "a_b",
    "x--y",
];

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYWORDS).prop_map(str::to_string),
        2 => "[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4}){0,2}",
        2 => (
            "[0-9]{1,25}(\\.[0-9]{1,3})?",
            prop::sample::select(&["", "h", "m", "d", "y", "s", "GiB", "TB", "MB/s", "GiB/d",
                "%", "/h", "x", " h", " GiB", "_0"][..]),
        )
            .prop_map(|(n, u)| format!("{n}{u}")),
        1 => "[0-2][0-9]:[0-6][0-9]",
        1 => "(19|20|30)[0-9]{2}-[0-1][0-9]-[0-3][0-9]",
        3 => prop::sample::select(&["{", "}", "{", "}", ",", ";", "..", "\n", "#c\n"][..])
            .prop_map(str::to_string),
        1 => "\"([a-z é✓]|\\\\[nt\"\\\\xu]|\\\\u\\{[0-9a-f]{0,7}\\}?){0,6}\"?",
        1 => any::<char>().prop_map(String::from),
    ]
}

fn plausible_text() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..120).prop_map(|tokens| tokens.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check_spans(&text);
    }

    #[test]
    fn plausible_tokens_never_panic(text in plausible_text()) {
        check_spans(&text);
    }

    #[test]
    fn truncated_plans_never_panic(cut in 0usize..4000) {
        let text = include_str!("../../plans/ehr-weekend-upgrade.dr");
        let mut end = cut.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        check_spans(&text[..end]);
    }

    /// One character the index scan looks for, put anywhere: the scan must then
    /// agree with the parser about where each declaration ends, or leave the file to
    /// it (`frontend` compares the indexed reading with the whole one).
    #[test]
    fn a_plan_with_a_stray_brace_quote_or_hash_reads_the_same_indexed(
        at in 0usize..20_000,
        stray in prop::sample::select(vec!["{", "}", "\"", "#", ";", "\n}\n", "'"]),
    ) {
        let text = include_str!("../../plans/ehr-weekend-upgrade.dr");
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        check_spans(&format!("{}{stray}{}", &text[..at], &text[at..]));
    }
}

#[test]
fn spans_of_known_tricky_inputs() {
    for text in [
        "",
        "\"",
        "\"\\",
        "plan p { description \"x\\",
        "plan p { description \"\\u{",
        "plan p { description \"é\\é\" }",
        "plan p { rto 4",
        "allow",
        "defaults",
        "service é { }",
        "{{{{",
        "}}}}",
    ] {
        check_spans(text);
    }
}
