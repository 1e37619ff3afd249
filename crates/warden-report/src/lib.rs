//! Validation results and goss's output formats.
