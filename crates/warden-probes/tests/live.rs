//! Probes run against this machine: fixtures the tests create (files, users,
//! sockets, processes, mounts, servers) and facts every Linux host has.

// Fixture helpers outside `#[test]` functions fail the test the same way the
// tests do: by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod live {
    mod commands;
    mod dns;
    mod fixtures;
    mod http;
    mod local;
    mod packages;
    mod services;
}
