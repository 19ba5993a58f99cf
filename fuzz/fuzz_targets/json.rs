//! Arbitrary bytes as Redox API JSON: the JSON parser, the Redox and FHIR validators and
//! the canonical document must never panic, never hang.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::json(data));
