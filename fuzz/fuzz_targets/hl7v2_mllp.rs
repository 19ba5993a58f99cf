//! MLLP deframing, in memory and streamed in input-chosen chunks: bounded buffer, no
//! panic (body in `payload_triage::fuzzing`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::hl7v2_mllp(data));
