//! Attacks on the XML reader, through the whole engine: each is rejected with its own
//! diagnostic before it can cost anything (no timing assertions: the rejection itself is
//! what is checked, and every one happens at the first offending event).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

mod common;
use common::{carequality, codes};

use payload_triage::{Config, Context, Engine, TrafficType};

const SOAP_OPEN: &str = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>"#;

#[test]
fn billion_laughs_is_rejected_as_a_doctype() {
    let mut entities = String::from("<!ENTITY lol0 \"lol\">");
    for i in 1..=9 {
        entities.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&lol{};", i - 1).repeat(10)
        ));
    }
    let doc = format!("<?xml version=\"1.0\"?><!DOCTYPE lolz [{entities}]><lolz>&lol9;</lolz>");
    let report = carequality(doc.as_bytes());
    assert_eq!(codes(&report), vec!["XML_DOCTYPE_REJECTED"]);
    assert!(report.datetimes.is_empty());
}

#[test]
fn xxe_external_entity_is_rejected_and_never_fetched() {
    let doc = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{SOAP_OPEN}<x>&xxe;</x></s:Body></s:Envelope>"
    );
    let report = carequality(doc.as_bytes());
    assert_eq!(codes(&report), vec!["XML_DOCTYPE_REJECTED"]);
}

#[test]
fn quadratic_blowup_is_rejected_as_a_doctype() {
    let doc = format!(
        "<!DOCTYPE q [<!ENTITY a \"{}\">]><q>{}</q>",
        "a".repeat(50_000),
        "&a;".repeat(50_000)
    );
    let report = carequality(doc.as_bytes());
    assert_eq!(codes(&report), vec!["XML_DOCTYPE_REJECTED"]);
}

#[test]
fn an_undeclared_entity_reference_is_rejected() {
    let doc = format!("{SOAP_OPEN}<x>&xxe;</x></s:Body></s:Envelope>");
    assert_eq!(
        codes(&carequality(doc.as_bytes())),
        vec!["XML_ENTITY_REJECTED"]
    );
}

#[test]
fn deep_nesting_is_rejected_at_the_default_depth_limit() {
    let doc = format!(
        "{SOAP_OPEN}{}{}</s:Body></s:Envelope>",
        "<a>".repeat(50_000),
        "</a>".repeat(50_000)
    );
    let report = carequality(doc.as_bytes());
    assert_eq!(codes(&report), vec!["XML_DEPTH_EXCEEDED"]);
    // The path names where it happened, bounded by the limit itself.
    assert!(report.diagnostics[0].path.starts_with("/Envelope/Body/a/a"));
}

#[test]
fn the_depth_limit_is_configurable() {
    let mut config = Config::default();
    config.bounds.xml.max_depth = 4;
    let engine = Engine::new(config).unwrap();
    let doc = b"<a><b><c><d><e/></d></c></b></a>";
    let report = engine.validate(doc, &Context::new().with_hint(TrafficType::UploadedFile));
    assert!(codes(&report).contains(&"XML_DEPTH_EXCEEDED"));
    let report =
        Engine::default().validate(doc, &Context::new().with_hint(TrafficType::UploadedFile));
    assert!(!codes(&report).contains(&"XML_DEPTH_EXCEEDED"));
}

#[test]
fn element_flood_is_rejected_at_the_configured_count() {
    let mut config = Config::default();
    config.bounds.xml.max_elements = 10_000;
    let engine = Engine::new(config).unwrap();
    let doc = format!("<r>{}</r>", "<a/>".repeat(20_000));
    let report = engine.validate(
        doc.as_bytes(),
        &Context::new().with_hint(TrafficType::UploadedFile),
    );
    assert_eq!(codes(&report), vec!["XML_ELEMENT_COUNT_EXCEEDED"]);
}

#[test]
fn attribute_and_text_floods_are_rejected_at_their_limits() {
    let mut config = Config::default();
    config.bounds.xml.max_attribute_length = 100;
    config.bounds.xml.max_text_length = 1000;
    let engine = Engine::new(config).unwrap();
    let ctx = Context::new().with_hint(TrafficType::UploadedFile);
    let long_attr = format!("<r a=\"{}\"/>", "x".repeat(101));
    assert_eq!(
        codes(&engine.validate(long_attr.as_bytes(), &ctx)),
        vec!["XML_ATTRIBUTE_TOO_LONG"]
    );
    let long_text = format!("<r>{}</r>", "x".repeat(1001));
    assert_eq!(
        codes(&engine.validate(long_text.as_bytes(), &ctx)),
        vec!["XML_TEXT_TOO_LONG"]
    );
    let many = format!(
        "<r{}/>",
        (0..1000)
            .map(|i| format!(" a{i}=\"1\""))
            .collect::<String>()
    );
    assert_eq!(
        codes(&engine.validate(many.as_bytes(), &ctx)),
        vec!["XML_ATTRIBUTE_COUNT_EXCEEDED"]
    );
}

#[test]
fn duplicate_attributes_and_invalid_characters_are_rejected() {
    let ctx = Context::new().with_hint(TrafficType::UploadedFile);
    let engine = Engine::default();
    assert_eq!(
        codes(&engine.validate(b"<r a='1' a='2'/>", &ctx)),
        vec!["XML_DUPLICATE_ATTRIBUTE"]
    );
    assert_eq!(
        codes(&engine.validate(b"<r>\x07</r>", &ctx)),
        vec!["XML_INVALID_CHARACTER"]
    );
    assert_eq!(
        codes(&engine.validate(b"<r>&#x1B;</r>", &ctx)),
        vec!["XML_INVALID_CHARACTER"]
    );
}

#[test]
fn root_rules_and_unclosed_elements_are_diagnostics() {
    let ctx = Context::new().with_hint(TrafficType::UploadedFile);
    let engine = Engine::default();
    assert_eq!(
        codes(&engine.validate(b"<a/><b/>", &ctx)),
        vec!["XML_ROOT_MULTIPLE"]
    );
    assert_eq!(
        codes(&engine.validate(b"<a><b>", &ctx)),
        vec!["XML_UNCLOSED_ELEMENT"]
    );
    assert_eq!(
        codes(&engine.validate(b"<a/>trailing", &ctx)),
        vec!["XML_CONTENT_OUTSIDE_ROOT"]
    );
}

#[test]
fn the_byte_cap_applies_before_parsing() {
    let mut config = Config::default();
    config.limits.carequality = 100;
    let engine = Engine::new(config).unwrap();
    // Over the cap, even a DOCTYPE attack is never looked at.
    let doc = format!(
        "<!DOCTYPE x [<!ENTITY a 'b'>]>{SOAP_OPEN}{}</s:Body></s:Envelope>",
        " ".repeat(100)
    );
    let report = engine.validate(
        doc.as_bytes(),
        &Context::new().with_hint(TrafficType::Carequality),
    );
    assert_eq!(codes(&report), vec!["SIZE_LIMIT_EXCEEDED"]);
}

#[test]
fn long_names_are_rejected_so_paths_stay_bounded() {
    let name = "n".repeat(2000);
    let doc = format!("<{name}/>");
    let report = Engine::default().validate(
        doc.as_bytes(),
        &Context::new().with_hint(TrafficType::UploadedFile),
    );
    assert_eq!(codes(&report), vec!["XML_NAME_TOO_LONG"]);
}

/// A CDA document of 1,000 effectiveTime dates, validated under `config`.
fn thousand_dates(config: Config) -> payload_triage::Report {
    let engine = Engine::new(config).unwrap();
    let doc = format!(
        "<ClinicalDocument xmlns=\"urn:hl7-org:v3\">{}</ClinicalDocument>",
        "<effectiveTime value=\"20240101\"/>".repeat(1000)
    );
    engine.validate(
        doc.as_bytes(),
        &Context::new().with_hint(TrafficType::UploadedFile),
    )
}

#[test]
fn datetime_flood_is_listed_to_the_configured_count_and_counted_past_it() {
    let mut config = Config::default();
    config.bounds.datetimes_per_report = 100;
    let report = thousand_dates(config);
    assert_eq!(report.datetimes.len(), 100);
    let truncated: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "DATETIMES_TRUNCATED")
        .collect();
    assert_eq!(truncated.len(), 1);
    assert_eq!(
        truncated[0].message,
        "900 more datetimes were checked but not listed"
    );
    // Every value was still checked, and none was refused for the count.
    assert!(report.diagnostics.iter().all(|d| {
        !d.code.name().starts_with("DATETIME_") && d.code != "XML_DATETIME_LIMIT_EXCEEDED"
    }));
}

#[test]
fn datetime_bytes_past_the_configured_budget_stop_canonicalization() {
    let mut config = Config::default();
    config.bounds.xml.max_datetime_bytes = 1000;
    let report = thousand_dates(config);
    assert!(report.datetimes.len() < 100);
    assert_eq!(
        report
            .diagnostics
            .iter()
            .filter(|d| d.code == "XML_DATETIME_LIMIT_EXCEEDED")
            .count(),
        1
    );
    assert!(!report.is_valid());
}
