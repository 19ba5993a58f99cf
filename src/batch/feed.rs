//! The producer: walks the inputs, opens each file and cuts it into units.
//!
//! What a file is decides how it is cut (docs/contract.md, "Containers and payloads"):
//! - an MLLP capture (first byte 0x0B): one unit per frame, read through the streaming
//!   deframer, so a frame is held to the HL7 v2 limit and the capture to the container
//!   bounds only;
//! - a bare HL7 v2 file: one unit per message (`hl7v2::bare`), the FHS/BHS envelope
//!   checked at the end;
//! - NDJSON (the first line is a complete JSON value): one unit per line that is not
//!   blank;
//! - anything else: one unit, read up to its limit + 1 bytes.
//!
//! A channel hint other than the container's own type makes the file one payload (an
//! HL7 file sent as an upload is an uploaded file). Units are grouped into jobs of a few
//! hundred units or a quarter of a megabyte, and each job's bytes are taken from the in-flight
//! budget before it is handed to the workers.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::classify::{self, SNIFF_WINDOW};
use crate::codes::{self, Code};
use crate::container::archive::{self, ArchiveEvent, ArchiveInput, ArchiveKind};
use crate::engine::{Context, Engine};
use crate::error::Error;
use crate::hl7v2::bare::{BareSplitter, Piece};
use crate::hl7v2::mllp::{Deframer, Event, START_BLOCK};
use crate::limits::read_up_to;
use crate::report::Format;
use crate::traffic::TrafficType;

use super::walk::{self, Found};
use super::{names, Begin, Note, Options, Shared, Step, Unit};

/// Units per job, and bytes per job (each unit counted with its overhead), before it
/// is handed on. A job of a 25 MB capture is about 80 messages: at 256 (1 MiB), the
/// last job kept one core busy while the other waited, and two cores ran the capture
/// in 254 ms against 232 ms now (interleaved medians of 15 runs); 10^6
/// tiny messages still make jobs of 256, as more, smaller jobs cost them more hand-offs
/// than they gain.
const JOB_UNITS: usize = 256;
const JOB_BYTES: u64 = 256 * 1024;
/// What a unit costs the budget beyond its bytes: its report.
const UNIT_OVERHEAD: u64 = 1024;
/// Files up to this size are read and cut by a worker, not the producer.
const SMALL_FILE: u64 = 256 * 1024;
/// Bytes read at a time from a container.
const CHUNK: usize = 64 * 1024;
/// Messages up to this size are copied into their job's shared buffer
/// ([`super::Bytes::Shared`]); larger ones keep their own allocation.
const SHARED_UNIT: usize = 64 * 1024;

/// Hands a job on: its sequence number, steps, shared buffer and charge; gives back an
/// empty buffer for the next job (a recycled one, when there is one).
type Spawner<'s> = &'s dyn Fn(u64, Vec<Step>, Vec<u8>, u64) -> Vec<u8>;
type ContextFor<'s> = &'s (dyn Fn(&str) -> Result<Context, Error> + Sync);

pub(crate) struct Feeder<'s> {
    engine: &'s Engine,
    options: &'s Options,
    shared: &'s Shared,
    spawn: Spawner<'s>,
    context_for: ContextFor<'s>,
    steps: Vec<Step>,
    charge: u64,
    seq: u64,
    /// The queued units' bytes, one after another, when units share their job's
    /// buffer (the producer's feeder; a worker cutting a small file keeps each unit's
    /// own allocation, freed on the thread that made it anyway).
    arena: Option<Vec<u8>>,
}

/// A file or archive entry being opened as a container.
struct Opened {
    /// Its source name.
    name: String,
    /// Where its canonical copy goes (`--canonical-out`), if anywhere.
    canonical: Option<PathBuf>,
    /// Its size, where the file system says it.
    known_len: Option<u64>,
    /// Whether a read error is a record of its own (an archive entry's is reported by
    /// the archive walk).
    report_errors: bool,
    /// Whether `head` already holds every byte (the read that filled it met the end).
    ended: bool,
}

/// How a container is cut.
enum Kind {
    Mllp,
    Bare,
    MaybeNdjson,
    Whole,
}

impl<'s> Feeder<'s> {
    pub(crate) fn new(
        engine: &'s Engine,
        options: &'s Options,
        shared: &'s Shared,
        spawn: Spawner<'s>,
        context_for: ContextFor<'s>,
    ) -> Self {
        Feeder {
            engine,
            options,
            shared,
            spawn,
            context_for,
            steps: Vec::new(),
            charge: 0,
            seq: 0,
            arena: None,
        }
    }

    /// Units cut from here on share their job's buffer.
    ///
    /// Each message of a capture was an allocation of its own, made by the producer and
    /// freed by whichever validator took it: one cross-thread free per message, where
    /// glibc's arena locks make the threads wait on each other (`strace -f -c` on a
    /// two-core run of a 25 MB capture: thousands of `futex` calls). A job's messages
    /// now travel in one buffer, which goes back to the producer once validated.
    pub(crate) fn share_buffers(mut self) -> Self {
        self.arena = Some(Vec::new());
        self
    }

    /// Every input under `paths`, in order.
    pub(crate) fn all(&mut self, paths: &[PathBuf]) {
        for found in walk::inputs(paths, self.options.hidden) {
            if self.shared.stopped() {
                return;
            }
            match found {
                Found::File(path) => match small_file_len(&path) {
                    // A small file goes to a worker whole: reading it is the worker's.
                    Some(len) => self.push(Step::File(path, len), len),
                    None => self.file(&path, None),
                },
                Found::Stdin => self.stdin(),
                Found::Special { path, kind } => self.push(
                    Step::Skipped {
                        path: names::path(&path),
                        kind,
                    },
                    0,
                ),
                Found::Failed(error) => self.push(Step::Failed(error), 0),
            }
        }
    }

    /// Opens `path` and cuts it into units (an archive: into its entries' units).
    /// `stat_len` is the size a `stat` of the regular file `path` gave, when one was
    /// made (one `statx` per file, not two: W2's 2,000 files made 4,006). A file that
    /// changed since is still read to its end or its limit, and held to the limit.
    pub(crate) fn file(&mut self, path: &Path, stat_len: Option<u64>) {
        let name = names::path(path);
        let ctx = match (self.context_for)(&name) {
            Ok(ctx) => ctx,
            Err(error) => return self.push(Step::Failed(error), 0),
        };
        let mut file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) => return self.push(Step::Failed(Error::io(name, e)), 0),
        };
        let known_len = stat_len.or_else(|| {
            file.metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len())
        });
        // Room for the whole sniff window (or the whole file, when it is smaller) and
        // one byte more: the read then takes one call and the end of a small file is
        // seen by one more, where an empty buffer would start with a 32-byte probe and
        // grow through a read per doubling (W1 files spent 18% of a run there).
        let window = SNIFF_WINDOW as u64;
        let room = known_len.map_or(window, |n| n.min(window));
        let mut head = Vec::with_capacity(usize::try_from(room).unwrap_or(SNIFF_WINDOW) + 1);
        let ended = match read_up_to(&mut file, &mut head, window) {
            Ok(ended) => ended,
            Err(e) => return self.push(Step::Failed(Error::io(name, e)), 0),
        };
        if let Some(kind) = self.archive_kind(&head, &ctx) {
            // A zip is read through its central directory: from the start, seeking.
            if let Err(e) = file.seek(SeekFrom::Start(0)) {
                return self.push(Step::Failed(Error::io(name, e)), 0);
            }
            let outer = file_name_bytes(path);
            return self.archive(name, ArchiveInput::Seekable(&mut file), kind, &outer, &ctx);
        }
        let canonical = self
            .options
            .canonical_out
            .as_deref()
            .and_then(|dir| super::canonical_target(dir, path));
        let opened = Opened {
            name,
            canonical,
            known_len,
            report_errors: true,
            ended,
        };
        self.container(opened, head, &mut file, ctx);
    }

    fn stdin(&mut self) {
        let name = "-".to_owned();
        let ctx = match (self.context_for)(&name) {
            Ok(ctx) => ctx,
            Err(error) => return self.push(Step::Failed(error), 0),
        };
        let stdin = io::stdin();
        let mut lock = stdin.lock();
        let mut head = Vec::new();
        if let Err(e) = read_up_to(&mut lock, &mut head, SNIFF_WINDOW as u64) {
            return self.push(Step::Failed(Error::io(name, e)), 0);
        }
        if let Some(kind) = self.archive_kind(&head, &ctx) {
            let mut stream = io::Cursor::new(head).chain(lock);
            return self.archive(name, ArchiveInput::Stream(&mut stream), kind, b"", &ctx);
        }
        let opened = Opened {
            name,
            canonical: None,
            known_len: None,
            report_errors: true,
            ended: false,
        };
        self.container(opened, head, &mut lock, ctx);
    }

    /// The archive `head` starts, when archives are opened and the channel does not say
    /// the file is one upload.
    fn archive_kind(&self, head: &[u8], ctx: &Context) -> Option<ArchiveKind> {
        if !self.options.open_archives || ctx.hint.is_some() {
            return None;
        }
        archive::detect(head)
    }

    /// An archive: each entry is a file of its own, named `archive!/entry`; nested
    /// archives are opened by the reader, to a bounded depth. Problems (a corrupt
    /// archive, an unsafe name, a bomb) are reports of their own.
    fn archive(
        &mut self,
        name: String,
        input: ArchiveInput<'_>,
        kind: ArchiveKind,
        outer: &[u8],
        ctx: &Context,
    ) {
        let bounds = self.engine.config().bounds.containers.archive_bounds();
        let format = match kind {
            ArchiveKind::Zip => Format::Zip,
            ArchiveKind::Tar => Format::Tar,
            ArchiveKind::Gzip => Format::Gzip,
        };
        let entry_name = |path: &[Vec<u8>]| {
            let mut out = name.clone();
            for level in path {
                out.push_str("!/");
                names::escape_into(level, &mut out);
            }
            out
        };
        archive::for_each_entry(input, kind, outer, &bounds, &mut |event| {
            if self.shared.stopped() {
                return ControlFlow::Break(());
            }
            match event {
                ArchiveEvent::Entry { path, reader, .. } => {
                    let name = entry_name(path);
                    let mut head = Vec::new();
                    // A read error is reported by the walk right after this visit.
                    // A read error is the walk's to report (a bomb, a bad checksum),
                    // right after this visit: the entry is dropped here.
                    if read_up_to(&mut &mut *reader, &mut head, SNIFF_WINDOW as u64).is_ok() {
                        let opened = Opened {
                            name,
                            canonical: None,
                            known_len: None,
                            report_errors: false,
                            ended: false,
                        };
                        self.container(opened, head, reader, ctx.clone());
                    }
                }
                ArchiveEvent::Problem {
                    path,
                    code,
                    message,
                } => {
                    let mut report = self.engine.archive_report(format, &code, message);
                    report.source = entry_name(path);
                    self.push(Step::Report(Box::new(report)), 0);
                }
            }
            ControlFlow::Continue(())
        });
    }

    /// Cuts one file (or archive entry) into units; `head` is its first bytes, already
    /// read.
    fn container(
        &mut self,
        opened: Opened,
        head: Vec<u8>,
        reader: &mut dyn Read,
        mut ctx: Context,
    ) {
        let Opened {
            name,
            canonical,
            known_len,
            report_errors,
            ended,
        } = opened;
        // A file read whole with its head needs no read to see its end.
        let reader: &mut dyn Read = if ended { &mut io::empty() } else { reader };
        let kind = kind_of(&head, ctx.hint);
        let total = Arc::new(AtomicU64::new(0));
        let whole_size = !matches!(kind, Kind::Mllp);
        self.push(
            Step::Begin(Begin {
                name: name.clone(),
                canonical,
                whole_size,
                total: Arc::clone(&total),
            }),
            0,
        );
        // The collector names every report of a container (`name#k`), so the engine
        // need not copy the name into each one first.
        ctx.source_name = String::new();
        let mut cut = Cut {
            feeder: self,
            ctx: Arc::new(ctx),
            name,
            total: 0,
            messages: 0,
            notes: Vec::new(),
            stopped: false,
            ended,
        };
        let result = match kind {
            Kind::Mllp => cut.mllp(head, reader),
            Kind::Bare => cut.bare(head, reader),
            Kind::MaybeNdjson => cut.ndjson(head, reader, known_len),
            Kind::Whole => cut.whole(head, reader, known_len),
        };
        let Cut {
            total: read,
            notes,
            stopped,
            ..
        } = cut;
        total.store(if stopped { 0 } else { read }, Ordering::Relaxed);
        self.push(Step::End { notes }, 0);
        if let Err(error) = result {
            if report_errors {
                self.push(Step::Failed(error), 0);
            }
        }
    }

    /// Queues a step; hands the job on first when it is full.
    fn push(&mut self, step: Step, bytes: u64) {
        self.make_room();
        self.steps.push(step);
        self.charge += bytes + UNIT_OVERHEAD;
    }

    /// Hands the job on when it is full.
    fn make_room(&mut self) {
        if self.steps.len() >= JOB_UNITS || self.charge >= JOB_BYTES {
            self.flush();
        }
    }

    /// Queues a unit of `bytes`: a small one is copied into the job's shared buffer
    /// and its own buffer given back (to be reused by the caller, or dropped here, on
    /// the thread that made it).
    fn push_unit(&mut self, bytes: Vec<u8>, mut unit: Unit) -> Option<Vec<u8>> {
        let charge = bytes.len() as u64;
        // First, so that the bytes go into the buffer of the job the unit goes to.
        self.make_room();
        let spare = match self.arena.as_mut() {
            Some(arena) if bytes.len() <= SHARED_UNIT => {
                let start = arena.len();
                arena.extend_from_slice(&bytes);
                unit.bytes = super::Bytes::Shared(start..arena.len());
                Some(bytes)
            }
            _ => {
                unit.bytes = super::Bytes::Own(bytes);
                None
            }
        };
        self.push(Step::Unit(unit), charge);
        spare
    }

    /// The unit queued last, still open to notes about it.
    fn last_unit(&mut self) -> Option<&mut Unit> {
        match self.steps.last_mut() {
            Some(Step::Unit(unit)) => Some(unit),
            _ => None,
        }
    }

    /// Hands the queued steps on as one job, once the budget has room for them.
    pub(crate) fn flush(&mut self) {
        if self.steps.is_empty() {
            return;
        }
        let steps = std::mem::take(&mut self.steps);
        let charge = std::mem::take(&mut self.charge);
        if !self.shared.budget.take(charge, &self.shared.stop) {
            // Stopped: the collector no longer reads; give the charge back.
            self.shared.budget.give(charge);
            if let Some(arena) = self.arena.as_mut() {
                arena.clear();
            }
            return;
        }
        let arena = self.arena.as_mut().map(std::mem::take).unwrap_or_default();
        let next = (self.spawn)(self.seq, steps, arena, charge);
        if let Some(arena) = self.arena.as_mut() {
            *arena = next;
        }
        self.seq += 1;
    }
}

/// How a container is cut, from its first bytes and the channel hint.
fn kind_of(head: &[u8], hint: Option<TrafficType>) -> Kind {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = text.iter().copied().find(|b| !b.is_ascii_whitespace());
    let allows = |own: TrafficType| hint.is_none() || hint == Some(own);
    match first {
        Some(START_BLOCK) if allows(TrafficType::Hl7v2Mllp) => Kind::Mllp,
        Some(b'{') if allows(TrafficType::RedoxApi) => Kind::MaybeNdjson,
        _ if allows(TrafficType::Hl7v2Mllp) && classify::sniff(head).format == Format::Hl7v2 => {
            Kind::Bare
        }
        _ => Kind::Whole,
    }
}

/// The cutting of one container.
struct Cut<'f, 's> {
    feeder: &'f mut Feeder<'s>,
    ctx: Arc<Context>,
    name: String,
    total: u64,
    messages: u64,
    /// Notes for the container's last report.
    notes: Vec<Note>,
    /// A container bound stopped the reading: a lone report is not the whole container.
    stopped: bool,
    /// The head held every byte: nothing is left to read.
    ended: bool,
}

impl Cut<'_, '_> {
    fn io(&self, e: io::Error) -> Error {
        Error::io(self.name.clone(), e)
    }

    /// Makes `chunk` hold the next bytes to cut: what it holds already (the head), else
    /// the next read, into its own allocation (grown to 64 KiB at the first read; a
    /// small file, read whole with its head, never grows it). False at the end.
    fn refill(&self, reader: &mut dyn Read, chunk: &mut Vec<u8>) -> Result<bool, Error> {
        if !chunk.is_empty() {
            return Ok(true);
        }
        if self.ended {
            return Ok(false);
        }
        chunk.resize(CHUNK, 0);
        let n = read_some(reader, chunk).map_err(|e| self.io(e))?;
        chunk.truncate(n);
        Ok(n > 0)
    }

    fn limit(&self, traffic: TrafficType) -> u64 {
        self.feeder.engine.config().limits.limit(traffic)
    }

    /// The context of the container's messages: the channel hint, else `own`.
    fn typed(&self, own: TrafficType) -> Arc<Context> {
        if self.ctx.hint.is_some() {
            return Arc::clone(&self.ctx);
        }
        let mut ctx = (*self.ctx).clone();
        ctx.hint = Some(own);
        Arc::new(ctx)
    }

    /// Counts bytes read against the container bound; false once it is passed.
    fn account(&mut self, bytes: usize) -> bool {
        self.total += bytes as u64;
        let bound = self.feeder.engine.config().bounds.containers.bytes;
        if self.total > bound {
            self.stopped = true;
            self.note_end(
                &codes::CONTAINER_BYTES_EXCEEDED,
                format!("the container is larger than the {bound}-byte container bound; the rest was not read"),
            );
            return false;
        }
        true
    }

    /// Counts one message against the container bound; false once it is passed.
    fn count(&mut self) -> bool {
        let bound = self.feeder.engine.config().bounds.containers.messages;
        if self.messages >= bound {
            self.stopped = true;
            self.note_end(
                &codes::MESSAGE_COUNT_EXCEEDED,
                format!(
                    "the container holds more than {bound} messages; the rest were not examined"
                ),
            );
            return false;
        }
        self.messages += 1;
        true
    }

    fn note_end(&mut self, code: &'static Code, message: String) {
        if self.notes.iter().all(|n| n.code != code) {
            self.notes.push(Note::new(code, "", message));
        }
    }

    /// Queues a unit; gives back `bytes`' buffer when the bytes were copied into the
    /// job's shared buffer.
    fn unit(
        &mut self,
        bytes: Vec<u8>,
        size: u64,
        ctx: Arc<Context>,
        front: Vec<Note>,
    ) -> Option<Vec<u8>> {
        let canonical = self.feeder.options.canonical_out.is_some();
        let unit = Unit {
            bytes: super::Bytes::Own(Vec::new()),
            size,
            ctx,
            front,
            back: Vec::new(),
            canonical,
            trail: Vec::new(),
        };
        self.feeder.push_unit(bytes, unit)
    }

    /// An MLLP capture, frame by frame (HL7 v2.5.1 MLLP, Appendix C of the
    /// Implementation Guide: `<VT> message <FS><CR>`).
    fn mllp(&mut self, head: Vec<u8>, reader: &mut dyn Read) -> Result<(), Error> {
        let ctx = self.typed(TrafficType::Hl7v2Mllp);
        // A frame's limit counts its wire bytes: the body plus 3 block bytes.
        let limit = self.limit(ctx.hint.unwrap_or(TrafficType::Hl7v2Mllp));
        let mut deframer =
            Deframer::new(usize::try_from(limit.saturating_sub(3)).unwrap_or(usize::MAX));
        let mut events = Vec::new();
        let mut stray = false;
        let mut chunk = head;
        loop {
            if !self.refill(reader, &mut chunk)? {
                deframer.finish(&mut events);
                self.frames(&mut events, &ctx, &mut stray, &mut deframer);
                break;
            }
            let within = self.account(chunk.len());
            deframer.push(&chunk, &mut events);
            chunk.clear();
            // Frames completed by what was read are validated, even past a bound.
            if !self.frames(&mut events, &ctx, &mut stray, &mut deframer) || !within {
                return Ok(());
            }
        }
        if stray {
            self.notes.push(Note::new(
                &crate::hl7v2::codes::HL7_MLLP_BYTES_BETWEEN_FRAMES,
                "",
                "bytes outside MLLP frames were ignored",
            ));
        }
        if self.messages == 0 {
            // Nothing but stray bytes: one report says so.
            self.unit(Vec::new(), self.total, Arc::clone(&ctx), Vec::new());
        }
        Ok(())
    }

    /// Turns deframer events into units; false once the message bound is passed.
    fn frames(
        &mut self,
        events: &mut Vec<Event>,
        ctx: &Arc<Context>,
        stray: &mut bool,
        deframer: &mut Deframer,
    ) -> bool {
        for event in events.drain(..) {
            let mut front = || {
                if std::mem::take(stray) {
                    vec![Note::new(
                        &crate::hl7v2::codes::HL7_MLLP_BYTES_BETWEEN_FRAMES,
                        "",
                        "bytes outside MLLP frames were ignored",
                    )]
                } else {
                    Vec::new()
                }
            };
            match event {
                Event::Frame(body) => {
                    if !self.count() {
                        return false;
                    }
                    let size = body.len() as u64 + 3;
                    let front = front();
                    if let Some(spare) = self.unit(body, size, Arc::clone(ctx), front) {
                        deframer.recycle(spare);
                    }
                }
                Event::MissingEndBlock(body) => {
                    if !self.count() {
                        return false;
                    }
                    let size = body.len() as u64 + 1;
                    let front = front();
                    self.unit(body, size, Arc::clone(ctx), front);
                    if let Some(unit) = self.feeder.last_unit() {
                        unit.back.push(Note::new(
                            &crate::hl7v2::codes::HL7_MLLP_END_BLOCK_MISSING,
                            "",
                            "the frame has no end block (0x1C 0x0D)",
                        ));
                    }
                }
                Event::FrameTooLarge { wire_len } => {
                    if !self.count() {
                        return false;
                    }
                    let front = front();
                    self.unit(Vec::new(), wire_len, Arc::clone(ctx), front);
                }
                Event::EndBlockWithoutCarriageReturn => {
                    if let Some(unit) = self.feeder.last_unit() {
                        // The frame ended at 0x1C alone: one block byte fewer on the wire.
                        unit.size = unit.size.saturating_sub(1);
                        unit.back.push(Note::new(
                            &crate::hl7v2::codes::HL7_MLLP_END_BLOCK_INVALID,
                            "",
                            "the end block 0x1C is not followed by 0x0D",
                        ));
                    }
                }
                Event::BytesBetweenFrames { .. } => *stray = true,
            }
        }
        true
    }

    /// A bare HL7 v2 file (a batch file, or messages one after another), message by
    /// message.
    fn bare(&mut self, head: Vec<u8>, reader: &mut dyn Read) -> Result<(), Error> {
        let ctx = self.typed(TrafficType::Hl7v2Mllp);
        let limit = self.limit(ctx.hint.unwrap_or(TrafficType::Hl7v2Mllp));
        let mut splitter = BareSplitter::new(limit);
        let mut pieces = Vec::new();
        let mut chunk = match head.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => {
                self.total += 3;
                rest.to_vec()
            }
            None => head,
        };
        while self.refill(reader, &mut chunk)? {
            let within = self.account(chunk.len());
            splitter.push(&chunk, &mut pieces);
            chunk.clear();
            if !self.pieces(&mut pieces, &ctx) || !within {
                return Ok(());
            }
        }
        let envelope = splitter.finish(&mut pieces);
        if !self.pieces(&mut pieces, &ctx) {
            return Ok(());
        }
        if splitter.messages() == 0 {
            // An envelope and no message: validated whole, the envelope with it.
            let bytes = splitter.envelope_bytes();
            let size = self.total;
            self.unit(bytes, size, ctx, Vec::new());
            return Ok(());
        }
        self.notes.extend(envelope.into_iter().map(|n| Note {
            code: n.code,
            path: n.path,
            message: n.message,
        }));
        Ok(())
    }

    fn pieces(&mut self, pieces: &mut Vec<Piece>, ctx: &Arc<Context>) -> bool {
        for piece in pieces.drain(..) {
            if !self.count() {
                return false;
            }
            match piece {
                Piece::Message(bytes) => {
                    let size = bytes.len() as u64;
                    self.unit(bytes, size, Arc::clone(ctx), Vec::new());
                }
                Piece::TooLarge { size, head } => {
                    // Only the head is held: enough to say what the message is.
                    self.unit(head, size, Arc::clone(ctx), Vec::new());
                }
            }
        }
        true
    }

    /// JSON: NDJSON when the first line is a complete JSON value, else one payload.
    fn ndjson(
        &mut self,
        head: Vec<u8>,
        reader: &mut dyn Read,
        known_len: Option<u64>,
    ) -> Result<(), Error> {
        // Lines are classified one by one; hold up to the largest limit a line can have.
        let hold = TrafficType::ALL
            .iter()
            .map(|&t| self.limit(t))
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        let mut lines = BufReader::with_capacity(CHUNK, io::Cursor::new(head).chain(reader));
        let mut bom = false;
        if lines
            .fill_buf()
            .map_err(|e| self.io(e))?
            .starts_with(b"\xEF\xBB\xBF")
        {
            lines.consume(3);
            bom = true;
        }
        let Some(first) = read_line(&mut lines, hold).map_err(|e| self.io(e))? else {
            return Ok(());
        };
        let first_is_value = first.ended
            && first.size <= hold
            && crate::json::is_complete_value(trim_line_end(&first.bytes));
        if !first_is_value {
            // One document: what was read so far, and the rest up to the limit + 1.
            let mut bytes = if bom {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            let over_hold = first.size > first.bytes.len() as u64;
            bytes.extend_from_slice(&first.bytes);
            let mut size = bytes.len() as u64 + (first.size - first.bytes.len() as u64);
            if !over_hold {
                let limit = self.limit(classify::classify(&bytes, self.ctx.hint));
                let before = bytes.len();
                read_up_to(&mut lines, &mut bytes, limit.saturating_add(1))
                    .map_err(|e| self.io(e))?;
                size += (bytes.len() - before) as u64;
            }
            let size = known_len.filter(|&n| n > size).unwrap_or(size);
            self.total = size;
            let ctx = Arc::clone(&self.ctx);
            self.unit(bytes, size, ctx, Vec::new());
            return Ok(());
        }
        if bom {
            self.total += 3;
        }
        // The container's traffic type is its first message's, as for a payload held
        // whole: a `{}` line in a Redox feed is a Redox message without Meta, not
        // unrecognised JSON that passes.
        let ctx = match self.ctx.hint {
            Some(_) => Arc::clone(&self.ctx),
            None => self.typed(classify::classify(trim_line_end(&first.bytes), None)),
        };
        let mut line = Some(first);
        while let Some(current) = line {
            if !self.account(usize::try_from(current.size).unwrap_or(usize::MAX)) {
                return Ok(());
            }
            let body = trim_line_end(&current.bytes);
            let body_len = body.len();
            let blank = body.iter().all(u8::is_ascii_whitespace);
            if current.size > current.bytes.len() as u64 || !blank {
                if !self.count() {
                    return Ok(());
                }
                let trail = current.bytes.get(body_len..).unwrap_or_default().to_vec();
                let mut bytes = current.bytes;
                bytes.truncate(body_len);
                self.unit(bytes, current.size, Arc::clone(&ctx), Vec::new());
                if let Some(unit) = self.feeder.last_unit() {
                    unit.trail = trail;
                }
            } else if let Some(unit) = self.feeder.last_unit() {
                // A blank line stays in the canonical copy, after the line before it.
                unit.trail.extend_from_slice(&current.bytes);
            }
            line = read_line(&mut lines, hold).map_err(|e| self.io(e))?;
        }
        Ok(())
    }

    /// One payload: up to its limit + 1 bytes; an over-limit file whose size is known
    /// is not read past its sniff window.
    fn whole(
        &mut self,
        mut bytes: Vec<u8>,
        reader: &mut dyn Read,
        known_len: Option<u64>,
    ) -> Result<(), Error> {
        let limit = self.limit(classify::classify(&bytes, self.ctx.hint));
        let over = known_len.is_some_and(|n| n > limit);
        if !over {
            read_up_to(&mut &mut *reader, &mut bytes, limit.saturating_add(1))
                .map_err(|e| self.io(e))?;
        }
        let held = bytes.len() as u64;
        let size = match known_len {
            Some(n) if over || held > limit => n.max(held),
            _ => held,
        };
        self.total = size;
        let ctx = Arc::clone(&self.ctx);
        self.unit(bytes, size, ctx, Vec::new());
        Ok(())
    }
}

/// One line: at most `hold` bytes of it held, its full size counted, its end kept.
struct Line {
    bytes: Vec<u8>,
    size: u64,
    ended: bool,
}

fn read_line(reader: &mut impl BufRead, hold: u64) -> io::Result<Option<Line>> {
    let mut bytes = Vec::new();
    let mut size = 0u64;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok((size > 0).then_some(Line {
                bytes,
                size,
                ended: false,
            }));
        }
        let (take, found) = match memchr::memchr(b'\n', buf) {
            Some(at) => (at + 1, true),
            None => (buf.len(), false),
        };
        let room = usize::try_from(hold.saturating_sub(bytes.len() as u64)).unwrap_or(usize::MAX);
        bytes.extend_from_slice(buf.get(..take.min(room)).unwrap_or_default());
        size += take as u64;
        reader.consume(take);
        if found {
            return Ok(Some(Line {
                bytes,
                size,
                ended: true,
            }));
        }
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn read_some(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// The last component of `path`, as bytes (a plain gzip's entry is named after it).
fn file_name_bytes(path: &Path) -> Vec<u8> {
    let name = path.file_name().unwrap_or_default();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        name.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().as_bytes().to_vec()
    }
}

/// The size of a regular file small enough to hand to a worker whole.
fn small_file_len(path: &Path) -> Option<u64> {
    let meta = std::fs::metadata(path).ok()?;
    (meta.is_file() && meta.len() <= SMALL_FILE).then_some(meta.len())
}
