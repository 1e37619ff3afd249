//! `warden trace` against the real kernel (root; CI runs these as root on the project's
//! kernel): JSON Lines that parse back as events, `--filter`, `--container`, the human
//! format, loss records, and what happens without the privileges eBPF needs.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use warden_events::{Event, LOSS_SCHEMA, SCHEMA, Syscall, TraceLine};

use crate::common::{stderr, warden};

/// A running `warden trace`, its stdout lines and its stderr.
struct Trace {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr_log: Arc<Mutex<String>>,
}

/// Starts `warden trace <args>` and waits until its sensor runs (it says so on stderr).
fn start_trace(args: &[&str]) -> Trace {
    start_trace_with(warden(), args)
}

fn start_trace_with(mut command: Command, args: &[&str]) -> Trace {
    let mut child = command
        .arg("trace")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let collected = Arc::clone(&lines);
    let stdout = BufReader::new(child.stdout.take().unwrap());
    thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });
    let stderr_log = Arc::new(Mutex::new(String::new()));
    let log = Arc::clone(&stderr_log);
    let (ready_tx, ready_rx) = mpsc::channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            // The eBPF sensor's last start-up line, or the fallback's statement.
            if line.contains("programs attached") || line.contains("this sensor does not see") {
                let _ = ready_tx.send(());
            }
            let mut text = log.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    if ready_rx.recv_timeout(Duration::from_secs(30)).is_err() {
        let _ = child.kill();
        panic!(
            "warden trace {args:?} did not start; stderr:\n{}",
            stderr_log.lock().unwrap()
        );
    }
    Trace {
        child,
        lines,
        stderr_log,
    }
}

impl Trace {
    /// Waits until a stdout line satisfies `done` (15 s at most, then fails).
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut checked = 0;
        while Instant::now() < deadline {
            {
                let lines = self.lines.lock().unwrap();
                if lines[checked..].iter().any(|l| done(l)) {
                    return;
                }
                checked = lines.len();
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "warden trace never printed {what}; stderr:\n{}\nstdout:\n{}",
            self.stderr_log.lock().unwrap(),
            self.lines.lock().unwrap().join("\n")
        );
    }

    /// Sends SIGINT, waits for the exit, and returns it with stdout's lines and stderr.
    fn stop(mut self) -> (ExitStatus, Vec<String>, String) {
        signal(self.child.id(), "INT");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "warden trace ignored SIGINT");
            thread::sleep(Duration::from_millis(50));
        };
        // The reader threads finish once the pipes close.
        thread::sleep(Duration::from_millis(200));
        let lines = self.lines.lock().unwrap().clone();
        let stderr = self.stderr_log.lock().unwrap().clone();
        (status, lines, stderr)
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(sent.success());
}

/// `/bin/true` copied to `dir/name`, so its events are told apart by the name.
fn program(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy("/bin/true", &path).unwrap();
    path
}

fn run(path: &Path, args: &[&str]) {
    let status = Command::new(path).args(args).status().unwrap();
    assert!(status.success());
}

fn events(lines: &[String]) -> Vec<Event> {
    lines
        .iter()
        .filter_map(|line| match TraceLine::from_json_line(line) {
            Ok(TraceLine::Event(event)) => Some(*event),
            Ok(TraceLine::Loss(_)) => None,
            Err(err) => panic!("not a trace line ({err}): {line}"),
        })
        .collect()
}

fn is_exec_of(line: &str, comm: &str) -> bool {
    line.contains(r#""syscall":"execve""#) && line.contains(&format!(r#""comm":"{comm}""#))
}

#[test]
fn json_lines_parse_back_as_versioned_events() {
    let dir = tempfile::tempdir().unwrap();
    let binary = program(dir.path(), "wtrace-json");
    // Every event of the programs started from here (the machine may be busy).
    let trace = start_trace(&["--json", "--filter", "proc.aname contains cli-"]);
    run(&binary, &["first arg", "-x"]);
    trace.wait_for("the exec", |l| is_exec_of(l, "wtrace-json"));
    let (status, lines, stderr) = trace.stop();
    assert!(status.success(), "{status}: {stderr}");
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let schema = value["schema"].as_str().unwrap();
        assert!(schema == SCHEMA || schema == LOSS_SCHEMA, "{line}");
    }
    let events = events(&lines);
    let exec = events
        .iter()
        .find(|e| e.syscall == Syscall::Execve && e.process.comm == "wtrace-json")
        .unwrap();
    assert_eq!(exec.schema, "warden.event/v1");
    assert_eq!(exec.process.exepath, binary.to_string_lossy());
    assert_eq!(exec.process.args, ["first arg", "-x"]);
    assert_eq!(
        exec.process.exe_ino,
        std::fs::metadata(&binary).unwrap().ino()
    );
    // Sequence numbers increase through the stream.
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    // The closing summary.
    assert!(
        stderr.contains("events seen") && stderr.contains("no events lost"),
        "{stderr}"
    );
}

#[test]
fn the_filter_keeps_only_matching_events() {
    let dir = tempfile::tempdir().unwrap();
    let other = program(dir.path(), "wtrace-other");
    let wanted = program(dir.path(), "wtrace-wanted");
    let trace = start_trace(&[
        "--json",
        "--filter",
        "evt.type = execve and proc.name = wtrace-wanted",
    ]);
    // The other program runs first: once the wanted exec is out, the other one has
    // been through the filter too (events come out in order).
    run(&other, &[]);
    run(&wanted, &["yes"]);
    trace.wait_for("the wanted exec", |l| is_exec_of(l, "wtrace-wanted"));
    let (status, lines, stderr) = trace.stop();
    assert!(status.success(), "{stderr}");
    let events = events(&lines);
    assert!(!events.is_empty());
    for event in &events {
        assert_eq!(event.syscall, Syscall::Execve, "{event:?}");
        assert_eq!(event.process.comm, "wtrace-wanted");
    }
    assert_eq!(events[0].process.args, ["yes"]);
}

#[test]
fn a_bad_filter_is_a_usage_error_before_anything_loads() {
    let output = warden()
        .args(["trace", "--filter", "evt.type = = execve"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64), "{}", stderr(&output));
    assert!(stderr(&output).contains("--filter"), "{}", stderr(&output));
    let output = warden()
        .args(["trace", "--buffer-size", "1000"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("power of two"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_human_format_is_one_readable_line_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let binary = program(dir.path(), "wtrace-human");
    let trace = start_trace(&["--filter", "proc.name = wtrace-human"]);
    run(&binary, &["a1", "a 2"]);
    trace.wait_for("the exit", |l| l.contains(" procexit "));
    let (status, lines, _) = trace.stop();
    assert!(status.success());
    let exec = regex::Regex::new(&format!(
        r#"^\d\d:\d\d:\d\d\.\d{{3}} wtrace-human\(\d+\) execve {} \["a1", "a 2"\] exe={} cwd=\S+ uid=0 = 0$"#,
        regex::escape(&binary.to_string_lossy()),
        regex::escape(&binary.to_string_lossy())
    ))
    .unwrap();
    assert!(lines.iter().any(|l| exec.is_match(l)), "{lines:#?}");
    let exit =
        regex::Regex::new(r"^\S+ wtrace-human\(\d+\) procexit code=0 signal=0 = 0$").unwrap();
    assert!(lines.iter().any(|l| exit.is_match(l)), "{lines:#?}");
}

/// The cgroup v2 hierarchy (/sys/fs/cgroup/unified on hybrid machines).
fn cgroup2_root() -> PathBuf {
    let found = Command::new("findmnt")
        .args([
            "--types",
            "cgroup2",
            "--noheadings",
            "--first-only",
            "--output",
            "TARGET",
        ])
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8(found.stdout).unwrap().trim())
}

#[test]
fn the_container_option_selects_one_container_or_the_host() {
    // A hand-made podman-style container: a libpod cgroup and fresh namespaces.
    let id = format!("{:016x}", std::process::id() ^ 0x5eed).repeat(4);
    let cgroup = cgroup2_root()
        .join("libpod_parent")
        .join(format!("libpod-{id}"));
    std::fs::create_dir_all(&cgroup).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let host_program = program(dir.path(), "wtrace-host");
    let inside = start_trace(&["--json", "--container", &id[..12]]);
    let host = start_trace(&[
        "--json",
        "--container",
        "host",
        "--filter",
        "proc.name = wtrace-host or proc.args contains wtrace-inside",
    ]);
    run(&host_program, &[]);
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > {}; exec unshare --fork --pid --mount --mount-proc /bin/true wtrace-inside",
            cgroup.join("cgroup.procs").display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let inside_exec = |l: &str| l.contains(r#""syscall":"execve""#) && l.contains("wtrace-inside");
    inside.wait_for("the container's exec", inside_exec);
    host.wait_for("the host exec", |l| is_exec_of(l, "wtrace-host"));
    let (_, inside_lines, _) = inside.stop();
    // The container's exec came after the host's, so the host trace has seen it by now.
    thread::sleep(Duration::from_millis(500));
    let (_, host_lines, _) = host.stop();
    let _ = std::fs::remove_dir(&cgroup);

    let inside_events = events(&inside_lines);
    assert!(!inside_events.is_empty());
    for event in &inside_events {
        let container = event.container.as_ref().expect("only container events");
        assert_eq!(
            (container.runtime.as_str(), container.full_id.as_str()),
            ("podman", id.as_str())
        );
    }
    assert!(
        inside_events
            .iter()
            .all(|e| e.process.comm != "wtrace-host")
    );
    let host_events = events(&host_lines);
    assert!(host_events.iter().all(|e| e.container.is_none()));
    assert!(host_events.iter().any(|e| e.process.comm == "wtrace-host"));
    assert!(
        host_events
            .iter()
            .all(|e| !e.process.args.contains(&"wtrace-inside".to_owned()))
    );
}

#[test]
fn lost_events_are_reported_per_kind_on_stderr_and_in_the_stream() {
    // A one-page ring buffer, and the trace stopped (SIGSTOP) during an exec storm:
    // the kernel must fail reservations, and the trace must say so once it runs again.
    let trace = start_trace(&["--json", "--events", "processes", "--buffer-size", "4096"]);
    signal(trace.child.id(), "STOP");
    let storm = Command::new("/bin/sh")
        .arg("-c")
        .arg("i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done")
        .status()
        .unwrap();
    signal(trace.child.id(), "CONT");
    assert!(storm.success());
    trace.wait_for("a loss record", |l| l.contains(LOSS_SCHEMA));
    let (status, lines, stderr) = trace.stop();
    assert!(status.success(), "{stderr}");
    let mut lost = 0;
    for line in &lines {
        if let Ok(TraceLine::Loss(loss)) = TraceLine::from_json_line(line) {
            assert_eq!(loss.stage, "kernel");
            assert!(
                ["exec", "fork", "exit"].contains(&loss.kind.as_str()),
                "{loss:?}"
            );
            lost += loss.count;
        }
    }
    assert!(lost > 0);
    assert!(stderr.contains("LOST events"), "{stderr}");
    // The summary's total is the stream's.
    assert!(
        stderr.contains(&format!("{lost} events LOST")),
        "{lost}: {stderr}"
    );
}

#[test]
fn where_no_sensor_can_run_the_exit_code_says_so() {
    // As nobody, eBPF is refused; with --no-fallback that is the end.
    let as_nobody = [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
    ];
    let output = Command::new("setpriv")
        .args(as_nobody)
        .args([env!("CARGO_BIN_EXE_warden"), "trace", "--no-fallback"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(69), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("the eBPF sensor cannot run here")
            && text.contains("Operation not permitted"),
        "{text}"
    );
    // In a network namespace of its own the proc connector does not exist either.
    let output = Command::new("unshare")
        .args(["--net", "setpriv"])
        .args(as_nobody)
        .args([env!("CARGO_BIN_EXE_warden"), "trace"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(69), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("no sensor can run here"), "{text}");
    assert!(
        text.contains("eBPF sensor:") && text.contains("fallback sensor:"),
        "{text}"
    );
}

#[test]
fn without_ebpf_the_fallback_runs_and_says_what_it_misses() {
    // Root without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN: no BPF program loads, the
    // proc connector (CAP_NET_ADMIN) still works, fanotify (CAP_SYS_ADMIN) does not.
    let mut command = Command::new("setpriv");
    command.args([
        "--bounding-set=-bpf,-perfmon,-sys_admin",
        "--inh-caps=-bpf,-perfmon,-sys_admin",
        env!("CARGO_BIN_EXE_warden"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("wtrace-fallback");
    std::fs::copy("/bin/sleep", &binary).unwrap();
    let trace = start_trace_with(command, &["--json"]);
    // The fallback reads exec details from /proc, so the program lives a moment.
    run(&binary, &["0.3"]);
    trace.wait_for("the exec", |l| is_exec_of(l, "wtrace-fallback"));
    let (status, lines, stderr) = trace.stop();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("fallback (netlink proc connector + fanotify) sensor"),
        "{stderr}"
    );
    assert!(stderr.contains("eBPF is not available"), "{stderr}");
    assert!(stderr.contains("this sensor does not see:"), "{stderr}");
    assert!(
        stderr.contains("file opens (fanotify is not available)"),
        "{stderr}"
    );
    assert!(stderr.contains("network events"), "{stderr}");
    let exec = events(&lines)
        .into_iter()
        .find(|e| e.syscall == Syscall::Execve && e.process.exepath == binary.to_string_lossy())
        .expect("the fallback's exec event");
    assert_eq!(exec.process.args, ["0.3"]);
}
