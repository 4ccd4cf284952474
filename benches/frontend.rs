//! Front-end and check throughput on generated plans, in bytes of plan text per second.
//! Targets (issues 2 and 3): parse + resolve ≥ 50 MB/s on a plan of 100,000 services;
//! the whole check of 100,000 services and 10,000 changes under 2 s.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use drplan::source::FileId;

#[path = "support/generate.rs"]
mod generate;

fn frontend(c: &mut Criterion) {
    let mut group = c.benchmark_group("frontend");
    for services in [10_000, 100_000] {
        let text = generate::generate(services);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("parse", services), |b| {
            b.iter(|| drplan::syntax::parse(&text, FileId(0)))
        });
        group.bench_function(BenchmarkId::new("fmt", services), |b| {
            b.iter(|| drplan::fmt::format_source(&text))
        });
        // As `drplan check` reads a plan: the numerous declarations indexed, not kept.
        let mut sources = drplan::source::SourceMap::default();
        let id = sources.add("bench.dr".into(), text.clone());
        let parsed = vec![(id, drplan::syntax::parse_indexed(&text, id).0)];
        group.bench_function(BenchmarkId::new("resolve", services), |b| {
            // Resolution consumes its tree: each run gets a fresh copy, made untimed.
            b.iter_batched(
                || parsed.clone(),
                |files| drplan::model::resolve(files, &sources),
                BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("parse+resolve", services), |b| {
            b.iter(|| {
                let files = vec![(id, drplan::syntax::parse_indexed(&text, id).0)];
                drplan::model::resolve(files, &sources)
            })
        });
        let (plan, _) = drplan::model::resolve(parsed, &sources);
        let (graph, _) = drplan::graph::build(&plan);
        group.bench_function(BenchmarkId::new("analysis", services), |b| {
            b.iter(|| drplan::analysis::check(&plan, &graph))
        });
        group.bench_function(BenchmarkId::new("check", services), |b| {
            b.iter(|| drplan::compile(drplan::load::load_text("bench.dr", &text)))
        });
    }
    group.finish();
}

criterion_group!(benches, frontend);
criterion_main!(benches);
