//! The stdout and file sinks: JSON Lines, one write per batch.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use warden_violations::Alert;

use crate::config::Format;
use crate::json::push_line;
use crate::{Sink, WriteError};

/// Writes each batch to standard output in one piece.
pub(crate) fn stdout(format: Format) -> impl Sink {
    Lines {
        format,
        output: Stdout,
        buffer: Vec::new(),
    }
}

/// Appends each batch to `path` and syncs it.
pub(crate) fn file(path: &Path, format: Format) -> std::io::Result<impl Sink> {
    Ok(Lines {
        format,
        output: AppendFile::open(path)?,
        buffer: Vec::new(),
    })
}

/// Where JSON Lines go.
trait Output: Send + 'static {
    /// Writes a whole batch; an error means none of it can be relied on.
    fn write_batch(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    fn reopen(&mut self) -> std::io::Result<()>;
}

struct Lines<O> {
    format: Format,
    output: O,
    buffer: Vec<u8>,
}

impl<O: Output> Sink for Lines<O> {
    fn write(&mut self, alerts: &[Arc<Alert>]) -> Result<(), WriteError> {
        self.buffer.clear();
        for alert in alerts {
            push_line(&mut self.buffer, alert, self.format);
        }
        self.output
            .write_batch(&self.buffer)
            .map_err(|error| WriteError { written: 0, error })
    }

    fn reopen(&mut self) -> std::io::Result<()> {
        self.output.reopen()
    }
}

struct Stdout;

impl Output for Stdout {
    fn write_batch(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    fn reopen(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct AppendFile {
    path: PathBuf,
    file: File,
}

impl AppendFile {
    fn open(path: &Path) -> std::io::Result<AppendFile> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(AppendFile {
            path: path.to_owned(),
            file,
        })
    }
}

impl Output for AppendFile {
    fn write_batch(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)?;
        self.file.sync_data()
    }

    fn reopen(&mut self) -> std::io::Result<()> {
        // The old file was synced after its last batch; a new one takes its place.
        *self = AppendFile::open(&self.path)?;
        Ok(())
    }
}
