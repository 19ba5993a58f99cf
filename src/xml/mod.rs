//! Carequality / IHE SOAP XML, MTOM/XOP packages and CDA documents.
//!
//! Every XML payload goes through one streaming pass of the secure [`reader`] (quick-xml
//! underneath; DOCTYPE refused, no entity expansion, bounded depth, counts and lengths),
//! with one visitor ([`analyze`]) that builds location paths, runs the compiled
//! structure [`rules`], records datetimes through [`crate::datetime::record`], and
//! gathers the SOAP and WS-Addressing facts from which [`soap`] recognises the IHE
//! transaction. MTOM packages are split by [`mime`] first; their root part is the
//! envelope, and `xop:Include` parts and inline base64 documents become embedded files
//! that the engine validates in turn (a CDA inside an ITI-39 response is a CDA report
//! nested in the SOAP report).
//!
//! Rules are data (`schemas/carequality/*.rules`, `schemas/cda/*.rules`), compiled once
//! on first use and shared by every thread.
//!
//! What a document is decides what is checked: a SOAP envelope gets the envelope, the
//! transaction and its rule set; a `ClinicalDocument` gets the CDA header rules; a
//! published CDA snippet (the root is a CDA element such as `section`, in the HL7 v3
//! namespace or none) is a fragment: well-formedness and datetimes only, with an
//! informational `CDA_FRAGMENT`; other XML gets well-formedness only, except on a
//! carequality channel, where anything but a SOAP envelope is an error.

pub mod analyze;
pub mod encoding;
pub mod mime;
pub mod reader;
pub mod rules;
pub mod soap;

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::classify::Sniffed;
use crate::classify::HL7V3_NS;
use crate::codes::Code;
use crate::emit::Emitter;
use crate::engine::Payload;
use crate::formats::FormatModule;
use crate::report::Format;
use crate::text::Text;
use crate::traffic::TrafficType;

use analyze::{Analyzer, Kind};
use reader::{Fatal, Problem};
use rules::{Matcher, Schema};

pub use reader::XmlLimits;

pub mod codes {
    //! Diagnostic codes of the XML module (XML_ reading, SOAP_ envelopes and MTOM,
    //! IHE_ transactions, CDA_ documents).
    crate::codes::define_codes! {
        XML_NOT_WELL_FORMED: Error, "The payload is not well-formed XML (XML 1.0 section 2.1).";
        XML_DEPTH_EXCEEDED: Error, "Elements nest deeper than the configured limit.";
        XML_DOCTYPE_REJECTED: Error, "A DOCTYPE declaration is present; DTDs are refused so that no entity can be declared or expanded (billion laughs, XXE).";
        XML_ENTITY_REJECTED: Error, "A reference names an entity other than the five predefined ones (XML 1.0 section 4.6); entities are never expanded.";
        XML_INVALID_CHARACTER: Error, "A character, written or referenced, is outside the XML 1.0 Char production (section 2.2).";
        XML_ENCODING_UNSUPPORTED: Error, "The document is not in an encoding the gate reads (UTF-8, UTF-16): UTF-32, EBCDIC or a declared 8-bit encoding, or bytes not legal in its encoding; it was not read.";
        XML_ENCODING_MISMATCH: Error, "The byte order mark, or the byte pattern of the first characters (XML 1.0 Appendix F.1), and the encoding declaration disagree; the document was not read.";
        XML_DUPLICATE_ATTRIBUTE: Error, "An element carries the same attribute twice (XML 1.0 WFC: Unique Att Spec; Namespaces in XML section 6.3).";
        XML_UNBOUND_PREFIX: Error, "A namespace prefix is used without a binding in scope (Namespaces in XML 1.0 section 5).";
        XML_ELEMENT_COUNT_EXCEEDED: Error, "The document has more elements than the configured limit.";
        XML_ATTRIBUTE_COUNT_EXCEEDED: Error, "An element has more attributes than the configured limit.";
        XML_ATTRIBUTE_TOO_LONG: Error, "An attribute value is longer than the configured limit.";
        XML_TEXT_TOO_LONG: Error, "A run of text is longer than the configured limit.";
        XML_NAME_TOO_LONG: Error, "An element or attribute name is longer than the configured limit.";
        XML_DATETIME_LIMIT_EXCEEDED: Error, "The datetime paths and values of the document exceed the configured byte limit (`bounds.xml.max_datetime_bytes`); the rest were not canonicalized.";
        XML_ROOT_MISSING: Error, "The document has no root element.";
        XML_ROOT_MULTIPLE: Error, "The document has more than one root element (XML 1.0 section 2.1).";
        XML_CONTENT_OUTSIDE_ROOT: Error, "Text or CDATA appears outside the root element; only white space, comments and processing instructions may.";
        XML_UNCLOSED_ELEMENT: Error, "The input ends while elements are still open.";
        SOAP_ENVELOPE_MISSING: Error, "Carequality traffic must be a SOAP 1.2 envelope (or an MTOM package whose root is one); this XML is not.";
        SOAP_VERSION_UNSUPPORTED: Error, "The envelope is SOAP 1.1; IHE web services require SOAP 1.2 (ITI TF-2 Appendix V).";
        SOAP_BODY_EMPTY: Error, "The SOAP Body has no child element.";
        SOAP_BODY_MULTIPLE_CHILDREN: Error, "The SOAP Body has more than one child element; an IHE message carries exactly one.";
        SOAP_FAULT: Warning, "The message is a SOAP Fault; no transaction rules apply.";
        SOAP_MTOM_MALFORMED: Error, "The MTOM/XOP multipart/related package cannot be split into its MIME parts.";
        SOAP_MTOM_ROOT_MISSING: Error, "The MTOM package's start parameter names no part, so there is no root part.";
        SOAP_MTOM_ROOT_TYPE: Warning, "The MTOM root part is not application/xop+xml (XOP 1.0 section 4.1, SOAP MTOM section 3).";
        SOAP_XOP_INCLUDE_UNRESOLVED: Error, "An xop:Include names a cid: that matches no MIME part (XOP 1.0 section 3, RFC 2392).";
        SOAP_MTOM_PART_UNREFERENCED: Warning, "A MIME part of the MTOM package is neither the root nor referenced by any xop:Include.";
        IHE_ACTION_MISSING: Error, "The WS-Addressing Action header is missing or empty.";
        IHE_ACTION_UNKNOWN: Error, "The WS-Addressing Action names no supported IHE transaction (ITI-55, ITI-38, ITI-39, ITI-41, ITI-80).";
        IHE_BODY_MISMATCH: Error, "The first SOAP Body child is not the message the WS-Addressing Action names.";
        IHE_ELEMENT_MISSING: Error, "A transaction's required element is missing (or occurs fewer times than its minimum).";
        IHE_ELEMENT_REPEATED: Error, "A transaction's element occurs more times than its maximum.";
        IHE_ATTRIBUTE_MISSING: Error, "A transaction's required attribute is missing.";
        IHE_VALUE_INVALID: Error, "A transaction's value does not match its required form (OID, UUID, code list, ...).";
        CDA_NAMESPACE_INVALID: Error, "The ClinicalDocument is not in the HL7 v3 namespace urn:hl7-org:v3 (CDA R2 section 1.1).";
        CDA_FRAGMENT: Info, "The XML is a fragment of a CDA document (its root is not ClinicalDocument); header rules were not applied, datetimes were.";
        CDA_FRAGMENT_PREFIX_UNBOUND: Warning, "A CDA fragment uses a namespace prefix (xsi, sdtc) that only the document it was cut from declares; it was read in no namespace.";
        CDA_ELEMENT_MISSING: Error, "A CDA header element required by CDA R2 or the C-CDA US Realm Header is missing.";
        CDA_ELEMENT_REPEATED: Error, "A CDA header element occurs more times than CDA R2 or C-CDA allows.";
        CDA_ATTRIBUTE_MISSING: Error, "A CDA header attribute required by CDA R2 or C-CDA is missing.";
        CDA_VALUE_INVALID: Error, "A CDA header value does not match its required form (OID, UUID, TS, fixed code).";
    }
}

/// The rule files, bundled into the binary.
const RULE_FILES: &[(&str, &str)] = &[
    (
        "carequality/transactions.rules",
        include_str!("../../schemas/carequality/transactions.rules"),
    ),
    (
        "carequality/soap.rules",
        include_str!("../../schemas/carequality/soap.rules"),
    ),
    (
        "carequality/xcpd.rules",
        include_str!("../../schemas/carequality/xcpd.rules"),
    ),
    (
        "carequality/xca.rules",
        include_str!("../../schemas/carequality/xca.rules"),
    ),
    (
        "carequality/xdr.rules",
        include_str!("../../schemas/carequality/xdr.rules"),
    ),
    (
        "cda/header.rules",
        include_str!("../../schemas/cda/header.rules"),
    ),
    (
        "cda/datetimes.rules",
        include_str!("../../schemas/cda/datetimes.rules"),
    ),
];

/// Compiles every bundled rule file.
pub fn compile_schema() -> Result<Schema, String> {
    let mut schema = Schema::default();
    for (name, text) in RULE_FILES {
        schema.parse(name, text)?;
    }
    for t in &schema.transactions {
        if schema.set_index(&t.ruleset).is_none() {
            return Err(format!(
                "transaction {} names unknown rule set {}",
                t.id, t.ruleset
            ));
        }
    }
    Ok(schema)
}

/// The compiled schema, built on first use. A bundled file that fails to compile is a
/// build defect caught by the tests; at run time it degrades to no rules, never a panic.
fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| compile_schema().unwrap_or_default())
}

/// XML (Carequality SOAP, MTOM/XOP, CDA), in the format registry: it owns the
/// `carequality` channel.
pub(crate) struct Xml;

impl FormatModule for Xml {
    fn name(&self) -> &'static str {
        "xml"
    }

    fn codes(&self) -> &'static [Code] {
        codes::CODES
    }

    fn channel(&self) -> Option<TrafficType> {
        Some(TrafficType::Carequality)
    }

    fn validates(&self, format: Format) -> bool {
        matches!(
            format,
            Format::Soap | Format::Mtom | Format::Cda | Format::Xml
        )
    }

    fn sniff(&self, _window: &[u8], text: &[u8]) -> Option<Sniffed> {
        crate::classify::sniff_xml_text(text)
    }

    fn validate<'a>(&self, payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
        validate(payload, out);
    }
}

/// Validates an XML payload: SOAP, MTOM, CDA or other XML.
fn validate<'a>(payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
    let format = match payload.sniffed.format {
        f @ (Format::Soap | Format::Mtom | Format::Cda) => f,
        _ => Format::Xml,
    };
    // On the carequality channel a MIME package is split even when its root is not a
    // SOAP 1.2 envelope (classification only calls that MTOM), so the root's real fault
    // is reported rather than MIME headers read as XML.
    let format = if format != Format::Mtom
        && payload.traffic == TrafficType::Carequality
        && looks_like_mime(payload.bytes)
    {
        Format::Mtom
    } else {
        format
    };
    let mut report = payload.emitter(format, payload.bytes.len() as u64);
    if format == Format::Mtom {
        validate_package(payload, &mut report);
    } else {
        match encoding::detect(payload.bytes) {
            // XML 1.0 section 4.3.3: UTF-16 is read as well as UTF-8, here as its UTF-8
            // transcoding (at most 3/2 of the bytes the size limit let through).
            origin @ encoding::Detected::Utf16 { big_endian, bom } => {
                match encoding::decode_utf16(payload.bytes, big_endian, bom) {
                    Ok(text) => validate_document(
                        payload,
                        text.as_bytes(),
                        origin,
                        &mut report,
                        None,
                        |text| Cow::Owned(text.into_owned().into_bytes()),
                    ),
                    Err(malformed) => report.add(&codes::XML_ENCODING_UNSUPPORTED, "", || {
                        format!("{} (near byte {})", malformed.detail, malformed.offset)
                    }),
                }
            }
            origin => validate_document(
                payload,
                payload.bytes,
                origin,
                &mut report,
                None,
                borrowed_text,
            ),
        }
    }
    out.push(report);
}

/// Base64 text found in a document read in place: kept borrowed.
fn borrowed_text(text: Cow<'_, str>) -> Cow<'_, [u8]> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    }
}

/// A MIME entity: a boundary line or MIME headers first.
fn looks_like_mime(bytes: &[u8]) -> bool {
    let head: Vec<u8> = bytes.iter().take(32).map(u8::to_ascii_lowercase).collect();
    bytes.starts_with(b"--")
        || head.starts_with(b"content-type:")
        || head.starts_with(b"mime-version:")
}

/// The code a fatal reading error is reported with.
fn fatal_code(problem: Problem) -> &'static crate::codes::Code {
    match problem {
        Problem::Encoding => &codes::XML_ENCODING_UNSUPPORTED,
        Problem::EncodingMismatch => &codes::XML_ENCODING_MISMATCH,
        Problem::InvalidCharacter => &codes::XML_INVALID_CHARACTER,
        Problem::Doctype => &codes::XML_DOCTYPE_REJECTED,
        Problem::Entity => &codes::XML_ENTITY_REJECTED,
        Problem::DuplicateAttribute => &codes::XML_DUPLICATE_ATTRIBUTE,
        Problem::UnboundPrefix => &codes::XML_UNBOUND_PREFIX,
        Problem::Depth => &codes::XML_DEPTH_EXCEEDED,
        Problem::ElementCount => &codes::XML_ELEMENT_COUNT_EXCEEDED,
        Problem::AttributeCount => &codes::XML_ATTRIBUTE_COUNT_EXCEEDED,
        Problem::AttributeLength => &codes::XML_ATTRIBUTE_TOO_LONG,
        Problem::TextLength => &codes::XML_TEXT_TOO_LONG,
        Problem::NameLength => &codes::XML_NAME_TOO_LONG,
        Problem::NoRoot => &codes::XML_ROOT_MISSING,
        Problem::SecondRoot => &codes::XML_ROOT_MULTIPLE,
        Problem::ContentOutsideRoot => &codes::XML_CONTENT_OUTSIDE_ROOT,
        Problem::Unclosed => &codes::XML_UNCLOSED_ELEMENT,
        Problem::Syntax => &codes::XML_NOT_WELL_FORMED,
    }
}

fn report_fatal(report: &mut Emitter<'_>, path: &str, fatal: &Fatal) {
    report.add(fatal_code(fatal.problem), path, || {
        format!("{} (near byte {})", fatal.detail, fatal.offset)
    });
}

/// Validates one XML document (a whole payload or an MTOM root part); `package` is
/// where its `xop:Include`s are resolved. `bytes` is UTF-8 text, read from the payload
/// in place or transcoded from `origin`; `keep` hands base64 text found in it to the
/// report (borrowed when `bytes` outlives the report, owned otherwise).
fn validate_document<'a, 'd>(
    payload: &Payload<'a>,
    bytes: &'d [u8],
    origin: encoding::Detected,
    report: &mut Emitter<'a>,
    package: Option<&mime::Package<'a>>,
    keep: impl Fn(Cow<'d, str>) -> Cow<'a, [u8]>,
) {
    let schema = schema();
    let limits = payload.config().bounds.xml;
    let all_sets: Vec<usize> = (0..schema.sets.len()).collect();
    let matcher = Matcher::new(schema, all_sets);
    let mut analyzer = Analyzer::new(report, schema, matcher, payload.zone_rules(), &limits);
    let result = reader::read_as(bytes, origin, &limits, &mut analyzer);
    let failed_at = analyzer.path.clone();
    let Analyzer {
        matcher,
        kind,
        action,
        message_id,
        relates_to,
        sender,
        body_first,
        body_children,
        body_seen,
        fault,
        documents,
        includes,
        root_namespace,
        ..
    } = analyzer;

    if let Err(fatal) = &result {
        report_fatal(report, &failed_at, fatal);
    }
    // The document kind refines the sniffed format (an uploaded snippet, a CDA inside a
    // MIME part).
    if report.format() != Format::Mtom {
        let format = match kind {
            Kind::Soap12 | Kind::Soap11 => Format::Soap,
            Kind::Cda => Format::Cda,
            Kind::Unknown => report.format(),
            Kind::CdaFragment | Kind::Other => Format::Xml,
        };
        report.set_format(format);
    }
    let carequality = payload.traffic == TrafficType::Carequality;
    let mut enabled: Vec<usize> = Vec::new();
    match kind {
        Kind::Soap12 | Kind::Soap11 => {
            report.exchange().sender = Some(sender).filter(|s| !s.is_empty());
            let facts = soap::EnvelopeFacts {
                soap11: kind == Kind::Soap11,
                action: action.as_deref(),
                message_id: message_id.as_deref(),
                relates_to: relates_to.as_deref(),
                body_first: body_first
                    .as_ref()
                    .map(|(ns, local)| (ns.as_str(), local.as_str())),
                body_children,
                body_seen,
                fault,
            };
            if result.is_ok() {
                enabled.extend(schema.set_index("soap"));
                if let Some(t) = soap::judge(schema, &facts, report) {
                    enabled.extend(schema.set_index(&t.ruleset));
                }
            } else {
                // Keep what routing needs even from a broken message.
                report.exchange().message_id = facts.message_id.map(Text::from);
                report.exchange().relates_to = facts.relates_to.map(Text::from);
            }
        }
        Kind::Cda => {
            if root_namespace != HL7V3_NS {
                report.add(
                    &codes::CDA_NAMESPACE_INVALID,
                    "/ClinicalDocument",
                    "ClinicalDocument must be in the namespace urn:hl7-org:v3 (CDA R2 section 1.1)",
                );
            }
            if carequality {
                envelope_missing(report);
            }
            enabled.extend(schema.set_index("cda-header"));
        }
        Kind::CdaFragment => {
            report.add(
                &codes::CDA_FRAGMENT,
                "",
                "the root element is a CDA element other than ClinicalDocument: validated as a fragment (well-formedness and datetimes; no header rules)");
            if carequality {
                envelope_missing(report);
            }
        }
        Kind::Other if carequality => envelope_missing(report),
        Kind::Other | Kind::Unknown => {}
    }
    if result.is_ok() {
        for (family, violation) in matcher.finish(&enabled) {
            report.add(violation.code(family), violation.path, violation.message);
            if report.should_stop() {
                break;
            }
        }
    }

    // Embedded documents: inline base64 first, then xop:Include parts.
    for document in documents {
        report.embed_base64(document.path, keep(document.text));
    }
    for include in &includes {
        let part = package.and_then(|p| p.by_cid(&include.href).and_then(|i| p.parts.get(i)));
        match part {
            Some(part) => embed_part(report, &include.path, part),
            None => {
                report.add(
                    &codes::SOAP_XOP_INCLUDE_UNRESOLVED,
                    || format!("{}/Include/@href", include.path),
                    "the xop:Include href names no MIME part of this package",
                );
            }
        }
    }
}

fn envelope_missing(report: &mut Emitter<'_>) {
    report.add(
        &codes::SOAP_ENVELOPE_MISSING,
        "",
        "carequality traffic must be a SOAP 1.2 envelope; this XML is not",
    );
}

/// A MIME part as an embedded file: base64 transfer encoding is decoded by the engine,
/// anything else (binary, 8bit) is taken as it is.
fn embed_part<'a>(report: &mut Emitter<'a>, path: &str, part: &mime::Part<'a>) {
    let base64 = part
        .transfer_encoding
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
    if base64 {
        report.embed_base64(path, part.body);
    } else {
        report.embed_bytes(path, part.body);
    }
}

/// An MTOM/XOP package: split, find the root, validate it, resolve its includes.
fn validate_package<'a>(payload: &Payload<'a>, report: &mut Emitter<'a>) {
    let max_parts = payload.config().bounds.embedded_count.saturating_add(1);
    let package = match mime::split(payload.bytes, max_parts) {
        Ok(p) => p,
        Err(e) => {
            report.add(&codes::SOAP_MTOM_MALFORMED, "", e.describe());
            return;
        }
    };
    let Some(root_index) = package.root() else {
        report.add(
            &codes::SOAP_MTOM_ROOT_MISSING,
            "",
            "the start parameter names no MIME part (RFC 2387 section 3.2)",
        );
        return;
    };
    let Some(root) = package.parts.get(root_index) else {
        return;
    };
    let xop = root.content_type.is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/xop+xml"))
    });
    if !xop {
        report.add(
            &codes::SOAP_MTOM_ROOT_TYPE,
            "",
            "the root part's Content-Type is not application/xop+xml",
        );
    }
    validate_document(
        payload,
        root.body,
        encoding::detect(root.body),
        report,
        Some(&package),
        borrowed_text,
    );
    // Parts no include pointed at are carried for nothing: say so.
    let referenced = referenced_parts(root.body, &package);
    for index in 0..package.parts.len() {
        if index != root_index && !referenced.contains(&index) {
            report.add(&codes::SOAP_MTOM_PART_UNREFERENCED, "", || {
                format!(
                    "MIME part {} is not referenced by any xop:Include",
                    index + 1
                )
            });
        }
    }
}

/// Indices of the parts the root's `xop:Include`s reference (a cheap scan for `cid:`
/// hrefs; the reader has already validated the document).
fn referenced_parts(root: &[u8], package: &mime::Package<'_>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = root
        .get(from..)
        .and_then(|rest| memchr::memmem::find(rest, b"cid:"))
    {
        let start = from + at;
        let end = root
            .get(start..)
            .and_then(|rest| {
                rest.iter()
                    .position(|b| matches!(b, b'"' | b'\'' | b'<' | b'>'))
            })
            .map_or(root.len(), |p| start + p);
        if let Some(index) = root
            .get(start..end)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| package.by_cid(h))
        {
            out.push(index);
        }
        from = end.max(start + 4);
    }
    out
}
