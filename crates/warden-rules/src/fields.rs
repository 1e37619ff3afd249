//! Falco's field names mapped onto [`warden_events::Event`]: the table, argument
//! checking at compile time, and extraction of borrowed values at evaluation time.

use std::net::IpAddr;

use warden_events::{Address, Ancestor, Detail, Event, FdInfo, FdKind, OpenFlags, Syscall};

use crate::tables;
use crate::text::{Text, TimeStyle};

/// The type a field has, which decides the operators it accepts and how the
/// right-hand side is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldType {
    Str,
    Int,
    Uint,
    Bool,
    Ip,
    /// An address compared against networks (`fd.net = 10.0.0.0/8`).
    Net,
    /// Nanoseconds since the epoch: a number in conditions and JSON, a clock in text.
    Time,
}

impl FieldType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            FieldType::Str => "string",
            FieldType::Int => "int64",
            FieldType::Uint => "uint64",
            FieldType::Bool => "bool",
            FieldType::Ip => "ipaddr",
            FieldType::Net => "ipnet",
            FieldType::Time => "abstime",
        }
    }
}

/// One extracted value. `Missing` is Falco's `<NA>`: every comparison with it is false.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'e> {
    Missing,
    Text(Text<'e>),
    Int(i64),
    Uint(u64),
    Bool(bool),
    Ip(IpAddr),
}

impl Value<'_> {
    pub(crate) fn number(&self) -> Option<i128> {
        match *self {
            Value::Int(n) => Some(i128::from(n)),
            Value::Uint(n) => Some(i128::from(n)),
            Value::Bool(b) => Some(i128::from(b)),
            _ => None,
        }
    }
}

/// Which field, as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Id {
    EvtType,
    EvtNum,
    EvtTime(TimeStyle),
    EvtRawtime,
    EvtRes,
    EvtRawres,
    EvtFailed,
    EvtDir,
    EvtArgs,
    EvtArg,
    EvtIsOpenRead,
    EvtIsOpenWrite,
    EvtIsOpenExec,
    EvtIsOpenCreate,
    EvtBuffer,
    EvtHostname,
    EvtSource,
    ProcPid,
    ProcPpid,
    ProcVpid,
    ProcName,
    ProcExe,
    ProcExepath,
    ProcArgs,
    ProcCmdline,
    ProcExeline,
    ProcCmdnargs,
    ProcCwd,
    ProcTty,
    ProcSid,
    ProcSname,
    ProcVpgid,
    ProcIsVpgidLeader,
    ProcPname,
    ProcPexe,
    ProcPexepath,
    ProcPcmdline,
    /// `proc.aname`, `proc.apid`, ...: the ancestor `arg` levels up (0 is the process),
    /// or any ancestor without an index.
    Ancestor(AncestorField),
    ProcDuration,
    ProcPidTs,
    ProcExeIno,
    ProcExeInoCtime,
    ProcExeInoMtime,
    ProcExeInoCtimeDurationProcStart,
    ProcIsExeUpperLayer,
    ProcIsExeFromMemfd,
    ProcIsExeWritable,
    ProcEnv,
    ThreadTid,
    ThreadCapEffective,
    ThreadCapPermitted,
    ThreadCapInheritable,
    ThreadCgroups,
    UserUid,
    UserName,
    UserLoginuid,
    UserLoginname,
    GroupGid,
    GroupName,
    FdNum,
    FdType,
    FdTypechar,
    FdName,
    FdNameraw,
    FdDirectory,
    FdFilename,
    FdIp(Side),
    FdPort(Side),
    FdNet(Side),
    FdIpName(Side),
    FdL4proto,
    FdSockfamily,
    FdConnected,
    FdNameChanged,
    FsPathName,
    FsPathNameraw,
    FsPathSource,
    FsPathSourceraw,
    FsPathTarget,
    FsPathTargetraw,
    ContainerIdShort,
    ContainerIdFull,
    ContainerName,
    ContainerImage,
    ContainerImageRepository,
    ContainerImageTag,
    ContainerImageDigest,
    ContainerType,
    ContainerPrivileged,
    ContainerStartTs,
    ContainerDuration,
    ContainerMounts,
    ContainerMountDest,
    ContainerMountSource,
    K8sNsName,
    K8sPodName,
    K8sPodUid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AncestorField {
    Name,
    Pid,
    Exe,
    Exepath,
    Cmdline,
}

/// Which end of a socket: `Either` is `fd.ip`/`fd.port`/`fd.net`, true when either
/// the client or the server side satisfies the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Either,
    Client,
    Server,
    Local,
    Remote,
}

/// What a field's `[argument]` may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArgRule {
    None,
    /// A number; without one the field means "any ancestor".
    AncestorIndex,
    /// `evt.arg[N]` or `evt.arg[name]`.
    Param,
    /// A required key (`container.mount.dest[/var/run/docker.sock]`).
    Key,
}

struct Def {
    name: &'static str,
    id: Id,
    ty: FieldType,
    arg: ArgRule,
}

const fn def(name: &'static str, id: Id, ty: FieldType) -> Def {
    Def {
        name,
        id,
        ty,
        arg: ArgRule::None,
    }
}

const fn def_arg(name: &'static str, id: Id, ty: FieldType, arg: ArgRule) -> Def {
    Def { name, id, ty, arg }
}

use FieldType::{Bool, Int, Ip, Net, Str, Time, Uint};

static TABLE: &[Def] = &[
    def("evt.type", Id::EvtType, Str),
    def("evt.num", Id::EvtNum, Uint),
    def("evt.time", Id::EvtTime(TimeStyle::Clock), Time),
    def("evt.time.s", Id::EvtTime(TimeStyle::Seconds), Str),
    def("evt.time.iso8601", Id::EvtTime(TimeStyle::Iso8601), Str),
    def("evt.datetime", Id::EvtTime(TimeStyle::DateTime), Str),
    def("evt.rawtime", Id::EvtRawtime, Uint),
    def("evt.res", Id::EvtRes, Str),
    def("evt.rawres", Id::EvtRawres, Int),
    def("evt.failed", Id::EvtFailed, Bool),
    def("evt.dir", Id::EvtDir, Str),
    def("evt.args", Id::EvtArgs, Str),
    def_arg("evt.arg", Id::EvtArg, Str, ArgRule::Param),
    def("evt.is_open_read", Id::EvtIsOpenRead, Bool),
    def("evt.is_open_write", Id::EvtIsOpenWrite, Bool),
    def("evt.is_open_exec", Id::EvtIsOpenExec, Bool),
    def("evt.is_open_create", Id::EvtIsOpenCreate, Bool),
    def("evt.buffer", Id::EvtBuffer, Str),
    def("evt.hostname", Id::EvtHostname, Str),
    def("evt.source", Id::EvtSource, Str),
    def("proc.pid", Id::ProcPid, Int),
    def("proc.ppid", Id::ProcPpid, Int),
    def("proc.vpid", Id::ProcVpid, Int),
    def("proc.name", Id::ProcName, Str),
    def("proc.exe", Id::ProcExe, Str),
    def("proc.exepath", Id::ProcExepath, Str),
    def("proc.args", Id::ProcArgs, Str),
    def("proc.cmdline", Id::ProcCmdline, Str),
    def("proc.exeline", Id::ProcExeline, Str),
    def("proc.cmdnargs", Id::ProcCmdnargs, Uint),
    def("proc.cwd", Id::ProcCwd, Str),
    def("proc.tty", Id::ProcTty, Uint),
    def("proc.sid", Id::ProcSid, Int),
    def("proc.sname", Id::ProcSname, Str),
    def("proc.vpgid", Id::ProcVpgid, Int),
    def("proc.is_vpgid_leader", Id::ProcIsVpgidLeader, Bool),
    def("proc.pname", Id::ProcPname, Str),
    def("proc.pexe", Id::ProcPexe, Str),
    def("proc.pexepath", Id::ProcPexepath, Str),
    def("proc.pcmdline", Id::ProcPcmdline, Str),
    def_arg(
        "proc.aname",
        Id::Ancestor(AncestorField::Name),
        Str,
        ArgRule::AncestorIndex,
    ),
    def_arg(
        "proc.apid",
        Id::Ancestor(AncestorField::Pid),
        Int,
        ArgRule::AncestorIndex,
    ),
    def_arg(
        "proc.aexe",
        Id::Ancestor(AncestorField::Exe),
        Str,
        ArgRule::AncestorIndex,
    ),
    def_arg(
        "proc.aexepath",
        Id::Ancestor(AncestorField::Exepath),
        Str,
        ArgRule::AncestorIndex,
    ),
    def_arg(
        "proc.acmdline",
        Id::Ancestor(AncestorField::Cmdline),
        Str,
        ArgRule::AncestorIndex,
    ),
    def("proc.duration", Id::ProcDuration, Uint),
    def("proc.pid.ts", Id::ProcPidTs, Time),
    def("proc.exe_ino", Id::ProcExeIno, Uint),
    def("proc.exe_ino.ctime", Id::ProcExeInoCtime, Time),
    def("proc.exe_ino.mtime", Id::ProcExeInoMtime, Time),
    def(
        "proc.exe_ino.ctime_duration_proc_start",
        Id::ProcExeInoCtimeDurationProcStart,
        Uint,
    ),
    def("proc.is_exe_upper_layer", Id::ProcIsExeUpperLayer, Bool),
    def("proc.is_exe_from_memfd", Id::ProcIsExeFromMemfd, Bool),
    def("proc.is_exe_writable", Id::ProcIsExeWritable, Bool),
    def("proc.env", Id::ProcEnv, Str),
    def("thread.tid", Id::ThreadTid, Int),
    def("thread.cap_effective", Id::ThreadCapEffective, Str),
    def("thread.cap_permitted", Id::ThreadCapPermitted, Str),
    def("thread.cap_inheritable", Id::ThreadCapInheritable, Str),
    def("thread.cgroups", Id::ThreadCgroups, Str),
    def("user.uid", Id::UserUid, Uint),
    def("user.name", Id::UserName, Str),
    def("user.loginuid", Id::UserLoginuid, Int),
    def("user.loginname", Id::UserLoginname, Str),
    def("group.gid", Id::GroupGid, Uint),
    def("group.name", Id::GroupName, Str),
    def("fd.num", Id::FdNum, Int),
    def("fd.type", Id::FdType, Str),
    def("fd.typechar", Id::FdTypechar, Str),
    def("fd.name", Id::FdName, Str),
    def("fd.nameraw", Id::FdNameraw, Str),
    def("fd.directory", Id::FdDirectory, Str),
    def("fd.filename", Id::FdFilename, Str),
    def("fd.ip", Id::FdIp(Side::Either), Ip),
    def("fd.cip", Id::FdIp(Side::Client), Ip),
    def("fd.sip", Id::FdIp(Side::Server), Ip),
    def("fd.lip", Id::FdIp(Side::Local), Ip),
    def("fd.rip", Id::FdIp(Side::Remote), Ip),
    def("fd.port", Id::FdPort(Side::Either), Uint),
    def("fd.cport", Id::FdPort(Side::Client), Uint),
    def("fd.sport", Id::FdPort(Side::Server), Uint),
    def("fd.lport", Id::FdPort(Side::Local), Uint),
    def("fd.rport", Id::FdPort(Side::Remote), Uint),
    def("fd.net", Id::FdNet(Side::Either), Net),
    def("fd.cnet", Id::FdNet(Side::Client), Net),
    def("fd.snet", Id::FdNet(Side::Server), Net),
    def("fd.lnet", Id::FdNet(Side::Local), Net),
    def("fd.rnet", Id::FdNet(Side::Remote), Net),
    def("fd.cip.name", Id::FdIpName(Side::Client), Str),
    def("fd.sip.name", Id::FdIpName(Side::Server), Str),
    def("fd.lip.name", Id::FdIpName(Side::Local), Str),
    def("fd.rip.name", Id::FdIpName(Side::Remote), Str),
    def("fd.l4proto", Id::FdL4proto, Str),
    def("fd.sockfamily", Id::FdSockfamily, Str),
    def("fd.connected", Id::FdConnected, Bool),
    def("fd.name_changed", Id::FdNameChanged, Bool),
    def("fs.path.name", Id::FsPathName, Str),
    def("fs.path.nameraw", Id::FsPathNameraw, Str),
    def("fs.path.source", Id::FsPathSource, Str),
    def("fs.path.sourceraw", Id::FsPathSourceraw, Str),
    def("fs.path.target", Id::FsPathTarget, Str),
    def("fs.path.targetraw", Id::FsPathTargetraw, Str),
    def("container.id", Id::ContainerIdShort, Str),
    def("container.full_id", Id::ContainerIdFull, Str),
    def("container.name", Id::ContainerName, Str),
    def("container.image", Id::ContainerImage, Str),
    def(
        "container.image.repository",
        Id::ContainerImageRepository,
        Str,
    ),
    def("container.image.tag", Id::ContainerImageTag, Str),
    def("container.image.digest", Id::ContainerImageDigest, Str),
    def("container.type", Id::ContainerType, Str),
    def("container.privileged", Id::ContainerPrivileged, Bool),
    def("container.start_ts", Id::ContainerStartTs, Time),
    def("container.duration", Id::ContainerDuration, Uint),
    def("container.mounts", Id::ContainerMounts, Str),
    def_arg(
        "container.mount.dest",
        Id::ContainerMountDest,
        Str,
        ArgRule::Key,
    ),
    def_arg(
        "container.mount.source",
        Id::ContainerMountSource,
        Str,
        ArgRule::Key,
    ),
    def("k8s.ns.name", Id::K8sNsName, Str),
    def("k8s.pod.name", Id::K8sPodName, Str),
    def("k8s.pod.uid", Id::K8sPodUid, Str),
    def("k8s.pod.id", Id::K8sPodUid, Str),
];

/// A field's argument, resolved at compile time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    None,
    Index(usize),
    Name(Box<str>),
}

/// A field as a condition or output names it, resolved against the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) id: Id,
    pub(crate) ty: FieldType,
    pub(crate) arg: Arg,
    /// The name as written, with its argument (`proc.aname[2]`).
    pub(crate) display: Box<str>,
}

/// Why a field does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldError {
    /// Falco's "filter_check called with nonexistent field" (skippable with
    /// `skip-if-unknown-filter`).
    Unknown(String),
    BadArgument(String),
}

impl FieldError {
    pub(crate) fn message(&self) -> String {
        match self {
            FieldError::Unknown(name) => {
                format!("filter_check called with nonexistent field {name}")
            }
            FieldError::BadArgument(message) => message.clone(),
        }
    }
}

/// Resolves `name[arg]`.
pub(crate) fn lookup(name: &str, arg: Option<&str>) -> Result<Field, FieldError> {
    let display: Box<str> = match arg {
        Some(arg) => format!("{name}[{arg}]").into(),
        None => name.into(),
    };
    // `evt.arg.NAME` and `evt.rawarg.NAME` name a syscall parameter directly.
    for prefix in ["evt.arg.", "evt.rawarg."] {
        if let Some(param) = name.strip_prefix(prefix) {
            if arg.is_some() {
                return Err(FieldError::BadArgument(format!(
                    "field {name} does not take an argument"
                )));
            }
            return Ok(Field {
                id: Id::EvtArg,
                ty: Str,
                arg: Arg::Name(param.into()),
                display,
            });
        }
    }
    let def = TABLE
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| FieldError::Unknown(name.to_owned()))?;
    let arg = match (def.arg, arg) {
        (ArgRule::None, None) | (ArgRule::AncestorIndex, None) => Arg::None,
        (ArgRule::None, Some(_)) => {
            return Err(FieldError::BadArgument(format!(
                "field {name} does not take an argument"
            )));
        }
        (ArgRule::AncestorIndex, Some(a)) => Arg::Index(a.parse().map_err(|_| {
            FieldError::BadArgument(format!(
                "field {name} needs a numeric ancestor index, not '{a}'"
            ))
        })?),
        (ArgRule::Param, Some(a)) => match a.parse() {
            Ok(i) => Arg::Index(i),
            Err(_) => Arg::Name(a.into()),
        },
        (ArgRule::Param | ArgRule::Key, None) => {
            return Err(FieldError::BadArgument(format!(
                "field {name} requires an argument"
            )));
        }
        (ArgRule::Key, Some(a)) => match a.parse() {
            Ok(i) => Arg::Index(i),
            Err(_) => Arg::Name(a.into()),
        },
    };
    Ok(Field {
        id: def.id,
        ty: def.ty,
        arg,
        display,
    })
}

/// A rough relative cost of extracting a field: values made of many pieces (command
/// lines, rendered flags) and walks over ancestors cost more than one borrowed string.
pub(crate) fn cost(field: &Field) -> u32 {
    match field.id {
        Id::ProcArgs
        | Id::ProcCmdline
        | Id::ProcExeline
        | Id::ProcPcmdline
        | Id::ProcEnv
        | Id::EvtArgs
        | Id::ContainerMounts
        | Id::ThreadCapEffective
        | Id::ThreadCapPermitted
        | Id::ThreadCapInheritable => 6,
        Id::EvtArg => 5,
        Id::Ancestor(_) if field.arg == Arg::None => 8,
        Id::Ancestor(AncestorField::Cmdline) => 6,
        Id::FdIp(_) | Id::FdNet(_) | Id::FdPort(_) => 3,
        _ => 1,
    }
}

/// What the engine knows beyond the event itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Host<'h> {
    pub(crate) hostname: &'h str,
}

/// Extracts a single-valued field.
pub(crate) fn extract<'e>(field: &'e Field, ev: &'e Event, host: Host<'e>) -> Value<'e> {
    let p = &ev.process;
    let some_str = |s: &'e Option<String>| {
        s.as_deref()
            .map_or(Value::Missing, |s| Value::Text(Text::Str(s)))
    };
    let container = ev.container.as_ref();
    let pod = container.and_then(|c| c.pod.as_ref());
    match field.id {
        Id::EvtType => Value::Text(Text::Str(ev.syscall.name())),
        Id::EvtNum => Value::Uint(ev.seq),
        Id::EvtTime(TimeStyle::Clock) => Value::Uint(ev.time),
        Id::EvtTime(style) => Value::Text(Text::Time(ev.time, style)),
        Id::EvtRawtime => Value::Uint(ev.time),
        Id::EvtRes => tables::errno_name(ev.res).map_or(Value::Text(Text::Int(ev.res)), |n| {
            Value::Text(Text::Str(n))
        }),
        Id::EvtRawres => Value::Int(ev.res),
        Id::EvtFailed => Value::Bool(ev.res < 0),
        Id::EvtDir => Value::Text(Text::Str("<")),
        Id::EvtArgs => Value::Text(Text::EventArgs(ev)),
        Id::EvtArg => param(ev, &field.arg).map_or(Value::Missing, Value::Text),
        Id::EvtIsOpenRead => open_flags(ev).map_or(Value::Missing, |(f, _)| Value::Bool(f.reads())),
        Id::EvtIsOpenWrite => {
            open_flags(ev).map_or(Value::Missing, |(f, _)| Value::Bool(f.writes()))
        }
        Id::EvtIsOpenExec => open_flags(ev).map_or(Value::Missing, |(f, mode)| {
            Value::Bool(f.has(OpenFlags::CREAT) && mode & 0o111 != 0)
        }),
        Id::EvtIsOpenCreate => open_flags(ev).map_or(Value::Missing, |(f, _)| {
            Value::Bool(f.has(OpenFlags::CREAT))
        }),
        // No Warden event carries I/O buffers.
        Id::EvtBuffer => Value::Missing,
        Id::EvtHostname => Value::Text(Text::Str(host.hostname)),
        Id::EvtSource => Value::Text(Text::Str("syscall")),
        Id::ProcPid => Value::Int(i64::from(p.pid)),
        Id::ProcPpid => Value::Int(i64::from(p.ppid)),
        Id::ProcVpid => Value::Int(i64::from(p.vpid)),
        Id::ProcName => Value::Text(Text::Str(&p.comm)),
        Id::ProcExe => Value::Text(Text::Str(&p.exe)),
        Id::ProcExepath => Value::Text(Text::Str(&p.exepath)),
        Id::ProcArgs => Value::Text(Text::Join {
            items: &p.args,
            sep: " ",
        }),
        Id::ProcCmdline => Value::Text(Text::Words {
            head: &p.comm,
            rest: &p.args,
        }),
        Id::ProcExeline => Value::Text(Text::Words {
            head: &p.exe,
            rest: &p.args,
        }),
        Id::ProcCmdnargs => Value::Uint(p.args.len() as u64),
        Id::ProcCwd => Value::Text(Text::Str(&p.cwd)),
        Id::ProcTty => Value::Uint(u64::from(p.tty)),
        Id::ProcSid => Value::Int(i64::from(p.sid)),
        Id::ProcSname => Value::Text(Text::Str(&p.sname)),
        Id::ProcVpgid => p.vpgid.map_or(Value::Missing, |g| Value::Int(i64::from(g))),
        Id::ProcIsVpgidLeader => p.vpgid.map_or(Value::Missing, |g| Value::Bool(g == p.vpid)),
        Id::ProcPname => ancestor(ev, 1, AncestorField::Name),
        Id::ProcPexe => ancestor(ev, 1, AncestorField::Exe),
        Id::ProcPexepath => ancestor(ev, 1, AncestorField::Exepath),
        Id::ProcPcmdline => ancestor(ev, 1, AncestorField::Cmdline),
        Id::Ancestor(which) => match field.arg {
            Arg::Index(level) => ancestor(ev, level, which),
            // Outputs show the parent for the unindexed form.
            _ => ancestor(ev, 1, which),
        },
        Id::ProcDuration => nonzero(p.start_time).map_or(Value::Missing, |start| {
            Value::Uint(ev.time.saturating_sub(start))
        }),
        Id::ProcPidTs => nonzero(p.start_time).map_or(Value::Missing, Value::Uint),
        Id::ProcExeIno => Value::Uint(p.exe_ino),
        Id::ProcExeInoCtime => nonzero(p.exe_ctime).map_or(Value::Missing, Value::Uint),
        Id::ProcExeInoMtime => nonzero(p.exe_mtime).map_or(Value::Missing, Value::Uint),
        Id::ProcExeInoCtimeDurationProcStart => match (nonzero(p.exe_ctime), nonzero(p.start_time))
        {
            (Some(ctime), Some(start)) => Value::Uint(start.saturating_sub(ctime)),
            _ => Value::Missing,
        },
        Id::ProcIsExeUpperLayer => Value::Bool(p.exe_flags.upper_layer),
        Id::ProcIsExeFromMemfd => Value::Bool(p.exe_flags.memfd),
        Id::ProcIsExeWritable => Value::Bool(p.exe_flags.writable),
        Id::ProcEnv if p.env.is_empty() => Value::Missing,
        Id::ProcEnv => Value::Text(Text::Join {
            items: &p.env,
            sep: " ",
        }),
        Id::ThreadTid => Value::Int(i64::from(p.tid)),
        Id::ThreadCapEffective => caps(p.cap_effective),
        Id::ThreadCapPermitted => caps(p.cap_permitted),
        Id::ThreadCapInheritable => caps(p.cap_inheritable),
        Id::ThreadCgroups => Value::Text(Text::Str(&p.cgroup)),
        Id::UserUid => Value::Uint(u64::from(p.euid)),
        Id::UserName => account_name(p.user.as_deref(), Some(p.euid)),
        Id::UserLoginuid => Value::Int(p.loginuid.map_or(-1, i64::from)),
        Id::UserLoginname => account_name(p.loginname.as_deref(), p.loginuid),
        Id::GroupGid => Value::Uint(u64::from(p.egid)),
        Id::GroupName => account_name(p.group.as_deref(), Some(p.egid)),
        Id::FdNum => fd_of(ev).map_or(Value::Missing, |fd| Value::Int(fd.num)),
        Id::FdType => fd_of(ev).map_or(Value::Missing, |fd| {
            Value::Text(Text::Str(fd_type_name(fd.kind)))
        }),
        Id::FdTypechar => fd_of(ev).map_or(Value::Missing, |fd| {
            Value::Text(Text::Str(typechar(fd.kind)))
        }),
        Id::FdName => fd_of(ev).map_or(Value::Missing, |fd| Value::Text(Text::Str(fd.name))),
        Id::FdNameraw => fd_of(ev).map_or(Value::Missing, |fd| Value::Text(Text::Str(fd.raw))),
        Id::FdDirectory => {
            file_path(ev).map_or(Value::Missing, |path| Value::Text(Text::Str(dirname(path))))
        }
        Id::FdFilename => file_path(ev).map_or(Value::Missing, |path| {
            Value::Text(Text::Str(basename(path)))
        }),
        Id::FdIp(side) => address(ev, side)
            .and_then(|a| a.ip.parse().ok())
            .map_or(Value::Missing, Value::Ip),
        Id::FdNet(side) => address(ev, side)
            .and_then(|a| a.ip.parse().ok())
            .map_or(Value::Missing, Value::Ip),
        Id::FdPort(side) => {
            address(ev, side).map_or(Value::Missing, |a| Value::Uint(u64::from(a.port)))
        }
        Id::FdIpName(side) => {
            side_name(ev, side).map_or(Value::Missing, |n| Value::Text(Text::Str(n)))
        }
        Id::FdL4proto => fd_of(ev)
            .and_then(|fd| fd.l4proto)
            .map_or(Value::Missing, |p| Value::Text(Text::Str(p))),
        Id::FdSockfamily => fd_of(ev)
            .and_then(|fd| sockfamily(fd.kind))
            .map_or(Value::Missing, |f| Value::Text(Text::Str(f))),
        Id::FdConnected => fd_of(ev)
            .and_then(|fd| fd.info)
            .map_or(Value::Missing, |info| Value::Bool(info.connected)),
        Id::FdNameChanged => fd_of(ev).map_or(Value::Missing, |fd| Value::Bool(fd.name_changed)),
        Id::FsPathName => {
            fs_path(ev).map_or(Value::Missing, |(name, _)| Value::Text(Text::Str(name)))
        }
        Id::FsPathNameraw => {
            fs_path(ev).map_or(Value::Missing, |(_, raw)| Value::Text(Text::Str(raw)))
        }
        Id::FsPathSource | Id::FsPathSourceraw => {
            fs_pair(ev).map_or(Value::Missing, |(s, _)| Value::Text(Text::Str(s)))
        }
        Id::FsPathTarget | Id::FsPathTargetraw => {
            fs_pair(ev).map_or(Value::Missing, |(_, t)| Value::Text(Text::Str(t)))
        }
        // Host processes belong to Falco's pseudo-container `host`.
        Id::ContainerIdShort => Value::Text(Text::Str(container.map_or("host", |c| &c.id))),
        Id::ContainerIdFull => Value::Text(Text::Str(container.map_or("host", |c| &c.full_id))),
        Id::ContainerName => match container {
            None => Value::Text(Text::Str("host")),
            Some(c) => some_str(&c.name),
        },
        Id::ContainerImage => container.map_or(Value::Missing, |c| some_str(&c.image)),
        Id::ContainerImageRepository => container
            .and_then(|c| c.image_repository())
            .map_or(Value::Missing, |r| Value::Text(Text::Str(r))),
        Id::ContainerImageTag => container
            .and_then(|c| image_tag(c.image.as_deref()?))
            .map_or(Value::Missing, |t| Value::Text(Text::Str(t))),
        Id::ContainerImageDigest => container
            .and_then(|c| c.image.as_deref()?.split_once('@').map(|(_, d)| d))
            .map_or(Value::Missing, |d| Value::Text(Text::Str(d))),
        Id::ContainerType => Value::Text(Text::Str(container.map_or("host", |c| &c.runtime))),
        Id::ContainerPrivileged => container
            .and_then(|c| c.privileged)
            .map_or(Value::Missing, Value::Bool),
        Id::ContainerStartTs => container
            .and_then(|c| c.start_time)
            .map_or(Value::Missing, Value::Uint),
        Id::ContainerDuration => container
            .and_then(|c| c.start_time)
            .map_or(Value::Missing, |start| {
                Value::Uint(ev.time.saturating_sub(start))
            }),
        Id::ContainerMounts => {
            container.map_or(Value::Missing, |c| Value::Text(Text::Mounts(&c.mounts)))
        }
        Id::ContainerMountDest | Id::ContainerMountSource => match container {
            None => Value::Missing,
            Some(c) => {
                let want_dest = field.id == Id::ContainerMountDest;
                // The container plugin answers "N/A" for a mount the container lacks.
                mount(c, &field.arg, want_dest)
                    .map_or(Value::Text(Text::Str("N/A")), |s| Value::Text(Text::Str(s)))
            }
        },
        Id::K8sNsName => pod.map_or(Value::Missing, |p| some_str(&p.namespace)),
        Id::K8sPodName => pod.map_or(Value::Missing, |p| some_str(&p.name)),
        Id::K8sPodUid => pod.map_or(Value::Missing, |p| Value::Text(Text::Str(&p.uid))),
    }
}

/// Whether the field has several values to try ([`any_value`]) rather than one.
pub(crate) fn is_multi_valued(field: &Field) -> bool {
    matches!(
        field.id,
        Id::FdIp(Side::Either) | Id::FdNet(Side::Either) | Id::FdPort(Side::Either)
    ) || matches!(field.id, Id::Ancestor(_) if field.arg == Arg::None)
}

/// Every value of a multi-valued use (`proc.aname` without index: each ancestor;
/// `fd.ip`: client and server). Calls `f` until it returns true; returns that.
pub(crate) fn any_value<'e>(
    field: &'e Field,
    ev: &'e Event,
    host: Host<'e>,
    f: &mut dyn FnMut(Value<'e>) -> bool,
) -> bool {
    match field.id {
        Id::Ancestor(which) if field.arg == Arg::None => {
            (1..=ev.process.ancestors.len()).any(|level| f(ancestor(ev, level, which)))
        }
        Id::FdIp(Side::Either) | Id::FdNet(Side::Either) => {
            [Side::Client, Side::Server].into_iter().any(|side| {
                address(ev, side)
                    .and_then(|a| a.ip.parse().ok())
                    .is_some_and(|ip| f(Value::Ip(ip)))
            })
        }
        Id::FdPort(Side::Either) => [Side::Client, Side::Server]
            .into_iter()
            .any(|side| address(ev, side).is_some_and(|a| f(Value::Uint(u64::from(a.port))))),
        _ => f(extract(field, ev, host)),
    }
}

/// A user or group name as libsinsp gives it: an id with no entry is `root` for 0 and
/// the text `<NA>` otherwise (rules test for that text, e.g. `user.name in ("<NA>")`).
fn account_name(name: Option<&str>, id: Option<u32>) -> Value<'_> {
    Value::Text(Text::Str(match (name, id) {
        (Some(name), _) => name,
        (None, Some(0)) => "root",
        (None, _) => "<NA>",
    }))
}

fn nonzero(n: u64) -> Option<u64> {
    (n != 0).then_some(n)
}

fn caps(bits: u64) -> Value<'static> {
    Value::Text(Text::Flags {
        bits,
        table: &tables::CAPABILITIES,
        zero_as_number: false,
    })
}

fn ancestor(ev: &Event, level: usize, which: AncestorField) -> Value<'_> {
    let p = &ev.process;
    if level == 0 {
        return match which {
            AncestorField::Name => Value::Text(Text::Str(&p.comm)),
            AncestorField::Pid => Value::Int(i64::from(p.pid)),
            AncestorField::Exe => Value::Text(Text::Str(&p.exe)),
            AncestorField::Exepath => Value::Text(Text::Str(&p.exepath)),
            AncestorField::Cmdline => Value::Text(Text::Words {
                head: &p.comm,
                rest: &p.args,
            }),
        };
    }
    let Some(a): Option<&Ancestor> = p.ancestors.get(level - 1) else {
        return Value::Missing;
    };
    match which {
        AncestorField::Name => Value::Text(Text::Str(&a.comm)),
        AncestorField::Pid => Value::Int(i64::from(a.pid)),
        AncestorField::Exe => Value::Text(Text::Str(&a.exe)),
        AncestorField::Exepath => Value::Text(Text::Str(&a.exepath)),
        AncestorField::Cmdline => Value::Text(Text::Words {
            head: &a.comm,
            rest: &a.args,
        }),
    }
}

fn image_tag(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let name = &without_digest[last_slash..];
    name.split_once(':').map(|(_, tag)| tag)
}

/// `container.mount.dest[X]` / `.source[X]`: by index, or by the other end's path
/// (a glob, as the container plugin matches it).
fn mount<'e>(c: &'e warden_events::Container, arg: &Arg, want_dest: bool) -> Option<&'e str> {
    let found = match arg {
        Arg::Index(i) => c.mounts.get(*i),
        Arg::Name(key) => c.mounts.iter().find(|m| {
            let other = if want_dest { &m.source } else { &m.dest };
            glob_match(key.as_bytes(), other.as_bytes())
        }),
        Arg::None => None,
    }?;
    Some(if want_dest {
        &found.dest
    } else {
        &found.source
    })
}

/// A small `*`/`?` glob for mount keys (no allocation).
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            p += 1;
            mark = t;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

fn open_flags(ev: &Event) -> Option<(OpenFlags, u32)> {
    match &ev.detail {
        Detail::Open { flags, mode, .. } => Some((*flags, *mode)),
        _ => None,
    }
}

/// The fd an event is about, as Falco's `fd.*` fields see it.
#[derive(Clone, Copy)]
struct FdView<'e> {
    num: i64,
    kind: FdKind,
    name: &'e str,
    raw: &'e str,
    l4proto: Option<&'e str>,
    info: Option<&'e FdInfo>,
    /// Whether the local end is the server (accepted and listening sockets).
    server_is_local: bool,
    name_changed: bool,
}

fn socket_view(num: i64, info: &FdInfo, server_is_local: bool, name_changed: bool) -> FdView<'_> {
    FdView {
        num,
        kind: info.kind,
        name: &info.name,
        raw: &info.name,
        l4proto: info.l4proto.as_deref(),
        info: Some(info),
        server_is_local,
        name_changed,
    }
}

fn fd_of(ev: &Event) -> Option<FdView<'_>> {
    Some(match &ev.detail {
        Detail::Open {
            fd,
            path,
            raw,
            flags,
            ..
        } => FdView {
            num: *fd,
            kind: if flags.has(OpenFlags::DIRECTORY) {
                FdKind::Directory
            } else {
                FdKind::File
            },
            name: path,
            raw,
            l4proto: None,
            info: None,
            server_is_local: false,
            name_changed: false,
        },
        Detail::Connect { fd, info, .. } => socket_view(*fd, info, false, true),
        Detail::Accept { info, .. } => socket_view(ev.res, info, true, false),
        Detail::Listen { fd, info, .. } => socket_view(*fd, info, true, false),
        Detail::Send { fd, address, info } => socket_view(*fd, info, false, address.is_some()),
        Detail::Dup { old_fd, info, .. } => socket_view(*old_fd, info, false, false),
        Detail::Socket { domain, kind, .. } => FdView {
            num: ev.res,
            kind: match domain {
                1 => FdKind::Unix,
                2 => FdKind::Ipv4,
                10 => FdKind::Ipv6,
                16 => FdKind::Netlink,
                _ => FdKind::Unknown,
            },
            name: "",
            raw: "",
            l4proto: match kind & 0xf {
                1 => Some("tcp"),
                2 => Some("udp"),
                3 => Some("raw"),
                _ => None,
            },
            info: None,
            server_is_local: false,
            name_changed: false,
        },
        Detail::MemfdCreate { name, .. } => FdView {
            num: ev.res,
            kind: FdKind::Memfd,
            name,
            raw: name,
            l4proto: None,
            info: None,
            server_is_local: false,
            name_changed: false,
        },
        _ => return None,
    })
}

fn file_path(ev: &Event) -> Option<&str> {
    fd_of(ev)
        .filter(|fd| matches!(fd.kind, FdKind::File | FdKind::Directory))
        .map(|fd| fd.name)
}

fn address(ev: &Event, side: Side) -> Option<&Address> {
    let fd = fd_of(ev)?;
    let info = fd.info?;
    let local = side_is_local(side, fd.server_is_local)?;
    if local {
        info.local.as_ref()
    } else {
        info.remote.as_ref()
    }
}

fn side_name(ev: &Event, side: Side) -> Option<&str> {
    let fd = fd_of(ev)?;
    let info = fd.info?;
    if side_is_local(side, fd.server_is_local)? {
        info.local_name.as_deref()
    } else {
        info.remote_name.as_deref()
    }
}

fn side_is_local(side: Side, server_is_local: bool) -> Option<bool> {
    Some(match side {
        Side::Local => true,
        Side::Remote => false,
        Side::Server => server_is_local,
        Side::Client => !server_is_local,
        Side::Either => return None,
    })
}

fn fd_type_name(kind: FdKind) -> &'static str {
    match kind {
        FdKind::File => "file",
        FdKind::Directory => "directory",
        FdKind::Ipv4 => "ipv4",
        FdKind::Ipv6 => "ipv6",
        FdKind::Unix => "unix",
        FdKind::Pipe => "pipe",
        FdKind::Memfd => "memfd",
        FdKind::Event => "event",
        FdKind::Signalfd => "signalfd",
        FdKind::Eventpoll => "eventpoll",
        FdKind::Inotify => "inotify",
        FdKind::Timerfd => "timerfd",
        FdKind::Netlink => "netlink",
        FdKind::Unknown => "unknown",
    }
}

fn typechar(kind: FdKind) -> &'static str {
    match kind.typechar() {
        'f' => "f",
        'd' => "d",
        '4' => "4",
        '6' => "6",
        'u' => "u",
        'p' => "p",
        'm' => "m",
        'e' => "e",
        's' => "s",
        'l' => "l",
        'i' => "i",
        't' => "t",
        'n' => "n",
        _ => "o",
    }
}

fn sockfamily(kind: FdKind) -> Option<&'static str> {
    match kind {
        FdKind::Ipv4 | FdKind::Ipv6 => Some("ip"),
        FdKind::Unix => Some("unix"),
        _ => None,
    }
}

/// The directory part of a path, as `fd.directory` shows it (`/etc` for `/etc/shadow`).
fn dirname(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => path,
    }
}

fn basename(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

fn fs_path(ev: &Event) -> Option<(&str, &str)> {
    match &ev.detail {
        Detail::Unlink { path, raw, .. } => Some((path, raw)),
        Detail::Mkdir { path, .. } | Detail::Chmod { path, .. } | Detail::Chown { path, .. } => {
            Some((path, path))
        }
        _ => None,
    }
}

fn fs_pair(ev: &Event) -> Option<(&str, &str)> {
    match &ev.detail {
        Detail::Rename {
            old_path, new_path, ..
        }
        | Detail::Link { old_path, new_path } => Some((old_path, new_path)),
        Detail::Symlink { target, link_path } => Some((target, link_path)),
        _ => None,
    }
}

fn exe_flag_bits(ev: &Event) -> u64 {
    let f = ev.process.exe_flags;
    u64::from(f.writable) | u64::from(f.upper_layer) << 1 | u64::from(f.memfd) << 2
}

fn flags(bits: u64, table: &'static crate::text::FlagTable) -> Text<'static> {
    Text::Flags {
        bits,
        table,
        zero_as_number: true,
    }
}

/// One parameter of the event's syscall, by name or position (`evt.arg.NAME`,
/// `evt.arg[N]`), rendered as Falco renders it (flags by name).
pub(crate) fn param<'e>(ev: &'e Event, which: &Arg) -> Option<Text<'e>> {
    let mut found = None;
    let mut index = 0;
    for_each_param(ev, &mut |name, value| {
        let hit = match which {
            Arg::Name(n) => **n == *name,
            Arg::Index(i) => *i == index,
            Arg::None => false,
        };
        index += 1;
        if hit {
            found = Some(value);
        }
        !hit
    });
    found
}

/// Calls `f` with each (name, value) parameter of the event's syscall, in Falco's
/// order, until it returns false.
pub(crate) fn for_each_param<'e>(
    ev: &'e Event,
    each: &mut dyn FnMut(&'static str, Text<'e>) -> bool,
) {
    let p = &ev.process;
    let res = Text::Int(ev.res);
    let s = |v: &'e str| Text::Str(v);
    let n = |v: i64| Text::Int(v);
    let u = |v: u64| Text::Uint(v);
    match &ev.detail {
        Detail::Exec { filename, .. } => {
            emit(each, task_params(ev, res))
                && emit(
                    each,
                    [
                        ("cgroups", s(&p.cgroup)),
                        (
                            "env",
                            Text::Join {
                                items: &p.env,
                                sep: " ",
                            },
                        ),
                        ("tty", u(p.tty.into())),
                        ("loginuid", n(p.loginuid.map_or(-1, i64::from))),
                        ("flags", flags(exe_flag_bits(ev), &tables::EXE_FLAGS)),
                        (
                            "cap_inheritable",
                            Text::Flags {
                                bits: p.cap_inheritable,
                                table: &tables::CAPABILITIES,
                                zero_as_number: false,
                            },
                        ),
                        (
                            "cap_permitted",
                            Text::Flags {
                                bits: p.cap_permitted,
                                table: &tables::CAPABILITIES,
                                zero_as_number: false,
                            },
                        ),
                        (
                            "cap_effective",
                            Text::Flags {
                                bits: p.cap_effective,
                                table: &tables::CAPABILITIES,
                                zero_as_number: false,
                            },
                        ),
                        ("exe_ino", u(p.exe_ino)),
                        ("exe_ino_ctime", u(p.exe_ctime)),
                        ("exe_ino_mtime", u(p.exe_mtime)),
                        ("uid", u(p.euid.into())),
                        ("trusted_exepath", s(&p.exepath)),
                        ("gid", u(p.egid.into())),
                        ("filename", s(filename)),
                    ],
                )
        }
        Detail::Fork {
            child_pid,
            clone_flags,
            ..
        } => {
            emit(each, task_params(ev, res))
                && emit(
                    each,
                    [
                        ("flags", u(*clone_flags)),
                        ("uid", u(p.euid.into())),
                        ("gid", u(p.egid.into())),
                        ("child_pid", n((*child_pid).into())),
                    ],
                )
        }
        Detail::Exit { status } => emit(
            each,
            [
                ("status", n(status.code.into())),
                ("ret", n(status.code.into())),
                ("sig", n(status.signal.into())),
                ("core", u(status.core_dumped.into())),
            ],
        ),
        Detail::Open {
            fd,
            raw,
            flags: open,
            mode,
            dirfd,
            ..
        } => {
            let mode = flags(u64::from(*mode), &tables::MODE_FLAGS);
            let open = flags(u64::from(open.0), &tables::OPEN_FLAGS);
            match ev.syscall {
                Syscall::Creat => emit(each, [("fd", n(*fd)), ("name", s(raw)), ("mode", mode)]),
                Syscall::Open => emit(
                    each,
                    [
                        ("fd", n(*fd)),
                        ("name", s(raw)),
                        ("flags", open),
                        ("mode", mode),
                    ],
                ),
                _ => emit(
                    each,
                    [
                        ("fd", n(*fd)),
                        ("dirfd", n(*dirfd)),
                        ("name", s(raw)),
                        ("flags", open),
                        ("mode", mode),
                    ],
                ),
            }
        }
        Detail::Unlink { raw, flags: f, .. } => match ev.syscall {
            Syscall::Unlinkat => emit(
                each,
                [("res", res), ("name", s(raw)), ("flags", u((*f).into()))],
            ),
            _ => emit(each, [("res", res), ("path", s(raw))]),
        },
        Detail::Rename {
            old_path,
            new_path,
            flags: f,
        } => emit(
            each,
            [
                ("res", res),
                ("oldpath", s(old_path)),
                ("newpath", s(new_path)),
                ("flags", u((*f).into())),
            ],
        ),
        Detail::Chmod { path, mode } => emit(
            each,
            [
                ("res", res),
                ("filename", s(path)),
                ("mode", flags(u64::from(*mode), &tables::MODE_FLAGS)),
            ],
        ),
        Detail::Chown { path, uid, gid } => emit(
            each,
            [
                ("res", res),
                ("path", s(path)),
                ("uid", n(*uid)),
                ("gid", n(*gid)),
            ],
        ),
        Detail::Link { old_path, new_path } => emit(
            each,
            [
                ("res", res),
                ("oldpath", s(old_path)),
                ("newpath", s(new_path)),
            ],
        ),
        Detail::Symlink { target, link_path } => emit(
            each,
            [
                ("res", res),
                ("target", s(target)),
                ("linkpath", s(link_path)),
            ],
        ),
        Detail::Mkdir { path, mode } => emit(
            each,
            [
                ("res", res),
                ("path", s(path)),
                ("mode", flags(u64::from(*mode), &tables::MODE_FLAGS)),
            ],
        ),
        Detail::Connect { fd, info, .. } => emit(
            each,
            [("res", res), ("tuple", s(&info.name)), ("fd", n(*fd))],
        ),
        Detail::Accept { info, .. } => emit(each, [("fd", res), ("tuple", s(&info.name))]),
        Detail::Listen { fd, backlog, .. } => emit(
            each,
            [
                ("res", res),
                ("fd", n(*fd)),
                ("backlog", n((*backlog).into())),
            ],
        ),
        Detail::Bind { fd, .. } => emit(each, [("res", res), ("fd", n(*fd))]),
        Detail::Socket {
            domain,
            kind,
            protocol,
        } => emit(
            each,
            [
                ("fd", res),
                (
                    "domain",
                    flags(
                        u64::try_from(*domain).unwrap_or(0),
                        &tables::SOCKET_FAMILIES,
                    ),
                ),
                ("type", n((*kind).into())),
                ("proto", n((*protocol).into())),
            ],
        ),
        Detail::Send { fd, info, .. } => emit(
            each,
            [("res", res), ("tuple", s(&info.name)), ("fd", n(*fd))],
        ),
        Detail::Dup { old_fd, new_fd, .. } => match ev.syscall {
            Syscall::Dup => emit(each, [("res", res), ("oldfd", n(*old_fd))]),
            _ => emit(
                each,
                [("res", res), ("oldfd", n(*old_fd)), ("newfd", n(*new_fd))],
            ),
        },
        Detail::Ptrace { request, pid } => emit(
            each,
            [
                ("res", res),
                ("request", s(request.name())),
                ("pid", n(*pid)),
            ],
        ),
        Detail::MemfdCreate { name, flags: f } => emit(
            each,
            [("fd", res), ("name", s(name)), ("flags", u((*f).into()))],
        ),
        Detail::LoadModule { params, .. } => emit(each, [("res", res), ("uargs", s(params))]),
        Detail::Mount {
            source,
            target,
            fstype,
            flags: f,
        } => emit(
            each,
            [
                ("res", res),
                ("dev", s(source)),
                ("dir", s(target)),
                ("type", s(fstype)),
                ("flags", u(*f)),
            ],
        ),
        Detail::Umount { target, flags: f } => emit(
            each,
            [("res", res), ("name", s(target)), ("flags", u((*f).into()))],
        ),
        Detail::SetTime { .. } => emit(each, [("res", res)]),
        Detail::Unshare { flags: f } => emit(each, [("res", res), ("flags", u(*f))]),
        Detail::Setns { fd, nstype } => emit(
            each,
            [
                ("res", res),
                ("fd", n(*fd)),
                ("nstype", n((*nstype).into())),
            ],
        ),
        Detail::Bpf { cmd } => emit(each, [("res", res), ("cmd", n((*cmd).into()))]),
        Detail::Userfaultfd { flags: f } => emit(each, [("res", res), ("flags", u((*f).into()))]),
        Detail::SetIds {
            real,
            effective,
            saved,
        } => match ev.syscall {
            Syscall::Setuid => emit(each, [("res", res), ("uid", n(*real))]),
            Syscall::Setgid => emit(each, [("res", res), ("gid", n(*real))]),
            Syscall::Setreuid => emit(
                each,
                [("res", res), ("ruid", n(*real)), ("euid", n(*effective))],
            ),
            Syscall::Setregid => emit(
                each,
                [("res", res), ("rgid", n(*real)), ("egid", n(*effective))],
            ),
            Syscall::Setresgid => emit(
                each,
                [
                    ("res", res),
                    ("rgid", n(*real)),
                    ("egid", n(*effective)),
                    ("sgid", n(*saved)),
                ],
            ),
            _ => emit(
                each,
                [
                    ("res", res),
                    ("ruid", n(*real)),
                    ("euid", n(*effective)),
                    ("suid", n(*saved)),
                ],
            ),
        },
    };
}

/// The parameters `execve` and `clone` begin with: the task, as the event shows it.
fn task_params<'e>(ev: &'e Event, res: Text<'e>) -> [(&'static str, Text<'e>); 8] {
    let p = &ev.process;
    [
        ("res", res),
        ("exe", Text::Str(&p.exe)),
        (
            "args",
            Text::Join {
                items: &p.args,
                sep: " ",
            },
        ),
        ("tid", Text::Int(p.tid.into())),
        ("pid", Text::Int(p.pid.into())),
        ("ptid", Text::Int(p.ppid.into())),
        ("cwd", Text::Str(&p.cwd)),
        ("comm", Text::Str(&p.comm)),
    ]
}

/// Calls `f` with each parameter until it returns false; whether it never did.
fn emit<'e, const N: usize>(
    f: &mut dyn FnMut(&'static str, Text<'e>) -> bool,
    params: [(&'static str, Text<'e>); N],
) -> bool {
    params.into_iter().all(|(name, value)| f(name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_checks_arguments() {
        assert_eq!(lookup("proc.aname", Some("3")).unwrap().arg, Arg::Index(3));
        assert!(matches!(
            lookup("proc.aname", Some("x")),
            Err(FieldError::BadArgument(_))
        ));
        assert!(matches!(
            lookup("proc.nosuch", None),
            Err(FieldError::Unknown(_))
        ));
        assert!(matches!(
            lookup("proc.name", Some("1")),
            Err(FieldError::BadArgument(_))
        ));
        assert_eq!(
            lookup("evt.arg.flags", None).unwrap().arg,
            Arg::Name("flags".into())
        );
        assert_eq!(lookup("evt.arg", Some("0")).unwrap().arg, Arg::Index(0));
        assert!(lookup("container.mount.dest", None).is_err());
    }

    #[test]
    fn paths_split_like_falco() {
        assert_eq!(dirname("/etc/shadow"), "/etc");
        assert_eq!(dirname("/shadow"), "/");
        assert_eq!(basename("/etc/shadow"), "shadow");
        assert_eq!(image_tag("registry:5000/app:v2"), Some("v2"));
        assert_eq!(image_tag("registry:5000/app"), None);
        assert!(glob_match(b"/proc*", b"/proc/sys"));
        assert!(!glob_match(b"/proc*", b"/pro"));
    }
}
