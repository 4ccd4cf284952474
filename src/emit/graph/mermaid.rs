//! A [`Drawing`] as a Mermaid flowchart: sites as subgraphs, a shape per kind, a legend.
//! Ids are generated (`n0`, `s0`) so names never meet Mermaid's syntax; labels are quoted
//! with entity escapes.

use super::{Drawing, EdgeKind, Node, NodeKind, Status};
use std::fmt::Write;

/// `text` as a quoted Mermaid label: `"` and the characters Mermaid reads as markup
/// become entity codes.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A node with its kind's shape around its quoted label.
fn shaped(id: &str, kind: NodeKind, label: &str) -> String {
    let label = quote(label);
    match kind {
        NodeKind::Service => format!("{id}([{label}])"),
        NodeKind::Vm => format!("{id}({label})"),
        NodeKind::Server => format!("{id}[{label}]"),
        NodeKind::Storage => format!("{id}[({label})]"),
        NodeKind::Backup => format!("{id}[/{label}/]"),
        NodeKind::Standby => format!("{id}{{{{{label}}}}}"),
        NodeKind::Site => format!("{id}[[{label}]]"),
    }
}

fn label(node: &Node) -> String {
    match &node.detail {
        Some(detail) => format!("{} ({detail})", node.name),
        None => node.name.clone(),
    }
}

/// Mermaid id of node `index`: sites that are drawn as subgraphs are `s`, others `n`.
fn id(drawing: &Drawing, index: usize) -> String {
    if drawing.nodes[index].kind == NodeKind::Site {
        format!("s{index}")
    } else {
        format!("n{index}")
    }
}

fn class_name(status: Status) -> &'static str {
    match status {
        Status::Failed => "failed",
        Status::Down => "down",
        Status::Unaffected => "unaffected",
    }
}

/// The drawing as a Mermaid flowchart.
pub fn render(drawing: &Drawing) -> String {
    let mut out = String::new();
    let title = match &drawing.scenario {
        Some(scenario) => format!("{}: scenario {scenario}", drawing.plan),
        None => drawing.plan.clone(),
    };
    let _ = writeln!(out, "---\ntitle: {}\n---", quote(&title));
    out.push_str("flowchart TB\n");
    for (index, site) in drawing.nodes.iter().enumerate() {
        if site.kind != NodeKind::Site {
            continue;
        }
        let members: Vec<(usize, &Node)> = drawing.members(index).collect();
        let title = format!("site {}", label(site));
        if members.is_empty() {
            // An empty subgraph does not render everywhere: the site stands alone.
            let _ = writeln!(
                out,
                "  {}",
                shaped(&id(drawing, index), NodeKind::Site, &title)
            );
            continue;
        }
        let _ = writeln!(out, "  subgraph {}[{}]", id(drawing, index), quote(&title));
        for (member, node) in members {
            let _ = writeln!(
                out,
                "    {}",
                shaped(&id(drawing, member), node.kind, &label(node))
            );
        }
        out.push_str("  end\n");
    }
    for (index, node) in drawing.nodes.iter().enumerate() {
        if node.kind != NodeKind::Site && node.site.is_none() {
            let _ = writeln!(
                out,
                "  {}",
                shaped(&id(drawing, index), node.kind, &label(node))
            );
        }
    }
    let mut dimmed = Vec::new();
    for (number, edge) in drawing.edges.iter().enumerate() {
        let arrow = match edge.kind {
            kind if kind.is_recovery() => "-.->",
            EdgeKind::Needs => "==>",
            _ => "-->",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|{}| {}",
            id(drawing, edge.from),
            edge.kind.label(),
            id(drawing, edge.to)
        );
        if drawing.is_dimmed(edge) {
            dimmed.push(number.to_string());
        }
    }
    legend(&mut out, drawing.scenario.is_some());
    if drawing.scenario.is_some() {
        for status in [Status::Failed, Status::Down, Status::Unaffected] {
            let ids: Vec<String> = (0..drawing.nodes.len())
                .filter(|&i| drawing.nodes[i].status == Some(status))
                .map(|i| id(drawing, i))
                .collect();
            if !ids.is_empty() {
                let _ = writeln!(out, "  class {} {}", ids.join(","), class_name(status));
            }
        }
        if !dimmed.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:#c0c0c0,color:#a0a0a0",
                dimmed.join(",")
            );
        }
    }
    out
}

fn legend(out: &mut String, has_scenario: bool) {
    out.push_str("  subgraph legend[\"legend\"]\n    direction TB\n");
    for kind in NodeKind::DRAWN {
        let _ = writeln!(
            out,
            "    {}",
            shaped(&format!("legend_{}", kind.name()), kind, kind.name())
        );
    }
    if has_scenario {
        out.push_str("    legend_failed([\"failed\"]):::failed\n");
        out.push_str("    legend_down([\"goes down\"]):::down\n");
        out.push_str("    legend_unaffected([\"unaffected\"]):::unaffected\n");
    }
    out.push_str("  end\n");
    if has_scenario {
        out.push_str("  classDef failed fill:#f8b4b4,stroke:#b91c1c,stroke-width:3px\n");
        out.push_str("  classDef down fill:#fde68a,stroke:#b45309\n");
        out.push_str("  classDef unaffected fill:#f5f5f5,stroke:#c0c0c0,color:#a0a0a0\n");
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn labels_are_quoted_with_entities() {
        assert_eq!(quote("ehr-db.v2"), r#""ehr-db.v2""#);
        assert_eq!(
            quote(r#"a "b" #c <d>"#),
            r#""a #quot;b#quot; #35;c #lt;d#gt;""#
        );
    }
}
