//! The two gossfiles of seed 000, unchanged from `examples/`, validated for real.
//!
//! They name fixed system paths (`/etc/sudoers`, `/etc/passwd`, `www.google.com`), so
//! each runs in a private mount namespace where the test bind-mounts prepared files
//! over those paths: the host's own files are never touched.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Runs `warden <args>` in a new mount namespace whose `/etc` is an overlay holding
/// `files` (name, contents, mode) on top of the host's `/etc`.
fn warden_with_etc(files: &[(&str, &str, u32)], env: &[(&str, &Path)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut script = format!(
        "set -e\nmkdir -p '{d}/upper' '{d}/work'\nmount -t overlay overlay -o 'lowerdir=/etc,upperdir={d}/upper,workdir={d}/work' /etc\n",
        d = dir.path().display()
    );
    for (name, contents, mode) in files {
        let staged = write(dir.path(), &format!("staged/{name}"), contents);
        script.push_str(&format!(
            "cp '{}' '/etc/{name}'\nchmod {mode:o} '/etc/{name}'\n",
            staged.display()
        ));
    }
    script.push_str("exec \"$@\"\n");
    let mut command = std::process::Command::new("unshare");
    command.args([
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        &script,
        "sh",
        env!("CARGO_BIN_EXE_warden"),
    ]);
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

const GROUP: &str = "root:x:0:\nsudo:x:27:authorized_user\nauthorized_user:x:1001:\n";
const SUDOERS: &str = "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL) ALL\n";

/// The host's accounts with `root` as the seed expects and `authorized_user` added.
fn passwd() -> String {
    let host = std::fs::read_to_string("/etc/passwd").unwrap();
    std::iter::once("root:x:0:0:root:/root:/bin/bash".to_owned())
        .chain(
            host.lines()
                .filter(|l| !l.starts_with("root:") && !l.contains(":1001:"))
                .map(str::to_owned),
        )
        .chain(std::iter::once(
            "authorized_user:x:1001:1001::/home/authorized_user:/bin/bash".to_owned(),
        ))
        .map(|l| l + "\n")
        .collect()
}

#[test]
fn irt_sudoers_validates_against_a_prepared_sudoers_and_users() {
    let gossfile = examples().join("irt_sudoers.yaml");
    let passwd = passwd();
    let args = [
        "validate",
        "--no-color",
        "-f",
        "documentation",
        "-g",
        gossfile.to_str().unwrap(),
    ];
    let output = warden_with_etc(
        &[
            ("passwd", &passwd, 0o644),
            ("group", GROUP, 0o644),
            ("sudoers", SUDOERS, 0o440),
        ],
        &[],
        &args,
    );
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}\n{}", stderr(&output));
    assert!(out.contains("Count: 20, Failed: 0, Skipped: 0"), "{out}");

    // The same policy catches a dangerous entry.
    let dangerous = format!("{SUDOERS}authorized_user ALL=(ALL) NOPASSWD:ALL\n");
    let output = warden_with_etc(
        &[
            ("passwd", &passwd, 0o644),
            ("group", GROUP, 0o644),
            ("sudoers", &dangerous, 0o440),
        ],
        &[],
        &args,
    );
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("File: /etc/sudoers: contents:"), "{out}");
    assert!(
        out.contains("Command: grep '^authorized_user' /etc/sudoers: exit-status:"),
        "{out}"
    );
}

#[test]
fn simple_https_passes_against_a_loopback_https_server() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(&["www.google.com"]);
    let ca = write(dir.path(), "ca.pem", &cert);
    let gossfile = examples().join("simple_https.yaml");
    // The gossfile needs port 443. A network namespace of this thread's own gives it a
    // private loopback where 443 is always free: the server's threads and the warden
    // child process are started from this thread, so they share it.
    let output = std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
        let up = std::process::Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status()
            .unwrap();
        assert!(up.success());
        let port = https_server(
            "127.0.0.1:443",
            &cert,
            &key,
            vec![route("/", 200, "<html>search</html>")],
        );
        assert_eq!(port, 443);
        warden_with_etc(
            &[("hosts", "127.0.0.1 localhost www.google.com\n", 0o644)],
            &[("SSL_CERT_FILE", ca.as_path())],
            &[
                "validate",
                "--no-color",
                "-f",
                "documentation",
                "-g",
                gossfile.to_str().unwrap(),
            ],
        )
    })
    .join()
    .unwrap();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}\n{}", stderr(&output));
    assert!(
        out.contains("HTTP: https://www.google.com: status: matches expectation: 200"),
        "{out}"
    );
    assert!(out.contains("Count: 1, Failed: 0, Skipped: 0"), "{out}");
    // `body: []` asserts nothing; goss warns about it and so do we.
    assert!(
        stderr(&output).contains("is an empty list, which asserts nothing"),
        "{}",
        stderr(&output)
    );
}
