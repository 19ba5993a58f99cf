//! The canonical document: the payload rewritten with canonical datetime values and
//! nothing else changed (docs/contract.md, "Datetime canonicalization": "for JSON payloads the
//! engine can also emit the document rewritten with canonical values").
//!
//! Validation remembers, for every declared datetime whose canonical value differs from
//! what was sent, the byte range of its string token. Rewriting copies the input and
//! replaces exactly those ranges, so whitespace, member order, number spelling and
//! escapes elsewhere stay byte for byte. Values that cannot be canonicalized (a local
//! time with no zone configured, an invalid value) are kept as sent.

use std::fmt;

use crate::config::Config;
use crate::emit::Emitter;
use crate::engine::Context;
use crate::report::Format;
use crate::traffic::TrafficType;

use super::{check_document, documents, DocumentKind, Rewrite};

/// Why no canonical document could be written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CanonicalError {
    /// The bytes are not UTF-8, so they are not JSON (RFC 8259 section 8.1).
    NotUtf8,
}

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CanonicalError::NotUtf8 => f.write_str("the payload is not UTF-8 JSON"),
        }
    }
}

impl std::error::Error for CanonicalError {}

/// Returns the JSON payload `bytes` (one document, or NDJSON lines) with every declared
/// datetime replaced by its canonical UTC value, and every other byte unchanged. Zones
/// come from `ctx.source` as in validation. A document that does not parse is returned
/// unchanged (its report says why).
///
/// ```
/// use payload_triage::unstable::json::canonical_document;
/// use payload_triage::Context;
///
/// let fhir = br#"{"resourceType": "Patient", "birthDate": "1980-02-03"}"#;
/// let out = canonical_document(fhir, &Context::new()).unwrap_or_default();
/// // A date has no zone: it is never converted, so the document is unchanged.
/// assert_eq!(out, fhir.to_vec());
/// ```
pub fn canonical_document(bytes: &[u8], ctx: &Context) -> Result<Vec<u8>, CanonicalError> {
    let rules = ctx.zone_rules();
    let mut rewrites: Vec<Rewrite> = Vec::new();
    for document in documents(bytes, true, usize::MAX) {
        match document.kind {
            DocumentKind::Text(text) => {
                // Findings are not wanted here, only the canonical values.
                let config = Config::default();
                let mut scratch =
                    Emitter::new(&config, TrafficType::RedoxApi, Format::Json, 0, 0, 0);
                for rewrite in check_document(text, &rules, &mut scratch, false, false) {
                    rewrites.push(Rewrite {
                        range: rewrite.range.start + document.offset
                            ..rewrite.range.end + document.offset,
                        canonical: rewrite.canonical,
                    });
                }
            }
            DocumentKind::Problem(..) => return Err(CanonicalError::NotUtf8),
        }
    }
    Ok(apply(bytes, rewrites))
}

/// Copies `bytes`, replacing each rewrite's range by its canonical value in quotes.
/// Overlapping or out-of-range rewrites (which validation never produces) are skipped.
pub(crate) fn apply(bytes: &[u8], mut rewrites: Vec<Rewrite>) -> Vec<u8> {
    rewrites.sort_by_key(|r| r.range.start);
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0usize;
    for rewrite in rewrites {
        if rewrite.range.start < at || rewrite.range.end > bytes.len() {
            continue;
        }
        out.extend_from_slice(bytes.get(at..rewrite.range.start).unwrap_or(&[]));
        out.push(b'"');
        out.extend_from_slice(rewrite.canonical.as_bytes());
        out.push(b'"');
        at = rewrite.range.end;
    }
    out.extend_from_slice(bytes.get(at..).unwrap_or(&[]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_the_given_ranges() {
        let doc = br#"{ "a" : "x1",  "b": 1.50, "c": "y22" }"#;
        let a = 8..12;
        let c = 31..36;
        assert_eq!(&doc[a.clone()], b"\"x1\"");
        assert_eq!(&doc[c.clone()], b"\"y22\"");
        let out = apply(
            doc,
            vec![
                Rewrite {
                    range: c,
                    canonical: "C".into(),
                },
                Rewrite {
                    range: a,
                    canonical: "AAAA".into(),
                },
            ],
        );
        assert_eq!(out, br#"{ "a" : "AAAA",  "b": 1.50, "c": "C" }"#.to_vec());
    }
}
