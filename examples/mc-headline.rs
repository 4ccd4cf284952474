//! The headline workload of `benches/simulate.rs` (1,000 services, failure data on
//! every kind of component, seed 1), run once:
//! `mc-headline [TRIALS] [THREADS] [MISSION-DAYS]` (default 2000, 1, 365). Prints the
//! report's JSON and histograms on stdout, to compare outputs byte for byte, and the
//! run's time on stderr: wall clock, and with one thread the time on a cpu, which a busy
//! machine disturbs less. Small enough for a profiler: `valgrind --tool=callgrind
//! --toggle-collect='drplan::simulate::monte_carlo::run' mc-headline`.

use drplan::simulate::monte_carlo::{self, Options};

#[path = "../benches/support/generate.rs"]
mod generate;

fn main() {
    let mut args = std::env::args().skip(1);
    let trials: u64 = args.next().map_or(2_000, |a| a.parse().expect("trials"));
    let threads: usize = args.next().map_or(1, |a| a.parse().expect("threads"));
    let days: u64 = args
        .next()
        .map_or(365, |a| a.parse().expect("mission days"));
    let text = generate::generate_with_failure_data(1_000);
    let compiled = drplan::compile(drplan::load::load_text("bench.dr", &text));
    let options = Options {
        trials,
        seed: 1,
        threads,
        mission: days * 86_400,
    };
    let started = std::time::Instant::now();
    let on_cpu = cpu_ns();
    let report = monte_carlo::run(
        compiled.plan.as_ref().expect("plan"),
        compiled.graph.as_ref().expect("graph"),
        &options,
        &|_| {},
    );
    eprintln!(
        "run: {:.3} s ({:.3} s on the cpu)",
        started.elapsed().as_secs_f64(),
        (cpu_ns() - on_cpu) as f64 / 1e9
    );
    println!("{}", serde_json::to_string(&report).expect("json"));
    for s in &report.services {
        println!("{:?} {:?}", s.outage_histogram, s.data_loss_histogram);
    }
    println!(
        "{:?} {:?}",
        report.plan.outage_histogram, report.plan.data_loss_histogram
    );
}

/// Nanoseconds this thread has run on a cpu (Linux: /proc/thread-self/schedstat; 0
/// elsewhere), which leaves out the time spent waiting for one.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
