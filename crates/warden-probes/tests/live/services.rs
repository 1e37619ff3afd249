//! service: this machine's init, and fixture roots for each manager goss knows.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use warden_probes::{ServiceManager, System};

use super::packages::FakeRunner;

fn write(root: &Path, path: &str, contents: &str) {
    let full = root.join(path);
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(&full, contents).unwrap();
}

/// A Debian-like sysv tree: `foo` starts in runlevels 2 and 3, `bar` only in rcS.
fn sysv_tree(root: &Path) {
    write(root, "etc/debian_version", "12.11\n");
    write(root, "etc/init.d/foo", "#!/bin/sh\n");
    fs::set_permissions(
        root.join("etc/init.d/foo"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    write(root, "etc/init.d/bar", "#!/bin/sh\n");
    for dir in ["etc/rc2.d", "etc/rc3.d", "etc/rcS.d", "etc/rc0.d"] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    symlink("../init.d/foo", root.join("etc/rc2.d/S01foo")).unwrap();
    symlink("../init.d/foo", root.join("etc/rc3.d/S02foo")).unwrap();
    symlink("../init.d/foo", root.join("etc/rc0.d/K01foo")).unwrap();
    symlink("../init.d/bar", root.join("etc/rcS.d/S01bar")).unwrap();
}

#[tokio::test]
async fn this_machine_uses_systemd_only_when_it_is_running() {
    let system = System::new();
    let systemd_booted = Path::new("/run/systemd/system").is_dir();
    let expected = if systemd_booted {
        ServiceManager::Systemd
    } else {
        ServiceManager::SysV
    };
    assert_eq!(system.service_manager(), expected);
    let ghost = system.service("warden-no-such-service");
    assert!(!ghost.enabled().await.unwrap());
    assert!(!ghost.running().await.unwrap());
    assert!(ghost.runlevels().await.unwrap().is_empty());
}

#[tokio::test]
async fn sysv_rules() {
    let root = tempfile::tempdir().unwrap();
    sysv_tree(root.path());
    let runner = FakeRunner::with(
        &["service"],
        &[
            ("service foo status", 0, "running\n"),
            ("service bar status", 3, ""),
        ],
    );
    let system = System::builder()
        .root(root.path())
        .helpers(runner.clone())
        .build();
    assert_eq!(system.service_manager(), ServiceManager::SysV);

    let foo = system.service("foo");
    assert!(foo.exists().await.unwrap());
    assert!(foo.enabled().await.unwrap());
    assert!(foo.running().await.unwrap());
    assert_eq!(foo.runlevels().await.unwrap(), ["2", "3"]);

    // rcS.d matches the glob but is not a numbered runlevel, so not enabled.
    let bar = system.service("bar");
    assert!(!bar.enabled().await.unwrap());
    assert!(!bar.running().await.unwrap());
    assert!(bar.runlevels().await.unwrap().is_empty());

    let slashed = system.service("init.d/foo");
    assert!(!slashed.enabled().await.unwrap());
    assert!(!slashed.running().await.unwrap());
    assert!(!slashed.exists().await.unwrap());
    assert_eq!(
        runner.calls.lock().unwrap().as_slice(),
        ["service foo status", "service bar status"]
    );
}

#[tokio::test]
async fn sysv_running_errors_when_service_cannot_start() {
    let root = tempfile::tempdir().unwrap();
    sysv_tree(root.path());
    let system = System::builder()
        .root(root.path())
        .helpers(FakeRunner::with(&[], &[]))
        .build();
    assert_eq!(
        system
            .service("foo")
            .running()
            .await
            .unwrap_err()
            .to_string(),
        "exec: \"service\": executable file not found in $PATH"
    );
}

#[tokio::test]
async fn systemd_and_legacy_fallback() {
    let root = tempfile::tempdir().unwrap();
    sysv_tree(root.path());
    fs::create_dir_all(root.path().join("run/systemd/system")).unwrap();
    let responses = [
        ("systemctl -q is-enabled unit", 0, ""),
        ("systemctl -q is-active unit", 3, ""),
        ("systemctl -q is-enabled foo", 1, ""),
        ("systemctl -q is-active foo", 3, ""),
        (
            "systemctl -q list-unit-files --type=service",
            0,
            "unit.service enabled\n",
        ),
        ("service foo status", 0, ""),
    ];
    let system = System::builder()
        .root(root.path())
        .helpers(FakeRunner::with(&["systemctl", "service"], &responses))
        .build();
    assert_eq!(system.service_manager(), ServiceManager::Systemd);
    let unit = system.service("unit");
    assert!(unit.enabled().await.unwrap());
    assert!(!unit.running().await.unwrap());
    assert!(unit.exists().await.unwrap());
    assert!(unit.runlevels().await.unwrap().is_empty());
    assert!(!system.service("foo").enabled().await.unwrap());

    // Debian 8: sysv answers whatever systemd denies.
    write(root.path(), "etc/debian_version", "8.11\n");
    let legacy = System::builder()
        .root(root.path())
        .helpers(FakeRunner::with(&["systemctl", "service"], &responses))
        .build();
    assert_eq!(legacy.service_manager(), ServiceManager::SystemdLegacy);
    let foo = legacy.service("foo");
    assert!(foo.enabled().await.unwrap());
    assert!(foo.running().await.unwrap());
    assert!(foo.exists().await.unwrap());
}

#[tokio::test]
async fn systemctl_without_a_running_systemd_falls_back_to_sysv() {
    let root = tempfile::tempdir().unwrap();
    sysv_tree(root.path());
    let system = System::builder()
        .root(root.path())
        .helpers(FakeRunner::with(&["systemctl"], &[]))
        .build();
    assert_eq!(system.service_manager(), ServiceManager::SysV);
}

#[tokio::test]
async fn openrc_runlevels_are_directory_names() {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "etc/alpine-release", "3.20.0\n");
    write(root.path(), "etc/init.d/sshd", "#!/sbin/openrc-run\n");
    for level in ["default", "boot"] {
        fs::create_dir_all(root.path().join("etc/runlevels").join(level)).unwrap();
        symlink(
            "/etc/init.d/sshd",
            root.path().join("etc/runlevels").join(level).join("sshd"),
        )
        .unwrap();
    }
    let runner = FakeRunner::with(&["service"], &[("service sshd status", 0, "")]);
    let system = System::builder().root(root.path()).helpers(runner).build();
    assert_eq!(system.service_manager(), ServiceManager::OpenRc);
    let sshd = system.service("sshd");
    assert!(sshd.enabled().await.unwrap());
    assert!(sshd.running().await.unwrap());
    assert_eq!(sshd.runlevels().await.unwrap(), ["boot", "default"]);
    assert!(!system.service("cron").enabled().await.unwrap());
}

#[tokio::test]
async fn upstart_overrides_and_start_stanzas() {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "etc/lsb-release", "DISTRIB_ID=Ubuntu\n");
    write(
        root.path(),
        "etc/init/web.conf",
        "description \"web\"\n  start on runlevel [2345]\n",
    );
    write(
        root.path(),
        "etc/init/off.conf",
        "start on runlevel [2345]\n",
    );
    write(root.path(), "etc/init/off.override", "manual\n");
    let runner = FakeRunner::with(
        &["service"],
        &[
            ("service web status", 0, "web start/running, process 42\n"),
            ("service off status", 0, "off stop/waiting\n"),
        ],
    );
    let system = System::builder().root(root.path()).helpers(runner).build();
    assert_eq!(system.service_manager(), ServiceManager::Upstart);
    let web = system.service("web");
    assert!(web.exists().await.unwrap());
    assert!(web.enabled().await.unwrap());
    assert!(web.running().await.unwrap());
    let off = system.service("off");
    assert!(!off.enabled().await.unwrap());
    // Exit 0 is not enough: upstart must say running or online.
    assert!(!off.running().await.unwrap());
}
