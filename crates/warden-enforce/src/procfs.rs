//! What the enforcement paths read from `/proc`: pure parsers (tested with fixtures)
//! and the thin readers around them.

use std::path::PathBuf;

/// The fields of `/proc/PID/status` the guard uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Status {
    pub(crate) name: String,
    pub(crate) tgid: u32,
    pub(crate) ppid: u32,
    /// Real, effective, saved, filesystem.
    pub(crate) uids: [u32; 4],
    pub(crate) gids: [u32; 4],
    /// The process group in the reader's pid namespace (first `NSpgid` column).
    pub(crate) pgid: Option<u32>,
}

pub(crate) fn parse_status(text: &str) -> Option<Status> {
    let mut status = Status::default();
    let mut seen_tgid = false;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key {
            "Name" => status.name = value.to_owned(),
            "Tgid" => {
                status.tgid = value.parse().ok()?;
                seen_tgid = true;
            }
            "PPid" => status.ppid = value.parse().ok()?,
            "Uid" => status.uids = four_ids(value)?,
            "Gid" => status.gids = four_ids(value)?,
            "NSpgid" => status.pgid = value.split_whitespace().next()?.parse().ok(),
            _ => {}
        }
    }
    seen_tgid.then_some(status)
}

fn four_ids(value: &str) -> Option<[u32; 4]> {
    let mut ids = [0u32; 4];
    let mut fields = value.split_whitespace();
    for id in &mut ids {
        *id = fields.next()?.parse().ok()?;
    }
    Some(ids)
}

/// What `/proc/TID/syscall` says a thread is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyscallState {
    /// Blocked in syscall `nr` with these arguments.
    InSyscall { nr: u64, args: [u64; 6] },
    /// Blocked outside a syscall, or running (the file cannot tell which call).
    Unknown,
}

pub(crate) fn parse_syscall(text: &str) -> SyscallState {
    let mut fields = text.split_whitespace();
    let Some(Ok(nr)) = fields.next().map(str::parse::<i64>) else {
        return SyscallState::Unknown;
    };
    let Ok(nr) = u64::try_from(nr) else {
        return SyscallState::Unknown;
    };
    let mut args = [0u64; 6];
    for arg in &mut args {
        let Some(Ok(value)) = fields
            .next()
            .map(|f| u64::from_str_radix(f.trim_start_matches("0x"), 16))
        else {
            return SyscallState::Unknown;
        };
        *arg = value;
    }
    SyscallState::InSyscall { nr, args }
}

/// Field 22 of `/proc/PID/stat`: start time in clock ticks after boot.
pub(crate) fn parse_start_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces and ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// `/proc/PID/cmdline`: NUL-separated arguments.
pub(crate) fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .split(|&b| b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

/// One line of `/proc/PID/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountEntry {
    pub(crate) major: u32,
    pub(crate) minor: u32,
    /// The mount's root within its filesystem.
    pub(crate) root: String,
    pub(crate) mount_point: PathBuf,
    pub(crate) mount_options: String,
    pub(crate) fstype: String,
    pub(crate) super_options: String,
}

pub(crate) fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    text.lines().filter_map(parse_mount_line).collect()
}

fn parse_mount_line(line: &str) -> Option<MountEntry> {
    let (before, after) = line.split_once(" - ")?;
    let mut fields = before.split(' ');
    let _mount_id = fields.next()?;
    let _parent_id = fields.next()?;
    let (major, minor) = fields.next()?.split_once(':')?;
    let root = unescape_octal(fields.next()?);
    let mount_point = PathBuf::from(unescape_octal(fields.next()?));
    let mount_options = fields.next()?.to_owned();
    let mut after = after.split(' ');
    let fstype = after.next()?.to_owned();
    let _source = after.next()?;
    let super_options = after.next().unwrap_or("").to_owned();
    Some(MountEntry {
        major: major.parse().ok()?,
        minor: minor.parse().ok()?,
        root,
        mount_point,
        mount_options,
        fstype,
        super_options,
    })
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape_octal(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            let octal = bytes
                .get(i + 1..i + 4)
                .and_then(|d| std::str::from_utf8(d).ok())
                .and_then(|d| u8::from_str_radix(d, 8).ok());
            if let Some(value) = octal {
                out.push(value);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a `/proc` file. Cheaper than `fs::read`, which stats the file first for a
/// size `/proc` does not have: on the guard's path every syscall counts.
pub(crate) fn read_proc(path: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(4096);
    std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub(crate) fn read_proc_string(path: &str) -> std::io::Result<String> {
    read_proc(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

pub(crate) fn read_status(pid: u32) -> std::io::Result<Status> {
    let text = read_proc_string(&format!("/proc/{pid}/status"))?;
    parse_status(&text).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("/proc/{pid}/status has no Tgid line"),
        )
    })
}

pub(crate) fn read_start_ticks(pid: u32) -> std::io::Result<u64> {
    let text = read_proc_string(&format!("/proc/{pid}/stat"))?;
    parse_start_ticks(&text).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("/proc/{pid}/stat has no start time (field 22)"),
        )
    })
}

/// Clock ticks per second (`_SC_CLK_TCK`), the unit of `/proc` start times.
pub(crate) fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\n\
Pid:\t4243\nPPid:\t4000\nTracerPid:\t0\nUid:\t1000\t1001\t1002\t1003\nGid:\t100\t101\t102\t103\n\
NStgid:\t4242\nNSpid:\t4243\nNSpgid:\t4242\nNSsid:\t3900\n";

    #[test]
    fn status_fields_are_read() {
        let status = parse_status(STATUS).unwrap();
        assert_eq!(status.name, "bash");
        assert_eq!(status.tgid, 4242);
        assert_eq!(status.ppid, 4000);
        assert_eq!(status.uids, [1000, 1001, 1002, 1003]);
        assert_eq!(status.gids, [100, 101, 102, 103]);
        assert_eq!(status.pgid, Some(4242));
    }

    #[test]
    fn status_without_tgid_is_refused() {
        assert_eq!(parse_status("Name:\tx\nPPid:\t1\n"), None);
        assert_eq!(parse_status("Tgid:\tabc\n"), None);
    }

    #[test]
    fn syscall_lines_decode() {
        assert_eq!(
            parse_syscall(
                "257 0xffffff9c 0x7ffd2b1c 0x241 0x1b6 0x0 0x0 0x7ffd2b1c0a08 0x7f1c2d3e4f50\n"
            ),
            SyscallState::InSyscall {
                nr: 257,
                args: [0xffffff9c, 0x7ffd2b1c, 0x241, 0x1b6, 0, 0]
            }
        );
        assert_eq!(parse_syscall("running\n"), SyscallState::Unknown);
        assert_eq!(
            parse_syscall("-1 0x7ffd2b1c0a08 0x7f1c2d3e4f50\n"),
            SyscallState::Unknown
        );
        assert_eq!(parse_syscall("59 0x1 0x2\n"), SyscallState::Unknown);
    }

    #[test]
    fn start_ticks_survive_odd_command_names() {
        let stat = "4242 (a) b (c) S 4000 4242 3900 34816 4242 4194304 100 0 0 0 1 2 0 0 20 0 1 0 123456 0 0";
        assert_eq!(parse_start_ticks(stat), Some(123456));
        assert_eq!(parse_start_ticks("4242 (x) S 1"), None);
    }

    #[test]
    fn cmdline_splits_on_nul() {
        assert_eq!(
            parse_cmdline(b"sh\0-c\0echo hi\0"),
            vec!["sh".to_owned(), "-c".into(), "echo hi".into()]
        );
        assert_eq!(parse_cmdline(b""), Vec::<String>::new());
        assert_eq!(parse_cmdline(b"a\0\0b\0"), vec!["a", "", "b"]);
    }

    #[test]
    fn mountinfo_lines_parse_and_unescape() {
        let text = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
36 22 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n\
37 22 0:32 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n\
40 22 0:45 /sub /mnt/with\\040space rw - tmpfs tmpfs rw,size=1024k\n\
garbage line\n";
        let mounts = parse_mountinfo(text);
        assert_eq!(mounts.len(), 4);
        assert_eq!(mounts[0].fstype, "ext4");
        assert_eq!((mounts[0].major, mounts[0].minor), (254, 0));
        assert_eq!(
            mounts[1].mount_point,
            PathBuf::from("/sys/fs/cgroup/unified")
        );
        assert_eq!(mounts[1].mount_options, "rw,nosuid,nodev,noexec,relatime");
        assert_eq!(mounts[2].super_options, "rw,pids");
        assert_eq!(mounts[3].mount_point, PathBuf::from("/mnt/with space"));
        assert_eq!(mounts[3].root, "/sub");
    }
}
