//! The process table: every live process (not thread), seeded from `/proc` at start-up
//! and kept by fork, exec and exit records, so each event can carry its process's
//! executable, arguments and ancestors.
//!
//! Memory budget: at most `capacity` entries (default 32,768). An entry holds the
//! process's paths and arguments, which the kernel side caps at 4 KiB of argv and
//! 512 bytes per path, so the worst case is about 5.5 KiB per entry (180 MiB at the
//! default capacity) and a typical host (a few hundred processes, short command lines)
//! uses well under 1 MiB. When the table is full, entries whose process is gone (an
//! exit that was lost) are swept out; if it is still full, the new process is not
//! recorded and `rejected` counts it: its events still flow, with the context their
//! own records carry and no ancestors.

use std::collections::HashMap;
use std::path::Path;

use warden_events::{Ancestor, Container, ExeFlags};

use crate::container::{container_from_cgroup, container_from_proc_cgroup};
use crate::record::{ExecRecord, ForkRecord, Header};

/// How many ancestors an event carries (Falco's rules look up to `proc.aname[7]`).
pub const MAX_ANCESTORS: usize = 8;

/// What the table knows about one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcessEntry {
    pub(crate) pid: u32,
    pub(crate) ppid: u32,
    pub(crate) comm: String,
    /// `argv[0]`.
    pub(crate) exe: String,
    pub(crate) exepath: String,
    /// `argv[1..]`.
    pub(crate) args: Vec<String>,
    pub(crate) cwd: String,
    pub(crate) uid: u32,
    pub(crate) exec_id: u64,
    /// The exec id was derived from `/proc` (tick resolution) and waits for the
    /// kernel's exact one, which the process's first event carries.
    pub(crate) provisional_exec_id: bool,
    pub(crate) tty: u32,
    pub(crate) mntns: u64,
    pub(crate) pidns: u64,
    pub(crate) vpid: u32,
    pub(crate) sid: u32,
    pub(crate) start_boot_ns: u64,
    pub(crate) exe_dev: u64,
    pub(crate) exe_ino: u64,
    pub(crate) exe_ctime_ns: u64,
    pub(crate) exe_mtime_ns: u64,
    pub(crate) exe_flags: ExeFlags,
    pub(crate) cgroup: String,
    pub(crate) container: Option<Container>,
}

/// Live processes by pid, with a children index for re-parenting.
pub(crate) struct ProcessTable {
    entries: HashMap<u32, ProcessEntry>,
    children: HashMap<u32, Vec<u32>>,
    capacity: usize,
    /// Processes not recorded because the table was full.
    pub(crate) rejected: u64,
}

impl ProcessTable {
    pub(crate) fn new(capacity: usize) -> ProcessTable {
        ProcessTable {
            entries: HashMap::new(),
            children: HashMap::new(),
            capacity: capacity.max(1),
            rejected: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Records every process `/proc` lists now.
    pub(crate) fn seed_from_proc(&mut self) {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in dir.flatten() {
            if let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                && let Some(process) = read_proc(pid)
            {
                self.insert(process);
            }
        }
    }

    pub(crate) fn get(&self, pid: u32) -> Option<&ProcessEntry> {
        self.entries.get(&pid)
    }

    /// The entry for `pid`, read from `/proc` if the table does not have it yet (a
    /// process that started before the sensor and was missed by the seed, or whose
    /// fork record was lost).
    pub(crate) fn get_or_load(&mut self, pid: u32) -> Option<&ProcessEntry> {
        if !self.entries.contains_key(&pid) {
            let process = read_proc(pid)?;
            self.insert(process);
        }
        self.entries.get(&pid)
    }

    fn insert(&mut self, process: ProcessEntry) {
        if !self.entries.contains_key(&process.pid) && self.entries.len() >= self.capacity {
            self.sweep_dead();
            if self.entries.len() >= self.capacity {
                self.rejected += 1;
                return;
            }
        }
        if let Some(old) = self.entries.get(&process.pid)
            && old.ppid != process.ppid
        {
            let old_ppid = old.ppid;
            self.unlink_child(old_ppid, process.pid);
        }
        let siblings = self.children.entry(process.ppid).or_default();
        if !siblings.contains(&process.pid) {
            siblings.push(process.pid);
        }
        self.entries.insert(process.pid, process);
    }

    fn unlink_child(&mut self, ppid: u32, pid: u32) {
        if let Some(siblings) = self.children.get_mut(&ppid) {
            siblings.retain(|&c| c != pid);
            if siblings.is_empty() {
                self.children.remove(&ppid);
            }
        }
    }

    /// Drops entries whose process no longer exists (their exit record was lost).
    fn sweep_dead(&mut self) {
        let dead: Vec<u32> = self
            .entries
            .keys()
            .copied()
            .filter(|pid| !Path::new("/proc").join(pid.to_string()).exists())
            .collect();
        for pid in dead {
            self.remove(pid);
        }
    }

    /// Brings the entry in line with what an event's header says about it now: the
    /// kernel's parent (after re-parenting), name, uid and exact exec id.
    pub(crate) fn observe(&mut self, header: &Header) {
        let Some(entry) = self.entries.get_mut(&header.pid) else {
            return;
        };
        entry.comm.clone_from(&header.comm);
        entry.uid = header.uid;
        if entry.provisional_exec_id {
            entry.exec_id = header.exec_id;
            entry.provisional_exec_id = false;
        }
        if entry.ppid != header.ppid && header.ppid != 0 {
            let (pid, old) = (entry.pid, entry.ppid);
            entry.ppid = header.ppid;
            self.unlink_child(old, pid);
            self.children.entry(header.ppid).or_default().push(pid);
        }
    }

    pub(crate) fn on_fork(&mut self, header: &Header, fork: &ForkRecord) {
        let parent = self.get_or_load(header.pid).cloned();
        let child = match parent {
            Some(parent) => ProcessEntry {
                pid: fork.child_pid,
                ppid: header.pid,
                exec_id: fork.child_exec_id,
                provisional_exec_id: false,
                vpid: 0,
                start_boot_ns: fork.child_start_boot_ns,
                ..parent
            },
            None => match read_proc(fork.child_pid) {
                Some(child) => child,
                None => return,
            },
        };
        self.insert(child);
    }

    pub(crate) fn on_exec(&mut self, header: &Header, exec: &ExecRecord) {
        let (exe, args) = match exec.args.split_first() {
            Some((argv0, rest)) => (argv0.clone(), rest.to_vec()),
            None => (exec.filename.clone(), Vec::new()),
        };
        let container = container_from_cgroup(&exec.cgroup);
        let writable = exe_writable(header, exec);
        self.insert(ProcessEntry {
            pid: header.pid,
            ppid: header.ppid,
            comm: header.comm.clone(),
            exe,
            exepath: exec.exepath.clone(),
            args,
            cwd: exec.cwd.clone(),
            uid: header.uid,
            exec_id: header.exec_id,
            provisional_exec_id: false,
            tty: exec.tty,
            mntns: exec.mntns,
            pidns: exec.pidns,
            vpid: exec.vpid,
            sid: exec.sid,
            start_boot_ns: exec.start_boot_ns,
            exe_dev: exec.exe_dev,
            exe_ino: exec.exe_ino,
            exe_ctime_ns: exec.exe_ctime_ns,
            exe_mtime_ns: exec.exe_mtime_ns,
            exe_flags: ExeFlags {
                memfd: exec.memfd,
                deleted: exec.deleted,
                upper_layer: exec.upper_layer,
                writable,
            },
            cgroup: exec.cgroup.clone(),
            container,
        });
    }

    /// Forgets `pid`; its children are re-parented as the kernel does it (read back
    /// from `/proc`: the subreaper or init), or to 1 when they are gone too.
    pub(crate) fn on_exit(&mut self, pid: u32) {
        let orphans = self.children.remove(&pid).unwrap_or_default();
        self.remove(pid);
        for orphan in orphans {
            let new_parent = proc_stat(orphan).map_or(1, |stat| stat.ppid);
            if let Some(entry) = self.entries.get_mut(&orphan) {
                entry.ppid = new_parent;
                self.children.entry(new_parent).or_default().push(orphan);
            }
        }
    }

    fn remove(&mut self, pid: u32) {
        if let Some(entry) = self.entries.remove(&pid) {
            self.unlink_child(entry.ppid, pid);
        }
    }

    /// Parent first, up to [`MAX_ANCESTORS`], stopping at pid 0 or an unknown pid.
    pub(crate) fn ancestors(&mut self, ppid: u32) -> Vec<Ancestor> {
        let mut ancestors = Vec::new();
        let mut next = ppid;
        while ancestors.len() < MAX_ANCESTORS && next != 0 {
            let Some(entry) = self.get_or_load(next) else {
                break;
            };
            ancestors.push(Ancestor {
                pid: entry.pid,
                comm: entry.comm.clone(),
                exe: entry.exe.clone(),
                exepath: entry.exepath.clone(),
                args: entry.args.clone(),
                uid: entry.uid,
                exec_id: entry.exec_id,
            });
            if entry.ppid == entry.pid {
                break;
            }
            next = entry.ppid;
        }
        ancestors
    }
}

/// Falco's `proc.is_exe_writable`: the executing user could write the file.
fn exe_writable(header: &Header, exec: &ExecRecord) -> bool {
    const CAP_DAC_OVERRIDE: u64 = 1 << 1;
    if exec.memfd {
        return true;
    }
    if header.cap_effective & CAP_DAC_OVERRIDE != 0 {
        return true;
    }
    if exec.exe_uid == header.euid {
        exec.exe_mode & 0o200 != 0
    } else if exec.exe_gid == header.egid {
        exec.exe_mode & 0o020 != 0
    } else {
        exec.exe_mode & 0o002 != 0
    }
}

/// The fields of `/proc/PID/stat` the table needs.
pub(crate) struct ProcStat {
    pub(crate) ppid: u32,
    pub(crate) sid: u32,
    pub(crate) tty: u32,
    pub(crate) start_ticks: u64,
}

pub(crate) fn proc_stat(pid: u32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Parses `/proc/PID/stat`; the comm field may hold spaces and parentheses.
fn parse_stat(text: &str) -> Option<ProcStat> {
    let after_comm = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    // fields[0] is the state (field 3 of the man page).
    Some(ProcStat {
        ppid: fields.get(1)?.parse().ok()?,
        sid: fields.get(3)?.parse().ok()?,
        tty: fields.get(4)?.parse::<i64>().ok()? as u32,
        start_ticks: fields.get(19)?.parse().ok()?,
    })
}

pub(crate) fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}

fn namespace_inode(pid: u32, ns: &str) -> u64 {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}"))
        .ok()
        .and_then(|link| {
            let text = link.to_string_lossy().into_owned();
            text.rsplit_once('[')?.1.trim_end_matches(']').parse().ok()
        })
        .unwrap_or(0)
}

fn status_field(status: &str, name: &str) -> Option<u32> {
    status.lines().find_map(|line| {
        line.strip_prefix(name)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// What `/proc` says about a process now (`None` when it is gone or a kernel thread).
pub(crate) fn read_proc(pid: u32) -> Option<ProcessEntry> {
    use std::os::unix::fs::MetadataExt;

    let dir = Path::new("/proc").join(pid.to_string());
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    // Kernel threads have no memory map and no command line: not processes here.
    if status.lines().any(|l| l.starts_with("Kthread:\t1")) {
        return None;
    }
    // Only thread-group leaders are processes.
    if status_field(&status, "Tgid:") != Some(pid) {
        return None;
    }
    let stat = proc_stat(pid)?;
    let comm = std::fs::read_to_string(dir.join("comm"))
        .map(|c| c.trim_end().to_owned())
        .unwrap_or_default();
    let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
    let mut argv: Vec<String> = cmdline
        .strip_suffix(&[0])
        .unwrap_or(&cmdline)
        .split(|&b| b == 0)
        .filter(|_| !cmdline.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let exe = if argv.is_empty() {
        String::new()
    } else {
        argv.remove(0)
    };
    let exepath = std::fs::read_link(dir.join("exe"))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let exe_meta = std::fs::metadata(dir.join("exe")).ok();
    let cwd = std::fs::read_link(dir.join("cwd"))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (container, cgroup) = container_from_proc_cgroup(
        &std::fs::read_to_string(dir.join("cgroup")).unwrap_or_default(),
    );
    let start_boot_ns = stat.start_ticks * (1_000_000_000 / clock_ticks_per_second());
    let deleted = exepath.ends_with(" (deleted)");
    Some(ProcessEntry {
        pid,
        ppid: stat.ppid,
        comm,
        exe,
        exepath: exepath.trim_end_matches(" (deleted)").to_owned(),
        args: argv,
        cwd,
        uid: status_field(&status, "Uid:").unwrap_or(0),
        exec_id: (start_boot_ns << 8) | 0xff,
        provisional_exec_id: true,
        tty: stat.tty,
        mntns: namespace_inode(pid, "mnt"),
        pidns: namespace_inode(pid, "pid"),
        vpid: status
            .lines()
            .find_map(|l| l.strip_prefix("NSpid:"))
            .and_then(|ids| ids.split_whitespace().last()?.parse().ok())
            .unwrap_or(pid),
        sid: stat.sid,
        start_boot_ns,
        exe_dev: exe_meta.as_ref().map_or(0, |m| m.dev()),
        exe_ino: exe_meta.as_ref().map_or(0, |m| m.ino()),
        exe_ctime_ns: exe_meta.as_ref().map_or(0, |m| {
            (m.ctime() as u64) * 1_000_000_000 + m.ctime_nsec() as u64
        }),
        exe_mtime_ns: exe_meta.as_ref().map_or(0, |m| {
            (m.mtime() as u64) * 1_000_000_000 + m.mtime_nsec() as u64
        }),
        exe_flags: ExeFlags {
            memfd: exepath.starts_with("/memfd:"),
            deleted: deleted && !exepath.starts_with("/memfd:"),
            upper_layer: false,
            writable: false,
        },
        cgroup,
        container,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: u32, ppid: u32, comm: &str) -> ProcessEntry {
        ProcessEntry {
            pid,
            ppid,
            comm: comm.into(),
            exe: comm.into(),
            exepath: format!("/usr/bin/{comm}"),
            args: vec![],
            cwd: "/".into(),
            uid: 0,
            exec_id: u64::from(pid) << 8,
            provisional_exec_id: false,
            tty: 0,
            mntns: 0,
            pidns: 0,
            vpid: pid,
            sid: 0,
            start_boot_ns: 0,
            exe_dev: 0,
            exe_ino: 0,
            exe_ctime_ns: 0,
            exe_mtime_ns: 0,
            exe_flags: ExeFlags::default(),
            cgroup: "/".into(),
            container: None,
        }
    }

    #[test]
    fn stat_lines_with_odd_comms_parse() {
        let line = "4242 (a) b (c)) S 4000 4242 3900 34816 4242 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 0 0";
        let stat = parse_stat(line).unwrap();
        assert_eq!(
            (stat.ppid, stat.sid, stat.tty, stat.start_ticks),
            (4000, 3900, 34816, 123456)
        );
        assert!(parse_stat("garbage").is_none());
        assert!(parse_stat("1 (x) S").is_none());
    }

    #[test]
    fn ancestors_follow_parents_and_stop_at_the_budget() {
        // pids far above pid_max, so /proc never answers for them.
        let base = 0x7fff_0000;
        let mut table = ProcessTable::new(100);
        for i in 0..12u32 {
            let ppid = if i == 0 { 0 } else { base + i - 1 };
            table.insert(entry(base + i, ppid, &format!("p{i}")));
        }
        let ancestors = table.ancestors(base + 10);
        assert_eq!(ancestors.len(), MAX_ANCESTORS);
        assert_eq!(ancestors[0].comm, "p10");
        assert_eq!(ancestors[7].comm, "p3");
        assert_eq!(table.ancestors(base).len(), 1);
    }

    #[test]
    fn a_full_table_rejects_and_counts() {
        let base = 0x7ffe_0000;
        let mut table = ProcessTable::new(2);
        table.insert(entry(base, 0, "a"));
        table.insert(entry(base + 1, base, "b"));
        table.insert(entry(base + 2, base, "c"));
        // The first two are "dead" (no /proc entry), so the sweep makes room.
        assert_eq!(table.rejected, 0);
        assert!(table.len() <= 2);
        assert!(table.get(base + 2).is_some());
    }

    #[test]
    fn exits_forget_the_process_and_reparent_its_children() {
        let base = 0x7ffd_0000;
        let mut table = ProcessTable::new(100);
        table.insert(entry(base, 1, "init-ish"));
        table.insert(entry(base + 1, base, "parent"));
        table.insert(entry(base + 2, base + 1, "child"));
        table.on_exit(base + 1);
        assert!(table.get(base + 1).is_none());
        // Its /proc entry does not exist, so the orphan goes to init.
        assert_eq!(table.get(base + 2).unwrap().ppid, 1);
    }
}
