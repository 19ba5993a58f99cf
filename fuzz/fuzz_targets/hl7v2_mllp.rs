//! Fuzzes MLLP deframing: the in-memory walk and the streaming deframer, fed in chunks
//! whose sizes come from the input. The deframer's buffer must stay within its limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payload_triage::hl7v2::mllp::{self, Deframer};

fuzz_target!(|data: &[u8]| {
    let mut covered = 0usize;
    for piece in mllp::pieces(data) {
        covered += match piece {
            mllp::Piece::Frame { wire, .. } => wire.len(),
            mllp::Piece::Stray { bytes, .. } => bytes.len(),
        };
    }
    assert!(covered <= data.len());

    let (&limit, rest) = data.split_first().unwrap_or((&16, &[][..]));
    let max = usize::from(limit) + 1;
    let mut deframer = Deframer::new(max);
    let mut events = Vec::new();
    let mut chunks = rest;
    while !chunks.is_empty() {
        let take = (usize::from(chunks[0]) % 7 + 1).min(chunks.len());
        deframer.push(&chunks[..take], &mut events);
        assert!(deframer.buffered() <= max);
        chunks = &chunks[take..];
    }
    deframer.finish(&mut events);
});
