//! Arbitrary bytes under every traffic hint (and none): the engine must return a report,
//! never panic, never hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payload_triage::{Context, Engine, TrafficType};

fuzz_target!(|data: &[u8]| {
    let engine = Engine::default();
    // The first byte picks the hint, so the fuzzer explores every validator.
    let (selector, payload) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let hint = TrafficType::ALL.get(usize::from(selector % 7)).copied();
    let ctx = match hint {
        Some(h) => Context::new().with_hint(h),
        None => Context::new(),
    };
    for report in engine.validate_messages(payload, &ctx) {
        let _ = report.to_json_line();
    }
});
