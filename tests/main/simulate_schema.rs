//! `drplan simulate --format json` against its published contract,
//! `book/src/simulate.schema.json`: every shipped plan, a `--compare` run and a plan
//! with every basis and a cost validate, and the schema is strict enough to reject a
//! field it does not know, a missing field and a made-up event.

use crate::test_builder::drplan;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("book/src/simulate.schema.json"))
        .expect("book/src/simulate.schema.json");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    let schema = schema();
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("the schema is not a valid JSON Schema: {error}");
    }
    jsonschema::validator_for(&schema).expect("a usable schema")
}

/// Run `drplan simulate ARGS --format json` in `dir`; the exit status must be 0 or 1
/// (1: an expectation fails on purpose) and stdout one JSON document.
fn simulate(dir: &Path, args: &[&str]) -> Value {
    let output = drplan()
        .arg("simulate")
        .args(args)
        .args(["--format", "json"])
        .current_dir(dir)
        .output()
        .expect("run drplan");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let status = output.status.code().unwrap_or(-1);
    assert!(
        status == 0 || status == 1,
        "{args:?} exited {status}: {stderr}"
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}); stderr: {stderr}"))
}

/// Validate `document`; on failure, report the errors of the form it is meant to be
/// (the root `oneOf` alone only says "matches neither"), each cut short.
#[track_caller]
fn assert_valid(validator: &jsonschema::Validator, what: &str, document: &Value) {
    if validator.is_valid(document) {
        return;
    }
    let mut form = schema();
    let name = if document.get("overrides").is_some() {
        "comparison"
    } else {
        "results"
    };
    let root = object(&mut form);
    root.remove("oneOf");
    root.insert("$ref".into(), json!(format!("#/$defs/{name}")));
    let errors: Vec<String> = jsonschema::validator_for(&form)
        .expect("a usable schema")
        .iter_errors(document)
        .map(|e| {
            let message: String = e.to_string().chars().take(300).collect();
            format!("at {} ({}): {message}", e.instance_path(), e.schema_path())
        })
        .take(20)
        .collect();
    panic!("{what}: the JSON does not validate against the schema ({name}): {errors:#?}");
}

fn shipped_plans() -> Vec<String> {
    let mut plans: Vec<String> = std::fs::read_dir(root().join("plans"))
        .expect("plans/")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "dr"))
        .map(|path| {
            format!(
                "plans/{}",
                path.file_name().expect("name").to_string_lossy()
            )
        })
        .collect();
    plans.sort();
    plans
}

/// The `event` of every timeline entry of every scenario of a run.
fn events(results: &Value, into: &mut BTreeSet<String>) {
    for scenario in results["scenarios"].as_array().expect("scenarios") {
        for entry in scenario["timeline"].as_array().expect("timeline") {
            into.insert(entry["event"].as_str().expect("event").to_string());
        }
    }
}

#[test]
fn every_shipped_plan_validates() {
    let validator = validator();
    let plans = shipped_plans();
    assert!(plans.len() >= 5, "only {plans:?}");
    let mut seen = BTreeSet::new();
    for plan in &plans {
        let args = [plan.as_str(), "--trials", "200", "--seed", "1"];
        let document = simulate(&root(), &args);
        assert_valid(&validator, plan, &document);
        assert!(
            document["monte_carlo"].is_object(),
            "{plan}: no Monte Carlo"
        );
        events(&document, &mut seen);
    }
    // The shipped plans exercise every kind of timeline event the schema knows, so each
    // variant is checked against real output.
    let kinds: BTreeSet<String> = schema()["$defs"]["event_kind"]["enum"]
        .as_array()
        .expect("event kinds")
        .iter()
        .map(|k| k.as_str().expect("kind").to_string())
        .collect();
    let unseen: Vec<_> = kinds.difference(&seen).collect();
    assert!(unseen.is_empty(), "no shipped plan produces {unseen:?}");
    let unknown: Vec<_> = seen.difference(&kinds).collect();
    assert!(unknown.is_empty(), "the schema lacks {unknown:?}");
}

#[test]
fn compare_validates() {
    let validator = validator();
    let document = simulate(
        &root(),
        &[
            "plans/drive-array-clone.dr",
            "--trials",
            "200",
            "--seed",
            "1",
            "--set",
            "standby.web2-warm-spare.ready-in=4h",
            "--compare",
        ],
    );
    assert_valid(&validator, "--compare", &document);
    assert_eq!(
        document["overrides"],
        json!(["standby.web2-warm-spare.ready-in=4h"])
    );
    assert!(document["baseline"]["monte_carlo"].is_object());
    assert!(document["changed"]["exact"].is_object());
}

/// Every exact basis, a downtime cost, and a run without Monte Carlo.
#[test]
fn every_basis_a_cost_and_no_monte_carlo_validate() {
    let validator = validator();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("plan.dr"),
        "plan t { rto 4h  rpo 1h }
site dc { fail-probability 0.01 }
server a { site dc  mtbf 5y }
server b { site dc  mtbf 5y  mttr 1d }
service app { on a  fail-probability 0.05  downtime-cost 1000/h }
service db { on b }
",
    )
    .expect("write plan");
    let document = simulate(dir.path(), &["plan.dr", "--trials", "200", "--seed", "1"]);
    assert_valid(&validator, "every basis", &document);
    let bases: BTreeSet<&str> = document["exact"]["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| c["basis"]["kind"].as_str().expect("basis kind"))
        .collect();
    assert_eq!(
        bases,
        BTreeSet::from(["mission", "probability", "steady-state"])
    );
    assert!(document["monte_carlo"]["plan"]["cost"].is_object());

    // No `--trials` and no `random over`: nothing ran, and the document says so.
    let nothing = simulate(dir.path(), &["plan.dr"]);
    assert_valid(&validator, "no Monte Carlo", &nothing);
    assert_eq!(
        nothing,
        json!({"scenarios": [], "monte_carlo": null, "exact": null})
    );
}

fn object(value: &mut Value) -> &mut serde_json::Map<String, Value> {
    value.as_object_mut().expect("an object")
}

#[test]
fn the_schema_is_strict() {
    let validator = validator();
    let document = simulate(
        &root(),
        &[
            "plans/drive-array-clone.dr",
            "--trials",
            "200",
            "--seed",
            "1",
        ],
    );
    assert_valid(&validator, "drive-array-clone", &document);
    let rejected = |what: &str, edit: &dyn Fn(&mut Value)| {
        let mut broken = document.clone();
        edit(&mut broken);
        assert!(
            !validator.is_valid(&broken),
            "the schema accepts a document with {what}"
        );
    };
    rejected("an unknown top-level field", &|d| {
        object(d).insert("surprise".into(), json!(1));
    });
    rejected("an unknown field in a timeline entry", &|d| {
        object(&mut d["scenarios"][0]["timeline"][0]).insert("surprise".into(), json!(1));
    });
    rejected("an unknown field in a Monte Carlo probability", &|d| {
        object(&mut d["monte_carlo"]["plan"]["down"]).insert("surprise".into(), json!(1));
    });
    rejected("an unknown field in an exact basis", &|d| {
        object(&mut d["exact"]["components"][0]["basis"]).insert("surprise".into(), json!(1));
    });
    rejected("a missing field", &|d| {
        object(&mut d["scenarios"][0]["services"][0]).remove("data_loss_basis");
    });
    rejected("a made-up event", &|d| {
        d["scenarios"][0]["timeline"][0]["event"] = json!("exploded");
    });
    rejected("a made-up data loss basis", &|d| {
        d["scenarios"][0]["services"][0]["data_loss_basis"] = json!("guess");
    });
    rejected("a fractional number of seconds", &|d| {
        d["scenarios"][0]["detect"] = json!(1.5);
    });
    rejected("a probability above 1", &|d| {
        d["monte_carlo"]["plan"]["down"]["estimate"] = json!(1.5);
    });
    rejected("exact without Monte Carlo", &|d| {
        d["monte_carlo"] = Value::Null;
    });
}

/// Every field and event kind of the schema is named in the book's field reference, so
/// the two are updated together.
#[test]
fn the_book_documents_every_field() {
    let page = std::fs::read_to_string(root().join("book/src/simulate.md")).expect("page");
    let reference = &page[page.find("## JSON").expect("a JSON section")..];
    assert!(
        reference.contains("(simulate.schema.json)"),
        "no link to the schema"
    );
    fn names(value: &Value, into: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if key == "properties" {
                        into.extend(child.as_object().expect("properties").keys().cloned());
                    }
                    if key == "const" || key == "enum" {
                        let values = child
                            .as_array()
                            .cloned()
                            .unwrap_or_else(|| vec![child.clone()]);
                        into.extend(values.iter().filter_map(|v| v.as_str().map(String::from)));
                    }
                    names(child, into);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| names(item, into)),
            _ => {}
        }
    }
    let mut all = BTreeSet::new();
    names(&schema(), &mut all);
    let missing: Vec<_> = all
        .iter()
        .filter(|name| !reference.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "book/src/simulate.md (## JSON) does not mention {missing:?}"
    );
}
