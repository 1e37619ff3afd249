//! `mount`: `/proc/self/mountinfo` (read once per run) plus `statfs` for usage.
//!
//! Parsing follows moby/sys/mountinfo, which goss uses: octal escapes in the
//! mountpoint, root, fstype and source are decoded; the first entry with the
//! exact mountpoint wins, and a malformed line before it fails the lookup.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use crate::{ProbeError, System};

/// One decoded mountinfo line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountEntry {
    mountpoint: String,
    options: String,
    fstype: String,
    source: String,
    vfs_options: String,
}

/// Every mountinfo line in order: an entry, or the parse failure goss would report.
#[derive(Debug, Default)]
pub(crate) struct MountTable {
    lines: Vec<Result<MountEntry, String>>,
}

impl MountTable {
    pub(crate) fn read(root: &Path) -> Result<Self, ProbeError> {
        let path = crate::rooted(root, "/proc/self/mountinfo");
        let text = std::fs::read(&path).map_err(|err| {
            ProbeError::Os(crate::gofmt::go_path_error(
                "open",
                Path::new("/proc/self/mountinfo"),
                &err,
            ))
        })?;
        Ok(Self::parse(&String::from_utf8_lossy(&text)))
    }

    fn parse(text: &str) -> Self {
        Self {
            lines: text.lines().map(parse_line).collect(),
        }
    }

    fn find(&self, mountpoint: &str) -> Result<MountEntry, ProbeError> {
        for line in &self.lines {
            match line {
                Ok(entry) if entry.mountpoint == mountpoint => return Ok(entry.clone()),
                Ok(_) => {}
                Err(message) => return Err(ProbeError::Other(message.clone())),
            }
        }
        Err(ProbeError::MountpointNotFound)
    }
}

fn parse_line(text: &str) -> Result<MountEntry, String> {
    let fields: Vec<&str> = text.split(' ').collect();
    if fields.len() < 10 {
        return Err(format!(
            "parsing '{text}' failed: not enough fields ({})",
            fields.len()
        ));
    }
    // Optional fields sit between field 6 and the "-" separator.
    let mut separator = fields.len() - 4;
    while fields[separator] != "-" {
        separator -= 1;
        if separator == 5 {
            return Err(format!("parsing '{text}' failed: missing - separator"));
        }
    }
    let decode = |what: &str, field: &str| {
        unescape(field).map_err(|err| format!("parsing '{field}' failed: {what}: {err}"))
    };
    let mountpoint = decode("mount point", fields[4])?;
    let fstype = decode("fstype", fields[separator + 1])?;
    let source = decode("source", fields[separator + 2])?;
    if fields[2].splitn(3, ':').count() != 2 {
        return Err(format!(
            "parsing '{text}' failed: unexpected major:minor pair {}",
            fields[2]
        ));
    }
    decode("root", fields[3])?;
    Ok(MountEntry {
        mountpoint,
        options: fields[5].to_string(),
        fstype,
        source,
        vfs_options: fields[separator + 3].to_string(),
    })
}

/// Decodes the kernel's `\NNN` octal escapes (space, tab, newline, backslash).
fn unescape(field: &str) -> Result<String, String> {
    if !field.contains('\\') {
        return Ok(field.to_string());
    }
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let rest = &bytes[i..];
        if rest.len() < 4 {
            return Err(format!(
                "bad escape sequence {:?}: too short",
                String::from_utf8_lossy(rest)
            ));
        }
        match rest[1] {
            b'\\' => {
                out.push(b'\\');
                i += 2;
            }
            first @ b'0'..=b'3' => {
                let mut value = first - b'0';
                for &digit in &rest[2..4] {
                    if !(b'0'..=b'7').contains(&digit) {
                        return Err(format!(
                            "bad escape sequence {:?}: not a digit",
                            String::from_utf8_lossy(&rest[..3])
                        ));
                    }
                    value = (value << 3) | (digit - b'0');
                }
                out.push(value);
                i += 4;
            }
            _ => {
                return Err(format!(
                    "bad escape sequence {:?}: not a digit",
                    String::from_utf8_lossy(&rest[..3])
                ));
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Options split on `,` outside double quotes, empty pieces dropped.
fn split_options(options: &str) -> Vec<String> {
    let mut quoted = false;
    options
        .split(|c: char| {
            if c == '"' {
                quoted = !quoted;
            }
            !quoted && c == ','
        })
        .filter(|piece| !piece.is_empty())
        .map(str::to_string)
        .collect()
}

/// goss's `round((1 - f_bfree/f_blocks) * 100)`: free blocks, not blocks
/// available to unprivileged users, so it differs from `df`.
fn usage_percent(blocks: u64, free: u64) -> i64 {
    if blocks == 0 {
        // Go computes int(NaN) here, which is i64::MIN on x86-64; keep that
        // so `lt`/`gt` matchers on pseudo filesystems behave as in goss.
        return i64::MIN;
    }
    let used = (1.0 - free as f64 / blocks as f64) * 100.0;
    used.round() as i64
}

/// The memoised state of one mount lookup.
#[derive(Debug, Clone)]
struct MountState {
    entry: MountEntry,
    usage: i64,
}

/// `system.mount(mountpoint, timeout)`: one `mount` resource.
#[derive(Debug)]
pub struct MountProbe<'s> {
    system: &'s System,
    mountpoint: String,
    timeout: Duration,
    state: std::sync::OnceLock<Result<MountState, ProbeError>>,
}

impl<'s> MountProbe<'s> {
    pub(crate) fn new(system: &'s System, mountpoint: &str, timeout: Duration) -> Self {
        Self {
            system,
            mountpoint: mountpoint.to_string(),
            timeout,
            state: std::sync::OnceLock::new(),
        }
    }

    /// The mountpoint looked up.
    pub fn mountpoint(&self) -> &str {
        &self.mountpoint
    }

    fn state(&self) -> Result<&MountState, ProbeError> {
        self.state
            .get_or_init(|| self.load())
            .as_ref()
            .map_err(Clone::clone)
    }

    fn load(&self) -> Result<MountState, ProbeError> {
        let entry = self.system.mounts()?.find(&self.mountpoint)?;
        let usage = statfs_usage(
            &crate::rooted(self.system.root(), &self.mountpoint),
            self.timeout,
        )?;
        Ok(MountState { entry, usage })
    }

    /// `true` when mounted. Like goss, a missing mountpoint is an error
    /// (`Mountpoint not found`), not `false`.
    pub fn exists(&self) -> Result<bool, ProbeError> {
        self.state().map(|_| true)
    }

    /// The per-mount options, de-duplicated in first-seen order.
    pub fn opts(&self) -> Result<Vec<String>, ProbeError> {
        let mut seen = std::collections::HashSet::new();
        Ok(split_options(&self.state()?.entry.options)
            .into_iter()
            .filter(|option| seen.insert(option.clone()))
            .collect())
    }

    /// The superblock (filesystem) options.
    pub fn vfs_opts(&self) -> Result<Vec<String>, ProbeError> {
        Ok(split_options(&self.state()?.entry.vfs_options))
    }

    /// The mount source (device, `tmpfs`, `server:/export`, …).
    pub fn source(&self) -> Result<String, ProbeError> {
        Ok(self.state()?.entry.source.clone())
    }

    /// The filesystem type.
    pub fn filesystem(&self) -> Result<String, ProbeError> {
        Ok(self.state()?.entry.fstype.clone())
    }

    /// Percentage of blocks in use.
    pub fn usage(&self) -> Result<i64, ProbeError> {
        Ok(self.state()?.usage)
    }
}

/// `statfs` can hang on a dead network filesystem, so it runs on its own
/// thread and is abandoned after `timeout` (a blocked syscall cannot be cancelled).
fn statfs_usage(path: &Path, timeout: Duration) -> Result<i64, ProbeError> {
    let (sender, receiver) = mpsc::channel();
    let owned = path.to_path_buf();
    std::thread::Builder::new()
        .name("warden-statfs".to_string())
        .spawn(move || {
            let result = nix::sys::statfs::statfs(&owned);
            // The receiver is gone if we already timed out; nothing to do then.
            let _ = sender.send(result);
        })
        .map_err(|err| ProbeError::Other(format!("statfs {}: {err}", path.display())))?;
    match receiver.recv_timeout(timeout) {
        Ok(Ok(stats)) => Ok(usage_percent(stats.blocks(), stats.blocks_free())),
        Ok(Err(errno)) => Err(ProbeError::Os(format!(
            "statfs {}: {}",
            path.display(),
            crate::gofmt::go_errno_text(&std::io::Error::from(errno))
        ))),
        Err(_) => Err(ProbeError::MountTimeout(timeout)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 1 254:0 / / rw,relatime,rw shared:1 - ext4 /dev/vda rw,errors=remount-ro
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
24 22 0:22 / /mnt/with\\040space rw,relatime - tmpfs tmp\\040fs rw,size=1024k
25 22 0:23 / /proc rw - tmpfs shadow rw
26 22 0:24 / /fuse rw - fuse.sshfs host:/dir rw,user_id=0,opt=\"a,b\"
";

    #[test]
    fn first_entry_for_the_mountpoint_wins() {
        let table = MountTable::parse(MOUNTINFO);
        let proc_entry = table.find("/proc").unwrap();
        assert_eq!(
            (proc_entry.fstype.as_str(), proc_entry.source.as_str()),
            ("proc", "proc")
        );
    }

    #[test]
    fn escapes_are_decoded() {
        let table = MountTable::parse(MOUNTINFO);
        let entry = table.find("/mnt/with space").unwrap();
        assert_eq!(entry.source, "tmp fs");
    }

    #[test]
    fn missing_mountpoint_is_goss_error() {
        let table = MountTable::parse(MOUNTINFO);
        assert_eq!(
            table.find("/nope").unwrap_err().to_string(),
            "Mountpoint not found"
        );
    }

    #[test]
    fn malformed_line_before_the_match_fails_the_lookup() {
        let table = MountTable::parse("bad line\n22 1 254:0 / / rw - ext4 /dev/vda rw\n");
        assert!(
            table
                .find("/")
                .unwrap_err()
                .to_string()
                .contains("not enough fields")
        );
    }

    #[test]
    fn options_split_outside_quotes_and_opts_deduplicate() {
        assert_eq!(
            split_options("rw,user_id=0,opt=\"a,b\""),
            ["rw", "user_id=0", "opt=\"a,b\""]
        );
        assert_eq!(split_options(""), Vec::<String>::new());
    }

    #[test]
    fn timeout_message_keeps_goss_wording() {
        assert_eq!(
            ProbeError::MountTimeout(Duration::from_secs(1)).to_string(),
            "getMount operation timed out after 1s milliseconds"
        );
    }

    #[test]
    fn usage_rounds_like_goss() {
        assert_eq!(usage_percent(1000, 104), 90);
        assert_eq!(usage_percent(1000, 1000), 0);
        assert_eq!(usage_percent(0, 0), i64::MIN);
    }
}
