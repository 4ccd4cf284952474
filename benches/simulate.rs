//! (being written) Monte Carlo and exact-engine throughput.
fn main() {}
