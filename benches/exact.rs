//! Exact-engine speed: the SCRAM reference trees (baobab1, 200_event) as fault trees and
//! as converted plans, and generated plans of thousands of components through
//! `analyse`. `bench/scram-compare.sh` times SCRAM on the same inputs.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use drplan::simulate::exact::{analyse, Options};

#[path = "support/generate.rs"]
mod generate;
#[path = "support/open_psa.rs"]
mod open_psa;

const MISSION: u64 = 30 * 86_400;

fn reference(c: &mut Criterion) {
    let mut group = c.benchmark_group("exact");
    group.sample_size(10);
    for name in ["baobab1", "200_event"] {
        let path = format!(
            "{}/tests/data/open-psa/{name}.xml",
            env!("CARGO_MANIFEST_DIR")
        );
        let xml = std::fs::read_to_string(path).expect("reference file");
        let model = open_psa::parse(&xml).expect("an Open-PSA model");
        let (tree, top) = open_psa::to_fault_tree(&model);
        group.bench_function(BenchmarkId::new("tree", name), |b| {
            b.iter(|| tree.probability(top))
        });
        if let Some(text) = open_psa::to_plan(&model) {
            let compiled = drplan::compile(drplan::load::load_text("bench.dr", &text));
            let (plan, graph) = (compiled.plan.unwrap(), compiled.graph.unwrap());
            group.bench_function(BenchmarkId::new("plan", name), |b| {
                b.iter(|| analyse(&plan, &graph, &Options::new(MISSION)))
            });
        }
    }
    for services in [1_000, 10_000] {
        let text = generate::generate(services);
        let compiled = drplan::compile(drplan::load::load_text("bench.dr", &text));
        let (plan, graph) = (compiled.plan.unwrap(), compiled.graph.unwrap());
        let components = plan.sites.len()
            + plan.storage.len()
            + plan.servers.len()
            + plan.vms.len()
            + plan.services.len();
        group.throughput(Throughput::Elements(components as u64));
        group.bench_function(BenchmarkId::new("generated", services), |b| {
            b.iter(|| analyse(&plan, &graph, &Options::new(MISSION)))
        });
    }
    group.finish();
}

criterion_group!(benches, reference);
criterion_main!(benches);
