//! Warden's runtime events: what the sensor saw, with the process, user and container
//! context the rule engine needs, in one self-contained value per event.
//!
//! The same structure is what `warden trace --json` prints (one JSON object per line,
//! schema [`SCHEMA`]) and what `warden rules test` replays, so a capture from a real
//! machine is a test fixture as it stands. Every event is complete on its own: the
//! process context (including ancestors) is copied in at enrichment time, never looked
//! up later, so a replay needs no process table.
//!
//! Field names follow the kernel and Falco's vocabulary where one exists (`comm`,
//! `exepath`, `loginuid`, `cap_effective`), so the rule engine's mapping from Falco fields
//! is a table, not a translation.

mod detail;
mod loss;
mod process;
mod syscall;

pub use detail::{
    Address, Detail, ExitStatus, FdInfo, FdKind, OpenFlags, PtraceRequest, SocketFamily, TimeChange,
};
pub use loss::{LOSS_SCHEMA, LossRecord, TraceLine};
pub use process::{Ancestor, Container, ExeFlags, Mount, Pod, Process};
pub use syscall::Syscall;

use serde::{Deserialize, Serialize};

/// The schema name every JSON line carries; bumped when a field changes meaning.
pub const SCHEMA: &str = "warden.event/v1";

/// One observed event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// [`SCHEMA`]; lines without it are refused on replay.
    pub schema: String,
    /// Sensor sequence number, strictly increasing within one sensor run (Falco's `evt.num`).
    pub seq: u64,
    /// Nanoseconds since the Unix epoch.
    pub time: u64,
    /// The syscall (or scheduler event) this is (Falco's `evt.type`).
    pub syscall: Syscall,
    /// The return value: 0 or positive on success, `-errno` on failure (Falco's
    /// `evt.rawres`). Scheduler events (fork, exit) have 0.
    pub res: i64,
    /// What happened, with the syscall's arguments.
    pub detail: Detail,
    /// The thread that caused the event, as it was at that moment.
    pub process: Process,
    /// The container the process runs in; `None` on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
}

impl Event {
    /// Whether the syscall succeeded.
    pub fn succeeded(&self) -> bool {
        self.res >= 0
    }

    /// One JSON line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        // Events hold only strings, numbers, booleans and lists: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses one JSON line, refusing other schemas.
    pub fn from_json_line(line: &str) -> Result<Event, String> {
        let event: Event = serde_json::from_str(line).map_err(|e| e.to_string())?;
        if event.schema != SCHEMA {
            return Err(format!("schema {:?} is not {SCHEMA:?}", event.schema));
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_process() -> Process {
        Process {
            pid: 4242,
            tid: 4242,
            ppid: 4000,
            uid: 1000,
            gid: 1000,
            euid: 1000,
            egid: 1000,
            loginuid: Some(1000),
            user: Some("alice".into()),
            group: Some("alice".into()),
            loginname: Some("alice".into()),
            comm: "nc".into(),
            exe: "nc".into(),
            exepath: "/usr/bin/nc.openbsd".into(),
            args: vec![
                "-e".into(),
                "/bin/sh".into(),
                "10.0.0.1".into(),
                "4444".into(),
            ],
            cwd: "/home/alice".into(),
            tty: 34816,
            cap_effective: 0,
            cap_permitted: 0,
            cap_inheritable: 0,
            cgroup_id: 1,
            cgroup: "/user.slice".into(),
            mntns: 4026531832,
            pidns: 4026531836,
            start_time: 1_763_000_000_000_000_000,
            exec_id: 77,
            exe_flags: ExeFlags::default(),
            exe_dev: 0xfe00,
            exe_ino: 1234,
            exe_ctime: 1_700_000_000_000_000_000,
            exe_mtime: 1_700_000_000_000_000_000,
            sid: 3900,
            sname: "bash".into(),
            vpgid: None,
            env: Vec::new(),
            vpid: 4242,
            ancestors: vec![Ancestor {
                pid: 4000,
                comm: "bash".into(),
                exe: "-bash".into(),
                exepath: "/usr/bin/bash".into(),
                args: vec![],
                uid: 1000,
                exec_id: 70,
            }],
        }
    }

    #[test]
    fn events_round_trip_through_json_lines() {
        let event = Event {
            schema: SCHEMA.into(),
            seq: 9,
            time: 1_763_000_000_123_456_789,
            syscall: Syscall::Connect,
            res: 0,
            detail: Detail::Connect {
                fd: 3,
                address: Address {
                    family: SocketFamily::Inet,
                    ip: "10.0.0.1".into(),
                    port: 4444,
                },
                info: FdInfo::socket(
                    FdKind::Ipv4,
                    "tcp",
                    Address {
                        family: SocketFamily::Inet,
                        ip: "192.168.1.5".into(),
                        port: 51000,
                    },
                    Address {
                        family: SocketFamily::Inet,
                        ip: "10.0.0.1".into(),
                        port: 4444,
                    },
                ),
            },
            process: sample_process(),
            container: None,
        };
        let line = event.to_json_line();
        assert!(
            line.starts_with(r#"{"schema":"warden.event/v1","seq":9,"#),
            "{line}"
        );
        assert!(line.contains(r#""syscall":"connect""#), "{line}");
        assert!(line.contains(r#""detail":{"connect":{"fd":3,"#), "{line}");
        assert_eq!(Event::from_json_line(&line).unwrap(), event);
    }

    #[test]
    fn other_schemas_are_refused() {
        let event = Event {
            schema: "warden.event/v0".into(),
            seq: 1,
            time: 1,
            syscall: Syscall::Exit,
            res: 0,
            detail: Detail::Exit {
                status: ExitStatus {
                    code: 0,
                    signal: 0,
                    core_dumped: false,
                },
            },
            process: sample_process(),
            container: None,
        };
        let err = Event::from_json_line(&event.to_json_line()).unwrap_err();
        assert!(err.contains("is not \"warden.event/v1\""), "{err}");
    }
}
