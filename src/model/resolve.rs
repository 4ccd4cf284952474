//! Syntax trees → `model::Plan`: one namespace for all names, references checked for
//! existence and kind, units already numbers, defaults and tiers applied.

use super::*;
use crate::diagnostics::{closest, did_you_mean, Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, Ident, Item, Property, Value};
use crate::syntax::schema::{self, key, Key};
use declarations::{name_of, Declarations, Declared, Lowering, Name};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::sync::{Mutex, PoisonError};
use symbols::Symbols;

mod declarations;
mod symbols;

/// The kinds of named declaration, all sharing one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tier,
    Role,
    Site,
    Storage,
    Server,
    Vm,
    Service,
    Backup,
    Standby,
    Rollout,
    Stage,
    Change,
    Scenario,
}

impl Kind {
    fn from_keyword(keyword: &str) -> Option<Kind> {
        Some(match keyword {
            "tier" => Kind::Tier,
            "role" => Kind::Role,
            "site" => Kind::Site,
            "storage" => Kind::Storage,
            "server" => Kind::Server,
            "vm" => Kind::Vm,
            "service" => Kind::Service,
            "backup" => Kind::Backup,
            "standby" => Kind::Standby,
            "rollout" => Kind::Rollout,
            "stage" => Kind::Stage,
            "change" => Kind::Change,
            "scenario" => Kind::Scenario,
            _ => return None,
        })
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Tier => "a tier",
            Kind::Role => "a role",
            Kind::Site => "a site",
            Kind::Storage => "a storage",
            Kind::Server => "a server",
            Kind::Vm => "a vm",
            Kind::Service => "a service",
            Kind::Backup => "a backup",
            Kind::Standby => "a standby",
            Kind::Rollout => "a rollout",
            Kind::Stage => "a stage",
            Kind::Change => "a change",
            Kind::Scenario => "a scenario",
        }
    }
}

/// What a name stands for.
#[derive(Debug, Clone, Copy)]
struct Symbol {
    kind: Kind,
    index: u32,
    span: Span,
}

// One per declared name, in a table sized for all of them: it sets the peak memory of
// resolution on a large plan. A change's place in its rollout is kept apart.
const _: () = assert!(std::mem::size_of::<Symbol>() <= 20);

/// Build the model from parsed files (in load order). Returns the plan, even a partial
/// one, and every diagnostic found; callers must not analyse a plan with errors.
///
/// The files are consumed: declarations are lowered kind by kind on every core, and
/// their syntax is dropped as they are, so the tree shrinks while the model grows and
/// the two never peak together. A declaration that was indexed, not parsed
/// (`syntax::parse_indexed`), is parsed from its file's text in `sources` where it is
/// lowered. The plan and diagnostics are the same whatever the number of threads.
///
/// When an indexed declaration is not sound, the files that
/// hold one are parsed whole (`syntax::parse`, which reports why), and the plan is
/// resolved again, with their syntax diagnostics first.
pub fn resolve(files: Vec<(FileId, ast::File)>, sources: &SourceMap) -> (Plan, Vec<Diagnostic>) {
    let order: Vec<FileId> = files.iter().map(|(id, _)| *id).collect();
    let unsound = match resolve_once(files, sources) {
        Ok(resolved) => return resolved,
        Err(unsound) => unsound,
    };
    let mut diagnostics = Vec::new();
    let files = order
        .into_iter()
        .map(|id| {
            let text = &sources.file(id).text;
            if unsound.contains(&id) {
                let (whole, syntax) = crate::syntax::parse(text, id);
                diagnostics.extend(syntax);
                (id, whole)
            } else {
                (id, crate::syntax::parse_indexed(text, id).0)
            }
        })
        .collect();
    // Each round parses at least one more file whole, so this ends.
    let (plan, resolved) = resolve(files, sources);
    diagnostics.extend(resolved);
    (plan, diagnostics)
}

/// `resolve`, or `Err` with the files holding an indexed declaration that is not sound.
fn resolve_once(
    files: Vec<(FileId, ast::File)>,
    sources: &SourceMap,
) -> Result<(Plan, Vec<Diagnostic>), Vec<FileId>> {
    let (settings, mut declarations) = Declarations::sort(files, sources);
    let mut diagnostics = Vec::new();
    let names = Names::collect(&settings, &declarations, &mut diagnostics);
    declarations.forget_names();
    let plan = declarations.lower(|lowering| build(&names, lowering, &mut diagnostics))?;
    Ok((plan, diagnostics))
}

/// A list of the model, built once: room for each name written is made up front, so
/// when they all resolve (the usual case) the vector's buffer becomes the slice as is,
/// where `collect` would grow it from four and then shrink it to size.
fn boxed_slice<T>(names: usize, items: impl Iterator<Item = T>) -> Box<[T]> {
    let mut list = Vec::with_capacity(names);
    list.extend(items);
    list.into_boxed_slice()
}

/// A declaration's rarely set properties, boxed only when one of them is set: on the
/// many declarations that set none, they cost a null pointer and no allocation.
fn out_of_line<T: Default + PartialEq>(extras: T) -> Option<Box<T>> {
    (extras != T::default()).then(|| Box::new(extras))
}

/// What the first pass collects: every name, and the plan-wide settings. Read-only
/// while declarations are lowered, so the threads lowering them share it.
#[derive(Default)]
struct Names<'a> {
    /// Names own their (inline, up to 24 bytes) text: a look-up touches the table and
    /// its list of names, not the plan's text.
    symbols: Symbols<Symbol>,
    /// The `defaults` properties per kind.
    defaults: HashMap<&'a str, Vec<&'a Property>>,
    plan_items: Vec<&'a Item>,
    top_allows: Vec<&'a Item>,
    /// Stages so far, across rollouts (nested, so counted apart).
    stage_count: u32,
    /// Each change's place in its rollout, by the index of its symbol.
    change_ids: Vec<ChangeId>,
}

/// Lowers declarations to the model, one thread's worth: names are shared, the
/// diagnostics found are its own until `lower_each` merges them in source order.
struct Resolver<'n, 'a> {
    names: &'n Names<'a>,
    diagnostics: Vec<Diagnostic>,
}

/// A declaration's own properties and the defaults for its kind.
struct Props<'a> {
    own: &'a [Property],
    defaults: &'a [&'a Property],
}

impl<'a> Props<'a> {
    fn own(&self, key: Key) -> Option<&'a Property> {
        self.own.iter().find(|p| p.key == key)
    }

    fn default(&self, key: Key) -> Option<&'a Property> {
        self.defaults.iter().copied().find(|p| p.key == key)
    }

    fn get(&self, key: Key) -> Option<&'a Value> {
        self.own(key)
            .or_else(|| self.default(key))
            .map(|p| &p.value)
    }

    /// Every value of a repeatable property: the declaration's own, else the defaults'.
    fn all(&self, key: Key) -> Vec<&'a Value> {
        let own: Vec<_> = self
            .own
            .iter()
            .filter(|p| p.key == key)
            .map(|p| &p.value)
            .collect();
        if own.is_empty() {
            self.defaults
                .iter()
                .filter(|p| p.key == key)
                .map(|p| &p.value)
                .collect()
        } else {
            own
        }
    }

    /// A duration; for a spread, its nominal value (the mean).
    fn duration(&self, key: Key) -> Option<Seconds> {
        match self.get(key) {
            Some(Value::Duration(d)) => Some(d.value),
            Some(Value::Spread(_)) => self.spread(key).map(Spread::nominal),
            _ => None,
        }
    }

    /// How a duration varies, when written as a distribution.
    fn spread(&self, key: Key) -> Option<Spread> {
        let Some(Value::Spread(spread)) = self.get(key) else {
            return None;
        };
        let ast::Spread { law, durations } = &**spread;
        let d: Vec<Seconds> = durations.iter().map(|d| d.value).collect();
        match (law.text.as_str(), d.as_slice()) {
            ("uniform", &[low, high]) => Some(Spread::Uniform { low, high }),
            ("triangular", &[low, mode, high]) => Some(Spread::Triangular { low, mode, high }),
            ("lognormal", &[median, p90]) => Some(Spread::LogNormal { median, p90 }),
            _ => None,
        }
    }

    fn size(&self, key: Key) -> Option<Bytes> {
        match self.get(key) {
            Some(Value::Size(s)) => Some(s.value),
            _ => None,
        }
    }

    fn rate(&self, key: Key) -> Option<f64> {
        match self.get(key) {
            Some(Value::Rate(r)) => Some(r.value),
            _ => None,
        }
    }

    fn int(&self, key: Key) -> Option<u64> {
        match self.get(key) {
            Some(Value::Int(n)) => Some(n.value),
            _ => None,
        }
    }

    fn string(&self, key: Key) -> Option<String> {
        match self.get(key) {
            Some(Value::Str(s)) => Some(s.value.clone()),
            _ => None,
        }
    }

    fn strings(&self, key: Key) -> Vec<String> {
        self.all(key)
            .into_iter()
            .filter_map(|v| match v {
                Value::Str(s) => Some(s.value.clone()),
                _ => None,
            })
            .collect()
    }

    fn word(&self, key: Key) -> Option<&'a str> {
        match self.get(key) {
            Some(Value::Word(w)) => Some(w.text.as_str()),
            _ => None,
        }
    }

    fn is_set(&self, key: Key) -> bool {
        self.get(key).is_some()
    }

    fn time(&self, key: Key) -> Option<u32> {
        match self.get(key) {
            Some(Value::Time(t)) => Some(t.value),
            _ => None,
        }
    }

    fn failure(&self) -> Failure {
        Failure {
            mtbf: self.duration(key!("mtbf")),
            mttr: self.duration(key!("mttr")),
            probability: match self.get(key!("fail-probability")) {
                Some(Value::Probability(p)) => Some(p.value),
                _ => None,
            },
        }
    }

    fn schedule(&self, key: Key) -> Option<Schedule> {
        match self.own(key).or_else(|| self.default(key)) {
            Some(Property {
                value: Value::Schedule(schedule),
                span,
                ..
            }) => Some(Schedule {
                every: schedule.every.value,
                at: schedule.at.as_ref().map(|a| a.value),
                span: *span,
            }),
            _ => None,
        }
    }
}

fn criticality(word: &str) -> Criticality {
    match word {
        "critical" => Criticality::Critical,
        "high" => Criticality::High,
        "low" => Criticality::Low,
        _ => Criticality::Medium,
    }
}

fn hypervisor(word: &str) -> Hypervisor {
    match word {
        "esxi" => Hypervisor::Esxi,
        "hyper-v" => Hypervisor::HyperV,
        "kvm" => Hypervisor::Kvm,
        "xen" => Hypervisor::Xen,
        "proxmox" => Hypervisor::Proxmox,
        _ => Hypervisor::None,
    }
}

/// A window's length: `mon 00:00 .. sun 24:00` is a whole week, equal ends are empty.
fn week_window(window: &ast::Window) -> WeekWindow {
    let (start, end) = (window.start.value, window.end.value);
    let minutes = match (end + MINUTES_PER_WEEK - start % MINUTES_PER_WEEK) % MINUTES_PER_WEEK {
        0 if end != start => MINUTES_PER_WEEK,
        length => length,
    };
    WeekWindow {
        start: start % MINUTES_PER_WEEK,
        minutes,
    }
}

impl<'a> Names<'a> {
    // ---------------------------------------------------------------- pass 1: names

    fn collect(
        settings: &'a [Item],
        declarations: &Declarations<'_>,
        out: &mut Vec<Diagnostic>,
    ) -> Names<'a> {
        let mut names = Names::default();
        // Every declaration, and the stages and changes nested in rollouts.
        let count = declarations.source_order.len()
            + declarations
                .whole("rollout")
                .flat_map(|rollout| rollout.children.iter())
                .map(|stage| 1 + stage.children.len())
                .sum::<usize>();
        for item in settings {
            match item.keyword.text.as_str() {
                "allow" => names.top_allows.push(item),
                "plan" => names.plan_items.push(item),
                _ => names.collect_defaults(item, out),
            }
        }
        let mut declared = Vec::with_capacity(count);
        for &(schema_index, index) in &declarations.source_order {
            let keyword = schema::ITEMS[schema_index as usize].keyword;
            names.declare(
                declarations.get(schema_index, index),
                keyword,
                index,
                &mut declared,
            );
        }
        let (symbols, repeats) = Symbols::declare(&declared);
        names.symbols = symbols;
        for (place, first) in repeats {
            let (text, again) = declared[place];
            out.push(
                Diagnostic::new(Code::DuplicateName, format!("`{text}` is declared twice"))
                    .primary(
                        again.span,
                        format!("{} named `{text}` again", again.kind.noun()),
                    )
                    .secondary(
                        first.span,
                        format!("first declared here as {}", first.kind.noun()),
                    )
                    .help("names share one namespace across the plan; rename one of them"),
            );
        }
        names
    }

    fn collect_defaults(&mut self, item: &'a Item, out: &mut Vec<Diagnostic>) {
        let kind = item.name_text();
        let spec = schema::item(kind);
        let list = self.defaults.entry(kind).or_default();
        let mut duplicates = Vec::new();
        for property in &item.properties {
            let repeatable = spec
                .and_then(|s| s.property(property.key()))
                .is_some_and(|p| p.is_repeatable);
            if !repeatable {
                if let Some(first) = list.iter().find(|p| p.key == property.key) {
                    duplicates.push((first.key_span(), property.key_span(), property.key()));
                    continue;
                }
            }
            list.push(property);
        }
        for (first, second, key) in duplicates {
            out.push(duplicate_property(
                key,
                first,
                second,
                &format!("defaults {kind}"),
            ));
        }
    }

    /// List the names a declaration declares (a rollout's stages and changes too) in
    /// `declared`, each with what it stands for.
    fn declare<'d>(
        &mut self,
        declaration: Declared<'d>,
        keyword: &str,
        index: u32,
        declared: &mut Vec<(&'d str, Symbol)>,
    ) {
        let Some(kind) = Kind::from_keyword(keyword) else {
            return;
        };
        let mut add = |name: Option<Name<'d>>, kind, index| {
            if let Some((text, span)) = name {
                declared.push((text, Symbol { kind, index, span }));
            }
        };
        add(declaration.name, kind, index);
        if kind == Kind::Rollout {
            for (stage_index, stage) in declaration.children.iter().enumerate() {
                add(name_of(stage), Kind::Stage, self.stage_count);
                self.stage_count += 1;
                for (change_index, change) in stage.children.iter().enumerate() {
                    add(name_of(change), Kind::Change, self.change_ids.len() as u32);
                    self.change_ids.push(ChangeId {
                        rollout: RolloutId(index),
                        stage: stage_index as u32,
                        change: change_index as u32,
                    });
                }
            }
        }
    }

    /// The defaults for a kind (none when `defaults` does not name it).
    fn defaults_of(&self, kind: &str) -> &[&'a Property] {
        self.defaults.get(kind).map_or(&[], Vec::as_slice)
    }
}

/// Stages lowered on one thread at least: a few are not worth sharing out.
const STAGES_PER_THREAD: usize = 64;

impl<'n, 'a> Resolver<'n, 'a> {
    fn new(names: &'n Names<'a>) -> Self {
        Resolver {
            names,
            diagnostics: Vec::new(),
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // ---------------------------------------------------------------- references

    /// Resolve a name to a declaration of one of `accepted` kinds.
    fn lookup(&mut self, ident: &Ident, accepted: &[Kind], context: &str) -> Option<Symbol> {
        let Some(symbol) = self.names.symbols.get(ident.text.as_str()).copied() else {
            let candidates: Vec<&str> = self
                .names
                .symbols
                .iter()
                .filter(|(_, s)| accepted.contains(&s.kind))
                .map(|(n, _)| n)
                .collect();
            let mut sorted = candidates;
            sorted.sort_unstable();
            let help = did_you_mean(&ident.text, sorted.iter().copied()).or_else(|| {
                Some(format!(
                    "declare {} named `{}`",
                    or_list(accepted.iter().map(|k| k.noun())),
                    ident.text
                ))
            });
            self.report(
                Diagnostic::new(
                    Code::UnknownReference,
                    format!("`{}` is not declared in this plan", ident.text),
                )
                .primary(ident.span, "not declared in this plan")
                .help_opt(help),
            );
            return None;
        };
        if !accepted.contains(&symbol.kind) {
            let expected = or_list(accepted.iter().map(|k| k.noun()));
            let similar = self
                .names
                .symbols
                .iter()
                .filter(|(_, s)| accepted.contains(&s.kind))
                .map(|(n, _)| n)
                .collect::<Vec<_>>();
            let mut similar_sorted = similar;
            similar_sorted.sort_unstable();
            let help = match closest(&ident.text, similar_sorted.iter().copied()) {
                Some(c) => format!("{context} takes {expected}; did you mean `{c}`?"),
                None => format!("{context} takes {expected}"),
            };
            self.report(
                Diagnostic::new(
                    Code::WrongKindReference,
                    format!("`{}` is {}, not {expected}", ident.text, symbol.kind.noun()),
                )
                .primary(ident.span, format!("expected {expected}"))
                .secondary(
                    symbol.span,
                    format!(
                        "`{}` is declared here as {}",
                        ident.text,
                        symbol.kind.noun()
                    ),
                )
                .help(help),
            );
            return None;
        }
        Some(symbol)
    }

    fn role_ref(&mut self, value: Option<&Value>, context: &str) -> Option<Ref<RoleId>> {
        match value {
            Some(Value::Name(ident)) => self.lookup(ident, &[Kind::Role], context).map(|s| Ref {
                id: RoleId(s.index),
                span: ident.span,
            }),
            _ => None,
        }
    }

    fn role_refs(&mut self, value: Option<&Value>, context: &str) -> Vec<Ref<RoleId>> {
        let Some(Value::Names(names)) = value else {
            return Vec::new();
        };
        names
            .iter()
            .filter_map(|ident| {
                self.lookup(ident, &[Kind::Role], context).map(|s| Ref {
                    id: RoleId(s.index),
                    span: ident.span,
                })
            })
            .collect()
    }

    fn site_ref(&mut self, value: Option<&Value>, context: &str) -> Option<Ref<SiteId>> {
        match value {
            Some(Value::Name(ident)) => self.lookup(ident, &[Kind::Site], context).map(|s| Ref {
                id: SiteId(s.index),
                span: ident.span,
            }),
            _ => None,
        }
    }

    fn storage_refs(&mut self, value: Option<&Value>, context: &str) -> Box<[Ref<StorageId>]> {
        let Some(Value::Names(names)) = value else {
            return Box::default();
        };
        boxed_slice(
            names.len(),
            names.iter().filter_map(|ident| {
                self.lookup(ident, &[Kind::Storage], context).map(|s| Ref {
                    id: StorageId(s.index),
                    span: ident.span,
                })
            }),
        )
    }

    fn component(&mut self, ident: &Ident, context: &str) -> Option<Ref<Component>> {
        let accepted = [
            Kind::Service,
            Kind::Server,
            Kind::Vm,
            Kind::Storage,
            Kind::Site,
        ];
        let symbol = self.lookup(ident, &accepted, context)?;
        let id = match symbol.kind {
            Kind::Site => Component::Site(SiteId(symbol.index)),
            Kind::Storage => Component::Storage(StorageId(symbol.index)),
            Kind::Server => Component::Server(ServerId(symbol.index)),
            Kind::Vm => Component::Vm(VmId(symbol.index)),
            _ => Component::Service(ServiceId(symbol.index)),
        };
        Some(Ref {
            id,
            span: ident.span,
        })
    }

    fn host(&mut self, ident: &Ident, context: &str) -> Option<Ref<Host>> {
        let symbol = self.lookup(ident, &[Kind::Server, Kind::Vm], context)?;
        let id = match symbol.kind {
            Kind::Server => Host::Server(ServerId(symbol.index)),
            _ => Host::Vm(VmId(symbol.index)),
        };
        Some(Ref {
            id,
            span: ident.span,
        })
    }

    fn allows(&mut self, props: &Props) -> Vec<Allow> {
        let values = props
            .own
            .iter()
            .filter(|p| p.key == key!("allow"))
            .map(|p| &p.value);
        let values: Vec<&Value> = values.collect();
        values.into_iter().filter_map(|v| self.allow(v)).collect()
    }

    fn allow(&mut self, value: &Value) -> Option<Allow> {
        let Value::Allow(allow) = value else {
            return None;
        };
        let ast::Allow { code, reason } = &**allow;
        match code.text.parse::<Code>() {
            Ok(parsed) if !parsed.is_allowable() => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownAllow,
                        format!("`{}` cannot be allowed", code.text),
                    )
                    .primary(code.span, "not a safety rule")
                    .help("only safety-rule findings (from `big-bang` on in `drplan explain --list`) can be allowed; fix the plan instead"),
                );
                None
            }
            Ok(parsed) => Some(Allow {
                code: parsed,
                reason: reason.value.clone(),
                span: code.span,
            }),
            Err(()) => {
                let help = did_you_mean(&code.text, Code::ALL.iter().map(|c| c.name()))
                    .unwrap_or_else(|| "run `drplan explain --list` to see every code".to_string());
                self.report(
                    Diagnostic::new(
                        Code::UnknownAllow,
                        format!("`{}` is not a diagnostic code", code.text),
                    )
                    .primary(code.span, "no such code")
                    .help(help),
                );
                None
            }
        }
    }

    /// Check for non-repeatable properties set twice and build the property view.
    fn props<'i>(&mut self, item: &'i Item, kind_keyword: &str) -> Props<'i>
    where
        'a: 'i,
        'n: 'i,
    {
        if let Some(spec) = schema::item(&item.keyword.text) {
            // Schemas have fewer than 64 properties: one bit per key seen.
            let mut seen = 0u64;
            for (position, property) in item.properties.iter().enumerate() {
                let index = property.index as usize;
                if spec.properties[index].is_repeatable {
                    continue;
                }
                if seen & (1 << index) != 0 {
                    let first = item.properties[..position]
                        .iter()
                        .find(|p| p.index == property.index)
                        .expect("a key seen before");
                    let d = duplicate_property(
                        property.key(),
                        first.key_span(),
                        property.key_span(),
                        item.name_text(),
                    );
                    self.report(d);
                }
                seen |= 1 << index;
            }
        }
        Props {
            own: &item.properties,
            defaults: self.names.defaults_of(kind_keyword),
        }
    }

    fn missing(&mut self, item: &Item, key: &str, help: &str) {
        self.report(
            Diagnostic::new(
                Code::MissingProperty,
                format!(
                    "{} `{}` has no `{key}`",
                    item.keyword.text,
                    item.name_text()
                ),
            )
            .primary(item.name_span(), format!("`{key}` is required here"))
            .help(help.to_string()),
        );
    }

    fn empty_window_check(&mut self, value: Option<&Value>) -> Option<WeekWindow> {
        let Some(Value::Window(window)) = value else {
            return None;
        };
        let resolved = week_window(window);
        if resolved.minutes == 0 {
            self.report(
                Diagnostic::new(Code::InvalidWindow, "window starts and ends at the same time")
                    .primary(window.start.span.to(window.end.span), "an empty window")
                    .help("a window runs from its start to its end, wrapping past sunday; give it a length"),
            );
        }
        Some(resolved)
    }

    fn windows(&mut self, values: Vec<&Value>) -> Box<[WeekWindow]> {
        boxed_slice(
            values.len(),
            values
                .into_iter()
                .filter_map(|v| self.empty_window_check(Some(v))),
        )
    }

    fn settings(&mut self) -> (String, Settings, Vec<Allow>) {
        let plans = self.names.plan_items.clone();
        for extra in plans.iter().skip(1) {
            self.report(
                Diagnostic::new(Code::DuplicatePlan, "a plan has exactly one `plan` block")
                    .primary(extra.name_span(), "second `plan` block")
                    .secondary(plans[0].name_span(), "first `plan` block")
                    .help("merge the two blocks into one"),
            );
        }
        let top_allows = self.names.top_allows.clone();
        let mut allows: Vec<Allow> = top_allows
            .iter()
            .filter_map(|i| i.value.as_deref())
            .filter_map(|v| self.allow(v))
            .collect();
        let Some(item) = plans.first().copied() else {
            return (
                "plan".to_string(),
                Settings {
                    span: None,
                    rto: None,
                    rpo: None,
                    mtd: None,
                    owner: None,
                    escalation: None,
                    max_changes_per_stage: DEFAULT_MAX_CHANGES_PER_STAGE,
                    restore_parallelism: DEFAULT_RESTORE_PARALLELISM,
                    test_every: DEFAULT_TEST_EVERY,
                    detect: DEFAULT_DETECT,
                    detect_spread: None,
                    description: None,
                },
                allows,
            );
        };
        let p = self.props(item, "plan");
        allows.extend(self.allows(&p));
        let settings = Settings {
            span: Some(item.name_span()),
            rto: p.duration(key!("rto")),
            rpo: p.duration(key!("rpo")),
            mtd: p.duration(key!("mtd")),
            owner: self.role_ref(p.get(key!("owner")), "`owner`"),
            escalation: self.role_ref(p.get(key!("escalation")), "`escalation`"),
            max_changes_per_stage: p
                .int(key!("max-changes-per-stage"))
                .unwrap_or(DEFAULT_MAX_CHANGES_PER_STAGE),
            restore_parallelism: p
                .int(key!("restore-parallelism"))
                .unwrap_or(DEFAULT_RESTORE_PARALLELISM)
                .max(1),
            test_every: p.duration(key!("test-every")).unwrap_or(DEFAULT_TEST_EVERY),
            detect: p.duration(key!("detect")).unwrap_or(DEFAULT_DETECT),
            detect_spread: p.spread(key!("detect")),
            description: p.string(key!("description")),
        };
        (item.name_text().to_string(), settings, allows)
    }

    fn tier(&mut self, item: &Item) -> Tier {
        let p = self.props(item, "tier");
        Tier {
            name: item.name_text().into(),
            span: item.name_span(),
            rto: p.duration(key!("rto")),
            rpo: p.duration(key!("rpo")),
            mtd: p.duration(key!("mtd")),
            criticality: p.word(key!("criticality")).map(criticality),
        }
    }

    fn role(&mut self, item: &Item) -> Role {
        let p = self.props(item, "role");
        let deputy = self.role_ref(p.get(key!("deputy")), "`deputy`");
        if let Some(d) = deputy {
            if self
                .names
                .symbols
                .get(item.name_text())
                .is_some_and(|s| s.kind == Kind::Role && s.index == d.id.0)
            {
                self.report(
                    Diagnostic::new(
                        Code::SelfReference,
                        format!("role `{}` is its own deputy", item.name_text()),
                    )
                    .primary(d.span, "refers to the role itself")
                    .help("name another role that can stand in"),
                );
            }
        }
        let unavailable = self.windows(p.all(key!("unavailable")));
        Role {
            name: item.name_text().into(),
            span: item.name_span(),
            kind: p.word(key!("kind")).map(|w| match w {
                "owner" => RoleKind::Owner,
                "on-call" => RoleKind::OnCall,
                "escalation" => RoleKind::Escalation,
                "vendor" => RoleKind::Vendor,
                _ => RoleKind::Team,
            }),
            person: p.string(key!("person")),
            contacts: p.strings(key!("contact")),
            deputy,
            unavailable: unavailable.into_vec(),
            holidays: p
                .all(key!("holiday"))
                .into_iter()
                .filter_map(|v| match v {
                    Value::DateRange(a, b) => Some((a.value.into(), b.value.into())),
                    _ => None,
                })
                .collect(),
            allows: self.allows(&p),
        }
    }

    fn site(&mut self, item: &Item) -> Site {
        let p = self.props(item, "site");
        Site {
            name: item.name_text().into(),
            span: item.name_span(),
            kind: p.word(key!("kind")).map(|w| match w {
                "datacenter" => SiteKind::Datacenter,
                "office" => SiteKind::Office,
                "colo" => SiteKind::Colo,
                "cloud" => SiteKind::Cloud,
                "offsite" => SiteKind::Offsite,
                _ => SiteKind::Vault,
            }),
            location: p.string(key!("location")),
            failure: p.failure(),
            allows: self.allows(&p),
        }
    }

    fn storage(&mut self, item: &Item) -> Storage {
        let p = self.props(item, "storage");
        Storage {
            name: item.name_text().into(),
            span: item.name_span(),
            kind: p.word(key!("kind")).map(|w| match w {
                "disk" => StorageKind::Disk,
                "array" => StorageKind::Array,
                "san" => StorageKind::San,
                "nas" => StorageKind::Nas,
                "tape" => StorageKind::Tape,
                _ => StorageKind::Cloud,
            }),
            site: self.site_ref(p.get(key!("site")), "`site`"),
            capacity: p.size(key!("capacity")),
            throughput: p.rate(key!("throughput")),
            failure: p.failure(),
            allows: self.allows(&p),
        }
    }

    fn server(&mut self, item: &Item) -> Server {
        let p = self.props(item, "server");
        Server {
            name: item.name_text().into(),
            span: item.name_span(),
            site: self.site_ref(p.get(key!("site")), "`site`"),
            cpu: p.int(key!("cpu")),
            memory: p.size(key!("memory")),
            disk: p.size(key!("disk")),
            storage: self.storage_refs(p.get(key!("storage")), "`storage`"),
            hypervisor: p.word(key!("hypervisor")).map(hypervisor),
            model: p.string(key!("model")),
            owner: self.role_ref(p.get(key!("owner")), "`owner`"),
            failure: p.failure(),
            allows: self.allows(&p),
        }
    }

    fn vm(&mut self, item: &Item, servers: &[Server]) -> Vm {
        let p = self.props(item, "vm");
        let host = match p.get(key!("on")) {
            Some(Value::Name(ident)) => {
                self.lookup(ident, &[Kind::Server], "`on` of a vm")
                    .map(|s| Ref {
                        id: ServerId(s.index),
                        span: ident.span,
                    })
            }
            _ => {
                self.missing(item, "on", "say which server hosts the vm: `on host1`");
                None
            }
        };
        if let Some(host) = host {
            let server = &servers[host.id.index()];
            if !server.is_hypervisor() {
                self.report(
                    Diagnostic::new(
                        Code::NotAHypervisor,
                        format!(
                            "vm `{}` runs on `{}`, which has no hypervisor",
                            item.name_text(),
                            server.name
                        ),
                    )
                    .primary(host.span, "not a virtualization host")
                    .secondary(
                        server.span,
                        match server.hypervisor {
                            Some(Hypervisor::None) => "declared here with `hypervisor none`",
                            _ => "declared here without `hypervisor`",
                        },
                    )
                    .help(match server.hypervisor {
                        Some(Hypervisor::None) => format!(
                            "name the hypervisor of server `{}` (esxi, kvm, hyper-v, …) instead of `none`, or run the vm on another server",
                            server.name
                        ),
                        _ => format!(
                            "add `hypervisor esxi` (or kvm, hyper-v, …) to server `{}`",
                            server.name
                        ),
                    }),
                );
            }
        }
        Vm {
            name: item.name_text().into(),
            span: item.name_span(),
            host,
            cpu: p.int(key!("cpu")),
            memory: p.size(key!("memory")),
            image: p.size(key!("image")),
            storage: self.storage_refs(p.get(key!("storage")), "`storage`"),
            owner: self.role_ref(p.get(key!("owner")), "`owner`"),
            extras: out_of_line(VmExtras {
                failure: p.failure(),
                allows: self.allows(&p),
            }),
        }
    }

    fn service(&mut self, item: &Item, plan: &Plan) -> Service {
        let p = self.props(item, "service");
        let hosts = match p.get(key!("on")) {
            Some(Value::Names(names)) => boxed_slice(
                names.len(),
                names
                    .iter()
                    .filter_map(|n| self.host(n, "`on` of a service")),
            ),
            _ => {
                self.missing(
                    item,
                    "on",
                    "say which servers or vms run the service: `on sql1`",
                );
                Box::default()
            }
        };
        let host_count = match p.get(key!("on")) {
            Some(Value::Names(names)) => names.len() as u64,
            _ => 0,
        };
        let quorum = match p.get(key!("quorum")) {
            Some(Value::Quorum(quorum)) => {
                let ast::Quorum { need, of } = &**quorum;
                if let Some(of) = of {
                    if of.value != host_count {
                        self.report(
                            Diagnostic::new(
                                Code::InvalidQuorum,
                                format!(
                                    "quorum says `of {}` but the service runs on {}",
                                    of.value,
                                    host_count_text(host_count)
                                ),
                            )
                            .primary(of.span, format!("the `on` list names {host_count}"))
                            .help("make the `of` count match the hosts in `on`, or drop it"),
                        );
                    }
                }
                if need.value == 0 {
                    self.report(
                        Diagnostic::new(Code::InvalidQuorum, "a quorum must be at least 1")
                            .primary(need.span, "zero: the service would need no host")
                            .help(format!(
                                "choose a quorum between 1 and {host_count}: how many hosts must run for the service to serve"
                            )),
                    );
                } else if need.value > host_count.max(1) {
                    self.report(
                        Diagnostic::new(
                            Code::InvalidQuorum,
                            format!(
                                "a quorum of {} cannot be met by {}",
                                need.value,
                                host_count_text(host_count)
                            ),
                        )
                        .primary(need.span, "unreachable quorum")
                        .help(format!("choose a quorum between 1 and {host_count}")),
                    );
                }
                need.value
            }
            _ => 1,
        };
        let failover = match p.get(key!("failover")) {
            Some(Value::Failover(failover)) => {
                let ast::Failover { target, after } = &**failover;
                let accepted = [Kind::Server, Kind::Vm, Kind::Standby];
                self.lookup(target, &accepted, "`failover`")
                    .map(|s| Failover {
                        target: Ref {
                            id: match s.kind {
                                Kind::Server => FailoverTarget::Server(ServerId(s.index)),
                                Kind::Vm => FailoverTarget::Vm(VmId(s.index)),
                                _ => FailoverTarget::Standby(StandbyId(s.index)),
                            },
                            span: target.span,
                        },
                        after: after.as_ref().map_or(DEFAULT_FAILOVER, |a| a.value),
                    })
            }
            _ => None,
        };
        let mut needs = Vec::new();
        if let Some(Value::Names(names)) = p.get(key!("needs")) {
            // Exactly the room needed when every name resolves: no shrinking below.
            needs.reserve_exact(names.len());
            for ident in names {
                let Some(symbol) = self.lookup(ident, &[Kind::Service], "`needs`") else {
                    continue;
                };
                if ident.text == item.name_text() {
                    self.report(
                        Diagnostic::new(
                            Code::SelfReference,
                            format!("service `{}` needs itself", ident.text),
                        )
                        .primary(ident.span, "refers to the service itself")
                        .help("remove it from `needs`"),
                    );
                    continue;
                }
                needs.push(Ref {
                    id: ServiceId(symbol.index),
                    span: ident.span,
                });
            }
        }
        let tier = match p.get(key!("tier")) {
            Some(Value::Name(ident)) => self.lookup(ident, &[Kind::Tier], "`tier`").map(|s| Ref {
                id: TierId(s.index),
                span: ident.span,
            }),
            _ => None,
        };
        let tier_data = tier.map(|t| &plan.tiers[t.id.index()]);
        // Objectives: the service, then its tier, then `defaults service`, then the plan.
        let objective = |key: Key, from_tier: Option<Seconds>, from_plan: Option<Seconds>| {
            let own = p.own(key).and_then(|pr| match &pr.value {
                Value::Duration(d) => Some(d.value),
                _ => None,
            });
            let default = p.default(key).and_then(|pr| match &pr.value {
                Value::Duration(d) => Some(d.value),
                _ => None,
            });
            own.or(from_tier).or(default).or(from_plan)
        };
        let rto = objective(
            key!("rto"),
            tier_data.and_then(|t| t.rto),
            plan.settings.rto,
        );
        let rpo = objective(
            key!("rpo"),
            tier_data.and_then(|t| t.rpo),
            plan.settings.rpo,
        );
        let mtd = objective(
            key!("mtd"),
            tier_data.and_then(|t| t.mtd),
            plan.settings.mtd,
        );
        let own_criticality = p.own(key!("criticality")).and_then(|pr| match &pr.value {
            Value::Word(w) => Some(criticality(&w.text)),
            _ => None,
        });
        let default_criticality = p
            .default(key!("criticality"))
            .and_then(|pr| match &pr.value {
                Value::Word(w) => Some(criticality(&w.text)),
                _ => None,
            });
        let active = self.windows(p.all(key!("active")));
        Service {
            name: item.name_text().into(),
            span: item.name_span(),
            hosts,
            quorum,
            needs: needs.into(),
            data: p.size(key!("data")),
            restore_rate: p.rate(key!("restore-rate")),
            restore_time: p.duration(key!("restore-time")),
            boot: p.duration(key!("boot")).unwrap_or(0),
            change_rate: p.rate(key!("change-rate")),
            rto,
            rpo,
            mtd,
            tier,
            criticality: own_criticality
                .or(tier_data.and_then(|t| t.criticality))
                .or(default_criticality)
                .unwrap_or(Criticality::Medium),
            is_user_facing: p.is_set(key!("user-facing")) || !active.is_empty(),
            active,
            downtime_cost: match p.get(key!("downtime-cost")) {
                Some(Value::Cost(c)) => Some(c.value),
                _ => None,
            },
            owner: self.role_ref(p.get(key!("owner")), "`owner`"),
            extras: out_of_line(ServiceExtras {
                failover,
                restore_time_spread: p.spread(key!("restore-time")),
                boot_spread: p.spread(key!("boot")),
                activation: p.string(key!("activation")),
                version: p.string(key!("version")),
                start_command: p.string(key!("start")),
                check_command: p.string(key!("check")),
                description: p.string(key!("description")),
                failure: p.failure(),
                allows: self.allows(&p),
            }),
        }
    }

    fn backup(&mut self, item: &Item) -> Backup {
        let p = self.props(item, "backup");
        let subjects = match p.get(key!("of")) {
            Some(Value::Names(names)) => boxed_slice(
                names.len(),
                names.iter().filter_map(|ident| {
                    let s = self.lookup(ident, &[Kind::Service, Kind::Vm, Kind::Server], "`of`")?;
                    let id = match s.kind {
                        Kind::Service => BackupSubject::Service(ServiceId(s.index)),
                        Kind::Vm => BackupSubject::Vm(VmId(s.index)),
                        _ => BackupSubject::Server(ServerId(s.index)),
                    };
                    Some(Ref {
                        id,
                        span: ident.span,
                    })
                }),
            ),
            _ => {
                self.missing(item, "of", "say what the backup copies: `of ehr-db`");
                Box::default()
            }
        };
        let to = match p.get(key!("to")) {
            Some(Value::Name(ident)) => self
                .lookup(ident, &[Kind::Site, Kind::Storage], "`to`")
                .map(|s| Ref {
                    id: match s.kind {
                        Kind::Site => Location::Site(SiteId(s.index)),
                        _ => Location::Storage(StorageId(s.index)),
                    },
                    span: ident.span,
                }),
            _ => None,
        };
        let offsite = match p.get(key!("offsite")) {
            Some(Value::Offsite(offsite)) => self
                .lookup(&offsite.site, &[Kind::Site], "`offsite`")
                .map(|s| Offsite {
                    site: Ref {
                        id: SiteId(s.index),
                        span: offsite.site.span,
                    },
                    every: offsite.every.value,
                }),
            _ => None,
        };
        Backup {
            name: item.name_text().into(),
            span: item.name_span(),
            subjects,
            full: p.schedule(key!("full")),
            incremental: p.schedule(key!("incremental")),
            to,
            media: match p.word(key!("media")) {
                Some("tape") => Media::Tape,
                Some("cloud") => Media::Cloud,
                Some("snapshot") => Media::Snapshot,
                Some("replica") => Media::Replica,
                _ => Media::Disk,
            },
            rotate: match p.get(key!("rotate")) {
                Some(Value::Rotate(n)) => n.value.max(1),
                _ => 1,
            },
            offsite,
            keep: p.duration(key!("keep")),
            tested_every: match p.get(key!("tested")) {
                Some(Value::Tested(every)) => every.as_ref().map(|e| e.value),
                _ => None,
            },
            last_tested: match p.get(key!("last-tested")) {
                Some(Value::Date(d)) => Some(d.value.into()),
                _ => None,
            },
            consistency: match p.word(key!("consistent")) {
                Some("app") => Consistency::App,
                Some("none") => Consistency::None,
                _ => Consistency::Crash,
            },
            restore_rate: p.rate(key!("restore-rate")),
            extras: out_of_line(BackupExtras {
                differential: p.schedule(key!("differential")),
                snapshot: p.schedule(key!("snapshot")),
                fail_probability: match p.get(key!("fail-probability")) {
                    Some(Value::Probability(x)) => Some(x.value),
                    _ => None,
                },
                restore_command: p.string(key!("restore")),
                drill_command: p.string(key!("drill")),
                description: p.string(key!("description")),
                allows: self.allows(&p),
            }),
        }
    }

    fn standby(&mut self, item: &Item) -> Standby {
        let p = self.props(item, "standby");
        let (mut cpu, mut memory, mut disk) = (None, None, None);
        if let Some(Value::Capacity(parts)) = p.get(key!("capacity")) {
            for (part, value) in parts {
                match (part.text.as_str(), value) {
                    ("cpu", Value::Int(n)) => cpu = Some(n.value),
                    ("memory", Value::Size(s)) => memory = Some(s.value),
                    ("disk", Value::Size(s)) => disk = Some(s.value),
                    _ => {}
                }
            }
        }
        let covers = match p.get(key!("covers")) {
            Some(Value::Names(names)) => names
                .iter()
                .filter_map(|ident| {
                    let s = self.lookup(ident, &[Kind::Server, Kind::Site], "`covers`")?;
                    let id = match s.kind {
                        Kind::Server => Covered::Server(ServerId(s.index)),
                        _ => Covered::Site(SiteId(s.index)),
                    };
                    Some(Ref {
                        id,
                        span: ident.span,
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        Standby {
            name: item.name_text().into(),
            span: item.name_span(),
            cpu,
            memory,
            disk,
            ready_in: p.duration(key!("ready-in")).unwrap_or(0),
            ready_in_spread: p.spread(key!("ready-in")),
            mtbf: p.duration(key!("mtbf")).filter(|&m| m > 0),
            runs: match p.word(key!("runs")) {
                Some("vm-images") => Runs::VmImages,
                Some("physical") => Runs::Physical,
                _ => Runs::Any,
            },
            kind: match p.word(key!("kind")) {
                Some("hot") => StandbyKind::Hot,
                Some("warm") => StandbyKind::Warm,
                Some("mobile") => StandbyKind::Mobile,
                _ => StandbyKind::Cold,
            },
            site: self.site_ref(p.get(key!("site")), "`site`"),
            covers,
            hypervisor: p.word(key!("hypervisor")).map(hypervisor),
            model: p.string(key!("model")),
            contract: p.string(key!("contract")),
            activate_command: p.string(key!("activate")),
            allows: self.allows(&p),
        }
    }

    fn rollout(&mut self, item: &Item) -> Rollout {
        let p = self.props(item, "rollout");
        let window = self.empty_window_check(p.get(key!("window")));
        // A rollout may hold thousands of stages: they are lowered on every core, each
        // with its own diagnostics, which are kept in stage order.
        let names = self.names;
        let lowered: Vec<(Stage, Vec<Diagnostic>)> = item
            .children
            .par_iter()
            .with_min_len(STAGES_PER_THREAD)
            .map_init(
                || Resolver::new(names),
                |resolver, stage| {
                    let stage = resolver.stage(stage);
                    (stage, std::mem::take(&mut resolver.diagnostics))
                },
            )
            .collect();
        let mut stages = Vec::with_capacity(lowered.len());
        for (stage, diagnostics) in lowered {
            stages.push(stage);
            self.diagnostics.extend(diagnostics);
        }
        Rollout {
            name: item.name_text().into(),
            span: item.name_span(),
            declaration: item.span,
            window,
            starts: match p.get(key!("starts")) {
                Some(Value::Date(d)) => Some(d.value.into()),
                _ => None,
            },
            max_changes_per_stage: p.int(key!("max-changes-per-stage")),
            soak: p.duration(key!("soak")),
            budget: match p.get(key!("budget")) {
                Some(Value::Number(n)) => Some(n.value),
                _ => None,
            },
            owner: self.role_ref(p.get(key!("owner")), "`owner`"),
            stages,
            description: p.string(key!("description")),
            allows: self.allows(&p),
        }
    }

    fn stage(&mut self, item: &Item) -> Stage {
        let p = self.props(item, "stage");
        let window = self.empty_window_check(p.get(key!("window")));
        let changes = item.children.iter().map(|c| self.change(c)).collect();
        Stage {
            name: item.name_text().into(),
            span: item.name_span(),
            declaration: item.span,
            window,
            go_no_go: p.time(key!("go-no-go")),
            soak: p.duration(key!("soak")),
            roles: self.role_refs(p.get(key!("roles")), "`roles`"),
            changes,
            description: p.string(key!("description")),
            allows: self.allows(&p),
        }
    }

    fn change(&mut self, item: &Item) -> Change {
        let p = self.props(item, "change");
        let targets = match p.get(key!("on")) {
            Some(Value::Names(names)) => names
                .iter()
                .filter_map(|n| self.component(n, "`on` of a change"))
                .collect(),
            _ => {
                self.missing(
                    item,
                    "on",
                    "say what the change touches: `on ehr-app, ehr-db`",
                );
                Vec::new()
            }
        };
        Change {
            name: item.name_text().into(),
            span: item.name_span(),
            declaration: item.span,
            targets,
            kind: match p.word(key!("kind")) {
                Some("migrate") => ChangeKind::Migrate,
                Some("clone") => ChangeKind::Clone,
                Some("install") => ChangeKind::Install,
                Some("config") => ChangeKind::Config,
                Some("hardware") => ChangeKind::Hardware,
                Some("move") => ChangeKind::Move,
                _ => ChangeKind::Upgrade,
            },
            from: p.string(key!("from")),
            to: p.string(key!("to")),
            takes: p.duration(key!("takes")),
            rehearsed: p.duration(key!("rehearsed")),
            copy: match p.get(key!("copy")) {
                Some(Value::Copy(copy)) => Some(DataCopy {
                    size: copy.size.value,
                    rate: copy.rate.value,
                }),
                _ => None,
            },
            has_presync: p.is_set(key!("presync")),
            has_snapshot_before: p.word(key!("snapshot")) == Some("before"),
            has_backup_before: p.word(key!("backup")) == Some("before"),
            prechecks: p.strings(key!("precheck")),
            verifications: p
                .all(key!("verify"))
                .into_iter()
                .filter_map(|v| match v {
                    Value::Verify(verify) => Some(Verification {
                        kind: match verify.kind.text.as_str() {
                            "smoke" => VerifyKind::Smoke,
                            "load-test" => VerifyKind::LoadTest,
                            "integrity" => VerifyKind::Integrity,
                            _ => VerifyKind::Manual,
                        },
                        command: verify.command.as_ref().map(|c| c.value.clone()),
                    }),
                    _ => None,
                })
                .collect(),
            rollback: match p.get(key!("rollback")) {
                Some(Value::Rollback(rollback)) => Some(match &**rollback {
                    ast::Rollback::Command(c) => RollbackPlan::Command(c.value.clone()),
                    ast::Rollback::Keyword(k) => match k.text.as_str() {
                        "restore-snapshot" => RollbackPlan::RestoreSnapshot,
                        "restore-backup" => RollbackPlan::RestoreBackup,
                        _ => RollbackPlan::None,
                    },
                }),
                _ => None,
            },
            go_no_go: p.time(key!("go-no-go")),
            roles: self.role_refs(p.get(key!("roles")), "`roles`"),
            drill: p.string(key!("drill")),
            run_command: p.string(key!("run")),
            description: p.string(key!("description")),
            allows: self.allows(&p),
        }
    }

    fn scenario(&mut self, item: &Item, plan: &Plan) -> Scenario {
        let p = self.props(item, "scenario");
        let mut events = Vec::new();
        for value in p.all(key!("at")) {
            let Value::Event(event) = value else {
                continue;
            };
            let ast::Event {
                at,
                action,
                is_disk,
                target,
            } = &**event;
            let kind = match action.text.as_str() {
                "corrupt" => {
                    self.lookup(target, &[Kind::Backup], "`corrupt`")
                        .map(|s| EventKind::Corrupt {
                            backup: BackupId(s.index),
                        })
                }
                "fail-verify" => self
                    .lookup(target, &[Kind::Change], "`fail-verify`")
                    .map(|s| EventKind::FailVerify {
                        change: self.names.change_ids[s.index as usize],
                    }),
                _ if *is_disk => self
                    .lookup(target, &[Kind::Server], "`fail disk of`")
                    .map(|s| EventKind::Fail {
                        target: Component::Server(ServerId(s.index)),
                        disk_only: true,
                    }),
                _ => self.component(target, "`fail`").map(|c| EventKind::Fail {
                    target: c.id,
                    disk_only: false,
                }),
            };
            if let Some(kind) = kind {
                events.push(Event {
                    at: at.value % MINUTES_PER_WEEK,
                    kind,
                    span: at.span.to(target.span),
                });
            }
        }
        let mut expectations = Vec::new();
        for value in p.all(key!("expect")) {
            let Value::Expect(expect) = value else {
                continue;
            };
            let ast::Expect { service, rto, rpo } = &**expect;
            if let Some(s) = self.lookup(service, &[Kind::Service], "`expect`") {
                expectations.push(Expectation {
                    service: Ref {
                        id: ServiceId(s.index),
                        span: service.span,
                    },
                    rto: rto.as_ref().map(|d| d.value),
                    rpo: rpo.as_ref().map(|d| d.value),
                });
            }
        }
        Scenario {
            name: item.name_text().into(),
            span: item.name_span(),
            events,
            expectations,
            random_over: match p.get(key!("random")) {
                Some(Value::RandomOver(d)) => Some(d.value),
                _ => None,
            },
            detect: p.duration(key!("detect")).unwrap_or(plan.settings.detect),
            detect_spread: if p.is_set(key!("detect")) {
                p.spread(key!("detect"))
            } else {
                plan.settings.detect_spread
            },
            restore_parallelism: p
                .int(key!("restore-parallelism"))
                .unwrap_or(plan.settings.restore_parallelism)
                .max(1),
            activation: p.string(key!("activation")),
            reconstitution: p.string(key!("reconstitution")),
            description: p.string(key!("description")),
            allows: self.allows(&p),
        }
    }
}

// ---------------------------------------------------------------- pass 2: build

/// Lower every declaration, kind by kind in the order the kinds depend on each other.
fn build(names: &Names<'_>, declarations: &mut Lowering<'_>, out: &mut Vec<Diagnostic>) -> Plan {
    let mut resolver = Resolver::new(names);
    let (name, settings, allows) = resolver.settings();
    out.append(&mut resolver.diagnostics);
    let tiers = lower_each(names, declarations, "tier", out, |r, i| r.tier(i));
    let roles = lower_each(names, declarations, "role", out, |r, i| r.role(i));
    let sites = lower_each(names, declarations, "site", out, |r, i| r.site(i));
    let storage = lower_each(names, declarations, "storage", out, |r, i| r.storage(i));
    let servers = lower_each(names, declarations, "server", out, |r, i| r.server(i));
    let vms = lower_each(names, declarations, "vm", out, |r, i| r.vm(i, &servers));
    let mut plan = Plan {
        name: name.into(),
        settings,
        tiers,
        roles,
        sites,
        storage,
        servers,
        vms,
        services: Vec::new(),
        backups: Vec::new(),
        standbys: Vec::new(),
        rollouts: Vec::new(),
        scenarios: Vec::new(),
        allows,
    };
    plan.services = lower_each(names, declarations, "service", out, |r, i| {
        r.service(i, &plan)
    });
    plan.backups = lower_each(names, declarations, "backup", out, |r, i| r.backup(i));
    plan.standbys = lower_each(names, declarations, "standby", out, |r, i| r.standby(i));
    plan.rollouts = lower_each(names, declarations, "rollout", out, |r, i| r.rollout(i));
    plan.scenarios = lower_each(names, declarations, "scenario", out, |r, i| {
        r.scenario(i, &plan)
    });
    plan
}

/// Lower the declarations of one keyword with `lower`, on every core (see
/// `Lowering::lower_each`), into a vector of their exact number. Each declaration's
/// diagnostics are set aside with its position and appended to `out` in source order,
/// so the report is the same whatever the number of threads.
fn lower_each<'a, T: Send>(
    names: &Names<'a>,
    declarations: &mut Lowering<'_>,
    keyword: &str,
    out: &mut Vec<Diagnostic>,
    lower: impl for<'n> Fn(&mut Resolver<'n, 'a>, &Item) -> T + Sync + Send,
) -> Vec<T> {
    let found = Mutex::new(Vec::new());
    let lowered = declarations.lower_each(
        keyword,
        || Resolver::new(names),
        |resolver, position, item| {
            let lowered = lower(resolver, item);
            if !resolver.diagnostics.is_empty() {
                let diagnostics = std::mem::take(&mut resolver.diagnostics);
                found
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((position, diagnostics));
            }
            lowered
        },
    );
    let mut found = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    found.sort_unstable_by_key(|&(position, _)| position);
    out.extend(found.into_iter().flat_map(|(_, diagnostics)| diagnostics));
    lowered
}

fn duplicate_property(key: &str, first: Span, second: Span, owner: &str) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateProperty,
        format!("`{key}` is set twice in `{owner}`"),
    )
    .primary(second, "set again here")
    .secondary(first, "first set here")
    .help(format!("keep one `{key}`; it can be set only once"))
}

fn host_count_text(count: u64) -> String {
    format!("{count} host{}", if count == 1 { "" } else { "s" })
}

/// "a, b or c".
fn or_list<'s>(items: impl Iterator<Item = &'s str>) -> String {
    let items: Vec<&str> = items.collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolve `text` as one indexed file on a pool of `threads` threads.
    fn resolve_on(threads: usize, text: &str) -> (Plan, Vec<Diagnostic>) {
        let mut sources = SourceMap::default();
        let id = sources.add("plan.dr".into(), text.to_string());
        let (file, syntax) = crate::syntax::parse_indexed(&sources.file(id).text, id);
        assert!(syntax.is_empty(), "{syntax:?}");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        pool.install(|| resolve(vec![(id, file)], &sources))
    }

    #[test]
    fn a_mistake_inside_an_indexed_declaration_is_reported_as_parsing_the_file_does() {
        let texts = [
            "site s { kind datacenter }\nserver host { site s }\nservice a { on host }\n",
            "service b { on host  rto }\nservice c { on host  needs a, b }\n",
        ];
        let mut sources = SourceMap::default();
        let ids: Vec<FileId> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| sources.add(format!("{i}.dr").into(), text.to_string()))
            .collect();
        let read = |parse: fn(&str, FileId) -> (ast::File, Vec<Diagnostic>)| {
            let mut diagnostics = Vec::new();
            let files = ids
                .iter()
                .map(|&id| {
                    let (file, syntax) = parse(&sources.file(id).text, id);
                    diagnostics.extend(syntax);
                    (id, file)
                })
                .collect();
            let (plan, resolved) = resolve(files, &sources);
            diagnostics.extend(resolved);
            (format!("{plan:?}"), format!("{diagnostics:?}"))
        };
        let (indexed_plan, indexed) = read(crate::syntax::parse_indexed);
        let (whole_plan, whole) = read(crate::syntax::parse);
        assert!(
            whole.contains("expected a duration"),
            "the mistake is reported: {whole}"
        );
        assert_eq!(indexed, whole);
        assert_eq!(indexed_plan, whole_plan);
    }

    #[test]
    fn lowering_reports_in_source_order_whatever_the_threads() {
        // Enough services for several threads' share, a third with an unknown name.
        let mut text = String::from("server host { site nowhere }\n");
        for i in 0..3000 {
            let needs = if i % 3 == 0 { "missing" } else { "svc-0" };
            text.push_str(&format!(
                "service svc-{} {{ on host  needs {needs} }}\n",
                i + 1
            ));
        }
        text.push_str("service svc-0 { on host }\n");
        let (one_plan, one) = resolve_on(1, &text);
        let (_, three) = resolve_on(3, &text);
        assert_eq!(one.len(), 1 + 1000, "the site and every third service");
        assert_eq!(format!("{one:?}"), format!("{three:?}"));
        let starts: Vec<u32> = one.iter().map(|d| d.labels[0].span.start).collect();
        assert!(starts.is_sorted(), "reported in the order written");
        let names: Vec<&str> = one_plan.services.iter().map(|s| &*s.name).collect();
        assert_eq!(names[..2], ["svc-1", "svc-2"]);
        assert_eq!(names.last(), Some(&"svc-0"));
    }
}
