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
        assert_safe_paths(&report);
    }
}

/// Every path and message in `report` (nested reports included) is bounded in length and
/// holds no character that could forge a line of output.
fn assert_safe_paths(report: &crate::Report) {
    let safe = |text: &str| {
        text.len() <= crate::emit::MAX_TEXT_BYTES + 64 && !text.chars().any(char::is_control)
    };
    for d in &report.diagnostics {
        assert!(safe(&d.path), "unsafe diagnostic path {:?}", d.path);
        assert!(safe(&d.message), "unsafe message {:?}", d.message);
    }
    for d in &report.datetimes {
        assert!(safe(&d.path), "unsafe datetime path {:?}", d.path);
    }
    for nested in &report.embedded {
        assert_safe_paths(nested);
    }
}

/// Arbitrary text as the TOML configuration: loading must give a configuration or a
/// `ConfigError`, never a panic, and an engine built from whatever loads must validate.
/// (A no-op without the `config` feature, which brings the TOML reader.)
pub fn config(data: &[u8]) {
    #[cfg(feature = "config")]
    {
        let text = String::from_utf8_lossy(data);
        if let Ok(config) = crate::Config::from_toml_str(&text) {
            if let Ok(engine) = Engine::new(config) {
                let payload = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\rPID|1\r";
                for report in engine.validate_messages(payload, &Context::new()) {
                    let _ = report.to_json_line();
                }
            }
        }
    }
    #[cfg(not(feature = "config"))]
    let _ = data;
}

/// The source names the `policy` target validates under: standard input, paths that
/// `examples/gate.toml`-like configurations claim, and one no profile claims. (Profile
/// paths of a configuration read from text are relative to the current folder.)
pub const POLICY_SOURCES: [&str; 5] = [
    "-",
    "archive/hl7v2/message.hl7",
    "archive/redox/message.json",
    "archive/carequality/message.xml",
    "elsewhere/message.bin",
];

/// A TOML configuration and a payload, split at the first 0x00 byte (no 0x00: the whole
/// input is the configuration and the payload is empty). When the configuration loads
/// and builds an engine, the payload is validated under the profile each of
/// [`POLICY_SOURCES`] selects, and the source policy must keep its promises:
/// - every report names its source profile;
/// - every `SOURCE_*` message is bounded and free of control characters;
/// - a policy message never quotes the sender's identity from the payload: a value of
///   `exchange.sender` that the configuration does not hold appears in no `SOURCE_*`
///   message (outside the backticked profile names, which must come from the
///   configuration). Only values with a character the fixed wording cannot produce (an
///   upper-case letter, a digit or a symbol) and at least 3 bytes long are checked, so
///   a sender named `source` does not count as quoted.
///
/// (A no-op without the `config` feature, which brings the TOML reader.)
pub fn policy(data: &[u8]) {
    #[cfg(feature = "config")]
    {
        let (config_bytes, payload) = match data.iter().position(|&b| b == 0) {
            Some(at) => (
                data.get(..at).unwrap_or_default(),
                data.get(at + 1..).unwrap_or_default(),
            ),
            None => (data, &[][..]),
        };
        let text = String::from_utf8_lossy(config_bytes);
        let Ok(config) = crate::Config::from_toml_str(&text) else {
            return;
        };
        // What the configuration holds, as written and as read (TOML escapes).
        let mut known = format!("{text}\n{config:?}");
        for name in config.sources.keys() {
            known.push('\n');
            known.push_str(name);
        }
        let Ok(engine) = Engine::new(config) else {
            return;
        };
        for source in POLICY_SOURCES {
            let Ok(profile) = engine.config().profile_for(source) else {
                continue;
            };
            let mut ctx = Context::new().with_source(profile).named(source);
            if let Some(destination) = engine.config().destination_environment {
                ctx = ctx.with_destination(destination);
            }
            for report in engine.validate_messages(payload, &ctx) {
                let _ = report.to_json_line();
                assert!(
                    report.source_profile.is_some(),
                    "a report without a source profile"
                );
                check_policy_messages(&report, &known);
            }
        }
    }
    #[cfg(not(feature = "config"))]
    let _ = data;
}

/// The `policy` target's checks on one report's `SOURCE_*` diagnostics.
#[cfg(feature = "config")]
fn check_policy_messages(report: &crate::Report, config: &str) {
    // The fixed field lists policy messages name (`Family::sender_fields` in
    // src/policy.rs): they hold upper-case letters and digits of their own.
    const FIELD_LISTS: [&str; 3] = [
        "Meta.Source",
        "MSH-3 and MSH-4",
        "wsa:From, the SAML issuer and home community id",
    ];
    let sender_values: Vec<&str> = report
        .exchange
        .sender
        .iter()
        .flat_map(|s| {
            [
                &s.id,
                &s.name,
                &s.application,
                &s.facility,
                &s.address,
                &s.home_community_id,
                &s.issuer,
            ]
        })
        .flatten()
        .map(|v| v.trim())
        .filter(|v| {
            v.len() >= 3
                && !config.contains(v)
                && v.chars()
                    .any(|c| !(c.is_ascii_lowercase() || " _(),;'.`/-".contains(c)))
        })
        .collect();
    for d in &report.diagnostics {
        if !d.code.to_string().starts_with("SOURCE_") {
            continue;
        }
        let message = &d.message;
        assert!(
            message.len() <= crate::emit::MAX_TEXT_BYTES + 64,
            "an unbounded policy message"
        );
        assert!(
            !message.chars().any(char::is_control),
            "a control character in a policy message"
        );
        // Backticked spans name profiles (from the configuration, or `default`) and
        // configuration keys; the rest is fixed wording.
        let mut wording = String::new();
        for (i, piece) in message.split('`').enumerate() {
            if i % 2 == 0 {
                wording.push_str(piece);
                wording.push(' ');
            } else {
                assert!(
                    piece == "default" || config.contains(piece),
                    "a policy message quotes `{piece}`, which the configuration does not hold"
                );
            }
        }
        for fields in FIELD_LISTS {
            wording = wording.replace(fields, " ");
        }
        for value in &sender_values {
            assert!(
                !wording.contains(value),
                "a policy message quotes the sender's {value:?}: {message:?}"
            );
        }
    }
}

/// Arbitrary bytes as Redox API JSON (Redox Data Model, FHIR R4, NDJSON): validation
/// and the canonical document must never panic, and the canonical document of a
/// parseable payload must parse again.
pub fn json(data: &[u8]) {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let engine = ENGINE.get_or_init(Engine::default);
    let ctx = Context::new().with_hint(TrafficType::RedoxApi);
    for report in engine.validate_messages(data, &ctx) {
        let _ = report.to_json_line();
    }
    if let Ok(canonical) = crate::json::canonical_document(data, &ctx) {
        let _ = engine.validate_messages(&canonical, &ctx);
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

/// Arbitrary bytes through the datetime engine. The first byte picks the syntax (low 3
/// bits), the DST policy and the zone rule (none, a sender zone, a message offset, UTC by
/// definition); the rest, read as UTF-8 lossily, is the value. Whatever is accepted must
/// canonicalize to itself.
pub fn datetime(data: &[u8]) {
    use crate::datetime::{canonicalize, offset_of, record, DstPolicy, Syntax, ZoneRules};
    use crate::report::{Format, Report};

    const POLICIES: [DstPolicy; 5] = [
        DstPolicy::Default,
        DstPolicy::Reject,
        DstPolicy::Earlier,
        DstPolicy::Later,
        DstPolicy::Compatible,
    ];
    let (selector, rest) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let value = String::from_utf8_lossy(rest);
    let syntax = Syntax::ALL
        .get(usize::from(selector & 7))
        .copied()
        .unwrap_or(Syntax::Iso8601);
    let mut rules = ZoneRules {
        dst: POLICIES
            .get(usize::from(selector >> 3) % POLICIES.len())
            .copied()
            .unwrap_or_default(),
        ..ZoneRules::default()
    };
    match selector >> 6 {
        1 => rules.sender_zone = crate::datetime::lookup_zone("America/New_York").ok(),
        2 => rules.message_offset = Some(-5 * 3600),
        3 => rules.assume_utc = true,
        _ => {}
    }

    let mut report = Report::new(TrafficType::Other, Format::Unknown, 0, 0);
    record(&mut report, "/x", &value, syntax, &rules);
    assert_eq!(report.datetimes.len(), 1, "record pushes exactly one entry");
    let _ = offset_of(&value, syntax);

    // The same bytes as a time of day (HL7 v2 TM) and as a calendar date: never a
    // panic; a calendar date is never more precise than the value, and never has a
    // time on another day than the one sent.
    let _ = crate::datetime::check_time_of_day(&value);
    if let Ok(c) = crate::datetime::canonicalize_as(
        &value,
        syntax,
        &rules,
        crate::datetime::Meaning::CalendarDate,
    ) {
        if c.date_kept_from().is_some() {
            assert_eq!(c.precision(), Some(crate::datetime::Precision::Day));
        }
    }

    if let Some(text) = canonicalize(&value, syntax, &rules)
        .ok()
        .and_then(|c| c.text())
    {
        let again = canonicalize(&text, Syntax::Iso8601, &ZoneRules::default())
            .ok()
            .and_then(|c| c.text());
        assert_eq!(
            again.as_deref(),
            Some(text.as_str()),
            "canonical form is stable"
        );
    }
}

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every fuzz target by name, for the replay test.
pub const TARGETS: &[(&str, Target)] = &[
    ("engine", engine),
    ("datetime", datetime),
    ("hl7v2_parse", hl7v2_parse),
    ("hl7v2_mllp", hl7v2_mllp),
    ("xml_reader", xml_reader),
    ("xml_mime", xml_mime),
    ("json", json),
    ("stream", stream),
    ("archive", archive),
    ("config", config),
    ("policy", policy),
    ("pairing", pairing),
];

/// Arbitrary bytes as messages (split at every 0x00 byte), each validated and observed,
/// in order, by a [`crate::pairing::Pairing`] with a window of 4: the window is never
/// exceeded, the counts stay consistent (no more answered requests than requests, no
/// more acknowledgment codes than responses), and closing leaves nothing open.
pub fn pairing(data: &[u8]) {
    let engine = Engine::default();
    let mut pairing = crate::pairing::Pairing::new(4);
    for (i, message) in data.split(|&b| b == 0).take(256).enumerate() {
        let ctx = Context::new().named(format!("m{i}"));
        for report in engine.validate_messages(message, &ctx) {
            pairing.observe(&report);
            assert!(pairing.len() <= 4, "the pairing window was exceeded");
            assert!(pairing.remembered_ids() <= 4, "the id memory was exceeded");
        }
        let counts = pairing.counts();
        assert!(counts.answered <= counts.requests, "{counts:?}");
        assert!(
            counts.acknowledgements.total() <= counts.responses,
            "{counts:?}"
        );
    }
    let closed = pairing.close();
    assert!(pairing.is_empty(), "closing left entries open");
    assert!(closed.answered <= closed.requests, "{closed:?}");
}

/// Arbitrary bytes as a stream (MLLP, NDJSON or one payload), read in small pieces under
/// small limits so over-limit frames and lines are reached: every item is a report or
/// an I/O error, never a panic, and the stream ends.
pub fn stream(data: &[u8]) {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        let config = crate::Config::default()
            .with_limit(TrafficType::Hl7v2Mllp, 64)
            .with_limit(TrafficType::RedoxApi, 64)
            .with_limit(TrafficType::Other, 64);
        Engine::new(config).unwrap_or_default()
    });
    /// A reader that hands out at most 7 bytes per read.
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(7);
            let (head, tail) = self.0.split_at(n);
            if let Some(out) = buf.get_mut(..n) {
                out.copy_from_slice(head);
            }
            self.0 = tail;
            Ok(n)
        }
    }
    for report in engine
        .validate_stream(Trickle(data), &Context::new().named("fuzz"))
        .flatten()
    {
        let _ = report.to_json_line();
    }
}

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

/// Arbitrary bytes as an archive under small bounds. The first byte picks the kind (zip,
/// tar, gzip, or detected from the content) and whether the source can seek; the rest is
/// the archive. Every entry is read to its end; what is delivered stays within the byte
/// bound and never carries an unsafe name.
pub fn archive(data: &[u8]) {
    use crate::container::archive::{
        detect, for_each_entry, ArchiveBounds, ArchiveEvent, ArchiveInput, ArchiveKind,
    };
    use std::ops::ControlFlow;

    let (selector, bytes) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let kind = match selector % 4 {
        0 => ArchiveKind::Zip,
        1 => ArchiveKind::Tar,
        2 => ArchiveKind::Gzip,
        _ => detect(bytes).unwrap_or(ArchiveKind::Tar),
    };
    let bounds = ArchiveBounds {
        total_bytes: 1 << 20,
        max_ratio: 50,
        ratio_grace_bytes: 4096,
        max_entries: 64,
        max_depth: 2,
        nested_in_memory_bytes: 64 << 10,
    };
    let mut delivered = 0u64;
    let mut visit = |event: ArchiveEvent<'_>| {
        if let ArchiveEvent::Entry { path, reader, .. } = event {
            assert!(!path.is_empty(), "an entry without a path");
            for name in path {
                assert!(
                    !name.split(|&b| b == b'/' || b == b'\\').any(|c| c == b".."),
                    "an entry name with `..` was delivered"
                );
            }
            delivered += std::io::copy(reader, &mut std::io::sink()).unwrap_or(0);
        }
        ControlFlow::Continue(())
    };
    if selector & 0x80 == 0 {
        let mut cursor = std::io::Cursor::new(bytes);
        for_each_entry(
            ArchiveInput::Seekable(&mut cursor),
            kind,
            b"fuzz.gz",
            &bounds,
            &mut visit,
        );
    } else {
        let mut stream = bytes;
        for_each_entry(
            ArchiveInput::Stream(&mut stream),
            kind,
            b"fuzz.gz",
            &bounds,
            &mut visit,
        );
    }
    assert!(
        delivered <= bounds.total_bytes + bytes.len() as u64,
        "entries delivered more bytes than the bound allows"
    );
}
