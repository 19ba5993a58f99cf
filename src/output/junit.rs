//! The run as a JUnit XML document. (Skeleton: being written.)

use std::io::{self, Write};

use super::{Event, RunWriter, Summary};

/// Writes a run as a JUnit XML document.
#[derive(Debug)]
pub struct Junit<W: Write> {
    out: W,
}

impl<W: Write> Junit<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Junit { out }
    }
}

impl<W: Write> RunWriter for Junit<W> {
    fn event(&mut self, _event: &Event<'_>) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}
