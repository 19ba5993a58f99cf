//! Classification: which traffic type a payload is, from a bounded prefix.
//!
//! [`classify`] reads at most [`SNIFF_WINDOW`] bytes, so its cost does not grow with the
//! payload. A caller's hint (the channel the payload arrived on) wins; without one the
//! content decides, in the order of `docs/contract.md` ("Classification"), each rule
//! living with its format module in [`crate::formats`]: MLLP start byte or
//! `MSH`/`FHS`/`BHS` → HL7 v2; a JSON object with `Meta.DataModel` or `resourceType` →
//! Redox API; a SOAP 1.2 envelope, bare or as the root of an MTOM package → Carequality;
//! a known file signature or a bare CDA `ClinicalDocument` → uploaded file; else other.

use crate::cursor::{sub, Cursor};
use crate::report::Format;
use crate::traffic::TrafficType;

/// How many leading bytes classification may look at.
pub const SNIFF_WINDOW: usize = 4096;

/// The SOAP 1.2 envelope namespace (W3C SOAP 1.2 Part 1, section 5.1).
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// The SOAP 1.1 envelope namespace (W3C Note SOAP 1.1, section 4.1.2).
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The HL7 v3 namespace of CDA documents.
pub const HL7V3_NS: &str = "urn:hl7-org:v3";

/// What the content of a payload looks like, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The traffic type the content suggests.
    pub traffic: TrafficType,
    /// The format the content suggests.
    pub format: Format,
}

/// The traffic type of `bytes`: the hint where one is given, else what the content is.
///
/// ```
/// use payload_triage::unstable::classify::classify;
/// use payload_triage::TrafficType;
/// assert_eq!(classify(b"MSH|^~\\&|LAB|", None), TrafficType::Hl7v2Mllp);
/// assert_eq!(classify(br#"{"resourceType":"Patient"}"#, None), TrafficType::RedoxApi);
/// assert_eq!(classify(b"%PDF-1.7", Some(TrafficType::EmbeddedFile)), TrafficType::EmbeddedFile);
/// ```
pub fn classify(bytes: &[u8], hint: Option<TrafficType>) -> TrafficType {
    hint.unwrap_or_else(|| sniff(bytes).traffic)
}

/// What the content looks like, from at most [`SNIFF_WINDOW`] leading bytes. Each
/// format module's rule is asked in registry order (`formats::REGISTRY`).
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let window = bytes.get(..SNIFF_WINDOW).unwrap_or(bytes);
    let text = skip_bom_and_space(window);
    for module in crate::formats::REGISTRY {
        if let Some(sniffed) = module.sniff(window, text) {
            return sniffed;
        }
    }
    let format = if looks_like_text(window) {
        Format::Text
    } else {
        Format::Unknown
    };
    Sniffed {
        traffic: TrafficType::Other,
        format,
    }
}

/// HL7 v2: the MLLP start block or an `MSH`/`FHS`/`BHS` header.
pub(crate) fn sniff_hl7v2(text: &[u8]) -> Option<Sniffed> {
    (text.first() == Some(&0x0B) || starts_hl7_header(text)).then_some(Sniffed {
        traffic: TrafficType::Hl7v2Mllp,
        format: Format::Hl7v2,
    })
}

/// A binary file signature.
pub(crate) fn sniff_file(window: &[u8]) -> Option<Sniffed> {
    file_signature(window).map(|format| Sniffed {
        traffic: TrafficType::UploadedFile,
        format,
    })
}

/// A JSON object.
pub(crate) fn sniff_json_text(text: &[u8]) -> Option<Sniffed> {
    (text.first() == Some(&b'{')).then(|| sniff_json(text))
}

/// An XML document, or an MTOM package whose root part is a SOAP 1.2 envelope.
pub(crate) fn sniff_xml_text(text: &[u8]) -> Option<Sniffed> {
    match text.first() {
        Some(b'<') => Some(sniff_xml(text, false)),
        Some(b'-' | b'C' | b'c' | b'M' | b'm') => sniff_multipart(text),
        _ => None,
    }
}

/// Known binary file signatures ("magic numbers") at offset 0 (DICOM: offset 128).
fn file_signature(w: &[u8]) -> Option<Format> {
    // PDF 1.7 (ISO 32000-1) section 7.5.2: the header line begins `%PDF-`.
    if w.starts_with(b"%PDF-") {
        return Some(Format::Pdf);
    }
    // PNG (ISO/IEC 15948) section 5.2: the 8-byte signature.
    if w.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    // JPEG (ITU T.81) B.1.1.3: SOI marker FFD8 followed by another marker.
    if w.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    // TIFF 6.0 section 2: byte order `II` or `MM`, then 42.
    if w.starts_with(b"II*\0") || w.starts_with(b"MM\0*") {
        return Some(Format::Tiff);
    }
    // DICOM PS3.10 section 7.1: 128-byte preamble, then `DICM`.
    if w.get(128..132) == Some(b"DICM".as_slice()) {
        return Some(Format::Dicom);
    }
    // ZIP (APPNOTE 4.3.7 and 4.3.16): local file header, or the end record of an empty archive.
    if w.starts_with(b"PK\x03\x04") || w.starts_with(b"PK\x05\x06") {
        return Some(Format::Zip);
    }
    None
}

fn skip_bom_and_space(mut s: &[u8]) -> &[u8] {
    if let Some(rest) = s.strip_prefix(b"\xEF\xBB\xBF") {
        s = rest;
    }
    let mut rest = Cursor::new(s);
    rest.skip_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    rest.rest()
}

/// `MSH`, `FHS` or `BHS` followed by a field separator. HL7 v2.5 section 2.5.1 lets any
/// character serve as the separator; `|` is the one recommended and nearly always used,
/// so we accept any ASCII punctuation there.
fn starts_hl7_header(s: &[u8]) -> bool {
    match s {
        [a, b, c, sep, ..] => {
            matches!(&[*a, *b, *c], b"MSH" | b"FHS" | b"BHS") && sep.is_ascii_punctuation()
        }
        _ => false,
    }
}

/// A JSON object is Redox API traffic when it has a top-level `resourceType` (FHIR) or a
/// `Meta` object with a `DataModel` (Redox Data Model). We look for the keys as JSON
/// strings followed by a colon, within the window: cheap, and never fooled by a value.
fn sniff_json(s: &[u8]) -> Sniffed {
    let has_key = |key: &[u8]| {
        let mut from = 0;
        while let Some(pos) = memchr::memmem::find(s.get(from..).unwrap_or_default(), key) {
            let after = from + pos + key.len();
            let rest = skip_bom_and_space(s.get(after..).unwrap_or_default());
            if rest.first() == Some(&b':') {
                return true;
            }
            from = after;
        }
        false
    };
    if has_key(b"\"resourceType\"") {
        return Sniffed {
            traffic: TrafficType::RedoxApi,
            format: Format::FhirR4,
        };
    }
    if has_key(b"\"Meta\"") && has_key(b"\"DataModel\"") {
        return Sniffed {
            traffic: TrafficType::RedoxApi,
            format: Format::RedoxDataModel,
        };
    }
    Sniffed {
        traffic: TrafficType::Other,
        format: Format::Json,
    }
}

/// Finds the root element of an XML prefix: skips the XML declaration, comments,
/// processing instructions and a DOCTYPE, then reads the root's name and namespace
/// declarations from its start tag.
fn sniff_xml(s: &[u8], in_mtom: bool) -> Sniffed {
    let other = Sniffed {
        traffic: TrafficType::Other,
        format: Format::Xml,
    };
    let Some((tag, prefix, local)) = root_start_tag(s) else {
        return other;
    };
    let ns = namespace_of(tag, prefix);
    match (local, ns) {
        (b"Envelope", Some(ns)) if ns == SOAP12_NS.as_bytes() => Sniffed {
            traffic: TrafficType::Carequality,
            format: if in_mtom { Format::Mtom } else { Format::Soap },
        },
        (b"Envelope", Some(ns)) if ns == SOAP11_NS.as_bytes() => Sniffed {
            traffic: TrafficType::Other,
            format: Format::Soap,
        },
        (b"ClinicalDocument", _) => Sniffed {
            traffic: TrafficType::UploadedFile,
            format: Format::Cda,
        },
        _ => other,
    }
}

/// The root's start tag (between `<` and `>`, or to the end of the window), with its
/// name's prefix and local part, after the XML declaration, comments, processing
/// instructions and a DOCTYPE. `None` when the window ends inside the prolog.
fn root_start_tag(s: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let mut rest = Cursor::new(s);
    loop {
        rest = Cursor::new(skip_bom_and_space(rest.rest()));
        let text = rest.rest();
        let skip = if text.starts_with(b"<?") {
            memchr::memmem::find(text, b"?>")? + 2
        } else if text.starts_with(b"<!--") {
            memchr::memmem::find(text, b"-->")? + 3
        } else if text.starts_with(b"<!") {
            memchr::memchr(b'>', text)? + 1
        } else {
            break;
        };
        rest.skip(skip)?;
    }
    if rest.take(1)? != b"<" {
        return None;
    }
    let tag_end = memchr::memchr(b'>', rest.rest()).unwrap_or(rest.rest().len());
    let tag = rest.take(tag_end)?;
    let name_end = tag
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/'))
        .unwrap_or(tag.len());
    let mut name = Cursor::new(tag);
    let name = name.take(name_end)?;
    Some(match memchr::memchr(b':', name) {
        Some(colon) => (tag, sub(name, 0, colon)?, sub(name, colon + 1, name.len())?),
        None => (tag, &b""[..], name),
    })
}

/// The namespace bound to `prefix` by a declaration inside the start tag `tag`.
fn namespace_of<'a>(tag: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let mut attr = b"xmlns".to_vec();
    if !prefix.is_empty() {
        attr.push(b':');
        attr.extend_from_slice(prefix);
    }
    let mut from = 0;
    while let Some(pos) = memchr::memmem::find(tag.get(from..)?, &attr) {
        let at = from + pos;
        let before_ok = at == 0 || tag.get(at - 1).is_some_and(|b| b.is_ascii_whitespace());
        let rest = tag.get(at + attr.len()..)?;
        let rest = skip_bom_and_space(rest);
        if before_ok {
            if let Some(value) = rest.strip_prefix(b"=") {
                let value = skip_bom_and_space(value);
                let quote = *value.first()?;
                if quote == b'"' || quote == b'\'' {
                    let inner = value.get(1..)?;
                    let end = memchr::memchr(quote, inner)?;
                    return inner.get(..end);
                }
            }
        }
        from = at + attr.len();
    }
    None
}

/// An MTOM/XOP package (W3C XOP 1.0; SOAP MTOM section 3): optional MIME headers, a
/// boundary line, the root part's headers, a blank line, then the SOAP envelope.
fn sniff_multipart(s: &[u8]) -> Option<Sniffed> {
    let lower_head: Vec<u8> = s.iter().take(1024).map(u8::to_ascii_lowercase).collect();
    let is_mime = s.starts_with(b"--")
        || lower_head.starts_with(b"content-type:")
        || lower_head.starts_with(b"mime-version:");
    if !is_mime
        || memchr::memmem::find(&lower_head, b"multipart/related").is_none()
            && !s.starts_with(b"--")
    {
        return None;
    }
    // The first `<` after a blank line starts the first part's body: the root part.
    let body_at = memchr::memmem::find(s, b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| memchr::memmem::find(s, b"\n\n").map(|p| p + 2))?;
    let mut body = s.get(body_at..)?;
    // Skip a preamble's boundary line and part headers until the XML starts.
    for _ in 0..4 {
        let trimmed = skip_bom_and_space(body);
        if trimmed.first() == Some(&b'<') {
            let sniffed = sniff_xml(trimmed, true);
            return (sniffed.format == Format::Mtom).then_some(sniffed);
        }
        let next = memchr::memmem::find(trimmed, b"\r\n\r\n")
            .map(|p| p + 4)
            .or_else(|| memchr::memmem::find(trimmed, b"\n\n").map(|p| p + 2))?;
        body = trimmed.get(next..)?;
    }
    None
}

/// Mostly printable UTF-8 text, judged on the window.
fn looks_like_text(w: &[u8]) -> bool {
    if w.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(w) {
        Ok(t) => t,
        // A window may cut a character in half at its end.
        Err(e) if e.error_len().is_none() => {
            match w.get(..e.valid_up_to()).map(std::str::from_utf8) {
                Some(Ok(t)) => t,
                _ => return false,
            }
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniffed(bytes: &[u8]) -> (TrafficType, Format) {
        let s = sniff(bytes);
        (s.traffic, s.format)
    }

    #[test]
    fn hl7_by_mllp_start_block_or_header_segment() {
        assert_eq!(
            sniffed(b"\x0bMSH|^~\\&|A\r\x1c\r").0,
            TrafficType::Hl7v2Mllp
        );
        assert_eq!(sniffed(b"MSH|^~\\&|A").0, TrafficType::Hl7v2Mllp);
        assert_eq!(sniffed(b"FHS|^~\\&|A").0, TrafficType::Hl7v2Mllp);
        assert_eq!(sniffed(b"BHS|^~\\&|A").0, TrafficType::Hl7v2Mllp);
        assert_eq!(
            sniffed(b"\xEF\xBB\xBFMSH|^~\\&|A").0,
            TrafficType::Hl7v2Mllp
        );
        assert_eq!(sniffed(b"MSHX").0, TrafficType::Other);
    }

    #[test]
    fn json_by_resource_type_or_meta_data_model() {
        assert_eq!(
            sniffed(br#"{"resourceType" : "Bundle"}"#),
            (TrafficType::RedoxApi, Format::FhirR4)
        );
        assert_eq!(
            sniffed(br#"{"Meta":{"DataModel":"PatientAdmin","EventType":"Arrival"}}"#),
            (TrafficType::RedoxApi, Format::RedoxDataModel)
        );
        // The key must be a key, not a value.
        assert_eq!(
            sniffed(br#"{"note":"resourceType"}"#),
            (TrafficType::Other, Format::Json)
        );
    }

    #[test]
    fn soap12_envelope_is_carequality_soap11_is_not() {
        let soap12 = br#"<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#;
        assert_eq!(sniffed(soap12), (TrafficType::Carequality, Format::Soap));
        let soap11 = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>"#;
        assert_eq!(sniffed(soap11), (TrafficType::Other, Format::Soap));
    }

    #[test]
    fn mtom_package_whose_root_is_soap12_is_carequality() {
        let mtom = b"--MIMEBoundary_1\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\nContent-ID: <root@x>\r\n\r\n<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>\r\n--MIMEBoundary_1--";
        assert_eq!(sniffed(mtom), (TrafficType::Carequality, Format::Mtom));
    }

    #[test]
    fn file_signatures_are_uploaded_files() {
        assert_eq!(
            sniffed(b"%PDF-1.4\n"),
            (TrafficType::UploadedFile, Format::Pdf)
        );
        assert_eq!(
            sniffed(b"\x89PNG\r\n\x1a\n...."),
            (TrafficType::UploadedFile, Format::Png)
        );
        assert_eq!(
            sniffed(&[0xFF, 0xD8, 0xFF, 0xE0]),
            (TrafficType::UploadedFile, Format::Jpeg)
        );
        assert_eq!(
            sniffed(b"II*\0...."),
            (TrafficType::UploadedFile, Format::Tiff)
        );
        assert_eq!(
            sniffed(b"MM\0*...."),
            (TrafficType::UploadedFile, Format::Tiff)
        );
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM");
        assert_eq!(sniffed(&dicom), (TrafficType::UploadedFile, Format::Dicom));
        assert_eq!(
            sniffed(b"PK\x03\x04"),
            (TrafficType::UploadedFile, Format::Zip)
        );
        let cda = br#"<ClinicalDocument xmlns="urn:hl7-org:v3"><typeId/></ClinicalDocument>"#;
        assert_eq!(sniffed(cda), (TrafficType::UploadedFile, Format::Cda));
    }

    #[test]
    fn anything_else_is_other() {
        assert_eq!(sniffed(b""), (TrafficType::Other, Format::Unknown));
        assert_eq!(sniffed(b"hello"), (TrafficType::Other, Format::Text));
        assert_eq!(
            sniffed(b"\x00\x01\x02"),
            (TrafficType::Other, Format::Unknown)
        );
        assert_eq!(sniffed(b"<note/>"), (TrafficType::Other, Format::Xml));
    }

    #[test]
    fn hint_wins_over_content() {
        for t in TrafficType::ALL {
            assert_eq!(classify(b"MSH|^~\\&|", Some(t)), t);
        }
    }

    #[test]
    fn only_the_window_is_read() {
        // A key beyond the window does not count.
        let mut late = b"{\"a\":\"".to_vec();
        late.extend(std::iter::repeat_n(b'x', SNIFF_WINDOW));
        late.extend_from_slice(b"\",\"resourceType\":\"Patient\"}");
        assert_eq!(sniffed(&late).0, TrafficType::Other);
    }
}
