//! The Prometheus text exposition format (version 0.0.4), and the standard process
//! metrics every Prometheus client exports.

use std::fmt::Write as _;

/// The `Content-Type` of the text exposition format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetricType {
    Counter,
    Gauge,
}

/// One sample: label names and values, and the sample's value.
pub(crate) type Sample = (Vec<(&'static str, String)>, f64);

/// Text being built in the exposition format.
#[derive(Debug, Default)]
pub(crate) struct Exposition {
    text: String,
}

impl Exposition {
    /// Appends a metric family. Families without samples are left out, as client
    /// libraries leave out label-less vectors nothing was recorded in.
    pub(crate) fn family(
        &mut self,
        name: &str,
        metric_type: MetricType,
        help: &str,
        samples: &[Sample],
    ) {
        if samples.is_empty() {
            return;
        }
        let type_name = match metric_type {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
        };
        let _ = writeln!(
            self.text,
            "# HELP {name} {}\n# TYPE {name} {type_name}",
            help.replace('\\', "\\\\").replace('\n', "\\n")
        );
        for (labels, value) in samples {
            self.text.push_str(name);
            if !labels.is_empty() {
                let pairs: Vec<String> = labels
                    .iter()
                    .map(|(label, value)| format!("{label}=\"{}\"", escape_label_value(value)))
                    .collect();
                let _ = write!(self.text, "{{{}}}", pairs.join(","));
            }
            let _ = writeln!(self.text, " {}", sample_value(*value));
        }
    }

    /// A family with one unlabelled sample.
    pub(crate) fn single(&mut self, name: &str, metric_type: MetricType, help: &str, value: f64) {
        self.family(name, metric_type, help, &[(Vec::new(), value)]);
    }

    /// Text already in the exposition format (goss's test metrics).
    pub(crate) fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(crate) fn into_text(self) -> String {
        self.text
    }
}

fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('"', "\\\"")
}

fn sample_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        value.to_string()
    }
}

/// `/proc` reports CPU times in USER_HZ ticks, which Linux fixes at 100 for userspace.
const USER_HZ: f64 = 100.0;

/// The standard `process_*` metrics for this process, read from `/proc/self` (only
/// this process's own entries). Metrics that cannot be read are left out.
pub(crate) fn process_metrics(out: &mut Exposition) {
    if let Some(stat) = SelfStat::read() {
        out.single(
            "process_cpu_seconds_total",
            MetricType::Counter,
            "Total user and system CPU time spent in seconds.",
            stat.cpu_ticks as f64 / USER_HZ,
        );
        if let Some(boot_time) = boot_time_seconds() {
            out.single(
                "process_start_time_seconds",
                MetricType::Gauge,
                "Start time of the process since unix epoch in seconds.",
                boot_time + stat.start_ticks as f64 / USER_HZ,
            );
        }
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        out.single(
            "process_open_fds",
            MetricType::Gauge,
            "Number of open file descriptors.",
            fds.count() as f64,
        );
    }
    if let Some(rss) = resident_memory_bytes() {
        out.single(
            "process_resident_memory_bytes",
            MetricType::Gauge,
            "Resident memory size in bytes.",
            rss,
        );
    }
}

struct SelfStat {
    cpu_ticks: u64,
    start_ticks: u64,
}

impl SelfStat {
    fn read() -> Option<SelfStat> {
        let text = std::fs::read_to_string("/proc/self/stat").ok()?;
        // The command name may contain spaces and parentheses; fields resume after the
        // last `)`, starting with field 3 (state).
        let (_, after_comm) = text.rsplit_once(')')?;
        let fields: Vec<&str> = after_comm.split_whitespace().collect();
        let field = |number: usize| fields.get(number - 3)?.parse::<u64>().ok();
        Some(SelfStat {
            cpu_ticks: field(14)? + field(15)?,
            start_ticks: field(22)?,
        })
    }
}

fn boot_time_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("btime "))
        .and_then(|value| value.trim().parse().ok())
}

fn resident_memory_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let kilobytes: f64 = text
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kilobytes * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_written_with_help_type_and_escaped_labels() {
        let mut out = Exposition::default();
        out.family(
            "warden_policy_compliant",
            MetricType::Gauge,
            "1 when compliant.",
            &[
                (
                    vec![
                        ("policy", "A-1".to_owned()),
                        ("name", "say \"hi\"\\\n".to_owned()),
                    ],
                    1.0,
                ),
                (vec![("policy", "B".to_owned())], 0.5),
            ],
        );
        out.family("empty_family", MetricType::Counter, "never shown", &[]);
        out.single("up", MetricType::Gauge, "Up.", f64::INFINITY);
        assert_eq!(
            out.into_text(),
            "# HELP warden_policy_compliant 1 when compliant.\n\
             # TYPE warden_policy_compliant gauge\n\
             warden_policy_compliant{policy=\"A-1\",name=\"say \\\"hi\\\"\\\\\\n\"} 1\n\
             warden_policy_compliant{policy=\"B\"} 0.5\n\
             # HELP up Up.\n# TYPE up gauge\nup +Inf\n"
        );
    }

    #[test]
    fn process_metrics_describe_this_process() {
        let mut out = Exposition::default();
        process_metrics(&mut out);
        let text = out.into_text();
        for family in [
            "process_cpu_seconds_total",
            "process_start_time_seconds",
            "process_open_fds",
            "process_resident_memory_bytes",
        ] {
            assert!(text.contains(&format!("# TYPE {family} ")), "{text}");
        }
        let start: f64 = text
            .lines()
            .find_map(|line| line.strip_prefix("process_start_time_seconds "))
            .unwrap()
            .parse()
            .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(start <= now && now - start < 3600.0, "{start} vs {now}");
    }
}
