//! goss's distribution sniffing, which picks the package and service backends.

use std::path::Path;

/// The distribution families goss distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Distro {
    Ubuntu,
    RedHat,
    Alpine,
    Arch,
    Debian,
    Unknown,
}

/// goss's `DetectDistro`, in its order of checks.
pub(crate) fn detect(root: &Path) -> Distro {
    let exists = |path: &str| crate::rooted(root, path).exists();
    let lsb = std::fs::read(crate::rooted(root, "/etc/lsb-release")).unwrap_or_default();
    if lsb
        .windows(b"Ubuntu".len())
        .any(|window| window == b"Ubuntu")
    {
        Distro::Ubuntu
    } else if exists("/etc/redhat-release") || exists("/etc/system-release") {
        Distro::RedHat
    } else if exists("/etc/alpine-release") {
        Distro::Alpine
    } else if exists("/etc/arch-release") {
        Distro::Arch
    } else if exists("/etc/debian_version") {
        Distro::Debian
    } else {
        Distro::Unknown
    }
}

/// Debian before 9 shipped systemd beside sysvinit scripts, so goss falls back
/// to sysv checks there.
pub(crate) fn is_legacy_systemd(root: &Path) -> bool {
    let Ok(version) = std::fs::read_to_string(crate::rooted(root, "/etc/debian_version")) else {
        return false;
    };
    let Some((major, _)) = version.split_once('.') else {
        return false;
    };
    crate::users::parse_go_int(major).is_some_and(|major| major < 9)
}
