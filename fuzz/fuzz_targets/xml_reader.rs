//! Arbitrary bytes into the secure XML reader and the XML pipeline: a report or a
//! rejection, never a panic, never a hang.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::xml_reader(data));
