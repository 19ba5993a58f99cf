//! The Redox Data Model API: the `Meta` envelope, the data model catalogue, and body
//! schemas.
//!
//! - The catalogue (`schemas/redox/catalogue.json`) lists every data model with its event
//!   types, each marked notification, query, query response or writeback; it decides
//!   `exchange.pattern`.
//! - `Meta` is checked here by hand, for every event type, so messages are precise:
//!   DataModel and EventType present and known, EventDateTime a datetime, Test a boolean
//!   (it gives `claimed_environment`), Source `{ID, Name}`, Destinations (at least one
//!   when sending, exactly one on a query), Logs, FacilityCode.
//! - Bodies are checked against our own JSON Schemas (`schemas/redox/<DataModel>.json`,
//!   with shared `$defs` from `common.json`), each compiled once, lazily, shared by every
//!   thread, into a walker over our own tree (`src/json/shape.rs`): no second copy of
//!   the document is made. Messages name the rule and the schema's member names, never
//!   a value from the payload.
//! - Datetime fields are declared in the schemas with the keyword `x-datetime`
//!   (`"datetime"` or `"date"`), never guessed from names; they are found by walking
//!   the document alongside its schema (`properties`, `items`, local `$ref`).
//! - File content is declared with `x-embedded`: `"base64"` when the field always holds
//!   a file (`Media.FileContents`), or `{"encoding": <sibling>, "base64": [values]}` when
//!   the model's own sibling field says whether it does (`Note.ContentType` "Base64
//!   Encoded" for `Note.FileContents`, `Result.ValueType` "Encapsulated Data" for
//!   `Result.Value`), as Redox's "Transferring files" guide defines them. A file value
//!   is either base64 (queued as an embedded file: size-checked at the `embedded_file`
//!   limit on its decoded size, decoded, validated) or, for a file uploaded to Redox
//!   first, a URI: told apart by the URI syntax of the whole value (RFC 3986 section 3:
//!   a scheme and a colon, which no base64 text can hold), never by a prefix.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::datetime::Syntax;
use crate::emit::Claim;
use crate::report::{ExchangePattern, Party};
use crate::text::Text;
use crate::traffic::Environment;

use super::codes;
use super::parse::Value;
use super::pointer::Pointer;
use super::Walk;

const CATALOGUE: &str = include_str!("../../schemas/redox/catalogue.json");
const COMMON: &str = include_str!("../../schemas/redox/common.json");

/// The body schemas, by data model: one for every data model of the catalogue.
const SCHEMAS: [(&str, &str); 24] = [
    (
        "PatientAdmin",
        include_str!("../../schemas/redox/PatientAdmin.json"),
    ),
    ("Results", include_str!("../../schemas/redox/Results.json")),
    ("Order", include_str!("../../schemas/redox/Order.json")),
    (
        "Scheduling",
        include_str!("../../schemas/redox/Scheduling.json"),
    ),
    ("Notes", include_str!("../../schemas/redox/Notes.json")),
    ("Media", include_str!("../../schemas/redox/Media.json")),
    (
        "ClinicalSummary",
        include_str!("../../schemas/redox/ClinicalSummary.json"),
    ),
    (
        "PatientSearch",
        include_str!("../../schemas/redox/PatientSearch.json"),
    ),
    (
        "Flowsheet",
        include_str!("../../schemas/redox/Flowsheet.json"),
    ),
    (
        "Vaccination",
        include_str!("../../schemas/redox/Vaccination.json"),
    ),
    (
        "Provider",
        include_str!("../../schemas/redox/Provider.json"),
    ),
    (
        "Referral",
        include_str!("../../schemas/redox/Referral.json"),
    ),
    ("Claim", include_str!("../../schemas/redox/Claim.json")),
    (
        "Financial",
        include_str!("../../schemas/redox/Financial.json"),
    ),
    (
        "Medications",
        include_str!("../../schemas/redox/Medications.json"),
    ),
    ("Device", include_str!("../../schemas/redox/Device.json")),
    (
        "Inventory",
        include_str!("../../schemas/redox/Inventory.json"),
    ),
    (
        "Organization",
        include_str!("../../schemas/redox/Organization.json"),
    ),
    (
        "PatientEducation",
        include_str!("../../schemas/redox/PatientEducation.json"),
    ),
    (
        "Research",
        include_str!("../../schemas/redox/Research.json"),
    ),
    (
        "SurgicalScheduling",
        include_str!("../../schemas/redox/SurgicalScheduling.json"),
    ),
    (
        "ClinicalDecisions",
        include_str!("../../schemas/redox/ClinicalDecisions.json"),
    ),
    (
        "Enrichment",
        include_str!("../../schemas/redox/Enrichment.json"),
    ),
    ("SSO", include_str!("../../schemas/redox/SSO.json")),
];

#[derive(Deserialize)]
struct RawCatalogue {
    #[serde(rename = "dataModels")]
    data_models: HashMap<String, HashMap<String, String>>,
}

type Catalogue = HashMap<String, HashMap<String, ExchangePattern>>;

fn catalogue() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        let raw: RawCatalogue = match serde_json::from_str(CATALOGUE) {
            Ok(raw) => raw,
            Err(_) => return HashMap::new(),
        };
        raw.data_models
            .into_iter()
            .map(|(model, events)| {
                let events = events
                    .into_iter()
                    .filter_map(|(event, pattern)| {
                        let pattern = match pattern.as_str() {
                            "notification" => ExchangePattern::Notification,
                            "query" => ExchangePattern::Query,
                            "query_response" => ExchangePattern::QueryResponse,
                            "writeback" => ExchangePattern::Writeback,
                            _ => return None,
                        };
                        Some((event, pattern))
                    })
                    .collect();
                (model, events)
            })
            .collect()
    })
}

/// The exchange pattern of a data model's event type, from the catalogue.
pub(crate) fn pattern_of(model: &str, event: &str) -> Option<ExchangePattern> {
    catalogue().get(model)?.get(event).copied()
}

/// The data models of the catalogue, sorted (for documentation and tests).
pub fn data_models() -> Vec<&'static str> {
    let mut models: Vec<&str> = catalogue().keys().map(String::as_str).collect();
    models.sort_unstable();
    models
}

/// A compiled body schema and the merged schema document it came from (walked for
/// declared datetimes).
struct Compiled {
    shape: super::shape::Shape,
    /// Where the schema declares datetimes and embedded files, pruned to the paths that
    /// lead to one.
    declared: Declared,
}

/// What a schema declares at one place of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Declaration {
    DateTime,
    Date,
    /// File content; `when` names the sibling member that says so and the values
    /// (compared ignoring ASCII case) that mean base64 file content. `None`: always.
    File {
        when: Option<(String, Vec<String>)>,
    },
}

impl Declaration {
    /// The declaration `x-datetime` or `x-embedded` makes at this schema node.
    fn of(schema: &serde_json::Value) -> Option<Self> {
        match schema.get("x-datetime").and_then(serde_json::Value::as_str) {
            Some("datetime") => return Some(Declaration::DateTime),
            Some("date") => return Some(Declaration::Date),
            _ => {}
        }
        let embedded = schema.get("x-embedded")?;
        if embedded.as_str() == Some("base64") {
            return Some(Declaration::File { when: None });
        }
        let field = embedded.get("encoding")?.as_str()?.to_owned();
        let values = embedded
            .get("base64")?
            .as_array()?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        Some(Declaration::File {
            when: Some((field, values)),
        })
    }
}

/// The declarations of a schema as a tree over member names and array items, built once
/// at compile time, so validation does not walk the schema document itself.
#[derive(Debug, Default)]
struct Declared {
    here: Option<Declaration>,
    properties: Vec<(String, Declared)>,
    items: Option<Box<Declared>>,
}

impl Declared {
    /// The declarations under `schema`, or `None` when there are none.
    fn build(root: &serde_json::Value, schema: &serde_json::Value, depth: usize) -> Option<Self> {
        if depth > 32 {
            return None;
        }
        let schema = resolve(root, schema);
        let here = Declaration::of(schema);
        let properties: Vec<(String, Declared)> = schema
            .get("properties")
            .and_then(serde_json::Value::as_object)
            .map(|props| {
                props
                    .iter()
                    .filter_map(|(name, sub)| {
                        Some((name.clone(), Declared::build(root, sub, depth + 1)?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let items = schema
            .get("items")
            .and_then(|sub| Declared::build(root, sub, depth + 1))
            .map(Box::new);
        if here.is_none() && properties.is_empty() && items.is_none() {
            return None;
        }
        Some(Declared {
            here,
            properties,
            items,
        })
    }
}

fn compiled(model: &str) -> Option<&'static Compiled> {
    static COMPILED: [OnceLock<Option<Compiled>>; SCHEMAS.len()] =
        [const { OnceLock::new() }; SCHEMAS.len()];
    let index = SCHEMAS.iter().position(|(name, _)| *name == model)?;
    let (_, text) = SCHEMAS.get(index)?;
    COMPILED.get(index)?.get_or_init(|| compile(text)).as_ref()
}

fn compile(text: &str) -> Option<Compiled> {
    let mut schema: serde_json::Value = serde_json::from_str(text).ok()?;
    let common: serde_json::Value = serde_json::from_str(COMMON).ok()?;
    let defs = common.get("$defs")?.as_object()?.clone();
    schema.as_object_mut()?.insert("$defs".into(), defs.into());
    let shape = super::shape::Shape::compile(&schema)?;
    let declared = Declared::build(&schema, &schema, 0).unwrap_or_default();
    Some(Compiled { shape, declared })
}

/// Validates a Redox Data Model message (a top-level object with `Meta`).
pub(crate) fn validate(root: &Value<'_>, walk: &mut Walk<'_, '_>) {
    let Some(model) = meta(root, walk) else {
        return;
    };
    match compiled(&model) {
        Some(compiled) => {
            body(root, compiled, walk);
            let mut ptr = Pointer::new();
            declared(&compiled.declared, root, None, &mut ptr, walk);
        }
        None => walk.emit.add(
            &codes::REDOX_SCHEMA_NOT_AVAILABLE,
            "",
            "this data model has no body schema yet; Meta was checked",
        ),
    }
}

fn meta_error(walk: &mut Walk<'_, '_>, path: &str, message: &str) {
    walk.emit.add(&codes::REDOX_META_INVALID, path, message);
}

/// Checks `Meta` and fills the exchange data. Returns the data model when it is known.
fn meta(root: &Value<'_>, walk: &mut Walk<'_, '_>) -> Option<String> {
    let meta = match root.get("Meta") {
        Some(meta @ Value::Object(_)) => meta,
        _ => {
            walk.emit.add(
                &codes::REDOX_META_MISSING,
                "/Meta",
                "Meta must be an object",
            );
            return None;
        }
    };
    let text = |key: &str| meta.get(key).and_then(Value::as_str);
    let model = text("DataModel");
    let event = text("EventType");
    if model.is_none() {
        meta_error(
            walk,
            "/Meta/DataModel",
            "Meta.DataModel is required and must be a string",
        );
    }
    if event.is_none() {
        meta_error(
            walk,
            "/Meta/EventType",
            "Meta.EventType is required and must be a string",
        );
    }
    let exchange = &mut walk.emit.exchange();
    exchange.message_type = model.as_deref().map(Text::from);
    exchange.event = event.as_deref().map(Text::from);
    exchange.message_id = meta
        .get("Message")
        .and_then(|m| m.get("ID"))
        .and_then(|id| match id {
            Value::Number(n) => Some(Text::from(*n)),
            Value::String(s) => Some(Text::from(s.value().as_ref())),
            _ => None,
        });

    let events = model.as_deref().and_then(|m| catalogue().get(m));
    let pattern = match (&model, events) {
        (Some(_), None) => {
            walk.emit.add(
                &codes::REDOX_DATA_MODEL_UNKNOWN,
                "/Meta/DataModel",
                "Meta.DataModel is not a data model of the catalogue",
            );
            None
        }
        (_, Some(events)) => match event.as_deref().map(|e| events.get(e)) {
            Some(Some(pattern)) => Some(*pattern),
            Some(None) => {
                walk.emit.add(
                    &codes::REDOX_EVENT_TYPE_UNKNOWN,
                    "/Meta/EventType",
                    "Meta.EventType is not an event type of this data model",
                );
                None
            }
            None => None,
        },
        (None, None) => None,
    };
    walk.emit.exchange().pattern = pattern;

    match meta.get("EventDateTime") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => walk.datetime("/Meta/EventDateTime", s, Syntax::Iso8601),
        Some(_) => meta_error(
            walk,
            "/Meta/EventDateTime",
            "Meta.EventDateTime must be a datetime string",
        ),
    }
    match meta.get("Test") {
        None | Some(Value::Null) => walk.emit.claim_environment(Claim::Missing),
        Some(Value::Bool(test)) => {
            // Meta.Test only says test or not: a test message claims a non-production
            // environment (staging), a non-test one production.
            walk.emit.claim_environment(Claim::Environment(if *test {
                Environment::Staging
            } else {
                Environment::Production
            }));
        }
        Some(_) => {
            meta_error(walk, "/Meta/Test", "Meta.Test must be a boolean");
            walk.emit.claim_environment(Claim::Malformed);
        }
    }
    match meta.get("Source") {
        None | Some(Value::Null) => {}
        Some(source @ Value::Object(_)) => {
            let sender = id_name(source, "/Meta/Source", walk);
            walk.emit.exchange().sender = Some(sender).filter(|p| !p.is_empty());
        }
        Some(_) => meta_error(
            walk,
            "/Meta/Source",
            "Meta.Source must be an object {ID, Name}",
        ),
    }
    destinations(meta.get("Destinations"), pattern, walk);
    match meta.get("Logs") {
        None | Some(Value::Null) => {}
        Some(Value::Array(logs)) => {
            for (i, log) in logs.iter().enumerate() {
                let path = format!("/Meta/Logs/{i}");
                match log {
                    Value::Object(_) => {
                        // The first log is the request this message belongs to: a
                        // synchronous query and its response share it (pairing).
                        if let (0, Some(Value::String(id))) = (i, log.get("ID")) {
                            walk.emit.pairing_log(&id.value());
                        }
                        for key in ["ID", "AttemptID"] {
                            if matches!(log.get(key), Some(v) if !matches!(v, Value::String(_) | Value::Null))
                            {
                                meta_error(
                                    walk,
                                    &format!("{path}/{key}"),
                                    "Meta.Logs IDs must be strings",
                                );
                            }
                        }
                    }
                    _ => meta_error(
                        walk,
                        &path,
                        "each Meta.Logs entry must be an object {ID, AttemptID}",
                    ),
                }
            }
        }
        Some(_) => meta_error(walk, "/Meta/Logs", "Meta.Logs must be an array"),
    }
    if matches!(meta.get("FacilityCode"), Some(v) if !matches!(v, Value::String(_) | Value::Null)) {
        meta_error(
            walk,
            "/Meta/FacilityCode",
            "Meta.FacilityCode must be a string",
        );
    }
    // Only a catalogued data model has (or may get) a body schema.
    model.filter(|_| events.is_some()).map(|m| m.into_owned())
}

/// `{ID, Name}`: both strings (or null) when present. Gives the party they name.
fn id_name(value: &Value<'_>, path: &str, walk: &mut Walk<'_, '_>) -> Party {
    let mut party = Party::default();
    for key in ["ID", "Name"] {
        match value.get(key) {
            Some(Value::String(s)) => {
                let text = Some(Text::from(s.value().as_ref()));
                if key == "ID" {
                    party.id = text;
                } else {
                    party.name = text;
                }
            }
            None | Some(Value::Null) => {}
            Some(_) => meta_error(
                walk,
                &format!("{path}/{key}"),
                "ID and Name must be strings",
            ),
        }
    }
    party
}

/// Destinations: a request must name at least one destination; a synchronous query
/// goes to exactly one (it expects one answer). Responses need none.
fn destinations(
    value: Option<&Value<'_>>,
    pattern: Option<ExchangePattern>,
    walk: &mut Walk<'_, '_>,
) {
    let count = match value {
        None | Some(Value::Null) => 0,
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("/Meta/Destinations/{i}");
                match item {
                    Value::Object(_) => {
                        let party = id_name(item, &path, walk);
                        walk.emit.exchange().destinations.push(party);
                    }
                    _ => meta_error(walk, &path, "each destination must be an object {ID, Name}"),
                }
            }
            items.len()
        }
        Some(_) => {
            meta_error(
                walk,
                "/Meta/Destinations",
                "Meta.Destinations must be an array",
            );
            return;
        }
    };
    let problem = match pattern {
        Some(ExchangePattern::Query) if count != 1 => {
            Some("a query must name exactly one destination")
        }
        Some(ExchangePattern::Notification | ExchangePattern::Writeback) if count == 0 => {
            Some("a message sent to Redox must name at least one destination")
        }
        _ => None,
    };
    if let Some(problem) = problem {
        walk.emit.add(
            &codes::REDOX_DESTINATIONS_INVALID,
            "/Meta/Destinations",
            problem,
        );
    }
}

/// Validates the body against the compiled schema, walking our own tree
/// (`src/json/shape.rs`), and warns of numbers a 64-bit float cannot hold.
fn body(root: &Value<'_>, compiled: &Compiled, walk: &mut Walk<'_, '_>) {
    compiled.shape.check(root, walk);
    // Paths are built only for a document that has such a number: nearly none has.
    if any_beyond_f64(root) {
        let mut ptr = Pointer::new();
        numbers(root, &mut ptr, walk);
    }
}

/// True for a number a 64-bit float cannot hold: beyond about 1.8e308 (IEEE 754
/// binary64, the largest finite value), so a literal of at most 15 characters without an
/// exponent (below 10^15) never is, and is not parsed.
fn beyond_f64(raw: &str) -> bool {
    if raw.len() <= 15 && !raw.bytes().any(|b| b == b'e' || b == b'E') {
        return false;
    }
    !raw.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Whether any number in `value` is [`beyond_f64`], without building paths.
fn any_beyond_f64(value: &Value<'_>) -> bool {
    match value {
        Value::Number(raw) => beyond_f64(raw),
        Value::Array(items) => items.iter().any(any_beyond_f64),
        Value::Object(members) => members.iter().any(|(_, member)| any_beyond_f64(member)),
        _ => false,
    }
}

/// Warns of every number beyond the range of a 64-bit float (kept as written; a
/// receiver reading numbers as doubles will not see it as sent).
fn numbers(value: &Value<'_>, ptr: &mut Pointer, walk: &mut Walk<'_, '_>) {
    match value {
        Value::Number(raw) if beyond_f64(raw) => {
            walk.emit.add(
                &codes::JSON_NUMBER_OUT_OF_RANGE,
                || ptr.as_str().to_owned(),
                "the number is beyond the range of a 64-bit float",
            );
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if matches!(item, Value::Number(_) | Value::Array(_) | Value::Object(_)) {
                    ptr.push_index(i);
                    numbers(item, ptr, walk);
                    ptr.pop();
                }
            }
        }
        Value::Object(members) => {
            for (key, member) in members {
                if matches!(
                    member,
                    Value::Number(_) | Value::Array(_) | Value::Object(_)
                ) {
                    ptr.push_key_raw(key);
                    numbers(member, ptr, walk);
                    ptr.pop();
                }
            }
        }
        _ => {}
    }
}

/// Resolves a local `$ref` (`#/$defs/Name`), a few levels at most.
fn resolve<'s>(
    root: &'s serde_json::Value,
    mut schema: &'s serde_json::Value,
) -> &'s serde_json::Value {
    for _ in 0..8 {
        let Some(target) = schema
            .get("$ref")
            .and_then(serde_json::Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|name| root.get("$defs").and_then(|d| d.get(name)))
        else {
            break;
        };
        schema = target;
    }
    schema
}

/// Walks the document along the declarations and canonicalizes every value the schema
/// declares with `x-datetime`; hands `x-embedded` file content to [`file`]. `parent` is
/// the object holding `value`, where a file's encoding field sits. Depth is bounded by
/// the declaration tree.
fn declared(
    decl: &Declared,
    value: &Value<'_>,
    parent: Option<&Value<'_>>,
    ptr: &mut Pointer,
    walk: &mut Walk<'_, '_>,
) {
    match value {
        Value::String(s) => match &decl.here {
            Some(Declaration::DateTime) => walk.datetime(ptr.as_str(), s, Syntax::Iso8601),
            Some(Declaration::Date) => {
                walk.calendar_date(ptr.as_str(), s, Syntax::Iso8601);
                if invented_midnight(s.raw) {
                    walk.emit.add(
                        &codes::REDOX_DATE_WITH_MIDNIGHT,
                        ptr.as_str(),
                        "a date-only field carries a midnight time; converted across zones it names another day");
                }
            }
            Some(Declaration::File { when }) => {
                let is_file = match when {
                    None => true,
                    Some((field, values)) => parent
                        .and_then(|p| p.get(field))
                        .and_then(Value::as_str)
                        .is_some_and(|v| values.iter().any(|b| v.trim().eq_ignore_ascii_case(b))),
                };
                if is_file {
                    file(s, ptr.as_str(), walk);
                }
            }
            None => {}
        },
        Value::Object(members) => {
            if decl.properties.is_empty() {
                return;
            }
            for (key, member) in members {
                let name = key.value();
                if let Some((_, sub)) = decl.properties.iter().find(|(n, _)| *n == name) {
                    ptr.push_key_raw(key);
                    declared(sub, member, Some(value), ptr, walk);
                    ptr.pop();
                }
            }
        }
        Value::Array(items) => {
            let Some(sub) = &decl.items else {
                return;
            };
            for (i, item) in items.iter().enumerate() {
                ptr.push_index(i);
                declared(sub, item, None, ptr, walk);
                ptr.pop();
            }
        }
        _ => {}
    }
}

/// File content the model declared: a URI (a file uploaded to Redox first, referenced
/// here) is noted and not fetched; anything else is base64 and goes to the embedded-file
/// checks, whatever it starts with. An empty value carries no file.
fn file(s: &super::parse::Str<'_>, path: &str, walk: &mut Walk<'_, '_>) {
    let value = s.value();
    if value.trim().is_empty() {
        return;
    }
    // A `data:` URI (RFC 2397) holds its content inline: it is no reference, and it
    // stays on the file path, where the size check and the decoder refuse it.
    let inline = value
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"));
    if is_absolute_uri(&value) && !inline {
        walk.emit.add(
            &codes::REDOX_FILE_REFERENCE,
            path,
            "the file is referenced by URI, not embedded; its content was not checked",
        );
        return;
    }
    walk.embedded_base64(path, s);
}

/// An absolute URI by RFC 3986 section 3.1: `scheme ":" rest`, the scheme a letter then
/// letters, digits, `+`, `-` or `.`, and the rest non-empty printable ASCII with no
/// space. The colon is outside the base64 alphabet (RFC 4648 section 4, table 1), so no
/// base64 text, whatever its first characters, is ever taken for a URI.
fn is_absolute_uri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.bytes();
    chars.next().is_some_and(|b| b.is_ascii_alphabetic())
        && chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_graphic())
}

/// A date with a time of exactly midnight (`1980-01-01T00:00:00.000Z`): the shape of a
/// date that a system padded with an invented time. A lexical test on the time digits
/// only; the datetime engine did the parsing.
fn invented_midnight(raw: &str) -> bool {
    let Some(time) = raw.get(10..).and_then(|t| t.strip_prefix('T')) else {
        return false;
    };
    let clock: &str = time.split(['Z', '+', '-']).next().unwrap_or_default();
    clock.len() >= 2 && clock.bytes().all(|b| matches!(b, b'0' | b':' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_lists_every_data_model_of_the_issue() {
        let expected = [
            "PatientAdmin",
            "Results",
            "Order",
            "Scheduling",
            "Notes",
            "Media",
            "ClinicalSummary",
            "PatientSearch",
            "Provider",
            "Referral",
            "Claim",
            "Financial",
            "Flowsheet",
            "Medications",
            "Vaccination",
            "Device",
            "Inventory",
            "Organization",
            "PatientEducation",
            "Research",
            "SurgicalScheduling",
            "ClinicalDecisions",
            "Enrichment",
            "SSO",
        ];
        for model in expected {
            assert!(catalogue().contains_key(model), "{model}");
        }
        assert_eq!(catalogue().len(), expected.len());
    }

    #[test]
    fn every_body_schema_compiles() {
        for (model, _) in SCHEMAS {
            assert!(compiled(model).is_some(), "{model}");
        }
    }

    #[test]
    fn every_catalogued_data_model_has_a_body_schema() {
        for model in data_models() {
            assert!(SCHEMAS.iter().any(|(name, _)| *name == model), "{model}");
        }
    }

    #[test]
    fn file_fields_are_declared_with_their_encoding_field() {
        let Some(notes) = compiled("Notes") else {
            panic!("Notes schema")
        };
        let note = notes
            .declared
            .properties
            .iter()
            .find(|(n, _)| n == "Note")
            .and_then(|(_, d)| d.properties.iter().find(|(n, _)| n == "FileContents"))
            .and_then(|(_, d)| d.here.clone());
        assert_eq!(
            note,
            Some(Declaration::File {
                when: Some(("ContentType".into(), vec!["Base64 Encoded".into()]))
            })
        );
    }

    #[test]
    fn uri_is_told_from_base64_by_its_syntax_not_its_first_letters() {
        assert!(is_absolute_uri("https://blob.example.test/upload/abc"));
        assert!(is_absolute_uri("urn:uuid:0e2c-synthetic"));
        // Valid base64 that begins with `http`: a file, not a link.
        assert!(!is_absolute_uri("aHR0cHM6Ly9leGFtcGxl"));
        assert!(!is_absolute_uri("httpAAAA"));
        assert!(!is_absolute_uri("1abc:def"));
        assert!(!is_absolute_uri("https:"));
        assert!(!is_absolute_uri("https://a b"));
    }

    #[test]
    fn midnight_shape_is_recognised_only_for_zero_times() {
        assert!(invented_midnight("1980-01-01T00:00:00.000Z"));
        assert!(invented_midnight("1980-01-01T00:00-05:00"));
        assert!(!invented_midnight("1980-01-01"));
        assert!(!invented_midnight("1980-01-01T00:00:01Z"));
    }
}
