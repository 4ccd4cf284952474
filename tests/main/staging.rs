//! `drplan check --suggest-stages`: on story 001's big-bang rollout the suggestion is a
//! staged rollout that, pasted over the original, passes `check`.

use crate::test_builder::drplan;
use std::path::PathBuf;

#[test]
fn big_bang_suggestion_is_a_rollout_that_passes_check() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let plan_path = root.join("plans/big-bang-rollout.dr");
    let output = drplan()
        .args(["check", "--suggest-stages"])
        .arg(&plan_path)
        .output()
        .expect("run drplan");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let start = stdout.find("\nrollout ").expect("a suggested rollout") + 1;
    let end = start + stdout[start..].find("\n}\n").expect("its end") + 3;
    let suggestion = &stdout[start..end];
    assert!(suggestion.matches("  stage ").count() >= 2, "{suggestion}");
    insta::assert_snapshot!("big-bang-suggestion", suggestion);

    // Replace the original rollout (from its keyword to its closing brace) with it.
    let plan = std::fs::read_to_string(&plan_path).expect("plan");
    let rollout_start = plan.find("\nrollout ").expect("rollout in plan") + 1;
    let rollout_end = rollout_start + plan[rollout_start..].find("\n}\n").expect("end") + 3;
    let staged = format!(
        "{}{}{}",
        &plan[..rollout_start],
        suggestion,
        &plan[rollout_end..]
    );

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("staged.dr"), &staged).expect("write");
    let check = drplan()
        .args(["check", "staged.dr"])
        .current_dir(dir.path())
        .output()
        .expect("run drplan");
    assert_eq!(
        check.status.code(),
        Some(0),
        "the suggestion does not pass:\n{suggestion}\n{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

/// Stage dates: the first stage in the first occurrence of its window on or after
/// `starts`; the next after the previous stage's end plus the soak.
#[test]
fn stages_are_dated_after_the_previous_stage_and_its_soak() {
    let plan = |holiday: &str| {
        format!(
            "plan p {{ rto 4h  rpo 1h  owner o  escalation o }}
role o {{ kind owner }}
role r1 {{ kind team  holiday {holiday} }}
site s {{ kind office }}
server a {{ site s }}
server b {{ site s }}
rollout ro {{
  starts 2025-12-12  window fri 20:00 .. sun 22:00  soak 6d
  stage st1 {{ window sat 06:00 .. sat 12:00  go-no-go sat 10:00
    change c1 {{ on a  takes 1h  snapshot before  precheck \"x\"  verify smoke \"y\"  rollback restore-snapshot }} }}
  stage st2 {{ window sat 06:00 .. sat 12:00  go-no-go sat 10:00  roles r1
    change c2 {{ on b  takes 1h  snapshot before  precheck \"x\"  verify smoke \"y\"  rollback restore-snapshot }} }}
}}
"
        )
    };
    let check = |text: String| {
        let compiled = drplan::compile(drplan::load::load_text("p.dr", &text));
        compiled
            .diagnostics
            .iter()
            .any(|d| d.code == drplan::diagnostics::Code::RoleUnavailable)
    };
    // st1 runs on saturday 2025-12-13; st2 after the 6-day soak, on 2025-12-20.
    assert!(check(plan("2025-12-20")));
    assert!(!check(plan("2025-12-13")));
}

/// A go/no-go before the change is estimated to be done cannot be decided.
#[test]
fn a_go_no_go_before_the_work_ends_is_reported() {
    let plan = |deadline: &str| {
        format!(
            "plan p {{ rto 4h  rpo 1h  owner o  escalation o }}
role o {{ kind owner }}
site s {{ kind office }}
server a {{ site s }}
rollout r {{
  window sat 22:00 .. sun 10:00
  stage clone {{
    go-no-go {deadline}
    change copy-a {{ on a  takes 6h  snapshot before  precheck \"x\"  verify smoke \"y\"  rollback restore-snapshot }}
  }}
}}
"
        )
    };
    let codes = |text: String| -> Vec<drplan::diagnostics::Code> {
        let compiled = drplan::compile(drplan::load::load_text("p.dr", &text));
        compiled.diagnostics.iter().map(|d| d.code).collect()
    };
    assert!(codes(plan("sun 01:00")).contains(&drplan::diagnostics::Code::MissingGoNoGo));
    assert!(!codes(plan("sun 05:00")).contains(&drplan::diagnostics::Code::MissingGoNoGo));
}
