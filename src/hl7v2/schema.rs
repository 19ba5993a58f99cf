//! The bundled HL7 v2 definitions (`schemas/hl7v2/v*.json`), generated from PyPI
//! `hl7apy` by `tools/hl7v2/generate.py` (see `schemas/hl7v2/PROVENANCE.md`).
//!
//! Each version's file is compiled into the binary and parsed once, on first use, into
//! a [`Version`] shared by every thread. Names are borrowed from the `'static` text (no
//! copy), and each table's values stay raw JSON until a value is first checked against
//! that table: a message touches a few of a version's 300 tables. Versions hl7apy does not ship (2.7.1) use the
//! nearest earlier release of the same minor version, and the report says so.

use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use serde::Deserialize;

/// FNV-1a: the keys are short, trusted identifiers from the bundled data (`PID`, `CWE`,
/// `0001`), looked up once per segment and composite value, so a cheap hash beats
/// SipHash's flood resistance, which untrusted keys would need.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<Fnv>>;
type HashSet<T> = StdHashSet<T, BuildHasherDefault<Fnv>>;

/// What the validator does with a value, decided once per data type at load time so
/// that the per-value dispatch compares no strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// ST, TX, FT and other free text: nothing to check.
    #[default]
    Text,
    /// DT.
    Date,
    /// DTM.
    DateTime,
    /// TS (TS.1 and TS.2).
    Timestamp,
    /// TM: a time of day, checked by the datetime engine.
    Time,
    /// NM.
    Numeric,
    /// SI.
    SequenceId,
    /// ID and IS: checked against their table.
    Coded,
    /// A composite type with components: its index in the version's composite list.
    Composite(u32),
}

/// One element of a message structure or group: `[name, min, max, is_group]`
/// (max −1 = unbounded). A group's index in its version ([`Version::group_at`]) is
/// resolved at load time so that matching hashes no names.
#[derive(Debug, Clone, Deserialize)]
pub struct Child(
    pub &'static str,
    pub u32,
    pub i64,
    pub u8,
    #[serde(skip)] pub Option<u32>,
);

/// What structure matching needs of a group, resolved once at load time.
#[derive(Debug)]
pub struct GroupInfo {
    /// The group's children.
    pub children: Vec<Child>,
    /// True for a `<A | B>` choice group.
    pub choice: bool,
    /// The segment ids that may begin an occurrence.
    pub first: Vec<&'static str>,
    /// The first required segment (through required subgroups); `None` for choice
    /// groups and groups with nothing required.
    pub anchor: Option<&'static str>,
}

impl Child {
    /// The segment id or group name.
    pub fn name(&self) -> &str {
        self.0
    }
    /// Minimum occurrences (1 = required).
    pub fn min(&self) -> u32 {
        self.1
    }
    /// Maximum occurrences; `None` for unbounded.
    pub fn max(&self) -> Option<u64> {
        u64::try_from(self.2).ok()
    }
    /// True for a segment group.
    pub fn is_group(&self) -> bool {
        self.3 != 0
    }
    /// A group's index in its version's resolved groups ([`Version::group_at`]).
    pub fn group_index(&self) -> Option<u32> {
        self.4
    }
}

/// A segment field: `[data type, min, max, table]` (table `""` for none).
#[derive(Debug, Clone, Deserialize)]
pub struct FieldDef(
    pub &'static str,
    pub u32,
    pub i64,
    pub &'static str,
    #[serde(skip)] pub Kind,
    #[serde(skip)] pub Option<u32>,
);

impl FieldDef {
    /// Data type (`TS`, `CWE`, `ST`, ...).
    pub fn data_type(&self) -> &str {
        self.0
    }
    /// 1 when the field is required (usage R).
    pub fn min(&self) -> u32 {
        self.1
    }
    /// Maximum repetitions; `None` for unbounded.
    pub fn max(&self) -> Option<u64> {
        u64::try_from(self.2).ok()
    }
    /// The HL7 table number (`0001`), or `""`.
    pub fn table(&self) -> &str {
        self.3
    }
    /// How the validator treats the field's values.
    pub fn kind(&self) -> Kind {
        self.4
    }
    /// The bundled table's index ([`Version::table_has_at`]), resolved at load time.
    pub fn table_index(&self) -> Option<u32> {
        self.5
    }
}

/// A component of a composite data type: `[data type, table]`.
#[derive(Debug, Clone, Deserialize)]
pub struct ComponentDef(
    pub &'static str,
    pub &'static str,
    #[serde(skip)] pub Kind,
    #[serde(skip)] pub Option<u32>,
);

/// A version's file as read: names borrowed from the `'static` text; message
/// structures, groups, segments and tables stay raw JSON until first used ([`Lazy`],
/// [`Table`]), since a message needs one structure, its groups and a dozen segments.
#[derive(Debug, Deserialize)]
struct RawVersion {
    version: &'static str,
    messages: Vec<Part>,
    groups: Vec<Part>,
    choices: Vec<&'static str>,
    segments: Vec<Part>,
    datatypes: Vec<Part>,
    tables: Vec<Part>,
    /// `"0001"` → `"hl7"` or `"user"` (see `tools/hl7v2/generate.py`); a table not
    /// listed is of unknown type.
    #[serde(default)]
    table_types: HashMap<&'static str, &'static str>,
    events: HashMap<&'static str, &'static str>,
}

/// A part of a version in its outline: its name and the byte range of its raw JSON in
/// the version's file. The outline lists parts in name order.
type Part = (&'static str, usize, usize);

/// A part of a version kept as raw JSON and built on first use; a part that does not
/// parse builds empty (a build defect: `every_lazy_part_builds` checks them all).
#[derive(Debug)]
struct Lazy<T> {
    raw: &'static str,
    built: OnceLock<T>,
}

impl<T> Lazy<T> {
    fn new(raw: &'static str) -> Lazy<T> {
        Lazy {
            raw,
            built: OnceLock::new(),
        }
    }
}

/// A bundled table: its raw JSON values (they may hold escapes), turned into a set when
/// a value is first checked against it.
#[derive(Debug)]
struct Table {
    raw: &'static str,
    values: OnceLock<HashSet<Box<[u8]>>>,
}

impl Table {
    fn values(&self) -> &HashSet<Box<[u8]>> {
        self.values.get_or_init(|| {
            serde_json::from_str::<Vec<String>>(self.raw)
                .map(|values| {
                    values
                        .into_iter()
                        .map(|s| s.into_bytes().into_boxed_slice())
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

/// True for the raw JSON of an empty array (`[]`, any spacing).
fn is_empty_array(raw: &str) -> bool {
    raw.bytes().filter(|b| !b.is_ascii_whitespace()).eq(*b"[]")
}

/// A segment group: its children, and what structure matching needs of it.
#[derive(Debug)]
struct Group {
    name: &'static str,
    children: Lazy<Vec<Child>>,
    info: OnceLock<GroupInfo>,
}

/// The definitions of one HL7 v2 version.
#[derive(Debug)]
pub struct Version {
    /// `2.5.1`, ...
    pub name: &'static str,
    messages: HashMap<&'static str, Lazy<Vec<Child>>>,
    /// Groups by name, as indices into `groups` (the index a group's `Child` carries).
    group_index: HashMap<&'static str, u32>,
    /// Groups sorted by name.
    groups: Vec<Group>,
    choices: Vec<&'static str>,
    segments: HashMap<&'static str, Lazy<Vec<FieldDef>>>,
    datatypes: HashMap<&'static str, u32>,
    /// Components of each composite data type, read when a value of it is first checked.
    composites: Vec<Lazy<Vec<ComponentDef>>>,
    /// Bundled tables by number, as indices into `table_values`.
    tables: HashMap<&'static str, u32>,
    /// Each bundled table's values (never empty: empty tables are not bundled).
    table_values: Vec<Table>,
    /// The index of table 0396 (coding system), when bundled.
    coding_systems: Option<u32>,
    events: HashMap<&'static str, &'static str>,
    /// Every segment id each message structure names, computed for a structure when a
    /// message first needs it (start-up reads one version and uses a few structures).
    structure_ids: HashMap<&'static str, OnceLock<Vec<&'static str>>>,
}

impl Version {
    /// The version from its outline; `text` is the file the outline's ranges are in.
    fn from_raw(raw: RawVersion, text: &'static str) -> Version {
        // A range outside the text (a build defect `every_lazy_part_builds` would
        // catch) reads as an empty list.
        let part = |(name, start, end): Part| (name, text.get(start..end).unwrap_or("[]"));
        let mut v = Version {
            name: raw.version,
            messages: raw
                .messages
                .into_iter()
                .map(|p| {
                    let (name, raw) = part(p);
                    (name, Lazy::new(raw))
                })
                .collect(),
            group_index: HashMap::default(),
            groups: Vec::new(),
            choices: raw.choices,
            segments: raw
                .segments
                .into_iter()
                .map(|p| {
                    let (name, raw) = part(p);
                    (name, Lazy::new(raw))
                })
                .collect(),
            datatypes: HashMap::default(),
            composites: Vec::new(),
            tables: HashMap::default(),
            table_values: Vec::new(),
            coding_systems: None,
            events: raw.events,
            structure_ids: HashMap::default(),
        };
        // Only HL7-defined tables are enforced. A user-defined table's values in the
        // standard are examples that each site replaces (HL7 v2.5.1 section 2.5.3.6), and
        // a table whose type the generator could not decide is not known to be HL7's:
        // neither is bundled, so their values are never reported.
        let table_types = raw.table_types;
        let tables: Vec<(&'static str, &'static str)> = raw
            .tables
            .into_iter()
            .map(part)
            .filter(|(name, values)| {
                !is_empty_array(values) && table_types.get(name).is_some_and(|t| *t == "hl7")
            })
            .collect();
        for (index, (name, raw)) in tables.into_iter().enumerate() {
            v.tables
                .insert(name, u32::try_from(index).unwrap_or(u32::MAX));
            v.table_values.push(Table {
                raw,
                values: OnceLock::new(),
            });
        }
        v.coding_systems = v.tables.get("0396").copied();
        for (index, (name, components)) in raw.datatypes.into_iter().map(part).enumerate() {
            v.datatypes
                .insert(name, u32::try_from(index).unwrap_or(u32::MAX));
            v.composites.push(Lazy::new(components));
        }
        let groups: Vec<(&'static str, &'static str)> = raw.groups.into_iter().map(part).collect();
        v.group_index = groups
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (*n, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        v.groups = groups
            .into_iter()
            .map(|(name, raw)| Group {
                name,
                children: Lazy::new(raw),
                info: OnceLock::new(),
            })
            .collect();
        v.structure_ids = v
            .messages
            .keys()
            .map(|name| (*name, OnceLock::new()))
            .collect();
        v
    }

    /// Children as read, each group child marked with its group's index.
    fn children(&self, lazy: &Lazy<Vec<Child>>) -> Vec<Child> {
        let mut children: Vec<Child> = serde_json::from_str(lazy.raw).unwrap_or_default();
        for child in children.iter_mut().filter(|c| c.is_group()) {
            child.4 = self.group_index.get(child.0).copied();
        }
        children
    }

    /// A group's children, by name.
    fn group(&self, name: &str) -> Option<&[Child]> {
        let index = usize::try_from(*self.group_index.get(name)?).ok()?;
        let group = self.groups.get(index)?;
        Some(
            group
                .children
                .built
                .get_or_init(|| self.children(&group.children)),
        )
    }

    /// The segment ids under `children`, through groups (depth-bounded against cyclic
    /// data; HL7 structures nest fewer than 10 deep).
    fn collect_ids(&self, children: &[Child], out: &mut Vec<&'static str>, depth: u32) {
        if depth > 32 {
            return;
        }
        for child in children {
            if child.is_group() {
                if let Some(inner) = self.group(child.name()) {
                    self.collect_ids(inner, out, depth + 1);
                }
            } else if !out.iter().any(|id| *id == child.name()) {
                out.push(child.0);
            }
        }
    }

    /// Every segment id a message structure names, through its groups.
    pub fn structure_ids(&self, name: &str) -> &[&'static str] {
        let Some(cell) = self.structure_ids.get(name) else {
            return &[];
        };
        cell.get_or_init(|| {
            let mut ids = Vec::new();
            if let Some(children) = self.structure(name) {
                self.collect_ids(children, &mut ids, 0);
            }
            ids
        })
    }

    /// A group by the index its `Child` entry carries, resolved for structure matching
    /// on first use.
    pub fn group_at(&self, index: u32) -> Option<&GroupInfo> {
        let group = self.groups.get(usize::try_from(index).ok()?)?;
        Some(group.info.get_or_init(|| {
            let mut first = Vec::new();
            self.collect_first(group.name, &mut first, 0);
            GroupInfo {
                children: self
                    .group(group.name)
                    .map(<[Child]>::to_vec)
                    .unwrap_or_default(),
                choice: self.is_choice(group.name),
                first,
                anchor: self.anchor(group.name),
            }
        }))
    }

    /// FIRST set of a group: the ids of its leading children up to and including the
    /// first required one. Depth-bounded against cyclic data.
    fn collect_first(&self, group: &str, out: &mut Vec<&'static str>, depth: u32) {
        if depth > 16 {
            return;
        }
        let Some(children) = self.group(group) else {
            return;
        };
        let choice = self.is_choice(group);
        for child in children {
            if child.is_group() {
                self.collect_first(child.name(), out, depth + 1);
            } else if !out.iter().any(|s| *s == child.name()) {
                out.push(child.0);
            }
            if child.min() > 0 && !choice {
                break;
            }
        }
    }

    /// How values of data type `dt` are checked in this version.
    pub fn kind_of(&self, dt: &str) -> Kind {
        match dt {
            "DT" => Kind::Date,
            "DTM" => Kind::DateTime,
            "TS" => Kind::Timestamp,
            "TM" => Kind::Time,
            "NM" => Kind::Numeric,
            "SI" => Kind::SequenceId,
            "ID" | "IS" => Kind::Coded,
            _ => match self.datatypes.get(dt) {
                Some(&index) => Kind::Composite(index),
                None => Kind::Text,
            },
        }
    }

    /// A message structure (`ADT_A01`).
    pub fn structure(&self, name: &str) -> Option<&[Child]> {
        let lazy = self.messages.get(name)?;
        Some(lazy.built.get_or_init(|| self.children(lazy)))
    }

    /// True for a `<A | B>` choice group: exactly one child occurs.
    pub fn is_choice(&self, group: &str) -> bool {
        self.choices.contains(&group)
    }

    /// A group's anchor: its first required segment, looked for through required
    /// subgroups; `None` for choice groups and groups with nothing required.
    pub fn anchor(&self, group: &str) -> Option<&'static str> {
        let mut name = group;
        for _ in 0..16 {
            if self.is_choice(name) {
                return None;
            }
            let child = self.group(name)?.iter().find(|c| c.min() > 0)?;
            if !child.is_group() {
                return Some(child.0);
            }
            name = child.0;
        }
        None
    }

    /// A segment's fields, each with its kind and table resolved on first use.
    pub fn segment(&self, id: &[u8]) -> Option<&[FieldDef]> {
        let id = std::str::from_utf8(id).ok()?;
        let lazy = self.segments.get(id)?;
        Some(lazy.built.get_or_init(|| {
            let mut fields: Vec<FieldDef> = serde_json::from_str(lazy.raw).unwrap_or_default();
            for field in &mut fields {
                field.4 = self.kind_of(field.0);
                field.5 = self.tables.get(field.3).copied();
            }
            fields
        }))
    }

    /// A composite data type's components by its index ([`Kind::Composite`]).
    pub fn composite(&self, index: u32) -> Option<&[ComponentDef]> {
        let lazy = self.composites.get(usize::try_from(index).ok()?)?;
        Some(lazy.built.get_or_init(|| {
            let mut components: Vec<ComponentDef> =
                serde_json::from_str(lazy.raw).unwrap_or_default();
            for component in &mut components {
                component.2 = self.kind_of(component.0);
                component.3 = self.tables.get(component.1).copied();
            }
            components
        }))
    }

    /// Whether the table is bundled, and if so whether it holds `value`.
    #[cfg(test)]
    pub fn table_has(&self, table: &str, value: &[u8]) -> Option<bool> {
        self.table_has_at(*self.tables.get(table)?, value)
    }

    /// [`Version::table_has`] by the index a field or component carries
    /// ([`FieldDef::table_index`]).
    pub fn table_has_at(&self, index: u32, value: &[u8]) -> Option<bool> {
        let values = self
            .table_values
            .get(usize::try_from(index).ok()?)?
            .values();
        if values.contains(value) {
            return Some(true);
        }
        // Table 0396 (coding system) reserves `99zzz` and `L` for local coding systems
        // (its first row, "99zzz or L", v2.5 onward; z any alphanumeric character).
        if Some(index) == self.coding_systems && is_local_coding_system(value) {
            return Some(true);
        }
        // hl7apy lost the leading zeros of numeric codes (table 0062 has `1`, the
        // standard `01`): a numeric value also matches without them.
        if value.first() == Some(&b'0') && value.iter().all(u8::is_ascii_digit) {
            let zeros = value.iter().take_while(|&&b| b == b'0').count();
            let trimmed = value.get(zeros.min(value.len().saturating_sub(1))..);
            return Some(trimmed.is_some_and(|t| values.contains(t)));
        }
        Some(false)
    }

    /// The structure a message type and trigger event use in this version (HL7 v2.5
    /// section 2.14.9.9: MSH-9.3 where given, else the standard's event map).
    pub fn structure_for(&self, message_type: &str, event: &str) -> Option<&str> {
        let key = format!("{message_type}^{event}");
        if let Some((name, _)) = self
            .events
            .get_key_value(key.as_str())
            .and_then(|(_, s)| self.messages.get_key_value(*s))
        {
            return Some(name);
        }
        let own = format!("{message_type}_{event}");
        if let Some((name, _)) = self.messages.get_key_value(own.as_str()) {
            return Some(name);
        }
        if let Some((name, _)) = self.messages.get_key_value(message_type) {
            return Some(name); // ACK and other event-independent structures
        }
        None
    }
}

macro_rules! versions {
    ($($name:literal => $file:literal),* $(,)?) => {
        /// Bundled versions, oldest first, with their generated JSON and its outline
        /// (made by `build.rs`: the same members, with each message structure, group,
        /// segment and table given as the byte range of its raw JSON in the file, so
        /// that loading a version does not scan the whole file).
        const FILES: &[(&str, &str, &str)] = &[
            $((
                $name,
                include_str!(concat!("../../schemas/hl7v2/", $file, ".json")),
                include_str!(concat!(env!("OUT_DIR"), "/", $file, ".outline.json")),
            )),*
        ];
    };
}

versions! {
    "2.1" => "v2_1",
    "2.2" => "v2_2",
    "2.3" => "v2_3",
    "2.3.1" => "v2_3_1",
    "2.4" => "v2_4",
    "2.5" => "v2_5",
    "2.5.1" => "v2_5_1",
    "2.6" => "v2_6",
    "2.7" => "v2_7",
    "2.8" => "v2_8",
    "2.8.1" => "v2_8_1",
    "2.8.2" => "v2_8_2",
}

/// A local coding system name of table 0396: `L`, or `99` followed by alphanumeric
/// characters (`99zzz`).
fn is_local_coding_system(value: &[u8]) -> bool {
    value == b"L"
        || value
            .strip_prefix(b"99")
            .is_some_and(|rest| !rest.is_empty() && rest.iter().all(u8::is_ascii_alphanumeric))
}

/// The HL7 v2 versions whose MSH-12 this module accepts (2.1 to 2.8.2).
pub const KNOWN: &[&str] = &[
    "2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1",
    "2.8.2",
];

fn loaded(index: usize) -> Option<&'static Version> {
    static CELLS: [OnceLock<Option<Version>>; 12] = [const { OnceLock::new() }; 12];
    let &(_, text, outline) = FILES.get(index)?;
    CELLS
        .get(index)?
        .get_or_init(|| {
            serde_json::from_str::<RawVersion>(outline)
                .ok()
                .map(|raw| Version::from_raw(raw, text))
        })
        .as_ref()
}

/// The definitions for an MSH-12 version: `(definitions, exact)`; `exact` is false when
/// a nearby release stands in (2.7.1 → 2.7).
pub fn version(name: &str) -> Option<(&'static Version, bool)> {
    if let Some(i) = FILES.iter().position(|(n, _, _)| *n == name) {
        return loaded(i).map(|v| (v, true));
    }
    if !KNOWN.contains(&name) {
        return None;
    }
    // Nearest earlier bundled release with the same major.minor (2.7.1 → 2.7).
    let minor: String = name.split('.').take(2).collect::<Vec<_>>().join(".");
    let i = FILES.iter().rposition(|(n, _, _)| *n == minor)?;
    loaded(i).map(|v| (v, false))
}

/// Every bundled version's definitions, for "which version defines this structure".
pub fn all() -> impl Iterator<Item = &'static Version> {
    (0..FILES.len()).filter_map(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_version_loads() {
        for (name, _, _) in FILES {
            let (v, exact) = version(name).unwrap();
            assert!(exact);
            assert_eq!(v.name, *name);
            assert!(
                v.structure("ACK").is_some() || v.name == "2.1",
                "{name} ACK"
            );
            assert!(v.segment(b"MSH").is_some());
        }
    }

    /// Structures, groups, segments and tables are built on first use; each must build
    /// from the bundled data (a lazy failure would silently check less).
    #[test]
    fn every_lazy_part_builds() {
        for (name, _, _) in FILES {
            let (v, _) = version(name).unwrap();
            for (id, lazy) in &v.messages {
                let parsed = serde_json::from_str::<Vec<Child>>(lazy.raw);
                assert!(parsed.is_ok_and(|c| !c.is_empty()), "{name} {id}");
            }
            for (i, group) in v.groups.iter().enumerate() {
                // A group may be empty in the data (v2.4 QBP_Q13_QBP); it must parse.
                let parsed = serde_json::from_str::<Vec<Child>>(group.children.raw);
                assert!(parsed.is_ok(), "{name} {}", group.name);
                assert!(v.group_at(u32::try_from(i).unwrap()).is_some());
            }
            for (id, lazy) in &v.segments {
                let parsed = serde_json::from_str::<Vec<FieldDef>>(lazy.raw);
                assert!(parsed.is_ok(), "{name} {id}");
            }
            for table in &v.table_values {
                assert!(!table.values().is_empty(), "{name}");
            }
            for (dt, &index) in &v.datatypes {
                let parsed =
                    serde_json::from_str::<Vec<ComponentDef>>(v.composites[index as usize].raw);
                assert!(parsed.is_ok_and(|c| !c.is_empty()), "{name} {dt}");
                assert!(
                    v.composite(index).is_some_and(|c| !c.is_empty()),
                    "{name} {dt}"
                );
            }
        }
    }

    #[test]
    fn event_map_sends_adt_a04_to_adt_a01() {
        let (v, _) = version("2.5.1").unwrap();
        assert_eq!(v.structure_for("ADT", "A04"), Some("ADT_A01"));
        assert_eq!(v.structure_for("ORU", "R01"), Some("ORU_R01"));
        assert_eq!(v.structure_for("ACK", "A01"), Some("ACK"));
    }

    #[test]
    fn v2_7_1_uses_the_2_7_definitions() {
        let (v, exact) = version("2.7.1").unwrap();
        assert_eq!(v.name, "2.7");
        assert!(!exact);
        assert!(version("3.0").is_none());
    }

    #[test]
    fn tables_answer_membership() {
        let (v, _) = version("2.5.1").unwrap();
        assert_eq!(v.table_has("0103", b"P"), Some(true));
        assert_eq!(v.table_has("0103", b"Q"), Some(false));
        assert_eq!(v.table_has("9999", b"P"), None);
    }

    #[test]
    fn user_defined_tables_are_not_enforced() {
        let (v, _) = version("2.5.1").unwrap();
        // PID-8 is IS: table 0001 (administrative sex) is user-defined in v2.5.1.
        assert_eq!(v.table_has("0001", b"Q"), None);
        // MSH-15 is ID: table 0155 is HL7-defined.
        assert_eq!(v.table_has("0155", b"XX"), Some(false));
        assert_eq!(v.table_has("0155", b"AL"), Some(true));
    }

    #[test]
    fn ucum_and_local_coding_systems_are_in_table_0396() {
        // hl7apy's 2.6 and 2.7 data refer to no table from CE.3/CWE.3: not checked there.
        for name in ["2.5", "2.5.1", "2.8", "2.8.2"] {
            let (v, _) = version(name).unwrap();
            assert_eq!(v.table_has("0396", b"UCUM"), Some(true), "{name}");
            assert_eq!(v.table_has("0396", b"99LAB"), Some(true), "{name}");
            assert_eq!(v.table_has("0396", b"L"), Some(true), "{name}");
            assert_eq!(v.table_has("0396", b"99"), Some(false), "{name}");
            assert_eq!(v.table_has("0396", b"NOPE"), Some(false), "{name}");
        }
    }
}
