//! What the fanotify guard hands the agent's decider: the file, the kind of access and
//! the process asking, read from `/proc` while the process waits for the answer.

use std::path::PathBuf;

use crate::FileId;
use crate::procfs::{self, Status, SyscallState};

/// What the process is doing to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// `execve` of the file (or of the ELF interpreter / script interpreter it needs).
    Exec,
    /// An open for reading only.
    Read,
    /// An open that can change the file: write access, `O_TRUNC` or `creat`.
    Write,
    /// The guard could not tell (io_uring, kernel-internal opens): decide as for a
    /// write when protecting files.
    Unknown,
}

/// One permission request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub access: Access,
    /// The opened file as the guard's descriptor resolves it. For a file of an overlay
    /// (a container's root) the kernel hands over the layer's real file, and this is
    /// its path inside the layer (`/usr/bin/apt` for an image layer), not a host path.
    pub path: PathBuf,
    /// The real file's identity (see [`crate::KernelEnforcer::deny_exec`] for the other
    /// identity of container files).
    pub file: FileId,
    /// The open flags when the call was an `open`/`openat`/`openat2`/`open_by_handle_at`.
    pub open_flags: Option<i32>,
    /// Exec only: the path the caller passed to `execve` and the new program's argv
    /// (read from the caller's memory; `None` when it could not be read). The second
    /// request of an exec (the ELF interpreter) carries the same values.
    pub exec_filename: Option<String>,
    pub exec_args: Option<Vec<String>>,
    /// The process asking, as it is before the exec.
    pub process: ProcessInfo,
}

/// The requesting thread and its process.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessInfo {
    /// Thread-group id and the thread that asked.
    pub pid: u32,
    pub tid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    pub comm: String,
    /// `/proc/PID/exe` (empty when unreadable).
    pub exe: String,
    /// The full argv of the current image.
    pub cmdline: Vec<String>,
    /// `/proc/PID/cgroup` verbatim (every hierarchy's line), for container identity.
    pub proc_cgroup: String,
}

impl ProcessInfo {
    /// The process's identity for a later [`crate::kill_process`]. Read on demand
    /// (`/proc/PID/stat` is costly); call it from the decider, while the process still
    /// waits for the verdict and cannot have exited.
    pub fn identity(&self) -> Result<crate::ProcessIdentity, crate::EnforceError> {
        crate::ProcessIdentity::current(self.pid)
    }
}

const SYS_OPEN: u64 = 2;
const SYS_CREAT: u64 = 85;
const SYS_EXECVE: u64 = 59;
const SYS_OPENAT: u64 = 257;
const SYS_OPEN_BY_HANDLE_AT: u64 = 304;
const SYS_EXECVEAT: u64 = 322;
const SYS_OPENAT2: u64 = 437;

/// What the blocked syscall says about the access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// An open with these flags.
    Open(i32),
    /// `openat2`: the flags are in the `open_how` struct at this address.
    OpenHow(u64),
    /// `creat`.
    Create,
    /// `execve(filename, argv, envp)` / `execveat(dirfd, filename, argv, envp, flags)`.
    Exec {
        filename: u64,
        argv: u64,
    },
    Unknown,
}

pub(crate) fn call_kind(state: SyscallState) -> CallKind {
    let SyscallState::InSyscall { nr, args } = state else {
        return CallKind::Unknown;
    };
    // Flags are an int: the register's low 32 bits.
    let flags = |raw: u64| raw as u32 as i32;
    match nr {
        SYS_OPEN => CallKind::Open(flags(args[1])),
        SYS_OPENAT | SYS_OPEN_BY_HANDLE_AT => CallKind::Open(flags(args[2])),
        SYS_OPENAT2 => CallKind::OpenHow(args[2]),
        SYS_CREAT => CallKind::Create,
        SYS_EXECVE => CallKind::Exec {
            filename: args[0],
            argv: args[1],
        },
        SYS_EXECVEAT => CallKind::Exec {
            filename: args[1],
            argv: args[2],
        },
        _ => CallKind::Unknown,
    }
}

/// Whether open flags can change the file.
pub(crate) fn access_of_flags(flags: i32) -> Access {
    if flags & libc::O_ACCMODE != libc::O_RDONLY || flags & libc::O_TRUNC != 0 {
        Access::Write
    } else {
        Access::Read
    }
}

/// What the blocked thread `tid` is calling.
pub(crate) fn blocked_call(tid: u32) -> CallKind {
    let state = procfs::read_proc_string(&format!("/proc/{tid}/syscall"))
        .map(|text| procfs::parse_syscall(&text))
        .unwrap_or(SyscallState::Unknown);
    call_kind(state)
}

/// Reads what the guard needs for an open event from the blocked thread `tid`.
pub(crate) fn open_access(tid: u32) -> (Access, Option<i32>, CallKind) {
    let kind = blocked_call(tid);
    match kind {
        CallKind::Open(flags) => (access_of_flags(flags), Some(flags), kind),
        CallKind::OpenHow(address) => match read_remote_u64(tid, address) {
            Some(flags) => {
                let flags = flags as u32 as i32;
                (access_of_flags(flags), Some(flags), kind)
            }
            None => (Access::Unknown, None, kind),
        },
        CallKind::Create => (Access::Write, None, kind),
        CallKind::Exec { .. } => (Access::Exec, None, kind),
        CallKind::Unknown => (Access::Unknown, None, kind),
    }
}

const MAX_EXEC_ARGS: usize = 256;
const MAX_STRING: usize = 4096;

/// The execve filename and argv from the caller's memory (it is blocked in execve,
/// its old image still mapped).
pub(crate) fn exec_details(tid: u32, kind: CallKind) -> (Option<String>, Option<Vec<String>>) {
    let CallKind::Exec { filename, argv } = kind else {
        return (None, None);
    };
    let filename = read_remote_string(tid, filename);
    let mut args = Vec::new();
    for index in 0..MAX_EXEC_ARGS as u64 {
        let Some(pointer) = read_remote_u64(tid, argv.wrapping_add(index * 8)) else {
            return (filename, None);
        };
        if pointer == 0 {
            return (filename, Some(args));
        }
        match read_remote_string(tid, pointer) {
            Some(arg) => args.push(arg),
            None => return (filename, None),
        }
    }
    (filename, Some(args))
}

fn read_remote(tid: u32, address: u64, buffer: &mut [u8]) -> Option<usize> {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(tid).ok()?);
    let mut local = [std::io::IoSliceMut::new(buffer)];
    let remote = [nix::sys::uio::RemoteIoVec {
        base: usize::try_from(address).ok()?,
        len: local[0].len(),
    }];
    nix::sys::uio::process_vm_readv(pid, &mut local, &remote).ok()
}

fn read_remote_u64(tid: u32, address: u64) -> Option<u64> {
    let mut bytes = [0u8; 8];
    (read_remote(tid, address, &mut bytes)? == 8).then(|| u64::from_ne_bytes(bytes))
}

fn read_remote_string(tid: u32, address: u64) -> Option<String> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 256];
    while out.len() < MAX_STRING {
        // Never cross a page boundary in one read: the next page may be unmapped.
        let here = address.wrapping_add(out.len() as u64);
        let to_page_end = 4096 - (here % 4096) as usize;
        let want = chunk.len().min(to_page_end);
        let got = read_remote(tid, here, &mut chunk[..want])?;
        if got == 0 {
            return None;
        }
        if let Some(end) = chunk[..got].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return Some(String::from_utf8_lossy(&out).into_owned());
        }
        out.extend_from_slice(&chunk[..got]);
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Fills the process part of a request (the reader thread has the status already).
pub(crate) fn process_info(tid: u32, status: &Status) -> ProcessInfo {
    let pid = status.tgid;
    let read_link = |what: &str| {
        std::fs::read_link(format!("/proc/{pid}/{what}"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    ProcessInfo {
        pid,
        tid,
        ppid: status.ppid,
        uid: status.uids[0],
        euid: status.uids[1],
        gid: status.gids[0],
        egid: status.gids[1],
        comm: status.name.clone(),
        exe: read_link("exe"),
        cmdline: procfs::read_proc(&format!("/proc/{pid}/cmdline"))
            .map(|bytes| procfs::parse_cmdline(&bytes))
            .unwrap_or_default(),
        proc_cgroup: procfs::read_proc_string(&format!("/proc/{pid}/cgroup")).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(nr: u64, args: [u64; 6]) -> CallKind {
        call_kind(SyscallState::InSyscall { nr, args })
    }

    #[test]
    fn open_calls_give_their_flags() {
        let wronly_creat = (libc::O_WRONLY | libc::O_CREAT) as u64;
        assert_eq!(
            call(SYS_OPENAT, [0xffffff9c, 0x1000, wronly_creat, 0o644, 0, 0]),
            CallKind::Open(libc::O_WRONLY | libc::O_CREAT)
        );
        assert_eq!(call(SYS_OPEN, [0x1000, 0, 0, 0, 0, 0]), CallKind::Open(0));
        assert_eq!(
            call(SYS_OPENAT2, [0, 1, 0x7000, 24, 0, 0]),
            CallKind::OpenHow(0x7000)
        );
        assert_eq!(call(SYS_CREAT, [0; 6]), CallKind::Create);
        assert_eq!(
            call(SYS_EXECVEAT, [3, 0x10, 0x20, 0x30, 0x1000, 0]),
            CallKind::Exec {
                filename: 0x10,
                argv: 0x20
            }
        );
        assert_eq!(call(0, [0; 6]), CallKind::Unknown);
        assert_eq!(call_kind(SyscallState::Unknown), CallKind::Unknown);
    }

    #[test]
    fn sign_extended_registers_keep_the_int_flags() {
        // A negative int (never a real flag set, but the register may carry high bits).
        assert_eq!(
            call(SYS_OPEN, [0, 0xffff_ffff_0000_0002, 0, 0, 0, 0]),
            CallKind::Open(libc::O_RDWR)
        );
    }

    #[test]
    fn write_access_is_any_write_mode_or_truncation() {
        assert_eq!(access_of_flags(libc::O_RDONLY), Access::Read);
        assert_eq!(
            access_of_flags(libc::O_RDONLY | libc::O_CLOEXEC),
            Access::Read
        );
        assert_eq!(
            access_of_flags(libc::O_RDONLY | libc::O_CREAT),
            Access::Read
        );
        assert_eq!(access_of_flags(libc::O_WRONLY), Access::Write);
        assert_eq!(access_of_flags(libc::O_RDWR), Access::Write);
        assert_eq!(
            access_of_flags(libc::O_RDONLY | libc::O_TRUNC),
            Access::Write
        );
        assert_eq!(
            access_of_flags(libc::O_WRONLY | libc::O_APPEND),
            Access::Write
        );
    }

    #[test]
    fn exec_details_come_from_the_callers_memory() {
        // Our own memory stands in for a blocked caller's.
        let filename = c"/usr/bin/true".as_ptr() as u64;
        let args = [c"true".as_ptr() as u64, c"--version".as_ptr() as u64, 0u64];
        let kind = CallKind::Exec {
            filename,
            argv: args.as_ptr() as u64,
        };
        let (name, argv) = exec_details(std::process::id(), kind);
        assert_eq!(name.as_deref(), Some("/usr/bin/true"));
        assert_eq!(argv, Some(vec!["true".to_owned(), "--version".to_owned()]));
        let (name, argv) = exec_details(
            std::process::id(),
            CallKind::Exec {
                filename: 0,
                argv: 8,
            },
        );
        assert_eq!((name, argv), (None, None));
    }
}
