//! `warden add` and `warden autoadd` round trips: what they write about this
//! machine, `warden validate` then passes on the same machine. Uses state the
//! tests create (files, sockets, processes, a loopback HTTP server) and what every
//! Debian host has (root, dpkg, /proc, lo, localhost, kernel.ostype).

use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Child, Command, Output};

use crate::common::*;

/// Kills the child when the test ends, pass or fail.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sleep` under a unique name (its kernel `comm`), holding `stdin` if given.
fn named_process(dir: &Path, prefix: &str, stdin: Option<OwnedFd>) -> (String, KillOnDrop) {
    let comm = format!("{prefix}{}", std::process::id() % 1_000_000);
    symlink("/bin/sleep", dir.join(&comm)).unwrap();
    let mut command = Command::new(dir.join(&comm));
    command.arg("120");
    if let Some(fd) = stdin {
        command.stdin(fd);
    }
    (comm, KillOnDrop(command.spawn().unwrap()))
}

fn warden_in(gossfile: &Path, args: &[&str]) -> Output {
    warden()
        .arg("-g")
        .arg(gossfile)
        .args(args)
        .output()
        .unwrap()
}

/// Runs `warden -g <gossfile> <args>` and expects it to succeed.
fn add(gossfile: &Path, args: &[&str]) -> String {
    let output = warden_in(gossfile, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "warden {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Validates `gossfile` and expects every check to pass; returns the check count.
fn validates(gossfile: &Path) -> u64 {
    let (code, report, output) = validate_json(gossfile, &[]);
    assert_eq!(
        (code, failures(&report)),
        (0, Vec::<String>::new()),
        "gossfile:\n{}\nstderr:\n{}",
        std::fs::read_to_string(gossfile).unwrap(),
        stderr(&output)
    );
    report["summary"]["test-count"].as_u64().unwrap()
}

#[test]
fn every_type_added_from_this_machine_then_validates_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let gossfile = root.join("goss.yaml");
    let file = write(root, "data/app.conf", "listen 8080\n");
    symlink(&file, root.join("data/current")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let address = format!("127.0.0.1:{port}");
    let (comm, _process) = named_process(root, "wdadd", None);
    let http_port = http_server(vec![
        route("/health", 200, "ok\n"),
        Route {
            path: "/old",
            status: 302,
            headers: vec![("Location", "/health".into())],
            body: String::new(),
        },
    ]);
    wait_for(http_port);
    let health = format!("http://127.0.0.1:{http_port}/health");
    let old = format!("http://127.0.0.1:{http_port}/old");
    write(
        root,
        "included.yaml",
        "kernel-param:\n  kernel.ostype:\n    value: Linux\n",
    );
    let path = |name: &str| root.join(name).to_str().unwrap().to_owned();

    for (type_name, args) in [
        (
            "File",
            vec![
                "add",
                "file",
                &path("data/app.conf"),
                &path("data/current"),
                &path("data"),
                &path("absent"),
            ],
        ),
        (
            "Package",
            vec!["add", "package", "dpkg", "warden-no-such-package"],
        ),
        ("Addr", vec!["add", "addr", &address, "tcp://127.0.0.1:1"]),
        ("Port", vec!["add", "port", &port, "udp6:1"]),
        ("Service", vec!["add", "service", "warden-no-such-service"]),
        ("User", vec!["add", "user", "root", "warden-no-such-user"]),
        (
            "Group",
            vec!["add", "group", "root", "warden-no-such-group"],
        ),
        (
            "Command",
            vec![
                "add",
                "command",
                "--timeout",
                "5s",
                "printf ' hello \\n!bang\\n/slash\\n\\n'; echo oops >&2",
                "exit 3",
            ],
        ),
        ("DNS", vec!["add", "dns", "localhost"]),
        ("Process", vec!["add", "process", &comm, "warden-no-such"]),
        ("Gossfile", vec!["add", "goss", "included.yaml"]),
        ("KernelParam", vec!["add", "kernel-param", "kernel.ostype"]),
        ("Mount", vec!["add", "mount", "/proc"]),
        ("Interface", vec!["add", "interface", "lo", "wardennoif0"]),
        ("HTTP", vec!["add", "http", &health]),
        ("HTTP", vec!["add", "http", "-r", "--timeout", "2s", &old]),
    ] {
        let printed = add(&gossfile, &args);
        assert!(
            printed.starts_with(&format!(
                "Adding {type_name} to '{}':\n\n",
                gossfile.display()
            )),
            "{printed}"
        );
    }

    let written = std::fs::read_to_string(&gossfile).unwrap();
    for expected in [
        "    exists: false\n",
        "    installed: false\n",
        "    reachable: false\n",
        "    listening: false\n    ip: []\n",
        "    stdout:\n    - hello\n    - \\!bang\n    - \\/slash\n    stderr:\n    - oops\n    timeout: 5000\n",
        "  exit 3:\n    exit-status: 3\n    stdout: \"\"\n    stderr: \"\"\n",
        "gossfile:\n  included.yaml: {}\n",
        "    status: 302\n    allow-insecure: false\n    no-follow-redirects: true\n    timeout: 2000\n",
    ] {
        assert!(written.contains(expected), "{expected:?} in\n{written}");
    }
    // Every resource above, plus the included kernel-param (the same id, once).
    assert!(validates(&gossfile) >= 50);
    drop(listener);
}

#[test]
fn the_announcement_and_file_are_goss_format() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = dir.path().join("goss.yaml");
    let printed = add(&gossfile, &["a", "kernel-param", "kernel.ostype"]);
    assert_eq!(
        printed,
        format!(
            "Adding KernelParam to '{}':\n\nkernel.ostype:\n  value: Linux\n\n\n",
            gossfile.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&gossfile).unwrap(),
        "kernel-param:\n  kernel.ostype:\n    value: Linux\n"
    );
}

#[test]
fn re_adding_keeps_title_meta_and_the_other_resources() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        "# hand-written\nuser:\n  root:\n    title: The superuser\n    meta:\n      owner: ops\n      ticket: 42\n    exists: true\n    shell: /bin/false-never\nmatching:\n  sanity:\n    content: 3\n    matches: {gt: 2}\n",
    );
    add(&gossfile, &["add", "user", "root"]);
    let written = std::fs::read_to_string(&gossfile).unwrap();
    assert!(
        written.starts_with(
            "user:\n  root:\n    title: The superuser\n    meta:\n      owner: ops\n      ticket: 42\n    exists: true\n    uid: 0\n"
        ),
        "{written}"
    );
    assert!(!written.contains("false-never"), "{written}");
    assert!(
        written.ends_with("matching:\n  sanity:\n    content: 3\n    matches:\n      gt: 2\n"),
        "{written}"
    );
    validates(&gossfile);
    let documentation = warden()
        .args(["validate", "--no-color", "-f", "documentation", "-g"])
        .arg(&gossfile)
        .output()
        .unwrap();
    assert!(stdout(&documentation).contains("Title: The superuser"));
}

#[test]
fn excluded_attributes_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = dir.path().join("goss.yaml");
    add(&gossfile, &["add", "--exclude-attr", "*", "user", "root"]);
    add(
        &gossfile,
        &[
            "add",
            "file",
            "--exclude-attr",
            "mode",
            "--exclude-attr",
            "gr*",
            "/etc/passwd",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(&gossfile).unwrap(),
        "file:\n  /etc/passwd:\n    exists: true\n    owner: root\n    filetype: file\nuser:\n  root:\n    exists: true\n"
    );
    validates(&gossfile);
}

#[test]
fn json_gossfiles_stay_json() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.json",
        r#"{"kernel-param": {"kernel.ostype": {"value": "Linux"}}}"#,
    );
    let printed = add(&gossfile, &["add", "group", "root"]);
    assert!(printed.ends_with(
        "{\n    \"root\": {\n        \"exists\": true,\n        \"gid\": 0\n    }\n}\n\n"
    ));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&gossfile).unwrap()).unwrap();
    assert_eq!(written["group"]["root"]["gid"], 0);
    assert_eq!(written["kernel-param"]["kernel.ostype"]["value"], "Linux");
    assert_eq!(validates(&gossfile), 3);
}

#[test]
fn autoadd_finds_a_process_and_the_port_it_listens_on() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = dir.path().join("goss.yaml");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // The child holds the listening socket; this process lets go of it.
    let (comm, _process) = named_process(dir.path(), "wdaa", Some(OwnedFd::from(listener)));
    let printed = add(&gossfile, &["autoadd", &comm]);
    assert_eq!(
        printed,
        format!(
            "Adding Process to '{path}':\n\n{comm}:\n  running: true\n\n\n\
             Adding Port to '{path}':\n\ntcp:{port}:\n  listening: true\n  ip:\n  - 127.0.0.1\n\n\n",
            path = gossfile.display()
        )
    );
    assert_eq!(validates(&gossfile), 3);
}

#[test]
fn autoadd_of_root_and_dpkg() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = dir.path().join("goss.yaml");
    let printed = add(&gossfile, &["aa", "root", "dpkg"]);
    let announced: Vec<&str> = printed
        .lines()
        .filter(|line| line.starts_with("Adding "))
        .collect();
    let path = gossfile.display();
    assert_eq!(
        announced,
        [
            format!("Adding Group to '{path}':"),
            format!("Adding User to '{path}':"),
            format!("Adding Package to '{path}':"),
        ]
    );
    validates(&gossfile);
}

#[test]
fn failures_write_nothing_and_exit_with_their_code() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = dir.path().join("goss.yaml");

    let unreadable = warden_in(
        &gossfile,
        &["add", "kernel-param", "kernel.ostype", "no.such.key"],
    );
    assert_eq!(unreadable.status.code(), Some(1));
    assert!(stderr(&unreadable).contains("could not find the given key"));
    let absent_mount = warden_in(&gossfile, &["add", "mount", "/no/such/mount"]);
    assert_eq!(absent_mount.status.code(), Some(1));
    assert!(stderr(&absent_mount).contains("Mountpoint not found"));
    assert!(!gossfile.exists());

    let nothing = warden_in(&gossfile, &["autoadd", "warden-no-such-anything"]);
    assert_eq!(nothing.status.code(), Some(0));
    assert!(stderr(&nothing).contains("Can't write empty configuration file"));
    assert!(!gossfile.exists());

    let bad = write(
        dir.path(),
        "bad.yaml",
        "file:\n  /etc/passwd:\n    exist: true\n",
    );
    let rejected = warden_in(&bad, &["add", "user", "root"]);
    assert_eq!(rejected.status.code(), Some(78));
    assert!(
        stderr(&rejected).contains("bad.yaml:3:5"),
        "{}",
        stderr(&rejected)
    );
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "file:\n  /etc/passwd:\n    exist: true\n"
    );

    for usage in [
        vec!["add", "user"],
        vec!["add", "matching", "x"],
        vec!["autoadd"],
        vec!["add", "http", "--no-such-flag", "http://x"],
    ] {
        assert_eq!(
            warden_in(&gossfile, &usage).status.code(),
            Some(64),
            "{usage:?}"
        );
    }
    let stdin = warden()
        .args(["-g", "-", "add", "user", "root"])
        .output()
        .unwrap();
    assert_eq!(stdin.status.code(), Some(64));
}
