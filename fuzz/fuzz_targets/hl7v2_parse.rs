//! The zero-copy HL7 v2 parser, the escape decoder and the whole HL7 v2 validation path:
//! any bytes must give a report, never a panic (body in `payload_triage::fuzzing`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::hl7v2_parse(data));
