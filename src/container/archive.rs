//! Streaming archive readers: zip, tar and gzip (with `.tgz`), opened under bomb guards.
//!
//! [`for_each_entry`] walks an archive in archive order and calls the visitor once per
//! regular file ([`ArchiveEvent::Entry`], with a reader of its decompressed bytes) and
//! once per thing the caller must report ([`ArchiveEvent::Problem`]). Nested archives
//! (found by content, [`detect`]) are opened here, to `max_depth` levels, so the
//! visitor only ever sees files; every entry carries its path, one element per level.
//!
//! Every bound is decided on bytes actually read or produced, never on sizes an archive
//! declares: the total of decompressed bytes (all levels together), the ratio of
//! decompressed to compressed bytes (per entry and for the whole walk), the number of
//! entries (all levels together) and the nesting depth. Memory stays bounded: tar and
//! gzip are streamed; a zip is read through its central directory (refused before it is
//! parsed when it declares more entries than the bound allows); a zip nested in another
//! archive is held in memory up to `nested_in_memory_bytes`.
//!
//! Nothing here writes a file or follows a link: an entry whose name is absolute or
//! climbs with `..`, and a link or device entry, is reported and never read.

use std::cell::{Cell, RefCell};
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::rc::Rc;

use super::codes;
use crate::codes::Code;

/// The kinds of archive this module opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// PKWARE APPNOTE zip (stored and deflated entries).
    Zip,
    /// POSIX ustar / pax and GNU tar.
    Tar,
    /// RFC 1952 gzip; a gzip whose content is a tar is a `.tgz`.
    Gzip,
}

/// How many leading bytes [`detect`] needs to see every signature (the tar magic sits
/// at offset 257 of the first 512-byte header).
pub const DETECT_BYTES: usize = 512;

/// What kind of archive `head` (the first bytes of a file, [`DETECT_BYTES`] suffice)
/// starts, if any.
///
/// - zip: a local file header `PK\x03\x04` or, for an empty archive, the end of central
///   directory record `PK\x05\x06` (APPNOTE 6.3.10, sections 4.3.7 and 4.3.16);
/// - gzip: ID1 ID2 = `1f 8b` and CM = 8, deflate (RFC 1952 section 2.3.1);
/// - tar: the `ustar` magic at offset 257 (POSIX.1-1988 ustar `ustar\0`, GNU `ustar `).
pub fn detect(head: &[u8]) -> Option<ArchiveKind> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Some(ArchiveKind::Zip);
    }
    if head.starts_with(&[0x1f, 0x8b, 0x08]) {
        return Some(ArchiveKind::Gzip);
    }
    if head.get(257..262) == Some(b"ustar".as_slice()) {
        return Some(ArchiveKind::Tar);
    }
    None
}

/// The bounds one walk is held to. Byte and entry counts are shared by every nesting
/// level of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveBounds {
    /// Decompressed bytes produced by the whole walk, every level counted where it
    /// decompresses (a zip entry's output, a gzip stream's output).
    pub total_bytes: u64,
    /// Largest ratio of decompressed to compressed bytes, per entry and for the walk.
    pub max_ratio: u64,
    /// Output an entry (or the walk) may produce before the ratio is checked: small,
    /// very repetitive files are harmless whatever their ratio.
    pub ratio_grace_bytes: u64,
    /// Entries of every kind (files, directories, links) across all levels.
    pub max_entries: u64,
    /// How many archive levels may sit inside the outer archive (0: none is opened).
    pub max_depth: u8,
    /// Largest nested zip held in memory to be opened (zip needs to seek).
    pub nested_in_memory_bytes: u64,
}

impl Default for ArchiveBounds {
    /// Generous: 16 GiB decompressed, ratio 250 past 16 MiB, 100,000 entries, two
    /// nested levels, 64 MiB for a nested zip.
    fn default() -> Self {
        ArchiveBounds {
            total_bytes: 16 << 30,
            max_ratio: 250,
            ratio_grace_bytes: 16 << 20,
            max_entries: 100_000,
            max_depth: 2,
            nested_in_memory_bytes: 64 << 20,
        }
    }
}

/// `Read + Seek`, as one object-safe trait.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek + ?Sized> ReadSeek for T {}

/// What [`for_each_entry`] reads: a zip needs to seek (a `File`); tar and gzip stream
/// from any reader. A zip given as a stream is read into memory first, up to
/// `nested_in_memory_bytes`.
pub enum ArchiveInput<'a> {
    /// A seekable source (a `File`, a `Cursor`).
    Seekable(&'a mut dyn ReadSeek),
    /// A stream.
    Stream(&'a mut dyn Read),
}

/// What the walk hands its visitor.
pub enum ArchiveEvent<'a> {
    /// A regular file. `path` names it: one element per archive level, outermost first,
    /// each the name as stored (raw bytes, `/`-separated). A plain gzip's single entry
    /// is named after the gzip (its own name without `.gz`); a `.tgz`'s entries are the
    /// tar's, one level. `reader` yields the decompressed bytes through the guards: if a
    /// read fails, drop the entry; the walk reports why right after the visit returns.
    /// `size_hint` is the size the archive declares, capped by the byte bound: never
    /// trust it further (do not allocate from it).
    Entry {
        /// The entry's path, outermost level first.
        path: &'a [Vec<u8>],
        /// The decompressed bytes.
        reader: &'a mut dyn Read,
        /// The declared size, untrusted.
        size_hint: Option<u64>,
    },
    /// Something the caller must report. `path` names the entry, or is the path of the
    /// (nested) archive itself (empty for the outer archive) when the archive is at
    /// fault. `message` names the rule, never a value from the archive.
    Problem {
        /// Where: the entry or the archive.
        path: &'a [Vec<u8>],
        /// The diagnostic code.
        code: Code,
        /// What happened, without payload values.
        message: String,
    },
}

/// Walks the archive `input` of kind `kind` (from [`detect`]), in archive order, under
/// `bounds`. `outer_name` is the archive's own file name (or empty): it names a plain
/// gzip's entry. The visitor returns `ControlFlow::Break(())` to stop the walk.
pub fn for_each_entry(
    input: ArchiveInput<'_>,
    kind: ArchiveKind,
    outer_name: &[u8],
    bounds: &ArchiveBounds,
    visit: &mut dyn FnMut(ArchiveEvent<'_>) -> ControlFlow<()>,
) {
    let budget = Budget::default();
    let mut walk = Walk {
        bounds,
        budget: &budget,
        visit,
        path: Vec::new(),
        stopped: false,
    };
    match input {
        ArchiveInput::Seekable(source) => {
            if kind == ArchiveKind::Zip {
                // The zip reader's source counts its own bytes.
                walk.zip(source, &budget.outer_in, 0);
                return;
            }
            let mut counted = Counting {
                inner: source,
                count: &budget.outer_in,
            };
            walk.stream(kind, &mut counted, 0, outer_name);
        }
        ArchiveInput::Stream(source) => {
            let mut counted = Counting {
                inner: source,
                count: &budget.outer_in,
            };
            walk.stream(kind, &mut counted, 0, outer_name);
        }
    }
}

/// The name of a plain gzip's single entry: the last component of the gzip's own name
/// without its `.gz` (or `.gzip`) suffix; `.tgz` becomes `.tar`.
fn gzip_entry_name(name: &[u8]) -> Vec<u8> {
    let base = name
        .rsplit(|&b| b == b'/' || b == b'\\')
        .next()
        .unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    for (suffix, replacement) in [
        (b".gz".as_slice(), b"".as_slice()),
        (b".gzip", b""),
        (b".tgz", b".tar"),
    ] {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            let mut out = base
                .get(..base.len() - suffix.len())
                .unwrap_or(base)
                .to_vec();
            out.extend_from_slice(replacement);
            return out;
        }
    }
    base.to_vec()
}

/// Why reading stopped: recorded by the first guard that sees it (inner levels see the
/// outer level's error afterwards and keep the first cause).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trip {
    /// The walk's decompressed bytes passed `total_bytes`.
    Total,
    /// One entry's (or gzip stream's) ratio passed `max_ratio`.
    Ratio,
    /// The walk's ratio against the outer archive's bytes passed `max_ratio`.
    OverallRatio,
    /// The data is broken; the message says how, without values.
    Corrupt(&'static str),
}

impl Trip {
    /// Whether the whole walk must stop (a shared bound is spent).
    fn fatal(self) -> bool {
        matches!(self, Trip::Total | Trip::OverallRatio)
    }

    fn code(self) -> Code {
        match self {
            Trip::Total => codes::CONTAINER_BYTES_EXCEEDED,
            Trip::Ratio | Trip::OverallRatio => codes::ARCHIVE_BOMB_SUSPECTED,
            Trip::Corrupt(_) => codes::ARCHIVE_CORRUPT,
        }
    }

    fn message(self, bounds: &ArchiveBounds) -> String {
        match self {
            Trip::Total => format!(
                "the archive produced more than {} decompressed bytes; the rest was not read",
                bounds.total_bytes
            ),
            Trip::Ratio => format!(
                "the entry decompresses to more than {} times its compressed size; reading stopped",
                bounds.max_ratio
            ),
            Trip::OverallRatio => format!(
                "the archive decompresses to more than {} times its own size; the rest was not read",
                bounds.max_ratio
            ),
            Trip::Corrupt(why) => why.to_owned(),
        }
    }
}

/// The walk's shared counters.
#[derive(Default)]
struct Budget {
    /// Decompressed bytes produced, all levels.
    produced: Cell<u64>,
    /// Bytes read from the outer archive.
    outer_in: Cell<u64>,
    /// Entries met, all levels.
    entries: Cell<u64>,
    /// The first reason a read failed since the last check.
    trip: Cell<Option<Trip>>,
}

impl Budget {
    fn record(&self, trip: Trip) {
        if self.trip.get().is_none() {
            self.trip.set(Some(trip));
        }
    }
}

/// An error for a read stopped by a guard; the cause is in [`Budget::trip`].
fn stopped_error() -> io::Error {
    io::Error::other("archive bound reached")
}

/// What an I/O error from a decompressor or a short source means, without its text
/// (which may quote data).
fn corrupt_reason(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "the archive ends in the middle of compressed data",
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
            "the compressed data is corrupt or fails its checksum"
        }
        _ => "the archive's data could not be read",
    }
}

/// Counts the bytes read from (and skipped in) a source.
struct Counting<'c, R> {
    inner: R,
    count: &'c Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get().saturating_add(n as u64));
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<'_, R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// The guard on a decompressor's output: counts every byte produced against the walk's
/// total, and checks the ratio to the compressed bytes it consumed (`level_in` since
/// the guard was made) and the walk's ratio to the outer archive's bytes.
struct Meter<'g, R> {
    inner: R,
    level_in: &'g Cell<u64>,
    in_start: u64,
    out: u64,
    budget: &'g Budget,
    bounds: &'g ArchiveBounds,
    failed: bool,
}

impl<'g, R: Read> Meter<'g, R> {
    fn new(
        inner: R,
        level_in: &'g Cell<u64>,
        budget: &'g Budget,
        bounds: &'g ArchiveBounds,
    ) -> Self {
        Meter {
            inner,
            level_in,
            in_start: level_in.get(),
            out: 0,
            budget,
            bounds,
            failed: false,
        }
    }

    fn trip(&mut self, trip: Trip) -> io::Error {
        self.failed = true;
        self.budget.record(trip);
        stopped_error()
    }
}

impl<R: Read> Read for Meter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(stopped_error());
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => return Err(self.trip(Trip::Corrupt(corrupt_reason(&e)))),
        };
        let bounds = self.bounds;
        self.out = self.out.saturating_add(n as u64);
        let produced = self.budget.produced.get().saturating_add(n as u64);
        self.budget.produced.set(produced);
        if produced > bounds.total_bytes {
            return Err(self.trip(Trip::Total));
        }
        let consumed = self.level_in.get().saturating_sub(self.in_start).max(1);
        if self.out > bounds.ratio_grace_bytes
            && self.out > bounds.max_ratio.saturating_mul(consumed)
        {
            return Err(self.trip(Trip::Ratio));
        }
        let outer = self.budget.outer_in.get().max(1);
        if produced > bounds.ratio_grace_bytes && produced > bounds.max_ratio.saturating_mul(outer)
        {
            return Err(self.trip(Trip::OverallRatio));
        }
        Ok(n)
    }
}

/// A tar entry's reader: records read errors, and an entry that ends before its
/// declared size (a size field larger than what follows) as corrupt.
struct TarEntry<'g, R> {
    inner: R,
    declared: u64,
    read: u64,
    budget: &'g Budget,
}

impl<R: Read> Read for TarEntry<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(0) if !buf.is_empty() && self.read < self.declared => {
                self.budget.record(Trip::Corrupt(
                    "a tar entry ends before the size its header declares",
                ));
                Err(io::ErrorKind::UnexpectedEof.into())
            }
            Ok(n) => {
                self.read = self.read.saturating_add(n as u64);
                Ok(n)
            }
            Err(e) => {
                self.budget.record(Trip::Corrupt(corrupt_reason(&e)));
                Err(e)
            }
        }
    }
}

/// A seekable source shared between the zip reader and this module's own checks of
/// the local headers; every byte read is counted.
struct Shared<'c, R> {
    inner: Rc<RefCell<R>>,
    count: &'c Cell<u64>,
}

impl<R: Read> Read for Shared<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self
            .inner
            .try_borrow_mut()
            .map_err(|_| io::Error::other("zip source busy"))?
            .read(buf)?;
        self.count.set(self.count.get().saturating_add(n as u64));
        Ok(n)
    }
}

impl<R: Seek> Seek for Shared<'_, R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner
            .try_borrow_mut()
            .map_err(|_| io::Error::other("zip source busy"))?
            .seek(pos)
    }
}

/// Why an entry's name is unsafe to use as a path, if it is: absolute (a leading `/` or
/// `\`, a drive letter), a `..` component (either separator), or a NUL byte.
fn unsafe_name(name: &[u8]) -> Option<&'static str> {
    if name.contains(&0) {
        return Some("an entry name holds a NUL byte; the entry was not read");
    }
    if name.starts_with(b"/") || name.starts_with(b"\\") {
        return Some("an entry name is an absolute path; the entry was not read");
    }
    if let [drive, b':', ..] = name {
        if drive.is_ascii_alphabetic() {
            return Some("an entry name starts with a drive letter; the entry was not read");
        }
    }
    if name
        .split(|&b| b == b'/' || b == b'\\')
        .any(|component| component == b"..")
    {
        return Some("an entry name climbs out of the archive with `..`; the entry was not read");
    }
    None
}

/// The longest GNU long name or pax extended header read (they are names and a few
/// numbers; a larger one is refused rather than held in memory).
const EXTENDED_HEADER_MAX: u64 = 64 * 1024;

/// One walk: the bounds, the shared budget, the visitor and the current path.
struct Walk<'w> {
    bounds: &'w ArchiveBounds,
    budget: &'w Budget,
    visit: &'w mut dyn FnMut(ArchiveEvent<'_>) -> ControlFlow<()>,
    path: Vec<Vec<u8>>,
    stopped: bool,
}

impl Walk<'_> {
    /// Reports a problem at the current path.
    fn problem(&mut self, code: Code, message: impl Into<String>) {
        if self.stopped {
            return;
        }
        let flow = (self.visit)(ArchiveEvent::Problem {
            path: &self.path,
            code,
            message: message.into(),
        });
        if flow.is_break() {
            self.stopped = true;
        }
    }

    /// Reports the recorded trip, if any (or `fallback` when a read failed without
    /// one). Returns whether there was one.
    fn report_trip(&mut self, fallback: Option<Trip>) -> bool {
        let Some(trip) = self.budget.trip.take().or(fallback) else {
            return false;
        };
        let message = trip.message(self.bounds);
        self.problem(trip.code(), message);
        if trip.fatal() {
            self.stopped = true;
        }
        true
    }

    /// Counts one entry; past the bound, reports it and stops the walk.
    fn count_entry(&mut self) -> bool {
        let entries = self.budget.entries.get().saturating_add(1);
        self.budget.entries.set(entries);
        if entries > self.bounds.max_entries {
            let message = format!(
                "the archive holds more than {} entries; the rest were not examined",
                self.bounds.max_entries
            );
            self.problem(codes::CONTAINER_ENTRIES_EXCEEDED, message);
            self.stopped = true;
            return false;
        }
        true
    }

    /// An archive read from a stream (`name` names a plain gzip's entry).
    fn stream(&mut self, kind: ArchiveKind, source: &mut dyn Read, depth: u8, name: &[u8]) {
        match kind {
            ArchiveKind::Tar => self.tar(source, depth),
            ArchiveKind::Gzip => self.gzip(source, depth, gzip_entry_name(name)),
            ArchiveKind::Zip => {
                let limit = self.bounds.nested_in_memory_bytes;
                let mut bytes = Vec::new();
                let read = source.take(limit.saturating_add(1)).read_to_end(&mut bytes);
                if let Err(e) = read {
                    self.report_trip(Some(Trip::Corrupt(corrupt_reason(&e))));
                    return;
                }
                if bytes.len() as u64 > limit {
                    let message = format!(
                        "a zip read from a stream or nested in an archive is larger than {limit} bytes; it was not opened"
                    );
                    self.problem(codes::CONTAINER_BYTES_EXCEEDED, message);
                    return;
                }
                let count = Cell::new(0);
                self.zip(&mut Cursor::new(bytes), &count, depth);
            }
        }
    }

    /// A regular file at the current path: opened when it is an archive itself (one
    /// level deeper), else handed to the visitor. Returns whether reading it failed.
    fn deliver(&mut self, reader: &mut dyn Read, depth: u8, size_hint: Option<u64>) -> bool {
        let mut head = Vec::with_capacity(DETECT_BYTES);
        if let Err(e) = reader.take(DETECT_BYTES as u64).read_to_end(&mut head) {
            return self.report_trip(Some(Trip::Corrupt(corrupt_reason(&e))));
        }
        match detect(&head) {
            Some(_) if depth >= self.bounds.max_depth => {
                let message = format!(
                    "an archive nested more than {} levels deep was not opened",
                    self.bounds.max_depth
                );
                self.problem(codes::ARCHIVE_DEPTH_EXCEEDED, message);
                false
            }
            Some(kind) => {
                let name = self.path.last().cloned().unwrap_or_default();
                let mut chained = Cursor::new(head).chain(reader);
                self.stream(kind, &mut chained, depth.saturating_add(1), &name);
                // Whatever the inner walk left unreported belongs to it.
                self.report_trip(None)
            }
            None => {
                let cap = self
                    .bounds
                    .total_bytes
                    .saturating_sub(self.budget.produced.get());
                let mut chained = Cursor::new(head).chain(reader);
                let flow = (self.visit)(ArchiveEvent::Entry {
                    path: &self.path,
                    reader: &mut chained,
                    size_hint: size_hint.map(|s| s.min(cap)),
                });
                if flow.is_break() {
                    self.stopped = true;
                }
                self.report_trip(None)
            }
        }
    }

    /// A zip: the central directory (APPNOTE 4.3.12), each entry checked against its
    /// local header (4.3.7), then the entries in central directory order.
    fn zip<R: Read + Seek + ?Sized>(&mut self, source: &mut R, count: &Cell<u64>, depth: u8) {
        // An unreadable tail is left to the zip reader, which reports it.
        let declared = declared_zip_entries(source).ok().flatten();
        if let Some(n) = declared {
            let room = self
                .bounds
                .max_entries
                .saturating_sub(self.budget.entries.get());
            if n > room {
                let message = format!(
                    "the zip declares more entries than the bound of {} allows; it was not opened",
                    self.bounds.max_entries
                );
                self.problem(codes::CONTAINER_ENTRIES_EXCEEDED, message);
                self.stopped = true;
                return;
            }
        }
        let shared = Rc::new(RefCell::new(source));
        let mut archive = match zip::ZipArchive::new(Shared {
            inner: Rc::clone(&shared),
            count,
        }) {
            Ok(archive) => archive,
            Err(_) => {
                self.problem(
                    codes::ARCHIVE_CORRUPT,
                    "the zip's central directory cannot be read (truncated or malformed)",
                );
                return;
            }
        };
        if declared.is_some_and(|n| n > archive.len() as u64) {
            self.problem(
                codes::ARCHIVE_CORRUPT,
                "the zip's central directory lists a name more than once; only one entry of each name was read",
            );
        }
        // Pass 1: each entry against its local header, and where its bytes lie.
        let mut verdicts: Vec<Option<Verdict>> = Vec::with_capacity(archive.len());
        let mut spans: Vec<(u64, u64, usize)> = Vec::with_capacity(archive.len());
        let directory_start = archive.central_directory_start();
        for index in 0..archive.len() {
            let cd = match archive.by_index_raw(index) {
                Ok(file) => CentralEntry {
                    header_start: file.header_start(),
                    method: file_method(&file),
                    crc32: file.crc32(),
                    compressed: file.compressed_size(),
                    size: file.size(),
                    name: file.name_raw().to_vec(),
                },
                Err(_) => {
                    verdicts.push(Some(Verdict::Corrupt(
                        "the entry's local header is missing or malformed",
                    )));
                    continue;
                }
            };
            let checked = shared
                .try_borrow_mut()
                .map_err(|_| io::Error::other("zip source busy"))
                .and_then(|mut io| check_local_header(&mut **io, &cd));
            match checked {
                Ok(Ok(data_end)) if data_end > directory_start => {
                    verdicts.push(Some(Verdict::Corrupt(
                        "the entry's data runs into the central directory",
                    )));
                }
                Ok(Ok(data_end)) => {
                    if cd.compressed > 0 {
                        spans.push((cd.header_start, data_end, index));
                    }
                    verdicts.push(None);
                }
                Ok(Err(why)) => verdicts.push(Some(Verdict::Corrupt(why))),
                Err(e) => verdicts.push(Some(Verdict::Corrupt(corrupt_reason(&e)))),
            }
        }
        // Entries sharing compressed bytes are the overlapping-file zip bomb.
        spans.sort_unstable();
        let mut reach: Option<(u64, usize)> = None;
        for &(start, end, index) in &spans {
            if let Some((reach_end, reach_index)) = reach {
                if start < reach_end {
                    for i in [reach_index, index] {
                        if let Some(slot) = verdicts.get_mut(i) {
                            if slot.is_none() {
                                *slot = Some(Verdict::Overlap);
                            }
                        }
                    }
                }
            }
            if reach.is_none_or(|(reach_end, _)| end > reach_end) {
                reach = Some((end, index));
            }
        }
        // Pass 2: the entries, in central directory order.
        for (index, verdict) in verdicts.into_iter().enumerate() {
            if self.stopped || !self.count_entry() {
                return;
            }
            let Ok(file) = archive.by_index_raw(index) else {
                // The name as the zip reader decoded it (the raw bytes sit behind the
                // local header it could not read).
                let name = archive.name_for_index(index).unwrap_or_default();
                self.path.push(name.as_bytes().to_vec());
                self.problem(
                    codes::ARCHIVE_CORRUPT,
                    "the entry's local header is missing or malformed",
                );
                self.path.pop();
                continue;
            };
            let name = file.name_raw().to_vec();
            let is_dir = file.is_dir();
            let is_special = file.unix_mode().is_some_and(|mode| {
                let kind = mode & 0o170_000;
                kind != 0 && kind != 0o100_000 && kind != 0o040_000
            });
            let encrypted = file.encrypted();
            let method_ok = file_method(&file).is_some();
            let size_hint = file.size();
            drop(file);
            self.path.push(name);
            let name = self.path.last().map(Vec::as_slice).unwrap_or_default();
            if let Some(why) = unsafe_name(name) {
                self.problem(codes::ARCHIVE_ENTRY_UNSAFE_NAME, why);
            } else if is_special {
                self.problem(
                    codes::ARCHIVE_ENTRY_LINK,
                    "the entry is a link or special file; it was not read",
                );
            } else if is_dir {
            } else if encrypted {
                self.problem(
                    codes::ARCHIVE_ENTRY_UNSUPPORTED,
                    "the entry is encrypted; it was not read",
                );
            } else if !method_ok {
                self.problem(
                    codes::ARCHIVE_ENTRY_UNSUPPORTED,
                    "the entry's compression method is not stored or deflate; it was not read",
                );
            } else if let Some(verdict) = verdict {
                match verdict {
                    Verdict::Corrupt(why) => self.problem(codes::ARCHIVE_CORRUPT, why),
                    Verdict::Overlap => self.problem(
                        codes::ARCHIVE_BOMB_SUSPECTED,
                        "the entry shares compressed bytes with another entry; it was not read",
                    ),
                }
            } else {
                match archive.by_index(index) {
                    Ok(file) => {
                        let mut meter = Meter::new(file, count, self.budget, self.bounds);
                        self.deliver(&mut meter, depth, Some(size_hint));
                    }
                    Err(_) => self.problem(
                        codes::ARCHIVE_CORRUPT,
                        "the entry's data cannot be decompressed",
                    ),
                }
            }
            self.path.pop();
        }
    }

    /// A tar stream (POSIX.1-2001 pax, ustar, GNU): headers are taken raw, so that GNU
    /// long names and pax headers are read here under a bound.
    fn tar(&mut self, source: &mut dyn Read, depth: u8) {
        let mut archive = tar::Archive::new(source);
        let entries = match archive.entries() {
            Ok(entries) => entries.raw(true),
            Err(_) => {
                self.problem(codes::ARCHIVE_CORRUPT, "the tar stream cannot be read");
                return;
            }
        };
        let mut long_name: Option<Vec<u8>> = None;
        let mut pax_path: Option<Vec<u8>> = None;
        for item in entries {
            if self.stopped {
                return;
            }
            let mut entry = match item {
                Ok(entry) => entry,
                Err(e) => {
                    let why = match e.kind() {
                        io::ErrorKind::UnexpectedEof => {
                            "the tar stream ends inside a header or entry"
                        }
                        _ => "a tar header is malformed or fails its checksum",
                    };
                    self.report_trip(Some(Trip::Corrupt(why)));
                    return;
                }
            };
            let entry_type = entry.header().entry_type();
            match entry_type {
                tar::EntryType::GNULongName | tar::EntryType::XHeader => {
                    let mut bytes = Vec::new();
                    let read = (&mut entry)
                        .take(EXTENDED_HEADER_MAX + 1)
                        .read_to_end(&mut bytes);
                    if let Err(e) = read {
                        self.report_trip(Some(Trip::Corrupt(corrupt_reason(&e))));
                        return;
                    }
                    if bytes.len() as u64 > EXTENDED_HEADER_MAX {
                        self.problem(
                            codes::ARCHIVE_ENTRY_UNSUPPORTED,
                            "a tar long-name or pax header is larger than 64 KiB; it was skipped",
                        );
                    } else if entry_type == tar::EntryType::GNULongName {
                        // GNU tar: the name, NUL-terminated.
                        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                        bytes.truncate(end);
                        long_name = Some(bytes);
                    } else if let Some(path) = pax_record(&bytes, b"path") {
                        pax_path = Some(path.to_vec());
                    }
                    continue;
                }
                tar::EntryType::GNULongLink | tar::EntryType::XGlobalHeader => continue,
                _ => {}
            }
            if !self.count_entry() {
                return;
            }
            // A pax `path` record overrides a GNU long name, which overrides the header
            // (POSIX.1-2001 pax, "path" keyword).
            let name = pax_path
                .take()
                .or(long_name.take())
                .unwrap_or_else(|| entry.path_bytes().into_owned());
            self.path.push(name);
            let unsafe_why = unsafe_name(self.path.last().map(Vec::as_slice).unwrap_or_default());
            let mut dead = false;
            match entry_type {
                tar::EntryType::Directory => {}
                tar::EntryType::Symlink
                | tar::EntryType::Link
                | tar::EntryType::Char
                | tar::EntryType::Block
                | tar::EntryType::Fifo => self.problem(
                    codes::ARCHIVE_ENTRY_LINK,
                    "the entry is a link, device or FIFO; it was not read",
                ),
                _ if unsafe_why.is_some() => {
                    let why = unsafe_why.unwrap_or_default();
                    self.problem(codes::ARCHIVE_ENTRY_UNSAFE_NAME, why);
                }
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let declared = entry.size();
                    let mut reader = TarEntry {
                        inner: &mut entry,
                        declared,
                        read: 0,
                        budget: self.budget,
                    };
                    dead = self.deliver(&mut reader, depth, Some(declared));
                }
                _ => self.problem(
                    codes::ARCHIVE_ENTRY_UNSUPPORTED,
                    "the entry's type is not a regular file, directory or link; it was not read",
                ),
            }
            self.path.pop();
            if dead {
                // A stream cannot be resynchronised after a broken entry.
                return;
            }
        }
    }

    /// A gzip stream (RFC 1952, every member): a `.tgz` when it holds a tar, else one
    /// entry named `name`.
    fn gzip(&mut self, source: &mut dyn Read, depth: u8, name: Vec<u8>) {
        let count = Cell::new(0);
        let counted = Counting {
            inner: source,
            count: &count,
        };
        let mut meter = Meter::new(
            flate2::read::MultiGzDecoder::new(counted),
            &count,
            self.budget,
            self.bounds,
        );
        let mut head = Vec::with_capacity(DETECT_BYTES);
        if let Err(e) = (&mut meter)
            .take(DETECT_BYTES as u64)
            .read_to_end(&mut head)
        {
            self.report_trip(Some(Trip::Corrupt(corrupt_reason(&e))));
            return;
        }
        let mut chained = Cursor::new(head).chain(meter);
        if detect(chained.get_ref().0.get_ref()) == Some(ArchiveKind::Tar) {
            // A .tgz: the tar's entries are this archive's entries, at this level.
            self.tar(&mut chained, depth);
            return;
        }
        if !self.count_entry() {
            return;
        }
        self.path.push(name);
        self.deliver(&mut chained, depth, None);
        self.path.pop();
    }
}

/// The verdict of the local header check on one zip entry.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    Corrupt(&'static str),
    Overlap,
}

/// What the central directory says of one entry.
struct CentralEntry {
    header_start: u64,
    method: Option<u16>,
    crc32: u32,
    compressed: u64,
    size: u64,
    name: Vec<u8>,
}

/// The entry's compression method number when it is one this module reads (0 stored,
/// 8 deflate: APPNOTE 4.4.5).
fn file_method<R: Read>(file: &zip::read::ZipFile<'_, R>) -> Option<u16> {
    match file.compression() {
        zip::CompressionMethod::Stored => Some(0),
        zip::CompressionMethod::Deflated => Some(8),
        _ => None,
    }
}

fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(*bytes.get(at..)?.first_chunk::<2>()?))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(*bytes.get(at..)?.first_chunk::<4>()?))
}

fn le64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(*bytes.get(at..)?.first_chunk::<8>()?))
}

/// Reads the local file header at the entry's offset (APPNOTE 4.3.7) and checks it
/// against the central directory: signature, method, name, and (without a data
/// descriptor, flag bit 3, and outside zip64) CRC-32 and sizes. The outer error is I/O;
/// the inner is the disagreement. Gives where the entry's data ends.
fn check_local_header<R: Read + Seek + ?Sized>(
    io: &mut R,
    cd: &CentralEntry,
) -> io::Result<Result<u64, &'static str>> {
    const LIE: &str = "the entry's local header disagrees with the central directory";
    io.seek(SeekFrom::Start(cd.header_start))?;
    let mut fixed = [0u8; 30];
    if io.read_exact(&mut fixed).is_err() {
        return Ok(Err("the entry's local header is cut short"));
    }
    if le32(&fixed, 0) != Some(0x0403_4b50) {
        return Ok(Err("the central directory points at no local header"));
    }
    let flags = le16(&fixed, 6).unwrap_or(0);
    let method = le16(&fixed, 8);
    let name_len = u64::from(le16(&fixed, 26).unwrap_or(0));
    let extra_len = u64::from(le16(&fixed, 28).unwrap_or(0));
    if cd.method.is_some() && method != cd.method {
        return Ok(Err(LIE));
    }
    if name_len != cd.name.len() as u64 {
        return Ok(Err(LIE));
    }
    let mut name = Vec::with_capacity(cd.name.len());
    if io.take(name_len).read_to_end(&mut name)? as u64 != name_len {
        return Ok(Err("the entry's local header is cut short"));
    }
    if name != cd.name {
        return Ok(Err(LIE));
    }
    if flags & 0x0008 == 0 {
        let crc = le32(&fixed, 14);
        let compressed = le32(&fixed, 18).unwrap_or(0);
        let size = le32(&fixed, 22).unwrap_or(0);
        let zip64 = compressed == u32::MAX || size == u32::MAX;
        if crc != Some(cd.crc32)
            || (!zip64 && (u64::from(compressed) != cd.compressed || u64::from(size) != cd.size))
        {
            return Ok(Err(LIE));
        }
    }
    let end = cd
        .header_start
        .saturating_add(30)
        .saturating_add(name_len)
        .saturating_add(extra_len)
        .saturating_add(cd.compressed);
    Ok(Ok(end))
}

/// The number of entries the zip's end of central directory record declares (APPNOTE
/// 4.3.16, and 4.3.14 through the zip64 locator of 4.3.15), read before the central
/// directory is parsed so that its size is bounded. `None` when no record is found
/// (the zip reader then says the archive is corrupt).
fn declared_zip_entries<R: Read + Seek + ?Sized>(io: &mut R) -> io::Result<Option<u64>> {
    const EOCD: usize = 22;
    const TAIL: u64 = EOCD as u64 + u16::MAX as u64 + 20;
    let len = io.seek(SeekFrom::End(0))?;
    let start = len.saturating_sub(TAIL);
    io.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    io.take(TAIL).read_to_end(&mut tail)?;
    let Some(at) = (0..=tail.len().saturating_sub(EOCD))
        .rev()
        .find(|&i| tail.get(i..i + 4) == Some(b"PK\x05\x06".as_slice()))
    else {
        return Ok(None);
    };
    let count = le16(&tail, at + 10).map(u64::from);
    // The zip64 end of central directory locator sits right before the record.
    let locator = at
        .checked_sub(20)
        .and_then(|l| tail.get(l..at))
        .filter(|l| l.starts_with(b"PK\x06\x07"));
    if let Some(locator) = locator {
        if let Some(offset) = le64(locator, 8) {
            io.seek(SeekFrom::Start(offset))?;
            let mut record = [0u8; 56];
            if io.read_exact(&mut record).is_ok() && record.starts_with(b"PK\x06\x06") {
                return Ok(le64(&record, 32).max(count));
            }
        }
    }
    Ok(count)
}

/// The value of `key` in a pax extended header: records `"%d %s=%s\n"`, the length
/// counting the whole record (POSIX.1-2001, pax "Extended Header").
fn pax_record<'a>(mut bytes: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    while !bytes.is_empty() {
        let space = bytes.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(bytes.get(..space)?)
            .ok()?
            .parse()
            .ok()?;
        let record = bytes.get(..len)?;
        bytes = bytes.get(len..)?;
        let body = record.get(space + 1..)?.strip_suffix(b"\n")?;
        let eq = body.iter().position(|&b| b == b'=')?;
        if body.get(..eq) == Some(key) {
            return body.get(eq + 1..);
        }
    }
    None
}
