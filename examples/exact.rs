//! Exact top-event probability with drplan's BDD engine, for `bench/scram-compare.sh`:
//! - `exact FILE.xml [--plan]`: an Open-PSA fault tree, timed as written; with
//!   `--plan`, also converted to plan text and timed through compile + `analyse`.
//! - `exact --generate N OUT.xml`: a generated plan of N services; times `analyse` on
//!   all of them and writes the service with the largest structure as Open-PSA.

#[path = "../benches/support/generate.rs"]
mod generate;
#[path = "../benches/support/open_psa.rs"]
mod open_psa;

use drplan::model::ServiceId;
use drplan::simulate::exact::{analyse, to_open_psa, Options};
use std::time::Instant;

const MISSION: u64 = 30 * 86_400;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, n, out] if flag == "--generate" => generated(n.parse().expect("a count"), out),
        [path, rest @ ..] => reference(path, rest.iter().any(|a| a == "--plan")),
        _ => {
            eprintln!("usage: exact FILE.xml [--plan] | exact --generate N OUT.xml");
            std::process::exit(2);
        }
    }
}

fn reference(path: &str, with_plan: bool) {
    let start = Instant::now();
    let xml = std::fs::read_to_string(path).expect("read the file");
    let model = open_psa::parse(&xml).expect("an Open-PSA model");
    let (tree, top) = open_psa::to_fault_tree(&model);
    let exact = tree.probability(top).expect("the tree fits the node limit");
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "tree\tprobability {:.9e}\tbdd-nodes {}\tseconds {seconds:.6}",
        exact.probability, exact.bdd_nodes
    );
    if !with_plan {
        return;
    }
    let start = Instant::now();
    let Some(text) = open_psa::to_plan(&model) else {
        println!(
            "plan\ttoo large to multiply out (more than {} AND terms)",
            open_psa::MAX_TERMS
        );
        return;
    };
    let convert = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let compiled = drplan::compile(drplan::load::load_text("converted.dr", &text));
    let plan = compiled.plan.expect("the converted plan resolves");
    let graph = compiled.graph.expect("a graph");
    let compile = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let report =
        analyse(&plan, &graph, &Options::new(0)).expect("the converted plan fits the node limit");
    let seconds = start.elapsed().as_secs_f64();
    let top = report
        .services
        .iter()
        .find(|s| s.name == "top")
        .expect("a top service");
    println!(
        "plan\tprobability {:.9e}\tbdd-nodes {}\tseconds {seconds:.6}\tcompile {compile:.6}\tconvert {convert:.6}\tservices {}",
        top.probability,
        report.bdd_nodes,
        plan.services.len(),
    );
}

fn generated(services: usize, out: &str) {
    let text = generate::generate(services);
    let compiled = drplan::compile(drplan::load::load_text("generated.dr", &text));
    let plan = compiled.plan.expect("the generated plan resolves");
    let graph = compiled.graph.expect("a graph");
    let options = Options::new(MISSION);
    let start = Instant::now();
    let report = analyse(&plan, &graph, &options).expect("the generated plan fits the node limit");
    let seconds = start.elapsed().as_secs_f64();
    let (index, largest) = report
        .services
        .iter()
        .enumerate()
        .max_by_key(|(_, s)| s.components)
        .expect("services");
    let components = plan.sites.len()
        + plan.storage.len()
        + plan.servers.len()
        + plan.vms.len()
        + plan.services.len();
    println!(
        "plan\tservices {services}\tcomponents {components}\tbdd-nodes {}\tseconds {seconds:.6}\t(all services)",
        report.bdd_nodes
    );
    let start = Instant::now();
    let xml = to_open_psa(&plan, &options, ServiceId(index as u32));
    let export = start.elapsed().as_secs_f64();
    std::fs::write(out, &xml).expect("write the export");
    // The exported service alone, read back as a tree: the same input SCRAM gets.
    let start = Instant::now();
    let model = open_psa::parse(&xml).expect("the export reads back");
    let (tree, top) = open_psa::to_fault_tree(&model);
    let exact = tree.probability(top).expect("the tree fits the node limit");
    let tree_seconds = start.elapsed().as_secs_f64();
    println!(
        "service\t{}\tprobability {:.9e}\tevents {}\texport {export:.6}",
        largest.name, largest.probability, largest.components
    );
    println!(
        "tree\tprobability {:.9e}\tbdd-nodes {}\tseconds {tree_seconds:.6}",
        exact.probability, exact.bdd_nodes
    );
}
