//! Machine output for CI: SARIF validates against the official OASIS 2.1.0 schema, JSON
//! has one object per diagnostic with a location, and the one-line summary is right.

use crate::test_builder::drplan;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check_output(args: &[&str]) -> (serde_json::Value, i32) {
    let output = drplan()
        .arg("check")
        .args(args)
        .current_dir(root())
        .output()
        .expect("run drplan");
    let value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    (value, output.status.code().unwrap_or(-1))
}

#[test]
fn sarif_validates_against_the_official_schema() {
    // The official file's `language` patterns carry a stray `]` (a known erratum) that
    // the validator's meta-schema check rejects; mend those patterns in memory.
    let text = std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json"))
        .expect("schema")
        .replace("-[a-zA-Z]{2}]?$", "-[a-zA-Z]{2}$");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a usable schema");
    let (sarif, status) = check_output(&[
        "--format",
        "sarif",
        "plans/big-bang-rollout.dr",
        "tests/cases/rules/big-bang/fails.dr",
        "tests/cases/err/duplicate-name-across-kinds.dr",
    ]);
    assert_eq!(status, 1);
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "SARIF does not validate: {errors:#?}");
    // The validator is not vacuous: a result with a made-up level is rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("catastrophic");
    assert!(!validator.is_valid(&broken));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "drplan::big-bang"));
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().expect("startLine") >= 1);
    }
}

#[test]
fn json_has_one_object_per_diagnostic_and_a_summary() {
    let (json, status) = check_output(&["--format", "json", "tests/cases/rules/big-bang/fails.dr"]);
    assert_eq!(status, 1);
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    assert!(!diagnostics.is_empty());
    for d in diagnostics {
        assert!(d["code"].as_str().expect("code").starts_with("drplan::"));
        assert!(["error", "warning"].contains(&d["severity"].as_str().expect("severity")));
        assert!(d["location"]["line"].as_u64().expect("line") >= 1);
        assert!(d["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .any(|l| l["primary"] == true));
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    assert_eq!(json["summary"]["errors"].as_u64(), Some(errors as u64));
    assert_eq!(json["summary"]["files"].as_u64(), Some(1));
}

#[test]
fn allow_with_a_reason_suppresses_a_rule() {
    let fails =
        std::fs::read_to_string(root().join("tests/cases/rules/big-bang/fails.dr")).expect("case");
    let allowed = fails.replacen(
        "stage all-at-once {",
        "stage all-at-once {\n    allow big-bang \"vendor ships app and schema as one package\"\n    allow single-stage-rollout \"one package\"",
        1,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("plan.dr"), allowed).expect("write");
    let output = drplan()
        .args(["check", "--format", "json", "plan.dr"])
        .current_dir(dir.path())
        .output()
        .expect("run drplan");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("drplan::big-bang"), "{text}");
}
