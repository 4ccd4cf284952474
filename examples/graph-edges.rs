//! Export a plan's dependency graph as an edge list and time drplan's own graph work on
//! it, in process (no parsing): `graph-edges PLAN EDGES [--repeat N]`.
//! Each line of EDGES is `DEPENDENT DEPENDENCY`, so `tsort` and networkx read the same
//! graph. Prints `nodes N edges E`, then `cycles-seconds`, `toposort-seconds` and
//! `graph-seconds` (their sum): the best of N runs of drplan's cycle detection (the very
//! function `drplan check` calls) and petgraph's topological sort.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(plan), Some(edges)) = (args.next(), args.next()) else {
        eprintln!("usage: graph-edges PLAN EDGES [--repeat N]");
        std::process::exit(2);
    };
    let repeat: usize = match (args.next().as_deref(), args.next()) {
        (Some("--repeat"), Some(n)) => n.parse().expect("a number of runs"),
        _ => 5,
    };
    let compiled = drplan::compile(drplan::load::load(&PathBuf::from(plan)));
    let (Some(model), Some(graph)) = (&compiled.plan, &compiled.graph) else {
        eprintln!("graph-edges: the plan did not compile");
        std::process::exit(1);
    };
    let g = &graph.graph;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&edges).expect("create edges"));
    for edge in g.raw_edges() {
        let from = model.component_name(graph.component(edge.source()));
        let to = model.component_name(graph.component(edge.target()));
        writeln!(out, "{from} {to}").expect("write edges");
    }
    out.flush().expect("write edges");
    let (mut best_scc, mut best_topo) = (f64::MAX, f64::MAX);
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let components = drplan::graph::cycle_groups(g);
        let has_cycle = !components.is_empty();
        let scc = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let order = petgraph::algo::toposort(g, None);
        let topo = started.elapsed().as_secs_f64();
        assert_eq!(has_cycle, order.is_err());
        let _ = std::hint::black_box((components, order));
        best_scc = best_scc.min(scc);
        best_topo = best_topo.min(topo);
    }
    println!("nodes {} edges {}", g.node_count(), g.edge_count());
    println!("cycles-seconds {best_scc:.6}");
    println!("toposort-seconds {best_topo:.6}");
    println!("graph-seconds {:.6}", best_scc + best_topo);
}
