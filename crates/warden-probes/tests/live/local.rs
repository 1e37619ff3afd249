//! file, user, group, port, process, kernel-param, mount, interface.

use std::fs;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::time::Duration;

use warden_probes::System;

use super::fixtures::{
    ChildGuard, GroupGuard, MountGuard, UserGuard, lock_accounts, run, unique_name,
};

const HELLO_MD5: &str = "b1946ac92492d2347c6235b4d2611184";
const HELLO_SHA256: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
const HELLO_SHA512: &str = "e7c22b994c59d9cf2b48e549b1e24666636045930d3da7c1acb299d1c3b7f931\
f94aae41edda2c2b207a36e10f8bcb8d45223e54878f5b316e7ce3b6bc019629";

#[test]
fn regular_file_metadata_contents_and_digests() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hello.txt");
    fs::write(&path, "hello\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let system = System::new();
    let file = system.file(path.to_str().unwrap());
    assert!(file.exists().unwrap());
    assert_eq!(file.mode().unwrap(), "0640");
    assert_eq!(file.size().unwrap(), 6);
    assert_eq!(file.filetype().unwrap(), "file");
    assert_eq!(file.owner().unwrap(), "root");
    assert_eq!(file.group().unwrap(), "root");
    assert_eq!((file.uid().unwrap(), file.gid().unwrap()), (0, 0));
    let mut contents = String::new();
    std::io::Read::read_to_string(&mut file.contents().unwrap(), &mut contents).unwrap();
    assert_eq!(contents, "hello\n");
    assert_eq!(file.md5().unwrap(), HELLO_MD5);
    assert_eq!(file.sha256().unwrap(), HELLO_SHA256);
    assert_eq!(file.sha512().unwrap(), HELLO_SHA512);
    assert_eq!(
        file.linked_to().unwrap_err().to_string(),
        format!("readlink {}: invalid argument", path.display())
    );
}

#[test]
fn special_modes_and_file_types() {
    let dir = tempfile::tempdir().unwrap();
    let setuid = dir.path().join("setuid");
    fs::write(&setuid, "#!/bin/sh\n").unwrap();
    fs::set_permissions(&setuid, fs::Permissions::from_mode(0o4755)).unwrap();
    let sticky = dir.path().join("sticky");
    fs::create_dir(&sticky).unwrap();
    fs::set_permissions(&sticky, fs::Permissions::from_mode(0o1777)).unwrap();
    let fifo = dir.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let socket = dir.path().join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let block = dir.path().join("block");
    nix::sys::stat::mknod(
        &block,
        nix::sys::stat::SFlag::S_IFBLK,
        nix::sys::stat::Mode::from_bits_truncate(0o600),
        nix::sys::stat::makedev(7, 200),
    )
    .unwrap();

    let system = System::new();
    let probe = |path: &std::path::Path| system.file(path.to_str().unwrap());
    assert_eq!(probe(&setuid).mode().unwrap(), "4755");
    assert_eq!(probe(&sticky).mode().unwrap(), "1777");
    assert_eq!(probe(&sticky).filetype().unwrap(), "directory");
    assert_eq!(probe(&fifo).filetype().unwrap(), "pipe");
    assert_eq!(probe(&socket).filetype().unwrap(), "socket");
    assert_eq!(probe(&block).filetype().unwrap(), "block-device");
    assert_eq!(
        system.file("/dev/null").filetype().unwrap(),
        "character-device"
    );
    assert_eq!(
        probe(&sticky).md5().unwrap_err().to_string(),
        format!("read {}: is a directory", sticky.display())
    );
}

#[test]
fn symlinks_are_not_followed_except_for_contents() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("target"), "hello\n").unwrap();
    let link = dir.path().join("link");
    symlink("target", &link).unwrap();
    let dangling = dir.path().join("dangling");
    symlink("missing", &dangling).unwrap();

    let system = System::new();
    let file = system.file(link.to_str().unwrap());
    assert_eq!(file.filetype().unwrap(), "symlink");
    assert_eq!(file.mode().unwrap(), "0777");
    assert_eq!(file.linked_to().unwrap(), "target");
    assert_eq!(file.sha256().unwrap(), HELLO_SHA256);
    // A trailing slash is cleaned away, as Go's filepath.Abs does, so the
    // link itself is still what is examined.
    let with_slash = format!("{}/", link.display());
    assert_eq!(system.file(&with_slash).filetype().unwrap(), "symlink");

    let dangling_probe = system.file(dangling.to_str().unwrap());
    assert!(dangling_probe.exists().unwrap());
    assert_eq!(dangling_probe.linked_to().unwrap(), "missing");
    assert_eq!(
        dangling_probe.contents().unwrap_err().to_string(),
        format!("open {}: no such file or directory", dangling.display())
    );
}

#[test]
fn missing_files_and_path_forms() {
    let system = System::new();
    let missing = system.file("/nonexistent/warden/probe");
    assert!(!missing.exists().unwrap());
    assert_eq!(
        missing.mode().unwrap_err().to_string(),
        "lstat /nonexistent/warden/probe: no such file or directory"
    );
    // ENOTDIR is not "does not exist" to Go, so it is reported.
    assert_eq!(
        system
            .file("/etc/passwd/x")
            .exists()
            .unwrap_err()
            .to_string(),
        "lstat /etc/passwd/x: not a directory"
    );
    assert_eq!(
        system.file("~root").path().unwrap(),
        std::path::Path::new("/root")
    );
    assert_eq!(
        system.file("/etc/../etc/./passwd").path().unwrap(),
        std::path::Path::new("/etc/passwd")
    );
    let relative = system.file("some/relative");
    assert_eq!(
        relative.path().unwrap(),
        std::env::current_dir().unwrap().join("some/relative")
    );
    assert_eq!(
        system
            .file("~nosuchuserwarden/x")
            .exists()
            .unwrap_err()
            .to_string(),
        "user: unknown user nosuchuserwarden"
    );
}

#[test]
fn users_groups_and_file_ownership() {
    let _lock = lock_accounts();
    let primary = GroupGuard::create(&unique_name("wdp"));
    let extra = GroupGuard::create(&unique_name("wdx"));
    let user_name = unique_name("wdu");
    let user = UserGuard::create(
        &user_name,
        &[
            "-M",
            "-N",
            "-g",
            &primary.0,
            "-G",
            &extra.0,
            "-d",
            "/nonexistent/wdhome",
            "-s",
            "/bin/sh",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let owned = dir.path().join("owned");
    fs::write(&owned, "x").unwrap();
    run(
        "chown",
        &[&format!("{}:{}", user.0, extra.0), owned.to_str().unwrap()],
    );

    let system = System::new();
    let probe = system.user(&user.0);
    assert!(probe.exists().unwrap());
    let uid: i64 = run("id", &["-u", &user.0]).trim().parse().unwrap();
    let gid: i64 = run("id", &["-g", &user.0]).trim().parse().unwrap();
    assert_eq!((probe.uid().unwrap(), probe.gid().unwrap()), (uid, gid));
    assert_eq!(probe.home().unwrap(), "/nonexistent/wdhome");
    assert_eq!(probe.shell().unwrap(), "/bin/sh");
    let mut expected_groups = vec![primary.0.clone(), extra.0.clone()];
    expected_groups.sort();
    assert_eq!(probe.groups().unwrap(), expected_groups);

    let group = system.group(&extra.0);
    assert!(group.exists().unwrap());
    let extra_gid: i64 = run("getent", &["group", &extra.0])
        .split(':')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(group.gid().unwrap(), extra_gid);

    let file = system.file(owned.to_str().unwrap());
    assert_eq!(file.owner().unwrap(), user.0);
    assert_eq!(file.group().unwrap(), extra.0);
    assert_eq!(file.uid().unwrap(), uid);

    let root = system.user("root");
    assert_eq!((root.uid().unwrap(), root.gid().unwrap()), (0, 0));
    assert_eq!(root.home().unwrap(), "/root");
    assert!(root.groups().unwrap().contains(&"root".to_string()));
    assert!(system.group("root").exists().unwrap());

    let ghost = system.user("wardennosuchuser");
    assert!(!ghost.exists().unwrap());
    assert_eq!(
        ghost.uid().unwrap_err().to_string(),
        "user: unknown user wardennosuchuser"
    );
    let ghost_group = system.group("wardennosuchgroup");
    assert!(!ghost_group.exists().unwrap());
    assert_eq!(
        ghost_group.gid().unwrap_err().to_string(),
        "group: unknown group wardennosuchgroup"
    );
}

#[test]
fn file_owner_falls_back_to_getent_message_for_unknown_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orphan");
    fs::write(&path, "x").unwrap();
    // An id no passwd/group entry (and so no NSS source here) knows.
    std::os::unix::fs::chown(&path, Some(4_012_345), Some(4_012_345)).unwrap();
    let system = System::new();
    let file = system.file(path.to_str().unwrap());
    assert_eq!(
        file.owner().unwrap_err().to_string(),
        "Error: no matching entries in passwd file. getent passwd: exit status 2"
    );
    assert_eq!(
        file.group().unwrap_err().to_string(),
        "Error: no matching entries in passwd file. getent group: exit status 2"
    );
    assert_eq!(file.uid().unwrap(), 4_012_345);
}

#[test]
fn listening_sockets_by_protocol() {
    let tcp4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp6 = TcpListener::bind("[::1]:0").unwrap();
    let udp4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp6 = UdpSocket::bind("[::1]:0").unwrap();
    // An established connection is not a listener.
    let client = TcpStream::connect(tcp4.local_addr().unwrap()).unwrap();
    let (_server_side, _) = tcp4.accept().unwrap();

    let system = System::new();
    let tcp4_port = tcp4.local_addr().unwrap().port();
    let probe = system.port(&format!("tcp:{tcp4_port}"));
    assert!(probe.listening().unwrap());
    assert_eq!(probe.ips().unwrap(), ["127.0.0.1"]);
    assert_eq!(
        system.port(&tcp4_port.to_string()).port(),
        format!("tcp:{tcp4_port}")
    );
    assert!(system.port(&tcp4_port.to_string()).listening().unwrap());

    let tcp6_probe = system.port(&format!("tcp6:{}", tcp6.local_addr().unwrap().port()));
    assert!(tcp6_probe.listening().unwrap());
    assert_eq!(tcp6_probe.ips().unwrap(), ["::1"]);

    let udp4_probe = system.port(&format!("udp:{}", udp4.local_addr().unwrap().port()));
    assert_eq!(udp4_probe.ips().unwrap(), ["127.0.0.1"]);
    let udp6_probe = system.port(&format!("udp6:{}", udp6.local_addr().unwrap().port()));
    assert_eq!(udp6_probe.ips().unwrap(), ["::1"]);

    let client_port = client.local_addr().unwrap().port();
    let established = system.port(&format!("tcp:{client_port}"));
    assert!(!established.listening().unwrap());
    assert!(established.ips().unwrap().is_empty());
}

#[test]
fn processes_by_kernel_comm() {
    let dir = tempfile::tempdir().unwrap();
    // comm is the basename of the path given to execve, so a symlink named
    // after the test gives a unique, known name.
    let short = format!("wdp{}", std::process::id() % 1_000_000);
    let long = format!("w{:07}-long-process-name", std::process::id() % 10_000_000);
    symlink("/bin/sleep", dir.path().join(&short)).unwrap();
    symlink("/bin/sleep", dir.path().join(&long)).unwrap();
    let spawn = |name: &str| {
        ChildGuard(
            std::process::Command::new(dir.path().join(name))
                .arg("30")
                .spawn()
                .unwrap(),
        )
    };
    let short_child = spawn(&short);
    let _long_child = spawn(&long);

    let system = System::new();
    assert!(system.process(&short).running().unwrap());
    // The kernel keeps 15 bytes of the name.
    assert!(system.process(&long[..15]).running().unwrap());
    assert!(!system.process(&long).running().unwrap());
    assert!(!system.process(&short.to_uppercase()).running().unwrap());

    drop(short_child);
    assert!(!System::new().process(&short).running().unwrap());
}

#[test]
fn ports_held_by_a_process_are_found_by_socket_inode() {
    let dir = tempfile::tempdir().unwrap();
    let comm = format!("wdpp{}", std::process::id() % 1_000_000);
    symlink("/bin/sleep", dir.path().join(&comm)).unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_port = tcp.local_addr().unwrap().port();
    let udp = UdpSocket::bind("[::1]:0").unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    // The child holds the sockets as stdin and stdout; this process lets go of them.
    let child = ChildGuard(
        std::process::Command::new(dir.path().join(&comm))
            .arg("30")
            .stdin(std::os::fd::OwnedFd::from(tcp))
            .stdout(std::os::fd::OwnedFd::from(udp))
            .spawn()
            .unwrap(),
    );
    // A listener this test process keeps is not the child's.
    let _own = TcpListener::bind("127.0.0.1:0").unwrap();

    let system = System::new();
    assert_eq!(
        system.ports_of_process(&comm).unwrap(),
        [format!("tcp:{tcp_port}"), format!("udp6:{udp_port}")]
    );
    drop(child);
    assert!(system.ports_of_process(&comm).unwrap().is_empty());
}

#[test]
fn kernel_parameters() {
    let system = System::new();
    assert_eq!(
        system.kernel_param("kernel.ostype").value().unwrap(),
        "Linux"
    );
    let pid_max = fs::read_to_string("/proc/sys/kernel/pid_max").unwrap();
    assert_eq!(
        system.kernel_param("kernel.pid_max").value().unwrap(),
        pid_max.trim()
    );
    assert_eq!(
        system
            .kernel_param("kernel.warden_no_such_key")
            .value()
            .unwrap_err()
            .to_string(),
        "could not find the given key"
    );
}

#[test]
fn well_known_mounts() {
    let system = System::new();
    let timeout = Duration::from_secs(1);
    let root = system.mount("/", timeout);
    assert!(root.exists().unwrap());
    let usage = root.usage().unwrap();
    assert!((0..=100).contains(&usage), "{usage}");
    let proc_mount = system.mount("/proc", timeout);
    assert_eq!(proc_mount.filesystem().unwrap(), "proc");
    assert_eq!(proc_mount.source().unwrap(), "proc");
    let missing = system.mount("/warden/not/a/mountpoint", timeout);
    assert_eq!(
        missing.exists().unwrap_err().to_string(),
        "Mountpoint not found"
    );
    assert_eq!(
        missing.source().unwrap_err().to_string(),
        "Mountpoint not found"
    );
}

#[test]
fn a_tmpfs_mounted_by_the_test() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("with space");
    fs::create_dir(&target).unwrap();
    let source = unique_name("wdtmpfs");
    run(
        "mount",
        &[
            "-t",
            "tmpfs",
            "-o",
            "size=1m,nosuid,noexec",
            &source,
            target.to_str().unwrap(),
        ],
    );
    let _guard = MountGuard(target.clone());

    let system = System::new();
    let mount = system.mount(target.to_str().unwrap(), Duration::from_secs(1));
    assert!(mount.exists().unwrap());
    assert_eq!(mount.source().unwrap(), source);
    assert_eq!(mount.filesystem().unwrap(), "tmpfs");
    let opts = mount.opts().unwrap();
    for option in ["rw", "nosuid", "noexec"] {
        assert!(opts.contains(&option.to_string()), "{opts:?}");
    }
    assert!(
        mount
            .vfs_opts()
            .unwrap()
            .contains(&"size=1024k".to_string())
    );
    assert_eq!(mount.usage().unwrap(), 0);
}

#[test]
fn loopback_interface() {
    let lo = System::new().interface("lo");
    assert!(lo.exists().unwrap());
    assert_eq!(lo.mtu().unwrap(), 65536);
    let addrs = lo.addrs().unwrap();
    assert!(addrs.contains(&"127.0.0.1/8".to_string()), "{addrs:?}");
    assert!(addrs.contains(&"::1/128".to_string()), "{addrs:?}");
    let missing = System::new().interface("wardennope0");
    assert!(!missing.exists().unwrap());
    assert_eq!(
        missing.addrs().unwrap_err().to_string(),
        "route ip+net: no such network interface"
    );
    assert_eq!(
        missing.mtu().unwrap_err().to_string(),
        "route ip+net: no such network interface"
    );
}
