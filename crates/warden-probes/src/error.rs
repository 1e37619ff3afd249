//! The one error type every probe returns.
//!
//! Each variant's `Display` is the text goss prints for the same failure, so a
//! report rendered from Warden reads exactly like one rendered from goss.

use std::time::Duration;

use crate::gofmt::GoDuration;

/// A failure to read system state, displayed with goss's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// A `command` outlived its timeout (goss: `Command execution timed out (10s)`).
    #[error("Command execution timed out ({})", GoDuration(*.0))]
    CommandTimeout(Duration),
    /// A `dns` lookup outlived its timeout on every attempt.
    #[error("DNS lookup timed out ({})", GoDuration(*.0))]
    DnsTimeout(Duration),
    /// Reading a `mount` outlived its timeout. The odd unit is goss's own wording.
    #[error("getMount operation timed out after {} milliseconds", GoDuration(*.0))]
    MountTimeout(Duration),
    /// No mountinfo entry has this exact mountpoint.
    #[error("Mountpoint not found")]
    MountpointNotFound,
    /// `/proc/sys/<key>` does not exist.
    #[error("could not find the given key")]
    KernelParamNotFound,
    /// A package has no installed version.
    #[error("Package version not found")]
    PackageVersionNotFound,
    /// `/etc/passwd` has no usable entry for this name (Go `os/user` wording).
    #[error("user: unknown user {0}")]
    UnknownUser(String),
    /// `/etc/group` has no usable entry for this name (Go `os/user` wording).
    #[error("group: unknown group {0}")]
    UnknownGroup(String),
    /// `shell` found a passwd line without exactly seven fields before the user's line.
    #[error("invalid entry in /etc/passwd")]
    InvalidPasswdEntry,
    /// `shell` scanned all of `/etc/passwd` without finding the user.
    #[error("unknown user {0}")]
    ShellUnknownUser(String),
    /// An operating-system error, already formatted the way Go formats it
    /// (`lstat /x: no such file or directory`).
    #[error("{0}")]
    Os(String),
    /// Any other failure; the text is the whole message.
    #[error("{0}")]
    Other(String),
}
