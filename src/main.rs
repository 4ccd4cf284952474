//! Start the CLI and exit with its status; everything else lives in `cli`.

mod cli;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    std::process::exit(cli::run(cli));
}
