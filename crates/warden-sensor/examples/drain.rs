//! Runs the sensor and writes every event to stdout as a JSON line until stdin closes,
//! then prints the pipeline's counters and the kernel programs' cost to stderr as one
//! JSON object. `bench/sensor_exec.py` uses it as the sensor under test.
//!
//!     cargo run --release -p warden-sensor --example drain -- all|processes [RING_BYTES]

use std::io::{BufWriter, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use warden_sensor::{EventSet, Output, Sensor, SensorChoice, SensorConfig};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let events = match args.get(1).map(String::as_str) {
        Some("all") => EventSet::All,
        Some("processes") => EventSet::Processes,
        _ => {
            eprintln!("usage: drain all|processes [RING_BYTES]");
            return std::process::ExitCode::from(64);
        }
    };
    let mut config = SensorConfig {
        choice: SensorChoice::Ebpf,
        events,
        ..SensorConfig::default()
    };
    if let Some(bytes) = args.get(2).and_then(|b| b.parse().ok()) {
        config.ring_buffer_bytes = bytes;
    }
    let sensor = match Sensor::start(config) {
        Ok(sensor) => sensor,
        Err(err) => {
            eprintln!("drain: {err}");
            return std::process::ExitCode::from(69);
        }
    };
    eprintln!("drain: ready");
    let stop = Arc::new(AtomicBool::new(false));
    let stdin_closed = Arc::clone(&stop);
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        stdin_closed.store(true, Ordering::Relaxed);
    });
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut written = 0u64;
    while !stop.load(Ordering::Relaxed) {
        if let Some(Output::Event(event)) = sensor.recv_timeout(Duration::from_millis(50)) {
            written += 1;
            if writeln!(out, "{}", event.to_json_line()).is_err() {
                break;
            }
        }
    }
    // What is already queued is written too (new events keep coming on a busy
    // machine, so only what is there now).
    while let Some(output) = sensor.try_recv() {
        if let Output::Event(event) = output {
            written += 1;
            let _ = writeln!(out, "{}", event.to_json_line());
        }
    }
    let _ = out.flush();
    let stats = sensor.stop();
    let lost: serde_json::Map<String, serde_json::Value> = stats
        .lost
        .iter()
        .map(|l| (format!("{}:{}", l.stage, l.kind), l.count.into()))
        .collect();
    let programs: serde_json::Map<String, serde_json::Value> = stats
        .programs
        .iter()
        .map(|p| {
            (
                p.program.clone(),
                serde_json::json!({"runs": p.runs, "run_ns": p.run_time.as_nanos() as u64}),
            )
        })
        .collect();
    eprintln!(
        "{}",
        serde_json::json!({"written": written, "lost": lost, "programs": programs})
    );
    std::process::ExitCode::SUCCESS
}
