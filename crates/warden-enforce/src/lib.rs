//! Warden's enforcement layer: stopping an operation before it happens where the
//! kernel allows it, killing after the fact where only that makes sense.
//!
//! | action | path on the project's kernel (BPF LSM refused) | where BPF LSM loads |
//! |---|---|---|
//! | deny exec | [`PermissionGuard`]: fanotify `FAN_OPEN_EXEC_PERM` → EPERM | + `lsm/bprm_check_security` |
//! | deny file write | [`PermissionGuard`]: fanotify `FAN_OPEN_PERM` → EPERM | + `lsm/file_open` |
//! | deny connect / sendmsg / bind | [`KernelEnforcer`]: cgroup `connect4/6`, `sendmsg4/6`, `bind4/6` → EPERM | + `lsm/socket_connect` |
//! | kill at exec (listed file, memfd, deleted) | [`KernelEnforcer`]: `bpf_send_signal(SIGKILL)` at `sched_process_exec` | `bprm_check_security` → EPERM |
//! | kill | [`kill_process`] (pidfd, start time checked) | same |
//! | kill-container | [`kill_cgroup`] (`cgroup.kill`, else SIGKILL loop; v1 and v2) | same |
//!
//! The agent drives it like this:
//!
//! ```no_run
//! use warden_enforce::*;
//!
//! # fn main() -> Result<(), EnforceError> {
//! let mut kernel = KernelEnforcer::load();
//! let guard = PermissionGuard::start(
//!     GuardConfig {
//!         marks: exec_filesystems()
//!             .unwrap_or_default()
//!             .into_iter()
//!             .map(Mark::execs_on_filesystem)
//!             .collect(),
//!         ..GuardConfig::default()
//!     },
//!     |request: &Request| -> Result<Verdict, String> {
//!         // The rule engine decides here (the full rule language is available).
//!         Ok(if request.path.ends_with("apt") { Verdict::Deny } else { Verdict::Allow })
//!     },
//! );
//! // Print what this machine can enforce, and refuse policies it cannot.
//! let report = CapabilityReport::new(kernel.as_ref(), guard.as_ref().map(|_| ()));
//! println!("{report}");
//! if let Ok(kernel) = kernel.as_mut() {
//!     kernel.set_network_rules(&[NetRule {
//!         id: 1,
//!         prefix: "10.0.0.0/8".parse()?,
//!         ports: (0, 65535),
//!         protocols: Protocols::ALL,
//!         operations: NetOperations::OUTBOUND,
//!         scope: Scope::Everywhere,
//!     }])?;
//!     kernel.poll_events(std::time::Duration::from_millis(100), |event| {
//!         println!("ATTEMPTED {event:?}");
//!     });
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Everything the kernel holds is owned by the agent's descriptors: when the agent
//! exits (even by SIGKILL) every program detaches and the fanotify group closes, and
//! the kernel lets everything through.

mod capabilities;
mod cgroup;
mod guard;
mod kernel;
mod kill;
mod net;
mod procfs;
mod raw;
mod request;
mod selfprotect;

pub use capabilities::{CapabilityReport, Operation};
pub use cgroup::{CgroupVersion, Hierarchy, cgroup_id, hierarchies, v2_mount, v2_path_of};
pub use guard::{
    Decider, DecisionFailure, FailureCause, FailurePolicy, GuardConfig, GuardCounters, Mark,
    MarkScope, PermissionGuard, Verdict, exec_filesystems, probe_fanotify,
};
pub use kernel::{
    FileProtection, FilelessPolicy, KernelCounters, KernelEnforcer, KernelPaths, LsmStatus,
    ProgramCost,
};
pub use kill::{
    CgroupKill, CgroupKillMethod, KillOutcome, ProcessIdentity, kill_cgroup, kill_cgroup_in,
    kill_process,
};
pub use net::{IpPrefix, NetOperations, NetRule, Protocols, Scope};
pub use raw::{FileAction, FileReason, KernelAction, KernelEvent, NetOperation};
pub use request::{Access, ProcessInfo, Request};
pub use selfprotect::SelfProtection;

/// A file's identity as `stat` gives it: glibc's `st_dev` encoding and the inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    /// The identity of the file at `path` (symlinks followed).
    pub fn of(path: &std::path::Path) -> std::io::Result<FileId> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        Ok(FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    /// The kernel's `sb->s_dev` encoding (`MAJOR << 20 | MINOR`) the BPF maps use.
    pub(crate) fn kernel_dev(&self) -> u64 {
        let major = u64::from(libc::major(self.dev));
        let minor = u64::from(libc::minor(self.dev));
        (major << 20) | minor
    }

    pub(crate) fn from_kernel(kernel_dev: u64, ino: u64) -> FileId {
        let major = (kernel_dev >> 20) as u32;
        let minor = (kernel_dev & 0xfffff) as u32;
        FileId {
            dev: libc::makedev(major, minor),
            ino,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EnforceError {
    #[error("fanotify: {0}")]
    Fanotify(String),
    #[error("BPF: {0}")]
    Bpf(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The path needed is not available here; the agent must say so, not go on.
    #[error("{0} is not available here: {1}")]
    Unavailable(&'static str, String),
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    #[error("refusing to {0}")]
    SelfProtection(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_convert_both_ways() {
        let file = FileId {
            dev: libc::makedev(259, 70000),
            ino: 9,
        };
        assert_eq!(file.kernel_dev(), (259 << 20) | 70000);
        assert_eq!(FileId::from_kernel(file.kernel_dev(), 9), file);
        let overlay = FileId::from_kernel(41, 1);
        assert_eq!(
            (libc::major(overlay.dev), libc::minor(overlay.dev)),
            (0, 41)
        );
    }
}
