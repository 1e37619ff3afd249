//! The kernel programs' wire format (`bpf/events.h`), mirrored field for field, and its
//! decoding into [`Record`]s. This module and `ebpf.rs` are the only places that know
//! the C layouts; a size assertion on each struct catches a drift between the two.

use crate::record::{
    Body, ExecRecord, ExitRecord, ForkRecord, Header, OpenRecord, OtherRecord, PathRecord, Record,
    SockInfo, SocketRecord,
};

pub(crate) const KIND_EXEC: u16 = 1;
pub(crate) const KIND_FORK: u16 = 2;
pub(crate) const KIND_EXIT: u16 = 3;
pub(crate) const KIND_OPEN: u16 = 4;
pub(crate) const KIND_PATH: u16 = 5;
pub(crate) const KIND_SOCKET: u16 = 6;
pub(crate) const KIND_OTHER: u16 = 7;
/// The number of per-kind loss counters (`KIND_MAX` in C).
pub(crate) const KIND_COUNT: u32 = 8;

const EXE_MEMFD: u32 = 1 << 0;
const EXE_DELETED: u32 = 1 << 1;
const EXE_UPPER_LAYER: u32 = 1 << 2;
const EXEC_ARGS_TRUNCATED: u32 = 1 << 3;
const EXEC_CGROUP_V1: u32 = 1 << 4;
const EXEC_PATH_TRUNCATED: u32 = 1 << 5;
const SYS_PATH_TRUNCATED: u32 = 1 << 0;
const SYS_FD_IS_SOCKET: u32 = 1 << 1;

/// The name of an event kind, as loss reports and statistics show it.
pub(crate) fn kind_name(kind: u32) -> &'static str {
    match kind as u16 {
        KIND_EXEC => "exec",
        KIND_FORK => "fork",
        KIND_EXIT => "exit",
        KIND_OPEN => "open",
        KIND_PATH => "file",
        KIND_SOCKET => "network",
        KIND_OTHER => "other",
        _ => "unknown",
    }
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawHeader {
    pub(crate) kind: u16,
    pub(crate) nstr: u16,
    pub(crate) syscall: u32,
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
    pub(crate) loginuid: u32,
    pub(crate) comm: [u8; 16],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawExec {
    pub(crate) h: RawHeader,
    pub(crate) start_boot_ns: u64,
    pub(crate) parent_exec_id: u64,
    pub(crate) mntns: u64,
    pub(crate) pidns: u64,
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
    pub(crate) flags: u32,
    pub(crate) exec_flags: u32,
    pub(crate) lens: [u16; 5],
    pub(crate) pad: [u16; 3],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawFork {
    pub(crate) h: RawHeader,
    pub(crate) clone_flags: u64,
    pub(crate) child_exec_id: u64,
    pub(crate) child_start_boot_ns: u64,
    pub(crate) child_pid: u32,
    pub(crate) child_tid: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawExit {
    pub(crate) h: RawHeader,
    pub(crate) exit_code: u32,
    pub(crate) pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawSockInfo {
    pub(crate) family: u16,
    pub(crate) kind: u16,
    pub(crate) protocol: u16,
    pub(crate) local_port: u16,
    pub(crate) remote_port: u16,
    pub(crate) state: u16,
    pub(crate) pad: u32,
    pub(crate) local_addr: [u8; 16],
    pub(crate) remote_addr: [u8; 16],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawSyscall {
    pub(crate) h: RawHeader,
    pub(crate) args: [u64; 6],
    pub(crate) aux: [u64; 2],
    pub(crate) flags: u32,
    pub(crate) fd_mode: u32,
    pub(crate) sock: RawSockInfo,
    pub(crate) lens: [u16; 4],
}

// The C side's sizes (clang, x86_64); a mismatch is a build error, not a misread.
const _: () = assert!(size_of::<RawHeader>() == 112);
const _: () = assert!(size_of::<RawExec>() == 112 + 64 + 32 + 16);
const _: () = assert!(size_of::<RawFork>() == 112 + 32);
const _: () = assert!(size_of::<RawExit>() == 120);
const _: () = assert!(size_of::<RawSockInfo>() == 48);
const _: () = assert!(size_of::<RawSyscall>() == 112 + 48 + 16 + 8 + 48 + 8);

/// Plain-old-data structs: every bit pattern is a valid value.
trait Wire: Copy {}
impl Wire for RawHeader {}
impl Wire for RawExec {}
impl Wire for RawFork {}
impl Wire for RawExit {}
impl Wire for RawSyscall {}

/// The struct at the start of `bytes`, and what follows it; `None` when too short.
fn read_struct<T: Wire>(bytes: &[u8]) -> Option<(T, &[u8])> {
    if bytes.len() < size_of::<T>() {
        return None;
    }
    // SAFETY: `bytes` holds at least size_of::<T>() bytes, `read_unaligned` has no
    // alignment requirement, and T (a `Wire` type) is made of integers and integer
    // arrays only, so any bit pattern is a valid T.
    let value = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) };
    Some((value, &bytes[size_of::<T>()..]))
}

/// Why a ring-buffer record could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("record of {0} bytes is shorter than its header")]
    Short(usize),
    #[error("unknown event kind {0}")]
    UnknownKind(u16),
    #[error("string lengths overrun the {0}-byte record")]
    Overrun(usize),
}

/// Splits the blob into its strings; a string's trailing NUL is dropped.
fn strings<const N: usize>(
    blob: &[u8],
    lens: [u16; N],
    total: usize,
) -> Result<[Vec<u8>; N], DecodeError> {
    let mut out: [Vec<u8>; N] = std::array::from_fn(|_| Vec::new());
    let mut at = 0usize;
    for (slot, &len) in out.iter_mut().zip(lens.iter()) {
        let end = at + usize::from(len);
        let bytes = blob.get(at..end).ok_or(DecodeError::Overrun(total))?;
        *slot = bytes.to_vec();
        at = end;
    }
    Ok(out)
}

/// Bytes up to the first NUL, as text (invalid UTF-8 replaced).
pub(crate) fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// argv as the kernel keeps it: NUL-separated, usually NUL-terminated.
fn split_args(bytes: &[u8]) -> Vec<String> {
    let trimmed = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The kernel's `major << 20 | minor` as userspace's `st_dev` (glibc's makedev).
pub(crate) fn kernel_dev_to_user(dev: u64) -> u64 {
    let major = dev >> 20;
    let minor = dev & 0xfffff;
    libc::makedev(major as u32, minor as u32)
}

fn header(h: &RawHeader) -> Header {
    Header {
        syscall: h.syscall,
        boot_ns: h.boot_ns,
        exec_id: h.exec_id,
        cgroup_id: h.cgroup_id,
        res: h.res,
        cap_effective: h.cap_effective,
        cap_permitted: h.cap_permitted,
        cap_inheritable: h.cap_inheritable,
        pid: h.pid,
        tid: h.tid,
        ppid: h.ppid,
        uid: h.uid,
        gid: h.gid,
        euid: h.euid,
        egid: h.egid,
        loginuid: h.loginuid,
        comm: text(&h.comm),
    }
}

fn sock_info(s: &RawSockInfo) -> SockInfo {
    SockInfo {
        family: s.family,
        kind: s.kind,
        protocol: s.protocol,
        local_port: s.local_port,
        remote_port: s.remote_port,
        state: s.state,
        local_addr: s.local_addr,
        remote_addr: s.remote_addr,
    }
}

/// Decodes one ring-buffer record.
pub(crate) fn decode(bytes: &[u8]) -> Result<Record, DecodeError> {
    let total = bytes.len();
    let (h, _) = read_struct::<RawHeader>(bytes).ok_or(DecodeError::Short(total))?;
    let short = || DecodeError::Short(total);
    let body = match h.kind {
        KIND_EXEC => {
            let (e, blob) = read_struct::<RawExec>(bytes).ok_or_else(short)?;
            let [filename, exepath, cwd, cgroup, args] = strings(blob, e.lens, total)?;
            Body::Exec(ExecRecord {
                filename: text(&filename),
                exepath: text(&exepath),
                cwd: text(&cwd),
                cgroup: text(&cgroup),
                cgroup_is_v1: e.flags & EXEC_CGROUP_V1 != 0,
                args: split_args(&args),
                args_truncated: e.flags & EXEC_ARGS_TRUNCATED != 0,
                path_truncated: e.flags & EXEC_PATH_TRUNCATED != 0,
                start_boot_ns: e.start_boot_ns,
                parent_exec_id: e.parent_exec_id,
                mntns: e.mntns,
                pidns: e.pidns,
                exe_dev: kernel_dev_to_user(e.exe_dev),
                exe_ino: e.exe_ino,
                exe_ctime_ns: e.exe_ctime_ns,
                exe_mtime_ns: e.exe_mtime_ns,
                exe_uid: e.exe_uid,
                exe_gid: e.exe_gid,
                exe_mode: e.exe_mode,
                tty: e.tty,
                vpid: e.vpid,
                sid: e.sid,
                memfd: e.flags & EXE_MEMFD != 0,
                deleted: e.flags & EXE_DELETED != 0,
                upper_layer: e.flags & EXE_UPPER_LAYER != 0,
                exec_flags: e.exec_flags,
            })
        }
        KIND_FORK => {
            let (e, _) = read_struct::<RawFork>(bytes).ok_or_else(short)?;
            Body::Fork(ForkRecord {
                clone_flags: e.clone_flags,
                child_pid: e.child_pid,
                child_tid: e.child_tid,
                child_exec_id: e.child_exec_id,
                child_start_boot_ns: e.child_start_boot_ns,
            })
        }
        KIND_EXIT => {
            let (e, _) = read_struct::<RawExit>(bytes).ok_or_else(short)?;
            Body::Exit(ExitRecord {
                wait_status: e.exit_code,
            })
        }
        KIND_OPEN | KIND_PATH | KIND_SOCKET | KIND_OTHER => {
            let (e, blob) = read_struct::<RawSyscall>(bytes).ok_or_else(short)?;
            let [s0, s1, s2, s3] = strings(blob, e.lens, total)?;
            let path_truncated = e.flags & SYS_PATH_TRUNCATED != 0;
            match h.kind {
                KIND_OPEN => Body::Open(OpenRecord {
                    args: e.args,
                    flags: e.aux[0] as u32,
                    mode: e.aux[1] as u32,
                    raw: text(&s0),
                    base: text(&s1),
                    resolved: text(&s2),
                    fd_mode: e.fd_mode,
                    path_truncated,
                }),
                KIND_PATH => Body::Path(PathRecord {
                    args: e.args,
                    raw1: text(&s0),
                    base1: text(&s1),
                    raw2: text(&s2),
                    base2: text(&s3),
                    path_truncated,
                }),
                KIND_SOCKET => Body::Socket(SocketRecord {
                    args: e.args,
                    sockaddr: s0,
                    is_socket: e.flags & SYS_FD_IS_SOCKET != 0,
                    sock: sock_info(&e.sock),
                }),
                _ => Body::Other(OtherRecord {
                    args: e.args,
                    aux: e.aux[0],
                    strings: [text(&s0), text(&s1), text(&s2), text(&s3)],
                }),
            }
        }
        other => return Err(DecodeError::UnknownKind(other)),
    };
    Ok(Record {
        header: header(&h),
        body,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The bytes of a `Wire` struct, as the kernel would write them.
    fn bytes_of<T: Wire>(value: &T) -> Vec<u8> {
        // SAFETY: T is plain old data (integers only); reading its bytes is sound. The
        // structs have no padding the compiler could leave uninitialised: every gap
        // is an explicit `pad` field, and the size assertions pin the layout.
        unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
            .to_vec()
    }

    pub(crate) fn raw_header(kind: u16, syscall: u32, pid: u32) -> RawHeader {
        let mut comm = [0u8; 16];
        comm[..4].copy_from_slice(b"true");
        RawHeader {
            kind,
            nstr: 0,
            syscall,
            boot_ns: 1_000,
            exec_id: 0xabcd_00ff,
            cgroup_id: 1,
            res: 0,
            cap_effective: 0x1ff,
            cap_permitted: 0x1ff,
            cap_inheritable: 0,
            pid,
            tid: pid,
            ppid: 1,
            uid: 0,
            gid: 0,
            euid: 0,
            egid: 0,
            loginuid: u32::MAX,
            comm,
        }
    }

    #[test]
    fn exec_records_decode_with_their_strings() {
        let blob: &[u8] = b"./t\0/tmp/x/t\0/tmp/x\0/\0./t\0-a\0b c\0";
        let exec = RawExec {
            h: raw_header(KIND_EXEC, 59, 42),
            start_boot_ns: 5,
            parent_exec_id: 6,
            mntns: 4026531832,
            pidns: 4026531836,
            exe_dev: (254 << 20) | 1,
            exe_ino: 77,
            exe_ctime_ns: 8,
            exe_mtime_ns: 9,
            exe_uid: 0,
            exe_gid: 0,
            exe_mode: 0o100755,
            tty: 34816,
            vpid: 42,
            sid: 40,
            flags: EXE_UPPER_LAYER | EXEC_CGROUP_V1,
            exec_flags: 0,
            lens: [4, 9, 7, 2, 11],
            pad: [0; 3],
        };
        let mut bytes = bytes_of(&exec);
        bytes.extend_from_slice(blob);
        let record = decode(&bytes).unwrap();
        assert_eq!(record.header.pid, 42);
        assert_eq!(record.header.comm, "true");
        assert_eq!(record.header.loginuid, u32::MAX);
        let Body::Exec(e) = record.body else {
            panic!("exec expected")
        };
        assert_eq!(e.filename, "./t");
        assert_eq!(e.exepath, "/tmp/x/t");
        assert_eq!(e.cwd, "/tmp/x");
        assert_eq!(e.cgroup, "/");
        assert!(e.cgroup_is_v1 && e.upper_layer && !e.memfd && !e.deleted);
        assert_eq!(e.args, ["./t", "-a", "b c"]);
        assert_eq!(e.exe_dev, libc::makedev(254, 1));
    }

    #[test]
    fn truncated_and_overrunning_records_are_errors_not_panics() {
        let exec = RawExec {
            h: raw_header(KIND_EXEC, 59, 1),
            start_boot_ns: 0,
            parent_exec_id: 0,
            mntns: 0,
            pidns: 0,
            exe_dev: 0,
            exe_ino: 0,
            exe_ctime_ns: 0,
            exe_mtime_ns: 0,
            exe_uid: 0,
            exe_gid: 0,
            exe_mode: 0,
            tty: 0,
            vpid: 0,
            sid: 0,
            flags: 0,
            exec_flags: 0,
            lens: [u16::MAX; 5],
            pad: [0; 3],
        };
        let bytes = bytes_of(&exec);
        assert!(matches!(decode(&bytes), Err(DecodeError::Overrun(_))));
        assert_eq!(
            decode(&bytes[..10]),
            Err(DecodeError::Short(10)).map(|_: ()| unreachable!())
        );
        let unknown = bytes_of(&raw_header(99, 0, 1));
        assert_eq!(decode(&unknown).err(), Some(DecodeError::UnknownKind(99)));
        // Every prefix of a valid record decodes or fails cleanly.
        for len in 0..bytes.len() {
            let _ = decode(&bytes[..len]);
        }
    }

    #[test]
    fn socket_records_carry_the_address_bytes() {
        let mut sock = RawSockInfo {
            family: 2,
            kind: 1,
            protocol: 6,
            local_port: 40000,
            remote_port: 8080,
            state: 2,
            pad: 0,
            local_addr: [0; 16],
            remote_addr: [0; 16],
        };
        sock.local_addr[..4].copy_from_slice(&[127, 0, 0, 1]);
        sock.remote_addr[..4].copy_from_slice(&[127, 0, 0, 1]);
        let raw = RawSyscall {
            h: raw_header(KIND_SOCKET, 42, 7),
            args: [3, 0, 16, 0, 0, 0],
            aux: [0; 2],
            flags: SYS_FD_IS_SOCKET,
            fd_mode: 0o140777,
            sock,
            lens: [4, 0, 0, 0],
        };
        let mut bytes = bytes_of(&raw);
        bytes.extend_from_slice(&[2, 0, 0x1f, 0x90]);
        let Body::Socket(s) = decode(&bytes).unwrap().body else {
            panic!("socket expected")
        };
        assert_eq!(s.sockaddr, [2, 0, 0x1f, 0x90]);
        assert!(s.is_socket);
        assert_eq!(s.sock.remote_port, 8080);
    }
}
