//! The run as a GitHub workflow annotations. (Skeleton: being written.)

use std::io::{self, Write};

use super::{Event, RunWriter, Summary};

/// Writes a run as a GitHub workflow annotations.
#[derive(Debug)]
pub struct Github<W: Write> {
    out: W,
}

impl<W: Write> Github<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Github { out }
    }
}

impl<W: Write> RunWriter for Github<W> {
    fn event(&mut self, _event: &Event<'_>) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}
