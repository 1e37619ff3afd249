//! `kill` and `kill-container` on the real kernel (root), on cgroups made for the test
//! in the v2 hierarchy and in a v1 one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command};
use std::time::Duration;

use common::{TestCgroup, join_cgroup, v1_hierarchy};
use warden_enforce::{
    CgroupKillMethod, Hierarchy, KillOutcome, ProcessIdentity, kill_cgroup, kill_cgroup_in,
    kill_process,
};

fn sleeper() -> Child {
    Command::new("sleep").arg("60").spawn().unwrap()
}

#[test]
fn kill_signals_the_identified_process_only() {
    let mut child = sleeper();
    let identity = ProcessIdentity::current(child.id()).unwrap();

    // The same pid with another start time is a different process: left alone.
    let other = ProcessIdentity {
        start_ticks: identity.start_ticks + 1,
        ..identity
    };
    assert_eq!(
        kill_process(other).unwrap(),
        KillOutcome::PidReused {
            start_ticks: identity.start_ticks
        }
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "killed despite the mismatch"
    );

    assert_eq!(kill_process(identity).unwrap(), KillOutcome::Killed);
    assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGKILL));
    assert_eq!(kill_process(identity).unwrap(), KillOutcome::AlreadyGone);
}

/// A shell in `cgroup` with two background children: three processes.
fn family_in(cgroup: &TestCgroup) -> Child {
    let procs = cgroup.procs().clone();
    let mut command = Command::new("sh");
    command.args(["-c", "sleep 60 & sleep 60 & wait"]);
    // SAFETY: the hook only makes raw syscalls (open/write/close).
    unsafe {
        command.pre_exec(move || {
            if join_cgroup(&procs) {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let child = command.spawn().unwrap();
    cgroup.wait_for_pids(3);
    child
}

fn v2_hierarchy() -> Hierarchy {
    Hierarchy {
        mount_point: warden_enforce::v2_mount().unwrap().unwrap(),
        version: warden_enforce::CgroupVersion::V2,
    }
}

#[test]
fn kill_container_empties_a_v2_cgroup_with_cgroup_kill() {
    let cgroup = TestCgroup::new_v2("kill-file");
    let mut shell = family_in(&cgroup);
    let outcome = kill_cgroup(&cgroup.path, Duration::from_secs(10)).unwrap();
    assert_eq!(outcome.method, CgroupKillMethod::KillFile);
    assert!(outcome.directories.contains(&cgroup.dir), "{outcome:?}");
    assert!(cgroup.pids().is_empty());
    assert_eq!(shell.wait().unwrap().signal(), Some(libc::SIGKILL));
}

#[test]
fn kill_container_signals_every_process_where_cgroup_kill_is_not_used() {
    let cgroup = TestCgroup::new_v2("signal-loop");
    let mut shell = family_in(&cgroup);
    let outcome = kill_cgroup_in(
        &[v2_hierarchy()],
        &cgroup.path,
        false,
        Duration::from_secs(10),
    )
    .unwrap();
    assert_eq!(outcome.method, CgroupKillMethod::SignalLoop);
    assert!(outcome.signalled >= 3, "{outcome:?}");
    assert!(cgroup.pids().is_empty());
    assert_eq!(shell.wait().unwrap().signal(), Some(libc::SIGKILL));
}

#[test]
fn kill_container_works_on_a_v1_hierarchy() {
    let pids = v1_hierarchy("pids");
    let cgroup = TestCgroup::new_in(&pids.mount_point, "v1");
    let mut shell = family_in(&cgroup);
    let outcome = kill_cgroup_in(&[pids], &cgroup.path, true, Duration::from_secs(10)).unwrap();
    assert_eq!(outcome.method, CgroupKillMethod::SignalLoop);
    assert!(outcome.signalled >= 3, "{outcome:?}");
    assert!(cgroup.pids().is_empty());
    assert_eq!(shell.wait().unwrap().signal(), Some(libc::SIGKILL));
}

#[test]
fn kill_container_refuses_the_agents_own_cgroup() {
    let cgroup = TestCgroup::new_v2("own");
    let child = TestCgroup::new_in(&cgroup.dir, "inner");
    // Move this test process below the target, then try to kill the target.
    std::fs::write(
        child.dir.join("cgroup.procs"),
        std::process::id().to_string(),
    )
    .unwrap();
    let err = kill_cgroup(&cgroup.path, Duration::from_secs(1));
    // Back to the root before asserting, so the cgroups can be removed.
    let root = warden_enforce::v2_mount().unwrap().unwrap();
    std::fs::write(root.join("cgroup.procs"), std::process::id().to_string()).unwrap();
    let err = err.unwrap_err().to_string();
    assert!(err.contains("the agent runs in it"), "{err}");
}
