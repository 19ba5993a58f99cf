//! `--canonical-out`: writing canonical JSON documents under a directory, safely.
//!
//! The target is DIR joined with the source path's normal components (root, `.` and
//! `..` dropped), so nothing lands outside DIR. Every component below DIR is checked
//! with `symlink_metadata` and created one level at a time: a symlink already inside
//! DIR is refused, never followed. The file is written to a fresh temporary name
//! (created with `create_new`, which never follows a link) and renamed over the target;
//! a rename replaces a link at the target itself, not what it points to.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Where the canonical copy of `source` goes under `dir`.
pub(crate) fn target(dir: &Path, source: &Path) -> Option<PathBuf> {
    let relative: PathBuf = source
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part),
            _ => None,
        })
        .collect();
    if relative.as_os_str().is_empty() {
        return None;
    }
    Some(dir.join(relative))
}

/// A canonical file being written: a temporary file until [`Writer::commit`].
pub(crate) struct Writer {
    file: io::BufWriter<fs::File>,
    temp: PathBuf,
    target: PathBuf,
}

impl Writer {
    /// Creates the directories from `dir` down to the target's parent, refusing any
    /// component that is a symlink or not a directory, and opens a temporary file.
    pub(crate) fn create(dir: &Path, target: &Path) -> io::Result<Writer> {
        let relative = target
            .strip_prefix(dir)
            .map_err(|_| io::Error::other("the target is not inside the output directory"))?;
        // DIR itself is the user's: create it if needed (it may be a symlink they chose).
        fs::create_dir_all(dir)?;
        let mut at = dir.to_path_buf();
        let parts: Vec<_> = relative.components().collect();
        let Some((file_name, parents)) = parts.split_last() else {
            return Err(io::Error::other("empty target path"));
        };
        for part in parents {
            let Component::Normal(part) = part else {
                return Err(io::Error::other("unexpected path component"));
            };
            at.push(part);
            match fs::symlink_metadata(&at) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(io::Error::other(format!(
                        "{} is a symlink inside the output directory; not followed",
                        at.display()
                    )))
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(io::Error::other(format!(
                        "{} exists and is not a directory",
                        at.display()
                    )))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&at) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        // Raced with another writer: check what is there now.
                        let meta = fs::symlink_metadata(&at)?;
                        if !meta.is_dir() || meta.file_type().is_symlink() {
                            return Err(io::Error::other(format!(
                                "{} is not a plain directory",
                                at.display()
                            )));
                        }
                    }
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        let Component::Normal(file_name) = file_name else {
            return Err(io::Error::other("unexpected path component"));
        };
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(file_name);
        temp_name.push(format!(
            ".triage-{}-{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let temp = at.join(temp_name);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        Ok(Writer {
            file: io::BufWriter::new(file),
            temp,
            target: at.join(file_name),
        })
    }

    /// Appends bytes.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    /// Moves the finished file to its target.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        let temp = std::mem::take(&mut self.temp);
        let result = fs::rename(&temp, &self.target);
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    /// The target path (for messages).
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // An abandoned file (an error, a closed pipe) leaves no temporary behind.
        if !self.temp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_inside_the_output_directory_is_not_followed() -> io::Result<()> {
        let out = tempfile::tempdir()?;
        let elsewhere = tempfile::tempdir()?;
        std::os::unix::fs::symlink(elsewhere.path(), out.path().join("a"))?;
        let target = target(out.path(), Path::new("a/x.json")).ok_or(io::Error::other("no"))?;
        assert!(Writer::create(out.path(), &target).is_err());
        assert_eq!(fs::read_dir(elsewhere.path())?.count(), 0);
        Ok(())
    }

    #[test]
    fn a_symlink_at_the_target_is_replaced_not_written_through() -> io::Result<()> {
        let out = tempfile::tempdir()?;
        let elsewhere = tempfile::tempdir()?;
        let victim = elsewhere.path().join("victim");
        fs::write(&victim, b"keep")?;
        std::os::unix::fs::symlink(&victim, out.path().join("x.json"))?;
        let target = target(out.path(), Path::new("../../x.json")).ok_or(io::Error::other("no"))?;
        let mut writer = Writer::create(out.path(), &target)?;
        writer.write(b"{}")?;
        writer.commit()?;
        assert_eq!(fs::read(&victim)?, b"keep");
        assert_eq!(fs::read(out.path().join("x.json"))?, b"{}");
        Ok(())
    }
}
