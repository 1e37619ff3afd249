//! `warden validate` against real state the tests create on this machine: files,
//! sockets, a process, HTTP(S) servers on loopback, plus what every Debian host has
//! (root, dpkg, /proc, lo, localhost). Runs as root in CI.

use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::{Child, Command};

use crate::common::*;

/// Kills the child when the test ends, pass or fail.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn dpkg_version(package: &str) -> String {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", package])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_resource_type_passes_against_state_the_test_creates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let file = write(root, "data/app.conf", "listen 8080\nworkers 4\n# end\n");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    symlink(&file, root.join("data/current")).unwrap();

    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_port = tcp.local_addr().unwrap().port();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_port = udp.local_addr().unwrap().port();

    symlink("/bin/sleep", root.join("wardene2e")).unwrap();
    let _process = KillOnDrop(
        Command::new(root.join("wardene2e"))
            .arg("300")
            .spawn()
            .unwrap(),
    );

    let http_port = http_server(vec![
        Route {
            path: "/health",
            status: 200,
            headers: vec![("X-Check", "yes".into())],
            body: "status: ok\n".into(),
        },
        Route {
            path: "/old",
            status: 302,
            headers: vec![("Location", "/health".into())],
            body: String::new(),
        },
    ]);
    wait_for(http_port);
    let bash_version = dpkg_version("bash");

    let gossfile = write(
        root,
        "goss.yaml",
        &format!(
            r#"
file:
  {file}:
    exists: true
    mode: "0640"
    owner: root
    group: root
    uid: 0
    filetype: file
    size: 28
    contents:
      - workers 4
      - "/^listen \\d+$/"
      - "!debug"
    md5: {md5}
    sha256: {sha256}
  {root}/data/current:
    exists: true
    filetype: symlink
    linked-to: {file}
  {root}/data:
    exists: true
    filetype: directory
  {root}/missing:
    exists: false
package:
  bash:
    installed: true
    versions:
      - {bash_version}
  warden-no-such-package:
    installed: false
addr:
  tcp://127.0.0.1:{tcp_port}:
    reachable: true
    timeout: 1000
port:
  tcp:{tcp_port}:
    listening: true
    ip:
      - 127.0.0.1
  udp:{udp_port}:
    listening: true
user:
  root:
    exists: true
    uid: 0
    gid: 0
    home: /root
    groups:
      - root
  warden-no-such-user:
    exists: false
group:
  root:
    exists: true
    gid: 0
command:
  printf 'one\ntwo\n'; echo oops >&2; exit 3:
    exit-status: 3
    stdout:
      - two
    stderr: "oops\n"
  named:
    exec: "echo {{{{ .Vars.greeting }}}}"
    exit-status: 0
    stdout: "hello\n"
dns:
  localhost:
    resolvable: true
    addrs:
      contain-element: 127.0.0.1
process:
  wardene2e:
    running: true
  warden-ghost:
    running: false
kernel-param:
  kernel.ostype:
    value: Linux
mount:
  /proc:
    exists: true
    filesystem: proc
interface:
  lo:
    exists: true
    mtu: 65536
    addrs:
      contain-element: 127.0.0.1/8
http:
  http://127.0.0.1:{http_port}/health:
    status: 200
    headers:
      - "X-Check: yes"
    body:
      - "/^status: ok$/"
  http://127.0.0.1:{http_port}/old:
    status: 302
    no-follow-redirects: true
  follow:
    url: http://127.0.0.1:{http_port}/old
    status: 200
matching:
  vars_reach_templates:
    content: {{{{ .Vars.replicas }}}}
    matches:
      gt: 2
"#,
            file = file.display(),
            root = root.display(),
            md5 = "1c8b3f0ddf2a6fd8b51bf0d9a5d3e3e1",
            sha256 = "placeholder",
        ),
    );
    // The digests depend on the exact bytes; compute them the way goss users do.
    let md5 =
        String::from_utf8(Command::new("md5sum").arg(&file).output().unwrap().stdout).unwrap();
    let sha = String::from_utf8(
        Command::new("sha256sum")
            .arg(&file)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let text = std::fs::read_to_string(&gossfile)
        .unwrap()
        .replace(
            "1c8b3f0ddf2a6fd8b51bf0d9a5d3e3e1",
            md5.split_whitespace().next().unwrap(),
        )
        .replace("placeholder", sha.split_whitespace().next().unwrap());
    std::fs::write(&gossfile, text).unwrap();

    let (code, report, output) = validate_json(
        &gossfile,
        &["--vars-inline", "{greeting: hello, replicas: 3}"],
    );
    assert_eq!(
        failures(&report),
        Vec::<String>::new(),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["test-count"], 52, "{}", stdout(&output));
    assert_eq!(report["summary"]["skipped-count"], 0);
    drop((tcp, udp));
}

#[test]
fn failures_skips_and_exit_codes_follow_goss() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        r#"
file:
  /warden/does/not/exist:
    exists: true
    mode: "0644"
    contents: [anything]
command:
  "exit 2":
    exit-status: 0
user:
  root:
    exists: true
    skip: true
    uid: 0
"#,
    );
    let (code, report, _) = validate_json(&gossfile, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["test-count"], 6);
    assert_eq!(report["summary"]["failed-count"], 2);
    assert_eq!(
        report["summary"]["skipped-count"], 4,
        "mode and contents follow a failed exists; root is skipped"
    );

    let run = |format: &str| {
        warden()
            .args(["validate", "-f", format, "-g"])
            .arg(&gossfile)
            .output()
            .unwrap()
    };
    assert_eq!(run("nagios").status.code(), Some(2));
    assert!(stdout(&run("nagios")).starts_with("GOSS CRITICAL - Count: 6, Failed: 2, Skipped: 4"));
    assert_eq!(run("structured").status.code(), Some(0));
    assert_eq!(run("silent").status.code(), Some(1));
    assert!(stdout(&run("silent")).is_empty());
    let tap = stdout(&run("tap"));
    assert!(tap.starts_with("1..6\n"), "{tap}");
    assert!(
        tap.contains("not ok 6 - Command: exit 2: exit-status: Expected"),
        "{tap}"
    );
    let junit = stdout(&run("junit"));
    assert!(
        junit.contains(r#"<testsuite name="goss" errors="0" tests="6" failures="2" skipped="4""#),
        "{junit}"
    );
    let rspecish = stdout(&run("rspecish"));
    assert!(
        rspecish.contains("Count: 6, Failed: 2, Skipped: 4"),
        "{rspecish}"
    );
}

#[test]
fn https_verification_can_be_relaxed_or_given_a_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(&["localhost", "127.0.0.1"]);
    let ca = write(dir.path(), "ca.pem", &cert);
    let port = https_server(
        "127.0.0.1:0",
        &cert,
        &key,
        vec![route("/", 200, "secure\n")],
    );
    wait_for(port);
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        &format!(
            r#"
http:
  strict:
    url: https://localhost:{port}/
    status: 200
  insecure:
    url: https://localhost:{port}/
    status: 200
    allow-insecure: true
    body: [secure]
  trusted:
    url: https://localhost:{port}/
    status: 200
    ca-file: {ca}
"#,
            ca = ca.display()
        ),
    );
    let (code, report, _) = validate_json(&gossfile, &[]);
    assert_eq!(code, 1);
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{failed:?}");
    let strict = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["resource-id"] == "strict: https://localhost:".to_owned() + &port.to_string() + "/"
        })
        .unwrap();
    assert!(
        strict["err"].as_str().unwrap().contains("certificate"),
        "{strict}"
    );
}

#[test]
fn timeouts_fail_the_check_with_goss_messages() {
    let dir = tempfile::tempdir().unwrap();
    let port = http_server(vec![route("/hang", 0, "")]);
    wait_for(port);
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        &format!(
            r#"
command:
  sleep 5:
    exit-status: 0
    timeout: 300
http:
  http://127.0.0.1:{port}/hang:
    status: 200
    timeout: 300
"#
        ),
    );
    let started = std::time::Instant::now();
    let (code, report, _) = validate_json(&gossfile, &[]);
    assert_eq!(code, 1);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "timeouts must cut the checks short"
    );
    let errors: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["err"].as_str())
        .collect();
    assert!(
        errors.contains(&"Command execution timed out (300ms)"),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Client.Timeout") || e.contains("timeout")),
        "{errors:?}"
    );
}

#[test]
fn retry_timeout_waits_for_a_passing_state_or_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("appears");
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        &format!("file:\n  {}:\n    exists: true\n", target.display()),
    );
    let creator = {
        let target = target.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(700));
            std::fs::write(target, "now").unwrap();
        })
    };
    let output = warden()
        .args(["validate", "--no-color", "-r", "10s", "-s", "200ms", "-g"])
        .arg(&gossfile)
        .output()
        .unwrap();
    creator.join().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("Attempt #2:"));
    assert!(stderr(&output).contains("Retrying in 200ms"));

    let never = write(
        dir.path(),
        "never.yaml",
        "file:\n  /warden/never:\n    exists: true\n",
    );
    let output = warden()
        .args(["validate", "-r", "500ms", "-s", "200ms", "-g"])
        .arg(&never)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("timeout of 500ms reached before tests entered a passing state")
    );
}

#[test]
fn retry_count_reruns_a_resource_until_it_passes() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("second-attempt");
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        &format!(
            "command:\n  flaky:\n    exec: \"test -f {m} || {{ touch {m}; exit 1; }}\"\n    exit-status: 0\n    retry_count: 2\n    retry_delay: 50ms\n  always-fails:\n    exec: \"exit 4\"\n    exit-status: 0\n    retry_count: 1\n    retry_delay: 10\n",
            m = marker.display()
        ),
    );
    let (code, report, _) = validate_json(&gossfile, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        failures(&report).len(),
        1,
        "only always-fails fails: {:?}",
        failures(&report)
    );
    assert!(marker.exists());
}

#[test]
fn missing_required_attributes_fail_at_validation_as_in_goss() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        "file:\n  /etc/passwd:\n    mode: \"0644\"\n",
    );
    let (code, report, _) = validate_json(&gossfile, &[]);
    assert_eq!(code, 1);
    let first = &report["results"][0];
    assert_eq!(first["property"], "exists");
    assert_eq!(first["err"], "Syntax Error: Missing required attribute");
    assert_eq!(
        report["results"][1]["skipped"], true,
        "the gate failed, so mode is skipped"
    );
}

#[test]
fn titles_meta_and_colour_reach_the_output() {
    // goss's colour variables take Go booleans.
    let quiet = warden()
        .env("GOSS_NOCOLOR", "1")
        .args(["validate", "-g", "-"])
        .output()
        .unwrap();
    assert_ne!(quiet.status.code(), Some(64), "{}", stderr(&quiet));
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        "kernel-param:\n  kernel.ostype:\n    title: The kernel is Linux\n    meta:\n      owner: platform\n    value: Linux\n  kernel.osrelease:\n    value: not-this\n",
    );
    let output = warden()
        .args(["validate", "--color", "-f", "documentation", "-g"])
        .arg(&gossfile)
        .output()
        .unwrap();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(out.contains("Title: The kernel is Linux"), "{out}");
    assert!(out.contains("Meta:"), "{out}");
    assert!(out.contains("owner: platform"), "{out}");
    assert!(
        out.contains("\u{1b}[32m") && out.contains("\u{1b}[31m"),
        "green passes and red failures: {out:?}"
    );
    let plain = warden()
        .args(["validate", "--no-color", "-g"])
        .arg(&gossfile)
        .output()
        .unwrap();
    assert!(!stdout(&plain).contains('\u{1b}'));
}

#[test]
fn package_backend_can_be_named() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        "package:\n  dpkg:\n    installed: true\n",
    );
    let (code, _, output) = validate_json(&gossfile, &["--package", "dpkg"]);
    assert_eq!(code, 0, "{}", stderr(&output));
    // goss's docs spell it `deb`; like goss, unknown names fall back to detection.
    let (code, _, output) = validate_json(&gossfile, &["--package", "deb"]);
    assert_eq!(code, 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("unknown package manager \"deb\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn http_bodies_are_streamed_so_patterns_stop_early() {
    let port = endless_http_server("ok line\n");
    wait_for(port);
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        &format!(
            "http:\n  http://127.0.0.1:{port}/:\n    status: 200\n    timeout: 3000\n    body: [\"ok line\"]\n"
        ),
    );
    let started = std::time::Instant::now();
    let (code, report, output) = validate_json(&gossfile, &[]);
    assert_eq!(code, 0, "{}{}", stdout(&output), stderr(&output));
    assert_eq!(report["summary"]["test-count"], 2);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "the body is never read to its end"
    );
}
