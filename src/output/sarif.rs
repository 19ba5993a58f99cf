//! The run as a SARIF 2.1.0 log. (Skeleton: being written.)

use std::io::{self, Write};

use super::{Event, RunWriter, Summary};

/// Writes a run as a SARIF 2.1.0 log.
#[derive(Debug)]
pub struct Sarif<W: Write> {
    out: W,
}

impl<W: Write> Sarif<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Sarif { out }
    }
}

impl<W: Write> RunWriter for Sarif<W> {
    fn event(&mut self, _event: &Event<'_>) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}
