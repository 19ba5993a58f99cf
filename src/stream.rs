//! Streams of messages: an MLLP connection or an NDJSON feed, one report per message as
//! it arrives, in memory bounded by one message.
//!
//! The kind of stream is decided by its first byte that is not whitespace: the MLLP
//! start block (0x0B) makes an MLLP stream (HL7 v2.5.1 MLLP, Appendix C of the
//! Implementation Guide: `<VT> message <FS><CR>`), `{` an NDJSON stream (one JSON
//! document per line), anything else is read as one payload (bounded by its limit + 1,
//! like [`Engine::validate_reader_messages`]). A frame or line larger than its limit is
//! reported as `SIZE_LIMIT_EXCEEDED` with its real size; only limit + 1 of its bytes are
//! ever held, the rest are read and dropped.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};

use crate::codes::{self, Code};
use crate::engine::{Context, Engine};
use crate::error::Error;
use crate::hl7v2::mllp::{Deframer, Event, START_BLOCK};
use crate::report::Report;
use crate::traffic::TrafficType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mllp,
    Ndjson,
    Whole,
}

/// An iterator of reports over a stream, from [`Engine::validate_stream`]. Each item is
/// one message's report, its `source` numbered `name#k` from 1; an I/O error ends the
/// stream after it is yielded.
pub struct Stream<'e, R> {
    engine: &'e Engine,
    reader: BufReader<R>,
    ctx: Context,
    kind: Option<Kind>,
    pending: VecDeque<Report>,
    deframer: Option<Deframer>,
    /// Bytes outside MLLP frames were seen since the last report.
    stray: bool,
    count: usize,
    done: bool,
}

impl<R> std::fmt::Debug for Stream<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("kind", &self.kind)
            .field("count", &self.count)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<'e, R: Read> Stream<'e, R> {
    pub(crate) fn new(engine: &'e Engine, reader: R, ctx: Context) -> Self {
        Stream {
            engine,
            reader: BufReader::with_capacity(64 * 1024, reader),
            ctx,
            kind: None,
            pending: VecDeque::new(),
            deframer: None,
            stray: false,
            count: 0,
            done: false,
        }
    }

    fn io(&self, error: std::io::Error) -> Error {
        Error::io(self.ctx.source_name.clone(), error)
    }

    /// Decides the kind of stream from its first byte that is not whitespace.
    fn detect(&mut self) -> Result<Option<Kind>, std::io::Error> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(at) => {
                    let first = buf.get(at).copied();
                    self.reader.consume(at);
                    return Ok(Some(match first {
                        Some(START_BLOCK) => Kind::Mllp,
                        Some(b'{') => Kind::Ndjson,
                        _ => Kind::Whole,
                    }));
                }
                None => {
                    let len = buf.len();
                    self.reader.consume(len);
                }
            }
        }
    }

    /// Reads up to and including `end` (or to the end of the stream), holding at most
    /// `hold` bytes and counting the rest. Returns `None` at the end of the stream.
    fn read_until(
        &mut self,
        end: u8,
        hold: u64,
    ) -> Result<Option<(Vec<u8>, u64, bool)>, std::io::Error> {
        let mut held = Vec::new();
        let mut size = 0u64;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok((size > 0).then_some((held, size, false)));
            }
            let (take, found) = match memchr::memchr(end, buf) {
                Some(at) => (at + 1, true),
                None => (buf.len(), false),
            };
            let room =
                usize::try_from(hold.saturating_sub(held.len() as u64)).unwrap_or(usize::MAX);
            held.extend_from_slice(buf.get(..take.min(room)).unwrap_or_default());
            size += take as u64;
            self.reader.consume(take);
            if found {
                return Ok(Some((held, size, true)));
            }
        }
    }

    /// Reads the next chunk into the MLLP deframer and validates the frames it
    /// completes; at the end of the stream, whatever frame is still open.
    fn next_frames(&mut self, ctx: &Context) -> Result<(), std::io::Error> {
        let mut events = Vec::new();
        let ended = {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                true
            } else {
                let len = buf.len();
                if let Some(deframer) = self.deframer.as_mut() {
                    deframer.push(buf, &mut events);
                }
                self.reader.consume(len);
                false
            }
        };
        if ended {
            if let Some(deframer) = self.deframer.as_mut() {
                deframer.finish(&mut events);
            }
            self.done = true;
        }
        for event in events {
            match event {
                Event::Frame(body) => {
                    let size = body.len() as u64 + 3;
                    self.validate_unit(&body, size, ctx);
                }
                Event::MissingEndBlock(body) => {
                    let size = body.len() as u64 + 1;
                    self.validate_unit(&body, size, ctx);
                    self.note_last(
                        &codes::HL7_MLLP_END_BLOCK_MISSING,
                        "the frame has no end block (0x1C 0x0D)",
                    );
                }
                Event::FrameTooLarge { wire_len } => {
                    // Only the size is known: the bytes were dropped as they came.
                    self.validate_unit(&[], wire_len, ctx);
                }
                Event::EndBlockWithoutCarriageReturn => self.note_last(
                    &codes::HL7_MLLP_END_BLOCK_INVALID,
                    "the end block 0x1C is not followed by 0x0D",
                ),
                Event::BytesBetweenFrames { .. } => self.stray = true,
            }
        }
        Ok(())
    }

    /// The next NDJSON line that is not blank.
    fn next_line(&mut self, limit: u64) -> Result<Option<(Vec<u8>, u64)>, std::io::Error> {
        loop {
            let Some((mut bytes, mut size, ended)) =
                self.read_until(b'\n', limit.saturating_add(1))?
            else {
                return Ok(None);
            };
            // The line's end is not part of the document (for an over-long line only
            // its LF can be known; its bytes were dropped as they came).
            if ended {
                size -= 1;
                if bytes.last() == Some(&b'\n') {
                    bytes.pop();
                    if bytes.last() == Some(&b'\r') {
                        bytes.pop();
                        size -= 1;
                    }
                }
            }
            if size > 0 && !bytes.iter().all(u8::is_ascii_whitespace) || size > limit {
                return Ok(Some((bytes, size)));
            }
        }
    }

    /// Validates one message and queues its reports, numbered across the stream.
    fn validate_unit(&mut self, bytes: &[u8], size: u64, ctx: &Context) {
        let first = self.pending.len();
        let reports = self.engine.run(bytes, size, ctx, 0);
        let single = reports.len() == 1;
        for mut report in reports {
            self.count += 1;
            if single {
                // A frame's size counts its block bytes, as a capture's would.
                report.size_bytes = size;
            }
            report.source = format!("{}#{}", self.ctx.source_name, self.count);
            self.pending.push_back(report);
        }
        if std::mem::take(&mut self.stray) {
            if let Some(report) = self.pending.get_mut(first) {
                if let Some(d) = self.engine.note(
                    &codes::HL7_MLLP_BYTES_BETWEEN_FRAMES,
                    "bytes outside MLLP frames were ignored",
                ) {
                    report.diagnostics.insert(0, d);
                }
            }
        }
    }

    /// A framing finding about the message reported last.
    fn note_last(&mut self, code: &Code, message: &str) {
        if let Some(d) = self.engine.note(code, message) {
            if let Some(report) = self.pending.back_mut() {
                report.diagnostics.push(d);
            }
        }
    }

    fn advance(&mut self) -> Result<(), Error> {
        let kind = match self.kind {
            Some(kind) => kind,
            None => match self.detect().map_err(|e| self.io(e))? {
                Some(kind) => {
                    self.kind = Some(kind);
                    kind
                }
                None => {
                    self.done = true;
                    return Ok(());
                }
            },
        };
        match kind {
            Kind::Mllp => {
                let ctx = self.typed(TrafficType::Hl7v2Mllp);
                if self.deframer.is_none() {
                    // A frame's limit counts its wire bytes: the body plus 3 block bytes.
                    let limit = self.limit_of(&ctx).saturating_sub(3);
                    self.deframer =
                        Some(Deframer::new(usize::try_from(limit).unwrap_or(usize::MAX)));
                }
                self.next_frames(&ctx).map_err(|e| self.io(e))?;
            }
            Kind::Ndjson => {
                let ctx = self.typed(TrafficType::RedoxApi);
                let limit = self.limit_of(&ctx);
                match self.next_line(limit).map_err(|e| self.io(e))? {
                    Some((bytes, size)) => self.validate_unit(&bytes, size, &ctx),
                    None => self.done = true,
                }
            }
            Kind::Whole => {
                self.done = true;
                let ctx = self.ctx.clone();
                let reports = self
                    .engine
                    .validate_reader_messages(&mut self.reader, &ctx, None)?;
                let numbered = reports.len() > 1;
                for mut report in reports {
                    self.count += 1;
                    if !numbered {
                        report.source.clone_from(&self.ctx.source_name);
                    }
                    self.pending.push_back(report);
                }
            }
        }
        Ok(())
    }

    fn limit_of(&self, ctx: &Context) -> u64 {
        self.engine
            .config()
            .limits
            .limit(ctx.hint.unwrap_or(TrafficType::Other))
    }

    /// The context for one message: the caller's hint, else the stream's own kind.
    fn typed(&self, traffic: TrafficType) -> Context {
        let mut ctx = self.ctx.clone();
        ctx.hint = Some(ctx.hint.unwrap_or(traffic));
        ctx
    }
}

impl<R: Read> Iterator for Stream<'_, R> {
    type Item = Result<Report, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(mut report) = self.pending.pop_front() {
                self.engine.seal(&mut report, Some(&self.ctx));
                return Some(Ok(report));
            }
            if self.done {
                return None;
            }
            if let Err(error) = self.advance() {
                self.done = true;
                return Some(Err(error));
            }
        }
    }
}
