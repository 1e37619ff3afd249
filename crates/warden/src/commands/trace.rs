//! `warden trace`: the sensor's events, live, as one-line summaries for people or as
//! `warden.event/v1` JSON Lines (what `warden rules test` replays). Lost events are
//! reported on stderr and, with `--json`, as `warden.loss/v1` lines in the stream; a
//! summary of what was seen and lost, per kind, ends every trace on stderr.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use warden_events::{Detail, Event, LOSS_SCHEMA, LossRecord};
use warden_sensor::{
    EventSet, Loss, Output, PathFilter, Sensor, SensorChoice, SensorConfig, SensorKind, SensorStats,
};

use crate::exit;

/// No sensor can run here: eBPF did not load (no privileges, no BTF, an old kernel)
/// and the fallback did not either, or was refused with `--no-fallback`. sysexits'
/// `EX_UNAVAILABLE`.
pub(crate) const SENSOR_UNAVAILABLE: u8 = 69;

/// How often lost events are reported on stderr at most (they are summed meanwhile).
const LOSS_REPORT_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    /// Print JSON Lines (schema warden.event/v1) instead of one summary line per event.
    #[arg(long)]
    json: bool,
    /// Only events matching this Falco condition (e.g. "evt.type = execve and proc.name = sh").
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,
    /// Only events from this container (full or short id, or a prefix); "host" for the host.
    #[arg(long, value_name = "ID")]
    container: Option<String>,
    /// Which events the kernel reports.
    #[arg(long, value_enum, default_value_t = Events::All)]
    events: Events,
    /// Report file events only under these path prefixes (repeatable; filtered in the kernel).
    #[arg(long = "path-prefix", value_name = "PREFIX")]
    path_prefixes: Vec<String>,
    /// Run the fallback sensor (proc connector + fanotify) even where eBPF loads.
    #[arg(long, conflicts_with = "no_fallback")]
    fallback: bool,
    /// Fail (exit 69) where eBPF cannot load, rather than run the fallback sensor.
    #[arg(long)]
    no_fallback: bool,
    /// The kernel ring buffer's size in bytes: a power of two, at least 4096.
    #[arg(long, value_name = "BYTES", default_value_t = SensorConfig::default().ring_buffer_bytes, value_parser = ring_buffer_bytes)]
    buffer_size: u32,
    /// Stop after this long (Go duration, e.g. 30s); otherwise run until interrupted.
    #[arg(long, value_parser = go_duration)]
    duration: Option<Duration>,
    /// Print the pipeline's counters and the kernel programs' cost to stderr at the end.
    #[arg(long)]
    stats: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Events {
    /// Everything: processes, files, network and the rest.
    All,
    /// exec, fork and exit only.
    Processes,
}

fn ring_buffer_bytes(text: &str) -> Result<u32, String> {
    let bytes: u32 = text
        .parse()
        .map_err(|_| format!("expected a number of bytes, got {text:?}"))?;
    if bytes < 4096 || !bytes.is_power_of_two() {
        return Err(format!(
            "expected a power of two of at least 4096, got {bytes}"
        ));
    }
    Ok(bytes)
}

fn go_duration(text: &str) -> Result<Duration, String> {
    warden_gossfile::duration::parse(text)
}

pub(crate) fn run(args: &TraceArgs) -> u8 {
    let filter = match args
        .filter
        .as_deref()
        .map(|f| warden_rules::Filter::compile(f, None))
    {
        Some(Ok(filter)) => Some(filter),
        Some(Err(err)) => {
            exit::print_error(&format!("--filter: {err}"));
            return exit::USAGE;
        }
        None => None,
    };
    let config = SensorConfig {
        choice: if args.fallback {
            SensorChoice::Fallback
        } else if args.no_fallback {
            SensorChoice::Ebpf
        } else {
            SensorChoice::Auto
        },
        events: match args.events {
            Events::All => EventSet::All,
            Events::Processes => EventSet::Processes,
        },
        path_filters: args
            .path_prefixes
            .iter()
            .cloned()
            .map(PathFilter::Include)
            .collect(),
        ring_buffer_bytes: args.buffer_size,
        ..SensorConfig::default()
    };
    let sensor = match Sensor::start(config) {
        Ok(sensor) => sensor,
        Err(err) => {
            let what = if args.no_fallback {
                "the eBPF sensor cannot run here (and --no-fallback refuses the fallback)"
            } else {
                "no sensor can run here"
            };
            exit::print_error(&format!(
                "{what}: {err}. eBPF needs root (CAP_BPF, CAP_PERFMON) and kernel BTF; the \
                 fallback needs the netlink proc connector (the host's network and pid \
                 namespaces)"
            ));
            return SENSOR_UNAVAILABLE;
        }
    };
    describe_sensor(sensor.kind());

    let stop = Arc::new(AtomicBool::new(false));
    stop_on_signals(Arc::clone(&stop));
    let deadline = args.duration.map(|d| Instant::now() + d);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        tally.report_losses(false);
        let Some(output) = sensor.recv_timeout(Duration::from_millis(100)) else {
            // Idle: let a pipe reader see what has been printed so far.
            if out.flush().is_err() {
                break;
            }
            continue;
        };
        let line = match output {
            Output::Lost(loss) => {
                let line = args.json.then(|| loss_line(&loss));
                tally.lost(loss);
                line
            }
            Output::Event(event) => {
                tally.seen += 1;
                if !wanted(&event, args.container.as_deref(), filter.as_ref()) {
                    continue;
                }
                tally.printed += 1;
                Some(if args.json {
                    event.to_json_line()
                } else {
                    human_line(&event)
                })
            }
        };
        // A closed pipe (`warden trace | head`) ends the trace.
        if let Some(line) = line
            && writeln!(out, "{line}").is_err()
        {
            break;
        }
    }
    let _ = out.flush();
    let stats = sensor.stop();
    tally.report_losses(true);
    tally.summary(&stats);
    if args.stats {
        print_stats(&stats);
    }
    exit::OK
}

/// A `warden.loss/v1` line for a loss the sensor reported.
fn loss_line(loss: &Loss) -> String {
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    LossRecord {
        schema: LOSS_SCHEMA.to_owned(),
        time,
        stage: loss.stage.to_owned(),
        kind: loss.kind.to_owned(),
        count: loss.count,
    }
    .to_json_line()
}

/// What the trace saw, printed and lost.
#[derive(Default)]
struct Tally {
    seen: u64,
    printed: u64,
    /// Per (stage, kind): lost in total, and not yet reported on stderr.
    lost: Vec<(&'static str, &'static str, u64, u64)>,
    last_report: Option<Instant>,
}

impl Tally {
    fn lost(&mut self, loss: Loss) {
        match self
            .lost
            .iter_mut()
            .find(|(stage, kind, ..)| *stage == loss.stage && *kind == loss.kind)
        {
            Some(entry) => {
                entry.2 += loss.count;
                entry.3 += loss.count;
            }
            None => self
                .lost
                .push((loss.stage, loss.kind, loss.count, loss.count)),
        }
    }

    /// Reports losses not reported yet, at most once per [`LOSS_REPORT_INTERVAL`]
    /// unless `now`.
    fn report_losses(&mut self, now: bool) {
        let due = now
            || self
                .last_report
                .is_none_or(|at| at.elapsed() >= LOSS_REPORT_INTERVAL);
        if !due || self.lost.iter().all(|entry| entry.3 == 0) {
            return;
        }
        let parts: Vec<String> = self
            .lost
            .iter_mut()
            .filter(|entry| entry.3 > 0)
            .map(|(stage, kind, _, unreported)| {
                let part = format!("{unreported} {kind} (in the {stage})");
                *unreported = 0;
                part
            })
            .collect();
        eprintln!(
            "warden trace: LOST events, arriving faster than they were read: {}",
            parts.join(", ")
        );
        self.last_report = Some(Instant::now());
    }

    /// The closing line: events seen and printed, and every loss by kind.
    fn summary(&self, stats: &SensorStats) {
        let lost: u64 = stats.lost.iter().map(|l| l.count).sum();
        let by_kind = if lost == 0 {
            "no events lost".to_owned()
        } else {
            let kinds: Vec<String> = stats
                .lost
                .iter()
                .map(|l| format!("{} {} (in the {})", l.count, l.kind, l.stage))
                .collect();
            format!("{lost} events LOST: {}", kinds.join(", "))
        };
        eprintln!(
            "warden trace: {} events seen, {} printed; {by_kind}",
            self.seen, self.printed
        );
    }
}

fn wanted(event: &Event, container: Option<&str>, filter: Option<&warden_rules::Filter>) -> bool {
    let container_matches = match (container, &event.container) {
        (None, _) => true,
        (Some("host"), None) => true,
        (Some(_), None) => false,
        (Some(id), Some(c)) => c.full_id.starts_with(id) || c.id.starts_with(id),
    };
    container_matches && filter.is_none_or(|f| f.matches(event))
}

fn describe_sensor(kind: &SensorKind) {
    match kind {
        SensorKind::Ebpf {
            capabilities,
            hooks,
        } => {
            let names = |available: bool| {
                capabilities
                    .iter()
                    .filter(|c| c.available() == available)
                    .map(|c| c.feature)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            eprintln!(
                "warden trace: eBPF sensor; kernel features available: {}",
                names(true)
            );
            let attached: Vec<String> = hooks
                .iter()
                .map(|hook| match hook.syscalls.len() {
                    0 => hook.program.to_owned(),
                    n => format!("{} ({n} syscalls)", hook.program),
                })
                .collect();
            eprintln!("warden trace: programs attached: {}", attached.join(", "));
            let refused = names(false);
            if !refused.is_empty() {
                eprintln!(
                    "warden trace: refused by this kernel (not needed for tracing): {refused}"
                );
            }
        }
        SensorKind::Fallback { ebpf_error, .. } => {
            eprintln!("warden trace: {} sensor", kind.name());
            if let Some(error) = ebpf_error {
                eprintln!("warden trace: eBPF is not available: {error}");
            }
            eprintln!("warden trace: this sensor does not see:");
            for missing in kind.missing() {
                eprintln!("  - {missing}");
            }
        }
    }
}

fn print_stats(stats: &SensorStats) {
    for stage in &stats.stages {
        eprintln!(
            "stage {}: received {} emitted {} dropped {} errors {}",
            stage.stage, stage.received, stage.emitted, stage.dropped, stage.errors
        );
    }
    let lost: u64 = stats.lost.iter().map(|l| l.count).sum();
    eprintln!("lost {lost}");
    for loss in &stats.lost {
        eprintln!("lost {} {} {}", loss.stage, loss.kind, loss.count);
    }
    eprintln!(
        "processes {} (not recorded: {})",
        stats.processes, stats.rejected_processes
    );
    for program in &stats.programs {
        let per_run = program
            .run_time
            .as_nanos()
            .checked_div(u128::from(program.runs))
            .unwrap_or(0);
        eprintln!(
            "program {} runs {} ns_per_run {}",
            program.program, program.runs, per_run
        );
    }
}

/// `12:34:56.789 comm(pid) syscall details = result [container]`.
fn human_line(event: &Event) -> String {
    let secs = event.time / 1_000_000_000;
    let millis = (event.time / 1_000_000) % 1000;
    let clock = format!(
        "{:02}:{:02}:{:02}.{millis:03}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    );
    let process = &event.process;
    let result = if event.res < 0 {
        format!(" = {}", errno_name(event.res))
    } else {
        format!(" = {}", event.res)
    };
    let container = event
        .container
        .as_ref()
        .map(|c| format!(" [{} {}]", c.runtime, c.id))
        .unwrap_or_default();
    format!(
        "{clock} {}({}) {} {}{result}{container}",
        process.comm,
        process.pid,
        event.syscall,
        detail_text(event)
    )
}

fn detail_text(event: &Event) -> String {
    let p = &event.process;
    match &event.detail {
        Detail::Exec { filename, .. } => {
            format!(
                "{} {:?} exe={} cwd={} uid={}",
                filename, p.args, p.exepath, p.cwd, p.uid
            )
        }
        Detail::Fork { child_pid, .. } => format!("child={child_pid}"),
        Detail::Exit { status } => format!("code={} signal={}", status.code, status.signal),
        Detail::Open { path, flags, .. } => format!("{path} {}", flags.names()),
        Detail::Unlink { path, .. } | Detail::Mkdir { path, .. } => path.clone(),
        Detail::Chmod { path, mode } => format!("{path} {mode:o}"),
        Detail::Chown { path, uid, gid } => format!("{path} {uid}:{gid}"),
        Detail::Rename {
            old_path, new_path, ..
        }
        | Detail::Link { old_path, new_path } => {
            format!("{old_path} -> {new_path}")
        }
        Detail::Symlink { target, link_path } => format!("{link_path} -> {target}"),
        Detail::Connect { info, address, .. } => {
            format!(
                "{} {}:{}",
                info.l4proto.as_deref().unwrap_or(""),
                address.ip,
                address.port
            )
        }
        Detail::Accept { info, .. } | Detail::Listen { info, .. } => info.name.clone(),
        Detail::Bind { address, .. } => format!("{}:{}", address.ip, address.port),
        Detail::Send { address, .. } => address
            .as_ref()
            .map(|a| format!("{}:{}", a.ip, a.port))
            .unwrap_or_default(),
        Detail::Dup {
            old_fd,
            new_fd,
            info,
        } => format!("{old_fd} -> {new_fd} ({})", info.name),
        Detail::Socket {
            domain,
            kind,
            protocol,
        } => format!("domain={domain} type={kind} protocol={protocol}"),
        Detail::Ptrace { request, pid } => format!("{} pid={pid}", request.name()),
        Detail::MemfdCreate { name, .. } => name.clone(),
        Detail::LoadModule { path, params } => {
            format!("{} {params}", path.as_deref().unwrap_or("(memory)"))
        }
        Detail::Mount {
            source,
            target,
            fstype,
            ..
        } => format!("{source} on {target} type {fstype}"),
        Detail::Umount { target, .. } => target.clone(),
        other => format!("{other:?}"),
    }
}

/// `-2` as `ENOENT` (Falco's `evt.res`), or the number.
fn errno_name(res: i64) -> String {
    let name = match -res {
        1 => "EPERM",
        2 => "ENOENT",
        9 => "EBADF",
        11 => "EAGAIN",
        13 => "EACCES",
        17 => "EEXIST",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        111 => "ECONNREFUSED",
        115 => "EINPROGRESS",
        _ => return res.to_string(),
    };
    name.to_owned()
}

/// SIGINT and SIGTERM end the trace cleanly (counters printed, programs detached).
fn stop_on_signals(stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("warden-trace-signals".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let Ok(mut term) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                else {
                    return;
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            });
            stop.store(true, Ordering::Relaxed);
        });
    if let Err(err) = spawned {
        tracing::warn!("signals will end the trace abruptly: {err}");
    }
}
