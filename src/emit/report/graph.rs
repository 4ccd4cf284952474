//! The dependency graph as inline SVG: a deterministic layered layout (what nothing
//! depends on at the top, storage at the bottom), one background band per site, kinds by
//! shape and colour, edges with arrowheads from the dependent to what it depends on.

use super::svg::{clip, escape, number, Anchor, Svg};
use crate::graph::{Edge, Graph};
use crate::model::{Component, Host, Plan, SiteId};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

const CELL_WIDTH: f64 = 156.0;
const NODE_WIDTH: f64 = 140.0;
const NODE_HEIGHT: f64 = 30.0;
const ROW_HEIGHT: f64 = 72.0;
const BAND_GAP: f64 = 12.0;
const TOP: f64 = 34.0;
const MARGIN: f64 = 10.0;
const LEGEND_HEIGHT: f64 = 40.0;
/// Characters of a name shown in a node; the whole name is in its tooltip.
const LABEL_CHARS: usize = 21;

/// A drawn node: a component other than a site (sites are the bands).
struct Node {
    index: NodeIndex,
    component: Component,
    band: usize,
    depth: usize,
    x: f64,
}

/// The site a component sits at, through its host for vms and services.
fn site_of(plan: &Plan, component: Component) -> Option<SiteId> {
    let server_site = |id: crate::model::ServerId| plan.servers[id.index()].site.map(|s| s.id);
    let host_site = |host: Host| match host {
        Host::Server(id) => server_site(id),
        Host::Vm(id) => plan.vms[id.index()].host.and_then(|h| server_site(h.id)),
    };
    match component {
        Component::Site(id) => Some(id),
        Component::Storage(id) => plan.storage[id.index()].site.map(|s| s.id),
        Component::Server(id) => server_site(id),
        Component::Vm(id) => host_site(crate::model::Host::Vm(id)),
        Component::Service(id) => plan.services[id.index()]
            .hosts
            .iter()
            .find_map(|h| host_site(h.id)),
    }
}

/// Whether an edge is drawn: location is shown by the bands instead.
fn is_drawn(edge: Edge) -> bool {
    edge != Edge::LocatedAt
}

/// Longest chain of drawn edges below each node; an edge back into the chain being
/// walked (a cycle, reported elsewhere) is ignored. A depth-first walk with its own
/// stack: recursion overflowed the call stack on a chain of thousands of `needs`.
fn depths(graph: &Graph) -> Vec<usize> {
    struct Frame {
        node: NodeIndex,
        targets: Vec<NodeIndex>,
        next: usize,
        below: usize,
    }
    let g = &graph.graph;
    let frame = |node: NodeIndex| {
        let mut targets: Vec<NodeIndex> = g
            .edges(node)
            .filter(|e| is_drawn(e.weight().0))
            .map(|e| e.target())
            .collect();
        targets.sort();
        Frame {
            node,
            targets,
            next: 0,
            below: 0,
        }
    };
    let mut depth = vec![usize::MAX; g.node_count()];
    let mut on_path = vec![false; g.node_count()];
    for root in g.node_indices() {
        if depth[root.index()] != usize::MAX {
            continue;
        }
        on_path[root.index()] = true;
        let mut stack = vec![frame(root)];
        while let Some(top) = stack.last_mut() {
            if let Some(&target) = top.targets.get(top.next) {
                top.next += 1;
                if on_path[target.index()] {
                    continue;
                }
                if depth[target.index()] != usize::MAX {
                    top.below = top.below.max(depth[target.index()] + 1);
                    continue;
                }
                on_path[target.index()] = true;
                stack.push(frame(target));
            } else {
                let Some(done) = stack.pop() else { break };
                on_path[done.node.index()] = false;
                depth[done.node.index()] = done.below;
                if let Some(parent) = stack.last_mut() {
                    parent.below = parent.below.max(done.below + 1);
                }
            }
        }
    }
    depth
}

fn kind_name(component: Component) -> &'static str {
    match component {
        Component::Site(_) => "site",
        Component::Storage(_) => "storage",
        Component::Server(_) => "server",
        Component::Vm(_) => "vm",
        Component::Service(_) => "service",
    }
}

/// Draw a node's shape centred at `x`, top at `y`.
fn shape(svg: &mut Svg, component: Component, x: f64, y: f64, class: &str, tip: &str) {
    let left = x - NODE_WIDTH / 2.0;
    match component {
        Component::Service(_) => {
            svg.rounded(left, y, NODE_WIDTH, NODE_HEIGHT, 14.0, class, Some(tip))
        }
        Component::Storage(_) => {
            // A cylinder: body with an elliptical top and bottom.
            let (r, ry) = (NODE_WIDTH / 2.0, 5.0);
            let (top, bottom) = (y + ry, y + NODE_HEIGHT - ry);
            let d = format!(
                "M{l} {t}A{r} {ry} 0 0 1 {rr} {t}V{b}A{r} {ry} 0 0 1 {l} {b}ZM{l} {t}A{r} {ry} 0 0 0 {rr} {t}",
                l = number(left),
                rr = number(left + NODE_WIDTH),
                t = number(top),
                b = number(bottom),
                r = number(r),
                ry = number(ry),
            );
            svg.path(&d, class, Some(tip));
        }
        _ => svg.rounded(left, y, NODE_WIDTH, NODE_HEIGHT, 2.0, class, Some(tip)),
    }
}

/// The plan's dependency graph as one `<svg>`.
pub(super) fn svg(plan: &Plan, graph: &Graph) -> String {
    let depth = depths(graph);
    let band_count = plan.sites.len() + 1;
    let mut nodes: Vec<Node> = graph
        .graph
        .node_indices()
        .filter(|&n| !matches!(graph.component(n), Component::Site(_)))
        .map(|index| {
            let component = graph.component(index);
            Node {
                index,
                component,
                band: site_of(plan, component).map_or(plan.sites.len(), SiteId::index),
                depth: depth[index.index()],
                x: 0.0,
            }
        })
        .collect();
    let max_depth = nodes.iter().map(|n| n.depth).max().unwrap_or(0);
    // The nodes of each cell (a row within a band), row by row from the bottom, then
    // band by band, in node order: grouped once, as a scan of every node for each
    // cell grows with rows × bands × nodes (a long `needs` chain, many sites).
    let mut by_cell: Vec<usize> = (0..nodes.len()).collect();
    by_cell.sort_by_key(|&i| (nodes[i].depth, nodes[i].band));
    let cells: Vec<&[usize]> = by_cell
        .chunk_by(|&a, &b| (nodes[a].depth, nodes[a].band) == (nodes[b].depth, nodes[b].band))
        .collect();
    // Band widths: the most nodes any row puts in the band.
    let mut columns = vec![0usize; band_count];
    for cell in &cells {
        let band = nodes[cell[0]].band;
        columns[band] = columns[band].max(cell.len());
    }
    let shown: Vec<usize> = (0..band_count)
        .filter(|&b| b < plan.sites.len() || columns[b] > 0)
        .collect();
    let mut band_left = vec![0.0; band_count];
    let mut band_width = vec![0.0; band_count];
    let mut x = MARGIN;
    for &band in &shown {
        band_left[band] = x;
        band_width[band] = columns[band].max(1) as f64 * CELL_WIDTH;
        x += band_width[band] + BAND_GAP;
    }
    let width = (x - BAND_GAP + MARGIN).max(360.0);
    // Rows bottom-up; within a band, order by the mean position of what each node
    // depends on (already placed), then by declaration.
    let mut position = vec![f64::NAN; graph.graph.node_count()];
    for members in &cells {
        let band = nodes[members[0]].band;
        let mut cell: Vec<(f64, NodeIndex)> = members
            .iter()
            .map(|&i| {
                let n = &nodes[i];
                let below: Vec<f64> = graph
                    .graph
                    .edges(n.index)
                    .filter(|e| is_drawn(e.weight().0))
                    .map(|e| position[e.target().index()])
                    .filter(|p| !p.is_nan())
                    .collect();
                let key = if below.is_empty() {
                    f64::INFINITY
                } else {
                    below.iter().sum::<f64>() / below.len() as f64
                };
                (key, n.index)
            })
            .collect();
        cell.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let offset = (columns[band] - cell.len()) as f64 * CELL_WIDTH / 2.0;
        for (slot, (_, index)) in cell.iter().enumerate() {
            position[index.index()] = band_left[band] + offset + (slot as f64 + 0.5) * CELL_WIDTH;
        }
    }
    for node in &mut nodes {
        node.x = position[node.index.index()];
    }
    let row_top = |depth: usize| TOP + (max_depth - depth) as f64 * ROW_HEIGHT + 12.0;
    let rows_bottom = TOP + (max_depth + 1) as f64 * ROW_HEIGHT;
    let height = rows_bottom + LEGEND_HEIGHT;

    let edge_count = graph
        .graph
        .edge_references()
        .filter(|e| is_drawn(e.weight().0))
        .count();
    let mut svg = Svg::new(
        "graph",
        width,
        height,
        &format!("Dependency graph of plan {}", plan.name),
        &format!(
            "{} components in {} layers by dependency depth and {} site bands; {} dependencies drawn as arrows from the dependent to what it depends on",
            nodes.len(),
            max_depth + 1,
            plan.sites.len(),
            edge_count
        ),
    );
    svg.raw("<defs><marker id=\"drplan-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path class=\"arrowhead\" d=\"M0 0L10 5L0 10Z\"/></marker></defs>");
    for &band in &shown {
        let (label, kind) = match plan.sites.get(band) {
            Some(site) => (
                site.name.to_string(),
                site.kind.map_or(String::new(), |k| {
                    serde_json::to_value(k)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }),
            ),
            None => ("no site".to_string(), String::new()),
        };
        let tip = if kind.is_empty() {
            format!("site {label}")
        } else {
            format!("site {label} ({kind})")
        };
        svg.rect(
            band_left[band],
            MARGIN,
            band_width[band],
            rows_bottom - MARGIN,
            if band < plan.sites.len() {
                "band"
            } else {
                "band no-site"
            },
            Some(&tip),
        );
        let chars = ((band_width[band] / 7.0) as usize).max(8);
        let text = if kind.is_empty() {
            label
        } else {
            format!("{label} · {kind}")
        };
        svg.text(
            band_left[band] + 8.0,
            MARGIN + 16.0,
            Anchor::Start,
            "band-label",
            &clip(&text, chars),
        );
    }
    let mut edges: Vec<_> = graph
        .graph
        .edge_references()
        .filter(|e| is_drawn(e.weight().0))
        .map(|e| (e.source(), e.target(), e.weight().0))
        .collect();
    edges.sort_by_key(|&(a, b, _)| (a, b));
    for (from, to, kind) in edges {
        let (x1, x2) = (position[from.index()], position[to.index()]);
        let (d1, d2) = (depth[from.index()], depth[to.index()]);
        let class = match kind {
            Edge::Needs => "edge needs",
            Edge::Uses => "edge uses",
            _ => "edge runs-on",
        };
        let tip = format!(
            "{} {} {} {}",
            plan.component_name(graph.component(from)),
            match kind {
                Edge::Needs => "needs",
                Edge::Uses => "uses",
                _ => "runs on",
            },
            kind_name(graph.component(to)),
            plan.component_name(graph.component(to))
        );
        let d = if d1 > d2 {
            // Spread the arrows arriving at a node over its width, by where they come from.
            let spread = NODE_WIDTH / 2.0 - 10.0;
            let (x1, x2) = (
                x1 + ((x2 - x1) * 0.1).clamp(-spread, spread),
                x2 + ((x1 - x2) * 0.1).clamp(-spread, spread),
            );
            let y1 = row_top(d1) + NODE_HEIGHT;
            let y2 = row_top(d2) - 2.0;
            let bend = (y2 - y1) / 2.0;
            format!(
                "M{} {}C{} {} {} {} {} {}",
                number(x1),
                number(y1),
                number(x1),
                number(y1 + bend),
                number(x2),
                number(y2 - bend),
                number(x2),
                number(y2)
            )
        } else {
            // Same row or upwards: only in a plan with a cycle; loop around the side.
            let y1 = row_top(d1) + NODE_HEIGHT / 2.0;
            let y2 = row_top(d2) + NODE_HEIGHT / 2.0;
            let side = x1.max(x2) + NODE_WIDTH / 2.0 + 6.0;
            format!(
                "M{} {}C{} {} {} {} {} {}",
                number(x1 + NODE_WIDTH / 2.0),
                number(y1),
                number(side + 30.0),
                number(y1),
                number(side + 30.0),
                number(y2),
                number(x2 + NODE_WIDTH / 2.0 + 2.0),
                number(y2)
            )
        };
        svg.raw(&format!(
            "<path class=\"{class}\" d=\"{d}\" marker-end=\"url(#drplan-arrow)\"><title>{}</title></path>",
            escape(&tip)
        ));
    }
    for node in &nodes {
        let component = node.component;
        let name = plan.component_name(component);
        let kind = kind_name(component);
        let mut class = format!("node {kind}");
        if let Component::Service(id) = component {
            let criticality = plan.services[id.index()].criticality;
            if criticality >= crate::model::Criticality::High {
                class.push_str(" critical");
            }
        }
        let y = row_top(node.depth);
        let description = match component {
            Component::Service(id) => plan.services[id.index()].description(),
            _ => None,
        };
        let tip = match description {
            Some(description) => format!("{kind} {name}: {description}"),
            None => format!("{kind} {name}"),
        };
        shape(&mut svg, component, node.x, y, &class, &tip);
        svg.text(
            node.x,
            y + NODE_HEIGHT / 2.0 + 4.0,
            Anchor::Middle,
            "node-label",
            &clip(name, LABEL_CHARS),
        );
    }
    // Legend.
    let y = rows_bottom + 14.0;
    let mut x = MARGIN;
    for (component, label) in [
        (Component::Service(crate::model::ServiceId(0)), "service"),
        (Component::Vm(crate::model::VmId(0)), "vm"),
        (Component::Server(crate::model::ServerId(0)), "server"),
        (Component::Storage(crate::model::StorageId(0)), "storage"),
    ] {
        svg.rect(
            x,
            y,
            14.0,
            12.0,
            &format!("node {}", kind_name(component)),
            None,
        );
        svg.text(x + 18.0, y + 10.0, Anchor::Start, "legend", label);
        x += 80.0;
    }
    for (class, label) in [
        ("edge needs", "needs"),
        ("edge runs-on", "runs on"),
        ("edge uses", "uses"),
    ] {
        svg.line(x, y + 6.0, x + 26.0, y + 6.0, class);
        svg.text(x + 30.0, y + 10.0, Anchor::Start, "legend", label);
        x += 90.0;
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths_of_a_long_needs_chain_without_recursing() {
        // On a test thread's small stack, the recursive walk overflowed here.
        let n = 20_000;
        let text = crate::graph::needs_chain_plan(n);
        let compiled = crate::compile(crate::load::load_text("plan.dr", &text));
        let graph = compiled.graph.expect("a graph");
        let depth = depths(&graph);
        let node = |i: u32| graph.node(Component::Service(crate::model::ServiceId(i)));
        // s0 → s1 → … → s19999 → h.
        assert_eq!(depth[node(0).index()], n);
        assert_eq!(depth[node(n as u32 - 1).index()], 1);
    }
}
