//! Walking the paths a run is given into inputs, with walkdir: directories recursively
//! in sorted order (deterministic output), symlinks followed with loops cut and
//! reported, hidden files and folders (names starting with `.`, so `.git`, `.hg` and
//! `.svn` too) skipped unless asked for, and FIFOs, sockets and devices reported rather
//! than opened (reading a FIFO met in a walk could block the run forever).
//!
//! walkdir keeps one open directory handle per level only up to a small bound and
//! tracks ancestors for loop detection per symlinked directory, so a tree 3,000 levels
//! deep is walked in time linear in its size.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::Error;

use super::names;

/// One thing a walk found.
#[derive(Debug)]
pub(crate) enum Found {
    /// A regular file (or a path the user named, whatever it is).
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// A FIFO, socket or device met in a walk: not read.
    Special { path: PathBuf, kind: &'static str },
    /// A path that could not be walked.
    Failed(Error),
}

/// The inputs under `paths`, lazily, in order.
pub(crate) fn inputs(paths: &[PathBuf], hidden: bool) -> impl Iterator<Item = Found> + '_ {
    paths.iter().flat_map(move |path| one(path, hidden))
}

fn one(path: &Path, hidden: bool) -> Box<dyn Iterator<Item = Found> + '_> {
    if path.as_os_str() == "-" {
        return Box::new(std::iter::once(Found::Stdin));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {}
        // A path named on the command line is read whatever it is (a FIFO from a
        // process substitution included).
        Ok(_) => return Box::new(std::iter::once(Found::File(path.to_path_buf()))),
        Err(e) => {
            return Box::new(std::iter::once(Found::Failed(Error::io(
                names::path(path),
                e,
            ))))
        }
    }
    let walk = WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(move |entry| hidden || entry.depth() == 0 || !is_hidden(entry.file_name()));
    Box::new(walk.filter_map(|entry| match entry {
        Ok(entry) => {
            let kind = entry.file_type();
            if kind.is_dir() {
                None
            } else if kind.is_file() {
                Some(Found::File(entry.into_path()))
            } else {
                Some(Found::Special {
                    kind: special_kind(&kind),
                    path: entry.into_path(),
                })
            }
        }
        Err(e) => {
            let name = e.path().map_or_else(String::new, names::path);
            let error = if e.loop_ancestor().is_some() {
                std::io::Error::other("directory loop through a symlink; not walked again")
            } else {
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("could not be walked"))
            };
            Some(Found::Failed(Error::io(name, error)))
        }
    }))
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        name.as_bytes().first() == Some(&b'.')
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().starts_with('.')
    }
}

fn special_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "FIFO";
        }
        if kind.is_socket() {
            return "socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "device";
        }
    }
    let _ = kind;
    "special file"
}
