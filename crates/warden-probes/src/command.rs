//! `command`: `sh -c <exec>` run once, its exit status and output shared by all checks.

use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt;
use tokio::sync::OnceCell;

use crate::ProbeError;

/// What one run of the command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit code; `-1` when killed by a signal (Go's `ExitStatus()`).
    pub exit_status: i32,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
}

/// `system.command(exec, timeout)`: one `command` resource.
#[derive(Debug)]
pub struct CommandProbe {
    exec: String,
    timeout: Duration,
    result: OnceCell<Result<CommandOutput, ProbeError>>,
}

impl CommandProbe {
    pub(crate) fn new(exec: &str, timeout: Duration) -> Self {
        Self {
            exec: exec.to_string(),
            timeout,
            result: OnceCell::new(),
        }
    }

    /// The shell command line.
    pub fn exec(&self) -> &str {
        &self.exec
    }

    /// Runs the command on first use; later calls share that run.
    pub async fn output(&self) -> Result<&CommandOutput, ProbeError> {
        self.result
            .get_or_init(|| run_shell(&self.exec, self.timeout))
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The exit status (127 when the shell cannot find the command).
    pub async fn exit_status(&self) -> Result<i32, ProbeError> {
        Ok(self.output().await?.exit_status)
    }

    /// Captured stdout.
    pub async fn stdout(&self) -> Result<&[u8], ProbeError> {
        Ok(&self.output().await?.stdout)
    }

    /// Captured stderr.
    pub async fn stderr(&self) -> Result<&[u8], ProbeError> {
        Ok(&self.output().await?.stderr)
    }
}

/// Runs `sh -c <exec>` with the inherited environment and empty stdin.
///
/// The shell leads a new process group. On timeout goss merely stops waiting
/// and leaves the command running; Warden kills the whole group so a stuck
/// check cannot pile up processes across runs.
async fn run_shell(exec: &str, timeout: Duration) -> Result<CommandOutput, ProbeError> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(exec)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| {
            ProbeError::Other(format!(
                "exec: \"sh\": {}",
                crate::gofmt::go_errno_text(&err)
            ))
        })?;
    let group = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .map(Pid::from_raw);
    let mut stdout_pipe = child.stdout.take();
    let mut stderr_pipe = child.stderr.take();
    let run = async {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let read_stdout = async {
            if let Some(pipe) = stdout_pipe.as_mut() {
                let _ = pipe.read_to_end(&mut stdout).await;
            }
        };
        let read_stderr = async {
            if let Some(pipe) = stderr_pipe.as_mut() {
                let _ = pipe.read_to_end(&mut stderr).await;
            }
        };
        let (status, (), ()) = tokio::join!(child.wait(), read_stdout, read_stderr);
        status.map(|status| CommandOutput {
            exit_status: crate::helper::exit_code(status),
            stdout,
            stderr,
        })
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(err)) => Err(ProbeError::Other(format!(
            "wait: {}",
            crate::gofmt::go_errno_text(&err)
        ))),
        Err(_) => {
            if let Some(group) = group {
                // The group may already be gone; either way nothing is left to kill.
                let _ = killpg(group, Signal::SIGKILL);
            }
            // Reap the shell so it does not linger as a zombie.
            let _ = child.wait().await;
            Err(ProbeError::CommandTimeout(timeout))
        }
    }
}
