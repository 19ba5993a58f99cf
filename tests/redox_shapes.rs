//! The Redox body walker (`src/json/shape.rs`) against the reference: for documents
//! generated from every body schema, half following it and half breaking it at random
//! places, the engine reports `REDOX_SCHEMA_VIOLATION` exactly when jsonschema (JSON
//! Schema 2020-12) finds the body invalid, and at the same instance paths.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::collections::BTreeSet;
use std::path::Path;

use payload_triage::{Context, Engine, TrafficType};
use serde_json::{json, Map, Value};

/// A small deterministic generator (xorshift64*), so a failure is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn schemas_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/redox")
}

/// A body schema with the shared `$defs` merged in, as the crate compiles it.
fn merged(model: &str) -> Value {
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(schemas_dir().join(name)).unwrap()).unwrap()
    };
    let mut schema = read(&format!("{model}.json"));
    let common = read("common.json");
    schema
        .as_object_mut()
        .unwrap()
        .insert("$defs".into(), common["$defs"].clone());
    schema
}

fn resolve<'s>(root: &'s Value, schema: &'s Value) -> &'s Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &root["$defs"][r.trim_start_matches("#/$defs/")],
        None => schema,
    }
}

/// Any JSON value, small.
fn junk(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => json!(rng.below(1000)),
        3 => json!(1.5),
        4 => json!("text"),
        5 => Value::Array((0..rng.below(3)).map(|_| junk(rng, depth + 1)).collect()),
        _ => {
            let mut map = Map::new();
            for i in 0..rng.below(3) {
                map.insert(format!("k{i}"), junk(rng, depth + 1));
            }
            Value::Object(map)
        }
    }
}

/// A value for `schema`: mostly following it, sometimes breaking it (`break_percent`).
fn generate(root: &Value, schema: &Value, rng: &mut Rng, depth: u32, break_percent: u64) -> Value {
    if depth > 8 || rng.chance(break_percent) {
        return junk(rng, depth);
    }
    let own = schema;
    let schema = resolve(root, schema);
    // allOf members and a $ref's target both constrain: follow the one with properties.
    let schema = schema
        .get("allOf")
        .and_then(|all| all.as_array())
        .and_then(|all| all.first())
        .map(|first| resolve(root, first))
        .filter(|_| own.get("properties").is_none() && schema.get("properties").is_none())
        .unwrap_or(schema);
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["object", "string"],
    };
    let properties = schema
        .get("properties")
        .or_else(|| own.get("properties"))
        .and_then(Value::as_object);
    let pick = types[rng.below(types.len() as u64) as usize];
    match pick {
        "object" => {
            let mut map = Map::new();
            let required: BTreeSet<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(properties) = properties {
                for (name, sub) in properties {
                    let keep = if required.contains(name.as_str()) {
                        !rng.chance(break_percent)
                    } else {
                        rng.chance(40)
                    };
                    if keep {
                        map.insert(
                            name.clone(),
                            generate(root, sub, rng, depth + 1, break_percent),
                        );
                    }
                }
            }
            if rng.chance(20) {
                map.insert("Unlisted".into(), junk(rng, depth + 1));
            }
            Value::Object(map)
        }
        "array" => {
            let items = schema.get("items").cloned().unwrap_or(json!(true));
            Value::Array(
                (0..rng.below(3))
                    .map(|_| generate(root, &items, rng, depth + 1, break_percent))
                    .collect(),
            )
        }
        "string" => {
            json!(["2024-03-12T08:30:15.000Z", "2024-03-12", "x", ""][rng.below(4) as usize])
        }
        "number" => json!([json!(3), json!(2.25), json!(-7)][rng.below(3) as usize]),
        "integer" => json!(4),
        "boolean" => Value::Bool(rng.chance(50)),
        _ => Value::Null,
    }
}

/// Every data model and its first event type, from the catalogue.
fn models() -> Vec<(String, String)> {
    let catalogue: Value = serde_json::from_str(
        &std::fs::read_to_string(schemas_dir().join("catalogue.json")).unwrap(),
    )
    .unwrap();
    let models = catalogue
        .get("dataModels")
        .and_then(Value::as_object)
        .unwrap_or_else(|| catalogue.as_object().unwrap());
    models
        .iter()
        .filter(|(model, _)| schemas_dir().join(format!("{model}.json")).exists())
        .map(|(model, events)| {
            let event = events.as_object().unwrap().keys().next().unwrap().clone();
            (model.clone(), event)
        })
        .collect()
}

/// JSON Pointer of a jsonschema error's instance, as the engine writes paths.
fn paths_of(validator: &jsonschema::Validator, doc: &Value) -> BTreeSet<String> {
    validator
        .iter_errors(doc)
        .map(|e| e.instance_path().as_str().to_owned())
        .collect()
}

#[test]
fn every_verdict_and_path_equals_jsonschema_on_generated_documents() {
    let engine = Engine::default();
    let ctx = Context::new().with_hint(TrafficType::RedoxApi);
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut compared = 0;
    let mut invalid = 0;
    let models = models();
    assert!(models.len() >= 24, "{} models with schemas", models.len());
    for (model, event) in &models {
        let schema = merged(model);
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .unwrap();
        for round in 0..120 {
            let break_percent = if round % 2 == 0 { 0 } else { 8 };
            let mut doc = generate(&schema, &schema, &mut rng, 0, break_percent);
            if !doc.is_object() {
                doc = json!({});
            }
            doc["Meta"] = json!({
                "DataModel": model, "EventType": event, "Test": true,
                "Destinations": [{"ID": "d", "Name": "n"}]
            });
            let text = serde_json::to_string(&doc).unwrap();
            let report = engine.validate(text.as_bytes(), &ctx);
            let ours: BTreeSet<String> = report
                .diagnostics
                .iter()
                .filter(|d| d.code == "REDOX_SCHEMA_VIOLATION")
                .map(|d| d.path.clone())
                .collect();
            let theirs = paths_of(&validator, &doc);
            assert_eq!(
                ours.is_empty(),
                validator.is_valid(&doc),
                "{model}: verdicts differ on {text}"
            );
            assert_eq!(ours, theirs, "{model}: paths differ on {text}");
            compared += 1;
            invalid += usize::from(!ours.is_empty());
        }
    }
    // Both kinds were really compared.
    assert!(
        invalid > compared / 5 && invalid < compared,
        "{invalid} of {compared} invalid"
    );
    eprintln!("{invalid} of {compared} generated documents invalid");
}

#[test]
fn members_the_schema_does_not_name_cost_no_schema_check() {
    // A million numbers under an unlisted member: no diagnostic, and nothing copied.
    let engine = Engine::default();
    let numbers = vec!["7"; 1_000_000].join(",");
    let text = format!(
        r#"{{"Meta":{{"DataModel":"PatientAdmin","EventType":"Arrival","Test":true,
            "Destinations":[{{"ID":"d"}}]}},"Patient":{{"Identifiers":[],"Demographics":{{}}}},
            "Unlisted":[{numbers}]}}"#
    );
    let report = engine.validate(text.as_bytes(), &Context::new());
    assert!(report.is_valid(), "{:?}", report.diagnostics);
}
