//! Arbitrary bytes into the MTOM/XOP multipart/related splitter: consistent parts or an
//! error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::xml_mime(data));
