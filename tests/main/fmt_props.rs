//! Property test of the formatter: plans assembled from valid declarations, with random
//! whitespace and comments between every two tokens, format idempotently to a plan with
//! the same model and the same diagnostics.

use crate::fmt::meaning;
use proptest::prelude::*;

/// Declarations of a plan, tokens separated by one space (strings keep theirs).
const DECLARATIONS: &[&str] = &[
    r#"plan p { owner ops escalation ops rto 4h rpo 1h description "a \"quoted\" plan \\ \u{e9}" }"#,
    r#"role ops { kind on-call person "On call" contact "+1 555 0100" unavailable sat 00:00 .. mon 06:00 }"#,
    "tier gold { rto 1h rpo 15m criticality critical }",
    "site dc { kind datacenter mtbf 20y }",
    "site vault { kind vault }",
    "storage san { kind san site dc capacity 10TB throughput 400MB/s }",
    "server host { site dc hypervisor kvm storage san cpu 16 memory 64 GiB }",
    "vm app-vm { on host storage san cpu 2 ; memory 4GiB }",
    "defaults service { boot 5m }",
    "service db { on host data 10GB restore-rate 100MB/s tier gold }",
    "service app { on app-vm , host quorum 1 of 2 needs db user-facing active mon 07:00 .. fri 18:00 }",
    "backup nightly { of db , app-vm full every 1d at 01:00 to san offsite vault every 1d tested every 30d }",
    "standby spare { kind cold ready-in 1d covers host site vault }",
    "scenario disk-down { at mon 10:00 fail san expect app rto 8h }",
    r#"allow no-offsite-copy "the vault is enough""#,
];

/// A declaration's tokens: split at spaces outside strings.
fn tokens(declaration: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let (mut start, mut in_string, mut escaped) = (0, false, false);
    for (i, c) in declaration.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ' ' if !in_string => {
                tokens.push(&declaration[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    tokens.push(&declaration[start..]);
    tokens
}

/// What may stand between two tokens; `""` only next to punctuation.
const SEPARATORS: &[&str] = &[
    "",
    " ",
    "   ",
    "\n",
    "\n\n\n",
    "\t ",
    " # a \"comment\" {\n",
    "\n  # own line\n\n",
    "\r\n",
];

fn is_punctuation(token: &str) -> bool {
    matches!(token, "{" | "}" | "," | ";")
}

/// The plan text from the chosen declarations and separators (one per gap, reused cyclically).
fn assemble(chosen: &[bool], separators: &[usize]) -> String {
    let tokens: Vec<&str> = DECLARATIONS
        .iter()
        .zip(chosen)
        .filter(|(_, &is_chosen)| is_chosen)
        .flat_map(|(declaration, _)| tokens(declaration))
        .collect();
    let mut text = String::new();
    for (k, token) in tokens.iter().enumerate() {
        if k > 0 {
            let mut separator = SEPARATORS[separators[k % separators.len()]];
            if separator.is_empty() && !is_punctuation(tokens[k - 1]) && !is_punctuation(token) {
                separator = " ";
            }
            text.push_str(separator);
        }
        text.push_str(token);
    }
    text.push('\n');
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn formatting_is_idempotent_and_keeps_the_meaning(
        chosen in proptest::collection::vec(proptest::bool::weighted(0.8), DECLARATIONS.len()),
        separators in proptest::collection::vec(0..SEPARATORS.len(), 1..64),
        leading_comment in proptest::bool::ANY,
    ) {
        let mut text = assemble(&chosen, &separators);
        if leading_comment {
            text.insert_str(0, "# leading\n\n");
        }
        let formatted = drplan::fmt::format_source(&text)
            .map_err(|e| TestCaseError::fail(format!("not formatted: {:?}\n{text}", e.diagnostics)))?;
        let again = drplan::fmt::format_source(&formatted).expect("formatted text formats");
        prop_assert_eq!(&again, &formatted, "not idempotent:\n{}", text);
        prop_assert_eq!(meaning(&formatted), meaning(&text), "meaning changed:\n{}", text);
        let comments = |t: &str| t.matches('#').count();
        prop_assert_eq!(comments(&formatted), comments(&text), "a comment was lost");
    }
}

#[test]
fn strings_stay_one_token() {
    assert_eq!(
        tokens(r#"person "On \"call\" x" y"#),
        ["person", r#""On \"call\" x""#, "y"]
    );
}

#[test]
fn every_declaration_parses_on_its_own() {
    let all = vec![true; DECLARATIONS.len()];
    let text = assemble(&all, &[1]);
    let (_, codes) = meaning(&text);
    assert!(
        !codes.iter().any(|c| {
            [
                "drplan::unexpected-token",
                "drplan::unknown-property",
                "drplan::invalid-value",
            ]
            .contains(&c.as_str())
        }),
        "{codes:?}\n{text}"
    );
}
