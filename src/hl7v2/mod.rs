//! HL7 v2.x over MLLP.
//!
//! BASELINE — the HL7 v2 issue (#4) replaces this with the deframer, the zero-copy
//! parser and structure validation. Until then a payload gets a header check and a
//! `VALIDATION_NOT_AVAILABLE` note: no fake passes.

use crate::codes::VALIDATION_NOT_AVAILABLE;
use crate::engine::Payload;
use crate::report::{Format, Report};

pub mod codes {
    //! Diagnostic codes of the HL7 v2 module.
    crate::codes::define_codes! {
        HL7_MSH_MISSING: Error, "The message does not start with a valid MSH segment (HL7 v2.5.1 section 2.14.9).";
    }
}

/// Validates an HL7 v2 payload.
pub(crate) fn validate(payload: &Payload<'_>, out: &mut Vec<Report>) {
    let mut report = payload.new_report(Format::Hl7v2, payload.bytes.len() as u64);
    let mut text = payload.bytes;
    if let Some(rest) = text.strip_prefix(b"\xEF\xBB\xBF") {
        text = rest;
    }
    if let Some(rest) = text.strip_prefix(b"\x0b") {
        text = rest;
    }
    let header_ok = matches!(text, [b'M', b'S', b'H', sep, _, _, _, _, ..] if sep.is_ascii_punctuation())
        || matches!(text, [b'F' | b'B', b'H', b'S', sep, ..] if sep.is_ascii_punctuation());
    if !header_ok {
        report.add(
            &codes::HL7_MSH_MISSING,
            "MSH",
            "the message does not start with an MSH segment and its delimiters",
        );
    }
    report.add(
        &VALIDATION_NOT_AVAILABLE,
        "",
        "HL7 v2 structure, data types, tables and datetimes are not checked yet",
    );
    out.push(report);
}
