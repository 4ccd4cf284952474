//! Front-end throughput: parsing, resolving and graph building of a generated plan,
//! in bytes of plan text per second (target: parse + resolve ≥ 50 MB/s).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use drplan::source::FileId;

#[path = "support/generate.rs"]
mod generate;

fn frontend(c: &mut Criterion) {
    let text = generate::generate(10_000);
    let mut group = c.benchmark_group("frontend");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("parse", |b| {
        b.iter(|| drplan::syntax::parse(&text, FileId(0)))
    });
    let parsed = vec![(FileId(0), drplan::syntax::parse(&text, FileId(0)).0)];
    group.bench_function("resolve", |b| b.iter(|| drplan::model::resolve(&parsed)));
    group.bench_function("parse+resolve", |b| {
        b.iter(|| {
            let files = vec![(FileId(0), drplan::syntax::parse(&text, FileId(0)).0)];
            drplan::model::resolve(&files)
        })
    });
    let (plan, _) = drplan::model::resolve(&parsed);
    group.bench_function("graph", |b| b.iter(|| drplan::graph::build(&plan)));
    group.bench_function("check (load text → graph)", |b| {
        b.iter(|| drplan::compile(drplan::load::load_text("bench.dr", &text)))
    });
    group.finish();
}

criterion_group!(benches, frontend);
criterion_main!(benches);
