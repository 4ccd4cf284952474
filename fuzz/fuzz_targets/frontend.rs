//! Fuzz the front end: arbitrary bytes through load, parse, resolve, graph and check,
//! then every diagnostic rendered for people and as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    drplan_fuzz::frontend(&String::from_utf8_lossy(data));
});
