//! Fuzzes the zero-copy HL7 v2 parser, the escape decoder and the whole HL7 v2
//! validation path: any bytes must give a report, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payload_triage::hl7v2::{escape, parse};
use payload_triage::{Context, Engine, TrafficType};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = parse::parse(data) {
        let d = *message.delimiters();
        for segment in message.segments() {
            for (_, field) in segment.fields(&d) {
                let _ = escape::check(field, &d);
                let _ = escape::decode(field, &d);
                for rep in parse::split(field, d.repetition) {
                    for component in parse::split(rep, d.component) {
                        for _ in parse::split(component, d.subcomponent) {}
                    }
                }
            }
        }
    }
    let ctx = Context::new().with_hint(TrafficType::Hl7v2Mllp);
    let engine = Engine::default();
    let _ = engine.validate(data, &ctx);
    for report in engine.validate_messages(data, &ctx) {
        let _ = report.to_json_line();
    }
});
