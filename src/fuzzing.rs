//! Entry points shared by the fuzz targets in `fuzz/` and the corpus replay test in
//! `tests/fuzz_corpus.rs`, so that what the fuzzer explores on nightly is re-run by
//! `cargo test` on stable. Not part of the supported API.

use crate::{Context, Engine, TrafficType};

/// Arbitrary bytes under every traffic hint (and none). The first byte picks the hint,
/// so the fuzzer explores every validator; the rest is the payload.
pub fn engine(data: &[u8]) {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let engine = ENGINE.get_or_init(Engine::default);
    let (selector, payload) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let hint = TrafficType::ALL.get(usize::from(selector % 7)).copied();
    let ctx = Context {
        hint,
        ..Context::new()
    };
    for report in engine.validate_messages(payload, &ctx) {
        // Serializing walks every nested report too.
        let _ = report.to_json_line();
    }
}

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every fuzz target by name, for the replay test.
pub const TARGETS: &[(&str, Target)] = &[("engine", engine)];
