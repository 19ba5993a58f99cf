//! Replays every saved fuzz input on stable: `fuzz/corpus/<target>/*` (the corpus the
//! fuzzer kept) and `fuzz/artifacts/<target>/*` where a crash was saved. A target without
//! a replay function fails the test, so a new target cannot go unreplayed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::fs;
use std::path::Path;

#[test]
fn every_saved_fuzz_input_runs_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0usize;
    for kind in ["corpus", "artifacts"] {
        let Ok(targets) = fs::read_dir(root.join(kind)) else {
            continue;
        };
        for target in targets {
            let target = target.unwrap().path();
            let name = target.file_name().unwrap().to_string_lossy().into_owned();
            let run = payload_triage::fuzzing::TARGETS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .unwrap_or_else(|| panic!("fuzz/{kind}/{name} has no replay function"));
            let mut inputs: Vec<_> = fs::read_dir(&target)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            inputs.sort();
            for input in inputs {
                run(&fs::read(&input).unwrap());
                replayed += 1;
            }
        }
    }
    assert!(
        replayed > 0,
        "no saved fuzz inputs were found under {}",
        root.display()
    );
}
