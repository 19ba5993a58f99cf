//! Messages split at every 0x00 byte, validated and paired in order under a window of 4:
//! the window holds and the counts stay consistent (`fuzzing::pairing`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::pairing(data));
