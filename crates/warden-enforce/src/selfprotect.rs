//! Keeping the agent out of its own enforcement, and others off the agent.
//!
//! What protects the agent, path by path:
//! - Its own threads are answered at once by the fanotify guard, and its thread group
//!   is in the BPF programs' exemption map before any program is attached: it can
//!   always exec, open and connect.
//! - It runs as root: an unprivileged process cannot signal it (kill(2) needs the same
//!   uid or CAP_KILL), ptrace it, detach its BPF links (CAP_BPF / CAP_SYS_ADMIN) or
//!   close its fanotify group. Its links and group are owned by its descriptors, so a
//!   kill by root ends enforcement (the kernel then lets everything through); the
//!   supervisor must restart it, and the sinks see the gap.
//! - [`SelfProtection`] makes the guard deny writes to the agent's binary,
//!   configuration and store by anyone but the agent (root included); where BPF LSM
//!   loads, `file_open` does the same in the kernel.
//! - Not covered here: unlink or rename over those files (fanotify has no permission
//!   event for either; keep them in a directory only root can write), and root
//!   unloading the programs or killing the agent.

use std::path::{Path, PathBuf};

use crate::guard::Mark;
use crate::kernel::{FileProtection, KernelEnforcer, LsmStatus};
use crate::request::{Access, Request};
use crate::{EnforceError, FileId};

/// The agent's own files, protected from writes by everyone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfProtection {
    files: Vec<(PathBuf, FileId)>,
}

impl SelfProtection {
    /// The agent's executable (`/proc/self/exe`) plus `files` (configuration, rules,
    /// the violation store).
    pub fn new(files: &[PathBuf]) -> Result<SelfProtection, EnforceError> {
        let exe = std::fs::read_link("/proc/self/exe").map_err(|source| EnforceError::Io {
            what: "reading /proc/self/exe".to_owned(),
            source,
        })?;
        let mut protected = Vec::new();
        for path in std::iter::once(&exe).chain(files) {
            let id = FileId::of(path).map_err(|source| EnforceError::Io {
                what: format!("stat {}", path.display()),
                source,
            })?;
            protected.push((path.clone(), id));
        }
        Ok(SelfProtection { files: protected })
    }

    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(path, _)| path.as_path())
    }

    /// Marks that send every open of the protected files to the guard.
    pub fn marks(&self) -> Vec<Mark> {
        self.files
            .iter()
            .map(|(path, _)| Mark::opens_of_file(path.clone()))
            .collect()
    }

    /// Whether the decider should deny this request: an open that may write one of the
    /// agent's files (the agent's own opens never reach the decider).
    pub fn denies(&self, request: &Request) -> bool {
        matches!(request.access, Access::Write | Access::Unknown)
            && self.files.iter().any(|(_, id)| *id == request.file)
    }

    /// Where BPF LSM is attached, also protects the files in the kernel. Returns
    /// whether it did (`false`: the guard is the only protection here).
    pub fn apply_in_kernel(&self, kernel: &mut KernelEnforcer) -> Result<bool, EnforceError> {
        if kernel.paths().lsm != LsmStatus::Attached {
            return Ok(false);
        }
        for (_, id) in &self.files {
            kernel.protect_file(*id, FileProtection::Writes)?;
        }
        Ok(true)
    }
}
