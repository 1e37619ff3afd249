//! What a source (the eBPF programs or the fallback sensor) hands to enrichment: one
//! decoded record per kernel event, owned and layout-free, before process, container
//! and user context is added.

/// The thread and credentials an event happened in, as the kernel saw them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Header {
    /// The x86_64 syscall number (for scheduler events, the syscall behind them).
    pub(crate) syscall: u32,
    /// `CLOCK_BOOTTIME` nanoseconds.
    pub(crate) boot_ns: u64,
    pub(crate) exec_id: u64,
    pub(crate) cgroup_id: u64,
    pub(crate) res: i64,
    pub(crate) cap_effective: u64,
    pub(crate) cap_permitted: u64,
    pub(crate) cap_inheritable: u64,
    pub(crate) pid: u32,
    pub(crate) tid: u32,
    pub(crate) ppid: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) euid: u32,
    pub(crate) egid: u32,
    /// `u32::MAX` when unset.
    pub(crate) loginuid: u32,
    pub(crate) comm: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) header: Header,
    pub(crate) body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    Exec(ExecRecord),
    Fork(ForkRecord),
    Exit(ExitRecord),
    Open(OpenRecord),
    Path(PathRecord),
    Socket(SocketRecord),
    Other(OtherRecord),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ExecRecord {
    pub(crate) filename: String,
    pub(crate) exepath: String,
    pub(crate) cwd: String,
    pub(crate) cgroup: String,
    /// `cgroup` is the v1 memory hierarchy's path (the v2 one was the root).
    pub(crate) cgroup_is_v1: bool,
    pub(crate) args: Vec<String>,
    pub(crate) args_truncated: bool,
    pub(crate) path_truncated: bool,
    pub(crate) start_boot_ns: u64,
    pub(crate) parent_exec_id: u64,
    pub(crate) mntns: u64,
    pub(crate) pidns: u64,
    /// Userspace's `st_dev` encoding.
    pub(crate) exe_dev: u64,
    pub(crate) exe_ino: u64,
    pub(crate) exe_ctime_ns: u64,
    pub(crate) exe_mtime_ns: u64,
    pub(crate) exe_uid: u32,
    pub(crate) exe_gid: u32,
    pub(crate) exe_mode: u32,
    pub(crate) tty: u32,
    pub(crate) vpid: u32,
    pub(crate) sid: u32,
    pub(crate) memfd: bool,
    pub(crate) deleted: bool,
    pub(crate) upper_layer: bool,
    pub(crate) exec_flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForkRecord {
    pub(crate) clone_flags: u64,
    pub(crate) child_pid: u32,
    pub(crate) child_tid: u32,
    pub(crate) child_exec_id: u64,
    pub(crate) child_start_boot_ns: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExitRecord {
    /// `code << 8 | core << 7 | signal`, as `wait` reports it.
    pub(crate) wait_status: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenRecord {
    pub(crate) args: [u64; 6],
    pub(crate) flags: u32,
    pub(crate) mode: u32,
    /// The path as passed.
    pub(crate) raw: String,
    /// The directory a relative `raw` starts from (cwd or dirfd); empty otherwise.
    pub(crate) base: String,
    /// The opened file's own path (symlinks resolved), on success, when the kernel
    /// needed it: for an empty `raw`, or to check the path filter through symlinks.
    pub(crate) resolved: String,
    pub(crate) fd_mode: u32,
    pub(crate) path_truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathRecord {
    pub(crate) args: [u64; 6],
    pub(crate) raw1: String,
    pub(crate) base1: String,
    pub(crate) raw2: String,
    pub(crate) base2: String,
    pub(crate) path_truncated: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SockInfo {
    pub(crate) family: u16,
    pub(crate) kind: u16,
    pub(crate) protocol: u16,
    pub(crate) local_port: u16,
    pub(crate) remote_port: u16,
    pub(crate) state: u16,
    pub(crate) local_addr: [u8; 16],
    pub(crate) remote_addr: [u8; 16],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SocketRecord {
    pub(crate) args: [u64; 6],
    /// The `sockaddr` argument's bytes (connect, bind, sendto, sendmsg).
    pub(crate) sockaddr: Vec<u8>,
    pub(crate) is_socket: bool,
    pub(crate) sock: SockInfo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OtherRecord {
    pub(crate) args: [u64; 6],
    /// tv_sec for clock changes, timex.modes for adjtimex.
    pub(crate) aux: u64,
    pub(crate) strings: [String; 4],
}
