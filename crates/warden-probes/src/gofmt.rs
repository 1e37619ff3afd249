//! Go's text renderings of durations, IP addresses, paths and OS errors.
//!
//! goss prints values with Go's standard formatting; these helpers reproduce it
//! so that messages and values compare equal with goss's.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// A `Duration` displayed like Go's `time.Duration.String()` (`10s`, `500ms`, `1m30s`).
#[derive(Debug, Clone, Copy)]
pub struct GoDuration(pub Duration);

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos();
        if nanos == 0 {
            return f.write_str("0s");
        }
        if nanos < 1_000 {
            return write!(f, "{nanos}ns");
        }
        if nanos < 1_000_000 {
            return write!(f, "{}µs", fraction(nanos, 3));
        }
        if nanos < 1_000_000_000 {
            return write!(f, "{}ms", fraction(nanos, 6));
        }
        let whole_seconds = nanos / 1_000_000_000;
        let hours = whole_seconds / 3600;
        let minutes = (whole_seconds / 60) % 60;
        let seconds_nanos = nanos % 60_000_000_000;
        if hours > 0 {
            write!(f, "{hours}h")?;
        }
        if hours > 0 || minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        write!(f, "{}s", fraction(seconds_nanos, 9))
    }
}

/// `value / 10^digits` with the fraction's trailing zeros (and a bare point) dropped.
fn fraction(value: u128, digits: u32) -> String {
    let scale = 10u128.pow(digits);
    let whole = value / scale;
    let frac = value % scale;
    if frac == 0 {
        return whole.to_string();
    }
    let frac_text = format!("{frac:0width$}", width = digits as usize);
    format!("{whole}.{}", frac_text.trim_end_matches('0'))
}

/// An IP address as Go's `net.IP.String()` prints it: IPv4-mapped IPv6
/// addresses come out as dotted IPv4, everything else as RFC 5952 text.
pub(crate) fn go_ip_string(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => go_ipv6_string(v6),
    }
}

pub(crate) fn go_ipv6_string(ip: Ipv6Addr) -> String {
    match ip.to_ipv4_mapped() {
        Some(v4) => v4.to_string(),
        None => ip.to_string(),
    }
}

/// The text Go's `syscall.Errno.Error()` gives: the C library's message with a
/// lower-case first letter (`no such file or directory`).
pub(crate) fn go_errno_text(err: &io::Error) -> String {
    let text = err.to_string();
    // Rust appends " (os error N)" to OS errors; Go does not.
    let text = match text.rfind(" (os error ") {
        Some(at) if err.raw_os_error().is_some() => text[..at].to_string(),
        _ => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// An `*os.PathError` as Go prints it: `<op> <path>: <errno text>`.
pub(crate) fn go_path_error(op: &str, path: &Path, err: &io::Error) -> String {
    format!("{op} {}: {}", path.display(), go_errno_text(err))
}

/// Go's `filepath.Clean`: the shortest lexically equivalent path
/// (`/a/./b/../c/` → `/a/c`), so that a trailing slash never makes `lstat`
/// follow a symlink goss would not follow.
pub(crate) fn go_clean(path: &Path) -> PathBuf {
    let absolute = path.has_root();
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                // `/..` is `/`; a relative path keeps its leading `..`s.
                _ if absolute => {}
                _ => parts.push(component),
            },
            Component::Normal(_) => parts.push(component),
        }
    }
    let mut cleaned = if absolute {
        PathBuf::from("/")
    } else {
        PathBuf::new()
    };
    for part in parts {
        cleaned.push(part.as_os_str());
    }
    if cleaned.as_os_str().is_empty() {
        cleaned.push(".");
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(15), "15ns"),
            (Duration::from_micros(1500), "1.5ms"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_millis(1000), "1s"),
            (Duration::from_millis(10_000), "10s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_nanos(2_500), "2.5µs"),
        ];
        for (duration, text) in cases {
            assert_eq!(GoDuration(duration).to_string(), text, "{duration:?}");
        }
    }

    #[test]
    fn clean_matches_go_filepath_clean() {
        let cases = [
            ("/etc/", "/etc"),
            ("/a/./b/../c", "/a/c"),
            ("/../x", "/x"),
            ("a/../../b", "../b"),
            ("", "."),
            ("//tmp//x", "/tmp/x"),
        ];
        for (input, output) in cases {
            assert_eq!(go_clean(Path::new(input)), PathBuf::from(output), "{input}");
        }
    }

    #[test]
    fn ipv4_mapped_addresses_print_as_ipv4() {
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(go_ip_string(mapped), "10.0.0.1");
        let plain: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(go_ip_string(plain), "fe80::1");
    }

    #[test]
    fn errno_text_is_lower_case_without_the_code() {
        let err = io::Error::from_raw_os_error(2);
        assert_eq!(go_errno_text(&err), "no such file or directory");
        assert_eq!(
            go_path_error("lstat", Path::new("/x"), &err),
            "lstat /x: no such file or directory"
        );
    }
}
