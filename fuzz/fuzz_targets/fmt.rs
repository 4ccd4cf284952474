//! Fuzz the formatter: what it formats parses, formats to itself, and means the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    drplan_fuzz::fmt(&String::from_utf8_lossy(data));
});
