//! Shared helpers: unique names, and guards that undo system changes even when a test fails.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// `useradd`/`groupadd` give up when another one holds `/etc/passwd`'s lock, and nextest
/// runs each test in its own process: tests that change accounts hold this file lock,
/// which serialises them across processes.
pub(crate) fn lock_accounts() -> std::fs::File {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("warden-tests-accounts.lock"))
        .expect("open the accounts lock file");
    file.lock().expect("lock the accounts lock file");
    file
}

/// A name no other test (or test run) uses: `<prefix><pid><counter>`.
pub(crate) fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs a command that must succeed; returns its stdout.
pub(crate) fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("{program}: {err}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Removes a group created by the test when dropped.
pub(crate) struct GroupGuard(pub(crate) String);

impl GroupGuard {
    pub(crate) fn create(name: &str) -> Self {
        run("groupadd", &[name]);
        Self(name.to_string())
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        let _ = Command::new("groupdel").arg(&self.0).status();
    }
}

/// Removes a user created by the test when dropped.
pub(crate) struct UserGuard(pub(crate) String);

impl UserGuard {
    pub(crate) fn create(name: &str, args: &[&str]) -> Self {
        let mut all = args.to_vec();
        all.push(name);
        run("useradd", &all);
        Self(name.to_string())
    }
}

impl Drop for UserGuard {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.0).status();
    }
}

/// Unmounts a mount made by the test when dropped.
pub(crate) struct MountGuard(pub(crate) std::path::PathBuf);

impl Drop for MountGuard {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Kills a child process when dropped.
pub(crate) struct ChildGuard(pub(crate) std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
