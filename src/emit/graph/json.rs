//! A [`Drawing`] as one JSON document: nodes (kind, site, status) and edges (kind).
//! The shape is documented in the book (`cli/graph.md`).

use super::{Drawing, EdgeKind, NodeKind, Status};
use serde::Serialize;

#[derive(Serialize)]
struct Document<'d> {
    plan: &'d str,
    scenario: Option<&'d str>,
    nodes: Vec<JsonNode<'d>>,
    edges: Vec<JsonEdge>,
}

#[derive(Serialize)]
struct JsonNode<'d> {
    id: String,
    kind: NodeKind,
    name: &'d str,
    detail: Option<&'d str>,
    /// The site the node stands at (its name), for sites themselves none.
    site: Option<&'d str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
}

#[derive(Serialize)]
struct JsonEdge {
    from: String,
    to: String,
    kind: EdgeKind,
}

/// The drawing as pretty-printed JSON, ending with a newline.
pub fn render(drawing: &Drawing) -> String {
    let document = Document {
        plan: &drawing.plan,
        scenario: drawing.scenario.as_deref(),
        nodes: drawing
            .nodes
            .iter()
            .map(|n| JsonNode {
                id: n.id(),
                kind: n.kind,
                name: &n.name,
                detail: n.detail.as_deref(),
                site: n
                    .site
                    .filter(|_| n.kind != NodeKind::Site)
                    .map(|s| drawing.nodes[s].name.as_str()),
                status: n.status,
            })
            .collect(),
        edges: drawing
            .edges
            .iter()
            .map(|e| JsonEdge {
                from: drawing.nodes[e.from].id(),
                to: drawing.nodes[e.to].id(),
                kind: e.kind,
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&document).expect("a drawing serializes");
    out.push('\n');
    out
}
