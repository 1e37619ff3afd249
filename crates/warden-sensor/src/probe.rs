//! What this kernel lets the sensor use, found by loading one tiny program per feature
//! (`bpf/probes.bpf.c`). Never inferred from `/sys/kernel/security/lsm` or
//! `bpftool feature probe`: both claim things that then fail to load.

use aya::programs::{BtfTracePoint, CgroupSockAddr, FEntry, Iter, Lsm};
use aya::{Btf, Ebpf, EbpfLoader};

/// Built by `scripts/build-bpf` from `bpf/probes.bpf.c`.
static PROBES_OBJECT: &[u8] = aya::include_bytes_aligned!("../bpf/probes.o");

/// One kernel feature and whether a program using it loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    pub feature: &'static str,
    /// `Err` holds the kernel's (or loader's) refusal.
    pub result: Result<(), String>,
}

impl Capability {
    pub fn available(&self) -> bool {
        self.result.is_ok()
    }
}

/// The features probed, in report order.
pub(crate) const FEATURES: [&str; 7] = [
    "btf",
    "ring_buffer",
    "tp_btf",
    "iter_task",
    "cgroup_sock_addr",
    "bpf_send_signal",
    "lsm",
];

/// Loads each probe program once (nothing is attached) and reports what loaded.
/// `fentry` is reported too, after `lsm`.
pub fn probe_capabilities() -> Vec<Capability> {
    let btf = match Btf::from_sys_fs() {
        Ok(btf) => btf,
        Err(err) => {
            let reason = format!("no kernel BTF: {err}");
            return all_features()
                .map(|feature| Capability {
                    feature,
                    result: Err(reason.clone()),
                })
                .collect();
        }
    };
    let mut ebpf = match EbpfLoader::new().btf(Some(&btf)).load(PROBES_OBJECT) {
        Ok(ebpf) => ebpf,
        Err(err) => {
            let reason = format!("the probe object does not load (maps, ring buffer): {err}");
            return all_features()
                .map(|feature| Capability {
                    feature,
                    result: if feature == "btf" {
                        Ok(())
                    } else {
                        Err(reason.clone())
                    },
                })
                .collect();
        }
    };
    vec![
        Capability {
            feature: "btf",
            result: Ok(()),
        },
        Capability {
            feature: "ring_buffer",
            result: load_tp_btf(&mut ebpf, &btf, "probe_ring_buffer"),
        },
        Capability {
            feature: "tp_btf",
            result: load_tp_btf(&mut ebpf, &btf, "probe_tp_btf"),
        },
        Capability {
            feature: "iter_task",
            result: with_program::<Iter>(&mut ebpf, "probe_iter_task", |p| p.load("task", &btf)),
        },
        Capability {
            feature: "cgroup_sock_addr",
            result: with_program::<CgroupSockAddr>(&mut ebpf, "probe_cgroup_connect4", |p| {
                p.load()
            }),
        },
        Capability {
            feature: "bpf_send_signal",
            result: load_tp_btf(&mut ebpf, &btf, "probe_send_signal"),
        },
        Capability {
            feature: "lsm",
            result: with_program::<Lsm>(&mut ebpf, "probe_lsm", |p| {
                p.load("bprm_check_security", &btf)
            }),
        },
        Capability {
            feature: "fentry",
            result: with_program::<FEntry>(&mut ebpf, "probe_fentry", |p| {
                p.load("security_bprm_check", &btf)
            }),
        },
    ]
}

fn all_features() -> impl Iterator<Item = &'static str> {
    FEATURES.into_iter().chain(["fentry"])
}

fn load_tp_btf(ebpf: &mut Ebpf, btf: &Btf, name: &str) -> Result<(), String> {
    with_program::<BtfTracePoint>(ebpf, name, |p| p.load("sched_process_exec", btf))
}

fn with_program<T>(
    ebpf: &mut Ebpf,
    name: &str,
    load: impl FnOnce(&mut T) -> Result<(), aya::programs::ProgramError>,
) -> Result<(), String>
where
    for<'a> &'a mut T: TryFrom<&'a mut aya::programs::Program, Error = aya::programs::ProgramError>,
{
    let program = ebpf
        .program_mut(name)
        .ok_or_else(|| format!("program {name} missing from the probe object"))?;
    let program: &mut T = program
        .try_into()
        .map_err(|e: aya::programs::ProgramError| e.to_string())?;
    load(program).map_err(|err| crate::ebpf::error_chain(&err))
}
