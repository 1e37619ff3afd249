//! Helpers for the real-kernel tests: private tmpfs mounts (so fanotify marks touch
//! nothing else), hand-made cgroups (so network and fileless rules touch nothing
//! else), and forked children that report an errno.

#![allow(dead_code)]

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use warden_enforce::{CgroupVersion, Hierarchy};

/// A tmpfs mounted on a fresh directory, unmounted on drop.
pub(crate) struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    pub(crate) fn new() -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        nix::mount::mount(
            Some("tmpfs"),
            dir.path(),
            Some("tmpfs"),
            nix::mount::MsFlags::MS_NOSUID | nix::mount::MsFlags::MS_NODEV,
            Some("size=32m,mode=0755"),
        )
        .expect("mounting a tmpfs for the test (needs root)");
        Tmpfs { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Copies a program onto the tmpfs, executable.
    pub(crate) fn install(&self, from: &str, name: &str) -> PathBuf {
        let to = self.path().join(name);
        std::fs::copy(from, &to).unwrap();
        to
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(self.dir.path(), nix::mount::MntFlags::MNT_DETACH);
    }
}

static CGROUP_SERIAL: AtomicU32 = AtomicU32::new(0);

/// A cgroup made for one test in one hierarchy, removed (after killing anything left
/// in it) on drop.
pub(crate) struct TestCgroup {
    /// As `/proc/PID/cgroup` writes it.
    pub(crate) path: String,
    pub(crate) dir: PathBuf,
    /// The cgroup v2 id (meaningful in the v2 hierarchy).
    pub(crate) id: u64,
    procs: CString,
}

impl TestCgroup {
    pub(crate) fn new_in(mount_point: &Path, label: &str) -> TestCgroup {
        let name = format!(
            "warden-enforce-{label}-{}-{}",
            std::process::id(),
            CGROUP_SERIAL.fetch_add(1, Ordering::Relaxed)
        );
        let dir = mount_point.join(&name);
        std::fs::create_dir(&dir).unwrap();
        let procs = CString::new(dir.join("cgroup.procs").as_os_str().as_bytes()).unwrap();
        TestCgroup {
            path: format!("/{name}"),
            id: warden_enforce::cgroup_id(&dir).unwrap(),
            dir,
            procs,
        }
    }

    pub(crate) fn new_v2(label: &str) -> TestCgroup {
        let root = warden_enforce::v2_mount()
            .unwrap()
            .expect("a cgroup v2 hierarchy is mounted");
        TestCgroup::new_in(&root, label)
    }

    /// `cgroup.procs`, for a child to move itself in with [`join_cgroup`].
    pub(crate) fn procs(&self) -> &CString {
        &self.procs
    }

    pub(crate) fn pids(&self) -> Vec<u32> {
        std::fs::read_to_string(self.dir.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.parse().ok())
            .collect()
    }

    pub(crate) fn wait_for_pids(&self, count: usize) {
        let started = Instant::now();
        while self.pids().len() < count {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{} has {:?}, expected {count} processes",
                self.path,
                self.pids()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        for _ in 0..500 {
            for pid in self.pids() {
                // SAFETY: kill(2); leftovers of a failed test only.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The v1 hierarchy a controller is bound to.
pub(crate) fn v1_hierarchy(controller: &str) -> Hierarchy {
    warden_enforce::hierarchies()
        .unwrap()
        .into_iter()
        .find(|h| matches!(&h.version, CgroupVersion::V1 { controllers } if controllers.iter().any(|c| c == controller)))
        .unwrap_or_else(|| panic!("no cgroup v1 hierarchy with {controller} is mounted"))
}

/// Moves the calling process into a cgroup (async-signal-safe: for forked children).
pub(crate) fn join_cgroup(procs: &CString) -> bool {
    // SAFETY: open/write/close on a NUL-terminated path and a static buffer.
    unsafe {
        let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return false;
        }
        let ok = libc::write(fd, b"0".as_ptr().cast(), 1) == 1;
        libc::close(fd);
        ok
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    Exited(i32),
    Killed(i32),
}

/// Forks; the child joins `cgroup` (if any), runs `body` and exits with its return
/// value. `body` runs in a forked copy of a threaded process: raw syscalls only, no
/// allocation, no locks.
pub(crate) fn in_child(cgroup: Option<&CString>, body: impl FnOnce() -> i32) -> Ended {
    // SAFETY: the child only makes async-signal-safe calls (see above) and _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = match cgroup {
            Some(procs) if !join_cgroup(procs) => 200,
            _ => body(),
        };
        // SAFETY: ends the forked child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    wait(pid)
}

pub(crate) fn wait(pid: i32) -> Ended {
    let mut status = 0;
    // SAFETY: waitpid on our own child with a valid status pointer.
    let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(rc, pid, "waitpid: {}", std::io::Error::last_os_error());
    if libc::WIFSIGNALED(status) {
        Ended::Killed(libc::WTERMSIG(status))
    } else {
        Ended::Exited(libc::WEXITSTATUS(status))
    }
}

/// errno after a failed call, for a child's exit code (0 when the call succeeded).
pub(crate) fn errno_of(rc: libc::c_long) -> i32 {
    if rc >= 0 {
        0
    } else {
        // SAFETY: reading this thread's errno.
        unsafe { *libc::__errno_location() }
    }
}

pub(crate) fn cstring(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

/// An overlay mount (the layout of a container's root) with its layers on `tmpfs`:
/// `lower/`, `upper/`, `work/`, mounted at `merged/`. Unmounted on drop.
pub(crate) struct Overlay {
    pub(crate) lower: PathBuf,
    pub(crate) upper: PathBuf,
    pub(crate) merged: PathBuf,
}

impl Overlay {
    /// `lower_files`: (program to copy, name in the lower layer).
    pub(crate) fn new(tmpfs: &Tmpfs, lower_files: &[(&str, &str)]) -> Overlay {
        let root = tmpfs.path();
        let [lower, upper, work, merged] =
            ["lower", "upper", "work", "merged"].map(|name| root.join(name));
        for dir in [&lower, &upper, &work, &merged] {
            std::fs::create_dir(dir).unwrap();
        }
        for (from, name) in lower_files {
            std::fs::copy(from, lower.join(name)).unwrap();
        }
        let options = format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            upper.display(),
            work.display()
        );
        nix::mount::mount(
            Some("overlay"),
            &merged,
            Some("overlay"),
            nix::mount::MsFlags::empty(),
            Some(options.as_str()),
        )
        .expect("mounting an overlay for the test (needs root)");
        Overlay {
            lower,
            upper,
            merged,
        }
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.merged, nix::mount::MntFlags::MNT_DETACH);
    }
}

/// The errno of `open(path, flags)` in a forked child (0 if it opened).
pub(crate) fn child_open(path: &Path, flags: i32) -> Ended {
    let path = cstring(path);
    in_child(None, || {
        // SAFETY: open/close with a NUL-terminated path.
        let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
        let errno = errno_of(fd.into());
        if fd >= 0 {
            // SAFETY: our descriptor.
            unsafe { libc::close(fd) };
        }
        errno
    })
}
