//! Redox API JSON: the Redox Data Model and FHIR R4.
//!
//! BASELINE — the Redox API issue (#5) replaces this with schema validation and datetime
//! canonicalization. Until then a payload gets a syntax check and a
//! `VALIDATION_NOT_AVAILABLE` note: no fake passes.

use crate::codes::VALIDATION_NOT_AVAILABLE;
use crate::engine::Payload;
use crate::report::{Format, Report};

pub mod codes {
    //! Diagnostic codes of the JSON module.
    crate::codes::define_codes! {
        JSON_SYNTAX_ERROR: Error, "The payload is not well-formed JSON (RFC 8259).";
    }
}

/// Validates a JSON payload.
pub(crate) fn validate(payload: &Payload<'_>, out: &mut Vec<Report>) {
    let format = match payload.sniffed.format {
        f @ (Format::RedoxDataModel | Format::FhirR4) => f,
        _ => Format::Json,
    };
    let mut report = payload.new_report(format, payload.bytes.len() as u64);
    let mut text = payload.bytes;
    if let Some(rest) = text.strip_prefix(b"\xEF\xBB\xBF") {
        text = rest;
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(text) {
        Ok(_) => report.add(
            &VALIDATION_NOT_AVAILABLE,
            "",
            "Redox Data Model and FHIR R4 schemas and datetimes are not checked yet",
        ),
        Err(e) => report.add(
            &codes::JSON_SYNTAX_ERROR,
            "",
            format!(
                "not well-formed JSON at line {} column {}",
                e.line(),
                e.column()
            ),
        ),
    }
    out.push(report);
}
