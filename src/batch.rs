//! Batch validation: files, directory trees and standard input, in parallel, in order.
//!
//! Inputs are expanded into a list (directories walked recursively in sorted order,
//! symlink loops cut), then validated with rayon a window at a time: results come back
//! in input order whatever the thread count, and memory stays bounded by the payloads in
//! the window (each at most its limit + 1 bytes), not by the archive's size.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::engine::{Context, Engine};
use crate::error::Error;
use crate::report::Report;

/// One thing to validate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// A file.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl Input {
    /// The name reports use: the path as given, or `-`.
    pub fn name(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Stdin => "-".to_owned(),
        }
    }
}

/// What became of one input.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// One report per message in the input.
    Reports(Vec<Report>),
    /// The input could not be read (exit status 2); the run goes on.
    Failed(Error),
}

/// Expands command-line paths into inputs. Directories are walked recursively in sorted
/// order; a directory reached again through a symlink is skipped (a loop). Problems
/// (a missing path, an unreadable directory) come back as errors in place, in order.
pub fn expand(paths: &[PathBuf]) -> Vec<Result<Input, Error>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Ok(Input::Stdin));
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut ancestors = HashSet::new();
                walk(path, &mut ancestors, &mut out);
            }
            Ok(_) => out.push(Ok(Input::File(path.clone()))),
            Err(e) => out.push(Err(Error::io(path.display().to_string(), e))),
        }
    }
    out
}

fn walk(dir: &Path, ancestors: &mut HashSet<PathBuf>, out: &mut Vec<Result<Input, Error>>) {
    let name = || dir.display().to_string();
    let canonical = match fs::canonicalize(dir) {
        Ok(c) => c,
        Err(e) => return out.push(Err(Error::io(name(), e))),
    };
    if !ancestors.insert(canonical.clone()) {
        out.push(Err(Error::io(
            name(),
            io::Error::other("directory loop through a symlink; not walked again"),
        )));
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            ancestors.remove(&canonical);
            return out.push(Err(Error::io(name(), e)));
        }
    };
    let mut children: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry.path()),
            Err(e) => out.push(Err(Error::io(name(), e))),
        }
    }
    children.sort();
    for child in children {
        match fs::metadata(&child) {
            Ok(meta) if meta.is_dir() => walk(&child, ancestors, out),
            Ok(meta) if meta.is_file() => out.push(Ok(Input::File(child))),
            Ok(_) => {} // sockets, FIFOs, devices: not payloads
            Err(e) => out.push(Err(Error::io(child.display().to_string(), e))),
        }
    }
    ancestors.remove(&canonical);
}

/// Reads and validates one input, one report per message.
pub fn validate_input(engine: &Engine, input: &Input, ctx: &Context) -> Result<Vec<Report>, Error> {
    match input {
        Input::Stdin => engine.validate_reader_messages(io::stdin().lock(), ctx, None),
        Input::File(path) => {
            let name = input.name();
            let file = fs::File::open(path).map_err(|e| Error::io(name.clone(), e))?;
            let len = file.metadata().ok().map(|m| m.len());
            engine.validate_reader_messages(file, ctx, len)
        }
    }
}

/// Validates every input in parallel and hands outcomes to `sink` in input order.
/// `context_for` gives each input its context (source profile by path).
pub fn run<F, S>(engine: &Engine, inputs: Vec<Result<Input, Error>>, context_for: F, mut sink: S)
where
    F: Fn(&Input) -> Result<Context, Error> + Sync,
    S: FnMut(Outcome),
{
    // A window of a few payloads per thread keeps every core busy while holding at most
    // window × limit bytes.
    let window = rayon::current_num_threads().max(1) * 4;
    let mut inputs = inputs.into_iter().peekable();
    while inputs.peek().is_some() {
        let chunk: Vec<Result<Input, Error>> = inputs.by_ref().take(window).collect();
        let outcomes: Vec<Outcome> = chunk
            .into_par_iter()
            .map(|item| match item {
                Err(e) => Outcome::Failed(e),
                Ok(input) => {
                    match context_for(&input).and_then(|ctx| validate_input(engine, &input, &ctx)) {
                        Ok(reports) => Outcome::Reports(reports),
                        Err(e) => Outcome::Failed(e),
                    }
                }
            })
            .collect();
        for outcome in outcomes {
            sink(outcome);
        }
    }
}
