//! The condition language: every operator, transformer and field form, `<NA>`,
//! quoting and precedence, evaluated on events built in code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::events::{connect, exec, in_container, open};
use warden_events::Event;
use warden_rules::Filter;

fn holds(condition: &str, event: &Event) -> bool {
    match Filter::compile(condition, None) {
        Ok(filter) => filter.matches(event),
        Err(err) => panic!("{condition}: {err}"),
    }
}

fn check(event: &Event, cases: &[(&str, bool)]) {
    for (condition, want) in cases {
        assert_eq!(holds(condition, event), *want, "{condition}");
    }
}

fn compile_error(condition: &str) -> String {
    Filter::compile(condition, None)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_else(|| panic!("{condition} compiled"))
}

#[test]
fn string_operators() {
    let ev = exec();
    check(
        &ev,
        &[
            ("proc.name = curl", true),
            ("proc.name == curl", true),
            ("proc.name=curl", true),
            ("proc.name != curl", false),
            ("proc.name != wget", true),
            ("proc.cmdline = 'curl -s https://Example.com/a b'", true),
            ("proc.cmdline contains 'com/a b'", true),
            ("proc.cmdline contains example", false),
            ("proc.cmdline icontains EXAMPLE.COM", true),
            ("proc.args startswith '-s https'", true),
            ("proc.args startswith https", false),
            ("proc.cmdline endswith 'a b'", true),
            ("proc.cmdline endswith 'a c'", false),
            ("proc.exepath glob '/usr/*/cu?l'", true),
            ("proc.exepath glob '/usr/*/cu[!r]l'", false),
            ("proc.exepath iglob '/USR/BIN/*'", true),
            ("proc.exepath glob '/USR/BIN/*'", false),
            ("proc.exepath regex '/usr/bin/c[a-z]+'", true),
            ("proc.exepath regex 'bin/c[a-z]+'", false),
            ("proc.name in (wget, curl)", true),
            ("proc.name in (wget, 'cur')", false),
            ("proc.name intersects (curl)", true),
            ("proc.exepath pmatch (/usr/bin, /opt)", true),
            ("proc.exepath pmatch (/usr/bi)", false),
            ("proc.exepath pmatch (/usr/)", true),
            ("proc.name exists", true),
            // Numeric operators take numbers; on strings they compare bytes, as strcmp.
            ("proc.name > 5", true),
            ("proc.name <= 5", false),
            ("proc.name bcontains 7572", true),
            ("proc.name bstartswith 6375", true),
            ("proc.name bstartswith 7572", false),
        ],
    );
}

#[test]
fn string_operator_modifiers() {
    let ev = exec();
    check(
        &ev,
        &[
            ("proc.exepath startswith anyof (/opt, /usr)", true),
            ("proc.exepath startswith anyof (/opt, /srv)", false),
            ("proc.exepath startswith allof (/usr, /usr/bin)", true),
            ("proc.exepath startswith allof (/usr, /opt)", false),
            ("proc.exepath startswith oneof (/usr, /opt)", true),
            ("proc.exepath startswith oneof (/usr, /usr/bin)", false),
            ("proc.cmdline contains anyof ('a b', zzz)", true),
        ],
    );
}

#[test]
fn numeric_boolean_and_address_operators() {
    let ev = connect(("10.0.0.2", 40000), ("93.184.216.34", 443));
    check(
        &ev,
        &[
            ("fd.num = 5", true),
            ("fd.num >= 5 and fd.num <= 5", true),
            ("fd.num > 5 or fd.num < 5", false),
            ("fd.num != 5", false),
            ("fd.sport in (80, 443)", true),
            ("fd.sport = 0x1bb", true),
            ("fd.sport in (22)", false),
            (
                "fd.cport = 40000 and fd.lport = 40000 and fd.rport = 443",
                true,
            ),
            ("fd.sip = 93.184.216.34", true),
            ("fd.cip != 10.0.0.2", false),
            ("fd.rip in (1.1.1.1, 93.184.216.34)", true),
            ("fd.snet = 93.184.0.0/16", true),
            ("fd.cnet in (\"10.0.0.0/8\", \"192.168.0.0/16\")", true),
            ("fd.snet in (\"10.0.0.0/8\")", false),
            // Unindexed fd.ip/fd.port/fd.net hold when either end does.
            ("fd.ip = 10.0.0.2", true),
            ("fd.port = 443", true),
            ("fd.net != 10.0.0.0/8", true),
            ("fd.connected = true", true),
            ("fd.name_changed = true", true),
            (
                "fd.l4proto = tcp and fd.typechar = 4 and fd.type = ipv4 and fd.sockfamily = ip",
                true,
            ),
            ("fd.name = 10.0.0.2:40000->93.184.216.34:443", true),
            (
                "fd.sip.name = example.com and fd.rip.name = example.com",
                true,
            ),
            ("fd.cip.name exists", false),
            ("evt.rawres >= 0 and evt.res = SUCCESS", true),
            ("evt.failed = false", true),
            ("proc.vpid = 42 and proc.is_vpgid_leader = true", true),
            (
                "user.uid = 1000 and user.loginuid = 1000 and group.gid = 1000",
                true,
            ),
            (
                "proc.duration >= 10000000000 and proc.duration < 10000000001",
                true,
            ),
            ("proc.exe_ino.ctime_duration_proc_start = 10000000000", true),
        ],
    );
    assert!(compile_error("fd.num contains 5").contains("not supported"));
    assert!(compile_error("fd.num = five").contains("not a valid number"));
    assert!(compile_error("fd.sip = nothere").contains("not a valid IP"));
    assert!(compile_error("fd.connected = maybe").contains("not a valid boolean"));
    assert!(
        compile_error("fd.num in 5").contains("needs a list")
            || compile_error("fd.num in 5").contains("expected a list")
    );
}

#[test]
fn missing_values_are_never_equal() {
    // An exec has no fd: every fd check is false, even `!=`, and `not` flips it.
    let ev = exec();
    check(
        &ev,
        &[
            ("fd.name = x", false),
            ("fd.name != x", false),
            ("not fd.name = x", true),
            ("fd.name exists", false),
            ("not fd.name exists", true),
            ("fd.name in (\"<NA>\")", false),
            ("proc.aname[9] = x or proc.aname[9] != x", false),
            ("container.image exists", false),
            ("container.id = host and container.name = host", true),
            ("k8s.ns.name = prod", false),
        ],
    );
    // Names of ids with no account are text, as libsinsp gives them: `root` for 0 and
    // `<NA>` otherwise, so rules can test for them.
    let mut unknown = exec();
    unknown.process.user = None;
    unknown.process.group = None;
    unknown.process.loginname = None;
    check(
        &unknown,
        &[
            ("user.name = '<NA>' and group.name = '<NA>'", true),
            ("user.loginname = '<NA>'", true),
            ("user.name exists", true),
        ],
    );
    unknown.process.euid = 0;
    unknown.process.egid = 0;
    unknown.process.loginuid = None;
    check(
        &unknown,
        &[
            ("user.name = root and group.name = root", true),
            ("user.loginname = '<NA>' and user.loginuid = -1", true),
        ],
    );
}

#[test]
fn transformers() {
    let ev = exec();
    check(
        &ev,
        &[
            ("tolower(proc.cmdline) contains example.com", true),
            ("toupper(proc.name) = CURL", true),
            ("basename(proc.exepath) = curl", true),
            ("basename(proc.cwd) = alice", true),
            ("len(proc.name) = 4", true),
            ("len(proc.args) > 100", false),
            ("tolower(toupper(proc.name)) = curl", true),
            ("proc.name = val(proc.exe)", true),
            ("proc.name = val(proc.pname)", false),
            ("proc.exepath endswith val(proc.name)", true),
            ("proc.cmdline startswith val(proc.name)", true),
            ("proc.name != val(proc.aname[1])", true),
            ("proc.args contains val(proc.name)", false),
            ("toupper(proc.cmdline) icontains val(proc.exe)", true),
            ("proc.cmdline contains val(proc.cmdline)", true),
            ("proc.exepath > val(proc.cwd)", true),
            ("proc.cmdline contains val(proc.aname[9])", false),
        ],
    );
    let mut b64 = exec();
    b64.process.args = vec!["aGVsbG8gd29ybGQ=".into()];
    check(
        &b64,
        &[
            ("b64(proc.args) = 'hello world'", true),
            ("b64(proc.args) contains xyz", false),
        ],
    );
    assert!(compile_error("len(fd.num) = 1").contains("needs a string field"));
    assert!(
        compile_error("proc.name regex val(proc.exe)")
            .contains("cannot compare with another field")
    );
}

#[test]
fn process_tree_and_indexed_fields() {
    let ev = exec();
    check(
        &ev,
        &[
            ("proc.pname = bash and proc.aname[1] = bash", true),
            ("proc.aname[0] = curl", true),
            ("proc.aname[2] = sshd and proc.aname[3] = systemd", true),
            ("proc.aname[4] exists", false),
            // Without an index, any ancestor (not the process itself).
            ("proc.aname = sshd", true),
            ("proc.aname = curl", false),
            ("proc.aname in (systemd)", true),
            ("proc.aname intersects (nginx, sshd)", true),
            ("proc.aname intersects (nginx)", false),
            ("proc.aname pmatch (/usr)", false),
            ("proc.aexepath pmatch (/usr/sbin)", true),
            ("proc.name in ()", false),
            ("proc.apid = 1", true),
            ("proc.aexepath = /usr/sbin/sshd", true),
            ("proc.aexepath[2] = /usr/sbin/sshd", true),
            ("proc.acmdline[1] = 'bash -l'", true),
            ("proc.pcmdline = 'bash -l'", true),
            ("proc.pexepath = /usr/bin/bash", true),
            ("proc.sname = bash and proc.tty = 34816", true),
            (
                "thread.cap_effective contains CAP_SYS_ADMIN and thread.cap_effective icontains net_admin",
                true,
            ),
            ("thread.cap_permitted = CAP_SYS_ADMIN", true),
            ("thread.cap_inheritable = ''", true),
            ("proc.env contains HTTP_PROXY", true),
            (
                "proc.is_exe_upper_layer = true and proc.is_exe_from_memfd = false",
                true,
            ),
            ("evt.arg.flags = EXE_UPPER_LAYER", true),
            ("evt.arg[0] = 0 and evt.arg.res = 0", true),
            ("evt.arg.filename = /usr/bin/curl", true),
            ("evt.arg.nosuch exists", false),
            ("evt.type = execve and evt.num = 5 and evt.dir = '<'", true),
        ],
    );
    let mut flagged = exec();
    flagged.process.exe_flags.writable = true;
    assert!(holds(
        "evt.arg.flags = 'EXE_WRITABLE|EXE_UPPER_LAYER'",
        &flagged
    ));
}

#[test]
fn open_and_path_fields() {
    let ev = open("/var/log/syslog", "../log/syslog", 0o1101);
    check(
        &ev,
        &[
            ("evt.arg.flags = 'O_TRUNC|O_CREAT|O_WRONLY'", true),
            ("evt.arg.flags contains O_TRUNC", true),
            ("evt.arg.name = ../log/syslog and evt.arg[1] = -100", true),
            ("evt.arg.mode contains S_IXUSR", true),
            (
                "evt.is_open_write = true and evt.is_open_read = false",
                true,
            ),
            (
                "evt.is_open_create = true and evt.is_open_exec = true",
                true,
            ),
            ("fd.directory = /var/log and fd.filename = syslog", true),
            ("fd.nameraw glob '../*'", true),
            ("fd.typechar = f and fd.num >= 0", true),
            ("evt.args contains 'flags=O_TRUNC|O_CREAT|O_WRONLY'", true),
        ],
    );
}

#[test]
fn container_fields() {
    let ev = in_container(exec());
    check(
        &ev,
        &[
            (
                "container.id = 0123456789ab and container.full_id startswith 0123",
                true,
            ),
            (
                "container.image.repository = registry:5000/team/app and container.image.tag = v2",
                true,
            ),
            (
                "container.privileged = false and container.type = docker",
                true,
            ),
            (
                "container.start_ts > 0 and container.duration = 5000000000",
                true,
            ),
            (
                "k8s.ns.name = prod and k8s.pod.name = app-1 and k8s.pod.uid = u-1",
                true,
            ),
            (
                "container.mount.dest[/var/run/docker.sock] = /run/docker.sock",
                true,
            ),
            ("container.mount.dest[/proc*] in (\"<NA>\", \"N/A\")", true),
            ("container.mount.source[0] = /var/run/docker.sock", true),
            (
                "container.mounts contains 'docker.sock:/run/docker.sock::true:rprivate'",
                true,
            ),
        ],
    );
}

#[test]
fn precedence_parentheses_and_not() {
    let ev = exec();
    check(
        &ev,
        &[
            ("proc.name = x or proc.name = curl and proc.tty = 0", false),
            (
                "(proc.name = x or proc.name = curl) and proc.tty != 0",
                true,
            ),
            ("proc.name = curl or proc.name = x and proc.tty = 0", true),
            ("not proc.name = x and proc.name = curl", true),
            ("not (proc.name = x or proc.name = curl)", false),
            ("not not proc.name = curl", true),
            ("not(proc.name = curl)", false),
            ("proc.name=curl and(proc.tty!=0)", true),
            ("evt.type in (open, openat) or evt.type = execve", true),
            ("evt.type != execve", false),
            ("not evt.type in (execve)", false),
        ],
    );
}

#[test]
fn quoting_and_escapes() {
    let mut ev = exec();
    ev.process.args = vec![
        "say \"hi\"".into(),
        "it's".into(),
        "tab\there".into(),
        "back\\slash".into(),
    ];
    check(
        &ev,
        &[
            (r#"proc.args contains "say \"hi\"""#, true),
            (r"proc.args contains 'it\'s'", true),
            (r#"proc.args contains "tab\there""#, true),
            (r#"proc.args contains "back\\slash""#, true),
            (r#"proc.args contains 'say "hi"'"#, true),
            ("proc.name in (\"curl\", 'wget')", true),
        ],
    );
    assert!(compile_error(r#"proc.name = "\q""#).contains("unsupported string escape sequence"));
    assert!(compile_error("proc.name = 'unterminated").contains("expected"));
}

#[test]
fn parse_errors_name_what_was_expected() {
    assert!(compile_error("proc.name =").contains("expected a string value"));
    assert!(compile_error("proc.name = x and").contains("expected"));
    assert!(compile_error("(proc.name = x").contains("expected a ')' token"));
    assert!(compile_error("proc.name foo x").contains("expected a valid check operator"));
    assert!(compile_error("proc.nosuch = x").contains("nonexistent field proc.nosuch"));
    assert!(compile_error("evt.type = opne").contains("unknown event type opne"));
    assert!(compile_error("some_macro").contains("Undefined macro 'some_macro'"));
    assert!(compile_error("proc.aname[x] = y").contains("numeric ancestor index"));
}
