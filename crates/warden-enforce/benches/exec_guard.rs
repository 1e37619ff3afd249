//! What an exec costs under enforcement: fork + exec + wait of a copy of `true` on a
//! tmpfs, with nothing attached, with the fanotify exec guard marking that tmpfs (one
//! permission round trip per exec through a decider thread), and with the kernel half
//! loaded (exec backstop with a deny list that does not match, network programs).
//! Configurations are interleaved round by round; the table shows the median of the
//! rounds and the median of the per-round ratios to no enforcement (robust to the
//! machine's load drifting between rounds), for wall time and for CPU time (this
//! process, its guard threads and its children: steadier on a busy machine). With `sysctl kernel.bpf_stats_enabled=1`
//! it also prints what the exec backstop program costs per exec, the precise figure.
//! Needs root.
//!
//! `cargo bench -p warden-enforce --bench exec_guard`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use warden_enforce::{
    FileId, GuardConfig, KernelEnforcer, Mark, PermissionGuard, Request, Verdict,
};

const EXECS_PER_ROUND: u32 = 1_000;
const ROUNDS: usize = 7;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Config {
    Nothing,
    FanotifyGuard,
    KernelBackstop,
}

const CONFIGS: [(Config, &str); 3] = [
    (Config::Nothing, "no enforcement"),
    (Config::FanotifyGuard, "fanotify exec guard"),
    (Config::KernelBackstop, "BPF exec backstop + network"),
];

/// Wall time and CPU time of one round.
#[derive(Clone, Copy)]
struct Took {
    wall: Duration,
    cpu: Duration,
}

/// User + system time of this process (guard threads included) and its reaped
/// children.
fn cpu_time() -> Duration {
    let of = |who: i32| {
        // SAFETY: getrusage with a valid rusage struct; zeroed is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        unsafe { libc::getrusage(who, &mut usage) };
        let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
        Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
    };
    of(libc::RUSAGE_SELF) + of(libc::RUSAGE_CHILDREN)
}

fn execs(program: &Path) -> Took {
    let cpu = cpu_time();
    let started = Instant::now();
    for _ in 0..EXECS_PER_ROUND {
        let status = Command::new(program).status().unwrap();
        assert!(status.success());
    }
    Took {
        wall: started.elapsed(),
        cpu: cpu_time() - cpu,
    }
}

fn round(config: Config, program: &Path, mark_on: &Path) -> Took {
    match config {
        Config::Nothing => execs(program),
        Config::FanotifyGuard => {
            let guard = PermissionGuard::start(
                GuardConfig {
                    marks: vec![Mark::execs_on_filesystem(mark_on)],
                    ..GuardConfig::default()
                },
                |request: &Request| {
                    Ok(if request.path.ends_with("denied") {
                        Verdict::Deny
                    } else {
                        Verdict::Allow
                    })
                },
            )
            .unwrap();
            let took = execs(program);
            let counters = guard.stop();
            assert_eq!(counters.allowed, u64::from(EXECS_PER_ROUND));
            took
        }
        Config::KernelBackstop => {
            let mut kernel = KernelEnforcer::load().unwrap();
            kernel
                .deny_exec(FileId::of(Path::new("/usr/bin/false")).unwrap(), 1)
                .unwrap();
            let took = execs(program);
            for cost in kernel.program_costs() {
                if cost.program == "exec_backstop" && cost.runs > 0 {
                    println!(
                        "exec_backstop (BPF stats): {:.2} µs/run over {} runs",
                        cost.run_time.as_secs_f64() * 1e6 / cost.runs as f64,
                        cost.runs
                    );
                }
            }
            took
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median per exec, and the median of the per-round ratios to `base`.
fn summary(values: &[f64], base: &[f64]) -> (f64, f64) {
    let mut ratios: Vec<f64> = values.iter().zip(base).map(|(v, b)| v / b).collect();
    (median(&mut values.to_vec()), median(&mut ratios))
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs with no arguments and
    // must stay quick.
    let rounds = if std::env::args().any(|a| a == "--bench") {
        ROUNDS
    } else {
        1
    };
    let tmpfs = common::Tmpfs::new();
    let program = tmpfs.install("/usr/bin/true", "bench-true");
    let mut wall: Vec<Vec<f64>> = vec![Vec::new(); CONFIGS.len()];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); CONFIGS.len()];
    println!(
        "fork+exec+wait of a copy of true on a tmpfs, {EXECS_PER_ROUND} execs x {rounds} interleaved rounds"
    );
    for r in 0..rounds {
        // Rotate the order so no configuration always runs first.
        for i in 0..CONFIGS.len() {
            let index = (i + r) % CONFIGS.len();
            let took = round(CONFIGS[index].0, &program, tmpfs.path());
            let per_exec = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(EXECS_PER_ROUND);
            wall[index].push(per_exec(took.wall));
            cpu[index].push(per_exec(took.cpu));
        }
    }
    println!();
    println!(
        "| {:<28} | {:>12} | {:>8} | {:>10} | {:>11} | {:>9} |",
        "configuration", "wall µs/exec", "execs/s", "wall ratio", "CPU µs/exec", "CPU ratio"
    );
    println!(
        "|{:-<30}|{:->14}|{:->10}|{:->12}|{:->13}|{:->11}|",
        "", "", "", "", "", ""
    );
    for (index, (_, name)) in CONFIGS.iter().enumerate() {
        let (wall_us, wall_ratio) = summary(&wall[index], &wall[0]);
        let (cpu_us, cpu_ratio) = summary(&cpu[index], &cpu[0]);
        println!(
            "| {name:<28} | {wall_us:>12.1} | {:>8.0} | {wall_ratio:>10.3} | {cpu_us:>11.1} | {cpu_ratio:>9.3} |",
            1e6 / wall_us
        );
    }
}
