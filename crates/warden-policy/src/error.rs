//! Load errors: every one names the policy file, and the line and column when there is one.

use std::fmt;
use std::path::{Path, PathBuf};

use warden_value::Mark;

/// A mistake in a policy file. Displays as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: PathBuf,
    pub mark: Option<Mark>,
    pub message: String,
}

impl PolicyError {
    pub fn at(file: &Path, mark: Mark, message: impl Into<String>) -> Self {
        PolicyError {
            file: file.to_owned(),
            mark: Some(mark),
            message: message.into(),
        }
    }

    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        PolicyError {
            file: file.to_owned(),
            mark: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(mark) = self.mark {
            write!(f, ":{}:{}", mark.line, mark.column)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for PolicyError {}
