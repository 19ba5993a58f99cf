//! Arbitrary bytes through the datetime engine in every syntax and under every zone
//! rule: it must never panic, and whatever it accepts must canonicalize to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payload_triage::config::lookup_zone;
use payload_triage::datetime::{canonicalize, offset_of, record, DstPolicy, Syntax, ZoneRules};
use payload_triage::report::{Format, Report};
use payload_triage::traffic::TrafficType;

const POLICIES: [DstPolicy; 5] = [
    DstPolicy::Default,
    DstPolicy::Reject,
    DstPolicy::Earlier,
    DstPolicy::Later,
    DstPolicy::Compatible,
];

fuzz_target!(|data: &[u8]| {
    // First byte: syntax (low 3 bits), DST policy, and which zone rule applies.
    let (selector, rest) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let value = String::from_utf8_lossy(rest);
    let syntax = Syntax::ALL[usize::from(selector & 7)];
    let mut rules = ZoneRules {
        dst: POLICIES[usize::from(selector >> 3) % POLICIES.len()],
        ..ZoneRules::default()
    };
    match selector >> 6 {
        1 => rules.sender_zone = lookup_zone("America/New_York").ok(),
        2 => rules.message_offset = Some(-5 * 3600),
        3 => rules.assume_utc = true,
        _ => {}
    }

    let mut report = Report::new(TrafficType::Other, Format::Unknown, 0, 0);
    record(&mut report, "/x", &value, syntax, &rules);
    assert_eq!(report.datetimes.len(), 1);
    let _ = offset_of(&value, syntax);

    if let Ok(canonical) = canonicalize(&value, syntax, &rules) {
        if let Some(text) = canonical.text() {
            // Idempotence: the canonical form is a valid ISO 8601 value that
            // canonicalizes to itself, at the same or (hour -> minute) finer reading.
            let again = canonicalize(&text, Syntax::Iso8601, &ZoneRules::default())
                .ok()
                .and_then(|c| c.text());
            assert_eq!(again.as_deref(), Some(text.as_str()));
        }
    }
});
