//! The Redox body schemas compiled into a walker over our own JSON tree, so a body is
//! checked without copying the document into a second tree (issue 15, item 4; issue 14,
//! memory per value).
//!
//! Our schemas (`schemas/redox/`) use a small part of JSON Schema 2020-12, and this
//! module implements exactly that part, with its meaning in the specification:
//!
//! - `type`, a name or a list of names (JSON Schema Validation 2020-12, section 6.1.1;
//!   `number` includes integers, `integer` is a number with no fractional part);
//! - `required` (section 6.5.3): each name is a member of the object;
//! - `properties` (JSON Schema Core 2020-12, section 10.3.2.1): each member named there
//!   is valid against its subschema. Members not named are not looked at: no schema of
//!   ours sets `additionalProperties`, so they are allowed and cost nothing, however
//!   large;
//! - `items` (section 10.3.1.2): every item is valid against the subschema;
//! - `allOf` (section 10.2.1.1) and a local `$ref` (`#/$defs/Name`, section 8.2.3.1),
//!   which applies beside its sibling keywords.
//!
//! Annotations (`$comment`, `x-datetime`, `x-embedded`) do not validate. A keyword
//! outside this set makes compilation fail (a test compiles every schema), so a schema
//! can never silently ask for a check this walker does not make. Where the same member
//! appears twice, the last one is checked, as a JSON reader that keeps the last one
//! sees it (the duplicate itself is `JSON_DUPLICATE_KEY`). `tests/redox_shapes.rs`
//! checks that every verdict equals jsonschema's on generated documents.

use std::collections::HashMap;

use serde_json::Value as Schema;

use super::parse::{Str, Value};
use super::pointer::Pointer;
use super::{codes, Walk};

const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const NUMBER: u8 = 4;
const INTEGER: u8 = 8;
const STRING: u8 = 16;
const ARRAY: u8 = 32;
const OBJECT: u8 = 64;

/// The type names, in the order messages list them.
const TYPE_NAMES: [(u8, &str); 7] = [
    (OBJECT, "object"),
    (ARRAY, "array"),
    (STRING, "string"),
    (NUMBER, "number"),
    (INTEGER, "integer"),
    (BOOLEAN, "boolean"),
    (NULL, "null"),
];

/// One compiled (sub)schema.
#[derive(Debug, Default)]
struct Node {
    /// Allowed types; 0 allows any.
    types: u8,
    /// The message for a value of another type (built once).
    type_message: String,
    required: Vec<String>,
    /// Members with a subschema, sorted by name.
    properties: Vec<(String, usize)>,
    /// Some name in `properties` holds a backslash, so a key must be decoded before it
    /// is looked up (otherwise a key as written, when it is found, is the name).
    backslash_in_names: bool,
    items: Option<usize>,
    /// Subschemas that apply too (`$ref`, `allOf`).
    all: Vec<usize>,
}

/// A compiled body schema: node 0 is the root.
#[derive(Debug)]
pub(super) struct Shape {
    nodes: Vec<Node>,
}

impl Shape {
    /// Compiles `schema` (a body schema with the shared `$defs` merged in). `None` when
    /// it uses a keyword this walker does not implement or a reference it cannot find.
    pub(super) fn compile(schema: &Schema) -> Option<Shape> {
        let mut compiler = Compiler {
            root: schema,
            nodes: Vec::new(),
            refs: HashMap::new(),
        };
        compiler.node(schema, 0)?;
        Some(Shape {
            nodes: compiler.nodes,
        })
    }

    /// Checks `value` against the schema and reports each violation as
    /// `REDOX_SCHEMA_VIOLATION` at its instance path. No value from the payload is
    /// quoted; member names in messages are the schema's.
    pub(super) fn check(&self, value: &Value<'_>, walk: &mut Walk<'_, '_>) {
        let mut ptr = Pointer::new();
        let mut chosen = Vec::new();
        self.check_node(0, value, &mut ptr, walk, &mut chosen);
    }

    fn check_node(
        &self,
        index: usize,
        value: &Value<'_>,
        ptr: &mut Pointer,
        walk: &mut Walk<'_, '_>,
        // (member, property) pairs of the objects being checked, one stretch per level
        // of the walk: one vector for the whole document, not two per object.
        chosen: &mut Vec<(usize, usize)>,
    ) {
        let Some(node) = self.nodes.get(index) else {
            return;
        };
        if walk.emit.should_stop() {
            return;
        }
        for &other in &node.all {
            self.check_node(other, value, ptr, walk, chosen);
        }
        if node.types != 0 && node.types & type_of(value) == 0 {
            walk.emit.add(
                &codes::REDOX_SCHEMA_VIOLATION,
                || ptr.as_str().to_owned(),
                node.type_message.as_str(),
            );
            return;
        }
        match value {
            Value::Object(members) => {
                for name in &node.required {
                    if value.get(name).is_none() {
                        walk.emit.add(
                            &codes::REDOX_SCHEMA_VIOLATION,
                            || ptr.as_str().to_owned(),
                            || format!("the required member \"{name}\" is missing"),
                        );
                    }
                }
                if node.properties.is_empty() {
                    return;
                }
                let start = chosen.len();
                choose(node, members, chosen);
                // In document order. Deeper levels push past `end` and cut back to it.
                let end = chosen.len();
                for k in (start..end).rev() {
                    let Some(&(at, p)) = chosen.get(k) else {
                        continue;
                    };
                    let (Some((key, member)), Some((_, sub))) =
                        (members.get(at), node.properties.get(p))
                    else {
                        continue;
                    };
                    ptr.push_key_raw(key);
                    self.check_node(*sub, member, ptr, walk, chosen);
                    ptr.pop();
                }
                chosen.truncate(start);
            }
            Value::Array(items) => {
                if let Some(sub) = node.items {
                    for (i, item) in items.iter().enumerate() {
                        if walk.emit.should_stop() {
                            return;
                        }
                        ptr.push_index(i);
                        self.check_node(sub, item, ptr, walk, chosen);
                        ptr.pop();
                    }
                }
            }
            _ => {}
        }
    }
}

/// Pushes onto `chosen`, from the last member back, a (member, property) pair for the
/// last occurrence of each member `node` names (a repeated key is reported by the
/// parser; the value checked is the last, as most JSON readers keep).
fn choose(node: &Node, members: &[(Str<'_>, Value<'_>)], chosen: &mut Vec<(usize, usize)>) {
    let start = chosen.len();
    // Properties already chosen: a bit each for the first 64, and a look through this
    // object's own pairs for the rest (at most the schema's count of properties).
    let mut seen = 0u64;
    for (at, (key, _)) in members.iter().enumerate().rev() {
        // The key as written first: where no declared name holds a backslash, a key
        // found as written is that name (an escaped key holds one), and only a key not
        // found that way is decoded and looked up again.
        let find = |name: &str| {
            node.properties
                .binary_search_by(|(n, _)| n.as_str().cmp(name))
        };
        let found = if node.backslash_in_names {
            find(&key.value())
        } else {
            match find(key.raw) {
                Ok(p) => Ok(p),
                Err(_) if key.escaped() => find(&key.value()),
                Err(e) => Err(e),
            }
        };
        let Ok(p) = found else {
            continue;
        };
        let already = match u32::try_from(p).ok().and_then(|b| 1u64.checked_shl(b)) {
            Some(bit) => {
                let had = seen & bit != 0;
                seen |= bit;
                had
            }
            None => chosen
                .get(start..)
                .is_some_and(|mine| mine.iter().any(|&(_, q)| q == p)),
        };
        if !already {
            chosen.push((at, p));
        }
    }
}

/// The type bits a value has (a number with no fractional part is also an integer).
fn type_of(value: &Value<'_>) -> u8 {
    match value {
        Value::Null => NULL,
        Value::Bool(_) => BOOLEAN,
        Value::Number(raw) => {
            let integral = !raw.contains(['.', 'e', 'E'])
                || raw
                    .parse::<f64>()
                    .is_ok_and(|f| f.is_finite() && f.fract() == 0.0);
            if integral {
                NUMBER | INTEGER
            } else {
                NUMBER
            }
        }
        Value::String(_) => STRING,
        Value::Array(_) => ARRAY,
        Value::Object(_) => OBJECT,
    }
}

struct Compiler<'s> {
    root: &'s Schema,
    nodes: Vec<Node>,
    /// `$defs` names already compiled, to their node.
    refs: HashMap<&'s str, usize>,
}

impl<'s> Compiler<'s> {
    fn node(&mut self, schema: &'s Schema, depth: usize) -> Option<usize> {
        if depth > 64 {
            return None;
        }
        let index = self.nodes.len();
        self.nodes.push(Node::default());
        let mut node = Node::default();
        let object = match schema {
            Schema::Bool(true) => return Some(index),
            Schema::Object(object) => object,
            _ => return None,
        };
        for (keyword, value) in object {
            match keyword.as_str() {
                "$schema" | "$id" | "$comment" | "$defs" | "x-datetime" | "x-embedded" => {}
                "type" => {
                    let names: Vec<&str> = match value {
                        Schema::String(name) => vec![name.as_str()],
                        Schema::Array(names) => {
                            names.iter().map(Schema::as_str).collect::<Option<_>>()?
                        }
                        _ => return None,
                    };
                    for name in names {
                        let bit = TYPE_NAMES.iter().find(|(_, n)| *n == name)?.0;
                        // `number` includes the integers.
                        node.types |= if bit == NUMBER { NUMBER | INTEGER } else { bit };
                    }
                    let listed: Vec<&str> = TYPE_NAMES
                        .iter()
                        .filter(|(bit, _)| {
                            node.types & bit != 0 && !(*bit == INTEGER && node.types & NUMBER != 0)
                        })
                        .map(|(_, name)| *name)
                        .collect();
                    node.type_message = match listed.as_slice() {
                        [one] => format!("the value is not of type {one}"),
                        many => format!("the value is not of one of the types {}", many.join(", ")),
                    };
                }
                "required" => {
                    node.required = value
                        .as_array()?
                        .iter()
                        .map(|n| n.as_str().map(str::to_owned))
                        .collect::<Option<_>>()?;
                }
                "properties" => {
                    for (name, sub) in value.as_object()? {
                        let sub = self.node(sub, depth + 1)?;
                        node.properties.push((name.clone(), sub));
                    }
                    node.properties.sort_by(|a, b| a.0.cmp(&b.0));
                    node.backslash_in_names =
                        node.properties.iter().any(|(name, _)| name.contains('\\'));
                }
                "items" => node.items = Some(self.node(value, depth + 1)?),
                "allOf" => {
                    for sub in value.as_array()? {
                        let sub = self.node(sub, depth + 1)?;
                        node.all.push(sub);
                    }
                }
                "$ref" => {
                    let name = value.as_str()?.strip_prefix("#/$defs/")?;
                    let target = match self.refs.get(name) {
                        Some(&target) => target,
                        None => {
                            let definition = self.root.get("$defs")?.get(name)?;
                            // Registered before compiling, so a recursive reference
                            // resolves to the node being built.
                            let target = self.nodes.len();
                            self.refs.insert(name, target);
                            let built = self.node(definition, depth + 1)?;
                            debug_assert_eq!(built, target);
                            target
                        }
                    };
                    node.all.push(target);
                }
                // A keyword this walker does not implement: refuse the schema.
                _ => return None,
            }
        }
        if let Some(slot) = self.nodes.get_mut(index) {
            *slot = node;
        }
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node naming `count` properties `p00`, `p01`, … (sorted), property i → node i.
    fn node_of(count: usize) -> Node {
        Node {
            properties: (0..count).map(|i| (format!("p{i:02}"), i)).collect(),
            ..Node::default()
        }
    }

    /// The pairs a plain reading gives: the last member of each named property, from
    /// the last member back.
    fn expected(node: &Node, members: &[(Str<'_>, Value<'_>)]) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (at, (key, _)) in members.iter().enumerate().rev() {
            let name = key.value();
            if let Some(p) = node.properties.iter().position(|(n, _)| *n == name) {
                if !out.iter().any(|&(_, q)| q == p) {
                    out.push((at, p));
                }
            }
        }
        out
    }

    #[test]
    fn the_last_occurrence_of_each_named_member_is_chosen_past_64_properties_too() {
        // p01 and p69 repeat (p69 lies past the 64 bits of the fast path), one key is
        // escaped (`p\u0037\u0030` is p70), and `x` is not named.
        let text = r#"{"p69": 1, "x": 2, "p01": 3, "p\u0037\u0030": 4, "p69": 5, "p01": 6, "p00": 7, "p69": 8}"#;
        let parsed = match super::super::parse::parse(text, 8) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        let Value::Object(members) = &parsed.value else {
            panic!("not an object")
        };
        for count in [2, 64, 71] {
            let node = node_of(count);
            let mut chosen = vec![(99, 99)]; // an outer level's pair stays untouched
            choose(&node, members, &mut chosen);
            let mut want = vec![(99, 99)];
            want.extend(expected(&node, members));
            assert_eq!(chosen, want, "{count} properties");
        }
        // With 71 properties: p69 from its last member (7), p00 (6), p01 (5), p70 (3).
        let mut chosen = Vec::new();
        choose(&node_of(71), members, &mut chosen);
        assert_eq!(chosen, vec![(7, 69), (6, 0), (5, 1), (3, 70)]);
    }
}
