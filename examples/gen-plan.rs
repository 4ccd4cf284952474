//! Generate a large, valid plan: `cargo run --release --example gen-plan -- 100000 > big.dr`.

#[path = "../benches/support/generate.rs"]
mod generate;

fn main() {
    let services: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    print!("{}", generate::generate(services));
}
