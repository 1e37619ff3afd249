//! `package`: installed versions from the distribution's package manager.

use tokio::sync::OnceCell;

use crate::distro::Distro;
use crate::{ProbeError, System};

/// The package backends goss supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    /// Debian and Ubuntu; read from the dpkg database.
    Dpkg,
    /// Red Hat family; `rpm -q`.
    Rpm,
    /// Alpine; `apk version`.
    Apk,
    /// Arch; `pacman -Q`.
    Pacman,
}

impl PackageManager {
    /// goss's `--package` values. Anything else (including the documented but
    /// unrecognised `deb`) means "detect".
    pub fn from_flag(flag: &str) -> Option<Self> {
        match flag {
            "dpkg" => Some(Self::Dpkg),
            "rpm" => Some(Self::Rpm),
            "apk" => Some(Self::Apk),
            "pacman" => Some(Self::Pacman),
            _ => None,
        }
    }

    /// goss's detection: by distribution, then by the first tool on `$PATH`,
    /// else rpm.
    pub(crate) fn detect(system: &System) -> Self {
        match crate::distro::detect(system.root()) {
            Distro::Ubuntu | Distro::Debian => return Self::Dpkg,
            Distro::RedHat => return Self::Rpm,
            Distro::Alpine => return Self::Apk,
            Distro::Arch => return Self::Pacman,
            Distro::Unknown => {}
        }
        [
            ("dpkg", Self::Dpkg),
            ("rpm", Self::Rpm),
            ("apk", Self::Apk),
            ("pacman", Self::Pacman),
        ]
        .into_iter()
        .find(|(tool, _)| system.helpers().has_command(tool))
        .map_or(Self::Rpm, |(_, manager)| manager)
    }
}

/// `system.package(name)`: one `package` resource; the lookup runs once.
pub struct PackageProbe<'s> {
    system: &'s System,
    name: String,
    versions: OnceCell<Result<Vec<String>, ProbeError>>,
}

impl std::fmt::Debug for PackageProbe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageProbe")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<'s> PackageProbe<'s> {
    pub(crate) fn new(system: &'s System, name: &str) -> Self {
        Self {
            system,
            name: name.to_string(),
            versions: OnceCell::new(),
        }
    }

    /// The package name queried.
    pub fn name(&self) -> &str {
        &self.name
    }

    async fn lookup(&self) -> Result<&Vec<String>, ProbeError> {
        self.versions
            .get_or_init(|| self.query())
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether at least one version is installed. A failing package tool reads
    /// as "not installed", as in goss.
    pub async fn installed(&self) -> Result<bool, ProbeError> {
        Ok(!self.lookup().await?.is_empty())
    }

    /// Every installed version (several for multi-arch or multi-version installs).
    pub async fn versions(&self) -> Result<Vec<String>, ProbeError> {
        let versions = self.lookup().await?;
        if versions.is_empty() {
            return Err(ProbeError::PackageVersionNotFound);
        }
        Ok(versions.clone())
    }

    async fn query(&self) -> Result<Vec<String>, ProbeError> {
        let name = self.name.as_str();
        match self.system.package_manager() {
            PackageManager::Dpkg => Ok(self.system.dpkg_database().await?.installed_versions(name)),
            PackageManager::Rpm => {
                let args = [
                    "-q",
                    "--nosignature",
                    "--nohdrchk",
                    "--nodigest",
                    "--qf",
                    "%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n",
                    name,
                ];
                Ok(self
                    .tool_stdout("rpm", &args)
                    .await
                    .map(|out| rpm_versions(&out))
                    .unwrap_or_default())
            }
            PackageManager::Apk => Ok(self
                .tool_stdout("apk", &["version", name])
                .await
                .map(|out| apk_versions(name, &out))
                .unwrap_or_default()),
            PackageManager::Pacman => Ok(self
                .tool_stdout("pacman", &["-Q", "--color", "never", "--noconfirm", name])
                .await
                .map(|out| pacman_versions(&out))
                .unwrap_or_default()),
        }
    }

    /// The tool's stdout when it started and exited 0; `None` otherwise.
    async fn tool_stdout(&self, program: &str, args: &[&str]) -> Option<String> {
        let output = self.system.helpers().run(program, args).await.ok()?;
        (output.exit_code == 0).then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// One version per line, epoch-prefixed when set.
fn rpm_versions(stdout: &str) -> Vec<String> {
    stdout.trim().split('\n').map(str::to_string).collect()
}

/// `apk version` lines other than its header and warnings, `<name>-` stripped
/// from the first column.
fn apk_versions(name: &str, stdout: &str) -> Vec<String> {
    let prefix = format!("{name}-");
    stdout
        .trim()
        .split('\n')
        .filter(|line| !line.starts_with("Installed:") && !line.starts_with("WARNING"))
        .filter_map(|line| line.split_whitespace().next())
        .map(|first| first.strip_prefix(&prefix).unwrap_or(first).to_string())
        .collect()
}

/// `pacman -Q` prints `name version`; goss keeps the second column.
fn pacman_versions(stdout: &str) -> Vec<String> {
    stdout
        .split_whitespace()
        .nth(1)
        .map(|version| vec![version.to_string()])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_output_is_one_version_per_line() {
        assert_eq!(
            rpm_versions("1:2.0-1.el9\n3.0-2.el9\n"),
            ["1:2.0-1.el9", "3.0-2.el9"]
        );
    }

    #[test]
    fn apk_output_drops_header_and_name() {
        let out = "Installed:                                Available:\nbusybox-1.36.1-r5                       = 1.36.1-r5\n";
        assert_eq!(apk_versions("busybox", out), ["1.36.1-r5"]);
        assert!(apk_versions("x", "WARNING: something\n").is_empty());
    }

    #[test]
    fn pacman_output_second_column() {
        assert_eq!(pacman_versions("bash 5.2.026-2\n"), ["5.2.026-2"]);
        assert!(pacman_versions("").is_empty());
    }

    #[test]
    fn package_flag_values() {
        assert_eq!(
            PackageManager::from_flag("dpkg"),
            Some(PackageManager::Dpkg)
        );
        assert_eq!(PackageManager::from_flag("deb"), None);
    }
}
