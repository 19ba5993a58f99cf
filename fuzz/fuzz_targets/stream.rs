#![no_main]
//! Any bytes as a stream read in small pieces: reports or I/O errors, never a panic
//! (body in `payload_triage::fuzzing`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::stream(data));
