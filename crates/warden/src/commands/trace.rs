//! `warden trace`: the sensor's events, live, as one-line summaries for people or as
//! `warden.event/v1` JSON Lines (what `warden rules test` replays).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use warden_events::{Detail, Event};
use warden_sensor::{
    EventSet, Output, PathFilter, Sensor, SensorChoice, SensorConfig, SensorKind, SensorStats,
};

use crate::exit;

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
    #[arg(long)]
    fallback: bool,
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
        ..SensorConfig::default()
    };
    let sensor = match Sensor::start(config) {
        Ok(sensor) => sensor,
        Err(err) => {
            exit::print_error(&err);
            return exit::FAILED;
        }
    };
    describe_sensor(sensor.kind());

    let stop = Arc::new(AtomicBool::new(false));
    stop_on_signals(Arc::clone(&stop));
    let deadline = args.duration.map(|d| Instant::now() + d);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        let Some(output) = sensor.recv_timeout(Duration::from_millis(100)) else {
            // Idle: let a pipe reader see what has been printed so far.
            if out.flush().is_err() {
                break;
            }
            continue;
        };
        match output {
            Output::Lost(loss) => {
                eprintln!(
                    "warden trace: lost {} {} event(s) in the {} (events arrived faster than they were read)",
                    loss.count, loss.kind, loss.stage
                );
            }
            Output::Event(event) => {
                if !wanted(&event, args.container.as_deref(), filter.as_ref()) {
                    continue;
                }
                let line = if args.json {
                    event.to_json_line()
                } else {
                    human_line(&event)
                };
                // A closed pipe (`warden trace | head`) ends the trace.
                if writeln!(out, "{line}").is_err() {
                    break;
                }
            }
        }
    }
    let _ = out.flush();
    let stats = sensor.stop();
    if args.stats {
        print_stats(&stats);
    }
    exit::OK
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
        SensorKind::Ebpf { capabilities } => {
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
