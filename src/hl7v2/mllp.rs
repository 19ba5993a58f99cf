//! MLLP framing (HL7 v2.5 Implementation Guide, Appendix C "Minimal Lower Layer
//! Protocol", release 2): a frame is `0x0B` (start block), the message, `0x1C 0x0D`
//! (end block, carriage return).
//!
//! Two ways in: [`pieces`] walks a capture that is already in memory and lends out
//! frames as slices (what the engine uses), and [`Deframer`] takes a stream chunk by
//! chunk for a listener, never holding more than its frame limit.

use memchr::{memchr, memchr2};

use crate::cursor::{sub, Cursor};

/// Start block.
pub const START_BLOCK: u8 = 0x0B;
/// End block.
pub const END_BLOCK: u8 = 0x1C;

/// One piece of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A frame: `wire` is every byte of it (start block to the end block's CR),
    /// `body` the message inside.
    Frame {
        /// Byte offset of the start block.
        offset: usize,
        /// The frame's bytes as they arrived.
        wire: &'a [u8],
        /// The message between the blocks.
        body: &'a [u8],
        /// False when the capture ends (or a new start block comes) before an end block.
        terminated: bool,
        /// False when the end block is not followed by a carriage return.
        end_cr: bool,
    },
    /// Bytes outside any frame that are not whitespace.
    Stray {
        /// Byte offset of the first stray byte.
        offset: usize,
        /// The stray bytes.
        bytes: &'a [u8],
    },
}

/// Walks the frames of an in-memory capture. Whitespace between frames is skipped.
pub fn pieces(bytes: &[u8]) -> Pieces<'_> {
    Pieces { bytes, pos: 0 }
}

/// Iterator returned by [`pieces`].
#[derive(Debug, Clone)]
pub struct Pieces<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        let mut cursor = Cursor::new(self.bytes.get(self.pos..)?);
        cursor.skip_while(|b| b.is_ascii_whitespace());
        let start = self.pos + cursor.position();
        let rest = cursor.rest();
        if cursor.peek()? != START_BLOCK {
            let len = memchr(START_BLOCK, rest).unwrap_or(rest.len());
            let bytes = cursor.take(len)?;
            self.pos = start + len;
            return Some(Piece::Stray {
                offset: start,
                bytes,
            });
        }
        cursor.skip(1)?;
        let inner = cursor.rest();
        // A new start block, or the end of the capture, before an end block leaves the
        // frame unterminated.
        let i = memchr2(END_BLOCK, START_BLOCK, inner).unwrap_or(inner.len());
        let body = cursor.take(i)?;
        let terminated = cursor.peek() == Some(END_BLOCK);
        let mut end_cr = false;
        if terminated {
            cursor.skip(1)?;
            end_cr = cursor.peek() == Some(b'\r');
            if end_cr {
                cursor.skip(1)?;
            }
        }
        let wire = sub(rest, 0, cursor.position() - (start - self.pos))?;
        self.pos = start + wire.len();
        Some(Piece::Frame {
            offset: start,
            wire,
            body,
            terminated,
            end_cr,
        })
    }
}

/// What a [`Deframer`] found in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A complete frame's message (between the blocks).
    Frame(Vec<u8>),
    /// A frame longer than the limit; its bytes were dropped as they came.
    FrameTooLarge {
        /// Bytes of the frame, blocks included.
        wire_len: u64,
    },
    /// Non-whitespace bytes outside any frame.
    BytesBetweenFrames {
        /// How many.
        len: u64,
    },
    /// A frame cut short: a new start block or the end of the stream came first. The
    /// partial message is handed over (empty when it was over the limit).
    MissingEndBlock(Vec<u8>),
    /// An end block not followed by a carriage return.
    EndBlockWithoutCarriageReturn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Between,
    InFrame,
    AfterEndBlock,
}

/// A streaming deframer for an MLLP connection. Its buffer never grows beyond
/// `max_frame` bytes: an over-long frame is counted and dropped, not held.
///
/// ```
/// use payload_triage::unstable::hl7v2::mllp::{Deframer, Event};
/// let mut d = Deframer::new(1024);
/// let mut events = Vec::new();
/// d.push(b"\x0bMSH|^~\\&|A\x1c", &mut events);
/// d.push(b"\r\x0bMSH|^~\\&|B", &mut events);
/// d.finish(&mut events);
/// assert_eq!(events[0], Event::Frame(b"MSH|^~\\&|A".to_vec()));
/// assert_eq!(events[1], Event::MissingEndBlock(b"MSH|^~\\&|B".to_vec()));
/// ```
#[derive(Debug, Clone)]
pub struct Deframer {
    buffer: Vec<u8>,
    max_frame: usize,
    state: State,
    frame_len: u64,
    oversized: bool,
    stray: u64,
}

impl Deframer {
    /// A deframer that holds at most `max_frame` bytes of one frame.
    pub fn new(max_frame: usize) -> Self {
        Deframer {
            buffer: Vec::new(),
            max_frame,
            state: State::Between,
            frame_len: 0,
            oversized: false,
            stray: 0,
        }
    }

    /// Bytes currently held.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Gives back the buffer of a frame handed out earlier, to be filled again: a
    /// stream of frames then reuses one allocation instead of making one per frame.
    /// A buffer larger than `max_frame` is dropped.
    pub fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.buffer.is_empty()
            && self.buffer.capacity() < buffer.capacity()
            && buffer.capacity() <= self.max_frame
        {
            buffer.clear();
            self.buffer = buffer;
        }
    }

    fn flush_stray(&mut self, out: &mut Vec<Event>) {
        if self.stray > 0 {
            out.push(Event::BytesBetweenFrames { len: self.stray });
            self.stray = 0;
        }
    }

    fn open_frame(&mut self) {
        self.state = State::InFrame;
        self.buffer.clear();
        self.frame_len = 1;
        self.oversized = false;
    }

    fn close_frame(&mut self, out: &mut Vec<Event>, complete: bool) {
        let body = std::mem::take(&mut self.buffer);
        if self.oversized {
            out.push(Event::FrameTooLarge {
                wire_len: self.frame_len,
            });
            if !complete {
                out.push(Event::MissingEndBlock(Vec::new()));
            }
        } else if complete {
            out.push(Event::Frame(body));
        } else {
            out.push(Event::MissingEndBlock(body));
        }
        self.oversized = false;
        self.frame_len = 0;
    }

    /// Feeds the next chunk of the stream; events found are appended to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<Event>) {
        let mut chunk = Cursor::new(chunk);
        while !chunk.is_empty() {
            match self.state {
                State::AfterEndBlock => {
                    if chunk.peek() == Some(b'\r') {
                        chunk.skip(1);
                    } else {
                        out.push(Event::EndBlockWithoutCarriageReturn);
                    }
                    self.state = State::Between;
                }
                State::Between => {
                    let next = memchr(START_BLOCK, chunk.rest()).unwrap_or(chunk.rest().len());
                    if let Some(gap) = chunk.take(next) {
                        self.stray +=
                            gap.iter().filter(|b| !b.is_ascii_whitespace()).count() as u64;
                    }
                    if chunk.skip(1).is_some() {
                        self.flush_stray(out);
                        self.open_frame();
                    }
                }
                State::InFrame => {
                    let take =
                        memchr2(END_BLOCK, START_BLOCK, chunk.rest()).unwrap_or(chunk.rest().len());
                    let Some(part) = chunk.take(take) else {
                        break;
                    };
                    self.frame_len += part.len() as u64;
                    if !self.oversized {
                        if self.buffer.len() + part.len() > self.max_frame {
                            self.oversized = true;
                            self.buffer = Vec::new();
                        } else {
                            self.buffer.extend_from_slice(part);
                        }
                    }
                    match chunk.take(1) {
                        Some([END_BLOCK]) => {
                            self.frame_len += 2;
                            self.close_frame(out, true);
                            self.state = State::AfterEndBlock;
                        }
                        Some(_) => {
                            // A start block inside a frame: the previous one never ended.
                            self.close_frame(out, false);
                            self.open_frame();
                        }
                        None => {}
                    }
                }
            }
        }
    }

    /// Ends the stream: a frame still open is reported as missing its end block.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        match self.state {
            State::InFrame => self.close_frame(out, false),
            State::Between => self.flush_stray(out),
            State::AfterEndBlock => out.push(Event::EndBlockWithoutCarriageReturn),
        }
        self.state = State::Between;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_whitespace_and_stray_bytes_are_told_apart() {
        let capture = b"\x0bA\x1c\r\r\n\x0bB\x1c\rjunk\x0bC";
        let got: Vec<_> = pieces(capture).collect();
        assert!(matches!(
            got[0],
            Piece::Frame {
                body: b"A",
                terminated: true,
                end_cr: true,
                ..
            }
        ));
        assert!(matches!(
            got[1],
            Piece::Frame {
                body: b"B",
                terminated: true,
                ..
            }
        ));
        assert!(matches!(got[2], Piece::Stray { bytes: b"junk", .. }));
        assert!(matches!(
            got[3],
            Piece::Frame {
                body: b"C",
                terminated: false,
                ..
            }
        ));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn a_recycled_buffer_is_filled_again_and_never_leaks_old_bytes() {
        let mut d = Deframer::new(64);
        let mut ev = Vec::new();
        d.push(b"\x0bMSH|LONGER-FIRST-FRAME\x1c\r", &mut ev);
        let Some(Event::Frame(first)) = ev.pop() else {
            panic!("no frame: {ev:?}");
        };
        let capacity = first.capacity();
        d.recycle(first);
        // Recycled while a frame is open and partly held: the held bytes stay.
        d.push(b"\x0bMSH|B", &mut ev);
        d.recycle(Vec::with_capacity(1000));
        d.push(b"2\x1c\r\x0bMSH|C\x1c\r", &mut ev);
        assert_eq!(
            ev,
            [
                Event::Frame(b"MSH|B2".to_vec()),
                Event::Frame(b"MSH|C".to_vec())
            ]
        );
        assert!(capacity >= b"MSH|LONGER-FIRST-FRAME".len());
        // A buffer over the frame bound is not kept.
        d.recycle(Vec::with_capacity(65));
        assert!(d.buffer.capacity() <= 64);
    }

    #[test]
    fn a_stream_with_no_end_block_is_reported_not_held_forever() {
        let mut d = Deframer::new(10);
        let mut ev = Vec::new();
        d.push(b"\x0b", &mut ev);
        for _ in 0..1000 {
            d.push(b"xxxxxxxxxx", &mut ev);
            assert!(d.buffered() <= 10);
        }
        d.finish(&mut ev);
        assert_eq!(
            ev,
            [
                Event::FrameTooLarge { wire_len: 10_001 },
                Event::MissingEndBlock(Vec::new())
            ]
        );
    }

    #[test]
    fn deframer_splits_frames_across_chunk_boundaries() {
        let stream = b"\x0bMSH|1\x1c\r  \x0bMSH|2\x1c\r";
        for cut in 0..stream.len() {
            let mut d = Deframer::new(100);
            let mut ev = Vec::new();
            d.push(&stream[..cut], &mut ev);
            d.push(&stream[cut..], &mut ev);
            d.finish(&mut ev);
            assert_eq!(
                ev,
                [
                    Event::Frame(b"MSH|1".to_vec()),
                    Event::Frame(b"MSH|2".to_vec())
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn bytes_between_frames_are_counted() {
        let mut d = Deframer::new(100);
        let mut ev = Vec::new();
        d.push(b"ab \x0bX\x1c\r", &mut ev);
        d.finish(&mut ev);
        assert_eq!(
            ev,
            [
                Event::BytesBetweenFrames { len: 2 },
                Event::Frame(b"X".to_vec())
            ]
        );
    }
}
