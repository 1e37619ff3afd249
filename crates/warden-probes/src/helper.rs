//! Running the package and service managers' own tools (`rpm`, `systemctl`,
//! `service`, …), behind a trait so tests can point probes at fixtures.

use std::env;
use std::ffi::OsString;
use std::future::Future;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;

use crate::ProbeError;

/// What a helper tool left behind: goss looks only at the exit code and stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperOutput {
    /// The exit code; `-1` when the tool was killed by a signal (Go's `ExitStatus()`).
    pub exit_code: i32,
    /// Everything the tool wrote to stdout.
    pub stdout: Vec<u8>,
}

/// The future a [`HelperRunner`] returns.
pub type HelperFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HelperOutput, ProbeError>> + Send + 'a>>;

/// Finds and runs helper tools.
///
/// An `Err` means the tool could not be started at all (Go's `cmd.Start()`
/// error); a tool that ran and failed is an `Ok` with a non-zero exit code.
pub trait HelperRunner: Send + Sync {
    /// Whether `name` resolves to an executable, like Go's `exec.LookPath`.
    fn has_command(&self, name: &str) -> bool;
    /// Runs `program args…` with empty stdin, capturing stdout.
    fn run<'a>(&'a self, program: &'a str, args: &'a [&'a str]) -> HelperFuture<'a>;
}

/// Runs real processes found on a search path (`$PATH` unless one is given).
#[derive(Debug, Clone, Default)]
pub struct ProcessHelperRunner {
    search_path: Option<OsString>,
}

impl ProcessHelperRunner {
    /// Looks programs up in `$PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    fn look_path(&self, name: &str) -> Option<PathBuf> {
        if name.contains('/') {
            let path = PathBuf::from(name);
            return is_executable(&path).then_some(path);
        }
        let search_path = self.search_path.clone().or_else(|| env::var_os("PATH"))?;
        env::split_paths(&search_path)
            .map(|dir| {
                // Go treats an empty PATH element as the current directory.
                let dir = if dir.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    dir
                };
                dir.join(name)
            })
            .find(|candidate| is_executable(candidate))
    }
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .map(|meta| !meta.is_dir() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

impl HelperRunner for ProcessHelperRunner {
    fn has_command(&self, name: &str) -> bool {
        self.look_path(name).is_some()
    }

    fn run<'a>(&'a self, program: &'a str, args: &'a [&'a str]) -> HelperFuture<'a> {
        Box::pin(async move {
            let Some(executable) = self.look_path(program) else {
                return Err(ProbeError::Other(format!(
                    "exec: \"{program}\": executable file not found in $PATH"
                )));
            };
            let output = tokio::process::Command::new(&executable)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                // A caller that gives up on the future must not leave the tool running.
                .kill_on_drop(true)
                .output()
                .await
                .map_err(|err| {
                    ProbeError::Other(format!(
                        "fork/exec {}: {}",
                        executable.display(),
                        crate::gofmt::go_errno_text(&err)
                    ))
                })?;
            Ok(HelperOutput {
                exit_code: exit_code(output.status),
                stdout: output.stdout,
            })
        })
    }
}

/// Go's `WaitStatus.ExitStatus()`: the exit code, or -1 when signalled.
pub(crate) fn exit_code(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(-1)
}
