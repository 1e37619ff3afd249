//! A durable queue of hook deliveries.
//!
//! Every delivery is written here before its first attempt and removed only once its
//! receiver has accepted it, so neither a receiver that is down nor a stop or crash of
//! Warden in the middle of retries loses a result (a receiver may see a delivery twice
//! after a crash; it never sees none). Each delivery is one file, written to a temporary
//! name, synced and renamed, so a crash never leaves a half-written delivery behind.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// One request to a hook, exactly as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The hook's name in the policy file; spooled deliveries go back to it.
    pub hook: String,
    pub content_type: String,
    pub body: String,
    /// When the delivery was first attempted (RFC 3339).
    pub created: String,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Opens (creating if needed) the spool directory, and proves it is writable: a
    /// spool that cannot take a delivery would lose it.
    pub fn open(dir: &Path) -> std::io::Result<Spool> {
        std::fs::create_dir_all(dir)?;
        let probe = dir.join(".warden-spool-probe");
        std::fs::write(&probe, b"")?;
        std::fs::remove_file(&probe)?;
        Ok(Spool {
            dir: dir.to_owned(),
        })
    }

    /// Stores `delivery` durably and returns the file it lives in.
    pub fn push(&self, delivery: &Delivery) -> std::io::Result<PathBuf> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // The counter keeps names unique when two deliveries spool in the same nanosecond.
        let sequence = next_sequence();
        let name = format!("{nanos:020}-{sequence:06}.json");
        let path = self.dir.join(&name);
        let temporary = self.dir.join(format!(".{name}.tmp"));
        let bytes = serde_json::to_vec(delivery).map_err(std::io::Error::other)?;
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)?;
        // The rename is only durable once the directory entry is.
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(path)
    }

    /// The spooled deliveries' files, oldest first. Only names are listed: a long spool
    /// is read one delivery at a time, as each is sent.
    pub fn pending(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension().is_some_and(|e| e == "json")
                    && !path
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// One spooled delivery. An unreadable file is reported, not dropped: it stays in
    /// the directory for a person to look at.
    pub fn read(&self, path: &Path) -> Result<Delivery, String> {
        std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
    }

    /// Forgets a delivery once its receiver has accepted it (already gone is fine).
    pub fn remove(&self, path: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

fn next_sequence() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    SEQUENCE.fetch_add(1, Ordering::Relaxed) % 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(body: &str) -> Delivery {
        Delivery {
            hook: "siem".into(),
            content_type: "application/json".into(),
            body: body.into(),
            created: "2026-11-22T00:00:00Z".into(),
        }
    }

    #[test]
    fn deliveries_come_back_oldest_first_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        for body in ["one", "two", "three"] {
            spool.push(&delivery(body)).unwrap();
        }
        let reopened = Spool::open(dir.path()).unwrap();
        let pending = reopened.pending().unwrap();
        let bodies: Vec<String> = pending
            .iter()
            .map(|p| reopened.read(p).unwrap().body)
            .collect();
        assert_eq!(bodies, ["one", "two", "three"]);
        reopened.remove(&pending[0]).unwrap();
        reopened.remove(&pending[0]).unwrap();
        assert_eq!(reopened.pending().unwrap().len(), 2);
    }

    #[test]
    fn corrupt_files_are_reported_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        std::fs::write(
            dir.path().join("00000000000000000001-000000.json"),
            b"{not json",
        )
        .unwrap();
        std::fs::write(dir.path().join(".partial.json.tmp"), b"half").unwrap();
        let pending = spool.pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert!(spool.read(&pending[0]).is_err());
        assert!(pending[0].exists());
    }

    #[test]
    fn a_spool_that_cannot_be_written_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-directory");
        std::fs::write(&file, "").unwrap();
        assert!(Spool::open(&file.join("spool")).is_err());
    }
}
