//! Which enforcement paths this machine gives the agent, from what actually loaded and
//! attached (never from `/sys/kernel/security/lsm` or `bpftool feature probe`, which
//! both claim more than the project's kernel allows).

use std::fmt;

use crate::EnforceError;
use crate::kernel::{KernelEnforcer, KernelPaths, LsmStatus};

/// An operation a policy may want stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Fail an exec with EPERM before the binary runs.
    DenyExec,
    /// Kill a process whose exec of a listed (or fileless) file completes, before its
    /// first instruction.
    KillExec,
    /// Stop memfd / deleted-file execs (fanotify cannot see them).
    StopFilelessExec,
    /// Fail an open for writing with EPERM.
    DenyFileWrite,
    DenyConnect,
    DenySendMsg,
    DenyBind,
    Kill,
    KillContainer,
}

/// The enforcement paths found at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityReport {
    pub fanotify: Result<(), String>,
    pub kernel: Result<KernelPaths, String>,
    /// Whether the cgroup v2 hierarchy is mounted on a kernel with `cgroup.kill`.
    pub cgroup_kill_file: bool,
}

impl CapabilityReport {
    /// From the started (or failed) kernel half and fanotify guard (or
    /// [`crate::probe_fanotify`]).
    pub fn new(
        kernel: Result<&KernelEnforcer, &EnforceError>,
        fanotify: Result<(), &EnforceError>,
    ) -> CapabilityReport {
        let v2 = crate::cgroup::v2_mount().ok().flatten().is_some();
        CapabilityReport {
            fanotify: fanotify.map_err(|e| e.to_string()),
            kernel: kernel.map(|k| k.paths().clone()).map_err(|e| e.to_string()),
            cgroup_kill_file: v2 && kernel_at_least(5, 14),
        }
    }

    fn lsm(&self) -> bool {
        matches!(&self.kernel, Ok(p) if p.lsm == LsmStatus::Attached)
    }

    fn backstop(&self) -> bool {
        matches!(&self.kernel, Ok(p) if p.exec_backstop.is_ok())
    }

    fn hooks(&self, v4: &str, v6: &str) -> bool {
        matches!(&self.kernel, Ok(p) if p.network_hooks.contains(&v4) && p.network_hooks.contains(&v6))
    }

    /// How the operation is enforced here, or why it cannot be.
    pub fn path_for(&self, operation: Operation) -> Result<&'static str, String> {
        let fanotify = self.fanotify.is_ok();
        let found = match operation {
            Operation::DenyExec if self.lsm() => Some("BPF LSM bprm_check_security"),
            Operation::DenyExec if fanotify => Some("fanotify FAN_OPEN_EXEC_PERM"),
            Operation::KillExec | Operation::StopFilelessExec if self.lsm() => {
                Some("BPF LSM bprm_check_security")
            }
            Operation::KillExec | Operation::StopFilelessExec if self.backstop() => {
                Some("bpf_send_signal(SIGKILL) at sched_process_exec")
            }
            Operation::DenyFileWrite if self.lsm() => Some("BPF LSM file_open"),
            Operation::DenyFileWrite if fanotify => Some("fanotify FAN_OPEN_PERM"),
            Operation::DenyConnect if self.hooks("connect4", "connect6") => {
                Some("cgroup connect4/6")
            }
            Operation::DenyConnect if self.lsm() => Some("BPF LSM socket_connect"),
            Operation::DenySendMsg if self.hooks("sendmsg4", "sendmsg6") => {
                Some("cgroup sendmsg4/6")
            }
            Operation::DenyBind if self.hooks("bind4", "bind6") => Some("cgroup bind4/6"),
            Operation::Kill => Some("pidfd_send_signal(SIGKILL)"),
            Operation::KillContainer if self.cgroup_kill_file => Some("cgroup.kill"),
            Operation::KillContainer => Some("SIGKILL to every pid in cgroup.procs"),
            _ => None,
        };
        found.ok_or_else(|| self.why_not(operation))
    }

    fn why_not(&self, operation: Operation) -> String {
        let kernel = match &self.kernel {
            Err(reason) => format!("BPF programs did not load: {reason}"),
            Ok(paths) => match operation {
                Operation::KillExec | Operation::StopFilelessExec => match &paths.exec_backstop {
                    Err(reason) => format!("exec backstop: {reason}"),
                    Ok(()) => String::new(),
                },
                _ => paths
                    .network_failures
                    .iter()
                    .map(|(hook, reason)| format!("{hook}: {reason}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            },
        };
        let fanotify = match &self.fanotify {
            Err(reason) => format!("; fanotify: {reason}"),
            Ok(()) => String::new(),
        };
        format!("{operation:?} has no enforcement path here ({kernel}{fanotify})")
    }

    /// Operations that cannot be enforced here, with the reason: what the agent must
    /// state (and refuse policies for) instead of failing silently.
    pub fn missing(&self) -> Vec<String> {
        ALL_OPERATIONS
            .iter()
            .filter_map(|&op| self.path_for(op).err())
            .collect()
    }
}

const ALL_OPERATIONS: [Operation; 9] = [
    Operation::DenyExec,
    Operation::KillExec,
    Operation::StopFilelessExec,
    Operation::DenyFileWrite,
    Operation::DenyConnect,
    Operation::DenySendMsg,
    Operation::DenyBind,
    Operation::Kill,
    Operation::KillContainer,
];

fn kernel_at_least(major: u32, minor: u32) -> bool {
    let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else {
        return false;
    };
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse::<u32>().ok());
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}

/// `connect4` + `connect6` print as `connect4/6`.
fn network_hooks(hooks: &[&str]) -> String {
    let mut parts = Vec::new();
    for family in ["connect", "sendmsg", "bind"] {
        let v4 = hooks.contains(&format!("{family}4").as_str());
        let v6 = hooks.contains(&format!("{family}6").as_str());
        match (v4, v6) {
            (true, true) => parts.push(format!("{family}4/6")),
            (true, false) => parts.push(format!("{family}4")),
            (false, true) => parts.push(format!("{family}6")),
            (false, false) => {}
        }
    }
    parts.join(" ")
}

impl fmt::Display for CapabilityReport {
    /// One line: `exec deny: fanotify; exec kill backstop: bpf_send_signal; network
    /// deny: cgroup connect4/6 sendmsg4/6 bind4/6; BPF LSM: refused (EPERM); ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fanotify = self.fanotify.is_ok();
        let mut exec = Vec::new();
        if self.lsm() {
            exec.push("BPF LSM");
        }
        if fanotify {
            exec.push("fanotify");
        }
        let none = |v: Vec<&str>| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.join(" + ")
            }
        };
        write!(f, "exec deny: {}", none(exec.clone()))?;
        write!(
            f,
            "; exec kill backstop: {}",
            if self.backstop() {
                "bpf_send_signal"
            } else {
                "none"
            }
        )?;
        write!(f, "; file write deny: {}", none(exec))?;
        match &self.kernel {
            Ok(paths) if !paths.network_hooks.is_empty() => {
                write!(
                    f,
                    "; network deny: cgroup {}",
                    network_hooks(&paths.network_hooks)
                )?;
            }
            _ => write!(f, "; network deny: none")?,
        }
        match &self.kernel {
            Ok(paths) => match &paths.lsm {
                LsmStatus::Attached => {
                    write!(f, "; BPF LSM: bprm_check_security file_open socket_connect")?
                }
                LsmStatus::Refused {
                    errno: Some(errno), ..
                } => write!(
                    f,
                    "; BPF LSM: refused ({:?})",
                    nix::errno::Errno::from_raw(*errno)
                )?,
                LsmStatus::Refused {
                    errno: None,
                    message,
                } => write!(f, "; BPF LSM: refused ({message})")?,
            },
            Err(_) => write!(f, "; BPF LSM: not probed (no BPF)")?,
        }
        write!(
            f,
            "; kill-container: {}",
            if self.cgroup_kill_file {
                "cgroup.kill"
            } else {
                "SIGKILL loop"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(lsm: LsmStatus, hooks: Vec<&'static str>, fanotify: bool) -> CapabilityReport {
        CapabilityReport {
            fanotify: if fanotify {
                Ok(())
            } else {
                Err("fanotify_init: Invalid argument".into())
            },
            kernel: Ok(KernelPaths {
                cgroup_root: Ok("/sys/fs/cgroup/unified".into()),
                network_hooks: hooks,
                network_failures: vec![("bind6", "attach failed".into())],
                exec_backstop: Ok(()),
                lsm,
            }),
            cgroup_kill_file: true,
        }
    }

    const ALL_HOOKS: [&str; 6] = [
        "connect4", "connect6", "sendmsg4", "sendmsg6", "bind4", "bind6",
    ];

    #[test]
    fn this_kernels_report_reads_as_the_issue_states_it() {
        let r = report(
            LsmStatus::Refused {
                errno: Some(libc::EPERM),
                message: "bprm_check_security: ...".into(),
            },
            ALL_HOOKS.to_vec(),
            true,
        );
        assert_eq!(
            r.to_string(),
            "exec deny: fanotify; exec kill backstop: bpf_send_signal; file write deny: fanotify; \
network deny: cgroup connect4/6 sendmsg4/6 bind4/6; BPF LSM: refused (EPERM); kill-container: cgroup.kill"
        );
        assert_eq!(
            r.path_for(Operation::DenyExec).unwrap(),
            "fanotify FAN_OPEN_EXEC_PERM"
        );
        assert_eq!(
            r.path_for(Operation::StopFilelessExec).unwrap(),
            "bpf_send_signal(SIGKILL) at sched_process_exec"
        );
        assert!(r.missing().is_empty(), "{:?}", r.missing());
    }

    #[test]
    fn lsm_kernels_prefer_lsm() {
        let r = report(LsmStatus::Attached, ALL_HOOKS.to_vec(), true);
        assert_eq!(
            r.path_for(Operation::DenyExec).unwrap(),
            "BPF LSM bprm_check_security"
        );
        assert_eq!(
            r.path_for(Operation::DenyFileWrite).unwrap(),
            "BPF LSM file_open"
        );
        assert!(
            r.to_string().starts_with("exec deny: BPF LSM + fanotify;"),
            "{r}"
        );
        assert!(
            r.to_string()
                .contains("BPF LSM: bprm_check_security file_open socket_connect")
        );
    }

    #[test]
    fn missing_paths_are_named_with_their_reason() {
        let r = report(
            LsmStatus::Refused {
                errno: Some(libc::EPERM),
                message: String::new(),
            },
            vec!["connect4", "connect6", "bind4"],
            false,
        );
        assert!(r.to_string().contains("exec deny: none;"), "{r}");
        assert!(
            r.to_string()
                .contains("network deny: cgroup connect4/6 bind4;"),
            "{r}"
        );
        let missing = r.missing();
        assert_eq!(missing.len(), 4, "{missing:?}");
        assert!(
            missing[0].starts_with("DenyExec has no enforcement path here"),
            "{missing:?}"
        );
        assert!(
            missing[0].contains("fanotify: fanotify_init: Invalid argument"),
            "{missing:?}"
        );
        assert!(
            missing.iter().any(|m| m.contains("bind6: attach failed")),
            "{missing:?}"
        );
    }
}
