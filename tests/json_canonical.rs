//! The canonical document changes datetimes and nothing else: every byte outside the
//! replaced tokens is the input's, each replacement is the report's canonical value,
//! and canonicalizing twice changes nothing more.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use payload_triage::unstable::json::canonical_document;
use payload_triage::{Context, Engine, TrafficType};
use proptest::prelude::*;

fn instant() -> impl Strategy<Value = String> {
    (
        1900u32..2100,
        1u32..13,
        1u32..29,
        0u32..24,
        0u32..60,
        0u32..60,
        prop_oneof![Just(String::new()), "\\.[0-9]{1,6}"],
        prop_oneof![
            Just("Z".to_owned()),
            (
                0u32..14,
                prop_oneof![Just(0u32), Just(30), Just(45)],
                prop_oneof![Just('+'), Just('-')]
            )
                .prop_map(|(h, m, sign)| format!("{sign}{h:02}:{m:02}")),
        ],
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, zone)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}")
        })
}

proptest! {
    #[test]
    fn only_datetime_tokens_change(issued in instant(), effective in instant(), spaces in " {0,3}") {
        let doc = format!(
            "{{\"resourceType\":{spaces}\"Observation\", \"status\": \"final\", \"code\": {{\"text\": \"t\"}},\n \"valueQuantity\": {{\"value\": 1.50e0}}, \"issued\":{spaces}\"{issued}\", \"effectiveDateTime\": \"{effective}\"}}"
        );
        let ctx = Context::new().with_hint(TrafficType::RedoxApi);
        let report = Engine::default().validate(doc.as_bytes(), &ctx);
        let out = String::from_utf8(canonical_document(doc.as_bytes(), &ctx).unwrap()).unwrap();
        let mut expected = doc.clone();
        for entry in &report.datetimes {
            if let Some(canonical) = &entry.canonical {
                expected = expected.replacen(&format!("\"{}\"", entry.original), &format!("\"{canonical}\""), 1);
            }
        }
        prop_assert_eq!(&out, &expected);
        let again = canonical_document(out.as_bytes(), &ctx).unwrap();
        prop_assert_eq!(again, out.into_bytes());
    }
}
