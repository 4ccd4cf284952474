//! What-if overrides: `--set backup.ehr-nightly.differential=30m` replaces (or adds) one
//! property of one declaration in the parsed plan, before names are resolved.

use super::ast::{File, Item};
use super::{did_you_mean_in, parse_property, schema};
use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::source::FileId;

/// What an override changes: the declaration's kind and name, and the property text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub kind: String,
    /// `None` for the `plan` block.
    pub name: Option<String>,
    /// `KEY VALUE`, as it would be written in the plan.
    pub text: String,
}

/// Read `PATH=VALUE`: `PATH` is `KIND.NAME.PROPERTY` (or `plan.PROPERTY`); `VALUE` is
/// written as in a plan (`30m`, `4h`, `"text"`); for a schedule (`full`,
/// `differential`, …) a bare interval means `every INTERVAL`.
pub fn parse_override(assignment: &str) -> Result<Override, Diagnostic> {
    let usage = || {
        Diagnostic::new(Code::UnknownReference, format!("`{assignment}` is not an override"))
            .help("write `--set KIND.NAME.PROPERTY=VALUE`, like `--set standby.truck.ready-in=4h`, or `--set plan.PROPERTY=VALUE`")
    };
    let (path, value) = assignment.split_once('=').ok_or_else(usage)?;
    let parts: Vec<&str> = path.split('.').collect();
    let (kind, name, key) = match parts.as_slice() {
        ["plan", key] => ("plan", None, *key),
        [kind, name, key] => (*kind, Some(*name), *key),
        _ => return Err(usage()),
    };
    let spec = schema::item(kind).ok_or_else(|| {
        let kinds = schema::TOP_LEVEL
            .iter()
            .map(|s| s.keyword)
            .chain(["stage", "change"]);
        Diagnostic::new(
            Code::UnknownItem,
            format!("`{kind}` is not a kind of declaration"),
        )
        .help_opt(did_you_mean(kind, kinds))
    })?;
    let value = value.trim();
    let is_schedule = spec
        .property(key)
        .is_some_and(|p| p.shape == schema::Shape::Schedule);
    let text = if is_schedule && !value.starts_with("every") {
        format!("{key} every {value}")
    } else {
        format!("{key} {value}")
    };
    Ok(Override {
        kind: kind.to_string(),
        name: name.map(str::to_string),
        text,
    })
}

/// Replace (or add) the property in the declaration the override names. The
/// override's text must be registered as source `text_file`, for diagnostics.
pub fn apply_override(
    files: &mut [(FileId, File)],
    target: &Override,
    text_file: FileId,
) -> Result<(), Diagnostic> {
    let spec = schema::item(&target.kind).expect("checked by parse_override");
    let (property, diagnostics) = parse_property(spec, &target.text, text_file);
    let property = property.ok_or_else(|| {
        diagnostics.into_iter().next().unwrap_or_else(|| {
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{}` is not a property value", target.text),
            )
        })
    })?;
    let mut names = Vec::new();
    let name = target.name.as_deref();
    let item = find(files, &target.kind, name, &mut names).ok_or_else(|| {
        let what = name.map_or_else(
            || "`plan` block".to_string(),
            |n| format!("{} `{n}`", target.kind),
        );
        Diagnostic::new(Code::UnknownReference, format!("the plan has no {what}"))
            .help_opt(name.and_then(|n| did_you_mean_in(n, &names)))
    })?;
    let index = property.index;
    let mut properties = std::mem::take(&mut item.properties).into_vec();
    let position = properties.iter().position(|p| p.index == index);
    properties.retain(|p| p.index != index);
    let at = position.unwrap_or(properties.len()).min(properties.len());
    properties.insert(at, property);
    item.properties = properties.into_boxed_slice();
    Ok(())
}

/// The declaration of `kind` named `name` (or the plan block), searching nested stages
/// and changes; collects the names of that kind for suggestions.
fn find<'f>(
    files: &'f mut [(FileId, File)],
    kind: &str,
    name: Option<&str>,
    names: &mut Vec<String>,
) -> Option<&'f mut Item> {
    fn walk<'i>(
        items: &'i mut [Item],
        kind: &str,
        name: Option<&str>,
        names: &mut Vec<String>,
    ) -> Option<&'i mut Item> {
        for item in items {
            if item.keyword.text == kind {
                if name.is_none_or(|n| item.name_text() == n) {
                    return Some(item);
                }
                names.push(item.name_text().to_string());
            }
            if let Some(found) = walk(&mut item.children, kind, name, names) {
                return Some(found);
            }
        }
        None
    }
    for (_, file) in files.iter_mut() {
        if let Some(found) = walk(&mut file.items, kind, name, names) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::load::load_text;

    const PLAN: &str = "site a { kind office }
        server s { site a }
        service db { on s  data 1GB }
        backup nightly { of db  full every 24h at 01:00 }
        standby truck { ready-in 24h }";

    fn compile_with(assignments: &[&str]) -> Result<crate::model::Plan, String> {
        let mut loaded = load_text("p.dr", PLAN);
        let assignments: Vec<String> = assignments.iter().map(|a| a.to_string()).collect();
        crate::apply_overrides(&mut loaded, &assignments).map_err(|d| d.message)?;
        Ok(crate::compile(loaded).plan.expect("compiles"))
    }

    #[test]
    fn a_value_is_replaced_and_a_missing_one_added() {
        let plan = compile_with(&[
            "standby.truck.ready-in=4h",
            "backup.nightly.differential=30m",
        ])
        .unwrap();
        assert_eq!(plan.standbys[0].ready_in, 4 * 3600);
        assert_eq!(plan.backups[0].differential().map(|s| s.every), Some(1800));
        assert_eq!(plan.backups[0].full.map(|s| s.every), Some(86_400));
    }

    #[test]
    fn bad_paths_and_values_are_reported() {
        assert!(compile_with(&["standby.truk.ready-in=4h"])
            .unwrap_err()
            .contains("no standby `truk`"));
        assert!(compile_with(&["standby.truck.ready-in=soon"]).is_err());
        assert!(compile_with(&["standby.truck.colour=red"]).is_err());
        assert!(compile_with(&["nonsense"]).is_err());
    }
}
