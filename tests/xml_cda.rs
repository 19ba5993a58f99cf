//! CDA documents: the header rules (CDA R2, C-CDA US Realm Header), HL7 v3 TS datetimes
//! with location paths, and how snippets and foreign XML are treated.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

mod common;
use common::{fixture, has, uploaded};

use payload_triage::{Context, Engine, Format, Report, Severity, TrafficType};

fn non_datetime_errors(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && !d.code.name().starts_with("DATETIME_"))
        .map(|d| format!("{} {}", d.code.name(), d.path))
        .collect()
}

#[test]
fn a_conformant_header_passes_the_header_rules() {
    let report = uploaded(&fixture("ccda_minimal.xml"));
    assert_eq!(report.format, Format::Cda);
    assert_eq!(non_datetime_errors(&report), Vec::<String>::new());
}

#[test]
fn hl7v3_ts_values_are_recorded_at_their_location_paths() {
    let report = uploaded(&fixture("ccda_minimal.xml"));
    let found: Vec<(&str, &str)> = report
        .datetimes
        .iter()
        .map(|d| (d.path.as_str(), d.original.as_str()))
        .collect();
    let act = "/ClinicalDocument/component/structuredBody/component/section/entry/act";
    let expected = [
        (
            "/ClinicalDocument/effectiveTime/@value",
            "20240310143000-0500",
        ),
        (
            "/ClinicalDocument/recordTarget/patientRole/patient/birthTime/@value",
            "19800102",
        ),
        (
            "/ClinicalDocument/author/time/@value",
            "20240310143000-0500",
        ),
        (
            &format!("{act}/effectiveTime/low/@value") as &str,
            "20230101",
        ),
        (
            &format!("{act}/effectiveTime/high/@value"),
            "202301151230+0100",
        ),
        (
            &format!("{act}/entryRelationship/observation/effectiveTime/low/@value"),
            "2023",
        ),
    ];
    for (path, value) in expected {
        assert!(
            found.contains(&(path, value)),
            "{path} = {value} not in {found:#?}"
        );
    }
    // low/high of a physical quantity interval are not datetimes, and a nullFlavor TS
    // has no value to record.
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    let effective = &report.datetimes[0];
    assert_eq!(effective.canonical.as_deref(), Some("2024-03-10T19:30:00Z"));
}

#[test]
fn a_local_ts_without_offset_needs_the_sender_zone() {
    let doc = br#"<ClinicalDocument xmlns="urn:hl7-org:v3"><effectiveTime value="202403101430"/></ClinicalDocument>"#;
    let report = uploaded(doc);
    assert_eq!(report.datetimes[0].canonical, None);
    assert!(has(
        &report,
        "DATETIME_NO_ZONE",
        "/ClinicalDocument/effectiveTime/@value"
    ));
    let source = payload_triage::SourceProfile::default()
        .with_zone("America/New_York")
        .unwrap();
    let report = Engine::default().validate(
        doc,
        &Context::new()
            .with_hint(TrafficType::UploadedFile)
            .with_source(source),
    );
    assert_eq!(
        report.datetimes[0].canonical.as_deref(),
        Some("2024-03-10T18:30Z")
    );
}

#[test]
fn missing_repeated_and_malformed_header_items_are_cda_diagnostics() {
    let report = uploaded(&fixture("ccda_header_broken.xml"));
    assert!(
        has(
            &report,
            "CDA_ELEMENT_MISSING",
            "/ClinicalDocument/custodian"
        ),
        "{:#?}",
        report.diagnostics
    );
    assert!(has(
        &report,
        "CDA_ATTRIBUTE_MISSING",
        "/ClinicalDocument/effectiveTime/@value"
    ));
    assert!(has(&report, "CDA_ELEMENT_REPEATED", "/ClinicalDocument/id"));
    assert!(has(
        &report,
        "CDA_VALUE_INVALID",
        "/ClinicalDocument/typeId/@root"
    ));
    assert!(has(
        &report,
        "CDA_VALUE_INVALID",
        "/ClinicalDocument/id[2]/@root"
    ));
    assert!(!report.is_valid());
}

#[test]
fn diagnostics_never_quote_payload_values() {
    let report = uploaded(&fixture("ccda_header_broken.xml"));
    for d in &report.diagnostics {
        assert!(!d.message.contains("not.an.oid"), "{}", d.message);
        assert!(
            !d.message.contains("2.16.840.1.113883.1.33"),
            "{}",
            d.message
        );
    }
}

#[test]
fn clinical_document_outside_the_hl7_namespace_is_a_diagnostic() {
    let text = String::from_utf8(fixture("ccda_minimal.xml")).unwrap();
    let report = uploaded(
        text.replace("xmlns=\"urn:hl7-org:v3\"", "xmlns=\"urn:example\"")
            .as_bytes(),
    );
    assert!(has(&report, "CDA_NAMESPACE_INVALID", "/ClinicalDocument"));
}

#[test]
fn a_cda_snippet_is_a_fragment_with_datetimes_and_tolerated_prefixes() {
    let snippet = br#"<section><entry><observation classCode="OBS" moodCode="EVN"><effectiveTime xsi:type="IVL_TS"><low value="20200101"/></effectiveTime></observation></entry></section>"#;
    let report = uploaded(snippet);
    assert_eq!(report.format, Format::Xml);
    assert!(has(&report, "CDA_FRAGMENT", ""));
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.code == "CDA_FRAGMENT_PREFIX_UNBOUND" && d.severity == Severity::Warning));
    assert_eq!(non_datetime_errors(&report), Vec::<String>::new());
    assert_eq!(report.datetimes.len(), 1);
    assert_eq!(
        report.datetimes[0].path,
        "/section/entry/observation/effectiveTime/low/@value"
    );
}

#[test]
fn unbound_prefixes_in_other_xml_are_errors() {
    let report = uploaded(br#"<note><p:body/></note>"#);
    assert!(
        has(&report, "XML_UNBOUND_PREFIX", "/note"),
        "{:#?}",
        report.diagnostics
    );
    assert!(!report.is_valid());
}

#[test]
fn base64_nonxmlbody_is_validated_as_an_embedded_file() {
    let pdf = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        b"%PDF-1.4\n%%EOF\n",
    );
    let text = String::from_utf8(fixture("ccda_minimal.xml")).unwrap();
    let start = text.find("<component>\n    <structuredBody>").unwrap();
    let end = text.find("</ClinicalDocument>").unwrap();
    let doc = format!(
        "{}<component><nonXMLBody><text mediaType=\"application/pdf\" representation=\"B64\">{pdf}</text></nonXMLBody></component>\n{}",
        &text[..start],
        &text[end..]
    );
    let report = uploaded(doc.as_bytes());
    assert_eq!(report.embedded.len(), 1, "{:#?}", report.diagnostics);
    assert_eq!(
        report.embedded[0].source,
        "/ClinicalDocument/component/nonXMLBody/text"
    );
    assert_eq!(report.embedded[0].format, Format::Pdf);
}

#[test]
fn nested_timing_components_carry_ts_values_but_periods_do_not() {
    let doc = br#"<section xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><entry><substanceAdministration classCode="SBADM" moodCode="INT"><effectiveTime xsi:type="PIVL_TS" institutionSpecified="true"><phase><low value="20240101080000+0000"/></phase><period value="8" unit="h"/></effectiveTime><effectiveTime xsi:type="SXPR_TS"><comp xsi:type="IVL_TS"><low value="20240102"/></comp></effectiveTime></substanceAdministration></entry></section>"#;
    let report = uploaded(doc);
    let paths: Vec<&str> = report.datetimes.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/section/entry/substanceAdministration/effectiveTime/phase/low/@value",
            "/section/entry/substanceAdministration/effectiveTime[2]/comp/low/@value",
        ]
    );
}

#[test]
fn sdtc_deceased_time_is_a_ts() {
    let doc = br#"<patient xmlns="urn:hl7-org:v3" xmlns:sdtc="urn:hl7-org:sdtc"><birthTime value="19500101"/><sdtc:deceasedTime value="20200101"/></patient>"#;
    let report = uploaded(doc);
    let paths: Vec<&str> = report.datetimes.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        vec!["/patient/birthTime/@value", "/patient/deceasedTime/@value"]
    );
}

#[test]
fn values_typed_ts_by_xsi_type_are_datetimes_and_quantities_are_not() {
    let doc = br#"<observation xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><value xsi:type="TS" value="20200919"/><entryRelationship><observation><value xsi:type="IVL_TS"><low value="2021"/></value><value xsi:type="PQ" value="5" unit="mg"/></observation></entryRelationship></observation>"#;
    let report = uploaded(doc);
    let paths: Vec<&str> = report.datetimes.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/observation/value/@value",
            "/observation/entryRelationship/observation/value/low/@value"
        ]
    );
}
