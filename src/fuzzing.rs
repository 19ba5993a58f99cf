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
pub const TARGETS: &[(&str, Target)] = &[
    ("engine", engine),
    ("xml_reader", xml_reader),
    ("xml_mime", xml_mime),
];

/// The secure XML reader alone (tight limits so the fuzzer reaches them), then the
/// whole XML pipeline under the carequality and uploaded-file hints.
pub fn xml_reader(data: &[u8]) {
    let limits = crate::xml::XmlLimits {
        max_depth: 32,
        max_elements: 10_000,
        max_attributes: 16,
        max_attribute_length: 1024,
        max_text_length: 4096,
        max_name_length: 64,
        max_datetimes: 64,
        max_datetime_bytes: 4096,
    };
    let _ = crate::xml::reader::check(data, &limits);
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let engine = ENGINE.get_or_init(Engine::default);
    for hint in [TrafficType::Carequality, TrafficType::UploadedFile] {
        let _ = engine
            .validate(data, &Context::new().with_hint(hint))
            .to_json_line();
    }
}

/// The MTOM/XOP MIME splitter: whatever it returns must be consistent (parts inside
/// the input, the root one of the parts).
pub fn xml_mime(data: &[u8]) {
    if let Ok(package) = crate::xml::mime::split(data, 64) {
        assert!(package.parts.len() <= 64);
        if let Some(root) = package.root() {
            assert!(root < package.parts.len());
        }
        for part in &package.parts {
            assert!(part.body.len() <= data.len());
        }
    }
}
