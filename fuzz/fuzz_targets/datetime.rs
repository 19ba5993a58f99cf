//! Arbitrary bytes through the datetime engine in every syntax and under every zone
//! rule: it must never panic, and whatever it accepts must canonicalize to itself.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::datetime(data));
