//! Open-PSA fault trees (the SCRAM test inputs) for tests, benches and examples: a
//! reader (quick-xml), a direct conversion to drplan's `FaultTree`, and a conversion
//! to plan text that says the same thing in drplan's own language.
//!
//! The plan language has no gate that is down only when all of several *services* are
//! down: redundancy lives in a service's hosts (`on a, b  quorum 1`), and a host is
//! down when any of its parts is (a server with its storage). So the mapping is:
//! - a basic event is a `storage` with its `fail-probability`;
//! - a set of basic events under an OR is a `server` that uses that storage (down
//!   when any of it fails) — a *host*;
//! - an OR gate is a service that `needs` the services of its gate inputs and runs
//!   `on` one host made of its basic-event inputs (or a server that never fails);
//! - an AND gate over hosts is a service `on` those hosts with `quorum 1` (down only
//!   when every host is); `atleast k` over n hosts is `quorum n-k+1` (down when k are);
//! - an AND or `atleast` gate over something that is not a host is first multiplied out
//!   (AND distributes over OR) into an OR of AND terms over hosts: a service that
//!   `needs` one service per term. That is the same Boolean function, only longer.
//!
//! Shared basic events stay one `storage`, shared gates one service.

#![allow(dead_code)]

use drplan::simulate::exact::{FaultTree, GateKind, Input};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::BTreeMap;
use std::fmt::Write;

/// What a gate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arg {
    Event(usize),
    Gate(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    And(Vec<Arg>),
    Or(Vec<Arg>),
    AtLeast(usize, Vec<Arg>),
}

/// One Open-PSA model: basic events with probabilities, gates, the top gate.
#[derive(Debug, Clone)]
pub struct OpenPsa {
    pub events: Vec<(String, f64)>,
    pub gates: Vec<(String, Formula)>,
    pub top: usize,
}

/// Read the subset of Open-PSA the reference files use: `define-gate` with `and`, `or`,
/// `atleast` (and `null` with one input), references by `event`, `gate`,
/// `basic-event`, and `define-basic-event` with a `float` value.
pub fn parse(xml: &str) -> Result<OpenPsa, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut gates: Vec<(String, String, usize, Vec<String>)> = Vec::new();
    let mut events: Vec<(String, f64)> = Vec::new();
    let mut in_event: Option<String> = None;
    let attr = |e: &quick_xml::events::BytesStart, key: &[u8]| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
    };
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"define-gate" => gates.push((
                    attr(&e, b"name").ok_or("gate name")?,
                    String::new(),
                    0,
                    vec![],
                )),
                b"and" | b"or" | b"null" => {
                    let gate = gates.last_mut().ok_or("formula outside a gate")?;
                    gate.1 = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                }
                b"atleast" => {
                    let gate = gates.last_mut().ok_or("formula outside a gate")?;
                    gate.1 = "atleast".into();
                    gate.2 = attr(&e, b"min")
                        .and_then(|m| m.parse().ok())
                        .ok_or("atleast min")?;
                }
                b"event" | b"gate" | b"basic-event" => {
                    let gate = gates.last_mut().ok_or("reference outside a gate")?;
                    gate.3.push(attr(&e, b"name").ok_or("reference name")?);
                }
                b"define-basic-event" => in_event = attr(&e, b"name"),
                b"float" => {
                    let name = in_event.take().ok_or("float outside a basic event")?;
                    let value = attr(&e, b"value")
                        .and_then(|v| v.parse().ok())
                        .ok_or("float value")?;
                    events.push((name, value));
                }
                b"opsa-mef" | b"define-fault-tree" | b"model-data" | b"label" | b"attributes" => {}
                other => {
                    return Err(format!(
                        "unsupported element <{}>",
                        String::from_utf8_lossy(other)
                    ))
                }
            },
            _ => {}
        }
    }
    let event_index: BTreeMap<&str, usize> = events
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.as_str(), i))
        .collect();
    let gate_index: BTreeMap<&str, usize> = gates
        .iter()
        .enumerate()
        .map(|(i, g)| (g.0.as_str(), i))
        .collect();
    let mut referenced = vec![false; gates.len()];
    let mut resolved = Vec::with_capacity(gates.len());
    for (name, kind, min, refs) in &gates {
        let mut args = Vec::with_capacity(refs.len());
        for r in refs {
            if let Some(&g) = gate_index.get(r.as_str()) {
                referenced[g] = true;
                args.push(Arg::Gate(g));
            } else if let Some(&e) = event_index.get(r.as_str()) {
                args.push(Arg::Event(e));
            } else {
                return Err(format!("`{r}` is not defined"));
            }
        }
        let formula = match kind.as_str() {
            "and" => Formula::And(args),
            // A bare reference (no formula element) passes its input through.
            "or" | "null" | "" => Formula::Or(args),
            "atleast" => Formula::AtLeast(*min, args),
            other => return Err(format!("gate `{name}` has unsupported formula `{other}`")),
        };
        resolved.push((name.clone(), formula));
    }
    let top = referenced.iter().position(|&r| !r).ok_or("no top gate")?;
    Ok(OpenPsa {
        events,
        gates: resolved,
        top,
    })
}

/// The same model as drplan's fault tree, gate for gate; returns the tree and its top.
pub fn to_fault_tree(model: &OpenPsa) -> (FaultTree, Input) {
    let mut tree = FaultTree::new();
    let events: Vec<Input> = model.events.iter().map(|&(_, p)| tree.event(p)).collect();
    let gates: Vec<Input> = model
        .gates
        .iter()
        .map(|_| tree.gate(GateKind::Or, Vec::new()))
        .collect();
    let input = |a: &Arg| match *a {
        Arg::Event(e) => events[e],
        Arg::Gate(g) => gates[g],
    };
    for (g, (_, formula)) in model.gates.iter().enumerate() {
        let (kind, args) = match formula {
            Formula::And(args) => (GateKind::And, args),
            Formula::Or(args) => (GateKind::Or, args),
            Formula::AtLeast(k, args) => (GateKind::AtLeast(*k as u32), args),
        };
        tree.define(gates[g], kind, args.iter().map(input).collect());
    }
    (tree, gates[model.top])
}

/// An AND term: hosts (ids into `Plan::hosts`) that must all be down.
type Term = Vec<usize>;

/// Plan text being written for one model.
struct PlanWriter<'a> {
    model: &'a OpenPsa,
    /// Basic events behind each gate that is an OR of basic events only (a host).
    host_sets: Vec<Option<Vec<usize>>>,
    /// Hosts by their sorted set of basic events.
    hosts: BTreeMap<Vec<usize>, usize>,
    host_count: usize,
    /// Services by the hosts and quorum they run on, for terms shared between gates.
    term_services: BTreeMap<(Vec<usize>, usize), String>,
    gate_services: Vec<Option<String>>,
    forms: Vec<Option<Vec<Term>>>,
    is_too_big: bool,
    out: String,
}

/// Most AND terms one gate may multiply out to before the conversion gives up.
pub const MAX_TERMS: usize = 50_000;

/// Plan text equivalent to the model; the service named `top` is the top event.
/// `None` when multiplying out ANDs of ORs would pass [`MAX_TERMS`] (baobab1).
pub fn to_plan(model: &OpenPsa) -> Option<String> {
    let mut w = PlanWriter {
        model,
        host_sets: vec![None; model.gates.len()],
        hosts: BTreeMap::new(),
        host_count: 0,
        term_services: BTreeMap::new(),
        gate_services: vec![None; model.gates.len()],
        forms: vec![None; model.gates.len()],
        is_too_big: false,
        out: String::new(),
    };
    w.out.push_str("plan converted { rto 4h  rpo 1h }\n");
    w.out.push_str("server never-fails { }\n");
    for (i, (name, p)) in model.events.iter().enumerate() {
        // Display of an f64 is exact decimal, never scientific notation.
        let _ = writeln!(
            w.out,
            "storage e{i} {{ fail-probability {p}  description \"{name}\" }}"
        );
    }
    for g in 0..model.gates.len() {
        w.host_sets[g] = w.host_set(g);
    }
    let top = w.gate_service(model.top);
    let _ = writeln!(w.out, "service top {{ on never-fails  needs {top} }}");
    (!w.is_too_big).then_some(w.out)
}

impl PlanWriter<'_> {
    /// The basic events of a gate that is an OR of basic events (possibly nested).
    fn host_set(&self, g: usize) -> Option<Vec<usize>> {
        let args = match &self.model.gates[g].1 {
            Formula::Or(args) | Formula::AtLeast(1, args) => args,
            Formula::And(args) | Formula::AtLeast(_, args) if args.len() == 1 => args,
            _ => return None,
        };
        let mut set = Vec::new();
        for arg in args {
            match *arg {
                Arg::Event(e) => set.push(e),
                Arg::Gate(c) => set.extend(self.host_set(c)?),
            }
        }
        set.sort_unstable();
        set.dedup();
        Some(set)
    }

    fn arg_host_set(&self, arg: Arg) -> Option<Vec<usize>> {
        match arg {
            Arg::Event(e) => Some(vec![e]),
            Arg::Gate(g) => self.host_sets[g].clone(),
        }
    }

    /// The server that is down when any of these basic events is.
    fn host(&mut self, set: Vec<usize>) -> usize {
        if let Some(&h) = self.hosts.get(&set) {
            return h;
        }
        let h = self.new_host(&set);
        self.hosts.insert(set, h);
        h
    }

    fn new_host(&mut self, set: &[usize]) -> usize {
        let h = self.host_count;
        self.host_count += 1;
        let storage: Vec<String> = set.iter().map(|e| format!("e{e}")).collect();
        let _ = writeln!(self.out, "server h{h} {{ storage {} }}", storage.join(", "));
        h
    }

    /// A service on these hosts, down when at least `down` of them are.
    fn term_service(&mut self, hosts: Vec<usize>, down: usize) -> String {
        let key = (hosts, down);
        if let Some(name) = self.term_services.get(&key) {
            return name.clone();
        }
        let name = format!("t{}", self.term_services.len());
        let (hosts, down) = &key;
        let on: Vec<String> = hosts.iter().map(|h| format!("h{h}")).collect();
        let quorum = hosts.len() - down + 1;
        let _ = writeln!(
            self.out,
            "service {name} {{ on {}  quorum {quorum} }}",
            on.join(", ")
        );
        self.term_services.insert(key, name.clone());
        name
    }

    /// The service that is down exactly when gate `g` fails.
    fn gate_service(&mut self, g: usize) -> String {
        if let Some(name) = &self.gate_services[g] {
            return name.clone();
        }
        let name = format!("g{g}");
        let formula = self.model.gates[g].1.clone();
        let line = if let Some(set) = self.host_sets[g].clone() {
            let h = self.host(set);
            format!("on h{h}")
        } else {
            match formula.clone() {
                Formula::Or(args) | Formula::AtLeast(1, args) => {
                    let mut set = Vec::new();
                    let mut needs = Vec::new();
                    for &arg in &args {
                        match self.arg_host_set(arg) {
                            Some(s) => set.extend(s),
                            None => {
                                let Arg::Gate(c) = arg else { unreachable!() };
                                needs.push(self.gate_service(c));
                            }
                        }
                    }
                    set.sort_unstable();
                    set.dedup();
                    let on = if set.is_empty() {
                        "never-fails".to_string()
                    } else {
                        format!("h{}", self.host(set))
                    };
                    format!("on {on}  needs {}", needs.join(", "))
                }
                Formula::And(args) | Formula::AtLeast(_, args)
                    if args.iter().all(|&a| self.arg_host_set(a).is_some()) =>
                {
                    let down = match formula {
                        Formula::AtLeast(k, _) => k,
                        _ => args.len(),
                    };
                    // Repeated inputs count twice in `atleast`: give each its own server.
                    let mut hosts = Vec::new();
                    for &arg in &args {
                        let set = self.arg_host_set(arg).expect("checked above");
                        let h = self.host(set.clone());
                        hosts.push(if hosts.contains(&h) {
                            self.new_host(&set)
                        } else {
                            h
                        });
                    }
                    let on: Vec<String> = hosts.iter().map(|h| format!("h{h}")).collect();
                    format!("on {}  quorum {}", on.join(", "), hosts.len() - down + 1)
                }
                Formula::And(_) | Formula::AtLeast(..) => {
                    let form = self.form(Arg::Gate(g));
                    let needs: Vec<String> = form
                        .into_iter()
                        .map(|term| {
                            let n = term.len();
                            self.term_service(term, n)
                        })
                        .collect();
                    format!("on never-fails  needs {}", needs.join(", "))
                }
            }
        };
        let _ = writeln!(self.out, "service {name} {{ {line} }}");
        self.gate_services[g] = Some(name.clone());
        name
    }

    /// The gate as an OR of AND terms over hosts.
    fn form(&mut self, arg: Arg) -> Vec<Term> {
        if let Some(set) = self.arg_host_set(arg) {
            return vec![vec![self.host(set)]];
        }
        let Arg::Gate(g) = arg else { unreachable!() };
        if self.is_too_big {
            return Vec::new();
        }
        if let Some(form) = &self.forms[g] {
            return form.clone();
        }
        let mut form = match self.model.gates[g].1.clone() {
            Formula::Or(args) | Formula::AtLeast(1, args) => {
                let mut set = Vec::new();
                let mut terms = Vec::new();
                for &arg in &args {
                    match self.arg_host_set(arg) {
                        Some(s) => set.extend(s),
                        None => terms.extend(self.form(arg)),
                    }
                }
                if !set.is_empty() {
                    set.sort_unstable();
                    set.dedup();
                    terms.push(vec![self.host(set)]);
                }
                terms
            }
            Formula::And(args) => {
                let forms: Vec<Vec<Term>> = args.iter().map(|&a| self.form(a)).collect();
                product(&forms).unwrap_or_else(|| {
                    self.is_too_big = true;
                    Vec::new()
                })
            }
            Formula::AtLeast(k, args) => {
                let forms: Vec<Vec<Term>> = args.iter().map(|&a| self.form(a)).collect();
                let mut terms = Vec::new();
                for subset in subsets(forms.len(), k) {
                    let chosen: Vec<Vec<Term>> = subset.iter().map(|&i| forms[i].clone()).collect();
                    match product(&chosen) {
                        Some(product) => terms.extend(product),
                        None => self.is_too_big = true,
                    }
                }
                terms
            }
        };
        form.sort_unstable();
        form.dedup();
        if form.len() > MAX_TERMS {
            self.is_too_big = true;
            form.clear();
        }
        self.forms[g] = Some(form.clone());
        form
    }
}

/// AND of ORs of terms, multiplied out.
fn product(forms: &[Vec<Term>]) -> Option<Vec<Term>> {
    let mut acc: Vec<Term> = vec![Vec::new()];
    for form in forms {
        if acc.len().saturating_mul(form.len()) > MAX_TERMS * 4 {
            return None;
        }
        let mut next = Vec::with_capacity(acc.len() * form.len());
        for a in &acc {
            for t in form {
                let mut term = a.clone();
                term.extend(t);
                term.sort_unstable();
                term.dedup();
                next.push(term);
            }
        }
        next.sort_unstable();
        next.dedup();
        acc = next;
    }
    Some(acc)
}

/// Every k-element subset of 0..n, as index lists.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    fn walk(start: usize, n: usize, k: usize, current: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if current.len() == k {
            out.push(current.clone());
            return;
        }
        for i in start..n {
            current.push(i);
            walk(i + 1, n, k, current, out);
            current.pop();
        }
    }
    walk(0, n, k, &mut current, &mut out);
    out
}
