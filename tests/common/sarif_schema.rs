//! The SARIF 2.1.0 JSON schema for the tests that check SARIF logs
//! (`tools/sarif/README.md` says where it comes from).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The schema file, fetched with `tools/sarif/fetch-schema.sh` when it is missing. A
/// schema that cannot be had fails the test: it never passes unchecked.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = std::env::var_os("SARIF_SCHEMA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/sarif-schema"));
        let path = dir.join("sarif-2.1.0-rtm.5.json");
        if !path.is_file() {
            let script = root.join("tools/sarif/fetch-schema.sh");
            let out = Command::new("sh")
                .arg(&script)
                .output()
                .unwrap_or_else(|e| {
                    panic!(
                        "the SARIF schema is missing and {} could not run: {e}",
                        script.display()
                    )
                });
            assert!(
                out.status.success() && path.is_file(),
                "the SARIF 2.1.0 schema is missing at {} and tools/sarif/fetch-schema.sh failed \
                 (it needs npm and the npm registry): {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read the SARIF schema {}: {e}", path.display()));
        let mut schema: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the SARIF schema {} is not JSON: {e}", path.display()));
        // One pattern of the rtm.5 file (`language`, in `run` and `toolComponent`) has a
        // stray `]`, which ECMA-262 reads as a literal only outside Unicode mode; with
        // formats checked, the validator rejects the schema itself for it. The same
        // pattern with the `]` escaped means the same (and our logs have no
        // `language`).
        let patched = patch_patterns(&mut schema);
        assert!(
            patched > 0,
            "the known `language` pattern was not found: has the schema file changed?"
        );
        schema
    })
}

fn patch_patterns(value: &mut Value) -> usize {
    const STRAY: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    const ESCAPED: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$";
    match value {
        Value::Object(map) => map
            .iter_mut()
            .map(|(key, v)| {
                if key == "pattern" && v == STRAY {
                    *v = Value::from(ESCAPED);
                    1
                } else {
                    patch_patterns(v)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(patch_patterns).sum(),
        _ => 0,
    }
}

/// Schema errors of a log, under both drafts.
pub fn schema_errors(log: &Value) -> Vec<String> {
    let schema = schema();
    let draft4 = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(schema)
        .unwrap();
    let mut as_draft7 = schema.clone();
    as_draft7.as_object_mut().unwrap().remove("$schema");
    let draft7 = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&as_draft7)
        .unwrap();
    let mut errors = Vec::new();
    for validator in [&draft4, &draft7] {
        errors.extend(
            validator
                .iter_errors(log)
                .map(|e| format!("{} at {}", e, e.instance_path())),
        );
    }
    errors
}

/// Validates a log against the schema twice: as the draft-04 schema it is, and once more
/// under draft 7 rules, whose `uri` and `uri-reference` formats are checked (draft 4
/// has no `uri-reference`, so a validator of that draft admits any string there).
pub fn assert_valid(log: &Value) {
    let errors = schema_errors(log);
    assert!(errors.is_empty(), "SARIF log fails the schema: {errors:#?}");
}
