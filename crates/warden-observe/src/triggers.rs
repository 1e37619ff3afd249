//! What starts a policy run: its cron schedule, or a change to its `_runtime.observe`
//! path. Each trigger source is a task sending [`Trigger`]s into the observer's queue.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
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
    _watcher: Arc<Mutex<notify::RecommendedWatcher>>,
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

/// What a path currently is: the file it resolves to and its size and times. A change
/// of any of these is a change of the path.
type Fingerprint = Option<(u64, u64, u64, i64, i64, i64, i64)>;

fn fingerprint(path: &Path) -> Fingerprint {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| {
        (
            m.dev(),
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        )
    })
}

/// Sends triggers when `path` changes. A directory is watched recursively. A file is
/// watched through its directory and through the directory it resolves to: editors that
/// replace files (write a copy, rename it over) are seen, and so are Kubernetes
/// ConfigMap updates (a `..data` symlink swapped to a new directory); an event counts
/// only when what the path points at actually changed.
pub fn on_change(
    policy: usize,
    path: &Path,
    mode: DebounceMode,
    quiet: Duration,
    queue: mpsc::Sender<Trigger>,
) -> notify::Result<PathWatch> {
    let (events, mut raw) = mpsc::unbounded_channel::<()>();
    let watching_dir = path.is_dir();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !matches!(e.kind, EventKind::Access(_))) {
            // The receiver only goes away when the watch is dropped.
            let _ = events.send(());
        }
    })?;
    let watcher = Arc::new(Mutex::new(watcher));
    let mut watched = Vec::new();
    if watching_dir {
        lock(&watcher).watch(path, RecursiveMode::Recursive)?;
    } else {
        watch_directories_of(&watcher, path, &mut watched)?;
    }

    let changed = path.to_owned();
    let shared = Arc::clone(&watcher);
    let task = tokio::spawn(async move {
        let mut last = fingerprint(&changed);
        // Drains events until one is a real change of the path.
        let mut next_change = async || loop {
            raw.recv().await?;
            if watching_dir {
                return Some(());
            }
            let now = fingerprint(&changed);
            if now != last {
                last = now;
                // The path may resolve somewhere new (a swapped symlink): follow it.
                let _ = watch_directories_of(&shared, &changed, &mut watched);
                return Some(());
            }
        };
        let fire = |queue: &mpsc::Sender<Trigger>| {
            let queue = queue.clone();
            let reason = Reason::Changed(changed.clone());
            async move { queue.send(Trigger { policy, reason }).await.is_ok() }
        };
        while next_change().await.is_some() {
            match mode {
                DebounceMode::All => {}
                DebounceMode::First => {
                    if !fire(&queue).await {
                        return;
                    }
                    let until = tokio::time::Instant::now() + quiet;
                    while let Ok(Some(())) = tokio::time::timeout_at(until, next_change()).await {}
                    continue;
                }
                DebounceMode::Last => loop {
                    match tokio::time::timeout(quiet, next_change()).await {
                        Ok(Some(())) => continue,
                        Ok(None) => return,
                        Err(_) => break,
                    }
                },
            }
            if !fire(&queue).await {
                return;
            }
        }
    });
    Ok(PathWatch {
        _watcher: watcher,
        task,
    })
}

/// Watches the directory holding `path` and, when the path resolves elsewhere, the
/// directory holding its target; `watched` remembers what is watched already.
fn watch_directories_of(
    watcher: &Mutex<notify::RecommendedWatcher>,
    path: &Path,
    watched: &mut Vec<PathBuf>,
) -> notify::Result<()> {
    let parent = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned()
    };
    let mut directories = vec![parent(path)];
    if let Ok(target) = std::fs::canonicalize(path) {
        directories.push(parent(&target));
    }
    for directory in directories {
        if !watched.contains(&directory) {
            lock(watcher).watch(&directory, RecursiveMode::NonRecursive)?;
            watched.push(directory);
        }
    }
    Ok(())
}

fn lock(
    watcher: &Mutex<notify::RecommendedWatcher>,
) -> std::sync::MutexGuard<'_, notify::RecommendedWatcher> {
    // Watching keeps working whatever a panicking holder did.
    watcher
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
    async fn configmap_style_symlink_swaps_and_writes_through_links_are_seen() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("..v1")).unwrap();
        std::fs::write(root.join("..v1/app.conf"), "a\n").unwrap();
        symlink("..v1", root.join("..data")).unwrap();
        symlink("..data/app.conf", root.join("app.conf")).unwrap();
        let (queue, mut receiver) = mpsc::channel(64);
        let _watch = on_change(
            0,
            &root.join("app.conf"),
            DebounceMode::Last,
            Duration::from_millis(150),
            queue,
        )
        .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;

        // kubelet's update: a new directory, then an atomic swap of `..data`.
        std::fs::create_dir(root.join("..v2")).unwrap();
        std::fs::write(root.join("..v2/app.conf"), "b\n").unwrap();
        symlink("..v2", root.join("..data_tmp")).unwrap();
        std::fs::rename(root.join("..data_tmp"), root.join("..data")).unwrap();
        let swap = tokio::time::timeout(Duration::from_secs(3), receiver.recv()).await;
        assert!(swap.is_ok_and(|t| t.is_some()), "the swap was not seen");

        // A write through the links lands in `..v2`, which is watched now.
        tokio::time::sleep(Duration::from_millis(50)).await;
        std::fs::write(root.join("app.conf"), "c\n").unwrap();
        let write = tokio::time::timeout(Duration::from_secs(3), receiver.recv()).await;
        assert!(
            write.is_ok_and(|t| t.is_some()),
            "the write through the links was not seen"
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
