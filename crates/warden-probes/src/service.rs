//! `service`: enabled/running/runlevels per init system, with goss's rules.

use std::path::Path;

use crate::distro::Distro;
use crate::{ProbeError, System};

/// The service managers goss knows on Linux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceManager {
    /// `systemctl is-enabled` / `is-active`.
    Systemd,
    /// systemd on Debian < 9: each check falls back to sysv when systemd says no.
    SystemdLegacy,
    /// Ubuntu's upstart, falling back to sysv.
    Upstart,
    /// Alpine's OpenRC (`/etc/runlevels/*/<name>`).
    OpenRc,
    /// SysV init scripts (`/etc/init.d`, `/etc/rc<N>.d`).
    SysV,
}

impl ServiceManager {
    /// goss picks systemd whenever `systemctl` is on `$PATH`. Warden also
    /// requires systemd to be the running init (`/run/systemd/system` exists,
    /// systemd's own `sd_booted` test): in containers and VMs with systemctl
    /// installed but another PID 1, `is-active` can never succeed, so goss
    /// would report every service stopped. Without it, goss's distribution
    /// fallback applies.
    pub(crate) fn detect(system: &System) -> Self {
        let root = system.root();
        let systemd_running = crate::rooted(root, "/run/systemd/system").is_dir();
        if system.helpers().has_command("systemctl") && systemd_running {
            return if crate::distro::is_legacy_systemd(root) {
                Self::SystemdLegacy
            } else {
                Self::Systemd
            };
        }
        match crate::distro::detect(root) {
            Distro::Ubuntu => Self::Upstart,
            Distro::Alpine => Self::OpenRc,
            Distro::Arch => Self::Systemd,
            _ => Self::SysV,
        }
    }
}

/// goss never looks up a name containing `/`.
fn invalid_service(name: &str) -> bool {
    name.contains('/')
}

/// `system.service(name)`: one `service` resource.
pub struct ServiceProbe<'s> {
    system: &'s System,
    name: String,
}

impl std::fmt::Debug for ServiceProbe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceProbe")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<'s> ServiceProbe<'s> {
    pub(crate) fn new(system: &'s System, name: &str) -> Self {
        Self {
            system,
            name: name.to_string(),
        }
    }

    /// The service name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn root(&self) -> &Path {
        self.system.root()
    }

    /// Whether the manager knows the service (used by `goss add`-style callers).
    pub async fn exists(&self) -> Result<bool, ProbeError> {
        match self.system.service_manager() {
            manager @ (ServiceManager::Systemd | ServiceManager::SystemdLegacy) => {
                if invalid_service(&self.name) {
                    return Ok(false);
                }
                let unit = format!("{}.service", self.name);
                // A systemctl that cannot start lists nothing, so the unit is not found.
                let listed = self
                    .helper(&["-q", "list-unit-files", "--type=service"], "systemctl")
                    .await
                    .is_ok_and(|(_, stdout)| stdout.contains(&unit));
                Ok(listed || (manager == ServiceManager::SystemdLegacy && self.sysv_exists()))
            }
            ServiceManager::Upstart => {
                Ok(
                    crate::rooted(self.root(), &format!("/etc/init/{}.conf", self.name)).exists()
                        || self.sysv_exists(),
                )
            }
            ServiceManager::OpenRc | ServiceManager::SysV => {
                Ok(!invalid_service(&self.name) && self.sysv_exists())
            }
        }
    }

    /// Whether the service starts at boot.
    pub async fn enabled(&self) -> Result<bool, ProbeError> {
        match self.system.service_manager() {
            manager @ (ServiceManager::Systemd | ServiceManager::SystemdLegacy) => {
                if invalid_service(&self.name) {
                    return Ok(false);
                }
                if self.systemctl_succeeds("is-enabled").await? {
                    return Ok(true);
                }
                Ok(manager == ServiceManager::SystemdLegacy && !self.sysv_runlevels()?.is_empty())
            }
            ServiceManager::Upstart => self.upstart_enabled(),
            ServiceManager::OpenRc => {
                Ok(!invalid_service(&self.name) && !self.openrc_runlevels()?.is_empty())
            }
            ServiceManager::SysV => {
                Ok(!invalid_service(&self.name) && !self.sysv_runlevels()?.is_empty())
            }
        }
    }

    /// Whether the service is running now.
    pub async fn running(&self) -> Result<bool, ProbeError> {
        match self.system.service_manager() {
            manager @ (ServiceManager::Systemd | ServiceManager::SystemdLegacy) => {
                if invalid_service(&self.name) {
                    return Ok(false);
                }
                if self.systemctl_succeeds("is-active").await? {
                    return Ok(true);
                }
                if manager == ServiceManager::SystemdLegacy {
                    return Ok(self.service_status().await.is_ok_and(|(code, _)| code == 0));
                }
                Ok(false)
            }
            ServiceManager::Upstart => {
                let (code, stdout) = self.service_status().await?;
                Ok(code == 0 && (stdout.contains("running") || stdout.contains("online")))
            }
            ServiceManager::OpenRc | ServiceManager::SysV => {
                if invalid_service(&self.name) {
                    return Ok(false);
                }
                let (code, _) = self.service_status().await?;
                Ok(code == 0)
            }
        }
    }

    /// The runlevels the service starts in: sysv/upstart digits (`["2", "3"]`),
    /// OpenRC runlevel names; always empty (Go's nil) under systemd.
    pub async fn runlevels(&self) -> Result<Vec<String>, ProbeError> {
        match self.system.service_manager() {
            ServiceManager::Systemd | ServiceManager::SystemdLegacy => Ok(Vec::new()),
            ServiceManager::Upstart => self.sysv_runlevels(),
            ServiceManager::OpenRc if invalid_service(&self.name) => Ok(Vec::new()),
            ServiceManager::OpenRc => self.openrc_runlevels(),
            ServiceManager::SysV if invalid_service(&self.name) => Ok(Vec::new()),
            ServiceManager::SysV => self.sysv_runlevels(),
        }
    }

    /// Runs `systemctl -q <verb> <name>`: exit 0 ⇒ true. A systemctl that
    /// cannot be started is an error, as in goss.
    async fn systemctl_succeeds(&self, verb: &str) -> Result<bool, ProbeError> {
        let (code, _) = self.helper(&["-q", verb, &self.name], "systemctl").await?;
        Ok(code == 0)
    }

    /// `service <name> status` → (exit code, stdout).
    async fn service_status(&self) -> Result<(i32, String), ProbeError> {
        self.helper(&[&self.name, "status"], "service").await
    }

    async fn helper(&self, args: &[&str], program: &str) -> Result<(i32, String), ProbeError> {
        let output = self.system.helpers().run(program, args).await?;
        Ok((
            output.exit_code,
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ))
    }

    fn sysv_exists(&self) -> bool {
        // `os.Stat` follows symlinks, so a dangling init script does not count.
        crate::rooted(self.root(), &format!("/etc/init.d/{}", self.name)).exists()
    }

    /// Digits of every `/etc/rc<N>.d/S<NN><name>` link; `rcS.d` matches the
    /// glob but has no digit, so (as in goss) it is no runlevel.
    fn sysv_runlevels(&self) -> Result<Vec<String>, ProbeError> {
        let matches = self.glob_under_root("/etc/rc*.d/S[0-9][0-9]", &self.name)?;
        Ok(matches
            .iter()
            .filter_map(|path| {
                let dir = path.strip_prefix("/etc/rc")?.split('/').next()?;
                let level = dir.strip_suffix(".d")?;
                (!level.is_empty() && level.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| level.to_string())
            })
            .collect())
    }

    /// Names of `/etc/runlevels/<level>` directories holding the service.
    fn openrc_runlevels(&self) -> Result<Vec<String>, ProbeError> {
        let matches = self.glob_under_root("/etc/runlevels/*/", &self.name)?;
        Ok(matches
            .iter()
            .filter_map(|path| {
                path.strip_prefix("/etc/runlevels/")?
                    .split('/')
                    .next()
                    .map(str::to_string)
            })
            .collect())
    }

    /// Upstart: an override saying `manual` disables; a `start on` stanza
    /// enables; otherwise sysv links decide.
    fn upstart_enabled(&self) -> Result<bool, ProbeError> {
        let read = |suffix: &str| {
            std::fs::read_to_string(crate::rooted(
                self.root(),
                &format!("/etc/init/{}{suffix}", self.name),
            ))
        };
        if let Ok(text) = read(".override")
            && text.lines().any(|line| line.starts_with("manual"))
        {
            return Ok(false);
        }
        if let Ok(text) = read(".conf")
            && text
                .lines()
                .any(|line| line.trim_start().starts_with("start on"))
        {
            return Ok(true);
        }
        Ok(self.sysv_runlevels().is_ok_and(|levels| !levels.is_empty()))
    }

    /// Expands `<pattern><name>` under the system root and returns the matches
    /// as logical (root-relative, `/`-prefixed) paths, sorted like Go's Glob.
    /// The service name is a literal here, never a pattern.
    fn glob_under_root(&self, pattern: &str, name: &str) -> Result<Vec<String>, ProbeError> {
        let root = self.root().to_string_lossy();
        let root = root.trim_end_matches('/');
        let full = format!(
            "{}{pattern}{}",
            glob::Pattern::escape(root),
            glob::Pattern::escape(name)
        );
        let paths = glob::glob(&full)
            .map_err(|err| ProbeError::Other(format!("syntax error in pattern: {err}")))?;
        let mut found: Vec<String> = paths
            .flatten()
            .filter_map(|path| {
                let text = path.to_string_lossy().into_owned();
                text.strip_prefix(root).map(str::to_string)
            })
            .collect();
        found.sort();
        Ok(found)
    }
}
