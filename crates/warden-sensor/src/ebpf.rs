//! Loads the committed BPF object with aya, attaches its programs, and reads the ring
//! buffer. The only module (with `raw.rs`) that knows the object's maps and programs.

use std::os::fd::AsFd;
use std::time::Duration;

use aya::maps::{LpmTrie, MapData, PerCpuArray, ProgramArray, RingBuf, lpm_trie::Key};
use aya::programs::BtfTracePoint;
use aya::{Btf, Ebpf, EbpfLoader};

use crate::enrich::syscall_of;
use crate::raw::KIND_COUNT;
use crate::{Hook, PathFilter, ProgramCost, SensorConfig, SensorError};

/// Built by `scripts/build-bpf` from `bpf/sensor.bpf.c`; CI checks it is up to date.
static SENSOR_OBJECT: &[u8] = aya::include_bytes_aligned!("../bpf/sensor.o");

/// The scheduler programs, each attached to the `tp_btf` tracepoint of its name.
const SCHED_PROGRAMS: [&str; 3] = [
    "sched_process_exec",
    "sched_process_fork",
    "sched_process_exit",
];

/// The `sys_exit` handlers and the x86_64 syscalls each one takes.
pub(crate) const SYSCALL_HANDLERS: [(&str, &[u32]); 4] = [
    // open openat openat2 creat
    ("sys_exit_open", &[2, 257, 437, 85]),
    // unlink unlinkat rmdir mkdir mkdirat chmod fchmod fchmodat fchmodat2 chown fchown
    // lchown fchownat rename renameat renameat2 link linkat symlink symlinkat
    (
        "sys_exit_path",
        &[
            87, 263, 84, 83, 258, 90, 91, 268, 452, 92, 93, 94, 260, 82, 264, 316, 86, 265, 88, 266,
        ],
    ),
    // connect accept accept4 listen bind sendto sendmsg recvfrom recvmsg dup dup2 dup3
    // socket
    (
        "sys_exit_socket",
        &[42, 43, 288, 50, 49, 44, 46, 45, 47, 32, 33, 292, 41],
    ),
    // ptrace memfd_create init_module finit_module mount umount2 settimeofday
    // clock_settime adjtimex setuid setgid setreuid setregid setresuid setresgid
    // unshare setns bpf userfaultfd
    (
        "sys_exit_other",
        &[
            101, 319, 175, 313, 165, 166, 164, 227, 159, 105, 106, 113, 114, 117, 119, 272, 308,
            321, 323,
        ],
    ),
];

const PATH_INCLUDE: u32 = 1;
const PATH_EXCLUDE: u32 = 2;
const PATH_KEY_BYTES: usize = 256;

/// The loaded, attached programs and the maps userspace reads.
pub(crate) struct EbpfSource {
    ring: RingBuf<MapData>,
    lost: PerCpuArray<MapData, u64>,
    // Owning these keeps the filters and the tail-call table alive: the kernel empties
    // a program array when its last user reference closes.
    _syscall_programs: Option<ProgramArray<MapData>>,
    _path_filters: LpmTrie<MapData, [u8; PATH_KEY_BYTES], u32>,
    ebpf: Ebpf,
    /// What is attached, for the capability report.
    pub(crate) hooks: Vec<Hook>,
}

fn load_error(what: &str) -> impl Fn(aya::programs::ProgramError) -> SensorError + '_ {
    move |err| SensorError::Ebpf(format!("{what}: {}", error_chain(&err)))
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

impl EbpfSource {
    pub(crate) fn load(config: &SensorConfig) -> Result<EbpfSource, SensorError> {
        let btf = Btf::from_sys_fs().map_err(|e| SensorError::Ebpf(format!("kernel BTF: {e}")))?;
        let own_tgid = std::process::id();
        let wakeup_bytes: u64 = u64::from(config.ring_buffer_bytes / 4);
        let filter_enabled: u32 = u32::from(!config.path_filters.is_empty());
        let default_verdict: u32 = if config
            .path_filters
            .iter()
            .any(|f| matches!(f, PathFilter::Include(_)))
        {
            PATH_EXCLUDE
        } else {
            PATH_INCLUDE
        };
        let mut ebpf = EbpfLoader::new()
            .btf(Some(&btf))
            // The exec-id task storage has no userspace API in aya 0.14; the programs
            // alone use it, and the kernel creates it like any other map.
            .allow_unsupported_maps()
            .override_global("sensor_tgid", &own_tgid, true)
            .override_global("wakeup_bytes", &wakeup_bytes, true)
            .override_global("path_filter_enabled", &filter_enabled, true)
            .override_global("path_default_verdict", &default_verdict, true)
            .map_max_entries("events", config.ring_buffer_bytes)
            .load(SENSOR_OBJECT)
            .map_err(|e| {
                SensorError::Ebpf(format!("loading the BPF object: {}", error_chain(&e)))
            })?;

        let mut path_filters: LpmTrie<MapData, [u8; PATH_KEY_BYTES], u32> =
            take_map(&mut ebpf, "path_filters")?;
        for filter in &config.path_filters {
            let (prefix, verdict) = match filter {
                PathFilter::Include(p) => (p, PATH_INCLUDE),
                PathFilter::Exclude(p) => (p, PATH_EXCLUDE),
            };
            let bytes = prefix.as_bytes();
            let len = bytes.len().min(PATH_KEY_BYTES);
            let mut data = [0u8; PATH_KEY_BYTES];
            data[..len].copy_from_slice(&bytes[..len]);
            path_filters
                .insert(&Key::new((len * 8) as u32, data), verdict, 0)
                .map_err(|e| SensorError::Ebpf(format!("path filter {prefix:?}: {e}")))?;
        }

        // Handlers first, the table next, the dispatcher last: no syscall is seen
        // half-configured. Only the selected syscalls get a table entry; with none,
        // the dispatcher is not attached and other syscalls cost nothing.
        let mut hooks = Vec::new();
        let selected = |nr: u32| syscall_of(nr).is_some_and(|s| config.events.includes(s));
        let syscall_programs = if SYSCALL_HANDLERS
            .iter()
            .any(|(_, syscalls)| syscalls.iter().any(|&nr| selected(nr)))
        {
            let mut table: ProgramArray<MapData> = take_map(&mut ebpf, "syscall_programs")?;
            for (name, syscalls) in SYSCALL_HANDLERS {
                let wanted: Vec<u32> = syscalls
                    .iter()
                    .copied()
                    .filter(|&nr| selected(nr))
                    .collect();
                if wanted.is_empty() {
                    continue;
                }
                let program: &mut BtfTracePoint = program(&mut ebpf, name)?;
                program.load("sys_exit", &btf).map_err(load_error(name))?;
                let fd = program.fd().map_err(load_error(name))?;
                for &nr in &wanted {
                    table
                        .set(nr, fd, 0)
                        .map_err(|e| SensorError::Ebpf(format!("syscall table entry {nr}: {e}")))?;
                }
                let mut syscalls: Vec<_> = wanted.iter().filter_map(|&nr| syscall_of(nr)).collect();
                syscalls.dedup();
                hooks.push(Hook {
                    program: name,
                    attach_point: "tp_btf/sys_exit (tail call)".into(),
                    syscalls,
                });
            }
            let dispatcher: &mut BtfTracePoint = program(&mut ebpf, "sys_exit")?;
            dispatcher
                .load("sys_exit", &btf)
                .map_err(load_error("sys_exit"))?;
            dispatcher.attach().map_err(load_error("sys_exit"))?;
            hooks.push(Hook {
                program: "sys_exit",
                attach_point: "tp_btf/sys_exit".into(),
                syscalls: Vec::new(),
            });
            Some(table)
        } else {
            None
        };
        for name in SCHED_PROGRAMS {
            let program: &mut BtfTracePoint = program(&mut ebpf, name)?;
            program.load(name, &btf).map_err(load_error(name))?;
            program.attach().map_err(load_error(name))?;
            hooks.push(Hook {
                program: name,
                attach_point: format!("tp_btf/{name}"),
                syscalls: Vec::new(),
            });
        }

        let ring: RingBuf<MapData> = take_map(&mut ebpf, "events")?;
        let lost: PerCpuArray<MapData, u64> = take_map(&mut ebpf, "lost_events")?;
        Ok(EbpfSource {
            ring,
            lost,
            _syscall_programs: syscall_programs,
            _path_filters: path_filters,
            ebpf,
            hooks,
        })
    }

    /// Waits up to `timeout` for the kernel to flag data (it wakes us only past a
    /// threshold: a wakeup per event costs ~6 µs), then hands every record to `each`.
    pub(crate) fn drain(&mut self, timeout: Duration, mut each: impl FnMut(&[u8])) {
        let timeout_ms = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [nix::poll::PollFd::new(
            self.ring.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        // An interrupted or failed poll only means we drain a little early.
        let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(timeout_ms));
        while let Some(item) = self.ring.next() {
            each(&item);
        }
    }

    /// Ring-buffer reserve failures so far, per event kind, summed over CPUs.
    pub(crate) fn lost_counts(&self) -> [u64; KIND_COUNT as usize] {
        let mut counts = [0u64; KIND_COUNT as usize];
        for (kind, count) in counts.iter_mut().enumerate() {
            if let Ok(values) = self.lost.get(&(kind as u32), 0) {
                *count = values.iter().sum();
            }
        }
        counts
    }

    /// What each attached program has cost (zero unless `kernel.bpf_stats_enabled`).
    pub(crate) fn program_costs(&self) -> Vec<ProgramCost> {
        let mut costs = Vec::new();
        for (name, program) in self.ebpf.programs() {
            if let Ok(info) = program.info()
                && (info.run_count() > 0 || SCHED_PROGRAMS.contains(&name))
            {
                costs.push(ProgramCost {
                    program: name.to_owned(),
                    runs: info.run_count(),
                    run_time: info.run_time(),
                });
            }
        }
        costs.sort_by(|a, b| a.program.cmp(&b.program));
        costs
    }
}

fn take_map<T>(ebpf: &mut Ebpf, name: &str) -> Result<T, SensorError>
where
    T: TryFrom<aya::maps::Map, Error = aya::maps::MapError>,
{
    let map = ebpf
        .take_map(name)
        .ok_or_else(|| SensorError::Ebpf(format!("map {name} missing from the object")))?;
    T::try_from(map).map_err(|e| SensorError::Ebpf(format!("map {name}: {e}")))
}

fn program<'a, T>(ebpf: &'a mut Ebpf, name: &str) -> Result<&'a mut T, SensorError>
where
    &'a mut T: TryFrom<&'a mut aya::programs::Program, Error = aya::programs::ProgramError>,
{
    let program = ebpf
        .program_mut(name)
        .ok_or_else(|| SensorError::Ebpf(format!("program {name} missing from the object")))?;
    program
        .try_into()
        .map_err(|e| SensorError::Ebpf(format!("program {name}: {e}")))
}
