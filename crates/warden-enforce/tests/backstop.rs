//! The exec backstop on the real kernel (root): SIGKILL at `sched_process_exec` for a
//! deny-listed file and for fileless executables, before the new image runs. The
//! deny-listed file is a private copy; the fileless policy is scoped to a cgroup made
//! for the test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::ffi::CString;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Ended, Overlay, TestCgroup, Tmpfs, cstring, in_child};
use warden_enforce::{
    FileId, FileReason, FilelessPolicy, KernelAction, KernelEnforcer, KernelEvent,
};

fn load() -> KernelEnforcer {
    let kernel = KernelEnforcer::load().expect("the enforcement BPF object loads (root, BTF)");
    kernel
        .paths()
        .exec_backstop
        .clone()
        .expect("the exec backstop attaches");
    kernel
}

fn kills(kernel: &mut KernelEnforcer, count: usize) -> Vec<KernelEvent> {
    let mut events = Vec::new();
    let started = Instant::now();
    while events.len() < count && started.elapsed() < Duration::from_secs(5) {
        kernel.poll_events(Duration::from_millis(50), |e| events.push(e));
    }
    events
}

#[test]
fn a_deny_listed_file_is_killed_before_it_runs() {
    let mut kernel = load();
    let dir = tempfile::tempdir().unwrap();
    let listed = dir.path().join("listed-touch");
    let unlisted = dir.path().join("unlisted-touch");
    std::fs::copy("/usr/bin/touch", &listed).unwrap();
    std::fs::copy("/usr/bin/touch", &unlisted).unwrap();
    kernel.deny_exec(FileId::of(&listed).unwrap(), 42).unwrap();

    let marker = dir.path().join("listed-ran");
    let status = Command::new(&listed).arg(&marker).status().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
    assert!(!marker.exists(), "the listed binary ran");

    let other = dir.path().join("unlisted-ran");
    assert!(
        Command::new(&unlisted)
            .arg(&other)
            .status()
            .unwrap()
            .success()
    );
    assert!(other.exists());

    let events = kills(&mut kernel, 1);
    assert_eq!(events.len(), 1, "{events:?}");
    let KernelAction::ExecKilled(action) = &events[0].action else {
        panic!("{events:?}");
    };
    assert_eq!(action.reason, FileReason::DenyList);
    assert_eq!(action.file, FileId::of(&listed).unwrap());
    assert_eq!(action.rule_id, 42);
    assert_eq!(action.filename, listed.display().to_string());
    assert_ne!(events[0].pid, std::process::id());
    assert_eq!(kernel.counters().exec_killed, 1);

    kernel.allow_exec(FileId::of(&listed).unwrap()).unwrap();
    assert!(
        Command::new(&listed)
            .arg(&marker)
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn an_overlay_exec_is_killed_by_its_real_files_identity() {
    let mut kernel = load();
    let tmpfs = Tmpfs::new();
    let overlay = Overlay::new(&tmpfs, &[("/usr/bin/touch", "lower-touch")]);
    let markers = tempfile::tempdir().unwrap();

    // What the container sees is the overlay file; the host lists the layer's file.
    let seen = FileId::of(&overlay.merged.join("lower-touch")).unwrap();
    let real = FileId::of(&overlay.lower.join("lower-touch")).unwrap();
    assert_ne!(seen, real);
    kernel.deny_exec(real, 44).unwrap();
    let marker = markers.path().join("lower-ran");
    let status = Command::new(overlay.merged.join("lower-touch"))
        .arg(&marker)
        .status()
        .unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
    assert!(!marker.exists());

    // A file written in the container lives in the upper layer.
    std::fs::copy("/usr/bin/touch", overlay.merged.join("dropped-touch")).unwrap();
    let upper = FileId::of(&overlay.upper.join("dropped-touch")).unwrap();
    kernel.deny_exec(upper, 45).unwrap();
    let status = Command::new(overlay.merged.join("dropped-touch"))
        .arg(&marker)
        .status()
        .unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
    assert!(!marker.exists());

    let events = kills(&mut kernel, 2);
    let hits: Vec<_> = events
        .iter()
        .map(|e| match &e.action {
            KernelAction::ExecKilled(action) => (action.reason, action.file, action.rule_id),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        hits,
        vec![
            (FileReason::DenyListRealFile, real, 44),
            (FileReason::DenyListRealFile, upper, 45)
        ]
    );
}

/// execveat(fd, "", argv, envp, AT_EMPTY_PATH) in a forked child: raw syscalls only.
fn exec_fd(fd: i32, argv: &[*const libc::c_char]) -> i32 {
    let empty = c"";
    let envp: [*const libc::c_char; 1] = [std::ptr::null()];
    // SAFETY: NUL-terminated argv/envp arrays of valid C strings.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd,
            empty.as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    common::errno_of(rc)
}

/// Runs `touch marker` from a memfd holding touch's bytes, in `cgroup` if given.
fn memfd_touch(cgroup: Option<&CString>, program: &[u8], marker: &Path) -> Ended {
    let marker = cstring(marker);
    let arg0 = c"touch";
    in_child(cgroup, || {
        let argv = [arg0.as_ptr(), marker.as_ptr(), std::ptr::null()];
        // SAFETY: raw syscalls on a memfd we create.
        unsafe {
            let fd = libc::memfd_create(c"payload".as_ptr(), 0);
            if fd < 0 {
                return 101;
            }
            let mut written = 0;
            while written < program.len() {
                let n = libc::write(
                    fd,
                    program[written..].as_ptr().cast(),
                    program.len() - written,
                );
                if n <= 0 {
                    return 102;
                }
                written += n as usize;
            }
            exec_fd(fd, &argv)
        }
    })
}

/// Runs a copy of touch through a descriptor after unlinking its file.
fn deleted_touch(cgroup: Option<&CString>, copy: &Path, marker: &Path) -> Ended {
    let copy = cstring(copy);
    let marker = cstring(marker);
    let arg0 = c"touch";
    in_child(cgroup, || {
        let argv = [arg0.as_ptr(), marker.as_ptr(), std::ptr::null()];
        // SAFETY: raw syscalls with NUL-terminated paths.
        unsafe {
            let fd = libc::open(copy.as_ptr(), libc::O_RDONLY);
            if fd < 0 || libc::unlink(copy.as_ptr()) != 0 {
                return 103;
            }
            exec_fd(fd, &argv)
        }
    })
}

#[test]
fn fileless_execs_are_killed_in_the_policys_cgroups_only() {
    let mut kernel = load();
    let cgroup = TestCgroup::new_v2("fileless");
    kernel.add_to_cgroup_set(7, cgroup.id).unwrap();
    kernel
        .set_fileless_policy(FilelessPolicy {
            memfd: true,
            deleted: true,
            cgroup_set: Some(7),
        })
        .unwrap();
    let program = std::fs::read("/usr/bin/touch").unwrap();
    let dir = tempfile::tempdir().unwrap();

    let marker = dir.path().join("memfd-ran");
    assert_eq!(
        memfd_touch(Some(cgroup.procs()), &program, &marker),
        Ended::Killed(libc::SIGKILL)
    );
    assert!(!marker.exists(), "the memfd program ran");

    let copy = dir.path().join("doomed-touch");
    std::fs::copy("/usr/bin/touch", &copy).unwrap();
    let deleted_marker = dir.path().join("deleted-ran");
    assert_eq!(
        deleted_touch(Some(cgroup.procs()), &copy, &deleted_marker),
        Ended::Killed(libc::SIGKILL)
    );
    assert!(!deleted_marker.exists(), "the deleted program ran");

    // Outside the policy's cgroups the same memfd exec runs.
    assert_eq!(memfd_touch(None, &program, &marker), Ended::Exited(0));
    assert!(marker.exists());

    let events = kills(&mut kernel, 2);
    let reasons: Vec<_> = events
        .iter()
        .map(|e| match &e.action {
            KernelAction::ExecKilled(action) => (action.reason, e.cgroup_id),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            (FileReason::Memfd, cgroup.id),
            (FileReason::Deleted, cgroup.id)
        ]
    );

    // Switched off, nothing is killed.
    kernel
        .set_fileless_policy(FilelessPolicy::default())
        .unwrap();
    std::fs::remove_file(&marker).unwrap();
    assert_eq!(
        memfd_touch(Some(cgroup.procs()), &program, &marker),
        Ended::Exited(0)
    );
    assert!(marker.exists());
}
