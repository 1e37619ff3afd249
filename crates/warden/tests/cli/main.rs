//! End-to-end tests of the `warden` binary, in one test executable.

// In tests a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod add;
mod agent;
mod audit;
mod bad_input;
mod common;
mod goss_conformance;
mod observe;
mod render_and_includes;
mod rules;
mod seed_examples;
mod serve;
mod trace;
mod validate_machine;
mod violations;
