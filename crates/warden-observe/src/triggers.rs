//! What starts a policy run: its cron schedule, or a change to its `_runtime.observe`
//! path. Each trigger source is a task sending [`Trigger`]s into the observer's queue.

use std::path::{Path, PathBuf};
use std::time::Duration;

use croner::Cron;
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Why a policy is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Once when observing starts, so every endpoint has a status.
    Startup,
    Schedule,
    Changed(PathBuf),
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Startup => f.write_str("startup"),
            Reason::Schedule => f.write_str("schedule"),
            Reason::Changed(path) => write!(f, "change to {}", path.display()),
        }
    }
}

/// A request to run the policy at `policy` (an index into the observed policies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub policy: usize,
    pub reason: Reason,
}

/// How bursts of file events become runs (INTERCEPT's `--mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebounceMode {
    /// Run on the first event, then ignore the path for the quiet period.
    First,
    /// Run once the path has been quiet for the quiet period.
    Last,
    /// Run on every event.
    All,
}

impl std::str::FromStr for DebounceMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "first" => Ok(DebounceMode::First),
            "last" => Ok(DebounceMode::Last),
            "all" => Ok(DebounceMode::All),
            other => Err(format!(
                "unknown mode {other:?}; valid modes are: first, last, all"
            )),
        }
    }
}

/// Sends a trigger at every time `cron` names (UTC), until the queue closes.
pub fn on_schedule(policy: usize, cron: Cron, queue: mpsc::Sender<Trigger>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = chrono::Utc::now();
            let Ok(next) = cron.find_next_occurrence(&now, false) else {
                tracing::warn!(policy, "schedule has no further run times");
                return;
            };
            let wait = (next - now).to_std().unwrap_or(Duration::ZERO);
            tokio::time::sleep(wait).await;
            if queue
                .send(Trigger {
                    policy,
                    reason: Reason::Schedule,
                })
                .await
                .is_err()
            {
                return;
            }
        }
    })
}

/// A watch on one path; dropping it stops the watch.
pub struct PathWatch {
    _watcher: notify::RecommendedWatcher,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for PathWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathWatch").finish_non_exhaustive()
    }
}

impl Drop for PathWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Sends triggers when `path` changes. A file is watched through its directory, so
/// editors that replace the file (write a copy, rename it over) keep being seen.
pub fn on_change(
    policy: usize,
    path: &Path,
    mode: DebounceMode,
    quiet: Duration,
    queue: mpsc::Sender<Trigger>,
) -> notify::Result<PathWatch> {
    let (events, mut raw) = mpsc::unbounded_channel::<()>();
    let target = path.to_owned();
    let watching_dir = path.is_dir();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let concerns_target = watching_dir || event.paths.iter().any(|p| p == &target);
        if concerns_target {
            // The receiver only goes away when the watch is dropped.
            let _ = events.send(());
        }
    })?;
    if watching_dir {
        watcher.watch(path, RecursiveMode::Recursive)?;
    } else {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        watcher.watch(parent, RecursiveMode::NonRecursive)?;
    }

    let changed = path.to_owned();
    let task = tokio::spawn(async move {
        let fire = |queue: &mpsc::Sender<Trigger>| {
            let queue = queue.clone();
            let reason = Reason::Changed(changed.clone());
            async move { queue.send(Trigger { policy, reason }).await.is_ok() }
        };
        while raw.recv().await.is_some() {
            match mode {
                DebounceMode::All => {
                    if !fire(&queue).await {
                        return;
                    }
                }
                DebounceMode::First => {
                    if !fire(&queue).await {
                        return;
                    }
                    let until = tokio::time::Instant::now() + quiet;
                    while let Ok(Some(())) = tokio::time::timeout_at(until, raw.recv()).await {}
                }
                DebounceMode::Last => {
                    loop {
                        match tokio::time::timeout(quiet, raw.recv()).await {
                            Ok(Some(())) => continue,
                            Ok(None) => return,
                            Err(_) => break,
                        }
                    }
                    if !fire(&queue).await {
                        return;
                    }
                }
            }
        }
    });
    Ok(PathWatch {
        _watcher: watcher,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(receiver: &mut mpsc::Receiver<Trigger>, within: Duration) -> usize {
        let mut count = 0;
        let until = tokio::time::Instant::now() + within;
        while let Ok(Some(_)) = tokio::time::timeout_at(until, receiver.recv()).await {
            count += 1;
        }
        count
    }

    async fn burst(path: &Path, writes: usize) {
        for i in 0..writes {
            std::fs::write(path, format!("write {i}\n")).unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn debounce_modes_turn_bursts_into_runs() {
        for (mode, expect_one) in [
            (DebounceMode::Last, true),
            (DebounceMode::First, true),
            (DebounceMode::All, false),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("watched.conf");
            std::fs::write(&file, "initial\n").unwrap();
            let (queue, mut receiver) = mpsc::channel(64);
            let _watch = on_change(7, &file, mode, Duration::from_millis(300), queue).unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            burst(&file, 5).await;
            let runs = collect(&mut receiver, Duration::from_millis(1200)).await;
            if expect_one {
                assert_eq!(runs, 1, "{mode:?}");
            } else {
                assert!(runs >= 5, "{mode:?}: {runs}");
            }
        }
    }

    #[tokio::test]
    async fn replacing_the_file_is_seen_and_other_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.conf");
        std::fs::write(&file, "a\n").unwrap();
        let (queue, mut receiver) = mpsc::channel(64);
        let _watch = on_change(
            0,
            &file,
            DebounceMode::Last,
            Duration::from_millis(200),
            queue,
        )
        .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        std::fs::write(dir.path().join("other.conf"), "x\n").unwrap();
        assert_eq!(collect(&mut receiver, Duration::from_millis(600)).await, 0);
        let replacement = dir.path().join(".app.conf.swp");
        std::fs::write(&replacement, "b\n").unwrap();
        std::fs::rename(&replacement, &file).unwrap();
        let trigger = tokio::time::timeout(Duration::from_secs(3), receiver.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            trigger,
            Trigger {
                policy: 0,
                reason: Reason::Changed(file.clone())
            }
        );
    }

    #[tokio::test]
    async fn schedules_fire_on_their_seconds() {
        let cron = warden_policy::schedule::parse("* * * * * *").unwrap();
        let (queue, mut receiver) = mpsc::channel(8);
        let task = on_schedule(3, cron, queue);
        let first = tokio::time::timeout(Duration::from_millis(2500), receiver.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            first,
            Trigger {
                policy: 3,
                reason: Reason::Schedule
            }
        );
        assert!(
            tokio::time::timeout(Duration::from_millis(1500), receiver.recv())
                .await
                .unwrap()
                .is_some()
        );
        task.abort();
    }
}
