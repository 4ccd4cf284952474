//! Time each stage of `drplan check` on one plan file, in process:
//! `check-phases PLAN [--repeat N]` prints the best of N runs per stage, in seconds
//! and MB/s of plan text, and the memory resident after each stage of the last run
//! (from /proc/self/statm, Linux only), to find where a check spends time and memory.
//! It also counts heap bytes exactly, live after each stage and the peak within it,
//! since resident memory hides what the allocator keeps after a free.

use peak_alloc::PeakAlloc;
use std::time::Instant;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// Heap bytes live now, and the most live since the last call.
fn heap() -> (usize, usize) {
    let counted = (HEAP.current_usage(), HEAP.peak_usage());
    HEAP.reset_peak_usage();
    counted
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: check-phases PLAN [--repeat N]");
        std::process::exit(2);
    };
    let repeat: usize = match (args.next().as_deref(), args.next()) {
        (Some("--repeat"), Some(n)) => n.parse().expect("a number of runs"),
        _ => 3,
    };
    let mut best = [f64::MAX; 6];
    let mut resident = [0u64; 6];
    let mut heaps = [(0usize, 0usize); 6];
    let mut bytes = 0;
    for _ in 0..repeat.max(1) {
        let mut times = [0.0; 6];
        heap();
        let started = Instant::now();
        let text = std::fs::read_to_string(&path).expect("read the plan");
        times[0] = started.elapsed().as_secs_f64();
        resident[0] = resident_bytes();
        heaps[0] = heap();
        bytes = text.len();
        let started = Instant::now();
        let mut sources = drplan::source::SourceMap::default();
        let id = sources.add(path.clone().into(), text);
        let text = &sources.file(id).text;
        let (file, _) = drplan::syntax::parse_indexed(text, id);
        times[1] = started.elapsed().as_secs_f64();
        resident[1] = resident_bytes();
        heaps[1] = heap();
        let files = vec![(id, file)];
        let started = Instant::now();
        // Resolution consumes the syntax tree, dropping each declaration once lowered.
        let (plan, _) = drplan::model::resolve(files, &sources);
        times[2] = started.elapsed().as_secs_f64();
        resident[2] = resident_bytes();
        heaps[2] = heap();
        let started = Instant::now();
        let (graph, _) = drplan::graph::build(&plan);
        times[3] = started.elapsed().as_secs_f64();
        resident[3] = resident_bytes();
        heaps[3] = heap();
        let started = Instant::now();
        let diagnostics = drplan::analysis::check(&plan, &graph);
        times[4] = started.elapsed().as_secs_f64();
        resident[4] = resident_bytes();
        heaps[4] = heap();
        std::hint::black_box(diagnostics);
        let started = Instant::now();
        drop((graph, plan, sources));
        times[5] = started.elapsed().as_secs_f64();
        resident[5] = resident_bytes();
        heaps[5] = heap();
        for (b, t) in best.iter_mut().zip(times) {
            *b = b.min(t);
        }
    }
    let total: f64 = best.iter().sum();
    let mb = bytes as f64 / 1e6;
    for (((name, t), r), h) in ["read", "parse", "resolve", "graph", "analysis", "drop rest"]
        .iter()
        .zip(best)
        .zip(resident)
        .zip(heaps)
    {
        println!(
            "{name:<10} {t:>8.4} s {:>7.1} MB/s {:>5.1}%   resident after {:>6.1} MB   heap live {:>6.1} MB, peak {:>6.1} MB",
            mb / t,
            100.0 * t / total,
            r as f64 / 1e6,
            h.0 as f64 / 1e6,
            h.1 as f64 / 1e6
        );
    }
    println!("{:<10} {total:>8.4} s {:>9.1} MB/s", "total", mb / total);
}

/// Resident memory of this process now, in bytes (0 where /proc is missing).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}
