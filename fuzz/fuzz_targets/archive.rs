#![no_main]
//! Any bytes as a zip, tar or gzip archive under small bounds: entries and problems,
//! never a panic, never more bytes than the bound (body in `payload_triage::fuzzing`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::archive(data));
