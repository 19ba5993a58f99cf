//! Every encoding on every channel (issue 13): XML in UTF-16 is read (XML 1.0 section
//! 4.3.3), XML in UTF-32 or EBCDIC is recognised and refused, a byte order mark that
//! contradicts the declaration is refused, and JSON in UTF-16 or UTF-32 is refused (RFC
//! 8259 section 8.1). Whatever the channel, XML that was not read is never valid, and a
//! DOCTYPE is refused in UTF-16 exactly as in UTF-8.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use payload_triage::{Context, Engine, Format, Report, TrafficType};

/// Every channel, and no hint at all.
const CHANNELS: [Option<TrafficType>; 7] = [
    None,
    Some(TrafficType::Other),
    Some(TrafficType::UploadedFile),
    Some(TrafficType::EmbeddedFile),
    Some(TrafficType::Carequality),
    Some(TrafficType::RedoxApi),
    Some(TrafficType::Hl7v2Mllp),
];

fn validate(bytes: &[u8], hint: Option<TrafficType>) -> Report {
    let ctx = match hint {
        Some(h) => Context::new().with_hint(h),
        None => Context::new(),
    };
    Engine::default().validate(bytes, &ctx)
}

fn codes(report: &Report) -> Vec<&str> {
    report.diagnostics.iter().map(|d| d.code.name()).collect()
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    std::iter::once(0xFEFFu16)
        .filter(|_| bom)
        .chain(text.encode_utf16())
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

fn utf32(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    std::iter::once('\u{FEFF}')
        .filter(|_| bom)
        .chain(text.chars())
        .flat_map(|c| {
            if big_endian {
                (c as u32).to_be_bytes()
            } else {
                (c as u32).to_le_bytes()
            }
        })
        .collect()
}

const XXE: &str = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";

#[test]
fn a_utf16_doctype_is_refused_on_every_channel() {
    for big_endian in [true, false] {
        let bytes = utf16(XXE, big_endian, true);
        for hint in CHANNELS {
            let report = validate(&bytes, hint);
            assert!(
                !report.is_valid(),
                "{hint:?} BE={big_endian}: {:?}",
                codes(&report)
            );
            let xml_channel = !matches!(hint, Some(TrafficType::RedoxApi | TrafficType::Hl7v2Mllp));
            if xml_channel {
                assert!(
                    codes(&report).contains(&"XML_DOCTYPE_REJECTED"),
                    "{hint:?}: {:?}",
                    codes(&report)
                );
            }
        }
    }
}

#[test]
fn utf16_xml_is_read_with_or_without_a_byte_order_mark() {
    let cda = r#"<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1.2.3"/></ClinicalDocument>"#;
    for big_endian in [true, false] {
        // With a BOM, a declaration is optional; it may say UTF-16.
        let plain = utf16("<note a='\u{E9}'>\u{1F600} &#x41;</note>", big_endian, true);
        let report = validate(&plain, None);
        assert!(report.is_valid(), "{:?}", codes(&report));
        assert_eq!(report.format, Format::Xml);
        assert_eq!(report.size_bytes, plain.len() as u64);
        let declared = utf16(
            "<?xml version='1.0' encoding='UTF-16'?><note/>",
            big_endian,
            true,
        );
        assert!(validate(&declared, Some(TrafficType::UploadedFile)).is_valid());
        // Without a BOM, the declaration names the byte order (Appendix F.1).
        let order = if big_endian { "UTF-16BE" } else { "UTF-16LE" };
        let bare = utf16(
            &format!("<?xml version='1.0' encoding='{order}'?><note/>"),
            big_endian,
            false,
        );
        let report = validate(&bare, Some(TrafficType::Other));
        assert!(report.is_valid(), "{:?}", codes(&report));
        // A CDA document in UTF-16 is recognised as one.
        let report = validate(&utf16(cda, big_endian, true), None);
        assert_eq!(report.traffic_type, TrafficType::UploadedFile);
        assert_eq!(report.format, Format::Cda);
    }
}

#[test]
fn a_utf16_soap_envelope_is_carequality_traffic() {
    let soap =
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#;
    let report = validate(&utf16(soap, false, true), None);
    assert_eq!(report.traffic_type, TrafficType::Carequality);
    assert_eq!(report.format, Format::Soap);
}

#[test]
fn utf32_and_ebcdic_xml_are_refused_unread_on_every_channel() {
    let doc = "<?xml version='1.0'?><note/>";
    let mut ebcdic = vec![0x4C, 0x6F, 0xA7, 0x94];
    ebcdic.extend_from_slice(b"\x40\xA5\x85\x99");
    let inputs = [
        utf32(doc, true, true),
        utf32(doc, false, true),
        utf32(doc, true, false),
        utf32(doc, false, false),
    ];
    for bytes in &inputs {
        for hint in CHANNELS {
            let report = validate(bytes, hint);
            assert!(!report.is_valid(), "{hint:?}: {:?}", codes(&report));
            if matches!(
                hint,
                None | Some(
                    TrafficType::Other | TrafficType::UploadedFile | TrafficType::Carequality
                )
            ) {
                assert_eq!(codes(&report), vec!["XML_ENCODING_UNSUPPORTED"], "{hint:?}");
            }
        }
    }
    let report = validate(&ebcdic, Some(TrafficType::Carequality));
    assert_eq!(codes(&report), vec!["XML_ENCODING_UNSUPPORTED"]);
}

#[test]
fn utf16_with_an_odd_byte_count_is_refused() {
    let mut bytes = utf16("<note/>", false, true);
    bytes.push(b' ');
    for hint in [
        None,
        Some(TrafficType::UploadedFile),
        Some(TrafficType::Carequality),
    ] {
        let report = validate(&bytes, hint);
        assert!(!report.is_valid());
        assert!(
            codes(&report).contains(&"XML_ENCODING_UNSUPPORTED"),
            "{hint:?}: {:?}",
            codes(&report)
        );
    }
}

#[test]
fn a_byte_order_mark_followed_by_another_declaration_is_refused() {
    let cases = [
        utf16("<?xml version='1.0' encoding='UTF-8'?><note/>", false, true),
        utf16(
            "<?xml version='1.0' encoding='ISO-8859-1'?><note/>",
            true,
            true,
        ),
        utf16(
            "<?xml version='1.0' encoding='UTF-16BE'?><note/>",
            false,
            true,
        ),
        // No BOM: the declaration must name the byte order; none at all says nothing.
        utf16(
            "<?xml version='1.0' encoding='UTF-16'?><note/>",
            true,
            false,
        ),
        utf16("<note/>", false, false),
        b"\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-16'?><note/>".to_vec(),
        b"\xEF\xBB\xBF<?xml version='1.0' encoding='windows-1252'?><note/>".to_vec(),
    ];
    for bytes in &cases {
        for hint in [
            None,
            Some(TrafficType::Other),
            Some(TrafficType::EmbeddedFile),
        ] {
            let report = validate(bytes, hint);
            assert_eq!(codes(&report), vec!["XML_ENCODING_MISMATCH"], "{hint:?}");
        }
    }
}

#[test]
fn json_in_utf16_or_utf32_gets_a_clear_diagnostic_on_every_channel() {
    let json = r#"{"resourceType":"Patient","id":"x"}"#;
    let inputs = [
        utf16(json, true, true),
        utf16(json, false, true),
        utf16(json, true, false),
        utf16(json, false, false),
        utf32(json, true, true),
        utf32(json, false, false),
    ];
    for bytes in &inputs {
        for hint in CHANNELS {
            let report = validate(bytes, hint);
            assert!(!report.is_valid(), "{hint:?}: {:?}", codes(&report));
            if !matches!(
                hint,
                Some(TrafficType::Carequality | TrafficType::Hl7v2Mllp)
            ) {
                assert!(
                    codes(&report).contains(&"JSON_ENCODING_UNSUPPORTED"),
                    "{hint:?}: {:?}",
                    codes(&report)
                );
            }
        }
    }
    // Without a hint, the FHIR resource is still recognised as Redox API traffic.
    assert_eq!(
        validate(&utf16(json, false, true), None).traffic_type,
        TrafficType::RedoxApi
    );
}
