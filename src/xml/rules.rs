//! Structure rules kept as data, compiled into a path matcher that runs in the reader's
//! single streaming pass.
//!
//! The rule files (`schemas/carequality/*.rules`, `schemas/cda/*.rules`) use a small
//! line format of our own; `#` starts a comment, and every rule cites its source there.
//!
//! ```text
//! ruleset <id> <IHE|CDA>                        a named set; codes take the family prefix
//! element <path> <min>..<max|*>                 occurrences per instance of the parent
//! attribute <path>/@<name> required|optional [<pattern>]
//! text <path> <pattern>                         the element's text must match
//! when <path>/@<name> = <value>                 the following rules apply only if seen
//! always                                        end of a `when` block
//! transaction <ITI-n> <request|response> <pattern> <wsa:Action> <body-ns> <body-local> <ruleset>
//! datetime ts-element <local>|<parent>/<local>  HL7 v3 TS: @value, and low/high/center
//! datetime ts-type <xsi:type>                   any element of that xsi:type is a TS
//! datetime calendar-date <local>|<parent>/<local>  a TS element that means a calendar
//!                                               date (birth, death): a time never moves it
//! datetime slot <name>                          ebRIM Slot value, UTC by definition
//! datetime text <parent>/<local> iso8601        element text is xs:dateTime
//! datetime attribute <element>/@<name> iso8601  attribute is xs:dateTime
//! fragment-root <local>                         a CDA element a snippet may start with
//! ```
//!
//! Paths are absolute location paths of local names (namespaces are checked by the code
//! that recognises documents and transactions); a step may carry one predicate
//! `[@name='value']`. Patterns: `oid`, `uuid`, `urn-uuid`, `urn-oid`, `ii-root` (OID or
//! UUID), `ts`, `nonempty`, `one-of:a|b|c`.
//!
//! The matcher keeps, for every open element, the rule nodes it matches (usually none:
//! below the ruled header the cost is one empty check per element), counts children per
//! node instance, and checks counts when the instance closes. Violations are tagged with
//! their rule set and condition and filtered at the end, so rules for a transaction can
//! be matched before the transaction is known.

use crate::codes::Code;

use super::codes;

/// Which code family a rule set reports with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// IHE transactions (`IHE_*`).
    Ihe,
    /// CDA documents (`CDA_*`).
    Cda,
}

/// A lexical pattern a value must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// ISO/IEC 8824 OID in dotted-decimal form (as HL7 v3 II.root and XDS use it).
    Oid,
    /// RFC 4122 UUID, bare.
    Uuid,
    /// `urn:uuid:` followed by a UUID (RFC 4122 section 3).
    UrnUuid,
    /// `urn:oid:` followed by an OID (RFC 3061), as XCA homeCommunityId.
    UrnOid,
    /// An OID or a UUID (HL7 v3 II.root, CDA R2 data types).
    IiRoot,
    /// HL7 v3 TS lexical form: `YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+-ZZZZ]`.
    Ts,
    /// Not empty after trimming.
    NonEmpty,
    /// One of a fixed list.
    OneOf(Vec<String>),
}

impl Pattern {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "oid" => Pattern::Oid,
            "uuid" => Pattern::Uuid,
            "urn-uuid" => Pattern::UrnUuid,
            "urn-oid" => Pattern::UrnOid,
            "ii-root" => Pattern::IiRoot,
            "ts" => Pattern::Ts,
            "nonempty" => Pattern::NonEmpty,
            _ => match text.strip_prefix("one-of:") {
                Some(list) => Pattern::OneOf(list.split('|').map(str::to_owned).collect()),
                None => return Err(format!("unknown pattern `{text}`")),
            },
        })
    }

    /// The pattern's name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Pattern::Oid => "an OID",
            Pattern::Uuid => "a UUID",
            Pattern::UrnUuid => "a urn:uuid",
            Pattern::UrnOid => "a urn:oid",
            Pattern::IiRoot => "an OID or UUID",
            Pattern::Ts => "an HL7 v3 TS",
            Pattern::NonEmpty => "a non-empty value",
            Pattern::OneOf(_) => "one of the allowed values",
        }
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        let value = value.trim();
        match self {
            Pattern::Oid => is_oid(value),
            Pattern::Uuid => is_uuid(value),
            Pattern::UrnUuid => value.strip_prefix("urn:uuid:").is_some_and(is_uuid),
            Pattern::UrnOid => value.strip_prefix("urn:oid:").is_some_and(is_oid),
            Pattern::IiRoot => is_oid(value) || is_uuid(value),
            Pattern::Ts => is_ts(value),
            Pattern::NonEmpty => !value.is_empty(),
            Pattern::OneOf(list) => list.iter().any(|v| v == value),
        }
    }
}

/// ITU-T X.660 / ISO 8824 dotted decimal: first arc 0–2, no leading zeros, at least two
/// arcs (HL7 v3 Data Types R1 section 2.17.5.1 restricts roots to this form).
pub fn is_oid(value: &str) -> bool {
    let mut arcs = 0;
    for (i, arc) in value.split('.').enumerate() {
        let digits = !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit());
        if !digits
            || (arc.len() > 1 && arc.starts_with('0'))
            || (i == 0 && !matches!(arc, "0" | "1" | "2"))
        {
            return false;
        }
        arcs += 1;
    }
    arcs >= 2 && value.len() <= 64
}

/// RFC 4122 section 3: 8-4-4-4-12 hexadecimal digits.
pub fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// HL7 v3 TS lexical shape (Data Types R1 section 2.24.6.2); the datetime engine judges
/// whether the value is a real instant.
pub fn is_ts(value: &str) -> bool {
    let (main, zone) = match value.find(['+', '-']) {
        Some(at) => (value.get(..at).unwrap_or_default(), value.get(at + 1..)),
        None => (value, None),
    };
    let (digits, fraction) = match main.split_once('.') {
        Some((d, f)) => (d, Some(f)),
        None => (main, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    all_digits(digits)
        && matches!(digits.len(), 4 | 6 | 8 | 10 | 12 | 14)
        && fraction
            .is_none_or(|f| !f.is_empty() && f.len() <= 9 && all_digits(f) && digits.len() == 14)
        && zone.is_none_or(|z| z.len() == 4 && all_digits(z))
}

/// One step of a rule path: a local name and an optional `[@attr='value']` predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    local: String,
    predicate: Option<(String, String)>,
}

impl Step {
    fn parse(text: &str) -> Result<Self, String> {
        match text.split_once('[') {
            None => Ok(Step {
                local: text.to_owned(),
                predicate: None,
            }),
            Some((local, rest)) => {
                let inner = rest
                    .strip_suffix(']')
                    .and_then(|r| r.strip_prefix('@'))
                    .ok_or_else(|| format!("bad predicate in `{text}`"))?;
                let (name, value) = inner
                    .split_once('=')
                    .ok_or_else(|| format!("bad predicate in `{text}`"))?;
                let value = value.trim_matches('\'');
                Ok(Step {
                    local: local.to_owned(),
                    predicate: Some((name.to_owned(), value.to_owned())),
                })
            }
        }
    }

    /// The step as written in a diagnostic path (predicates are not part of the path
    /// syntax, so only the name is written).
    fn label(&self) -> &str {
        &self.local
    }
}

#[derive(Debug, Clone)]
struct AttrRule {
    name: String,
    required: bool,
    pattern: Option<Pattern>,
    condition: Option<usize>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    step: Option<Step>,
    children: Vec<usize>,
    /// (min, max, condition) of this node's occurrences per parent instance; one entry
    /// per rule, since conditional blocks may constrain the same element differently.
    count: Vec<(u32, Option<u32>, Option<usize>)>,
    attrs: Vec<AttrRule>,
    text: Option<(Pattern, Option<usize>)>,
    /// Conditions decided by this node's attribute values: (condition, attribute).
    decides: Vec<(usize, String)>,
}

#[derive(Debug, Clone)]
struct Condition {
    value: String,
}

/// A compiled rule set.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// Its name, as transactions and documents refer to it.
    pub id: String,
    /// Which codes it reports with.
    pub family: Family,
    nodes: Vec<Node>,
    conditions: Vec<Condition>,
}

/// One IHE transaction message as the schema defines it.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// `ITI-38`, ...
    pub id: String,
    /// Request or response.
    pub response: bool,
    /// query, retrieve or writeback.
    pub pattern: String,
    /// The wsa:Action URI.
    pub action: String,
    /// Namespace of the first Body child.
    pub body_ns: String,
    /// Local name of the first Body child.
    pub body_local: String,
    /// The rule set its body follows.
    pub ruleset: String,
}

/// Which syntax an xs:dateTime-like field uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtSyntax {
    /// HL7 v3 TS.
    Ts,
    /// ISO 8601 / xs:dateTime.
    Iso8601,
}

/// Everything the schema files say.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Rule sets by id.
    pub sets: Vec<RuleSet>,
    /// IHE transactions.
    pub transactions: Vec<Transaction>,
    /// HL7 v3 elements whose `@value` is a TS, by local name.
    pub ts_elements: Vec<String>,
    /// The same, where only a given parent makes it a TS: (parent, local).
    pub ts_scoped: Vec<(String, String)>,
    /// TS elements whose meaning is a calendar date, as (parent or `""`, local).
    pub calendar_dates: Vec<(String, String)>,
    /// `xsi:type` values (local part) that make any element a TS (`value xsi:type="TS"`).
    pub ts_types: Vec<String>,
    /// ebRIM slot names whose values are UTC datetimes.
    pub slots: Vec<String>,
    /// (parent, local, syntax) of text datetimes.
    pub text_datetimes: Vec<(String, String, DtSyntax)>,
    /// (element, attribute, syntax) of attribute datetimes.
    pub attr_datetimes: Vec<(String, String, DtSyntax)>,
    /// Local names a CDA snippet may start with.
    pub fragment_roots: Vec<String>,
}

fn parse_path(text: &str) -> Result<Vec<Step>, String> {
    let rest = text
        .strip_prefix('/')
        .ok_or_else(|| format!("path `{text}` must start with /"))?;
    rest.split('/').map(Step::parse).collect()
}

fn split_attr_path(text: &str) -> Result<(Vec<Step>, String), String> {
    let (path, attr) = text
        .rsplit_once("/@")
        .ok_or_else(|| format!("`{text}` does not end in /@name"))?;
    Ok((parse_path(path)?, attr.to_owned()))
}

impl RuleSet {
    fn new(id: &str, family: Family) -> Self {
        RuleSet {
            id: id.to_owned(),
            family,
            nodes: vec![Node::default()],
            conditions: Vec::new(),
        }
    }

    /// The node for `path`, created as needed.
    fn node(&mut self, path: &[Step]) -> usize {
        let mut at = 0;
        for step in path {
            let found = self.nodes.get(at).and_then(|n| {
                n.children
                    .iter()
                    .copied()
                    .find(|&c| self.nodes.get(c).and_then(|n| n.step.as_ref()) == Some(step))
            });
            at = match found {
                Some(c) => c,
                None => {
                    let index = self.nodes.len();
                    self.nodes.push(Node {
                        step: Some(step.clone()),
                        ..Node::default()
                    });
                    if let Some(parent) = self.nodes.get_mut(at) {
                        parent.children.push(index);
                    }
                    index
                }
            };
        }
        at
    }
}

impl Schema {
    /// Parses rule files; `name` is used in error messages.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), String> {
        let mut current: Option<RuleSet> = None;
        let mut condition: Option<usize> = None;
        for (number, line) in text.lines().enumerate() {
            let line = line.split(" #").next().unwrap_or_default().trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |m: String| format!("{name}:{}: {m}", number + 1);
            let words: Vec<&str> = line.split_whitespace().collect();
            let word = |i: usize| {
                words
                    .get(i)
                    .copied()
                    .ok_or_else(|| err(format!("missing field {i}")))
            };
            fn set(current: &mut Option<RuleSet>, line: usize) -> Result<&mut RuleSet, String> {
                current
                    .as_mut()
                    .ok_or_else(|| format!("line {line}: rule outside a ruleset"))
            }
            match word(0)? {
                "ruleset" => {
                    if let Some(done) = current.take() {
                        self.sets.push(done);
                    }
                    let family = match word(2)? {
                        "IHE" => Family::Ihe,
                        "CDA" => Family::Cda,
                        other => return Err(err(format!("unknown family `{other}`"))),
                    };
                    current = Some(RuleSet::new(word(1)?, family));
                    condition = None;
                }
                "element" => {
                    let path = parse_path(word(1)?).map_err(err)?;
                    let (min, max) = word(2)?
                        .split_once("..")
                        .ok_or_else(|| err("expected min..max".into()))?;
                    let min: u32 = min.parse().map_err(|_| err("bad min".into()))?;
                    let max = match max {
                        "*" => None,
                        m => Some(m.parse().map_err(|_| err("bad max".into()))?),
                    };
                    let set = set(&mut current, number + 1)?;
                    let node = set.node(&path);
                    if let Some(n) = set.nodes.get_mut(node) {
                        n.count.push((min, max, condition));
                    }
                }
                "attribute" => {
                    let (path, attr) = split_attr_path(word(1)?).map_err(err)?;
                    let required = match word(2)? {
                        "required" => true,
                        "optional" => false,
                        other => {
                            return Err(err(format!("expected required|optional, got `{other}`")))
                        }
                    };
                    let pattern = match words.get(3) {
                        Some(p) => Some(Pattern::parse(p).map_err(err)?),
                        None => None,
                    };
                    let set = set(&mut current, number + 1)?;
                    let node = set.node(&path);
                    if let Some(n) = set.nodes.get_mut(node) {
                        n.attrs.push(AttrRule {
                            name: attr,
                            required,
                            pattern,
                            condition,
                        });
                    }
                }
                "text" => {
                    let path = parse_path(word(1)?).map_err(err)?;
                    let pattern = Pattern::parse(word(2)?).map_err(err)?;
                    let set = set(&mut current, number + 1)?;
                    let node = set.node(&path);
                    if let Some(n) = set.nodes.get_mut(node) {
                        n.text = Some((pattern, condition));
                    }
                }
                "when" => {
                    let (path, attr) = split_attr_path(word(1)?).map_err(err)?;
                    if word(2)? != "=" {
                        return Err(err("expected `=`".into()));
                    }
                    let value = word(3)?.to_owned();
                    let set = set(&mut current, number + 1)?;
                    let node = set.node(&path);
                    let index = set.conditions.len();
                    set.conditions.push(Condition { value });
                    if let Some(n) = set.nodes.get_mut(node) {
                        n.decides.push((index, attr));
                    }
                    condition = Some(index);
                }
                "always" => condition = None,
                "transaction" => self.transactions.push(Transaction {
                    id: word(1)?.to_owned(),
                    response: match word(2)? {
                        "request" => false,
                        "response" => true,
                        other => {
                            return Err(err(format!("expected request|response, got `{other}`")))
                        }
                    },
                    pattern: word(3)?.to_owned(),
                    action: word(4)?.to_owned(),
                    body_ns: word(5)?.to_owned(),
                    body_local: word(6)?.to_owned(),
                    ruleset: word(7)?.to_owned(),
                }),
                "datetime" => match word(1)? {
                    "ts-element" => match word(2)?.split_once('/') {
                        Some((parent, local)) => {
                            self.ts_scoped.push((parent.to_owned(), local.to_owned()))
                        }
                        None => self.ts_elements.push(word(2)?.to_owned()),
                    },
                    "calendar-date" => {
                        let (parent, local) = word(2)?.split_once('/').unwrap_or(("", word(2)?));
                        self.calendar_dates
                            .push((parent.to_owned(), local.to_owned()));
                    }
                    "slot" => self.slots.push(word(2)?.to_owned()),
                    "ts-type" => self.ts_types.push(word(2)?.to_owned()),
                    kind @ ("text" | "attribute") => {
                        let syntax = match word(3)? {
                            "iso8601" => DtSyntax::Iso8601,
                            "ts" => DtSyntax::Ts,
                            other => return Err(err(format!("unknown syntax `{other}`"))),
                        };
                        let target = word(2)?;
                        if kind == "text" {
                            let (parent, local) = target
                                .split_once('/')
                                .ok_or_else(|| err("expected parent/local".into()))?;
                            self.text_datetimes
                                .push((parent.to_owned(), local.to_owned(), syntax));
                        } else {
                            let (element, attr) = target
                                .split_once("/@")
                                .ok_or_else(|| err("expected element/@attr".into()))?;
                            self.attr_datetimes
                                .push((element.to_owned(), attr.to_owned(), syntax));
                        }
                    }
                    other => return Err(err(format!("unknown datetime kind `{other}`"))),
                },
                "fragment-root" => self.fragment_roots.push(word(1)?.to_owned()),
                other => return Err(err(format!("unknown directive `{other}`"))),
            }
        }
        if let Some(done) = current.take() {
            self.sets.push(done);
        }
        Ok(())
    }

    /// The index of the rule set named `id`.
    pub fn set_index(&self, id: &str) -> Option<usize> {
        self.sets.iter().position(|s| s.id == id)
    }
}

/// What kind of rule a violation broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// Fewer occurrences than the minimum.
    Missing,
    /// More occurrences than the maximum.
    Repeated,
    /// A required attribute is absent.
    AttributeMissing,
    /// A value does not match its pattern.
    Value,
}

/// One broken rule, waiting for the end of the pass to know whether its set applies.
#[derive(Debug, Clone)]
pub struct Violation {
    set: usize,
    condition: Option<usize>,
    /// What was broken.
    pub broken: Broken,
    /// Where.
    pub path: String,
    /// Which rule, in words (names and numbers from the rule, never payload values).
    pub message: String,
}

impl Violation {
    /// The code it is reported with.
    pub fn code(&self, family: Family) -> &'static Code {
        match (family, self.broken) {
            (Family::Ihe, Broken::Missing) => &codes::IHE_ELEMENT_MISSING,
            (Family::Ihe, Broken::Repeated) => &codes::IHE_ELEMENT_REPEATED,
            (Family::Ihe, Broken::AttributeMissing) => &codes::IHE_ATTRIBUTE_MISSING,
            (Family::Ihe, Broken::Value) => &codes::IHE_VALUE_INVALID,
            (Family::Cda, Broken::Missing) => &codes::CDA_ELEMENT_MISSING,
            (Family::Cda, Broken::Repeated) => &codes::CDA_ELEMENT_REPEATED,
            (Family::Cda, Broken::AttributeMissing) => &codes::CDA_ATTRIBUTE_MISSING,
            (Family::Cda, Broken::Value) => &codes::CDA_VALUE_INVALID,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Active {
    set: u32,
    node: u32,
    counts: u32,
}

/// The matcher's state for one document.
pub struct Matcher<'s> {
    schema: &'s Schema,
    sets: Vec<usize>,
    active: Vec<Active>,
    /// Start of each open element's actives in `active`.
    frames: Vec<usize>,
    counts: Vec<u32>,
    violations: Vec<Violation>,
    met: Vec<Vec<bool>>,
    /// Elements that asked for their text: depth.
    text_depths: Vec<usize>,
    max_violations: usize,
}

/// What the matcher wants from the current element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wants {
    /// Its text, when it ends.
    pub text: bool,
}

impl<'s> Matcher<'s> {
    /// A matcher over the given rule sets of `schema` (indices from `set_index`).
    pub fn new(schema: &'s Schema, sets: Vec<usize>) -> Self {
        let mut m = Matcher {
            schema,
            sets: Vec::new(),
            active: Vec::new(),
            frames: vec![0],
            counts: Vec::new(),
            violations: Vec::new(),
            met: schema
                .sets
                .iter()
                .map(|s| vec![false; s.conditions.len()])
                .collect(),
            text_depths: Vec::new(),
            max_violations: 1000,
        };
        for set in sets {
            if let Some(rs) = schema.sets.get(set) {
                let counts = m.counts.len() as u32;
                let len = m.counts.len() + rs.nodes.first().map_or(0, |n| n.children.len());
                m.counts.resize(len, 0);
                m.active.push(Active {
                    set: set as u32,
                    node: 0,
                    counts,
                });
                m.sets.push(set);
            }
        }
        m
    }

    fn violate(&mut self, v: Violation) {
        if self.violations.len() < self.max_violations {
            self.violations.push(v);
        }
    }

    /// An element starts at `path` (its concrete location path).
    /// `attr` gives an attribute's value borrowed from the tag, so a lookup allocates
    /// nothing.
    pub fn start<'v>(
        &mut self,
        local: &str,
        attr: &dyn Fn(&str) -> Option<&'v str>,
        path: &str,
    ) -> Wants {
        let parent_from = self.frames.last().copied().unwrap_or(0);
        let parent_to = self.active.len();
        self.frames.push(parent_to);
        let mut wants = Wants { text: false };
        if parent_from == parent_to {
            return wants;
        }
        let schema = self.schema;
        for index in parent_from..parent_to {
            let Some(parent) = self.active.get(index).copied() else {
                continue;
            };
            let Some(set) = schema.sets.get(parent.set as usize) else {
                continue;
            };
            let Some(parent_node) = set.nodes.get(parent.node as usize) else {
                continue;
            };
            for (k, &child) in parent_node.children.iter().enumerate() {
                let Some(node) = set.nodes.get(child) else {
                    continue;
                };
                let Some(step) = &node.step else { continue };
                if step.local != local {
                    continue;
                }
                if let Some((name, value)) = &step.predicate {
                    if attr(name) != Some(value.as_str()) {
                        continue;
                    }
                }
                if let Some(c) = self.counts.get_mut(parent.counts as usize + k) {
                    *c = c.saturating_add(1);
                }
                let counts = self.counts.len() as u32;
                self.counts
                    .resize(self.counts.len() + node.children.len(), 0);
                self.active.push(Active {
                    set: parent.set,
                    node: child as u32,
                    counts,
                });
                for rule in &node.attrs {
                    match attr(&rule.name) {
                        None if rule.required => self.violate(Violation {
                            set: parent.set as usize,
                            condition: rule.condition,
                            broken: Broken::AttributeMissing,
                            path: format!("{path}/@{}", rule.name),
                            message: format!("required attribute {} is missing", rule.name),
                        }),
                        Some(value) => {
                            if let Some(p) = &rule.pattern {
                                if !p.matches(value) {
                                    self.violate(Violation {
                                        set: parent.set as usize,
                                        condition: rule.condition,
                                        broken: Broken::Value,
                                        path: format!("{path}/@{}", rule.name),
                                        message: format!(
                                            "attribute {} must be {}",
                                            rule.name,
                                            p.name()
                                        ),
                                    });
                                }
                            }
                        }
                        None => {}
                    }
                }
                for (condition, name) in &node.decides {
                    if let (Some(value), Some(c)) = (attr(name), set.conditions.get(*condition)) {
                        if value.trim() == c.value {
                            if let Some(flag) = self
                                .met
                                .get_mut(parent.set as usize)
                                .and_then(|m| m.get_mut(*condition))
                            {
                                *flag = true;
                            }
                        }
                    }
                }
                if node.text.is_some() {
                    wants.text = true;
                }
            }
        }
        if wants.text {
            self.text_depths.push(self.frames.len());
        }
        wants
    }

    /// The innermost element ends at `path`, with its text if it asked for it.
    pub fn end(&mut self, path: &str, text: Option<&str>) {
        let Some(from) = self.frames.pop() else {
            return;
        };
        if self.text_depths.last() == Some(&(self.frames.len() + 1)) {
            self.text_depths.pop();
        }
        self.close(from, path, text);
    }

    fn close(&mut self, from: usize, path: &str, text: Option<&str>) {
        let schema = self.schema;
        let to = self.active.len();
        for index in from..to {
            let Some(active) = self.active.get(index).copied() else {
                continue;
            };
            let Some(set) = schema.sets.get(active.set as usize) else {
                continue;
            };
            let Some(node) = set.nodes.get(active.node as usize) else {
                continue;
            };
            for (k, &child) in node.children.iter().enumerate() {
                let Some(child_node) = set.nodes.get(child) else {
                    continue;
                };
                let Some(step) = &child_node.step else {
                    continue;
                };
                let seen = self
                    .counts
                    .get(active.counts as usize + k)
                    .copied()
                    .unwrap_or(0);
                let name = step.label();
                let what = match &step.predicate {
                    Some((attr, _)) => format!("{name} (by its {attr})"),
                    None => name.to_owned(),
                };
                for &(min, max, condition) in &child_node.count {
                    if seen < min {
                        self.violate(Violation {
                            set: active.set as usize,
                            condition,
                            broken: Broken::Missing,
                            path: format!("{path}/{name}"),
                            message: format!(
                                "{what} is required at least {min} time(s) here; found {seen}"
                            ),
                        });
                    } else if max.is_some_and(|max| seen > max) {
                        self.violate(Violation {
                            set: active.set as usize,
                            condition,
                            broken: Broken::Repeated,
                            path: format!("{path}/{name}"),
                            message: format!(
                                "{what} is allowed at most {} time(s) here; found {seen}",
                                max.unwrap_or(0)
                            ),
                        });
                    }
                }
            }
            if let (Some((pattern, condition)), Some(text)) = (&node.text, text) {
                if !pattern.matches(text) {
                    self.violate(Violation {
                        set: active.set as usize,
                        condition: *condition,
                        broken: Broken::Value,
                        path: path.to_owned(),
                        message: format!("the element's text must be {}", pattern.name()),
                    });
                }
            }
        }
        if let Some(first) = self.active.get(from) {
            let counts = first.counts as usize;
            self.counts.truncate(counts);
        }
        self.active.truncate(from);
    }

    /// Ends the pass: checks the document-level counts (root elements) and returns the
    /// violations of the sets in `enabled` whose conditions were met.
    pub fn finish(mut self, enabled: &[usize]) -> Vec<(Family, Violation)> {
        // Close whatever is still open (a pass cut short) without judging it.
        self.active.truncate(self.sets.len());
        self.frames.truncate(1);
        self.close(0, "", None);
        let schema = self.schema;
        let met = self.met;
        self.violations
            .into_iter()
            .filter(|v| enabled.contains(&v.set))
            .filter(|v| {
                v.condition.is_none_or(|c| {
                    met.get(v.set)
                        .and_then(|m| m.get(c))
                        .copied()
                        .unwrap_or(false)
                })
            })
            .filter_map(|v| schema.sets.get(v.set).map(|s| (s.family, v)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_uuid_and_ts_patterns_follow_their_standards() {
        assert!(is_oid("2.16.840.1.113883.10.20.22.1.1"));
        assert!(!is_oid("2.16.840.01"));
        assert!(!is_oid("3.1"));
        assert!(!is_oid("2"));
        assert!(is_uuid("14d4debf-8f97-4251-9a74-a90016b0af0d"));
        assert!(!is_uuid("14d4debf-8f97-4251-9a74"));
        assert!(Pattern::UrnUuid.matches("urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"));
        assert!(Pattern::UrnOid.matches("urn:oid:1.2.3"));
        assert!(is_ts("20230101"));
        assert!(is_ts("20230101120000.123-0500"));
        assert!(!is_ts("2023010"));
        assert!(!is_ts("2023-01-01"));
    }

    fn schema(text: &str) -> Schema {
        let mut s = Schema::default();
        s.parse("test", text).unwrap();
        s
    }

    fn run(schema: &Schema, events: &[(&str, Option<&str>)]) -> Vec<(Broken, String)> {
        // events: Some(name) start with attribute `id` = value, None name "" = end
        let mut m = Matcher::new(schema, vec![0]);
        let mut path = vec![String::new()];
        for (name, id) in events {
            if name.is_empty() {
                let p = path.pop().unwrap();
                m.end(&p, Some("x"));
            } else {
                let p = format!("{}/{}", path.last().unwrap(), name);
                m.start(name, &|a| if a == "id" { *id } else { None }, &p);
                path.push(p);
            }
        }
        m.finish(&[0])
            .into_iter()
            .map(|(_, v)| (v.broken, v.path))
            .collect()
    }

    #[test]
    fn required_elements_are_counted_per_parent_instance() {
        let s = schema(
            "ruleset t CDA\nelement /r 1..1\nelement /r/a 1..*\nelement /r/a/b 1..1\nattribute /r/a/@id required oid\n",
        );
        let v = run(
            &s,
            &[
                ("r", None),
                ("a", Some("1.2.3")),
                ("b", None),
                ("", None),
                ("", None),
                ("a", Some("x")),
                ("", None),
                ("", None),
            ],
        );
        assert_eq!(
            v,
            vec![
                (Broken::Value, "/r/a/@id".to_owned()),
                (Broken::Missing, "/r/a/b".to_owned())
            ]
        );
        let v = run(&s, &[("q", None), ("", None)]);
        assert_eq!(v, vec![(Broken::Missing, "/r".to_owned())]);
    }

    #[test]
    fn conditional_rules_apply_only_when_their_value_was_seen() {
        let s = schema("ruleset t IHE\nwhen /r/@id = 1.2\nelement /r/a 1..1\nalways\n");
        assert_eq!(
            run(&s, &[("r", Some("1.2")), ("", None)]),
            vec![(Broken::Missing, "/r/a".to_owned())]
        );
        assert!(run(&s, &[("r", Some("9.9")), ("", None)]).is_empty());
    }

    #[test]
    fn maximum_occurrences_are_enforced() {
        let s = schema("ruleset t CDA\nelement /r/a 0..1\n");
        assert_eq!(
            run(
                &s,
                &[
                    ("r", None),
                    ("a", None),
                    ("", None),
                    ("a", None),
                    ("", None),
                    ("", None)
                ]
            ),
            vec![(Broken::Repeated, "/r/a".to_owned())]
        );
    }
}
