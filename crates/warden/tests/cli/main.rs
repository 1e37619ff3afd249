//! End-to-end tests of the `warden` binary, in one test executable.

// In tests a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod common;
mod goss_conformance;
mod render_and_includes;
mod seed_examples;
mod validate_machine;
