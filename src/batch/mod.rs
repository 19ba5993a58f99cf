//! Batch validation: files, directory trees, archives and standard input, in parallel,
//! in order, in bounded memory.
//!
//! A run has three parts:
//! - a **producer** thread walks the inputs (`walk`), opens each file and cuts it into
//!   units (`feed`): one payload, or each message of a container (an MLLP capture,
//!   an HL7 batch file, NDJSON, an archive entry). Units are grouped into small jobs;
//!   before a job is handed on, its bytes are taken from the **in-flight budget**;
//! - **validators** take jobs from a shared board: `threads - 1` worker threads that
//!   block when idle (started once a second job is queued), and the caller's thread;
//! - the caller's thread is also the **collector**: it puts results back in input
//!   order, names each report (`name#k`, `archive!/entry`), hands records to the sink
//!   and returns the job's bytes to the budget. When the next result in order is not in
//!   yet, it validates a job itself instead of waiting.
//!
//! So every core is busy whatever the mix of inputs (no window waits for its slowest
//! member), output is in input order whatever the thread count, and memory is bounded
//! by the bytes in flight, not by the number of inputs or messages.

mod canonical;
mod feed;
pub(crate) mod names;
mod walk;

pub use names::printable;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crate::codes::Code;
use crate::engine::{Context, Engine};
use crate::error::Error;
use crate::report::{Format, Report};

/// How a run walks and opens its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Open zip, tar and gzip files and validate their entries (default on). Off, an
    /// archive is one uploaded file with its file checks.
    pub open_archives: bool,
    /// Walk hidden files and folders (names starting with `.`) too (default off).
    pub hidden: bool,
    /// Bytes of input held by the run at once, queued, being validated or waiting to be
    /// written in order (default 64 MiB). One message larger than this still passes,
    /// alone.
    pub in_flight_bytes: u64,
    /// Worker threads; 0 starts `RAYON_NUM_THREADS` of them when that is set to a
    /// positive number, else one per core.
    pub threads: usize,
    /// Write each JSON payload's canonical form under this directory
    /// (`--canonical-out`).
    pub canonical_out: Option<PathBuf>,
    /// Render each report's JSON line in the workers, in parallel: reports then come as
    /// [`Record::JsonLine`], ready to write (default off).
    pub json_lines: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            open_archives: true,
            hidden: false,
            in_flight_bytes: 64 * 1024 * 1024,
            threads: 0,
            canonical_out: None,
            json_lines: false,
        }
    }
}

impl Options {
    /// Sets whether archives are opened.
    pub fn with_open_archives(mut self, open: bool) -> Self {
        self.open_archives = open;
        self
    }

    /// Sets whether hidden files are walked.
    pub fn with_hidden(mut self, hidden: bool) -> Self {
        self.hidden = hidden;
        self
    }

    /// Sets the in-flight byte budget.
    pub fn with_in_flight_bytes(mut self, bytes: u64) -> Self {
        self.in_flight_bytes = bytes.max(1);
        self
    }

    /// Sets the number of worker threads (0: one per core).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Sets whether workers render JSON lines ([`Record::JsonLine`]).
    pub fn with_json_lines(mut self, json_lines: bool) -> Self {
        self.json_lines = json_lines;
        self
    }

    /// Sets the canonical output directory.
    pub fn with_canonical_out(mut self, dir: impl Into<PathBuf>) -> Self {
        self.canonical_out = Some(dir.into());
        self
    }
}

/// `path` spelled as a source name: control characters, `%`, `#`, `!` and bytes that
/// are not UTF-8 written as `%XX` (`docs/contract.md`, "Inputs and source names").
pub fn source_name(path: &std::path::Path) -> String {
    names::path(path)
}

/// The bytes a source name stands for (every `%XX` decoded); `None` if an escape is
/// malformed.
pub(crate) fn unescape_name(name: &str) -> Option<Vec<u8>> {
    names::unescape(name)
}

/// One record of a run, in input order.
#[derive(Debug)]
#[non_exhaustive]
pub enum Record {
    /// A payload's report (a file, or one message of a container).
    Report(Box<Report>),
    /// A payload's report with its JSON line (no trailing newline), rendered by the
    /// workers when [`Options::json_lines`] is set.
    JsonLine(Box<Report>, String),
    /// An input that could not be read, or a canonical file that could not be written
    /// (exit status 2); the run goes on.
    Failed(Error),
    /// A FIFO, socket or device met in a directory walk; it was not read.
    Skipped {
        /// The path, as a source name.
        path: String,
        /// `FIFO`, `socket` or `device`.
        kind: &'static str,
    },
}

/// Validates every input under `paths` and hands records to `sink` in input order.
///
/// `context_for` gives each file its context from its source name (source profile,
/// hint, destination); the messages of a container share it. The sink may answer
/// [`ControlFlow::Break`] to end the run early (a closed pipe): work in flight is
/// dropped and the call returns.
///
/// ```
/// use std::ops::ControlFlow;
/// use payload_triage::batch::{self, Options, Record};
/// use payload_triage::{Context, Engine};
///
/// let dir = std::env::temp_dir().join(format!("triage-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("two.ndjson"), b"{\"resourceType\":\"Basic\",\"code\":{}}\n{}\n")?;
/// let engine = Engine::default();
/// let mut sources = Vec::new();
/// batch::run(&engine, &[dir.clone()], &Options::default(), |name| Ok(Context::new().named(name)), |record| {
///     if let Record::Report(report) = record {
///         sources.push(report.source.clone());
///     }
///     ControlFlow::Continue(())
/// })?;
/// assert!(sources[0].ends_with("two.ndjson#1") && sources[1].ends_with("two.ndjson#2"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run<C, S>(
    engine: &Engine,
    paths: &[PathBuf],
    options: &Options,
    context_for: C,
    mut sink: S,
) -> Result<(), Error>
where
    C: Fn(&str) -> Result<Context, Error> + Sync,
    S: FnMut(Record) -> ControlFlow<()>,
{
    runner(
        engine,
        paths,
        options,
        context_for,
        |record: &mut Option<Record>| record.take().map_or(ControlFlow::Continue(()), &mut sink),
    )
}

/// [`run`], with each record lent to `sink` instead of given: the runner frees it
/// afterwards, on the thread that built it.
///
/// With glibc's allocator, memory freed on another thread than the one that
/// allocated it makes the threads wait on each other's arena locks; a report holds
/// several allocations, so on many cores this form is the faster one (the `triage`
/// command line uses it). The records and their order are those of [`run`].
///
/// ```
/// use std::ops::ControlFlow;
/// use payload_triage::batch::{self, Options, Record};
/// use payload_triage::{Context, Engine};
///
/// let dir = std::env::temp_dir().join(format!("triage-visit-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("two.ndjson"), b"{\"resourceType\":\"Basic\",\"code\":{}}\n{}\n")?;
/// let mut valid = Vec::new();
/// batch::visit(&Engine::default(), &[dir.clone()], &Options::default(), |name| Ok(Context::new().named(name)), |record| {
///     if let Record::Report(report) = record {
///         valid.push(report.is_valid());
///     }
///     ControlFlow::Continue(())
/// })?;
/// assert_eq!(valid.len(), 2);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn visit<C, S>(
    engine: &Engine,
    paths: &[PathBuf],
    options: &Options,
    context_for: C,
    mut sink: S,
) -> Result<(), Error>
where
    C: Fn(&str) -> Result<Context, Error> + Sync,
    S: FnMut(&mut Record) -> ControlFlow<()>,
{
    runner(
        engine,
        paths,
        options,
        context_for,
        |record: &mut Option<Record>| record.as_mut().map_or(ControlFlow::Continue(()), &mut sink),
    )
}

/// The runner behind [`run`] and [`visit`]: the sink gets each record in an `Option`,
/// and what it leaves there is freed by the thread that built it.
fn runner<C, S>(
    engine: &Engine,
    paths: &[PathBuf],
    options: &Options,
    context_for: C,
    mut sink: S,
) -> Result<(), Error>
where
    C: Fn(&str) -> Result<Context, Error> + Sync,
    S: FnMut(&mut Option<Record>) -> ControlFlow<()>,
{
    // Workers are plain threads that block when idle. A rayon pool was tried first: its
    // idle workers spin, and on a 2-core machine the spinning took the cores from the
    // producer and the collector (`tools/scale/run.sh` measured 1.4x instead of 1.8x).
    //
    // The caller's thread is one of the `threads` validators: it writes whatever is next
    // in order and, when nothing is, validates a job itself. A collector thread of its
    // own beside one worker per core made three busy threads on two cores: the
    // collector and a worker took turns on one core thousands of times a run, and every
    // report crossed threads to be written and freed.
    //
    // Workers start when the producer queues a second job: a run of one small file (or
    // of one job's worth) is validated on the caller's thread alone, without starting,
    // waking and joining threads it has no use for, or asking the system for its core
    // count.
    let shared = Shared {
        budget: Budget::new(options.in_flight_bytes),
        stop: AtomicBool::new(false),
    };
    let board = Board::default();
    let worker = Worker {
        engine,
        shared: &shared,
        options,
        context_for: &context_for,
    };
    std::thread::scope(|scope| {
        let (board, worker, shared, context_for) = (&board, &worker, &shared, &context_for);
        // Returns the number of validators.
        let start_workers = move || {
            let threads = if options.threads > 0 {
                options.threads
            } else {
                default_threads()
            };
            for index in 0..threads.saturating_sub(1) {
                scope.spawn(move || {
                    let mut emptied = Vec::new();
                    while let Some((job, mut trash)) = board.job(index, shared, &mut emptied) {
                        // What the collector wrote of this worker's earlier jobs; the
                        // bins go back to the collector, empty, with the next call.
                        trash.iter_mut().for_each(Vec::clear);
                        emptied = trash;
                        let posted = Posted::new(board, &job, index);
                        let done = worker.job(job.steps, &job.arena);
                        posted.post(done, job.arena);
                    }
                    drop(board.trash(index));
                });
            }
            threads
        };
        scope.spawn(move || {
            // Closed even if the walk panics, so the caller does not wait for ever.
            let _closed = Closed(board);
            // Jobs waiting for a validator, at most: two per validator once the
            // workers run. A producer far ahead of the validators gains nothing and
            // costs much on two cores: with 64 MiB in flight it cut a whole 25 MB
            // capture at once, so the frames were fresh memory from an arena grown a
            // page at a time (5,000 `mprotect` calls, each stalling the validators'
            // page faults: 1.69x instead of 1.9x, `tools/scale/run.sh`).
            let depth = std::cell::Cell::new(usize::MAX);
            let spawn = |seq: u64, steps: Vec<Step>, arena: Vec<u8>, charge: u64| {
                let job = Job {
                    seq,
                    steps,
                    arena,
                    charge,
                };
                board.queue(job, depth.get(), shared);
                if seq >= 1 && depth.get() == usize::MAX {
                    depth.set(start_workers().max(1).saturating_mul(2));
                }
                board.spare()
            };
            let mut feeder =
                feed::Feeder::new(engine, options, shared, &spawn, context_for).share_buffers();
            feeder.all(paths);
            feeder.flush();
        });
        // When the collector stops (everything written, the sink said stop, or a panic
        // on this thread), neither the producer (waiting for budget) nor a worker
        // (waiting for a job) may be left waiting, or the scope would never end.
        let _release = Release { shared, board };
        collect(engine, board, worker, shared, options, &mut sink);
    });
    Ok(())
}

/// A job: the steps the producer cut, in order, and the bytes they took from the budget.
struct Job {
    seq: u64,
    steps: Vec<Step>,
    /// The bytes of its units held as [`Bytes::Shared`].
    arena: Vec<u8>,
    charge: u64,
}

/// Shared buffers kept for reuse, at most; a buffer larger than [`SPARE_BYTES`] is
/// dropped instead (a job's buffer holds about a quarter of a megabyte).
const SPARES: usize = 8;
const SPARE_BYTES: usize = 4 * 1024 * 1024;

/// Jobs waiting for a validator and results waiting to be written, under one lock, so
/// that the caller's thread can wait for either.
#[derive(Default)]
struct Board {
    state: Mutex<BoardState>,
    /// A job was queued, or the producer is done (the workers wait on it).
    queued: Condvar,
    /// A job was queued, a result posted, or the producer is done (the caller waits on
    /// it).
    changed: Condvar,
    /// A job was taken (the producer waits on it when the queue is full).
    taken: Condvar,
}

#[derive(Default)]
struct BoardState {
    jobs: std::collections::VecDeque<Job>,
    results: BTreeMap<u64, Posting>,
    /// For each worker, what the collector is done with of what it built.
    trash: Vec<Vec<Vec<Garbage>>>,
    /// Bins the workers emptied, for the collector to fill again.
    empty_bins: Vec<Vec<Garbage>>,
    /// Validated jobs' shared buffers, emptied, for the producer to fill again.
    spares: Vec<Vec<u8>>,
    /// Jobs queued so far; with `closed`, the sequence number the run ends at.
    queued: u64,
    /// The producer has queued its last job.
    closed: bool,
    /// Who waits, so that a change wakes only those who wait for it: with the
    /// standard library's futex condition variables every notification is a system
    /// call, waiter or not (10^6 tiny frames made about 9 per job).
    idle_workers: usize,
    collector_waits: bool,
    producer_waits: bool,
}

/// A validated job's result.
struct Posting {
    done: Vec<Done>,
    charge: u64,
    /// The worker that built it; `None` for the caller's thread.
    by: Option<usize>,
}

/// What the caller's thread does next.
enum Turn {
    Write(Posting),
    Validate(Job),
    Finished,
}

impl Board {
    fn lock(&self) -> std::sync::MutexGuard<'_, BoardState> {
        // The state stays consistent through a panic elsewhere (every change is one
        // push or insert), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a job once fewer than `depth` wait (or the run was stopped: the job is
    /// then dropped with the rest).
    fn queue(&self, job: Job, depth: usize, shared: &Shared) {
        let mut state = self.lock();
        while state.jobs.len() >= depth && !shared.stopped() {
            state.producer_waits = true;
            state = self
                .taken
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state.producer_waits = false;
        }
        state.queued = state.queued.max(job.seq + 1);
        state.jobs.push_back(job);
        let (worker, collector) = (state.idle_workers > 0, state.collector_waits);
        drop(state);
        if worker {
            self.queued.notify_one();
        }
        if collector {
            self.changed.notify_one();
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.wake_all();
    }

    fn wake_all(&self) {
        let _state = self.lock();
        self.queued.notify_all();
        self.changed.notify_all();
        self.taken.notify_all();
    }

    /// The next job for worker `index`, with what the collector finished with of the
    /// worker's earlier jobs; `None` once the producer is done and the queue is empty,
    /// or the run was stopped.
    fn job(
        &self,
        index: usize,
        shared: &Shared,
        emptied: &mut Vec<Vec<Garbage>>,
    ) -> Option<(Job, Vec<Vec<Garbage>>)> {
        let mut state = self.lock();
        for bin in emptied.drain(..) {
            if state.empty_bins.len() < SPARES {
                state.empty_bins.push(bin);
            }
        }
        loop {
            if shared.stopped() {
                return None;
            }
            if let Some(job) = state.jobs.pop_front() {
                if state.producer_waits {
                    self.taken.notify_one();
                }
                let trash = state.trash.get_mut(index).map(std::mem::take);
                return Some((job, trash.unwrap_or_default()));
            }
            if state.closed {
                return None;
            }
            state.idle_workers += 1;
            state = self
                .queued
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state.idle_workers -= 1;
        }
    }

    /// What the collector finished with of worker `index`'s jobs.
    fn trash(&self, index: usize) -> Vec<Vec<Garbage>> {
        let mut state = self.lock();
        state
            .trash
            .get_mut(index)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Hands what the collector finished with to the workers that built it.
    fn discard(&self, bins: &mut [Vec<Garbage>]) {
        let mut state = self.lock();
        for (index, bin) in bins.iter_mut().enumerate() {
            if bin.is_empty() {
                continue;
            }
            if state.trash.len() <= index {
                state.trash.resize_with(index + 1, Vec::new);
            }
            let empty = state.empty_bins.pop().unwrap_or_default();
            if let Some(trash) = state.trash.get_mut(index) {
                trash.push(std::mem::replace(bin, empty));
            }
        }
    }

    /// Posts a job's result, and keeps its shared buffer for reuse.
    fn post(&self, seq: u64, posting: Posting, mut arena: Vec<u8>) {
        let mut state = self.lock();
        state.results.insert(seq, posting);
        if state.spares.len() < SPARES && arena.capacity() <= SPARE_BYTES {
            arena.clear();
            state.spares.push(std::mem::take(&mut arena));
        }
        let wake = state.collector_waits;
        drop(state);
        // Outside the lock (when it was not kept).
        drop(arena);
        if wake {
            self.changed.notify_one();
        }
    }

    /// An empty buffer for the next job: a validated job's, when there is one.
    fn spare(&self) -> Vec<u8> {
        self.lock().spares.pop().unwrap_or_default()
    }

    /// Result `next` when it is in, else a job to validate, else waits.
    fn turn(&self, next: u64) -> Turn {
        let mut state = self.lock();
        loop {
            if let Some(posting) = state.results.remove(&next) {
                return Turn::Write(posting);
            }
            if let Some(job) = state.jobs.pop_front() {
                if state.producer_waits {
                    self.taken.notify_one();
                }
                return Turn::Validate(job);
            }
            if state.closed && next >= state.queued {
                return Turn::Finished;
            }
            state.collector_waits = true;
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state.collector_waits = false;
        }
    }
}

/// Stops the run and wakes every thread that may wait, when the collector ends however
/// it ends.
struct Release<'a> {
    shared: &'a Shared,
    board: &'a Board,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.budget.wake();
        self.board.wake_all();
    }
}

/// Closes the board when the producer ends, however it ends.
struct Closed<'a>(&'a Board);

impl Drop for Closed<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// A job taken by a worker: its result is posted even if validating it panicked (as
/// an empty result; the panic still ends the run with an error once the scope joins),
/// so the caller never waits for a result that cannot come.
struct Posted<'a> {
    board: &'a Board,
    seq: u64,
    charge: u64,
    by: usize,
    done: bool,
}

impl<'a> Posted<'a> {
    fn new(board: &'a Board, job: &Job, by: usize) -> Self {
        Posted {
            board,
            seq: job.seq,
            charge: job.charge,
            by,
            done: false,
        }
    }

    fn post(mut self, done: Vec<Done>, arena: Vec<u8>) {
        self.done = true;
        let posting = Posting {
            done,
            charge: self.charge,
            by: Some(self.by),
        };
        self.board.post(self.seq, posting, arena);
    }
}

impl Drop for Posted<'_> {
    fn drop(&mut self) {
        if !self.done {
            let posting = Posting {
                done: Vec::new(),
                charge: self.charge,
                by: Some(self.by),
            };
            self.board.post(self.seq, posting, Vec::new());
        }
    }
}

/// Worker threads when none are asked for: `RAYON_NUM_THREADS` when it holds a
/// positive number (the runner used rayon's pool before, and users and harnesses cap
/// it that way), else one per core.
fn default_threads() -> usize {
    threads_from(
        std::env::var("RAYON_NUM_THREADS").ok().as_deref(),
        std::thread::available_parallelism().map_or(1, usize::from),
    )
}

fn threads_from(variable: Option<&str>, cores: usize) -> usize {
    variable
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(cores)
}

/// State shared by the producer, the workers and the collector.
pub(crate) struct Shared {
    budget: Budget,
    stop: AtomicBool,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// The in-flight byte budget: the producer takes, the collector gives back.
struct Budget {
    /// Bytes in flight, and whether the producer waits for some to be given back.
    used: Mutex<(u64, bool)>,
    freed: Condvar,
    cap: u64,
}

impl Budget {
    fn new(cap: u64) -> Self {
        Budget {
            used: Mutex::new((0, false)),
            freed: Condvar::new(),
            cap: cap.max(1),
        }
    }

    /// Waits until `bytes` fit (or nothing else is in flight: one large message passes
    /// alone), then takes them. False when the run was stopped meanwhile.
    fn take(&self, bytes: u64, stop: &AtomicBool) -> bool {
        let Ok(mut used) = self.used.lock() else {
            return false;
        };
        while used.0 > 0 && used.0.saturating_add(bytes) > self.cap {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            used.1 = true;
            used = match self.freed.wait(used) {
                Ok(used) => used,
                Err(_) => return false,
            };
            used.1 = false;
        }
        used.0 += bytes;
        !stop.load(Ordering::Relaxed)
    }

    fn give(&self, bytes: u64) {
        let waits = match self.used.lock() {
            Ok(mut used) => {
                used.0 = used.0.saturating_sub(bytes);
                used.1
            }
            Err(_) => true,
        };
        if waits {
            self.freed.notify_all();
        }
    }

    fn wake(&self) {
        let _guard = self.used.lock();
        self.freed.notify_all();
    }
}

/// A finding of the runner about a unit or a container (framing, envelope, bounds),
/// placed on a report when the report exists.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    code: &'static Code,
    path: &'static str,
    message: Cow<'static, str>,
}

impl Note {
    pub(crate) fn new(
        code: &'static Code,
        path: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Note {
            code,
            path,
            message: message.into(),
        }
    }
}

/// A unit's bytes.
pub(crate) enum Bytes {
    Own(Vec<u8>),
    /// A range of its job's shared buffer.
    Shared(std::ops::Range<usize>),
}

impl Bytes {
    fn get<'a>(&'a self, arena: &'a [u8]) -> &'a [u8] {
        match self {
            Bytes::Own(bytes) => bytes,
            Bytes::Shared(range) => arena.get(range.clone()).unwrap_or_default(),
        }
    }
}

/// One payload to validate: a file, or one message of a container.
pub(crate) struct Unit {
    bytes: Bytes,
    size: u64,
    ctx: Arc<Context>,
    /// Notes for the unit's first report (stray bytes before an MLLP frame).
    front: Vec<Note>,
    /// Notes for the unit's last report (a broken end block).
    back: Vec<Note>,
    /// Compute the canonical form (`--canonical-out`); `lead` and `trail` are the
    /// bytes around the unit in its file (line ends), copied as they are.
    canonical: bool,
    trail: Vec<u8>,
}

/// What the producer hands on, in order.
pub(crate) enum Step {
    /// A container (a file, an archive entry) begins.
    Begin(Begin),
    Unit(Unit),
    /// The container ends; `notes` go to its last report.
    End {
        notes: Vec<Note>,
    },
    /// A report made without validation (an archive problem).
    Report(Box<Report>),
    Failed(Error),
    Skipped {
        path: String,
        kind: &'static str,
    },
    /// A small file, opened, read and cut by the worker itself: with many small files,
    /// the reading is then spread over the workers too, not left to the producer. With
    /// the size the producer's `stat` gave, so the worker does not ask again.
    File(PathBuf, u64),
}

pub(crate) struct Begin {
    name: String,
    /// Where its canonical form goes, if anywhere.
    canonical: Option<PathBuf>,
    /// Whether a lone report of a split container takes the container's whole size.
    whole_size: bool,
    /// The container's bytes, known at its end (set through `End`).
    total: Arc<std::sync::atomic::AtomicU64>,
}

/// What a worker hands back.
enum Done {
    Begin(Begin),
    Reports {
        reports: Vec<(Report, Option<String>)>,
        canonical: Option<Vec<u8>>,
    },
    End {
        notes: Vec<Note>,
    },
    Report(Box<Report>),
    Failed(Error),
    Skipped {
        path: String,
        kind: &'static str,
    },
}

/// A worker: validates the units of one job.
/// What a worker needs besides its job.
struct Worker<'a> {
    engine: &'a Engine,
    shared: &'a Shared,
    options: &'a Options,
    context_for: &'a (dyn Fn(&str) -> Result<Context, Error> + Sync),
}

impl Worker<'_> {
    /// Validates one job's steps (their shared bytes in `arena`); nothing once the run
    /// was stopped.
    fn job(&self, steps: Vec<Step>, arena: &[u8]) -> Vec<Done> {
        let mut done = Vec::with_capacity(steps.len());
        if !self.shared.stopped() {
            self.steps(steps, arena, &mut done);
        }
        done
    }

    fn steps(&self, steps: Vec<Step>, arena: &[u8], done: &mut Vec<Done>) {
        for step in steps {
            done.push(match step {
                Step::Begin(begin) => Done::Begin(begin),
                Step::Unit(unit) => {
                    validate_unit(self.engine, unit, arena, self.options.json_lines)
                }
                Step::End { notes } => Done::End { notes },
                Step::Report(report) => Done::Report(report),
                Step::Failed(error) => Done::Failed(error),
                Step::Skipped { path, kind } => Done::Skipped { path, kind },
                Step::File(path, len) => {
                    // Cut here, into steps of this job: the producer charged the
                    // file's size to the budget already.
                    let local = Shared {
                        budget: Budget::new(u64::MAX),
                        stop: AtomicBool::new(false),
                    };
                    let cut = std::cell::RefCell::new(Vec::new());
                    // Its units keep their own buffers (the feeder shares none).
                    let spawn = |_: u64, steps: Vec<Step>, _: Vec<u8>, _: u64| {
                        cut.borrow_mut().extend(steps);
                        Vec::new()
                    };
                    let mut feeder = feed::Feeder::new(
                        self.engine,
                        self.options,
                        &local,
                        &spawn,
                        self.context_for,
                    );
                    feeder.file(&path, Some(len));
                    feeder.flush();
                    self.steps(cut.take(), &[], done);
                    continue;
                }
            });
        }
    }
}

fn validate_unit(engine: &Engine, unit: Unit, arena: &[u8], json_lines: bool) -> Done {
    let bytes = unit.bytes.get(arena);
    let mut reports = engine.run(bytes, unit.size, &unit.ctx, 0);
    if let [report] = reports.as_mut_slice() {
        // A message's size counts its framing (MLLP block bytes, the line end), as it
        // would in its container.
        report.size_bytes = unit.size;
    }
    if let Some(first) = reports.first_mut() {
        for (i, note) in unit.front.iter().enumerate() {
            if let Some(d) = engine.note_at(note.code, note.path, &note.message) {
                first.diagnostics.insert(i.min(first.diagnostics.len()), d);
            }
        }
    }
    if let Some(last) = reports.last_mut() {
        attach(engine, last, &unit.back);
    }
    reports
        .iter_mut()
        .for_each(|r| engine.seal(r, Some(&unit.ctx)));
    // An over-limit unit was not read whole: it gets no canonical copy.
    let within_limit = reports.first().is_some_and(|r| unit.size <= r.limit_bytes);
    let json = reports.iter().all(|r| {
        matches!(
            r.format,
            Format::RedoxDataModel | Format::FhirR4 | Format::Json
        )
    }) && !reports.is_empty();
    let canonical = (unit.canonical && within_limit && json).then(|| {
        let mut out = engine
            .canonical_document(bytes, &unit.ctx)
            .unwrap_or_else(|_| bytes.to_vec());
        out.extend_from_slice(&unit.trail);
        out
    });
    // Rendering is most of what is left after validation: done here, in parallel, with
    // the source left empty for the collector to fill in (`splice`).
    let reports = reports
        .into_iter()
        .map(|mut report| {
            let line = json_lines.then(|| {
                let source = std::mem::take(&mut report.source);
                let line = report.to_json_line();
                report.source = source;
                line
            });
            (report, line)
        })
        .collect();
    Done::Reports { reports, canonical }
}

/// What a report's JSON line starts with when its source is empty: `source` is the
/// first key (`Report`'s `Serialize`).
const EMPTY_SOURCE: &str = "{\"source\":\"\"";

/// The JSON line rendered with an empty source, with `source` put in; `None` if the
/// line does not start as expected (then it is rendered again). A name with nothing to
/// escape (the usual case: names escape control characters already) is put in place,
/// in the line's own buffer.
fn splice(mut line: String, source: &str) -> Option<String> {
    if !line.starts_with(EMPTY_SOURCE) {
        return None;
    }
    // Just after the empty value's opening quote.
    let at = EMPTY_SOURCE.len() - 1;
    if source.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        line.insert_str(at, source);
    } else {
        let quoted = serde_json::to_string(source).ok()?;
        line.replace_range(at - 1..at + 1, &quoted);
    }
    Some(line)
}

fn attach(engine: &Engine, report: &mut Report, notes: &[Note]) {
    for note in notes {
        if let Some(d) = engine.note_at(note.code, note.path, &note.message) {
            report.diagnostics.push(d);
        }
    }
}

/// The container whose reports are being written.
struct Open {
    begin: Begin,
    count: u64,
    /// The latest report (and its rendered line, and who built them), held until the
    /// next one or the end (so that end-of-container notes can still be added, and a
    /// lone report keeps the plain name).
    held: Option<(Report, Option<String>, Option<usize>)>,
    /// `None` until the first canonical piece; `Some(None)` once creating it failed.
    writer: Option<Option<canonical::Writer>>,
}

/// What the collector is done with, to be freed by the worker that built it.
///
/// glibc makes a thread that frees another thread's allocation take that thread's
/// arena lock, and a report holds several allocations: the caller's thread freeing
/// every report a worker built had the two waiting on each other (`strace -f -k`: most
/// of a two-core run's `futex` calls were `free` under `drop_in_place<Report>` in the
/// collector).
#[expect(
    dead_code,
    reason = "the values are only held, to be dropped on the thread that built them"
)]
enum Garbage {
    /// What a report owns beyond its inline fields (moving the whole report would
    /// copy several hundred bytes per message).
    Report {
        diagnostics: Vec<crate::report::Diagnostic>,
        datetimes: Vec<crate::report::DatetimeEntry>,
        embedded: Vec<Report>,
    },
    Line(String),
    Reports(Vec<(Report, Option<String>)>),
    Done(Vec<Done>),
    Bytes(Vec<u8>),
}

impl Garbage {
    fn report(mut report: Report) -> Option<Garbage> {
        let garbage = Garbage::Report {
            diagnostics: std::mem::take(&mut report.diagnostics),
            datetimes: std::mem::take(&mut report.datetimes),
            embedded: std::mem::take(&mut report.embedded),
        };
        match &garbage {
            Garbage::Report {
                diagnostics,
                datetimes,
                embedded,
            } if diagnostics.capacity() + datetimes.capacity() + embedded.capacity() == 0 => None,
            _ => Some(garbage),
        }
    }
}

/// The collector's garbage, one bin per worker, handed over after each job written.
#[derive(Default)]
struct Bins(Vec<Vec<Garbage>>);

impl Bins {
    /// What `report` owns beyond its inline fields, for worker `by`; the rest is
    /// freed here.
    fn report(&mut self, by: Option<usize>, report: Report) {
        if by.is_some() {
            if let Some(garbage) = Garbage::report(report) {
                self.put(by, garbage);
            }
        }
    }

    /// Keeps `garbage` for worker `by`; what the caller's thread built (`None`) is
    /// freed here and now.
    fn put(&mut self, by: Option<usize>, garbage: Garbage) {
        let Some(index) = by else {
            return;
        };
        if let Garbage::Reports(reports) = &garbage {
            if reports.capacity() == 0 {
                return;
            }
        }
        if self.0.len() <= index {
            self.0.resize_with(index + 1, Vec::new);
        }
        if let Some(bin) = self.0.get_mut(index) {
            bin.push(garbage);
        }
    }
}

/// The collector: restores input order and names the reports.
fn collect<S>(
    engine: &Engine,
    board: &Board,
    worker: &Worker<'_>,
    shared: &Shared,
    options: &Options,
    sink: &mut S,
) where
    S: FnMut(&mut Option<Record>) -> ControlFlow<()>,
{
    let mut next = 0u64;
    let mut open: Option<Open> = None;
    let mut bins = Bins::default();
    loop {
        let Posting {
            mut done,
            charge,
            by,
        } = match board.turn(next) {
            Turn::Write(posting) => posting,
            Turn::Validate(job) => {
                // Nothing to write yet: validate a job here, as a worker would.
                let done = worker.job(job.steps, &job.arena);
                let posting = Posting {
                    done,
                    charge: job.charge,
                    by: None,
                };
                board.post(job.seq, posting, job.arena);
                continue;
            }
            Turn::Finished => return,
        };
        next += 1;
        for item in done.drain(..) {
            let flow = match item {
                Done::Begin(begin) => {
                    open = Some(Open {
                        begin,
                        count: 0,
                        held: None,
                        writer: None,
                    });
                    ControlFlow::Continue(())
                }
                Done::Reports {
                    mut reports,
                    canonical,
                } => {
                    let mut flow = ControlFlow::Continue(());
                    if let Some(open) = open.as_mut() {
                        if let Some(bytes) = canonical {
                            if let Err(e) = write_canonical(open, options, &bytes) {
                                flow = deliver(sink, Record::Failed(e), None, &mut bins);
                            }
                            bins.put(by, Garbage::Bytes(bytes));
                        }
                        for (report, line) in reports.drain(..) {
                            open.count += 1;
                            let Some((previous, line, built_by)) =
                                open.held.replace((report, line, by))
                            else {
                                continue;
                            };
                            if flow.is_continue() {
                                let name = numbered(&open.begin.name, open.count - 1);
                                flow = emit(previous, line, name, built_by, sink, &mut bins);
                            } else {
                                bins.report(built_by, previous);
                                if let Some(line) = line {
                                    bins.put(built_by, Garbage::Line(line));
                                }
                            }
                        }
                    }
                    bins.put(by, Garbage::Reports(reports));
                    flow
                }
                Done::End { notes } => match open.take() {
                    Some(open) => finish(engine, open, notes, sink, &mut bins),
                    None => ControlFlow::Continue(()),
                },
                Done::Report(mut report) => {
                    engine.seal(&mut report, None);
                    deliver(sink, Record::Report(report), None, &mut bins)
                }
                Done::Failed(error) => deliver(sink, Record::Failed(error), None, &mut bins),
                Done::Skipped { path, kind } => {
                    deliver(sink, Record::Skipped { path, kind }, None, &mut bins)
                }
            };
            if flow.is_break() {
                shared.stop.store(true, Ordering::SeqCst);
                shared.budget.give(charge);
                return;
            }
        }
        bins.put(by, Garbage::Done(done));
        board.discard(&mut bins.0);
        shared.budget.give(charge);
    }
}

/// Lends `record` to the sink; what it leaves of a report goes to the bin of the
/// worker that built it (`by`).
fn deliver<S>(sink: &mut S, record: Record, by: Option<usize>, bins: &mut Bins) -> ControlFlow<()>
where
    S: FnMut(&mut Option<Record>) -> ControlFlow<()>,
{
    let mut slot = Some(record);
    let flow = sink(&mut slot);
    let (report, line) = match slot {
        Some(Record::Report(report)) => (report, None),
        Some(Record::JsonLine(report, line)) => (report, Some(line)),
        _ => return flow,
    };
    // The box and the name were made here: freed here.
    bins.report(by, *report);
    if let Some(line) = line {
        bins.put(by, Garbage::Line(line));
    }
    flow
}

/// `name#k`, in one allocation.
fn numbered(name: &str, k: u64) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(name.len() + 21);
    out.push_str(name);
    out.push('#');
    let _ = write!(out, "{k}");
    out
}

fn emit<S>(
    mut report: Report,
    line: Option<String>,
    name: String,
    by: Option<usize>,
    sink: &mut S,
    bins: &mut Bins,
) -> ControlFlow<()>
where
    S: FnMut(&mut Option<Record>) -> ControlFlow<()>,
{
    let record = match line {
        Some(line) => {
            let line = splice(line, &name);
            report.source = name;
            let line = line.unwrap_or_else(|| report.to_json_line());
            Record::JsonLine(Box::new(report), line)
        }
        None => {
            report.source = name;
            Record::Report(Box::new(report))
        }
    };
    deliver(sink, record, by, bins)
}

/// Ends a container: its held report takes the end notes and its name.
fn finish<S>(
    engine: &Engine,
    mut open: Open,
    notes: Vec<Note>,
    sink: &mut S,
    bins: &mut Bins,
) -> ControlFlow<()>
where
    S: FnMut(&mut Option<Record>) -> ControlFlow<()>,
{
    let mut flow = ControlFlow::Continue(());
    if let Some(Some(writer)) = open.writer.take() {
        let target = writer.target().to_path_buf();
        if let Err(e) = writer.commit() {
            let failed = Record::Failed(Error::write(names::path(&target), e));
            flow = deliver(sink, failed, None, bins);
        }
    }
    if let Some((mut report, mut line, by)) = open.held.take() {
        let before = (report.diagnostics.len(), report.size_bytes);
        attach(engine, &mut report, &notes);
        engine.seal(&mut report, None);
        let name = if open.count == 1 {
            if open.begin.whole_size {
                report.size_bytes = report
                    .size_bytes
                    .max(open.begin.total.load(Ordering::Relaxed));
            }
            open.begin.name.clone()
        } else {
            numbered(&open.begin.name, open.count)
        };
        if line.is_some() && (report.diagnostics.len(), report.size_bytes) != before {
            // The report changed after it was rendered: render it again.
            let source = std::mem::take(&mut report.source);
            line = Some(report.to_json_line());
            report.source = source;
        }
        if flow.is_continue() {
            flow = emit(report, line, name, by, sink, bins);
        } else {
            bins.report(by, report);
        }
    }
    flow
}

fn write_canonical(open: &mut Open, options: &Options, bytes: &[u8]) -> Result<(), Error> {
    let (Some(dir), Some(target)) = (&options.canonical_out, &open.begin.canonical) else {
        return Ok(());
    };
    if open.writer.is_none() {
        match canonical::Writer::create(dir, target) {
            Ok(writer) => open.writer = Some(Some(writer)),
            Err(e) => {
                // Said once, when the file could not be created.
                open.writer = Some(None);
                return Err(Error::write(names::path(target), e));
            }
        }
    }
    match open.writer.as_mut() {
        Some(Some(writer)) => writer
            .write(bytes)
            .map_err(|e| Error::write(names::path(target), e)),
        _ => Ok(()),
    }
}

/// Where `source` lands under the canonical output directory.
pub(crate) fn canonical_target(dir: &Path, source: &Path) -> Option<PathBuf> {
    canonical::target(dir, source)
}

#[cfg(test)]
mod tests {
    use super::{splice, threads_from, EMPTY_SOURCE};

    #[test]
    fn a_spliced_name_reads_back_as_the_name_whatever_it_holds() {
        for name in [
            "a.hl7",
            "day.zip!/lab/0001.hl7#17",
            "say \"hi\".hl7",
            "back\\slash\\m.hl7",
            "caf\u{e9}/\u{1f600}.json",
            "",
        ] {
            let line = format!("{EMPTY_SOURCE},\"valid\":true}}");
            let spliced = splice(line, name).unwrap();
            let value: serde_json::Value = serde_json::from_str(&spliced).unwrap();
            assert_eq!(value["source"], name, "{spliced}");
            assert_eq!(value["valid"], true);
            assert!(spliced.starts_with("{\"source\":\""));
        }
        assert_eq!(splice("{\"valid\":true}".to_owned(), "x"), None);
    }

    #[test]
    fn rayon_num_threads_sets_the_default_worker_count_when_positive() {
        assert_eq!(threads_from(Some("1"), 8), 1);
        assert_eq!(threads_from(Some(" 3 "), 8), 3);
        // Unset, zero (rayon's "choose for me") or not a number: one per core.
        assert_eq!(threads_from(None, 8), 8);
        assert_eq!(threads_from(Some("0"), 8), 8);
        assert_eq!(threads_from(Some("many"), 8), 8);
        assert_eq!(threads_from(Some("-2"), 2), 2);
    }
}
