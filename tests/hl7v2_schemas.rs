//! The checked-in `schemas/hl7v2/*.json` must be exactly what `tools/hl7v2/generate.py`
//! writes from PyPI hl7apy. Runs the generator's `--check` when `python3` can import
//! `hl7apy`; skipped with a message otherwise (CI installs it: see docs/hl7v2.md).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::process::Command;

#[test]
fn bundled_definitions_match_the_generator() {
    let root = env!("CARGO_MANIFEST_DIR");
    let python = std::env::var("HL7V2_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let probe = Command::new(&python).args(["-c", "import hl7apy"]).output();
    match probe {
        Ok(out) if out.status.success() => {}
        _ => {
            eprintln!("skipped: {python} cannot import hl7apy (pip install hl7apy==1.3.5)");
            return;
        }
    }
    let out = Command::new(&python)
        .arg(format!("{root}/tools/hl7v2/generate.py"))
        .arg("--check")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
