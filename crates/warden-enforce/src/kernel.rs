//! The BPF half of enforcement: loads `bpf/enforce.o`, attaches what this kernel
//! allows, and gives the agent the maps that drive it.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Duration;

use aya::maps::{Array, HashMap, MapData, PerCpuArray, RingBuf};
use aya::programs::{BtfTracePoint, CgroupAttachMode, CgroupSockAddr, Lsm};
use aya::{Btf, Ebpf, EbpfLoader};

use crate::net::NetRule;
use crate::raw::{
    self, COUNT_EXEC_DENIED, COUNT_EXEC_KILLED, COUNT_MAX, COUNT_NET_DENIED, COUNT_OPEN_DENIED,
    COUNT_RING_LOST, EXEMPT_SET, FILELESS_DELETED, FILELESS_MEMFD, MAX_NET_RULES, PROTECT_READ,
    PROTECT_WRITE, RawCgroupSetKey, RawConfig, RawFileKey, RawNetRule,
};
use crate::{EnforceError, FileId, KernelEvent, cgroup};

/// Built by `scripts/build-bpf` from `bpf/enforce.bpf.c`; CI checks it is up to date.
static ENFORCE_OBJECT: &[u8] = aya::include_bytes_aligned!("../bpf/enforce.o");

/// The cgroup sock_addr programs and the hook each one is attached to.
const NETWORK_PROGRAMS: [(&str, &str); 6] = [
    ("enforce_connect4", "connect4"),
    ("enforce_connect6", "connect6"),
    ("enforce_sendmsg4", "sendmsg4"),
    ("enforce_sendmsg6", "sendmsg6"),
    ("enforce_bind4", "bind4"),
    ("enforce_bind6", "bind6"),
];

/// The BPF LSM programs and their hooks, the first doubling as the probe.
const LSM_PROGRAMS: [(&str, &str); 3] = [
    ("lsm_bprm_check", "bprm_check_security"),
    ("lsm_file_open", "file_open"),
    ("lsm_socket_connect", "socket_connect"),
];

/// Whether BPF LSM programs load here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LsmStatus {
    /// `bprm_check_security`, `file_open` and `socket_connect` are attached.
    Attached,
    /// The kernel refused the probe program; `errno` when the refusal carried one.
    Refused { errno: Option<i32>, message: String },
}

/// What the kernel half attached; `Err` holds why a path is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelPaths {
    /// The cgroup v2 directory the network programs are attached to.
    pub cgroup_root: Result<PathBuf, String>,
    /// The sock_addr hooks attached (`connect4`, ...), in [`NETWORK_PROGRAMS`] order.
    pub network_hooks: Vec<&'static str>,
    /// Hooks that failed to load or attach, with the reason.
    pub network_failures: Vec<(&'static str, String)>,
    pub exec_backstop: Result<(), String>,
    pub lsm: LsmStatus,
}

/// Counters kept by the kernel programs, summed over CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KernelCounters {
    pub network_denied: u64,
    pub exec_killed: u64,
    pub exec_denied: u64,
    pub open_denied: u64,
    /// Denials and kills carried out but not reported: the ring buffer was full.
    pub reports_lost: u64,
}

/// What one attached program has cost so far (zero unless `kernel.bpf_stats_enabled`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramCost {
    pub program: String,
    pub runs: u64,
    pub run_time: Duration,
}

/// What fileless executables the exec backstop (and BPF LSM) stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FilelessPolicy {
    /// Executables run from a memfd (`memfd_create` + `fexecve`).
    pub memfd: bool,
    /// Executables whose file was unlinked before the exec.
    pub deleted: bool,
    /// `None`: every process; `Some(set)`: processes in that cgroup set.
    pub cgroup_set: Option<u32>,
}

/// How a file is protected by BPF LSM `file_open` (where BPF LSM loads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProtection {
    /// Opens for writing (or truncating) fail with EPERM.
    Writes,
    /// Every open fails with EPERM.
    AllOpens,
}

/// The loaded enforcement programs. Dropping it detaches everything (the links are
/// owned by this process; nothing is pinned), as does the process dying.
pub struct KernelEnforcer {
    paths: KernelPaths,
    config: RawConfig,
    live_table: u32,
    config_map: Array<MapData, RawConfig>,
    net_rules: Array<MapData, RawNetRule>,
    cgroup_sets: HashMap<MapData, RawCgroupSetKey, u8>,
    exempt_tgids: HashMap<MapData, u32, u8>,
    exec_deny: HashMap<MapData, RawFileKey, u32>,
    protected_files: HashMap<MapData, RawFileKey, u32>,
    counters: PerCpuArray<MapData, u64>,
    ring: RingBuf<MapData>,
    // Owns the programs and their links.
    ebpf: Ebpf,
}

impl std::fmt::Debug for KernelEnforcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelEnforcer")
            .field("paths", &self.paths)
            .field("counters", &self.counters())
            .finish()
    }
}

fn bpf_error(what: &str) -> impl Fn(&dyn std::error::Error) -> EnforceError + '_ {
    move |err| EnforceError::Bpf(format!("{what}: {}", error_chain(err)))
}

/// An error with its sources (aya's outer errors name the step, the inner the cause).
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn errno_in_chain(err: &(dyn std::error::Error + 'static)) -> Option<i32> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(code) = io.raw_os_error()
        {
            return Some(code);
        }
        current = e.source();
    }
    None
}

/// Refuses the reserved set numbers (0 means "every process", `u32::MAX` is the
/// exemption set).
pub(crate) fn check_set(set: u32) -> Result<u32, EnforceError> {
    if set == 0 || set == EXEMPT_SET {
        return Err(EnforceError::Invalid {
            what: "cgroup set",
            reason: format!("set {set} is reserved; use 1 to {}", EXEMPT_SET - 1),
        });
    }
    Ok(set)
}

impl KernelEnforcer {
    /// Loads the object, exempts this process, and attaches every path the kernel
    /// allows: the network programs on the cgroup v2 root, the exec backstop, and the
    /// BPF LSM programs if the probe loads. Fails only when nothing can be loaded
    /// (no BTF, no BPF); a path that did not attach is reported in [`Self::paths`].
    pub fn load() -> Result<KernelEnforcer, EnforceError> {
        let btf = Btf::from_sys_fs().map_err(|e| bpf_error("kernel BTF")(&e))?;
        let mut ebpf = EbpfLoader::new()
            .btf(Some(&btf))
            .load(ENFORCE_OBJECT)
            .map_err(|e| bpf_error("loading the enforcement BPF object")(&e))?;

        let config_map: Array<MapData, RawConfig> = take_map(&mut ebpf, "enforce_config")?;
        let net_rules: Array<MapData, RawNetRule> = take_map(&mut ebpf, "net_rules")?;
        let cgroup_sets: HashMap<MapData, RawCgroupSetKey, u8> =
            take_map(&mut ebpf, "cgroup_sets")?;
        let mut exempt_tgids: HashMap<MapData, u32, u8> = take_map(&mut ebpf, "exempt_tgids")?;
        let exec_deny: HashMap<MapData, RawFileKey, u32> = take_map(&mut ebpf, "exec_deny")?;
        let protected_files: HashMap<MapData, RawFileKey, u32> =
            take_map(&mut ebpf, "protected_files")?;
        let counters: PerCpuArray<MapData, u64> = take_map(&mut ebpf, "counters")?;
        let ring: RingBuf<MapData> = take_map(&mut ebpf, "enforce_events")?;

        // Before anything is attached: the agent is never enforced on.
        exempt_tgids
            .insert(std::process::id(), 1, 0)
            .map_err(|e| bpf_error("exempting the agent")(&e))?;

        let cgroup_root = match cgroup::v2_mount() {
            Ok(Some(root)) => Ok(root),
            Ok(None) => Err("no cgroup v2 hierarchy is mounted".to_owned()),
            Err(err) => Err(format!("reading /proc/self/mountinfo: {err}")),
        };
        let mut network_hooks = Vec::new();
        let mut network_failures = Vec::new();
        match &cgroup_root {
            Ok(root) => match File::open(root) {
                Ok(root_dir) => {
                    for (name, hook) in NETWORK_PROGRAMS {
                        match attach_sock_addr(&mut ebpf, name, &root_dir) {
                            Ok(()) => network_hooks.push(hook),
                            Err(reason) => network_failures.push((hook, reason)),
                        }
                    }
                }
                Err(err) => {
                    let reason = format!("opening {}: {err}", root.display());
                    network_failures
                        .extend(NETWORK_PROGRAMS.map(|(_, hook)| (hook, reason.clone())));
                }
            },
            Err(reason) => {
                network_failures.extend(NETWORK_PROGRAMS.map(|(_, hook)| (hook, reason.clone())));
            }
        }

        let exec_backstop = program::<BtfTracePoint>(&mut ebpf, "exec_backstop").and_then(|p| {
            p.load("sched_process_exec", &btf)
                .map_err(|e| error_chain(&e))?;
            p.attach().map(|_| ()).map_err(|e| error_chain(&e))
        });
        let lsm = attach_lsm(&mut ebpf, &btf);

        Ok(KernelEnforcer {
            paths: KernelPaths {
                cgroup_root,
                network_hooks,
                network_failures,
                exec_backstop,
                lsm,
            },
            config: RawConfig::default(),
            live_table: 0,
            config_map,
            net_rules,
            cgroup_sets,
            exempt_tgids,
            exec_deny,
            protected_files,
            counters,
            ring,
            ebpf,
        })
    }

    /// What is attached and what is not (and why).
    pub fn paths(&self) -> &KernelPaths {
        &self.paths
    }

    /// Replaces the network deny rules at once: the programs see the old set or the new
    /// one, never a mix. At most 128 rules.
    pub fn set_network_rules(&mut self, rules: &[NetRule]) -> Result<(), EnforceError> {
        if rules.len() > MAX_NET_RULES as usize {
            return Err(EnforceError::Invalid {
                what: "network rules",
                reason: format!(
                    "{} rules; the kernel table holds {MAX_NET_RULES}",
                    rules.len()
                ),
            });
        }
        for rule in rules {
            for hook in rule.hooks() {
                if !self.paths.network_hooks.contains(&hook) {
                    return Err(EnforceError::Unavailable(
                        "network deny",
                        format!(
                            "rule {} needs the cgroup {hook} hook: {}",
                            rule.id,
                            self.network_failure_summary()
                        ),
                    ));
                }
            }
        }
        let encoded = rules
            .iter()
            .map(NetRule::to_raw)
            .collect::<Result<Vec<_>, _>>()?;
        let idle = 1 - self.live_table;
        for (i, rule) in encoded.iter().enumerate() {
            self.net_rules
                .set(idle * MAX_NET_RULES + i as u32, rule, 0)
                .map_err(|e| bpf_error("writing a network rule")(&e))?;
        }
        self.config.net_active = (u64::from(idle) << 32) | encoded.len() as u64;
        self.write_config()?;
        self.live_table = idle;
        Ok(())
    }

    fn network_failure_summary(&self) -> String {
        self.paths
            .network_failures
            .iter()
            .map(|(hook, reason)| format!("{hook}: {reason}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn write_config(&mut self) -> Result<(), EnforceError> {
        self.config_map
            .set(0, self.config, 0)
            .map_err(|e| bpf_error("writing the enforcement settings")(&e))
    }

    /// Puts a cgroup (by its v2 id, see [`crate::cgroup_id`]) in a cgroup set; processes
    /// in it or in any cgroup below it belong to the set. Sets are numbered 1 to
    /// `u32::MAX - 1`.
    pub fn add_to_cgroup_set(&mut self, set: u32, cgroup_id: u64) -> Result<(), EnforceError> {
        let key = RawCgroupSetKey {
            cgroup_id,
            set: check_set(set)?,
            pad: 0,
        };
        self.cgroup_sets
            .insert(key, 1, 0)
            .map_err(|e| bpf_error("adding to a cgroup set")(&e))
    }

    pub fn remove_from_cgroup_set(&mut self, set: u32, cgroup_id: u64) -> Result<(), EnforceError> {
        let key = RawCgroupSetKey {
            cgroup_id,
            set: check_set(set)?,
            pad: 0,
        };
        remove_if_present(self.cgroup_sets.remove(&key), "removing from a cgroup set")
    }

    /// Never enforce on this process (a helper the agent started). Exec and network
    /// programs check the thread-group id.
    pub fn exempt_process(&mut self, pid: u32) -> Result<(), EnforceError> {
        self.exempt_tgids
            .insert(pid, 1, 0)
            .map_err(|e| bpf_error("exempting a process")(&e))
    }

    pub fn unexempt_process(&mut self, pid: u32) -> Result<(), EnforceError> {
        if pid == std::process::id() {
            return Err(EnforceError::SelfProtection(
                "remove the agent's own exemption".to_owned(),
            ));
        }
        remove_if_present(self.exempt_tgids.remove(&pid), "removing an exemption")
    }

    /// Never enforce on processes in this cgroup or below it (the agent's own cgroup).
    pub fn exempt_cgroup(&mut self, cgroup_id: u64) -> Result<(), EnforceError> {
        let key = RawCgroupSetKey {
            cgroup_id,
            set: EXEMPT_SET,
            pad: 0,
        };
        self.cgroup_sets
            .insert(key, 1, 0)
            .map_err(|e| bpf_error("exempting a cgroup")(&e))
    }

    /// Lists a file whose exec is stopped: denied with EPERM by BPF LSM where it is
    /// attached, else SIGKILLed by the exec backstop before the image runs. List every
    /// identity of the file: for container images both the file as the container sees
    /// it and the real file under the overlay (the backstop also checks the real file
    /// of an overlay exec, so the real identity alone catches both). The backstop sees
    /// what runs: a listed script's interpreter runs, not the script, so scripts are
    /// stopped by the fanotify guard (BPF LSM checks every interpreter hop).
    pub fn deny_exec(&mut self, file: FileId, rule_id: u32) -> Result<(), EnforceError> {
        self.require_exec_path()?;
        self.exec_deny
            .insert(RawFileKey::of(file), rule_id, 0)
            .map_err(|e| bpf_error("adding to the exec deny list")(&e))
    }

    pub fn allow_exec(&mut self, file: FileId) -> Result<(), EnforceError> {
        remove_if_present(
            self.exec_deny.remove(&RawFileKey::of(file)),
            "removing from the exec deny list",
        )
    }

    /// Which fileless executables are stopped, and for whom.
    pub fn set_fileless_policy(&mut self, policy: FilelessPolicy) -> Result<(), EnforceError> {
        if policy.memfd || policy.deleted {
            self.require_exec_path()?;
        }
        self.config.fileless = (if policy.memfd { FILELESS_MEMFD } else { 0 })
            | (if policy.deleted { FILELESS_DELETED } else { 0 });
        self.config.fileless_set = match policy.cgroup_set {
            None => 0,
            Some(set) => check_set(set)?,
        };
        self.write_config()
    }

    fn require_exec_path(&self) -> Result<(), EnforceError> {
        match (&self.paths.exec_backstop, &self.paths.lsm) {
            (Ok(()), _) | (_, LsmStatus::Attached) => Ok(()),
            (Err(reason), _) => Err(EnforceError::Unavailable("exec backstop", reason.clone())),
        }
    }

    /// Protects a file with BPF LSM `file_open`. Where BPF LSM is refused (as on the
    /// project's kernel) this fails: protect it through the fanotify guard instead.
    pub fn protect_file(
        &mut self,
        file: FileId,
        protection: FileProtection,
    ) -> Result<(), EnforceError> {
        if let LsmStatus::Refused { message, .. } = &self.paths.lsm {
            return Err(EnforceError::Unavailable(
                "BPF LSM file_open",
                message.clone(),
            ));
        }
        let flags = match protection {
            FileProtection::Writes => PROTECT_WRITE,
            FileProtection::AllOpens => PROTECT_READ | PROTECT_WRITE,
        };
        self.protected_files
            .insert(RawFileKey::of(file), flags, 0)
            .map_err(|e| bpf_error("protecting a file")(&e))
    }

    /// Waits up to `timeout` for reports, then hands each one to `each`.
    pub fn poll_events(&mut self, timeout: Duration, mut each: impl FnMut(KernelEvent)) {
        let timeout_ms = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [nix::poll::PollFd::new(
            self.ring.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        // An interrupted poll only means we look early.
        let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(timeout_ms));
        while let Some(item) = self.ring.next() {
            if let Some(event) = raw::decode(&item) {
                each(event);
            }
        }
    }

    /// The run count and time of every loaded program (the kernel counts only while
    /// `sysctl kernel.bpf_stats_enabled=1`).
    pub fn program_costs(&self) -> Vec<ProgramCost> {
        let mut costs: Vec<ProgramCost> = self
            .ebpf
            .programs()
            .filter_map(|(name, program)| {
                let info = program.info().ok()?;
                Some(ProgramCost {
                    program: name.to_owned(),
                    runs: info.run_count(),
                    run_time: info.run_time(),
                })
            })
            .collect();
        costs.sort_by(|a, b| a.program.cmp(&b.program));
        costs
    }

    pub fn counters(&self) -> KernelCounters {
        let mut sums = [0u64; COUNT_MAX as usize];
        for (index, sum) in sums.iter_mut().enumerate() {
            if let Ok(values) = self.counters.get(&(index as u32), 0) {
                *sum = values.iter().sum();
            }
        }
        KernelCounters {
            network_denied: sums[COUNT_NET_DENIED],
            exec_killed: sums[COUNT_EXEC_KILLED],
            exec_denied: sums[COUNT_EXEC_DENIED],
            open_denied: sums[COUNT_OPEN_DENIED],
            reports_lost: sums[COUNT_RING_LOST],
        }
    }
}

fn remove_if_present(
    result: Result<(), aya::maps::MapError>,
    what: &str,
) -> Result<(), EnforceError> {
    match result {
        Ok(()) | Err(aya::maps::MapError::KeyNotFound) => Ok(()),
        Err(err) => Err(bpf_error(what)(&err)),
    }
}

fn attach_sock_addr(ebpf: &mut Ebpf, name: &str, root: &File) -> Result<(), String> {
    let program = program::<CgroupSockAddr>(ebpf, name)?;
    program.load().map_err(|e| error_chain(&e))?;
    // A cgroup BPF link is always attached in multi mode: a program a container
    // runtime attaches lower in the tree runs in addition to ours, never instead.
    program
        .attach(root, CgroupAttachMode::Single)
        .map(|_| ())
        .map_err(|e| error_chain(&e))
}

fn attach_lsm(ebpf: &mut Ebpf, btf: &Btf) -> LsmStatus {
    let refused = |hook: &str, err: &aya::programs::ProgramError| LsmStatus::Refused {
        errno: errno_in_chain(err),
        message: format!("{hook}: {}", error_chain(err)),
    };
    // Load all three (the first doubles as the probe) before attaching any, and on a
    // failure unload the ones already in: the report never claims half an LSM path.
    let mut failure = None;
    for (name, hook) in LSM_PROGRAMS {
        let loaded = match program::<Lsm>(ebpf, name) {
            Ok(p) => p.load(hook, btf).map_err(|e| refused(hook, &e)),
            Err(message) => Err(LsmStatus::Refused {
                errno: None,
                message,
            }),
        };
        if let Err(status) = loaded {
            failure = Some(status);
            break;
        }
    }
    if failure.is_none() {
        for (name, hook) in LSM_PROGRAMS {
            if let Ok(p) = program::<Lsm>(ebpf, name)
                && let Err(err) = p.attach()
            {
                failure = Some(refused(hook, &err));
                break;
            }
        }
    }
    let Some(status) = failure else {
        return LsmStatus::Attached;
    };
    for (name, _) in LSM_PROGRAMS {
        if let Ok(p) = program::<Lsm>(ebpf, name) {
            // Unloading a program that never loaded is a no-op error.
            let _ = p.unload();
        }
    }
    status
}

fn take_map<T>(ebpf: &mut Ebpf, name: &str) -> Result<T, EnforceError>
where
    T: TryFrom<aya::maps::Map, Error = aya::maps::MapError>,
{
    let map = ebpf
        .take_map(name)
        .ok_or_else(|| EnforceError::Bpf(format!("map {name} missing from the object")))?;
    T::try_from(map).map_err(|e| bpf_error(name)(&e))
}

fn program<'a, T>(ebpf: &'a mut Ebpf, name: &str) -> Result<&'a mut T, String>
where
    &'a mut T: TryFrom<&'a mut aya::programs::Program, Error = aya::programs::ProgramError>,
{
    let program = ebpf
        .program_mut(name)
        .ok_or_else(|| format!("program {name} missing from the object"))?;
    program
        .try_into()
        .map_err(|e| format!("program {name}: {e}"))
}
