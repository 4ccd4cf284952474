//! Generate a large, realistic plan, optionally with errors planted at known lines:
//! `cargo run --release --example gen-plan -- --services 100000 -o big.dr`
//! `cargo run --release --example gen-plan -- --services 50 --plant cycle,unknown-name --manifest m.json`

#[path = "../benches/support/generate.rs"]
mod generate;

use clap::Parser;
use generate::{Options, Plant};
use std::io::Write;
use std::path::PathBuf;

/// Generate a drplan plan of any size.
#[derive(Parser)]
#[command(name = "gen-plan")]
struct Args {
    /// Services in the plan (with a vm, backups and a share of hosts, sites, standby).
    #[arg(long, default_value_t = 1000)]
    services: usize,
    /// Changes of the rollout, one per stage [default: one per ten services].
    #[arg(long)]
    changes: Option<usize>,
    /// Vary the dependencies and where errors are planted (0: the benchmarks' layout).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Errors to plant, comma-separated: cycle, big-bang, unknown-name, duplicate-name,
    /// unknown-property, invalid-unit, untested-backup, no-backup, missing-rollback.
    #[arg(long, value_delimiter = ',', value_parser = parse_plant)]
    plant: Vec<Plant>,
    /// Write the plan here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write where each error was planted as JSON here (it is always printed to stderr).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// The old positional form: the number of services.
    #[arg(hide = true)]
    legacy_services: Option<usize>,
}

fn parse_plant(name: &str) -> Result<Plant, String> {
    Plant::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Plant::ALL.iter().map(|p| p.name()).collect();
        format!("no plant `{name}`; one of {}", names.join(", "))
    })
}

fn main() {
    let args = Args::parse();
    let options = Options {
        services: args.legacy_services.unwrap_or(args.services),
        changes: args.changes,
        seed: args.seed,
        plants: args.plant,
    };
    let generated = match generate::generate_with(&options) {
        Ok(generated) => generated,
        Err(message) => {
            eprintln!("gen-plan: {message}");
            std::process::exit(2);
        }
    };
    let shown = args
        .output
        .as_ref()
        .map_or_else(|| "<stdout>".to_string(), |p| p.display().to_string());
    let result = match &args.output {
        Some(path) => std::fs::write(path, &generated.text),
        None => std::io::stdout()
            .lock()
            .write_all(generated.text.as_bytes()),
    };
    if let Err(error) = result {
        eprintln!("gen-plan: cannot write {shown}: {error}");
        std::process::exit(2);
    }
    for p in &generated.planted {
        eprintln!(
            "planted {} in `{}` at {shown}:{}: {}",
            p.plant.name(),
            p.near,
            p.line,
            p.code
        );
    }
    if let Some(path) = &args.manifest {
        let plants: Vec<serde_json::Value> = generated
            .planted
            .iter()
            .map(|p| {
                serde_json::json!({
                    "plant": p.plant.name(),
                    "line": p.line,
                    "code": p.code,
                    "near": p.near,
                })
            })
            .collect();
        let manifest = serde_json::json!({
            "file": shown,
            "services": options.services,
            "seed": options.seed,
            "bytes": generated.text.len(),
            "planted": plants,
        });
        let text = serde_json::to_string_pretty(&manifest).expect("json") + "\n";
        if let Err(error) = std::fs::write(path, text) {
            eprintln!("gen-plan: cannot write {}: {error}", path.display());
            std::process::exit(2);
        }
    }
}
