//! Fuzz what runs after a plan compiles: scripted scenarios, a tiny Monte Carlo, the
//! exact analysis and every runbook.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    drplan_fuzz::simulate(&String::from_utf8_lossy(data));
});
