//! IHE transactions over SOAP 1.2: recognition by (wsa:Action, first Body child), the
//! rule set of each transaction, exchange metadata, embedded documents and MTOM/XOP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

mod common;
use common::{carequality, codes, fixture, has};

use base64::Engine as _;
use payload_triage::{Context, Engine, ExchangePattern, Format, Report, TrafficType};

/// Errors other than the datetime engine's own verdicts.
fn structural_errors(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == payload_triage::Severity::Error && !d.code.name().starts_with("DATETIME_")
        })
        .map(|d| format!("{} {} {}", d.code.name(), d.path, d.message))
        .collect()
}

#[test]
fn xcpd_request_is_recognised_as_iti55_query_with_its_message_id() {
    let report = carequality(&fixture("iti55_request.xml"));
    assert_eq!(report.format, Format::Soap);
    assert_eq!(structural_errors(&report), Vec::<String>::new());
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-55"));
    assert_eq!(report.exchange.pattern, Some(ExchangePattern::Query));
    assert_eq!(
        report.exchange.message_id.as_deref(),
        Some("urn:uuid:0a7c3f2e-1111-4d6b-9c1e-7b4f0d2a9e01")
    );
    assert_eq!(
        report.exchange.message_type.as_deref(),
        Some("PRPA_IN201305UV02")
    );
}

#[test]
fn xcpd_hl7v3_and_ws_security_datetimes_are_recorded_with_location_paths() {
    let report = carequality(&fixture("iti55_request.xml"));
    let paths: Vec<&str> = report.datetimes.iter().map(|d| d.path.as_str()).collect();
    for expected in [
        "/Envelope/Header/Security/Timestamp/Created",
        "/Envelope/Header/Security/Timestamp/Expires",
        "/Envelope/Header/Security/Assertion/@IssueInstant",
        "/Envelope/Header/Security/Assertion/Conditions/@NotBefore",
        "/Envelope/Header/Security/Assertion/Conditions/@NotOnOrAfter",
        "/Envelope/Header/Security/Assertion/AuthnStatement/@AuthnInstant",
        "/Envelope/Body/PRPA_IN201305UV02/creationTime/@value",
        "/Envelope/Body/PRPA_IN201305UV02/controlActProcess/queryByParameter/parameterList/livingSubjectBirthTime/value/@value",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:#?}");
    }
    let created = report
        .datetimes
        .iter()
        .find(|d| d.path == "/Envelope/Header/Security/Timestamp/Created")
        .unwrap();
    assert_eq!(created.original, "2024-03-10T14:05:00Z");
    assert_eq!(created.canonical.as_deref(), Some("2024-03-10T14:05:00Z"));
    let authn = report
        .datetimes
        .iter()
        .find(|d| d.path.ends_with("AuthnStatement/@AuthnInstant"))
        .unwrap();
    assert_eq!(authn.canonical.as_deref(), Some("2024-03-10T19:00:00Z"));
}

#[test]
fn xcpd_request_without_required_parameters_breaks_its_rules() {
    let text = String::from_utf8(fixture("iti55_request.xml")).unwrap();
    let broken = text
        .replace("<livingSubjectName><value><given>Testa</given><family>Example</family></value><semanticsText>LivingSubject.name</semanticsText></livingSubjectName>", "")
        .replace("<interactionId root=\"2.16.840.1.113883.1.6\"", "<interactionId root=\"2.16.840.1.113883.1.7\"");
    let report = carequality(broken.as_bytes());
    assert!(has(
        &report,
        "IHE_ELEMENT_MISSING",
        "/Envelope/Body/PRPA_IN201305UV02/controlActProcess/queryByParameter/parameterList/livingSubjectName"
    ), "{:#?}", report.diagnostics);
    assert!(has(
        &report,
        "IHE_VALUE_INVALID",
        "/Envelope/Body/PRPA_IN201305UV02/interactionId/@root"
    ));
}

#[test]
fn xca_query_is_iti38_and_find_documents_requires_its_slots() {
    let report = carequality(&fixture("iti38_request.xml"));
    assert_eq!(structural_errors(&report), Vec::<String>::new());
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-38"));
    assert_eq!(report.exchange.pattern, Some(ExchangePattern::Query));

    let report = carequality(&fixture("iti38_request_missing_status.xml"));
    assert!(
        has(
            &report,
            "IHE_ELEMENT_MISSING",
            "/Envelope/Body/AdhocQueryRequest/AdhocQuery/Slot"
        ),
        "{:#?}",
        report.diagnostics
    );
    assert!(!report.is_valid());
}

#[test]
fn xca_query_response_relates_to_its_request_and_xds_slots_are_utc_datetimes() {
    let report = carequality(&fixture("iti38_response.xml"));
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-38"));
    assert_eq!(
        report.exchange.pattern,
        Some(ExchangePattern::QueryResponse)
    );
    assert_eq!(
        report.exchange.relates_to.as_deref(),
        Some("urn:uuid:0a7c3f2e-2222-4d6b-9c1e-7b4f0d2a9e02")
    );
    let slot = "/Envelope/Body/AdhocQueryResponse/RegistryObjectList/ExtrinsicObject/Slot";
    let creation = report
        .datetimes
        .iter()
        .find(|d| d.path == format!("{slot}/ValueList/Value"))
        .expect("creationTime slot recorded");
    assert_eq!(creation.original, "20240301101500");
    // XDS slot instants are UTC by definition (ITI TF-3 4.2.3.1.7): no zone needed.
    assert_eq!(creation.canonical.as_deref(), Some("2024-03-01T10:15:00Z"));
    // serviceStopTime 20240230 is not a date.
    assert!(report.diagnostics.iter().any(
        |d| d.code == "DATETIME_INVALID_DATE" && d.path == format!("{slot}[3]/ValueList/Value")
    ));
    let paths: Vec<&str> = report.datetimes.iter().map(|d| d.path.as_str()).collect();
    assert!(paths.contains(&format!("{slot}[2]/ValueList/Value").as_str()));
    assert!(paths.contains(&format!("{slot}[3]/ValueList/Value").as_str()));
    // languageCode is not a datetime slot.
    assert!(!paths.contains(&format!("{slot}[4]/ValueList/Value").as_str()));
}

#[test]
fn xca_retrieve_requires_home_community_and_repository_oid() {
    let report = carequality(&fixture("iti39_request.xml"));
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-39"));
    assert_eq!(report.exchange.pattern, Some(ExchangePattern::Retrieve));
    let second = "/Envelope/Body/RetrieveDocumentSetRequest/DocumentRequest[2]";
    assert!(
        has(
            &report,
            "IHE_ELEMENT_MISSING",
            &format!("{second}/HomeCommunityId")
        ),
        "{:#?}",
        report.diagnostics
    );
    assert!(has(
        &report,
        "IHE_VALUE_INVALID",
        &format!("{second}/RepositoryUniqueId")
    ));
    // The first request is complete.
    assert!(!report.diagnostics.iter().any(|d| d
        .path
        .starts_with("/Envelope/Body/RetrieveDocumentSetRequest/DocumentRequest/")));
}

#[test]
fn action_and_body_must_agree() {
    let report = carequality(&fixture("iti38_action_with_retrieve_body.xml"));
    assert!(
        has(
            &report,
            "IHE_BODY_MISMATCH",
            "/Envelope/Body/RetrieveDocumentSetRequest"
        ),
        "{:#?}",
        report.diagnostics
    );
    assert!(!report.is_valid());
}

#[test]
fn unknown_action_is_a_diagnostic() {
    let report = carequality(&fixture("unknown_action.xml"));
    assert!(has(
        &report,
        "IHE_ACTION_UNKNOWN",
        "/Envelope/Header/Action"
    ));
    assert_eq!(report.exchange.transaction, None);
}

#[test]
fn several_body_children_are_a_diagnostic() {
    let report = carequality(&fixture("two_body_children.xml"));
    assert!(has(
        &report,
        "SOAP_BODY_MULTIPLE_CHILDREN",
        "/Envelope/Body"
    ));
}

#[test]
fn soap_11_envelope_is_a_diagnostic() {
    let report = carequality(&fixture("soap11.xml"));
    assert!(codes(&report).contains(&"SOAP_VERSION_UNSUPPORTED"));
    assert!(!report.is_valid());
}

#[test]
fn a_cda_on_the_carequality_channel_is_not_a_soap_envelope() {
    let report = carequality(&fixture("ccda_minimal.xml"));
    assert!(codes(&report).contains(&"SOAP_ENVELOPE_MISSING"));
}

fn envelope(action: &str, extra_header: &str, body: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>{action}</a:Action><a:MessageID>urn:uuid:0a7c3f2e-aaaa-4d6b-9c1e-7b4f0d2a9e0a</a:MessageID><a:RelatesTo>urn:uuid:0a7c3f2e-bbbb-4d6b-9c1e-7b4f0d2a9e0b</a:RelatesTo>{extra_header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

fn retrieve_response(document: &str) -> String {
    envelope(
        "urn:ihe:iti:2007:CrossGatewayRetrieveResponse",
        "",
        &format!(
            r#"<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007" xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"><rs:RegistryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/><xdsb:DocumentResponse><xdsb:HomeCommunityId>urn:oid:1.2.3.4.8</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>1.2.3.4.10</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.3.4.11.1</xdsb:DocumentUniqueId><xdsb:mimeType>text/xml</xdsb:mimeType><xdsb:Document>{document}</xdsb:Document></xdsb:DocumentResponse></xdsb:RetrieveDocumentSetResponse>"#
        ),
    )
}

#[test]
fn retrieve_response_carries_its_cda_as_an_embedded_report() {
    let cda = base64::engine::general_purpose::STANDARD.encode(fixture("ccda_minimal.xml"));
    let report = carequality(retrieve_response(&cda).as_bytes());
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-39"));
    assert_eq!(
        report.exchange.pattern,
        Some(ExchangePattern::RetrieveResponse)
    );
    assert_eq!(structural_errors(&report), Vec::<String>::new());
    assert_eq!(report.embedded.len(), 1);
    let inner = &report.embedded[0];
    assert_eq!(
        inner.source,
        "/Envelope/Body/RetrieveDocumentSetResponse/DocumentResponse/Document"
    );
    assert_eq!(inner.format, Format::Cda);
    assert_eq!(inner.traffic_type, TrafficType::EmbeddedFile);
    assert!(inner
        .datetimes
        .iter()
        .any(|d| d.path == "/ClinicalDocument/effectiveTime/@value"));
}

#[test]
fn an_invalid_embedded_cda_makes_the_retrieve_response_invalid() {
    let cda = base64::engine::general_purpose::STANDARD.encode(fixture("ccda_header_broken.xml"));
    let report = carequality(retrieve_response(&cda).as_bytes());
    assert!(codes(&report).contains(&"EMBEDDED_FILE_INVALID"));
    assert!(codes(&report.embedded[0]).contains(&"CDA_ELEMENT_MISSING"));
}

fn provide_and_register(action: &str, extra_header: &str) -> String {
    let cda = base64::engine::general_purpose::STANDARD.encode(fixture("ccda_minimal.xml"));
    envelope(
        action,
        extra_header,
        &format!(
            r#"<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb="urn:ihe:iti:xds-b:2007" xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><lcm:SubmitObjectsRequest><rim:RegistryObjectList><rim:RegistryPackage id="urn:uuid:0a7c3f2e-cccc-4d6b-9c1e-7b4f0d2a9e0c"><rim:Slot name="submissionTime"><rim:ValueList><rim:Value>20240310193000</rim:Value></rim:ValueList></rim:Slot></rim:RegistryPackage><rim:ExtrinsicObject id="Document01" mimeType="text/xml"/></rim:RegistryObjectList></lcm:SubmitObjectsRequest><xdsb:Document id="Document01">{cda}</xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>"#
        ),
    )
}

#[test]
fn xdr_provide_and_register_is_iti41_writeback_with_its_document_embedded() {
    let report = carequality(
        provide_and_register("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b", "").as_bytes(),
    );
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-41"));
    assert_eq!(report.exchange.pattern, Some(ExchangePattern::Writeback));
    assert_eq!(structural_errors(&report), Vec::<String>::new());
    assert_eq!(report.embedded.len(), 1);
    assert_eq!(report.embedded[0].format, Format::Cda);
    assert!(report
        .datetimes
        .iter()
        .any(|d| d.original == "20240310193000"));
}

#[test]
fn xcdr_is_iti80_and_requires_the_home_community_block() {
    let report = carequality(
        provide_and_register("urn:ihe:iti:2015:CrossGatewayDocumentProvide", "").as_bytes(),
    );
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-80"));
    assert_eq!(report.exchange.pattern, Some(ExchangePattern::Writeback));
    assert!(has(
        &report,
        "IHE_ELEMENT_MISSING",
        "/Envelope/Header/homeCommunityBlock"
    ));

    let block = r#"<xdr:homeCommunityBlock xmlns:xdr="urn:ihe:iti:xdr:2014"><xdr:homeCommunityId>urn:oid:1.2.3.4.8</xdr:homeCommunityId></xdr:homeCommunityBlock>"#;
    let report = carequality(
        provide_and_register("urn:ihe:iti:2015:CrossGatewayDocumentProvide", block).as_bytes(),
    );
    assert_eq!(structural_errors(&report), Vec::<String>::new());
}

#[test]
fn registry_response_is_the_writeback_acknowledgement() {
    let body = r#"<rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>"#;
    let report = carequality(
        envelope(
            "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse",
            "",
            body,
        )
        .as_bytes(),
    );
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-41"));
    assert_eq!(
        report.exchange.pattern,
        Some(ExchangePattern::Acknowledgement)
    );
    assert_eq!(structural_errors(&report), Vec::<String>::new());
    let bad = body.replace("ResponseStatusType:Success", "ResponseStatusType:Maybe");
    let report = carequality(
        envelope(
            "urn:ihe:iti:2015:CrossGatewayDocumentProvideResponse",
            "",
            &bad,
        )
        .as_bytes(),
    );
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-80"));
    assert!(has(
        &report,
        "IHE_VALUE_INVALID",
        "/Envelope/Body/RegistryResponse/@status"
    ));
}

#[test]
fn missing_action_is_a_diagnostic() {
    let text = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body><x:y xmlns:x="urn:x"/></s:Body></s:Envelope>"#;
    let report = carequality(text.as_bytes());
    assert!(has(
        &report,
        "IHE_ACTION_MISSING",
        "/Envelope/Header/Action"
    ));
    assert!(has(
        &report,
        "IHE_ELEMENT_MISSING",
        "/Envelope/Header/MessageID"
    ));
}

fn mtom(root_xml: &str, parts: &[(&str, &[u8])], start: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let start_param = if start {
        "; start=\"<root.message@example.org>\""
    } else {
        ""
    };
    out.extend_from_slice(
        format!("Content-Type: multipart/related; boundary=\"MIMEBoundary_test\"; type=\"application/xop+xml\"{start_param}; start-info=\"application/soap+xml\"\r\n\r\n").as_bytes(),
    );
    out.extend_from_slice(b"--MIMEBoundary_test\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root.message@example.org>\r\n\r\n");
    out.extend_from_slice(root_xml.as_bytes());
    for (id, body) in parts {
        out.extend_from_slice(format!("\r\n--MIMEBoundary_test\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{id}>\r\n\r\n").as_bytes());
        out.extend_from_slice(body);
    }
    out.extend_from_slice(b"\r\n--MIMEBoundary_test--\r\n");
    out
}

const INCLUDE: &str = r#"<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:doc1@example.org"/>"#;

#[test]
fn mtom_retrieve_response_resolves_its_xop_include_to_the_part() {
    let cda = fixture("ccda_minimal.xml");
    let package = mtom(
        &retrieve_response(INCLUDE),
        &[("doc1@example.org", &cda)],
        true,
    );
    let report = Engine::default().validate(&package, &Context::new());
    assert_eq!(report.traffic_type, TrafficType::Carequality);
    assert_eq!(report.format, Format::Mtom);
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-39"));
    assert_eq!(structural_errors(&report), Vec::<String>::new());
    assert_eq!(report.embedded.len(), 1);
    assert_eq!(report.embedded[0].format, Format::Cda);
    assert_eq!(
        report.embedded[0].source,
        "/Envelope/Body/RetrieveDocumentSetResponse/DocumentResponse/Document"
    );
}

#[test]
fn mtom_include_naming_no_part_is_unresolved() {
    let package = mtom(
        &retrieve_response(INCLUDE),
        &[("other@example.org", b"<x/>")],
        false,
    );
    let report = carequality(&package);
    assert!(
        codes(&report).contains(&"SOAP_XOP_INCLUDE_UNRESOLVED"),
        "{:#?}",
        report.diagnostics
    );
    assert!(codes(&report).contains(&"SOAP_MTOM_PART_UNREFERENCED"));
}

#[test]
fn truncated_mtom_package_is_malformed() {
    let cda = fixture("ccda_minimal.xml");
    let package = mtom(
        &retrieve_response(INCLUDE),
        &[("doc1@example.org", &cda)],
        true,
    );
    let cut = &package[..package.len() - 30];
    let report = carequality(cut);
    assert!(codes(&report).contains(&"SOAP_MTOM_MALFORMED"));
}

#[test]
fn xcpd_response_is_iti55_query_response_relating_to_its_request() {
    let report = carequality(&fixture("iti55_response.xml"));
    assert_eq!(report.exchange.transaction.as_deref(), Some("ITI-55"));
    assert_eq!(
        report.exchange.pattern,
        Some(ExchangePattern::QueryResponse)
    );
    assert_eq!(
        report.exchange.relates_to.as_deref(),
        Some("urn:uuid:0a7c3f2e-1111-4d6b-9c1e-7b4f0d2a9e01")
    );
    assert_eq!(structural_errors(&report), Vec::<String>::new());
    // A response without RelatesTo and queryAck breaks the response rules.
    let text = String::from_utf8(fixture("iti55_response.xml")).unwrap();
    let start = text.find("<queryAck>").unwrap();
    let end = text.find("</queryAck>").unwrap() + "</queryAck>".len();
    let broken = format!("{}{}", &text[..start], &text[end..]).replace(
        "<wsa:RelatesTo>urn:uuid:0a7c3f2e-1111-4d6b-9c1e-7b4f0d2a9e01</wsa:RelatesTo>",
        "",
    );
    let report = carequality(broken.as_bytes());
    assert!(has(
        &report,
        "IHE_ELEMENT_MISSING",
        "/Envelope/Header/RelatesTo"
    ));
    assert!(has(
        &report,
        "IHE_ELEMENT_MISSING",
        "/Envelope/Body/PRPA_IN201306UV02/controlActProcess/queryAck"
    ));
}

#[test]
fn an_mtom_package_with_a_soap11_root_is_split_and_its_root_judged() {
    let root = String::from_utf8(fixture("soap11.xml")).unwrap();
    let package = mtom(&root, &[], true);
    let report = carequality(&package);
    assert_eq!(report.format, Format::Mtom);
    assert!(
        codes(&report).contains(&"SOAP_VERSION_UNSUPPORTED"),
        "{:#?}",
        report.diagnostics
    );
    assert!(!codes(&report).contains(&"XML_NOT_WELL_FORMED"));
}

#[test]
fn a_soap_fault_is_a_warning_without_transaction_rules() {
    let body = r#"<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en">unavailable</s:Text></s:Reason></s:Fault>"#;
    let report =
        carequality(envelope("urn:ihe:iti:2007:CrossGatewayQueryResponse", "", body).as_bytes());
    assert!(has(&report, "SOAP_FAULT", "/Envelope/Body/Fault"));
    assert!(report.is_valid(), "{:#?}", report.diagnostics);
}

#[test]
fn a_base64_mime_part_is_decoded_before_validation() {
    let cda = base64::engine::general_purpose::STANDARD.encode(fixture("ccda_minimal.xml"));
    let mut package = mtom(&retrieve_response(INCLUDE), &[], true);
    let close = package.len() - b"\r\n--MIMEBoundary_test--\r\n".len();
    let part = format!("\r\n--MIMEBoundary_test\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <doc1@example.org>\r\n\r\n{cda}");
    package.splice(close..close, part.bytes());
    let report = carequality(&package);
    assert_eq!(report.embedded.len(), 1, "{:#?}", report.diagnostics);
    assert_eq!(report.embedded[0].format, Format::Cda);
    assert!(
        report.embedded[0].is_valid(),
        "{:#?}",
        report.embedded[0].diagnostics
    );
}
