//! The streaming split of a bare (unframed) HL7 v2 file into messages, for the batch
//! runner: a batch file (`FHS`/`BHS` … `BTS`/`FTS`, HL7 v2.5 section 2.10.3) is a
//! container, so each of its messages is validated on its own and held to its own
//! limit, however large the file.
//!
//! Messages are cut exactly where [`super::split_unit`] cuts an in-memory payload: at a
//! segment (after a CR or LF) whose id is `MSH`, `FHS`, `BHS`, `BTS` or `FTS`. Envelope
//! segments are kept (a bounded number of them) and checked at the end by the same
//! envelope rules. Memory is bounded by one message: a message past the limit is
//! counted and its bytes dropped as they come, and so is a segment with no terminator.

use std::borrow::Cow;

use super::codes::HL7_BATCH_STRUCTURE;
use super::parse::Segments;
use super::{check_envelope_of, is_envelope, Note};

/// How many leading bytes of a message over the limit are kept.
pub(crate) const HEAD_BYTES: usize = 4096;

/// How many envelope segments are kept for the envelope check.
const MAX_ENVELOPE_SEGMENTS: usize = 100_000;

/// One message cut from the file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A message's bytes, from its first segment up to the next boundary segment.
    Message(Vec<u8>),
    /// A message longer than the limit: its size, and its first bytes (up to
    /// [`HEAD_BYTES`]) so that it is still classified as what it is.
    TooLarge { size: u64, head: Vec<u8> },
}

/// Cuts a bare HL7 v2 byte stream into messages as it arrives.
#[derive(Debug)]
pub(crate) struct BareSplitter {
    buf: Vec<u8>,
    /// The next byte of `buf` not yet examined.
    scan: usize,
    /// Where the current message began in `buf`.
    start: Option<usize>,
    /// Bytes of the current message already dropped (it is over the limit).
    dropped: u64,
    /// The first bytes of the current message, once it is being dropped.
    dropped_head: Vec<u8>,
    /// Inside a segment whose start was examined and whose bytes were dropped.
    in_segment: bool,
    max_message: u64,
    envelope: Vec<(Vec<u8>, usize)>,
    envelope_overflow: bool,
    messages: usize,
}

impl BareSplitter {
    /// A splitter that holds at most `max_message` bytes of one message.
    pub(crate) fn new(max_message: u64) -> Self {
        BareSplitter {
            buf: Vec::new(),
            scan: 0,
            start: None,
            dropped: 0,
            dropped_head: Vec::new(),
            in_segment: false,
            max_message,
            envelope: Vec::new(),
            envelope_overflow: false,
            messages: 0,
        }
    }

    /// How many messages were cut so far.
    pub(crate) fn messages(&self) -> usize {
        self.messages
    }

    /// Feeds the next bytes; completed messages are pushed to `out`.
    pub(crate) fn push(&mut self, chunk: &[u8], out: &mut Vec<Piece>) {
        self.buf.extend_from_slice(chunk);
        while let Some(at) = self
            .buf
            .get(self.scan..)
            .and_then(|rest| memchr::memchr2(b'\r', b'\n', rest))
        {
            let end = self.scan + at;
            if std::mem::take(&mut self.in_segment) {
                self.scan = end + 1;
                continue;
            }
            self.segment(self.scan, end, out);
            self.scan = end + 1;
        }
        let tail = (self.buf.len() - self.scan) as u64;
        if !self.in_segment && tail > self.max_message {
            // A segment with no terminator in sight: decide what it starts now, then
            // drop its bytes as they come.
            self.segment(self.scan, self.buf.len(), out);
            self.in_segment = true;
        }
        if self.in_segment {
            self.scan = self.buf.len();
        }
        self.compact();
    }

    /// Ends the stream: the last message, then the envelope findings (for the last
    /// message's report).
    pub(crate) fn finish(&mut self, out: &mut Vec<Piece>) -> Vec<Note> {
        if !self.in_segment && self.scan < self.buf.len() {
            self.segment(self.scan, self.buf.len(), out);
        }
        self.scan = self.buf.len();
        if let Some(start) = self.start.take() {
            self.close(start, self.buf.len(), out);
        }
        self.buf = Vec::new();
        let mut notes = Vec::new();
        if self.envelope_overflow {
            notes.push(Note {
                code: &HL7_BATCH_STRUCTURE,
                path: "",
                message: Cow::Owned(format!(
                    "the file has more than {MAX_ENVELOPE_SEGMENTS} envelope segments; the envelope was not checked"
                )),
            });
            return notes;
        }
        let envelope: Vec<_> = self
            .envelope
            .iter()
            .filter_map(|(raw, before)| Segments::new(raw).next().map(|s| (s, *before)))
            .collect();
        check_envelope_of(&envelope, self.messages, &mut notes);
        notes
    }

    /// The envelope segments seen, as bytes (for a file that holds no message: it is
    /// then validated whole, envelope and all).
    pub(crate) fn envelope_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (raw, _) in &self.envelope {
            out.extend_from_slice(raw);
            out.push(b'\r');
        }
        out
    }

    /// Examines the segment `buf[from..to]`.
    fn segment(&mut self, from: usize, to: usize, out: &mut Vec<Piece>) {
        let Some(raw) = self.buf.get(from..to) else {
            return;
        };
        if raw.is_empty() {
            return;
        }
        let id = raw.get(..3).unwrap_or(raw);
        let envelope = is_envelope(id);
        let boundary = envelope || id == b"MSH";
        // A segment cut short at the bound keeps what was seen of it.
        let kept = envelope.then(|| raw.get(..raw.len().min(4096)).unwrap_or(raw).to_vec());
        if boundary {
            if let Some(start) = self.start.take() {
                self.close(start, from, out);
            }
        }
        if let Some(raw) = kept {
            if self.envelope.len() < MAX_ENVELOPE_SEGMENTS {
                self.envelope.push((raw, self.messages));
            } else {
                self.envelope_overflow = true;
            }
        } else if self.start.is_none() {
            self.start = Some(from);
        }
    }

    /// The current message, `buf[start..end]`, is complete.
    fn close(&mut self, start: usize, end: usize, out: &mut Vec<Piece>) {
        let size = self.dropped + end.saturating_sub(start) as u64;
        if self.dropped > 0 || size > self.max_message {
            let head = if self.dropped > 0 {
                std::mem::take(&mut self.dropped_head)
            } else {
                let cut = end.min(start.saturating_add(HEAD_BYTES));
                self.buf.get(start..cut).unwrap_or_default().to_vec()
            };
            out.push(Piece::TooLarge { size, head });
        } else {
            out.push(Piece::Message(
                self.buf.get(start..end).unwrap_or_default().to_vec(),
            ));
        }
        self.dropped = 0;
        self.messages += 1;
    }

    /// Drops what no longer needs holding: everything before the current message, and
    /// the bytes of a message already over the limit.
    fn compact(&mut self) {
        let keep = match self.start {
            Some(start) => {
                let held = (self.buf.len() - start) as u64;
                if self.dropped > 0 || self.dropped + held > self.max_message {
                    if self.dropped == 0 {
                        let cut = self.buf.len().min(start.saturating_add(HEAD_BYTES));
                        self.dropped_head = self.buf.get(start..cut).unwrap_or_default().to_vec();
                    }
                    self.dropped += (self.scan - start) as u64;
                    self.start = Some(self.scan);
                    self.scan
                } else {
                    start
                }
            }
            None => self.scan,
        };
        if keep > 0 {
            self.buf.drain(..keep);
            self.scan -= keep;
            self.start = self.start.map(|s| s - keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(bytes: &[u8], chunk: usize, max: u64) -> (Vec<Piece>, Vec<&'static str>) {
        let mut splitter = BareSplitter::new(max);
        let mut out = Vec::new();
        for part in bytes.chunks(chunk.max(1)) {
            splitter.push(part, &mut out);
        }
        let notes = splitter.finish(&mut out);
        (out, notes.iter().map(|n| n.code.name).collect())
    }

    fn message(text: &str) -> Piece {
        Piece::Message(text.as_bytes().to_vec())
    }

    #[test]
    fn messages_are_cut_at_msh_and_envelope_segments_whatever_the_chunking() {
        let file = "FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|1\rPID|1\rMSH|^~\\&|2\rBTS|2\rFTS|1\r";
        for chunk in [1, 2, 5, 7, 1000] {
            let (pieces, notes) = split(file.as_bytes(), chunk, 1000);
            assert_eq!(
                pieces,
                vec![message("MSH|^~\\&|1\rPID|1\r"), message("MSH|^~\\&|2\r")],
                "chunk {chunk}"
            );
            assert!(notes.is_empty(), "chunk {chunk}: {notes:?}");
        }
    }

    #[test]
    fn a_wrong_batch_count_is_found_at_the_end() {
        let file = "BHS|^~\\&\rMSH|^~\\&|1\rBTS|5\r";
        let (pieces, notes) = split(file.as_bytes(), 3, 1000);
        assert_eq!(pieces.len(), 1);
        assert_eq!(notes, vec!["HL7_BATCH_COUNT"]);
    }

    #[test]
    fn a_message_over_the_limit_is_counted_not_held() {
        let big = format!("MSH|^~\\&|1\rOBX|{}\rMSH|^~\\&|2\r", "x".repeat(10_000));
        let (pieces, _) = split(big.as_bytes(), 64, 100);
        assert!(
            matches!(
                pieces.as_slice(),
                [Piece::TooLarge { size, head }, second]
                    if *size == 11 + 10_005
                        && head.starts_with(b"MSH|^~\\&|1\rOBX|")
                        && *second == message("MSH|^~\\&|2\r")
            ),
            "{pieces:?}"
        );
    }

    #[test]
    fn a_segment_without_terminator_is_bounded() {
        let big = format!("MSH|^~\\&|1\rOBX|{}", "x".repeat(100_000));
        let mut splitter = BareSplitter::new(100);
        let mut out = Vec::new();
        for part in big.as_bytes().chunks(1000) {
            splitter.push(part, &mut out);
            assert!(splitter.buf.len() <= 1100, "held {}", splitter.buf.len());
        }
        splitter.finish(&mut out);
        assert!(matches!(
            out.as_slice(),
            [Piece::TooLarge { size, head }]
                if *size == big.len() as u64 && head.starts_with(b"MSH|")
        ));
    }

    #[test]
    fn line_feeds_and_leading_segments_split_as_in_memory() {
        let file = "PID|0\nMSH|^~\\&|1\r\nPID|1\r\n";
        let (pieces, _) = split(file.as_bytes(), 4, 1000);
        assert_eq!(
            pieces,
            vec![message("PID|0\n"), message("MSH|^~\\&|1\r\nPID|1\r\n")]
        );
    }
}
