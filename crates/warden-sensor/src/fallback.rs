//! The degraded sensor for machines where the eBPF programs cannot load (no BTF, no
//! privileges, an old kernel): the netlink proc connector for fork, exec, exit and uid
//! changes, with the rest read from `/proc`, and fanotify for file opens.
//!
//! What it cannot see is listed in [`MISSING`]; `warden trace` prints it.

use std::collections::HashSet;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use nix::sys::fanotify::{EventFFlags, Fanotify, InitFlags, MarkFlags, MaskFlags};

use crate::enrich::clock_ns;
use crate::process_table::read_proc;
use crate::record::{
    Body, ExecRecord, ExitRecord, ForkRecord, Header, OpenRecord, OtherRecord, Record,
};
use crate::{PathFilter, SensorConfig, SensorError};
use warden_events::Syscall;

/// What the fallback sensor does not report, compared with the eBPF one.
pub const MISSING: &[&str] = &[
    "file events other than opens (unlink, rename, chmod, chown, link, symlink, mkdir)",
    "open flags, modes and failed opens; opens on filesystems that are not marked (proc, sysfs, ...)",
    "network events (connect, accept, listen, bind, send, dup of sockets, socket)",
    "ptrace, memfd_create, module loading, mount, clock changes, namespaces, bpf",
    "exec details read from /proc after the fact: a process that exits at once loses its path and arguments",
    "exec flags for overlay upper-layer executables; kernel exec ids (ids are derived in userspace)",
];

const NETLINK_CONNECTOR: i32 = 11;
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
const PROC_CN_MCAST_LISTEN: u32 = 1;
const PROC_EVENT_FORK: u32 = 0x1;
const PROC_EVENT_EXEC: u32 = 0x2;
const PROC_EVENT_UID: u32 = 0x4;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;
const NLMSG_HEADER: usize = 16;
const CN_MSG_HEADER: usize = 20;

/// The proc connector socket and the fanotify group.
pub(crate) struct FallbackSource {
    netlink: OwnedFd,
    fanotify: Option<Fanotify>,
    path_filters: Vec<PathFilter>,
    own_pid: u32,
    /// `CLOCK_BOOTTIME - CLOCK_MONOTONIC`: the connector stamps events on the latter.
    monotonic_to_boot_ns: i128,
    /// Messages the kernel could not queue (ENOBUFS): lost events.
    pub(crate) overruns: u64,
}

fn os_error(what: &str) -> SensorError {
    SensorError::Fallback(format!("{what}: {}", std::io::Error::last_os_error()))
}

impl FallbackSource {
    pub(crate) fn open(config: &SensorConfig) -> Result<FallbackSource, SensorError> {
        // SAFETY: plain socket(2) call; the result is checked before use.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                NETLINK_CONNECTOR,
            )
        };
        if raw < 0 {
            return Err(os_error("netlink proc connector socket"));
        }
        // SAFETY: `raw` is a socket we just created and own.
        let netlink = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: sockaddr_nl is plain data; zeroed is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as u16;
        addr.nl_groups = CN_IDX_PROC;
        addr.nl_pid = 0;
        // SAFETY: `addr` is a valid sockaddr_nl of the size passed.
        let bound = unsafe {
            libc::bind(
                netlink.as_raw_fd(),
                (&raw const addr).cast(),
                size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if bound < 0 {
            return Err(os_error("binding the proc connector (needs CAP_NET_ADMIN)"));
        }
        let buffer: libc::c_int = 8 << 20;
        // SAFETY: the option value is a valid c_int of the size passed. A refusal
        // only leaves the default buffer, so the result is not checked.
        unsafe {
            libc::setsockopt(
                netlink.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                (&raw const buffer).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        let mut message = Vec::with_capacity(NLMSG_HEADER + CN_MSG_HEADER + 4);
        let total = (NLMSG_HEADER + CN_MSG_HEADER + 4) as u32;
        message.extend_from_slice(&total.to_ne_bytes());
        message.extend_from_slice(&(libc::NLMSG_DONE as u16).to_ne_bytes());
        message.extend_from_slice(&0u16.to_ne_bytes());
        message.extend_from_slice(&0u32.to_ne_bytes());
        message.extend_from_slice(&std::process::id().to_ne_bytes());
        message.extend_from_slice(&CN_IDX_PROC.to_ne_bytes());
        message.extend_from_slice(&CN_VAL_PROC.to_ne_bytes());
        message.extend_from_slice(&[0u8; 8]);
        message.extend_from_slice(&4u16.to_ne_bytes());
        message.extend_from_slice(&0u16.to_ne_bytes());
        message.extend_from_slice(&PROC_CN_MCAST_LISTEN.to_ne_bytes());
        // SAFETY: `message` is a valid buffer of the length passed.
        let sent = unsafe {
            libc::send(
                netlink.as_raw_fd(),
                message.as_ptr().cast(),
                message.len(),
                0,
            )
        };
        if sent < 0 {
            return Err(os_error("subscribing to the proc connector"));
        }
        Ok(FallbackSource {
            netlink,
            fanotify: [
                Syscall::Open,
                Syscall::Openat,
                Syscall::Openat2,
                Syscall::Creat,
            ]
            .into_iter()
            .any(|s| config.events.includes(s))
            .then(open_fanotify)
            .flatten(),
            path_filters: config.path_filters.clone(),
            own_pid: std::process::id(),
            monotonic_to_boot_ns: clock_ns(libc::CLOCK_BOOTTIME) - clock_ns(libc::CLOCK_MONOTONIC),
            overruns: 0,
        })
    }

    /// Whether file opens are watched (fanotify may be unavailable too).
    pub(crate) fn sees_opens(&self) -> bool {
        self.fanotify.is_some()
    }

    pub(crate) fn drain(&mut self, timeout: Duration, mut each: impl FnMut(Record)) {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        let timeout_ms = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
        let ready = {
            let mut fds = vec![PollFd::new(self.netlink.as_fd(), PollFlags::POLLIN)];
            if let Some(fanotify) = &self.fanotify {
                fds.push(PollFd::new(fanotify.as_fd(), PollFlags::POLLIN));
            }
            let _ = poll(&mut fds, PollTimeout::from(timeout_ms));
            fds.iter()
                .map(|fd| fd.revents().is_some_and(|r| !r.is_empty()))
                .collect::<Vec<_>>()
        };
        if ready.first() == Some(&true) {
            self.read_netlink(&mut each);
        }
        if ready.get(1) == Some(&true) {
            self.read_fanotify(&mut each);
        }
    }

    fn read_netlink(&mut self, each: &mut impl FnMut(Record)) {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: `buffer` is writable for its whole length.
            let n = unsafe {
                libc::recv(
                    self.netlink.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOBUFS) {
                    self.overruns += 1;
                    continue;
                }
                return;
            }
            let Ok(n) = usize::try_from(n) else { return };
            if n == 0 {
                return;
            }
            for event in parse_proc_events(&buffer[..n]) {
                if let Some(record) = self.record(event) {
                    each(record);
                }
            }
        }
    }

    fn record(&self, event: ProcEvent) -> Option<Record> {
        let boot_ns =
            u64::try_from(i128::from(event.timestamp_ns) + self.monotonic_to_boot_ns).unwrap_or(0);
        match event.what {
            PROC_EVENT_FORK => {
                let [_, parent_tgid, child_pid, child_tgid, ..] = event.data;
                if child_pid != child_tgid || parent_tgid == self.own_pid {
                    return None; // a thread
                }
                let mut header = proc_header(parent_tgid, boot_ns)?;
                header.syscall = 56;
                header.res = i64::from(child_tgid);
                let child_start = read_proc(child_tgid).map_or(boot_ns, |c| c.start_boot_ns);
                Some(Record {
                    header,
                    body: Body::Fork(ForkRecord {
                        clone_flags: 17,
                        child_pid: child_tgid,
                        child_tid: child_pid,
                        child_exec_id: (child_start << 8) | 0xff,
                        child_start_boot_ns: child_start,
                    }),
                })
            }
            PROC_EVENT_EXEC => {
                let [pid, tgid, ..] = event.data;
                if pid != tgid || tgid == self.own_pid {
                    return None;
                }
                let mut header = proc_header(tgid, boot_ns)?;
                header.syscall = 59;
                // The kernel's ids end in the CPU number or 0xff; 0xfe marks ours.
                header.exec_id = (boot_ns << 8) | 0xfe;
                let entry = read_proc(tgid)?;
                let mut args = vec![entry.exe.clone()];
                args.extend(entry.args.iter().cloned());
                Some(Record {
                    header,
                    body: Body::Exec(ExecRecord {
                        filename: entry.exepath.clone(),
                        exepath: entry.exepath,
                        cwd: entry.cwd,
                        cgroup: entry.cgroup,
                        args,
                        start_boot_ns: entry.start_boot_ns,
                        mntns: entry.mntns,
                        pidns: entry.pidns,
                        exe_dev: entry.exe_dev,
                        exe_ino: entry.exe_ino,
                        exe_ctime_ns: entry.exe_ctime_ns,
                        exe_mtime_ns: entry.exe_mtime_ns,
                        tty: entry.tty,
                        vpid: entry.vpid,
                        sid: entry.sid,
                        memfd: entry.exe_flags.memfd,
                        deleted: entry.exe_flags.deleted,
                        ..ExecRecord::default()
                    }),
                })
            }
            PROC_EVENT_UID => {
                let [pid, tgid, ruid, euid, ..] = event.data;
                if pid != tgid || tgid == self.own_pid {
                    return None;
                }
                let mut header = proc_header(tgid, boot_ns)?;
                header.syscall = 117; // setresuid: the connector reports real and effective
                Some(Record {
                    header,
                    body: Body::Other(OtherRecord {
                        args: [
                            u64::from(ruid),
                            u64::from(euid),
                            u64::from(u32::MAX),
                            0,
                            0,
                            0,
                        ],
                        aux: 0,
                        strings: Default::default(),
                    }),
                })
            }
            PROC_EVENT_EXIT => {
                let [pid, tgid, exit_code, _, parent_pid, parent_tgid] = event.data;
                if pid != tgid || tgid == self.own_pid {
                    return None;
                }
                let _ = parent_pid;
                let header = Header {
                    syscall: 60,
                    boot_ns,
                    pid: tgid,
                    tid: pid,
                    ppid: parent_tgid,
                    loginuid: u32::MAX,
                    ..Header::default()
                };
                Some(Record {
                    header,
                    body: Body::Exit(ExitRecord {
                        wait_status: exit_code,
                    }),
                })
            }
            _ => None,
        }
    }

    fn read_fanotify(&mut self, each: &mut impl FnMut(Record)) {
        let Some(fanotify) = &self.fanotify else {
            return;
        };
        let Ok(events) = fanotify.read_events() else {
            return;
        };
        let boot_ns = u64::try_from(clock_ns(libc::CLOCK_BOOTTIME)).unwrap_or(0);
        for event in events {
            let Ok(pid) = u32::try_from(event.pid()) else {
                continue;
            };
            if pid == self.own_pid {
                continue;
            }
            let Some(fd) = event.fd() else { continue };
            let Ok(path) = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())) else {
                continue;
            };
            let path = path.to_string_lossy().into_owned();
            if !path_passes(&self.path_filters, &path) {
                continue;
            }
            // A process that opened a file and exited at once has no /proc entry left;
            // its open is still reported, with what fanotify itself says.
            let mut header = proc_header(pid, boot_ns).unwrap_or_else(|| Header {
                boot_ns,
                pid,
                tid: pid,
                loginuid: u32::MAX,
                ..Header::default()
            });
            header.syscall = 257;
            let fd_mode = std::fs::metadata(&path).map(|m| m.mode()).unwrap_or(0);
            each(Record {
                header,
                body: Body::Open(OpenRecord {
                    args: [u64::from((-100i32) as u32), 0, 0, 0, 0, 0],
                    flags: 0,
                    mode: 0,
                    raw: path.clone(),
                    base: String::new(),
                    resolved: path,
                    fd_mode,
                    path_truncated: false,
                }),
            });
        }
    }
}

/// The fanotify group with a mark on every disk-like filesystem; `None` when
/// fanotify is not available or no filesystem accepted a mark (without
/// `CAP_SYS_ADMIN`, filesystem marks are refused).
fn open_fanotify() -> Option<Fanotify> {
    let fanotify = Fanotify::init(
        InitFlags::FAN_CLASS_NOTIF | InitFlags::FAN_CLOEXEC | InitFlags::FAN_NONBLOCK,
        EventFFlags::O_RDONLY | EventFFlags::O_LARGEFILE | EventFFlags::O_CLOEXEC,
    )
    .ok()?;
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut marked = HashSet::new();
    for line in mounts.lines() {
        let mut fields = line.split_whitespace();
        let (Some(_), Some(target), Some(fstype)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if !matches!(
            fstype,
            "ext2"
                | "ext3"
                | "ext4"
                | "xfs"
                | "btrfs"
                | "tmpfs"
                | "overlay"
                | "vfat"
                | "f2fs"
                | "zfs"
        ) {
            continue;
        }
        let target = target.replace("\\040", " ");
        let Ok(meta) = std::fs::metadata(&target) else {
            continue;
        };
        if marked.contains(&meta.dev()) {
            continue;
        }
        // A filesystem that refuses the mark (some tmpfs, FUSE) is left unwatched.
        let mark = fanotify.mark(
            MarkFlags::FAN_MARK_ADD | MarkFlags::FAN_MARK_FILESYSTEM,
            MaskFlags::FAN_OPEN,
            nix::fcntl::AT_FDCWD,
            Some(target.as_str()),
        );
        if mark.is_ok() {
            marked.insert(meta.dev());
        }
    }
    (!marked.is_empty()).then_some(fanotify)
}

/// The same verdict as the kernel's prefix filter: the longest matching prefix wins.
pub(crate) fn path_passes(filters: &[PathFilter], path: &str) -> bool {
    let mut best: Option<(usize, bool)> = None;
    for filter in filters {
        let (prefix, include) = match filter {
            PathFilter::Include(p) => (p, true),
            PathFilter::Exclude(p) => (p, false),
        };
        if path.starts_with(prefix.as_str()) && best.is_none_or(|(len, _)| prefix.len() >= len) {
            best = Some((prefix.len(), include));
        }
    }
    match best {
        Some((_, include)) => include,
        None => !filters.iter().any(|f| matches!(f, PathFilter::Include(_))),
    }
}

/// The credentials and parent of `pid` from `/proc/PID/status`.
fn proc_header(pid: u32, boot_ns: u64) -> Option<Header> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let ids = |name: &str| -> Vec<u32> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|rest| {
                rest.split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let caps = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0)
    };
    let uids = ids("Uid:");
    let gids = ids("Gid:");
    let loginuid = std::fs::read_to_string(format!("/proc/{pid}/loginuid"))
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(u32::MAX);
    Some(Header {
        syscall: 0,
        boot_ns,
        exec_id: read_proc(pid).map_or(0, |entry| entry.exec_id),
        cgroup_id: 0,
        res: 0,
        cap_effective: caps("CapEff:"),
        cap_permitted: caps("CapPrm:"),
        cap_inheritable: caps("CapInh:"),
        pid,
        tid: pid,
        ppid: ids("PPid:").first().copied().unwrap_or(0),
        uid: uids.first().copied().unwrap_or(0),
        gid: gids.first().copied().unwrap_or(0),
        euid: uids.get(1).copied().unwrap_or(0),
        egid: gids.get(1).copied().unwrap_or(0),
        loginuid,
        comm: std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|c| c.trim_end().to_owned())
            .unwrap_or_default(),
    })
}

/// One proc connector event: its type, timestamp and six words of event data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProcEvent {
    what: u32,
    timestamp_ns: u64,
    data: [u32; 6],
}

/// Every `proc_event` in a netlink datagram (malformed messages are skipped).
fn parse_proc_events(mut bytes: &[u8]) -> Vec<ProcEvent> {
    let u32_at = |b: &[u8], at: usize| {
        b.get(at..at + 4)
            .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
    };
    let mut events = Vec::new();
    while let Some(len) = u32_at(bytes, 0) {
        let len = len as usize;
        if len < NLMSG_HEADER || len > bytes.len() {
            break;
        }
        let message = &bytes[NLMSG_HEADER..len];
        let event = &message.get(CN_MSG_HEADER..).unwrap_or_default();
        if let (Some(what), Some(lo), Some(hi)) =
            (u32_at(event, 0), u32_at(event, 8), u32_at(event, 12))
        {
            let mut data = [0u32; 6];
            for (i, word) in data.iter_mut().enumerate() {
                *word = u32_at(event, 16 + 4 * i).unwrap_or(0);
            }
            events.push(ProcEvent {
                what,
                timestamp_ns: u64::from(lo) | (u64::from(hi) << 32),
                data,
            });
        }
        // Netlink messages are 4-byte aligned.
        let next = (len + 3) & !3;
        bytes = bytes.get(next..).unwrap_or_default();
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(what: u32, data: [u32; 6]) -> Vec<u8> {
        let mut event = Vec::new();
        event.extend_from_slice(&what.to_ne_bytes());
        event.extend_from_slice(&0u32.to_ne_bytes());
        event.extend_from_slice(&123_456u64.to_ne_bytes());
        for word in data {
            event.extend_from_slice(&word.to_ne_bytes());
        }
        let mut bytes = Vec::new();
        bytes.extend_from_slice(
            &((NLMSG_HEADER + CN_MSG_HEADER + event.len()) as u32).to_ne_bytes(),
        );
        bytes.extend_from_slice(&[0u8; 12]);
        bytes.extend_from_slice(&[0u8; CN_MSG_HEADER]);
        bytes.extend_from_slice(&event);
        bytes
    }

    #[test]
    fn proc_connector_messages_decode() {
        let mut datagram = message(PROC_EVENT_FORK, [10, 10, 11, 11, 0, 0]);
        datagram.extend(message(PROC_EVENT_EXIT, [11, 11, 256, 17, 10, 10]));
        let events = parse_proc_events(&datagram);
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0],
            ProcEvent {
                what: PROC_EVENT_FORK,
                timestamp_ns: 123_456,
                data: [10, 10, 11, 11, 0, 0]
            }
        );
        assert_eq!(events[1].data[2], 256);
        // Truncated and garbage input yields what is whole, never a panic.
        for len in 0..datagram.len() {
            let _ = parse_proc_events(&datagram[..len]);
        }
        assert!(parse_proc_events(&[0xff; 7]).is_empty());
    }

    #[test]
    fn path_filters_take_the_longest_prefix() {
        let filters = vec![
            PathFilter::Include("/etc/".into()),
            PathFilter::Exclude("/etc/ld.so.cache".into()),
            PathFilter::Include("/tmp/".into()),
        ];
        assert!(path_passes(&filters, "/etc/shadow"));
        assert!(!path_passes(&filters, "/etc/ld.so.cache"));
        assert!(!path_passes(&filters, "/usr/lib/x"));
        assert!(path_passes(
            &[PathFilter::Exclude("/proc/".into())],
            "/usr/lib/x"
        ));
        assert!(!path_passes(
            &[PathFilter::Exclude("/proc/".into())],
            "/proc/1/stat"
        ));
        assert!(path_passes(&[], "/anything"));
    }
}
