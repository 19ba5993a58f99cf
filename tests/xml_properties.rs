//! Properties of the XML reader over generated inputs: every truncation of a
//! well-formed document is refused, and no byte sequence panics or escapes a report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

mod common;
use common::fixture;

use payload_triage::unstable::xml::reader::{check, XmlLimits};
use payload_triage::{Context, Engine, TrafficType};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_truncation_of_a_document_is_not_well_formed(cut in 0usize..10_000) {
        let doc = fixture("ccda_minimal.xml");
        let end = doc.iter().rposition(|b| *b == b'>').unwrap();
        let cut = cut % end; // strictly before the last `>`
        prop_assert!(check(&doc[..cut], &XmlLimits::default()).is_err());
    }

    #[test]
    fn arbitrary_bytes_inside_an_envelope_always_give_a_report(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut doc = br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>"#.to_vec();
        doc.extend_from_slice(&body);
        doc.extend_from_slice(b"</s:Body></s:Envelope>");
        let report = Engine::default().validate(&doc, &Context::new().with_hint(TrafficType::Carequality));
        let _ = report.to_json_line();
        // Whatever the body, the envelope was read as far as it is well-formed: the
        // report is never empty of a verdict about the transaction or the XML.
        prop_assert!(!report.diagnostics.is_empty());
    }
}
