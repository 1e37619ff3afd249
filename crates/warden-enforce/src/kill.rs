//! The after-the-fact actions: `kill` (one process, never a process that reused its
//! pid) and `kill-container` (every process of a cgroup, v1 or v2).

use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::EnforceError;
use crate::cgroup::{self, CgroupVersion, Hierarchy};
use crate::procfs;

/// A process as it was when the rule matched: pid plus start time, so a pid the kernel
/// has since given to another process is never signalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProcessIdentity {
    pub pid: u32,
    /// Clock ticks after boot (field 22 of `/proc/PID/stat`).
    pub start_ticks: u64,
}

impl ProcessIdentity {
    /// The process that has `pid` now.
    pub fn current(pid: u32) -> Result<ProcessIdentity, EnforceError> {
        let start_ticks = procfs::read_start_ticks(pid).map_err(|source| EnforceError::Io {
            what: format!("reading /proc/{pid}/stat"),
            source,
        })?;
        Ok(ProcessIdentity { pid, start_ticks })
    }

    /// From a start time in nanoseconds after boot (`task->start_boottime`, what the
    /// sensor records).
    pub fn from_start_boot_ns(pid: u32, start_boot_ns: u64) -> ProcessIdentity {
        let ns_per_tick = 1_000_000_000 / procfs::clock_ticks_per_second();
        ProcessIdentity {
            pid,
            start_ticks: start_boot_ns / ns_per_tick,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillOutcome {
    Killed,
    /// The process had exited already.
    AlreadyGone,
    /// The pid now belongs to a process that started at another time: not signalled.
    PidReused {
        start_ticks: u64,
    },
}

fn pidfd_open(pid: u32) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a descriptor pidfd_open just returned, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

fn pidfd_kill(pidfd: &OwnedFd) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid pidfd, a valid signal, no siginfo, no flags.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            libc::SIGKILL,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// SIGKILLs the process if it is still the one identified. Race-free: the pidfd pins
/// the process the pid named when it was opened, and the start time is compared after
/// opening it.
pub fn kill_process(target: ProcessIdentity) -> Result<KillOutcome, EnforceError> {
    if target.pid == std::process::id() {
        return Err(EnforceError::SelfProtection(
            "kill the agent itself".to_owned(),
        ));
    }
    let pidfd = match pidfd_open(target.pid) {
        Ok(fd) => fd,
        Err(err) if err.raw_os_error() == Some(libc::ESRCH) => return Ok(KillOutcome::AlreadyGone),
        Err(source) => {
            return Err(EnforceError::Io {
                what: format!("pidfd_open({})", target.pid),
                source,
            });
        }
    };
    let start_ticks = match procfs::read_start_ticks(target.pid) {
        Ok(ticks) => ticks,
        // Reaped between the two calls.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(KillOutcome::AlreadyGone);
        }
        Err(source) => {
            return Err(EnforceError::Io {
                what: format!("reading /proc/{}/stat", target.pid),
                source,
            });
        }
    };
    if start_ticks != target.start_ticks {
        return Ok(KillOutcome::PidReused { start_ticks });
    }
    match pidfd_kill(&pidfd) {
        Ok(()) => Ok(KillOutcome::Killed),
        Err(err) if err.raw_os_error() == Some(libc::ESRCH) => Ok(KillOutcome::AlreadyGone),
        Err(source) => Err(EnforceError::Io {
            what: format!("pidfd_send_signal({}, SIGKILL)", target.pid),
            source,
        }),
    }
}

/// How a cgroup's processes were killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupKillMethod {
    /// `cgroup.kill` (cgroup v2, Linux 5.14+): the kernel kills the whole subtree at
    /// once, forks in flight included.
    KillFile,
    /// SIGKILL to every pid in `cgroup.procs` (and below), repeated until empty.
    SignalLoop,
}

/// What [`kill_cgroup`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupKill {
    pub method: CgroupKillMethod,
    /// The cgroup directories acted on (one per hierarchy holding the path).
    pub directories: Vec<PathBuf>,
    /// Processes signalled one by one (0 when `cgroup.kill` did it all).
    pub signalled: usize,
    /// Passes over the cgroups until they were empty.
    pub rounds: u32,
}

/// Kills every process of the cgroup at `path` (as `/proc/PID/cgroup` writes it, e.g.
/// `/libpod_parent/libpod-<id>`) in every mounted hierarchy that has it, and waits up
/// to `timeout` for the cgroup to be empty. Uses `cgroup.kill` where the v2 hierarchy
/// has it, then signals whatever is left in any hierarchy.
pub fn kill_cgroup(path: &str, timeout: Duration) -> Result<CgroupKill, EnforceError> {
    let hierarchies = cgroup::hierarchies().map_err(|source| EnforceError::Io {
        what: "reading /proc/self/mountinfo".to_owned(),
        source,
    })?;
    kill_cgroup_in(&hierarchies, path, true, timeout)
}

/// [`kill_cgroup`] over the given hierarchies; `use_kill_file: false` signals process
/// by process even where `cgroup.kill` exists.
pub fn kill_cgroup_in(
    hierarchies: &[Hierarchy],
    path: &str,
    use_kill_file: bool,
    timeout: Duration,
) -> Result<CgroupKill, EnforceError> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() || trimmed.split('/').any(|part| part == "..") {
        return Err(EnforceError::Invalid {
            what: "cgroup path",
            reason: format!("{path:?}: expected a cgroup below the root, without '..'"),
        });
    }
    let own_pid = std::process::id();
    let mut directories = Vec::new();
    let mut method = CgroupKillMethod::SignalLoop;
    for hierarchy in hierarchies {
        let directory = hierarchy.directory(path);
        if !directory.is_dir() {
            continue;
        }
        // The agent must not be inside what it kills.
        if let Ok(Some(own)) = cgroup::path_in(hierarchy, own_pid) {
            let own = own.trim_matches('/');
            if own == trimmed || own.starts_with(&format!("{trimmed}/")) {
                return Err(EnforceError::SelfProtection(format!(
                    "kill cgroup {path}: the agent runs in it ({})",
                    hierarchy.mount_point.display()
                )));
            }
        }
        if use_kill_file && hierarchy.version == CgroupVersion::V2 {
            let kill_file = directory.join("cgroup.kill");
            if kill_file.exists() {
                std::fs::write(&kill_file, "1").map_err(|source| EnforceError::Io {
                    what: format!("writing {}", kill_file.display()),
                    source,
                })?;
                method = CgroupKillMethod::KillFile;
            }
        }
        directories.push(directory);
    }
    if directories.is_empty() {
        return Err(EnforceError::Invalid {
            what: "cgroup path",
            reason: format!("{path}: no mounted cgroup hierarchy has it"),
        });
    }

    let started = Instant::now();
    let mut signalled = 0;
    let mut rounds = 0;
    loop {
        rounds += 1;
        let mut pids = Vec::new();
        for directory in &directories {
            collect_pids(directory, &mut pids)?;
        }
        pids.sort_unstable();
        pids.dedup();
        if pids.is_empty() {
            return Ok(CgroupKill {
                method,
                directories,
                signalled,
                rounds,
            });
        }
        if started.elapsed() >= timeout {
            return Err(EnforceError::Io {
                what: format!(
                    "killing cgroup {path}: {} processes left after {rounds} rounds",
                    pids.len()
                ),
                source: std::io::Error::from(std::io::ErrorKind::TimedOut),
            });
        }
        if method == CgroupKillMethod::SignalLoop || rounds > 1 {
            for &pid in &pids {
                if pid == own_pid {
                    continue;
                }
                // SAFETY: kill(2) with a pid read from the cgroup and SIGKILL. Pid reuse
                // is harmless here: a pid in this cgroup's list is in the cgroup.
                if unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) } == 0 {
                    signalled += 1;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Every pid in `directory`'s `cgroup.procs` and in its descendants'.
fn collect_pids(directory: &Path, pids: &mut Vec<u32>) -> Result<(), EnforceError> {
    let procs = directory.join("cgroup.procs");
    match std::fs::read_to_string(&procs) {
        Ok(text) => pids.extend(text.lines().filter_map(|l| l.trim().parse::<u32>().ok())),
        // Removed meanwhile: empty.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(EnforceError::Io {
                what: format!("reading {}", procs.display()),
                source,
            });
        }
    }
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(EnforceError::Io {
                what: format!("listing {}", directory.display()),
                source,
            });
        }
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect_pids(&entry.path(), pids)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_ns_converts_to_ticks() {
        let ticks = procfs::clock_ticks_per_second();
        let identity = ProcessIdentity::from_start_boot_ns(5, 3 * 1_000_000_000 + 1);
        assert_eq!(identity.start_ticks, 3 * ticks);
    }

    #[test]
    fn the_root_and_escapes_are_refused() {
        for path in ["/", "", "/a/../..", "../x"] {
            let err = kill_cgroup_in(&[], path, true, Duration::from_secs(1)).unwrap_err();
            assert!(
                err.to_string().contains("expected a cgroup below the root"),
                "{err}"
            );
        }
        let err = kill_cgroup_in(&[], "/nowhere", true, Duration::from_secs(1)).unwrap_err();
        assert!(
            err.to_string()
                .contains("no mounted cgroup hierarchy has it"),
            "{err}"
        );
    }

    #[test]
    fn the_agent_never_kills_itself() {
        let me = ProcessIdentity::current(std::process::id()).unwrap();
        let err = kill_process(me).unwrap_err();
        assert!(
            err.to_string()
                .contains("refusing to kill the agent itself"),
            "{err}"
        );
    }
}
