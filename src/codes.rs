//! The registry of diagnostic codes.
//!
//! Every code a report can carry is declared once, with its default severity and its
//! meaning, in the module that owns the rule: the prefix names the module (`HL7_` →
//! [`crate::hl7v2`], `JSON_`/`REDOX_`/`FHIR_` → [`crate::json`], `XML_`/`SOAP_`/`IHE_`/`CDA_`
//! → [`crate::xml`], `DATETIME_` → [`crate::datetime`], everything else here). [`all`]
//! lists them for `triage codes` and the README; a test keeps the names unique and
//! SCREAMING_SNAKE_CASE.

use crate::report::Severity;

/// A diagnostic code: stable name, default severity, meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// Stable SCREAMING_SNAKE_CASE identifier; never renamed once released.
    pub name: &'static str,
    /// Severity unless a policy says otherwise.
    pub severity: Severity,
    /// One sentence: the rule this code reports.
    pub meaning: &'static str,
}

/// Declares codes as `pub const`s and collects them in `pub const CODES`.
macro_rules! define_codes {
    ($( $name:ident : $severity:ident, $meaning:literal; )*) => {
        $(
            #[doc = $meaning]
            pub const $name: $crate::codes::Code = $crate::codes::Code {
                name: stringify!($name),
                severity: $crate::report::Severity::$severity,
                meaning: $meaning,
            };
        )*
        /// Every code this module declares, in declaration order.
        pub const CODES: &[$crate::codes::Code] = &[$($name),*];
    };
}
pub(crate) use define_codes;

define_codes! {
    EMPTY_PAYLOAD: Error, "The payload has no bytes.";
    SIZE_LIMIT_EXCEEDED: Error, "The payload is larger than its traffic type's limit; it was rejected before parsing.";
    CONTENT_TYPE_MISMATCH: Warning, "The caller's traffic hint and the content disagree; the hint decided the traffic type.";
    VALIDATION_NOT_AVAILABLE: Info, "Part of the validation for this kind of payload is not implemented; the message names what was not checked.";
    ENVIRONMENT_MISMATCH: Error, "Source and destination environment types differ; data may only flow between equal environment types.";
    FILE_SIGNATURE_UNKNOWN: Warning, "An uploaded or embedded file has no known file signature.";
    FILE_TRUNCATED: Error, "A file's structure ends before its format's required trailer (PDF %%EOF, PNG IEND, JPEG EOI, ZIP end of central directory).";
    FILE_STRUCTURE_INVALID: Error, "A file's header or chunk structure breaks its format's specification.";
    EMBEDDED_BASE64_INVALID: Error, "An embedded file's base64 text is not valid base64 (RFC 4648 section 4).";
    EMBEDDED_DEPTH_EXCEEDED: Error, "Embedded files are nested deeper than the configured limit; the inner file was not examined.";
    EMBEDDED_COUNT_EXCEEDED: Error, "A payload carries more embedded files than the configured limit; the rest were not examined.";
    EMBEDDED_FILE_INVALID: Error, "An embedded file has errors of its own; see its nested report.";
    CONTENT_UNRECOGNISED: Info, "The content matches no known format; only the size limit was applied.";
    DIAGNOSTICS_TRUNCATED: Info, "The report reached its diagnostic limit; the rest are counted here with the worst severity among them.";
    MESSAGE_COUNT_EXCEEDED: Error, "A file holds more messages than the configured limit; the rest were not examined.";
}

/// Every registered code, core first, then each format module's.
pub fn all() -> impl Iterator<Item = &'static Code> {
    CODES
        .iter()
        .chain(crate::datetime::codes::CODES)
        .chain(crate::hl7v2::codes::CODES)
        .chain(crate::json::codes::CODES)
        .chain(crate::xml::codes::CODES)
}

/// Looks a code up by name.
pub fn find(name: &str) -> Option<&'static Code> {
    all().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_screaming_snake_case_with_a_meaning() {
        let mut seen = HashSet::new();
        for code in all() {
            assert!(seen.insert(code.name), "duplicate code {}", code.name);
            assert!(
                code.name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                "{} is not SCREAMING_SNAKE_CASE",
                code.name
            );
            assert!(code.meaning.ends_with('.'), "{} meaning", code.name);
        }
    }
}
