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

/// The HL7 v2 parser, escape decoder and validation path: every segment, field,
/// repetition, component and subcomponent is walked, every field decoded, then the
/// bytes are validated as one payload and as a file of messages.
pub fn hl7v2_parse(data: &[u8]) {
    use crate::hl7v2::{escape, parse};
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let engine = ENGINE.get_or_init(Engine::default);
    if let Ok(message) = parse::parse(data) {
        let d = *message.delimiters();
        for segment in message.segments() {
            for (_, field) in segment.fields(&d) {
                let _ = escape::check(field, &d);
                let _ = escape::decode(field, &d);
                for rep in parse::split(field, d.repetition) {
                    for component in parse::split(rep, d.component) {
                        for _ in parse::split(component, d.subcomponent) {}
                    }
                }
            }
        }
    }
    let ctx = Context::new().with_hint(TrafficType::Hl7v2Mllp);
    let _ = engine.validate(data, &ctx).to_json_line();
    for report in engine.validate_messages(data, &ctx) {
        let _ = report.to_json_line();
    }
}

/// MLLP deframing: the in-memory walk, and the streaming deframer fed in chunks whose
/// sizes come from the input (the first byte sets the frame limit). The pieces never
/// cover more than the input and the deframer never holds more than its limit.
pub fn hl7v2_mllp(data: &[u8]) {
    use crate::hl7v2::mllp::{self, Deframer};
    let covered: usize = mllp::pieces(data)
        .map(|piece| match piece {
            mllp::Piece::Frame { wire, .. } => wire.len(),
            mllp::Piece::Stray { bytes, .. } => bytes.len(),
        })
        .sum();
    assert!(
        covered <= data.len(),
        "MLLP pieces cover more than the input"
    );
    let (limit, mut rest) = match data.split_first() {
        Some((limit, rest)) => (usize::from(*limit) + 1, rest),
        None => (17, data),
    };
    let mut deframer = Deframer::new(limit);
    let mut events = Vec::new();
    while let Some(&first) = rest.first() {
        let take = (usize::from(first) % 7 + 1).min(rest.len());
        let (chunk, tail) = rest.split_at(take);
        deframer.push(chunk, &mut events);
        assert!(
            deframer.buffered() <= limit,
            "the deframer outgrew its limit"
        );
        rest = tail;
    }
    deframer.finish(&mut events);
}

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every fuzz target by name, for the replay test.
pub const TARGETS: &[(&str, Target)] = &[
    ("engine", engine),
    ("hl7v2_parse", hl7v2_parse),
    ("hl7v2_mllp", hl7v2_mllp),
];
