//! Writes one service's fault tree in the Open-PSA Model Exchange Format, so that
//! another tool (SCRAM) can check the exact value. Writes text only; reads nothing.

use super::plan_tree::PlanTree;
use super::structure::{GateKind, Input};
use std::fmt::Write;

/// The fault tree of `top` as an Open-PSA document; the top gate is named `top`.
pub(crate) fn write(tree: &PlanTree, top: Input, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<?xml version=\"1.0\"?>\n<opsa-mef>");
    let _ = writeln!(out, "<define-fault-tree name=\"{}\">", escape(title));
    let mut gates = Vec::new();
    let mut events = Vec::new();
    let mut seen_gate = vec![false; tree.tree.gates.len()];
    let mut seen_event = vec![false; tree.tree.events.len()];
    let mut stack = vec![top];
    while let Some(input) = stack.pop() {
        match input {
            Input::Gate(g) if !std::mem::replace(&mut seen_gate[g as usize], true) => {
                gates.push(g);
                stack.extend(tree.tree.gates[g as usize].inputs.iter().rev());
            }
            Input::Event(e) if !std::mem::replace(&mut seen_event[e as usize], true) => {
                events.push(e);
            }
            _ => {}
        }
    }
    // The top gate first, under a fixed name: a formula that is a single reference
    // passes its value through.
    let _ = writeln!(
        out,
        "<define-gate name=\"top\">\n{}\n</define-gate>",
        reference(tree, top)
    );
    for g in gates {
        let gate = &tree.tree.gates[g as usize];
        let _ = writeln!(
            out,
            "<define-gate name=\"{}\">",
            escape(&tree.gate_names[g as usize])
        );
        let (open, close) = match gate.kind {
            GateKind::And => ("<and>".to_string(), "</and>"),
            GateKind::Or => ("<or>".to_string(), "</or>"),
            GateKind::AtLeast(k) => (format!("<atleast min=\"{k}\">"), "</atleast>"),
        };
        let _ = writeln!(out, "{open}");
        for &input in &gate.inputs {
            let _ = writeln!(out, "{}", reference(tree, input));
        }
        let _ = writeln!(out, "{close}\n</define-gate>");
    }
    for e in events {
        let _ = writeln!(
            out,
            "<define-basic-event name=\"{}\">\n<float value=\"{:e}\"/>\n</define-basic-event>",
            escape(&tree.events[e as usize].name),
            tree.tree.events[e as usize]
        );
    }
    let _ = writeln!(out, "</define-fault-tree>\n</opsa-mef>");
    out
}

fn reference(tree: &PlanTree, input: Input) -> String {
    match input {
        Input::Gate(g) => format!("<gate name=\"{}\"/>", escape(&tree.gate_names[g as usize])),
        Input::Event(e) => format!(
            "<basic-event name=\"{}\"/>",
            escape(&tree.events[e as usize].name)
        ),
        // Constants are folded away when gates are built; kept valid all the same.
        Input::Never => "<constant value=\"false\"/>".to_string(),
        Input::Always => "<constant value=\"true\"/>".to_string(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
