//! The registry of diagnostic codes.
//!
//! Every code a report can carry is declared once, with its default severity and its
//! meaning, in the module that owns the rule, and re-exported here so that every code is
//! `payload_triage::codes::NAME`: the prefix names the module (`HL7_` →
//! `src/hl7v2`, `JSON_`/`REDOX_`/`FHIR_` → `src/json`, `XML_`/`SOAP_`/`IHE_`/`CDA_`
//! → `src/xml`, `DATETIME_` → `src/datetime`, `FILE_` → `src/files.rs`, `ARCHIVE_`/`CONTAINER_` → `src/container`, everything else here). [`all`]
//! lists them for `triage codes` and the README; a test keeps the names unique and
//! SCREAMING_SNAKE_CASE.

use std::borrow::Cow;

use crate::report::Severity;

/// A diagnostic code: a stable name, its default severity and its meaning.
///
/// `Copy` and cheap to compare; it serializes as its name and compares equal to it, so
/// `diagnostic.code == "HL7_MSH_MISSING"` reads as it should. Every code is a constant
/// in this module ([`HL7_MSH_MISSING`], ...) and [`all`] lists them.
///
/// ```
/// use payload_triage::codes::{self, Code};
///
/// let code: Code = codes::SIZE_LIMIT_EXCEEDED;
/// assert_eq!(code, "SIZE_LIMIT_EXCEEDED");
/// assert_eq!(Code::from_name("SIZE_LIMIT_EXCEEDED"), Some(code));
/// assert_eq!(code.to_string(), "SIZE_LIMIT_EXCEEDED");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Code {
    pub(crate) name: &'static str,
    pub(crate) severity: Severity,
    pub(crate) meaning: &'static str,
}

impl Code {
    /// Stable SCREAMING_SNAKE_CASE identifier; never renamed once released.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The severity it has unless the configuration or a policy says otherwise.
    pub fn default_severity(&self) -> Severity {
        self.severity
    }

    /// One sentence: the rule this code reports.
    pub fn meaning(&self) -> &'static str {
        self.meaning
    }

    /// Looks a code up by name.
    pub fn from_name(name: &str) -> Option<Code> {
        find(name).copied()
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Code) -> bool {
        // Names are unique (a test checks it), so the name is the identity.
        self.name == other.name
    }
}

impl Eq for Code {}

impl std::hash::Hash for Code {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <Cow<'de, str>>::deserialize(deserializer)?;
        Code::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code `{name}`")))
    }
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
    ENVIRONMENT_MISMATCH: Error, "Source and destination environment types differ, or production data is headed for a development or staging destination; data may only flow between equal environment types.";
    ENVIRONMENT_CLAIM_UNKNOWN: Warning, "The payload's processing id or test flag (HL7 MSH-11, Redox Meta.Test) is missing or not a defined value; the environment rule treats it as production data (fail closed).";
    SOURCE_UNKNOWN: Error, "Under `strict_sources`, neither the input's path nor the sender's identity in the message selects a configured source.";
    SOURCE_IDENTITY_MISMATCH: Error, "The sender's identity in the message (Redox Meta.Source, HL7 MSH-3/MSH-4, SOAP wsa:From, SAML issuer or home community id) is not one of the identities of the source profile the input's path selected.";
    SOURCE_IDENTITY_AMBIGUOUS: Error, "The sender's identity matches more than one source profile; the default profile applied.";
    SOURCE_TRAFFIC_TYPE_DENIED: Error, "The source's key may not send this traffic type (`traffic_types`): a source is one communication method.";
    SOURCE_PATTERN_DENIED: Error, "The source's key may not use this exchange pattern (`patterns`: notification, query, query response, writeback, ...), or the message's pattern cannot be told.";
    SOURCE_DATA_MODEL_DENIED: Error, "The source's key may not send this Redox data model and event type (`data_models`).";
    SOURCE_MESSAGE_TYPE_DENIED: Error, "The source's key may not send this HL7 v2 message type and event (`message_types`).";
    SOURCE_TRANSACTION_DENIED: Error, "The source's key may not use this IHE transaction (`transactions`).";
    SOURCE_DESTINATION_DENIED: Error, "The message names a destination the source's key may not send to (`destinations`: Redox Meta.Destinations, HL7 MSH-5/MSH-6).";
    ENVIRONMENT_TEST_TRAFFIC: Info, "A message marked as test traffic goes to a production destination; production may carry testing traffic, so this is allowed.";
    FILE_SIGNATURE_UNKNOWN: Warning, "An uploaded or embedded file has no known file signature.";
    EMBEDDED_BASE64_INVALID: Error, "An embedded file's base64 text is not valid base64 (RFC 4648 section 4).";
    EMBEDDED_DEPTH_EXCEEDED: Error, "Embedded files are nested deeper than the configured limit; the inner file was not examined.";
    EMBEDDED_COUNT_EXCEEDED: Error, "A payload carries more embedded files than the configured limit; the rest were not examined.";
    EMBEDDED_FILE_INVALID: Error, "An embedded file has errors of its own; see its nested report.";
    CONTENT_UNRECOGNISED: Info, "The content matches no known format; only the size limit was applied.";
    DIAGNOSTICS_TRUNCATED: Info, "The report reached its diagnostic limit; the rest are counted here with the worst severity among them.";
    MESSAGE_COUNT_EXCEEDED: Error, "A file holds more messages than the configured limit; the rest were not examined.";
    DATETIMES_TRUNCATED: Info, "The report reached its datetime limit; the rest were canonicalized and checked but are not listed, and are counted here.";
    EMBEDDED_FILE_REPEATED: Info, "The same embedded file is referenced more than once; it was validated once, at its first reference.";
    PAYLOAD_HOLDS_SEVERAL_MESSAGES: Warning, "A payload validated as one message holds several; the report is the first message's, and is an error when another message has errors (validate it message by message to see each).";
}

// Every code is reachable from this one flat module, whichever module owns its rule.
pub use crate::container::codes::*;
pub use crate::datetime::codes::*;
pub use crate::files::codes::*;
pub use crate::hl7v2::codes::*;
pub use crate::json::codes::*;
pub use crate::xml::codes::*;

/// Every registered code: the engine's own, the datetime engine's, the containers'
/// (`src/container`), then each format module's in registry order (`src/formats.rs`).
pub fn all() -> impl Iterator<Item = &'static Code> {
    CODES
        .iter()
        .chain(crate::datetime::codes::CODES)
        .chain(crate::container::codes::CODES)
        .chain(
            crate::formats::REGISTRY
                .iter()
                .flat_map(|module| module.codes().iter()),
        )
}

/// Every registered code with the module that owns its rule: `engine`, `datetime`,
/// `containers`, or
/// a format module's name from the registry (`hl7v2`, `json`, `xml`, ...).
///
/// ```
/// use payload_triage::codes;
///
/// let (module, _) = codes::by_module()
///     .find(|(_, code)| **code == codes::HL7_MSH_MISSING)
///     .unwrap_or(("none", &codes::EMPTY_PAYLOAD));
/// assert_eq!(module, "hl7v2");
/// ```
pub fn by_module() -> impl Iterator<Item = (&'static str, &'static Code)> {
    CODES
        .iter()
        .map(|c| ("engine", c))
        .chain(
            crate::datetime::codes::CODES
                .iter()
                .map(|c| ("datetime", c)),
        )
        .chain(
            crate::container::codes::CODES
                .iter()
                .map(|c| ("containers", c)),
        )
        .chain(
            crate::formats::REGISTRY
                .iter()
                .flat_map(|module| module.codes().iter().map(move |c| (module.name(), c))),
        )
}

/// The module that owns `code`'s rule (see [`by_module`]).
pub fn module_of(code: &Code) -> &'static str {
    by_module()
        .find(|(_, c)| *c == code)
        .map_or("engine", |(module, _)| module)
}

/// The anchor of `code`'s section in `docs/codes.md` (`#hl7_segment_missing`).
pub fn anchor(code: &Code) -> String {
    code.name().to_ascii_lowercase()
}

/// `code`'s documentation page, as `triage codes CODE` prints it and as `docs/codes.md`
/// holds it: severity, owning module, meaning, the fixture that shows it, and how to
/// change its severity. Plain text; the meaning cites the standard where a rule comes
/// from one.
pub fn page(code: &Code) -> String {
    let name = code.name();
    let module = module_of(code);
    let home = match module {
        "engine" => "src/engine.rs",
        "datetime" => "src/datetime/",
        "containers" => "src/container/ and src/batch/",
        "hl7v2" => "src/hl7v2/",
        "json" => "src/json/",
        "xml" => "src/xml/",
        "files" => "src/files.rs",
        _ => "src/",
    };
    let other = if code.default_severity() == crate::report::Severity::Error {
        "warning"
    } else {
        "error"
    };
    format!(
        "{name}\n\n\
         {meaning}\n\n\
         Default severity: {severity}\n\
         Module: {module} (the rule lives in {home})\n\
         Example: tests/fixtures/codes/{name}/ (a payload that raises it, and its report)\n\
         Documentation: docs/codes.md#{anchor}\n\n\
         To change its severity for a run, in the configuration file (--config):\n\
         \n    [severity]\n    {name} = \"{other}\"    # or \"info\", \"warning\", \"error\", \"off\"\n\n\
         To leave it out of a run: triage validate --ignore {name} PATH...\n",
        meaning = code.meaning(),
        severity = code.default_severity().as_str(),
        anchor = anchor(code),
    )
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
