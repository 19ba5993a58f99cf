//! Outlines of the bundled definition files, made at build time so that no run scans
//! them at start-up (issue 15, item 7).
//!
//! The FHIR R4 definitions (`schemas/fhir/r4.json`) and each HL7 v2 version
//! (`schemas/hl7v2/v2_*.json`) are compiled into the binary whole, and a part of them
//! (a type, a segment, a table) is parsed when a payload first needs it. To find the
//! parts, a run used to read the whole file once through serde_json: 7.3 M instructions
//! for FHIR and 3.7 M for HL7 v2.5.1, most of a small payload's run. This script does
//! that reading here instead. For each file it writes `<stem>.outline.json` to
//! `OUT_DIR`: the file's top-level members as they are, except the large maps of raw
//! parts, which become arrays of `[name, start, end]` in name order, `start..end` being
//! the byte range of the part in the file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::value::RawValue;

/// Which top-level members of each kind of file map names to raw parts.
const FHIR_PARTS: &[&str] = &["types", "valueSets"];
const HL7V2_PARTS: &[&str] = &["messages", "groups", "segments", "tables", "datatypes"];

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let out = std::env::var("OUT_DIR")?;
    println!("cargo:rerun-if-changed=build.rs");
    outline(Path::new("schemas/fhir/r4.json"), FHIR_PARTS, &out)?;
    let mut versions = Vec::new();
    for entry in std::fs::read_dir("schemas/hl7v2")? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            versions.push(path);
        }
    }
    versions.sort();
    println!("cargo:rerun-if-changed=schemas/hl7v2");
    for path in versions {
        outline(&path, HL7V2_PARTS, &out)?;
    }
    Ok(())
}

/// Writes the outline of the JSON object in `path`.
fn outline(path: &Path, parts: &[&str], out: &str) -> Result<(), Failure> {
    println!("cargo:rerun-if-changed={}", path.display());
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| at(&e))?;
    let members: BTreeMap<&str, &RawValue> = serde_json::from_str(&text).map_err(|e| at(&e))?;
    let base = text.as_ptr() as usize;
    let mut json = String::from("{");
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        write!(json, "{}:", serde_json::to_string(key)?)?;
        if !parts.contains(key) {
            json.push_str(value.get());
            continue;
        }
        // Names are borrowed from the text: a generated file holds no escapes in them.
        let map: BTreeMap<&str, &RawValue> =
            serde_json::from_str(value.get()).map_err(|e| at(&e))?;
        // An array in name order (the map's), so that start-up need not sort.
        json.push('[');
        for (j, (name, raw)) in map.iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            let start = raw.get().as_ptr() as usize - base;
            let end = start + raw.get().len();
            write!(json, "[{},{start},{end}]", serde_json::to_string(name)?)?;
        }
        json.push(']');
    }
    json.push('}');
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| at(&"not a UTF-8 file name"))?;
    std::fs::write(Path::new(out).join(format!("{stem}.outline.json")), json)?;
    Ok(())
}
