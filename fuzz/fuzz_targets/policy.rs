//! A TOML configuration and a payload, split at the first 0x00 byte: the payload is
//! validated under the source profiles the configuration gives a few fixed input names,
//! and the source policy's diagnostics never quote the sender (`fuzzing::policy`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::policy(data));
