//! What the agent states at start, and its self-protection, on the real kernel (root).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Ended, Tmpfs, child_open};
use warden_enforce::{
    CapabilityReport, GuardConfig, KernelEnforcer, LsmStatus, Operation, PermissionGuard, Request,
    SelfProtection, Verdict, probe_fanotify,
};

#[test]
fn the_report_names_this_kernels_paths() {
    let kernel = KernelEnforcer::load();
    let fanotify = probe_fanotify();
    let report = CapabilityReport::new(kernel.as_ref(), fanotify.as_ref().map(|_| ()));
    // The project's kernel: BPF LSM refused at load with EPERM, everything else works.
    assert_eq!(
        report.to_string(),
        "exec deny: fanotify; exec kill backstop: bpf_send_signal; file write deny: fanotify; \
network deny: cgroup connect4/6 sendmsg4/6 bind4/6; BPF LSM: refused (EPERM); kill-container: cgroup.kill"
    );
    assert!(report.missing().is_empty(), "{:?}", report.missing());
    // What the agent marks for exec control: the root filesystem, never /proc.
    let filesystems = warden_enforce::exec_filesystems().unwrap();
    assert!(
        filesystems.contains(&std::path::PathBuf::from("/")),
        "{filesystems:?}"
    );
    assert!(
        !filesystems.contains(&std::path::PathBuf::from("/proc")),
        "{filesystems:?}"
    );
    assert_eq!(
        report.path_for(Operation::DenyExec).unwrap(),
        "fanotify FAN_OPEN_EXEC_PERM"
    );
    let mut kernel = kernel.unwrap();
    assert!(matches!(
        kernel.paths().lsm,
        LsmStatus::Refused {
            errno: Some(libc::EPERM),
            ..
        }
    ));
    // Asking for an LSM-only path says why it is missing rather than doing nothing.
    let file = warden_enforce::FileId::of(std::path::Path::new("/etc/hostname")).unwrap();
    let err = kernel
        .protect_file(file, warden_enforce::FileProtection::Writes)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("BPF LSM file_open is not available here:"),
        "{err}"
    );
    assert!(err.contains("Operation not permitted"), "{err}");
}

#[test]
fn the_agents_files_refuse_writes_by_anyone_else() {
    let tmpfs = Tmpfs::new();
    let config = tmpfs.path().join("warden.yaml");
    std::fs::write(&config, "rules: []\n").unwrap();
    let protection = SelfProtection::new(std::slice::from_ref(&config)).unwrap();
    assert_eq!(
        protection.files().count(),
        2,
        "the executable and the config"
    );
    let decider_view = protection.clone();
    let guard = PermissionGuard::start(
        GuardConfig {
            marks: protection.marks(),
            deadline: Duration::from_secs(20),
            ..GuardConfig::default()
        },
        move |request: &Request| {
            Ok(if decider_view.denies(request) {
                Verdict::Deny
            } else {
                Verdict::Allow
            })
        },
    )
    .unwrap();

    assert_eq!(
        child_open(&config, libc::O_WRONLY | libc::O_TRUNC),
        Ended::Exited(libc::EPERM)
    );
    assert_eq!(child_open(&config, libc::O_RDONLY), Ended::Exited(0));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "rules: []\n");
    std::fs::write(&config, "rules: [x]\n").expect("the agent writes its own files");
    assert_eq!(guard.stop().denied, 1);
}
