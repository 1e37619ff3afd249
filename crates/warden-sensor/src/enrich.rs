//! Enrichment: a [`Record`] plus the process table, container identity and account
//! names becomes a self-contained [`warden_events::Event`].

use std::net::{Ipv4Addr, Ipv6Addr};

use warden_events::{
    Address, Detail, Event, ExitStatus, FdInfo, FdKind, OpenFlags, Process, PtraceRequest, SCHEMA,
    SocketFamily, Syscall, TimeChange,
};

use crate::accounts::AccountCache;
use crate::process_table::ProcessTable;
use crate::record::{
    Body, Header, OpenRecord, OtherRecord, PathRecord, Record, SockInfo, SocketRecord,
};

const AT_FDCWD: i64 = -100;

/// The enrichment stage's state (the process table it keeps is shared with the
/// [`crate::Sensor`], which answers ancestor queries from it).
pub(crate) struct Enricher {
    accounts: AccountCache,
    /// `CLOCK_REALTIME - CLOCK_BOOTTIME`, to turn kernel timestamps into wall time.
    boot_to_epoch_ns: i128,
    seq: u64,
}

/// Nanoseconds on `clock`.
pub(crate) fn clock_ns(clock: libc::clockid_t) -> i128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; clock_gettime only writes it.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

impl Enricher {
    pub(crate) fn new() -> Enricher {
        Enricher {
            accounts: AccountCache::new(),
            boot_to_epoch_ns: clock_ns(libc::CLOCK_REALTIME) - clock_ns(libc::CLOCK_BOOTTIME),
            seq: 0,
        }
    }

    /// Updates the table with `record` and returns its event (`None` for records that
    /// are not reported, such as a syscall number this build does not know).
    pub(crate) fn enrich(&mut self, table: &mut ProcessTable, record: &Record) -> Option<Event> {
        let header = &record.header;
        match &record.body {
            Body::Exec(exec) => table.on_exec(header, exec),
            Body::Fork(fork) => table.on_fork(header, fork),
            _ => {
                table.get_or_load(header.pid);
                table.observe(header);
            }
        }
        let (syscall, detail) = detail(record)?;
        let process = self.process(table, header);
        let container = table
            .get(header.pid)
            .and_then(|entry| entry.container.clone());
        if let Body::Exit(_) = record.body {
            table.on_exit(header.pid);
        }
        self.seq += 1;
        Some(Event {
            schema: SCHEMA.to_owned(),
            seq: self.seq,
            time: u64::try_from(i128::from(header.boot_ns) + self.boot_to_epoch_ns).unwrap_or(0),
            syscall,
            res: header.res,
            detail,
            process,
            container,
        })
    }

    fn process(&mut self, table: &mut ProcessTable, header: &Header) -> Process {
        let ancestors = table.ancestors(header.ppid);
        let entry = table.get(header.pid).cloned();
        let sname = entry
            .as_ref()
            .and_then(|e| table.get(e.sid))
            .map(|leader| leader.comm.clone());
        let (user, group) = match entry.as_ref().and_then(|e| e.container.as_ref()) {
            Some(container) => {
                let pids = std::iter::once(header.pid).chain(ancestors.iter().map(|a| a.pid));
                match self.accounts.container(&container.full_id, pids) {
                    Some(accounts) => (accounts.user(header.uid), accounts.group(header.gid)),
                    None => (None, None),
                }
            }
            None => {
                let accounts = self.accounts.host();
                (accounts.user(header.uid), accounts.group(header.gid))
            }
        };
        let loginuid = (header.loginuid != u32::MAX).then_some(header.loginuid);
        let loginname = loginuid.and_then(|uid| self.accounts.host().user(uid));
        let entry = entry.unwrap_or_else(|| unknown_process(header));
        Process {
            pid: header.pid,
            tid: header.tid,
            ppid: header.ppid,
            vpid: entry.vpid,
            uid: header.uid,
            gid: header.gid,
            euid: header.euid,
            egid: header.egid,
            loginuid,
            user,
            group,
            loginname,
            comm: header.comm.clone(),
            exe: entry.exe,
            exepath: entry.exepath,
            args: entry.args,
            cwd: entry.cwd,
            tty: entry.tty,
            cap_effective: header.cap_effective,
            cap_permitted: header.cap_permitted,
            cap_inheritable: header.cap_inheritable,
            cgroup_id: header.cgroup_id,
            cgroup: entry.cgroup,
            mntns: entry.mntns,
            pidns: entry.pidns,
            start_time: u64::try_from(i128::from(entry.start_boot_ns) + self.boot_to_epoch_ns)
                .unwrap_or(0),
            exec_id: header.exec_id,
            exe_flags: entry.exe_flags,
            exe_dev: entry.exe_dev,
            exe_ino: entry.exe_ino,
            exe_ctime: entry.exe_ctime_ns,
            exe_mtime: entry.exe_mtime_ns,
            sid: entry.sid,
            sname: sname.unwrap_or_default(),
            vpgid: None,
            env: Vec::new(),
            ancestors,
        }
    }
}

/// A process the table could not place (gone before it could be read).
fn unknown_process(header: &Header) -> crate::process_table::ProcessEntry {
    crate::process_table::ProcessEntry {
        pid: header.pid,
        ppid: header.ppid,
        comm: header.comm.clone(),
        exe: String::new(),
        exepath: String::new(),
        args: Vec::new(),
        cwd: String::new(),
        uid: header.uid,
        exec_id: header.exec_id,
        provisional_exec_id: false,
        tty: 0,
        mntns: 0,
        pidns: 0,
        vpid: 0,
        sid: 0,
        start_boot_ns: 0,
        exe_dev: 0,
        exe_ino: 0,
        exe_ctime_ns: 0,
        exe_mtime_ns: 0,
        exe_flags: Default::default(),
        cgroup: String::new(),
        container: None,
    }
}

/// The x86_64 syscall number → event type.
pub(crate) fn syscall_of(nr: u32) -> Option<Syscall> {
    Some(match nr {
        59 => Syscall::Execve,
        322 => Syscall::Execveat,
        56 => Syscall::Clone,
        435 => Syscall::Clone3,
        57 => Syscall::Fork,
        58 => Syscall::Vfork,
        60 | 231 => Syscall::Exit,
        2 => Syscall::Open,
        257 => Syscall::Openat,
        437 => Syscall::Openat2,
        85 => Syscall::Creat,
        87 => Syscall::Unlink,
        263 => Syscall::Unlinkat,
        84 => Syscall::Rmdir,
        82 => Syscall::Rename,
        264 => Syscall::Renameat,
        316 => Syscall::Renameat2,
        90 => Syscall::Chmod,
        91 => Syscall::Fchmod,
        268 | 452 => Syscall::Fchmodat,
        92 => Syscall::Chown,
        94 => Syscall::Lchown,
        93 => Syscall::Fchown,
        260 => Syscall::Fchownat,
        86 => Syscall::Link,
        265 => Syscall::Linkat,
        88 => Syscall::Symlink,
        266 => Syscall::Symlinkat,
        83 => Syscall::Mkdir,
        258 => Syscall::Mkdirat,
        42 => Syscall::Connect,
        43 => Syscall::Accept,
        288 => Syscall::Accept4,
        50 => Syscall::Listen,
        49 => Syscall::Bind,
        41 => Syscall::Socket,
        44 => Syscall::Sendto,
        46 => Syscall::Sendmsg,
        45 => Syscall::Recvfrom,
        47 => Syscall::Recvmsg,
        32 => Syscall::Dup,
        33 => Syscall::Dup2,
        292 => Syscall::Dup3,
        101 => Syscall::Ptrace,
        319 => Syscall::MemfdCreate,
        175 => Syscall::InitModule,
        313 => Syscall::FinitModule,
        165 => Syscall::Mount,
        166 => Syscall::Umount2,
        164 => Syscall::Settimeofday,
        227 => Syscall::ClockSettime,
        159 => Syscall::Adjtimex,
        105 => Syscall::Setuid,
        106 => Syscall::Setgid,
        113 => Syscall::Setreuid,
        114 => Syscall::Setregid,
        117 => Syscall::Setresuid,
        119 => Syscall::Setresgid,
        272 => Syscall::Unshare,
        308 => Syscall::Setns,
        321 => Syscall::Bpf,
        323 => Syscall::Userfaultfd,
        _ => return None,
    })
}

/// An argument as the C `int` it is.
fn int(arg: u64) -> i64 {
    i64::from(arg as u32 as i32)
}

fn detail(record: &Record) -> Option<(Syscall, Detail)> {
    let nr = record.header.syscall;
    Some(match &record.body {
        Body::Exec(exec) => {
            let syscall = if nr == 322 {
                Syscall::Execveat
            } else {
                Syscall::Execve
            };
            (
                syscall,
                Detail::Exec {
                    filename: exec.filename.clone(),
                    flags: exec.exec_flags,
                },
            )
        }
        Body::Fork(fork) => {
            // A fork from a kernel context or an unknown syscall is a clone.
            let syscall = syscall_of(nr)
                .filter(|s| matches!(s, Syscall::Fork | Syscall::Vfork | Syscall::Clone3));
            (
                syscall.unwrap_or(Syscall::Clone),
                Detail::Fork {
                    child_pid: fork.child_pid,
                    child_tid: fork.child_tid,
                    clone_flags: fork.clone_flags,
                },
            )
        }
        Body::Exit(exit) => (
            Syscall::Exit,
            Detail::Exit {
                status: ExitStatus {
                    code: ((exit.wait_status >> 8) & 0xff) as i32,
                    signal: (exit.wait_status & 0x7f) as i32,
                    core_dumped: exit.wait_status & 0x80 != 0,
                },
            },
        ),
        Body::Open(open) => (syscall_of(nr)?, open_detail(nr, record.header.res, open)),
        Body::Path(path) => {
            let syscall = syscall_of(nr)?;
            (syscall, path_detail(syscall, path)?)
        }
        Body::Socket(socket) => {
            let syscall = syscall_of(nr)?;
            (syscall, socket_detail(syscall, record.header.res, socket)?)
        }
        Body::Other(other) => {
            let syscall = syscall_of(nr)?;
            (syscall, other_detail(syscall, &record.header, other)?)
        }
    })
}

/// `raw` made absolute against `base` and normalised (`.` and `..` removed, without
/// following symlinks): Falco's `fd.name`.
pub(crate) fn absolute_path(base: &str, raw: &str) -> String {
    let joined = if raw.starts_with('/') || base.is_empty() {
        raw.to_owned()
    } else {
        format!("{base}/{raw}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for component in joined.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if !joined.starts_with('/') {
        // Neither absolute nor resolvable (no base): keep it as given.
        return joined;
    }
    format!("/{}", parts.join("/"))
}

fn open_detail(nr: u32, res: i64, open: &OpenRecord) -> Detail {
    let dirfd = if matches!(nr, 257 | 437) {
        int(open.args[0])
    } else {
        AT_FDCWD
    };
    let path = if open.raw.is_empty() && !open.resolved.is_empty() {
        open.resolved.clone()
    } else {
        absolute_path(&open.base, &open.raw)
    };
    Detail::Open {
        fd: if res >= 0 { res } else { -1 },
        path,
        raw: open.raw.clone(),
        dirfd,
        flags: OpenFlags(open.flags),
        mode: open.mode,
    }
}

fn path_detail(syscall: Syscall, p: &PathRecord) -> Option<Detail> {
    let first = if p.raw1.is_empty() {
        p.base1.clone()
    } else {
        absolute_path(&p.base1, &p.raw1)
    };
    let second = absolute_path(&p.base2, &p.raw2);
    let a = p.args;
    Some(match syscall {
        Syscall::Unlink => Detail::Unlink {
            path: first,
            raw: p.raw1.clone(),
            flags: 0,
        },
        Syscall::Unlinkat => Detail::Unlink {
            path: first,
            raw: p.raw1.clone(),
            flags: a[2] as u32,
        },
        // rmdir is unlinkat(AT_REMOVEDIR).
        Syscall::Rmdir => Detail::Unlink {
            path: first,
            raw: p.raw1.clone(),
            flags: 0x200,
        },
        Syscall::Mkdir => Detail::Mkdir {
            path: first,
            mode: a[1] as u32,
        },
        Syscall::Mkdirat => Detail::Mkdir {
            path: first,
            mode: a[2] as u32,
        },
        Syscall::Chmod | Syscall::Fchmod => Detail::Chmod {
            path: first,
            mode: a[1] as u32,
        },
        Syscall::Fchmodat => Detail::Chmod {
            path: first,
            mode: a[2] as u32,
        },
        Syscall::Chown | Syscall::Lchown | Syscall::Fchown => Detail::Chown {
            path: first,
            uid: int(a[1]),
            gid: int(a[2]),
        },
        Syscall::Fchownat => Detail::Chown {
            path: first,
            uid: int(a[2]),
            gid: int(a[3]),
        },
        Syscall::Rename | Syscall::Renameat => Detail::Rename {
            old_path: first,
            new_path: second,
            flags: 0,
        },
        Syscall::Renameat2 => Detail::Rename {
            old_path: first,
            new_path: second,
            flags: a[4] as u32,
        },
        Syscall::Link | Syscall::Linkat => Detail::Link {
            old_path: first,
            new_path: second,
        },
        Syscall::Symlink | Syscall::Symlinkat => Detail::Symlink {
            target: p.raw1.clone(),
            link_path: second,
        },
        _ => return None,
    })
}

/// Decodes a `sockaddr` (in, in6, un; anything else is `Other`).
pub(crate) fn parse_sockaddr(bytes: &[u8]) -> Option<Address> {
    let family = u16::from_ne_bytes([*bytes.first()?, *bytes.get(1)?]);
    let port = |b: &[u8]| bytes_port(b.get(2..4));
    Some(match family {
        2 => {
            let ip: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
            Address {
                family: SocketFamily::Inet,
                ip: Ipv4Addr::from(ip).to_string(),
                port: port(bytes),
            }
        }
        10 => {
            let ip: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            Address {
                family: SocketFamily::Inet6,
                ip: Ipv6Addr::from(ip).to_string(),
                port: port(bytes),
            }
        }
        1 => {
            let path = bytes.get(2..).unwrap_or_default();
            // Abstract sockets start with a NUL; Falco shows them with '@'.
            let text = match path.split_first() {
                Some((0, rest)) => format!("@{}", crate::raw::text(rest)),
                _ => crate::raw::text(path),
            };
            Address {
                family: SocketFamily::Unix,
                ip: text,
                port: 0,
            }
        }
        16 => Address {
            family: SocketFamily::Netlink,
            ip: String::new(),
            port: 0,
        },
        17 => Address {
            family: SocketFamily::Packet,
            ip: String::new(),
            port: 0,
        },
        _ => Address {
            family: SocketFamily::Other,
            ip: String::new(),
            port: 0,
        },
    })
}

fn bytes_port(bytes: Option<&[u8]>) -> u16 {
    bytes.map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

fn sock_address(family: u16, addr: &[u8; 16], port: u16) -> Address {
    match family {
        10 => Address {
            family: SocketFamily::Inet6,
            ip: Ipv6Addr::from(*addr).to_string(),
            port,
        },
        _ => Address {
            family: SocketFamily::Inet,
            ip: Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]).to_string(),
            port,
        },
    }
}

/// Falco's fd fields for a socket; `accepted` puts the peer first in the name, as the
/// client end of the tuple.
fn fd_info(socket: &SocketRecord, accepted: bool) -> FdInfo {
    let s: &SockInfo = &socket.sock;
    let kind = match s.family {
        2 => FdKind::Ipv4,
        10 => FdKind::Ipv6,
        1 => FdKind::Unix,
        16 => FdKind::Netlink,
        _ => FdKind::Unknown,
    };
    if !matches!(kind, FdKind::Ipv4 | FdKind::Ipv6) {
        return FdInfo {
            kind,
            name: String::new(),
            l4proto: None,
            local: None,
            remote: None,
            connected: false,
            local_name: None,
            remote_name: None,
        };
    }
    let l4proto = match s.kind {
        1 => "tcp",
        2 => "udp",
        3 => "raw",
        _ => "unknown",
    };
    let local = sock_address(s.family, &s.local_addr, s.local_port);
    let remote = sock_address(s.family, &s.remote_addr, s.remote_port);
    let mut info = if accepted {
        let mut info = FdInfo::socket(kind, l4proto, remote.clone(), local.clone());
        info.local = Some(local);
        info.remote = Some(remote);
        info
    } else {
        FdInfo::socket(kind, l4proto, local, remote)
    };
    // TCP: established or connecting (SYN_SENT); datagram sockets: a peer is set.
    info.connected = match s.kind {
        1 => matches!(s.state, 1 | 2),
        _ => s.remote_port != 0,
    };
    info
}

fn socket_detail(syscall: Syscall, res: i64, s: &SocketRecord) -> Option<Detail> {
    let fd = int(s.args[0]);
    let address = || parse_sockaddr(&s.sockaddr);
    Some(match syscall {
        Syscall::Connect => Detail::Connect {
            fd,
            address: address()?,
            info: fd_info(s, false),
        },
        Syscall::Bind => Detail::Bind {
            fd,
            address: address()?,
        },
        Syscall::Accept | Syscall::Accept4 => Detail::Accept {
            fd,
            info: fd_info(s, true),
        },
        Syscall::Listen => Detail::Listen {
            fd,
            backlog: int(s.args[1]) as i32,
            info: fd_info(s, false),
        },
        Syscall::Sendto | Syscall::Sendmsg | Syscall::Recvfrom | Syscall::Recvmsg => Detail::Send {
            fd,
            address: address(),
            info: fd_info(s, false),
        },
        Syscall::Dup => Detail::Dup {
            old_fd: fd,
            new_fd: res,
            info: fd_info(s, false),
        },
        Syscall::Dup2 | Syscall::Dup3 => Detail::Dup {
            old_fd: fd,
            new_fd: int(s.args[1]),
            info: fd_info(s, false),
        },
        Syscall::Socket => Detail::Socket {
            domain: int(s.args[0]) as i32,
            kind: int(s.args[1]) as i32,
            protocol: int(s.args[2]) as i32,
        },
        _ => return None,
    })
}

fn other_detail(syscall: Syscall, header: &Header, o: &OtherRecord) -> Option<Detail> {
    let a = o.args;
    let [s0, s1, s2, _] = &o.strings;
    Some(match syscall {
        Syscall::Ptrace => Detail::Ptrace {
            request: PtraceRequest::from_code(a[0] as i64),
            pid: int(a[1]),
        },
        Syscall::MemfdCreate => Detail::MemfdCreate {
            name: s0.clone(),
            flags: a[1] as u32,
        },
        Syscall::InitModule => Detail::LoadModule {
            path: None,
            params: s0.clone(),
        },
        Syscall::FinitModule => Detail::LoadModule {
            path: Some(s1.clone()),
            params: s0.clone(),
        },
        Syscall::Mount => Detail::Mount {
            source: s0.clone(),
            target: s1.clone(),
            fstype: s2.clone(),
            flags: a[3],
        },
        Syscall::Umount2 => Detail::Umount {
            target: s1.clone(),
            flags: a[1] as u32,
        },
        Syscall::Settimeofday => Detail::SetTime {
            change: TimeChange::SetTimeOfDay {
                seconds: o.aux as i64,
            },
        },
        Syscall::ClockSettime => Detail::SetTime {
            change: TimeChange::ClockSet {
                clock: int(a[0]) as i32,
                seconds: o.aux as i64,
            },
        },
        Syscall::Adjtimex => Detail::SetTime {
            change: TimeChange::Adjust {
                modes: o.aux as u32,
            },
        },
        Syscall::Setuid | Syscall::Setgid => {
            // Privileged, setuid(id) sets all three ids; otherwise only the effective
            // one. The event comes after the call, so the credentials tell which.
            let id = int(a[0]);
            let real_now = if syscall == Syscall::Setuid {
                header.uid
            } else {
                header.gid
            };
            if header.res == 0 && i64::from(real_now) != id {
                Detail::SetIds {
                    real: -1,
                    effective: id,
                    saved: -1,
                }
            } else {
                Detail::SetIds {
                    real: id,
                    effective: id,
                    saved: id,
                }
            }
        }
        Syscall::Setreuid | Syscall::Setregid => Detail::SetIds {
            real: int(a[0]),
            effective: int(a[1]),
            saved: -1,
        },
        Syscall::Setresuid | Syscall::Setresgid => Detail::SetIds {
            real: int(a[0]),
            effective: int(a[1]),
            saved: int(a[2]),
        },
        Syscall::Unshare => Detail::Unshare { flags: a[0] },
        Syscall::Setns => Detail::Setns {
            fd: int(a[0]),
            nstype: int(a[1]) as i32,
        },
        Syscall::Bpf => Detail::Bpf {
            cmd: int(a[0]) as i32,
        },
        Syscall::Userfaultfd => Detail::Userfaultfd { flags: a[0] as u32 },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_absolute_and_normalised() {
        assert_eq!(absolute_path("/etc", "hosts"), "/etc/hosts");
        assert_eq!(
            absolute_path("", "/etc/../etc/../etc/shadow"),
            "/etc/shadow"
        );
        assert_eq!(absolute_path("/tmp/a", "../b/./c"), "/tmp/b/c");
        assert_eq!(absolute_path("/", "x"), "/x");
        assert_eq!(absolute_path("/", "../../.."), "/");
        assert_eq!(absolute_path("", "relative"), "relative");
    }

    #[test]
    fn sockaddrs_decode() {
        let v4 = [2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            parse_sockaddr(&v4),
            Some(Address {
                family: SocketFamily::Inet,
                ip: "127.0.0.1".into(),
                port: 8080
            })
        );
        let mut v6 = vec![10, 0, 0x01, 0xbb, 0, 0, 0, 0];
        v6.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        v6.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(parse_sockaddr(&v6).unwrap().ip, "::1");
        assert_eq!(parse_sockaddr(&v6).unwrap().port, 443);
        let unix = b"\x01\x00/run/x.sock\0";
        assert_eq!(parse_sockaddr(unix).unwrap().ip, "/run/x.sock");
        assert_eq!(
            parse_sockaddr(b"\x01\x00\0abstract").unwrap().ip,
            "@abstract"
        );
        assert_eq!(parse_sockaddr(&[2, 0, 1]), None);
        assert_eq!(parse_sockaddr(&[]), None);
    }

    #[test]
    fn every_handled_syscall_has_an_event_type() {
        for (_, syscalls) in crate::ebpf::SYSCALL_HANDLERS {
            for &nr in syscalls {
                assert!(syscall_of(nr).is_some(), "syscall {nr}");
            }
        }
    }
}
