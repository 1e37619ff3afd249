//! The fanotify permission guard on the real kernel (root). Every mark is on a tmpfs
//! mounted for the test, so nothing else on the machine waits for these deciders.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Ended, Overlay, Tmpfs, child_open, cstring, errno_of, in_child};
use warden_enforce::{
    Access, FailureCause, FailurePolicy, GuardConfig, Mark, MarkScope, PermissionGuard, Request,
    Verdict,
};

/// A deadline no loaded CI machine overruns: only the deadline test relies on timing.
fn patient() -> GuardConfig {
    GuardConfig {
        deadline: Duration::from_secs(20),
        ..GuardConfig::default()
    }
}

fn guard_on(
    tmpfs: &Tmpfs,
    config: GuardConfig,
    decider: impl warden_enforce::Decider,
) -> PermissionGuard {
    PermissionGuard::start(
        GuardConfig {
            marks: vec![Mark::filesystem(tmpfs.path())],
            ..config
        },
        decider,
    )
    .expect("starting the guard (root, CONFIG_FANOTIFY_ACCESS_PERMISSIONS)")
}

fn deny_named(name: &'static str) -> impl Fn(&Request) -> Result<Verdict, String> {
    move |request: &Request| {
        Ok(if request.path.file_name().is_some_and(|n| n == name) {
            Verdict::Deny
        } else {
            Verdict::Allow
        })
    }
}

/// Runs `program marker`; the marker exists afterwards only if the program ran.
fn run_touch(program: &Path, marker: &Path) -> std::io::Result<std::process::ExitStatus> {
    Command::new(program).arg(marker).status()
}

#[test]
fn a_denied_exec_fails_with_eperm_and_never_runs_while_others_do() {
    let tmpfs = Tmpfs::new();
    let denied = tmpfs.install("/usr/bin/touch", "denied-touch");
    let allowed = tmpfs.install("/usr/bin/touch", "allowed-touch");
    let script = tmpfs.path().join("denied-script");
    let markers = tempfile::tempdir().unwrap();
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch {}/script-ran\n", markers.path().display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
    let record = Arc::clone(&seen);
    let deny = deny_named("denied-touch");
    let guard = guard_on(&tmpfs, patient(), move |request: &Request| {
        record.lock().unwrap().push(request.clone());
        if request
            .path
            .file_name()
            .is_some_and(|n| n == "denied-script")
        {
            return Ok(Verdict::Deny);
        }
        deny(request)
    });

    let denied_marker = markers.path().join("denied-ran");
    let err = run_touch(&denied, &denied_marker).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
    assert!(!denied_marker.exists(), "the denied binary ran");

    let err = Command::new(&script).status().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
    assert!(!markers.path().join("script-ran").exists());

    let marker = markers.path().join("allowed-ran");
    assert!(run_touch(&allowed, &marker).unwrap().success());
    assert!(marker.exists());

    let counters = guard.stop();
    assert_eq!(counters.denied, 2, "{counters:?}");
    assert!(counters.allowed >= 1, "{counters:?}");
    assert_eq!(
        counters.failed_open + counters.failed_closed,
        0,
        "{counters:?}"
    );

    let seen = seen.lock().unwrap();
    let exec = seen
        .iter()
        .find(|r| r.path == denied)
        .expect("the decider saw the denied exec");
    assert_eq!(exec.access, Access::Exec);
    assert_eq!(
        exec.exec_filename.as_deref(),
        Some(denied.to_str().unwrap())
    );
    assert_eq!(
        exec.exec_args,
        Some(vec![
            denied.display().to_string(),
            denied_marker.display().to_string()
        ])
    );
    assert_eq!(exec.file, warden_enforce_file(&denied));
    assert_eq!(exec.process.uid, 0);
    assert!(
        exec.process.proc_cgroup.contains("0::"),
        "{:?}",
        exec.process
    );
    assert_ne!(exec.process.pid, std::process::id());
}

fn warden_enforce_file(path: &Path) -> warden_enforce::FileId {
    warden_enforce::FileId::of(path).unwrap()
}

/// The errno of `openat2(path, flags)` in a forked child.
fn child_openat2(path: &Path, flags: u64) -> Ended {
    let path = cstring(path);
    // struct open_how { u64 flags; u64 mode; u64 resolve; }
    let how: [u64; 3] = [flags | libc::O_CLOEXEC as u64, 0, 0];
    in_child(None, || {
        // SAFETY: openat2 with a valid path and open_how of the size passed.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                libc::AT_FDCWD,
                path.as_ptr(),
                &raw const how,
                size_of::<[u64; 3]>(),
            )
        };
        let errno = errno_of(fd);
        if fd >= 0 {
            // SAFETY: our descriptor.
            unsafe { libc::close(fd as i32) };
        }
        errno
    })
}

#[test]
fn writes_to_a_protected_file_fail_with_eperm_and_reads_work() {
    let tmpfs = Tmpfs::new();
    let protected = tmpfs.path().join("protected.conf");
    std::fs::write(&protected, "original\n").unwrap();
    let guard = PermissionGuard::start(
        GuardConfig {
            marks: vec![Mark::opens_of_file(&protected)],
            ..patient()
        },
        |request: &Request| {
            Ok(match request.access {
                Access::Write | Access::Unknown => Verdict::Deny,
                Access::Read | Access::Exec => Verdict::Allow,
            })
        },
    )
    .unwrap();

    let eperm = Ended::Exited(libc::EPERM);
    assert_eq!(child_open(&protected, libc::O_WRONLY), eperm);
    assert_eq!(child_open(&protected, libc::O_RDWR | libc::O_APPEND), eperm);
    assert_eq!(
        child_open(&protected, libc::O_RDONLY | libc::O_TRUNC),
        eperm
    );
    assert_eq!(child_openat2(&protected, libc::O_WRONLY as u64), eperm);
    assert_eq!(child_open(&protected, libc::O_RDONLY), Ended::Exited(0));
    assert_eq!(
        child_openat2(&protected, libc::O_RDONLY as u64),
        Ended::Exited(0)
    );
    assert_eq!(std::fs::read_to_string(&protected).unwrap(), "original\n");
    // The guard's own process writes freely.
    std::fs::write(&protected, "agent\n").unwrap();
    assert_eq!(std::fs::read_to_string(&protected).unwrap(), "agent\n");

    let counters = guard.stop();
    assert_eq!(counters.denied, 4, "{counters:?}");
    // Read-only opens pass without the decider; the agent's own opens are exempt.
    assert_eq!(counters.passed, 2, "{counters:?}");
    assert_eq!(counters.requests, 4, "{counters:?}");
    assert!(counters.exempted >= 3, "{counters:?}");
}

#[test]
fn a_failing_decider_gets_the_failure_policy_counted_and_reported() {
    let tmpfs = Tmpfs::new();
    let program = tmpfs.install("/usr/bin/true", "guarded-true");

    let patient = patient();
    // An error, fail open: the exec runs.
    let guard = guard_on(&tmpfs, patient.clone(), |_: &Request| {
        Err("rules not loaded".to_owned())
    });
    assert!(Command::new(&program).status().unwrap().success());
    let counters = guard.counters();
    assert_eq!(
        (counters.failed_open, counters.decider_errors),
        (1, 1),
        "{counters:?}"
    );
    let (failures, dropped) = guard.take_failures();
    assert_eq!(dropped, 0);
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0].cause,
        FailureCause::DeciderError("rules not loaded".into())
    );
    assert_eq!(failures[0].answered, Some(Verdict::Allow));
    assert_eq!(failures[0].path, program);
    drop(guard);

    // A panic, fail closed: the exec is denied.
    let guard = guard_on(
        &tmpfs,
        GuardConfig {
            failure_policy: FailurePolicy::Deny,
            ..patient
        },
        |_: &Request| -> Result<Verdict, String> { panic!("decider bug") },
    );
    let err = Command::new(&program).status().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPERM));
    let counters = guard.counters();
    assert_eq!(
        (counters.failed_closed, counters.decider_panics),
        (1, 1),
        "{counters:?}"
    );
    assert_eq!(
        guard.take_failures().0[0].cause,
        FailureCause::DeciderPanic("decider bug".into())
    );
    drop(guard);

    // Too slow: the deadline answers (fail open) long before the decider returns.
    let guard = guard_on(
        &tmpfs,
        GuardConfig {
            deadline: Duration::from_millis(50),
            ..GuardConfig::default()
        },
        |_: &Request| {
            std::thread::sleep(Duration::from_secs(6));
            Ok(Verdict::Deny)
        },
    );
    let started = Instant::now();
    assert!(Command::new(&program).status().unwrap().success());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let counters = guard.counters();
    assert_eq!(
        (counters.failed_open, counters.deadline_overruns),
        (1, 1),
        "{counters:?}"
    );
    assert_eq!(
        guard.take_failures().0[0].cause,
        FailureCause::Deadline(Duration::from_millis(50))
    );
    // Stopping does not wait for the stuck decider.
    let started = Instant::now();
    drop(guard);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_guards_own_process_and_exempted_children_are_never_blocked() {
    let tmpfs = Tmpfs::new();
    let program = tmpfs.install("/usr/bin/true", "any-true");
    let file = tmpfs.path().join("data");
    std::fs::write(&file, "x").unwrap();
    let guard = guard_on(
        &tmpfs,
        GuardConfig {
            decide_reads: true,
            ..patient()
        },
        |_: &Request| Ok(Verdict::Deny),
    );
    // Everything is denied for others...
    let err = Command::new(&program).status().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPERM));
    assert_eq!(
        child_open(&file, libc::O_RDONLY),
        Ended::Exited(libc::EPERM)
    );
    // ...but the guard's process opens, writes and reads, from any thread.
    std::fs::write(&file, "agent").unwrap();
    let reader = std::thread::spawn({
        let file = file.clone();
        move || std::fs::read_to_string(file).unwrap()
    });
    assert_eq!(reader.join().unwrap(), "agent");

    // A child the agent exempts before it execs runs.
    let (ready_read, ready_write) = nix::unistd::pipe().unwrap();
    let program_c = cstring(&program);
    // SAFETY: the child only reads a pipe and execs (async-signal-safe).
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let mut byte = 0u8;
        // SAFETY: raw syscalls in the forked child.
        unsafe {
            libc::read(
                std::os::fd::AsRawFd::as_raw_fd(&ready_read),
                (&raw mut byte).cast(),
                1,
            );
            let argv = [program_c.as_ptr(), std::ptr::null()];
            libc::execv(program_c.as_ptr(), argv.as_ptr());
            libc::_exit(*libc::__errno_location());
        }
    }
    drop(ready_read);
    guard.exempt(pid as u32);
    nix::unistd::write(&ready_write, b"x").unwrap();
    assert_eq!(common::wait(pid), Ended::Exited(0));
    guard.unexempt(pid as u32);

    let counters = guard.stop();
    assert!(counters.exempted >= 4, "{counters:?}");
    assert_eq!(counters.denied, 2, "{counters:?}");
}

#[test]
fn overlay_execs_reach_the_decider_as_their_real_file() {
    let tmpfs = Tmpfs::new();
    let overlay = Overlay::new(&tmpfs, &[("/usr/bin/true", "image-true")]);
    let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
    let record = Arc::clone(&seen);
    // The mark is on the filesystem holding the layers, as on a container host.
    let guard = guard_on(&tmpfs, patient(), move |request: &Request| {
        record.lock().unwrap().push(request.clone());
        Ok(if request.path.ends_with("image-true") {
            Verdict::Deny
        } else {
            Verdict::Allow
        })
    });
    let err = Command::new(overlay.merged.join("image-true"))
        .status()
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPERM));
    drop(guard);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    // fanotify names the layer's file, by its path inside the layer (the kernel's
    // private mount of the layer is rooted there): for a container image layer, the
    // path the container sees. Its identity is the one to list for the backstop too.
    assert_eq!(seen[0].path, Path::new("/image-true"));
    assert_eq!(
        seen[0].file,
        warden_enforce_file(&overlay.lower.join("image-true"))
    );
    assert_eq!(
        seen[0].exec_filename.as_deref(),
        Some(overlay.merged.join("image-true").to_str().unwrap())
    );
}

#[test]
fn marks_that_cannot_be_placed_fail_the_start() {
    let missing = PathBuf::from("/nonexistent/warden-enforce-test");
    let err = PermissionGuard::start(
        GuardConfig {
            marks: vec![Mark {
                path: missing,
                scope: MarkScope::Filesystem,
                exec: true,
                open: false,
            }],
            ..GuardConfig::default()
        },
        |_: &Request| Ok(Verdict::Allow),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("marking /nonexistent/warden-enforce-test"),
        "{err}"
    );
    assert!(err.contains("No such file or directory"), "{err}");
}
