//! What each event did: the syscall's arguments and, for fds, what they refer to.

use serde::{Deserialize, Serialize};

/// The per-syscall part of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// `execve`/`execveat`: the process context is the new program's.
    Exec {
        /// The path as passed to the syscall.
        filename: String,
        /// `execveat` flags (`AT_EMPTY_PATH`, ...); 0 for `execve`.
        flags: u32,
    },
    /// A new task (`clone`, `fork`, ...).
    Fork {
        child_pid: u32,
        child_tid: u32,
        clone_flags: u64,
    },
    /// The process (or thread) ended.
    Exit {
        status: ExitStatus,
    },
    /// `open`, `openat`, `openat2`, `creat`.
    Open {
        /// The resulting fd, or -1.
        fd: i64,
        /// The absolute path, resolved against the cwd or `dirfd`.
        path: String,
        /// The path as passed (Falco's `fd.nameraw`).
        raw: String,
        /// `AT_FDCWD` (-100) or the directory fd.
        dirfd: i64,
        flags: OpenFlags,
        mode: u32,
    },
    /// `unlink`, `unlinkat`, `rmdir`.
    Unlink {
        path: String,
        raw: String,
        flags: u32,
    },
    /// `rename`, `renameat`, `renameat2`.
    Rename {
        old_path: String,
        new_path: String,
        flags: u32,
    },
    /// `chmod`, `fchmod`, `fchmodat`.
    Chmod {
        path: String,
        mode: u32,
    },
    /// `chown`, `lchown`, `fchown`, `fchownat` (-1 means unchanged).
    Chown {
        path: String,
        uid: i64,
        gid: i64,
    },
    /// `link`, `linkat`: `new_path` becomes another name of `old_path`.
    Link {
        old_path: String,
        new_path: String,
    },
    /// `symlink`, `symlinkat`: `link_path` now points at `target` (stored as given).
    Symlink {
        target: String,
        link_path: String,
    },
    /// `mkdir`, `mkdirat`.
    Mkdir {
        path: String,
        mode: u32,
    },
    Connect {
        fd: i64,
        address: Address,
        info: FdInfo,
    },
    /// `accept`/`accept4`: the new connection's fd is the event's result.
    Accept {
        fd: i64,
        info: FdInfo,
    },
    Listen {
        fd: i64,
        backlog: i32,
        info: FdInfo,
    },
    Bind {
        fd: i64,
        address: Address,
    },
    /// `socket(domain, type, protocol)`; the new fd is the result.
    Socket {
        domain: i32,
        kind: i32,
        protocol: i32,
    },
    /// A datagram's peer: `sendto`/`sendmsg` to an address (or to the socket's peer),
    /// and `recvfrom`/`recvmsg` from one (`address` is then the source).
    Send {
        fd: i64,
        address: Option<Address>,
        info: FdInfo,
    },
    /// `dup`, `dup2`, `dup3`: `info` describes `old_fd`; the new fd is the result.
    Dup {
        old_fd: i64,
        new_fd: i64,
        info: FdInfo,
    },
    Ptrace {
        request: PtraceRequest,
        pid: i64,
    },
    MemfdCreate {
        name: String,
        flags: u32,
    },
    /// `init_module` (from memory) or `finit_module` (from the file at `path`).
    LoadModule {
        path: Option<String>,
        params: String,
    },
    Mount {
        source: String,
        target: String,
        fstype: String,
        flags: u64,
    },
    Umount {
        target: String,
        flags: u32,
    },
    /// `settimeofday`, `clock_settime`, `adjtimex`.
    SetTime {
        change: TimeChange,
    },
    /// The `set*id` family; -1 means unchanged.
    SetIds {
        real: i64,
        effective: i64,
        saved: i64,
    },
    /// `unshare(flags)`: the `CLONE_NEW*` namespaces the process left.
    Unshare {
        flags: u64,
    },
    /// `setns(fd, nstype)`: joined the namespace `fd` refers to.
    Setns {
        fd: i64,
        nstype: i32,
    },
    /// `bpf(cmd, ...)`.
    Bpf {
        cmd: i32,
    },
    /// `userfaultfd(flags)`.
    Userfaultfd {
        flags: u32,
    },
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitStatus {
    pub code: i32,
    /// The terminating signal, 0 for a normal exit.
    pub signal: i32,
    pub core_dumped: bool,
}

/// `open` flags (the kernel's `O_*` bits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpenFlags(pub u32);

impl Detail {
    /// The file the operation changes or opens, absolute where the sensor resolved it:
    /// the new name of a rename or link, the link of a symlink; `None` for operations on
    /// no file.
    pub fn path(&self) -> Option<&str> {
        match self {
            Detail::Open { path, .. }
            | Detail::Unlink { path, .. }
            | Detail::Chmod { path, .. }
            | Detail::Chown { path, .. }
            | Detail::Mkdir { path, .. } => Some(path),
            Detail::Rename { new_path, .. } | Detail::Link { new_path, .. } => Some(new_path),
            Detail::Symlink { link_path, .. } => Some(link_path),
            _ => None,
        }
    }
}

impl OpenFlags {
    pub const WRONLY: u32 = 0o1;
    pub const RDWR: u32 = 0o2;
    pub const CREAT: u32 = 0o100;
    pub const EXCL: u32 = 0o200;
    pub const TRUNC: u32 = 0o1000;
    pub const APPEND: u32 = 0o2000;
    pub const NONBLOCK: u32 = 0o4000;
    pub const DIRECTORY: u32 = 0o200000;
    pub const NOFOLLOW: u32 = 0o400000;
    pub const CLOEXEC: u32 = 0o2000000;
    pub const PATH: u32 = 0o10000000;
    pub const TMPFILE: u32 = 0o20200000;

    /// Falco's `evt.is_open_read`: opened for reading.
    pub fn reads(self) -> bool {
        self.0 & 0o3 != Self::WRONLY && self.0 & Self::PATH == 0
    }

    /// Falco's `evt.is_open_write`: opened for writing.
    pub fn writes(self) -> bool {
        matches!(self.0 & 0o3, Self::WRONLY | Self::RDWR)
    }

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit == bit
    }

    /// Falco's rendering of the flags (`O_WRONLY|O_CREAT|O_TRUNC`).
    pub fn names(self) -> String {
        let mut names = vec![match self.0 & 0o3 {
            0 => "O_RDONLY",
            Self::WRONLY => "O_WRONLY",
            _ => "O_RDWR",
        }];
        for (bit, name) in [
            (Self::CREAT, "O_CREAT"),
            (Self::EXCL, "O_EXCL"),
            (Self::TRUNC, "O_TRUNC"),
            (Self::APPEND, "O_APPEND"),
            (Self::NONBLOCK, "O_NONBLOCK"),
            (Self::DIRECTORY, "O_DIRECTORY"),
            (Self::NOFOLLOW, "O_NOFOLLOW"),
            (Self::CLOEXEC, "O_CLOEXEC"),
            (Self::PATH, "O_PATH"),
        ] {
            if self.has(bit) {
                names.push(name);
            }
        }
        names.join("|")
    }
}

/// A socket address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub family: SocketFamily,
    /// The IP for inet sockets, the path for unix sockets.
    pub ip: String,
    pub port: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocketFamily {
    Inet,
    Inet6,
    Unix,
    Netlink,
    Packet,
    Other,
}

/// What an fd refers to, as far as rules care (Falco's `fd.*` fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdInfo {
    pub kind: FdKind,
    /// A file's path, or a socket's `client:port->server:port` tuple.
    pub name: String,
    /// `tcp`, `udp`, `raw`, ... for sockets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l4proto: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<Address>,
    #[serde(default)]
    pub connected: bool,
    /// The DNS names the local and remote addresses were last resolved from, as the
    /// sensor saw the lookups (Falco's `fd.lip.name`, `fd.rip.name`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_name: Option<String>,
}

impl FdInfo {
    /// A socket fd between `local` and `remote`; the name is Falco's tuple.
    pub fn socket(kind: FdKind, l4proto: &str, local: Address, remote: Address) -> FdInfo {
        let show = |a: &Address| match a.family {
            SocketFamily::Inet6 => format!("[{}]:{}", a.ip, a.port),
            _ => format!("{}:{}", a.ip, a.port),
        };
        FdInfo {
            kind,
            name: format!("{}->{}", show(&local), show(&remote)),
            l4proto: Some(l4proto.to_owned()),
            local: Some(local),
            remote: Some(remote),
            connected: true,
            local_name: None,
            remote_name: None,
        }
    }
}

/// Falco's `fd.type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FdKind {
    File,
    Directory,
    Ipv4,
    Ipv6,
    Unix,
    Pipe,
    Memfd,
    Event,
    Signalfd,
    Eventpoll,
    Inotify,
    Timerfd,
    Netlink,
    Unknown,
}

impl FdKind {
    /// Falco's `fd.typechar`.
    pub fn typechar(self) -> char {
        match self {
            FdKind::File => 'f',
            FdKind::Directory => 'd',
            FdKind::Ipv4 => '4',
            FdKind::Ipv6 => '6',
            FdKind::Unix => 'u',
            FdKind::Pipe => 'p',
            FdKind::Memfd => 'm',
            FdKind::Event => 'e',
            FdKind::Signalfd => 's',
            FdKind::Eventpoll => 'l',
            FdKind::Inotify => 'i',
            FdKind::Timerfd => 't',
            FdKind::Netlink => 'n',
            FdKind::Unknown => 'o',
        }
    }
}

/// The ptrace requests rules distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PtraceRequest {
    Traceme,
    Peektext,
    Peekdata,
    Poketext,
    Pokedata,
    Getregs,
    Setregs,
    Attach,
    Detach,
    Seize,
    Interrupt,
    Cont,
    Other,
}

impl PtraceRequest {
    pub fn from_code(code: i64) -> PtraceRequest {
        match code {
            0 => PtraceRequest::Traceme,
            1 => PtraceRequest::Peektext,
            2 => PtraceRequest::Peekdata,
            4 => PtraceRequest::Poketext,
            5 => PtraceRequest::Pokedata,
            7 => PtraceRequest::Cont,
            12 => PtraceRequest::Getregs,
            13 => PtraceRequest::Setregs,
            16 => PtraceRequest::Attach,
            17 => PtraceRequest::Detach,
            0x4206 => PtraceRequest::Seize,
            0x4207 => PtraceRequest::Interrupt,
            _ => PtraceRequest::Other,
        }
    }

    /// Falco's rendering (`PTRACE_ATTACH`).
    pub fn name(self) -> &'static str {
        match self {
            PtraceRequest::Traceme => "PTRACE_TRACEME",
            PtraceRequest::Peektext => "PTRACE_PEEKTEXT",
            PtraceRequest::Peekdata => "PTRACE_PEEKDATA",
            PtraceRequest::Poketext => "PTRACE_POKETEXT",
            PtraceRequest::Pokedata => "PTRACE_POKEDATA",
            PtraceRequest::Getregs => "PTRACE_GETREGS",
            PtraceRequest::Setregs => "PTRACE_SETREGS",
            PtraceRequest::Attach => "PTRACE_ATTACH",
            PtraceRequest::Detach => "PTRACE_DETACH",
            PtraceRequest::Seize => "PTRACE_SEIZE",
            PtraceRequest::Interrupt => "PTRACE_INTERRUPT",
            PtraceRequest::Cont => "PTRACE_CONT",
            PtraceRequest::Other => "PTRACE_OTHER",
        }
    }
}

/// Which clock change an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeChange {
    /// `settimeofday` to this many seconds since the epoch.
    SetTimeOfDay { seconds: i64 },
    /// `clock_settime(clock, seconds)`.
    ClockSet { clock: i32, seconds: i64 },
    /// `adjtimex` with these `modes` bits.
    Adjust { modes: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_read_and_write_like_falco() {
        assert!(OpenFlags(0).reads() && !OpenFlags(0).writes());
        let truncate = OpenFlags(OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::TRUNC);
        assert!(truncate.writes() && !truncate.reads());
        assert_eq!(truncate.names(), "O_WRONLY|O_CREAT|O_TRUNC");
        assert!(OpenFlags(OpenFlags::RDWR).reads() && OpenFlags(OpenFlags::RDWR).writes());
    }

    #[test]
    fn socket_fds_are_named_by_their_tuple() {
        let inet = |ip: &str, port| Address {
            family: SocketFamily::Inet,
            ip: ip.into(),
            port,
        };
        let info = FdInfo::socket(
            FdKind::Ipv4,
            "tcp",
            inet("10.0.0.2", 40000),
            inet("1.2.3.4", 443),
        );
        assert_eq!(info.name, "10.0.0.2:40000->1.2.3.4:443");
        assert_eq!(info.kind.typechar(), '4');
    }

    #[test]
    fn ptrace_requests_have_falco_names() {
        assert_eq!(PtraceRequest::from_code(16).name(), "PTRACE_ATTACH");
        assert_eq!(PtraceRequest::from_code(0x4206), PtraceRequest::Seize);
        assert_eq!(PtraceRequest::from_code(999), PtraceRequest::Other);
    }
}
