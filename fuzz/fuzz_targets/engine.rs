//! Arbitrary bytes under every traffic hint (and none): the engine must return a report,
//! never panic, never hang.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::engine(data));
