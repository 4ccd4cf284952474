//! A [`Drawing`] as Graphviz DOT: sites as clusters, a shape per kind, a legend. Every id
//! is quoted; nothing here decides what is drawn.

use super::{Drawing, EdgeKind, Node, NodeKind, Status};
use std::fmt::Write;

/// `text` as a DOT quoted string.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Shape and style of a kind of node.
fn shape(kind: NodeKind) -> (&'static str, Option<&'static str>) {
    match kind {
        NodeKind::Service => ("ellipse", None),
        NodeKind::Vm => ("box", Some("rounded")),
        NodeKind::Server => ("box3d", None),
        NodeKind::Storage => ("cylinder", None),
        NodeKind::Backup => ("note", None),
        NodeKind::Standby => ("hexagon", Some("dashed")),
        NodeKind::Site => ("point", Some("invis")),
    }
}

/// Attributes for a blast-radius status.
fn status_attributes(status: Status) -> (Option<&'static str>, &'static str) {
    match status {
        Status::Failed => (
            Some("filled,bold"),
            r##"fillcolor="#f8b4b4", color="#b91c1c", penwidth=2"##,
        ),
        Status::Down => (Some("filled"), r##"fillcolor="#fde68a", color="#b45309""##),
        Status::Unaffected => (None, r##"color="#c0c0c0", fontcolor="#a0a0a0""##),
    }
}

fn node_attributes(kind: NodeKind, label: &str, status: Option<Status>) -> String {
    let (shape, style) = shape(kind);
    let mut styles: Vec<&str> = style.into_iter().collect();
    let mut extra = "";
    if let Some(status) = status {
        let (status_style, attributes) = status_attributes(status);
        styles.extend(status_style);
        extra = attributes;
    }
    let mut out = format!("label={}, shape={shape}", quote(label));
    if !styles.is_empty() {
        let _ = write!(out, ", style={}", quote(&styles.join(",")));
    }
    if !extra.is_empty() && kind != NodeKind::Site {
        let _ = write!(out, ", {extra}");
    }
    out
}

fn label(node: &Node) -> String {
    match &node.detail {
        Some(detail) if node.kind != NodeKind::Site => format!("{}\n{detail}", node.name),
        _ => node.name.clone(),
    }
}

fn cluster_id(site: &Node) -> String {
    quote(&format!("cluster_{}", site.id()))
}

/// The drawing as a DOT digraph.
pub fn render(drawing: &Drawing) -> String {
    let mut out = String::new();
    let title = match &drawing.scenario {
        Some(scenario) => format!("{}: scenario {scenario}", drawing.plan),
        None => drawing.plan.clone(),
    };
    let _ = writeln!(out, "digraph {} {{", quote(&drawing.plan));
    let _ = writeln!(
        out,
        "  graph [label={}, labelloc=t, compound=true, fontname=\"Helvetica\"];",
        quote(&title)
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (index, site) in drawing.nodes.iter().enumerate() {
        if site.kind != NodeKind::Site {
            continue;
        }
        let _ = writeln!(out, "\n  subgraph {} {{", cluster_id(site));
        let title = match &site.detail {
            Some(detail) => format!("site {} ({detail})", site.name),
            None => format!("site {}", site.name),
        };
        let _ = writeln!(out, "    label={};", quote(&title));
        let style = match site.status {
            Some(Status::Failed) => {
                "style=\"rounded,bold\"; color=\"#b91c1c\"; fontcolor=\"#b91c1c\"; penwidth=2;"
            }
            Some(Status::Unaffected) => "style=rounded; color=\"#c0c0c0\"; fontcolor=\"#a0a0a0\";",
            _ => "style=rounded;",
        };
        let _ = writeln!(out, "    {style}");
        // An invisible anchor, so that edges can point at the site and an empty site shows.
        let _ = writeln!(
            out,
            "    {} [{}];",
            quote(&site.id()),
            node_attributes(NodeKind::Site, "", None)
        );
        for (_, node) in drawing.members(index) {
            let _ = writeln!(
                out,
                "    {} [{}];",
                quote(&node.id()),
                node_attributes(node.kind, &label(node), node.status)
            );
        }
        out.push_str("  }\n");
    }
    let mut has_outside = false;
    for node in &drawing.nodes {
        if node.kind == NodeKind::Site || node.site.is_some() {
            continue;
        }
        if !has_outside {
            out.push('\n');
            has_outside = true;
        }
        let _ = writeln!(
            out,
            "  {} [{}];",
            quote(&node.id()),
            node_attributes(node.kind, &label(node), node.status)
        );
    }
    if !drawing.edges.is_empty() {
        out.push('\n');
    }
    for edge in &drawing.edges {
        let (from, to) = (&drawing.nodes[edge.from], &drawing.nodes[edge.to]);
        let mut attributes = format!("label={}", quote(edge.kind.label()));
        match edge.kind {
            EdgeKind::Covers | EdgeKind::FailsOverTo => attributes.push_str(", style=dotted"),
            kind if kind.is_recovery() => attributes.push_str(", style=dashed"),
            _ => {}
        }
        // An edge to a site ends at its cluster, unless it starts inside it (a backup
        // written to the site it stands at): Graphviz cannot clip that edge and warns.
        if to.kind == NodeKind::Site && from.site != Some(edge.to) {
            let _ = write!(attributes, ", lhead={}", cluster_id(to));
        }
        if drawing.is_dimmed(edge) {
            attributes.push_str(", color=\"#c0c0c0\", fontcolor=\"#a0a0a0\"");
        }
        let _ = writeln!(
            out,
            "  {} -> {} [{attributes}];",
            quote(&from.id()),
            quote(&to.id())
        );
    }
    legend(&mut out, drawing.scenario.is_some());
    out.push_str("}\n");
    out
}

fn legend(out: &mut String, has_scenario: bool) {
    out.push_str("\n  subgraph cluster_legend {\n");
    out.push_str("    label=\"legend\";\n    style=dashed;\n    color=\"#808080\";\n");
    let mut ids = Vec::new();
    for kind in NodeKind::DRAWN {
        let id = quote(&format!("legend:{}", kind.name()));
        let _ = writeln!(
            out,
            "    {id} [{}];",
            node_attributes(kind, kind.name(), None)
        );
        ids.push(id);
    }
    if has_scenario {
        for (status, name) in [
            (Status::Failed, "failed"),
            (Status::Down, "goes down"),
            (Status::Unaffected, "unaffected"),
        ] {
            let id = quote(&format!("legend:{name}"));
            let _ = writeln!(
                out,
                "    {id} [{}];",
                node_attributes(NodeKind::Service, name, Some(status))
            );
            ids.push(id);
        }
    }
    // Invisible edges keep the legend in one column.
    let _ = writeln!(out, "    {} [style=invis];", ids.join(" -> "));
    out.push_str("  }\n");
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn ids_and_labels_are_quoted_and_escaped() {
        assert_eq!(quote("ehr-db.v2"), r#""ehr-db.v2""#);
        assert_eq!(quote(r#"say "hi" \ bye"#), r#""say \"hi\" \\ bye""#);
        assert_eq!(quote("two\nlines"), r#""two\nlines""#);
    }
}
