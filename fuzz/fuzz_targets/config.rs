//! Arbitrary text as the TOML configuration (`Config::from_toml_str`): a configuration or
//! a `ConfigError`, never a panic, and an engine built from it validates.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| payload_triage::fuzzing::config(data));
