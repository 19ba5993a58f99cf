//! The run as a self-contained HTML page. (Skeleton: being written.)

use std::io::{self, Write};

use super::{Event, RunWriter, Summary};

/// Writes a run as a self-contained HTML page.
#[derive(Debug)]
pub struct Html<W: Write> {
    out: W,
}

impl<W: Write> Html<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Html { out }
    }
}

impl<W: Write> RunWriter for Html<W> {
    fn event(&mut self, _event: &Event<'_>) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}
