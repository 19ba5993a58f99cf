//! HL7 v2 accuracy (issue 13, items 1, 7 and 8): ED data as embedded files, HL7-defined
//! tables only, table 0396 as the standard keeps it, TM through the datetime engine,
//! birth and death dates that never move. Synthetic messages only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use base64::Engine as _;
use payload_triage::{Context, Engine, Report, Severity, TrafficType};

fn ctx() -> Context {
    Context::new()
        .with_hint(TrafficType::Hl7v2Mllp)
        .named("t.hl7")
}

fn msg(segments: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    for s in segments {
        out.push_str(s);
        out.push('\r');
    }
    out.into_bytes()
}

const MSH_ORU: &str =
    "MSH|^~\\&|LAB|FAC|RECV|FAC|20240102030405-0500||ORU^R01^ORU_R01|CTRL1|P|2.5.1";
const PID: &str = "PID|1||12345^^^HOSP^MR||DOE^JANE||19800101|F";
const OBR: &str = "OBR|1||F1|24331-1^Lipid panel^LN|||20240102030405-0500";

fn oru(obx: &[&str]) -> Vec<u8> {
    let mut segs = vec![MSH_ORU, PID, OBR];
    segs.extend_from_slice(obx);
    msg(&segs)
}

fn one(bytes: &[u8]) -> Report {
    Engine::default().validate(bytes, &ctx())
}

fn codes(r: &Report) -> Vec<(&str, &str)> {
    r.diagnostics
        .iter()
        .map(|d| (d.code.name(), d.path.as_str()))
        .collect()
}

fn has(r: &Report, code: &str, path: &str) -> bool {
    r.diagnostics
        .iter()
        .any(|d| d.code == code && d.path == path)
}

/// A PDF of exactly `len` bytes: header, filler, `%%EOF` trailer.
fn pdf(len: usize) -> Vec<u8> {
    let head = b"%PDF-1.4\n";
    let tail = b"\n%%EOF\n";
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(head);
    out.resize(len - tail.len(), b'x');
    out.extend_from_slice(tail);
    assert_eq!(out.len(), len);
    out
}

fn ed_obx(encoding: &str, data: &str) -> String {
    format!("OBX|1|ED|11502-2^Report^LN||^AP^Octet-stream^{encoding}^{data}||||||F")
}

// ---- item 1: ED data ---------------------------------------------------------------

#[test]
fn base64_ed_data_in_obx_5_is_validated_as_an_embedded_file() {
    let data = base64::engine::general_purpose::STANDARD.encode(pdf(200));
    let r = one(&oru(&[&ed_obx("Base64", &data)]));
    assert!(r.is_valid(), "{:?}", codes(&r));
    assert!(r.diagnostics.is_empty(), "{:?}", codes(&r));
    assert_eq!(r.embedded.len(), 1);
    let nested = &r.embedded[0];
    assert_eq!(nested.source, "OBX-5.5");
    assert_eq!(nested.size_bytes, 200);
    assert_eq!(nested.encoded_bytes, Some(data.len() as u64));
    assert!(nested.is_valid(), "{:?}", codes(nested));
}

#[test]
fn ed_data_at_exactly_the_embedded_limit_passes_and_one_byte_more_fails() {
    let limit = 10_000_000;
    let at = base64::engine::general_purpose::STANDARD.encode(pdf(limit));
    let r = one(&oru(&[&ed_obx("Base64", &at)]));
    let nested = &r.embedded[0];
    assert_eq!(nested.size_bytes, limit as u64);
    assert!(
        !nested
            .diagnostics
            .iter()
            .any(|d| d.code == "SIZE_LIMIT_EXCEEDED"),
        "{:?}",
        codes(nested)
    );
    assert!(r.is_valid(), "{:?}", codes(&r));

    let over = base64::engine::general_purpose::STANDARD.encode(pdf(limit + 1));
    let r = one(&oru(&[&ed_obx("Base64", &over)]));
    let nested = &r.embedded[0];
    assert_eq!(nested.size_bytes, limit as u64 + 1);
    assert!(
        has(nested, "SIZE_LIMIT_EXCEEDED", ""),
        "{:?}",
        codes(nested)
    );
    assert!(has(&r, "EMBEDDED_FILE_INVALID", "OBX-5.5"));
    assert!(!r.is_valid());
}

#[test]
fn base64_with_whitespace_after_every_character_still_decodes() {
    let data = base64::engine::general_purpose::STANDARD.encode(pdf(3000));
    let spaced: String = data.chars().flat_map(|c| [c, ' ']).collect();
    let r = one(&oru(&[&ed_obx("Base64", &spaced)]));
    let nested = &r.embedded[0];
    assert_eq!(nested.size_bytes, 3000);
    assert!(nested.is_valid(), "{:?}", codes(nested));
}

#[test]
fn escaped_line_breaks_in_ed_data_are_decoded_before_base64() {
    // HL7 section 2.7: the hexadecimal escape \X0D0A\ stands for CR LF, which base64
    // decoding skips as whitespace.
    let data = base64::engine::general_purpose::STANDARD.encode(pdf(300));
    let (a, b) = data.split_at(76);
    let broken = format!("{a}\\X0D0A\\{b}");
    let r = one(&oru(&[&ed_obx("Base64", &broken)]));
    assert!(r.is_valid(), "{:?}", codes(&r));
    assert_eq!(r.embedded[0].size_bytes, 300);
}

#[test]
fn base64_with_invalid_padding_is_an_invalid_embedded_file() {
    let r = one(&oru(&[&ed_obx("Base64", "QQ=A")]));
    let nested = &r.embedded[0];
    assert!(
        has(nested, "EMBEDDED_BASE64_INVALID", ""),
        "{:?}",
        codes(nested)
    );
    assert!(has(&r, "EMBEDDED_FILE_INVALID", "OBX-5.5"));
    assert!(!r.is_valid());
}

#[test]
fn hex_ed_data_is_decoded_and_validated() {
    let hex: String = pdf(64).iter().map(|b| format!("{b:02X}")).collect();
    let r = one(&oru(&[&ed_obx("Hex", &hex)]));
    assert!(r.is_valid(), "{:?}", codes(&r));
    assert_eq!(r.embedded[0].size_bytes, 64);
    assert_eq!(r.embedded[0].encoded_bytes, None);

    let r = one(&oru(&[&ed_obx("Hex", "ABC")]));
    assert!(
        has(&r, "HL7_DATA_TYPE_FORMAT", "OBX-5.5"),
        "{:?}",
        codes(&r)
    );
    assert!(r.embedded.is_empty());
}

#[test]
fn an_ed_not_declared_base64_or_hex_is_reported_and_not_decoded() {
    let r = one(&oru(&[&ed_obx("A", "plain text report")]));
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "HL7_ED_NOT_DECODED")
        .unwrap();
    assert_eq!(d.path, "OBX-5.5");
    assert_eq!(d.severity, Severity::Info);
    assert!(r.embedded.is_empty());

    let data = base64::engine::general_purpose::STANDARD.encode(pdf(100));
    let r = one(&oru(&[&ed_obx("Base32", &data)]));
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "HL7_ED_NOT_DECODED")
        .unwrap();
    assert_eq!(d.severity, Severity::Warning);
    // ED.4 takes HL7 table 0299.
    assert!(has(&r, "HL7_TABLE_VALUE", "OBX-5.4"), "{:?}", codes(&r));
    assert!(r.embedded.is_empty());
}

#[test]
fn an_ed_data_value_that_starts_with_http_is_still_decoded_by_its_encoding() {
    // "http" is valid base64 text; only ED.4 decides.
    let r = one(&oru(&[&ed_obx("Base64", "httpAAAA")]));
    assert_eq!(r.embedded.len(), 1);
    assert_eq!(r.embedded[0].size_bytes, 6);
}

// ---- item 7: tables --------------------------------------------------------------

#[test]
fn a_local_value_in_a_user_defined_table_gets_no_warning() {
    // PID-8 is IS (v2.5.1 section 3.4.2.8): table 0001 is user-defined.
    let r = one(&msg(&[
        MSH_ORU,
        "PID|1||12345^^^HOSP^MR||DOE^JANE||19800101|Q",
        OBR,
    ]));
    assert!(
        !r.diagnostics.iter().any(|d| d.code == "HL7_TABLE_VALUE"),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn a_value_outside_an_hl7_defined_table_is_still_a_warning() {
    // MSH-15 accept acknowledgment type is ID: HL7 table 0155.
    let r = one(&msg(&[
        "MSH|^~\\&|LAB|FAC|RECV|FAC|20240102030405-0500||ORU^R01^ORU_R01|CTRL1|P|2.5.1|||XX",
        PID,
        OBR,
    ]));
    assert!(has(&r, "HL7_TABLE_VALUE", "MSH-15"), "{:?}", codes(&r));
}

#[test]
fn ucum_units_in_v2_5_1_get_no_table_0396_warning() {
    let r = one(&oru(&[
        "OBX|1|NM|2093-3^Cholesterol^LN||185|mg/dL^milligram per deciliter^UCUM|||||F",
        "OBX|2|NM|2085-9^HDL^LN||50|mg/dL^mg/dL^99LAB|||||F",
        "OBX|3|NM|2089-1^LDL^LN||100|mg/dL^mg/dL^L|||||F",
    ]));
    assert!(
        !r.diagnostics.iter().any(|d| d.code == "HL7_TABLE_VALUE"),
        "{:?}",
        codes(&r)
    );
    let r = one(&oru(&[
        "OBX|1|NM|2093-3^Cholesterol^LN||185|mg/dL^mg/dL^NOSUCHSYSTEM|||||F",
    ]));
    assert!(has(&r, "HL7_TABLE_VALUE", "OBX-6.3"), "{:?}", codes(&r));
}

#[test]
fn tm_values_go_through_the_datetime_engine() {
    // OBX-5 as TM: hour 25 is not a time of day.
    let r = one(&oru(&["OBX|1|TM|8867-4^Time^LN||2530|||||F"]));
    assert!(has(&r, "DATETIME_INVALID_TIME", "OBX-5"), "{:?}", codes(&r));
    let r = one(&oru(&["OBX|1|TM|8867-4^Time^LN||093015.25-0500|||||F"]));
    assert!(
        !r.diagnostics
            .iter()
            .any(|d| d.code.name().starts_with("DATETIME_")),
        "{:?}",
        codes(&r)
    );
    // A time of day has no UTC canonical form: it is not listed.
    assert!(r.datetimes.iter().all(|e| e.path != "OBX-5"));
    let r = one(&oru(&["OBX|1|TM|8867-4^Time^LN||093|||||F"]));
    assert!(has(&r, "DATETIME_DIGIT_COUNT", "OBX-5"), "{:?}", codes(&r));
}

#[test]
fn dr_components_go_through_the_datetime_engine() {
    // OBX-5 as DR: range start and end are TS (v2.5.1 section 2.A.20).
    let r = one(&oru(&["OBX|1|DR|8867-4^Range^LN||20240101^20241345|||||F"]));
    assert!(
        has(&r, "DATETIME_INVALID_DATE", "OBX-5.2"),
        "{:?}",
        codes(&r)
    );
    assert!(r
        .datetimes
        .iter()
        .any(|e| e.path == "OBX-5.1" && e.canonical.as_deref() == Some("2024-01-01")));
}

// ---- item 8: dates stay dates --------------------------------------------------------

fn adt(pid: &str) -> Report {
    one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102030405-0500||ADT^A01^ADT_A01|C1|P|2.5.1",
        "EVN|A01|20240102030405-0500",
        pid,
        "PV1|1|I",
    ]))
}

fn canonical<'r>(r: &'r Report, path: &str) -> Option<&'r str> {
    r.datetimes
        .iter()
        .find(|e| e.path == path)
        .and_then(|e| e.canonical.as_deref())
}

#[test]
fn a_birth_time_late_in_the_day_keeps_its_date() {
    // 23:30 at -05:00 is 04:30 UTC on the next day: the birth date stays 1 January.
    let r = adt("PID|1||1^^^H^MR||DOE^JANE||198001012330-0500|F");
    assert_eq!(canonical(&r, "PID-7"), Some("1980-01-01"));
    let entry = r.datetimes.iter().find(|e| e.path == "PID-7").unwrap();
    assert_eq!(entry.original, "198001012330-0500");
    assert_eq!(entry.precision.unwrap().as_str(), "day");
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "DATETIME_CALENDAR_DATE_KEPT")
        .unwrap();
    assert_eq!(d.path, "PID-7");
    assert_eq!(d.severity, Severity::Warning);
    assert!(r.is_valid());
}

#[test]
fn a_birth_time_that_stays_on_its_day_is_converted_as_usual() {
    let r = adt("PID|1||1^^^H^MR||DOE^JANE||198001011030-0500|F");
    assert_eq!(canonical(&r, "PID-7"), Some("1980-01-01T15:30Z"));
    assert!(!r
        .diagnostics
        .iter()
        .any(|d| d.code == "DATETIME_CALENDAR_DATE_KEPT"));
}

#[test]
fn a_death_date_keeps_its_date_and_other_times_still_convert() {
    let pid = "PID|1||1^^^H^MR||DOE^JANE||19800101|F|||||||||||||||||||||202401010100+1400|Y";
    let r = adt(pid);
    assert_eq!(
        canonical(&r, "PID-29"),
        Some("2024-01-01"),
        "{:?}",
        codes(&r)
    );
    // MSH-7 is an instant, converted whatever the day.
    assert_eq!(canonical(&r, "MSH-7"), Some("2024-01-02T08:04:05Z"));
}

#[test]
fn ed_fields_outside_obx_are_embedded_files_too() {
    // UAC-2 (user authentication credential) is ED in v2.8.2.
    let data = base64::engine::general_purpose::STANDARD.encode(pdf(120));
    let uac = format!("UAC|KERB|^AP^Octet-stream^Base64^{data}");
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102030405-0500||ADT^A01^ADT_A01|C1|P|2.8.2",
        &uac,
        "EVN||20240102030405-0500",
        "PID|1||1^^^H^MR||DOE^JANE||19800101|F",
        "PV1|1|I",
    ]));
    assert_eq!(r.embedded.len(), 1, "{:?}", codes(&r));
    assert_eq!(r.embedded[0].source, "UAC-2.5");
    assert_eq!(r.embedded[0].size_bytes, 120);
}
