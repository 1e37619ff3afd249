//! Mirrors of `bpf/enforce.h`, field for field, with size assertions, and the decoder
//! of ring-buffer records.

use std::net::IpAddr;

use crate::FileId;

pub(crate) const MAX_NET_RULES: u32 = 128;
pub(crate) const EXEMPT_SET: u32 = u32::MAX;

pub(crate) const OP_CONNECT: u8 = 1 << 0;
pub(crate) const OP_SENDMSG: u8 = 1 << 1;
pub(crate) const OP_BIND: u8 = 1 << 2;

pub(crate) const PROTO_TCP: u8 = 1 << 0;
pub(crate) const PROTO_UDP: u8 = 1 << 1;
pub(crate) const PROTO_OTHER: u8 = 1 << 2;

pub(crate) const FILELESS_MEMFD: u32 = 1 << 0;
pub(crate) const FILELESS_DELETED: u32 = 1 << 1;

pub(crate) const PROTECT_WRITE: u32 = 1 << 0;
pub(crate) const PROTECT_READ: u32 = 1 << 1;

const EVENT_NET_DENIED: u32 = 1;
const EVENT_EXEC_KILLED: u32 = 2;
const EVENT_EXEC_DENIED: u32 = 3;
const EVENT_OPEN_DENIED: u32 = 4;

const REASON_DENY_LIST: u32 = 1;
const REASON_DENY_LIST_REAL: u32 = 2;
const REASON_MEMFD: u32 = 3;
const REASON_DELETED: u32 = 4;

pub(crate) const COUNT_NET_DENIED: usize = 0;
pub(crate) const COUNT_EXEC_KILLED: usize = 1;
pub(crate) const COUNT_EXEC_DENIED: usize = 2;
pub(crate) const COUNT_OPEN_DENIED: usize = 3;
pub(crate) const COUNT_RING_LOST: usize = 4;
pub(crate) const COUNT_MAX: u32 = 5;

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct RawFileKey {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawNetRule {
    pub(crate) addr: [u8; 16],
    pub(crate) mask: [u8; 16],
    pub(crate) port_lo: u16,
    pub(crate) port_hi: u16,
    pub(crate) family: u8,
    pub(crate) protocols: u8,
    pub(crate) operations: u8,
    pub(crate) pad: u8,
    pub(crate) cgroup_set: u32,
    pub(crate) id: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct RawCgroupSetKey {
    pub(crate) cgroup_id: u64,
    pub(crate) set: u32,
    pub(crate) pad: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RawConfig {
    pub(crate) net_active: u64,
    pub(crate) fileless: u32,
    pub(crate) fileless_set: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawEvent {
    kind: u32,
    reason: u32,
    pid: u32,
    tid: u32,
    uid: u32,
    rule_id: u32,
    cgroup_id: u64,
    ktime_ns: u64,
    dev: u64,
    ino: u64,
    addr: [u8; 16],
    port: u16,
    family: u8,
    protocol: u8,
    pad: u32,
    comm: [u8; 16],
    filename: [u8; 256],
}

const _: () = assert!(size_of::<RawFileKey>() == 16);
const _: () = assert!(size_of::<RawNetRule>() == 48);
const _: () = assert!(size_of::<RawCgroupSetKey>() == 16);
const _: () = assert!(size_of::<RawConfig>() == 16);
const _: () = assert!(size_of::<RawEvent>() == 352);

// SAFETY: plain-old-data structs of integers and byte arrays; every bit pattern is a
// valid value and padding is explicit.
unsafe impl aya::Pod for RawFileKey {}
// SAFETY: as above.
unsafe impl aya::Pod for RawNetRule {}
// SAFETY: as above.
unsafe impl aya::Pod for RawCgroupSetKey {}
// SAFETY: as above.
unsafe impl aya::Pod for RawConfig {}

impl RawFileKey {
    pub(crate) fn of(file: FileId) -> RawFileKey {
        RawFileKey {
            dev: file.kernel_dev(),
            ino: file.ino,
        }
    }
}

/// A denial or kill the kernel programs carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelEvent {
    /// Thread-group id and thread id of the process acted on.
    pub pid: u32,
    pub tid: u32,
    pub uid: u32,
    /// Its cgroup v2 id.
    pub cgroup_id: u64,
    pub comm: String,
    /// `CLOCK_MONOTONIC` nanoseconds.
    pub monotonic_ns: u64,
    pub action: KernelAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelAction {
    /// A socket call failed with EPERM.
    NetworkDenied {
        operation: NetOperation,
        address: IpAddr,
        port: u16,
        /// `IPPROTO_*`.
        protocol: u8,
        rule_id: u32,
    },
    /// The exec backstop SIGKILLed the process as its new image started.
    ExecKilled(FileAction),
    /// BPF LSM `bprm_check_security` failed the exec with EPERM.
    ExecDenied(FileAction),
    /// BPF LSM `file_open` failed the open with EPERM.
    OpenDenied(FileAction),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetOperation {
    Connect,
    SendMsg,
    Bind,
}

impl NetOperation {
    pub fn name(self) -> &'static str {
        match self {
            NetOperation::Connect => "connect",
            NetOperation::SendMsg => "sendmsg",
            NetOperation::Bind => "bind",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAction {
    pub reason: FileReason,
    /// The listed file (for deny-list hits) or the fileless executable.
    pub file: FileId,
    /// The agent's rule id from the deny list (0 for fileless kills; the `PROTECT_*`
    /// flags for open denials).
    pub rule_id: u32,
    /// The path the exec caller passed (empty for opens).
    pub filename: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileReason {
    /// The file's own identity is listed.
    DenyList,
    /// An overlay file whose real (upper or lower layer) file is listed.
    DenyListRealFile,
    Memfd,
    Deleted,
}

fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Decodes one ring-buffer record; `None` for a record of the wrong size or kind.
pub(crate) fn decode(bytes: &[u8]) -> Option<KernelEvent> {
    if bytes.len() < size_of::<RawEvent>() {
        return None;
    }
    // SAFETY: the length was checked; RawEvent is plain data valid for any bits, and
    // read_unaligned copes with the ring buffer's 8-byte alignment.
    let raw: RawEvent = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) };
    let file_action = || {
        let reason = match raw.reason {
            REASON_DENY_LIST => FileReason::DenyList,
            REASON_DENY_LIST_REAL => FileReason::DenyListRealFile,
            REASON_MEMFD => FileReason::Memfd,
            REASON_DELETED => FileReason::Deleted,
            _ => return None,
        };
        Some(FileAction {
            reason,
            file: FileId::from_kernel(raw.dev, raw.ino),
            rule_id: raw.rule_id,
            filename: c_string(&raw.filename),
        })
    };
    let action = match raw.kind {
        EVENT_NET_DENIED => {
            let operation = match raw.reason as u8 {
                OP_CONNECT => NetOperation::Connect,
                OP_SENDMSG => NetOperation::SendMsg,
                OP_BIND => NetOperation::Bind,
                _ => return None,
            };
            let address = match raw.family {
                4 => IpAddr::from([raw.addr[0], raw.addr[1], raw.addr[2], raw.addr[3]]),
                6 => IpAddr::from(raw.addr),
                _ => return None,
            };
            KernelAction::NetworkDenied {
                operation,
                address,
                port: raw.port,
                protocol: raw.protocol,
                rule_id: raw.rule_id,
            }
        }
        EVENT_EXEC_KILLED => KernelAction::ExecKilled(file_action()?),
        EVENT_EXEC_DENIED => KernelAction::ExecDenied(file_action()?),
        EVENT_OPEN_DENIED => KernelAction::OpenDenied(file_action()?),
        _ => return None,
    };
    Some(KernelEvent {
        pid: raw.pid,
        tid: raw.tid,
        uid: raw.uid,
        cgroup_id: raw.cgroup_id,
        comm: c_string(&raw.comm),
        monotonic_ns: raw.ktime_ns,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank() -> RawEvent {
        RawEvent {
            kind: 0,
            reason: 0,
            pid: 10,
            tid: 11,
            uid: 1000,
            rule_id: 5,
            cgroup_id: 77,
            ktime_ns: 123,
            dev: (8 << 20) | 1,
            ino: 4242,
            addr: [0; 16],
            port: 0,
            family: 0,
            protocol: 0,
            pad: 0,
            comm: [0; 16],
            filename: [0; 256],
        }
    }

    fn bytes(raw: &RawEvent) -> Vec<u8> {
        // SAFETY: RawEvent is plain data of the size read.
        unsafe {
            std::slice::from_raw_parts((raw as *const RawEvent).cast::<u8>(), size_of::<RawEvent>())
        }
        .to_vec()
    }

    #[test]
    fn network_denials_decode() {
        let mut raw = blank();
        raw.kind = EVENT_NET_DENIED;
        raw.reason = u32::from(OP_SENDMSG);
        raw.family = 4;
        raw.addr[..4].copy_from_slice(&[127, 0, 0, 1]);
        raw.port = 5353;
        raw.protocol = 17;
        raw.comm[..2].copy_from_slice(b"nc");
        let event = decode(&bytes(&raw)).unwrap();
        assert_eq!(event.pid, 10);
        assert_eq!(event.comm, "nc");
        assert_eq!(
            event.action,
            KernelAction::NetworkDenied {
                operation: NetOperation::SendMsg,
                address: "127.0.0.1".parse().unwrap(),
                port: 5353,
                protocol: 17,
                rule_id: 5
            }
        );
    }

    #[test]
    fn exec_kills_decode_with_the_userspace_device_number() {
        let mut raw = blank();
        raw.kind = EVENT_EXEC_KILLED;
        raw.reason = REASON_DENY_LIST_REAL;
        raw.filename[..9].copy_from_slice(b"/bin/apt\0");
        let event = decode(&bytes(&raw)).unwrap();
        let KernelAction::ExecKilled(action) = event.action else {
            panic!("{event:?}");
        };
        assert_eq!(action.reason, FileReason::DenyListRealFile);
        assert_eq!(action.file.dev, libc::makedev(8, 1));
        assert_eq!(action.file.ino, 4242);
        assert_eq!(action.filename, "/bin/apt");
    }

    #[test]
    fn short_or_unknown_records_are_refused() {
        assert!(decode(&[0u8; 10]).is_none());
        let mut raw = blank();
        raw.kind = 99;
        assert!(decode(&bytes(&raw)).is_none());
        raw.kind = EVENT_EXEC_KILLED;
        raw.reason = 99;
        assert!(decode(&bytes(&raw)).is_none());
    }
}
