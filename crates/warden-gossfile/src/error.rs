//! Load errors: every one names the file, and the line and column when there is one.

use std::fmt;
use std::path::{Path, PathBuf};

use warden_value::Mark;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GossfileError {
    pub file: PathBuf,
    pub mark: Option<Mark>,
    pub message: String,
    /// The position refers to the file after template rendering (`warden render` shows it).
    pub in_rendered_text: bool,
}

impl GossfileError {
    pub fn at(file: &Path, mark: Mark, message: impl Into<String>) -> Self {
        GossfileError {
            file: file.to_owned(),
            mark: Some(mark),
            message: message.into(),
            in_rendered_text: false,
        }
    }

    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        GossfileError {
            file: file.to_owned(),
            mark: None,
            message: message.into(),
            in_rendered_text: false,
        }
    }
}

impl fmt::Display for GossfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(mark) = self.mark {
            write!(f, ":{}:{}", mark.line, mark.column)?;
        }
        write!(f, ": {}", self.message)?;
        if self.in_rendered_text {
            f.write_str(" (position in the template-rendered file; `warden render` prints it)")?;
        }
        Ok(())
    }
}

impl std::error::Error for GossfileError {}
