//! `kernel-param`: a sysctl read from `/proc/sys`.

use std::io;
use std::path::Path;

use crate::gofmt::go_path_error;
use crate::{ProbeError, System};

/// `system.kernel_param(name)`: one `kernel-param` resource.
#[derive(Debug)]
pub struct KernelParamProbe<'s> {
    system: &'s System,
    key: String,
}

impl<'s> KernelParamProbe<'s> {
    pub(crate) fn new(system: &'s System, key: &str) -> Self {
        Self {
            system,
            key: key.to_string(),
        }
    }

    /// The dotted key (`net.ipv4.ip_forward`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value, whitespace-trimmed; numeric matchers convert it themselves.
    pub fn value(&self) -> Result<String, ProbeError> {
        let logical = format!("/proc/sys/{}", self.key.replace('.', "/"));
        let path = crate::rooted(self.system.root(), &logical);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).trim().to_string()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                Err(ProbeError::KernelParamNotFound)
            }
            Err(err) => {
                let op = if err.raw_os_error() == Some(nix::libc::EISDIR) {
                    "read"
                } else {
                    "open"
                };
                Err(ProbeError::Os(go_path_error(op, Path::new(&logical), &err)))
            }
        }
    }
}
