//! A durable queue of deliveries.
//!
//! Every delivery is written here before its first attempt and removed only once its
//! receiver has accepted it, so neither a receiver that is down nor a stop or crash in
//! the middle of retries loses anything (a receiver may see a delivery twice after a
//! crash; it never sees none). Each delivery is one file, written to a temporary name,
//! synced and renamed, so a crash never leaves a half-written delivery behind.
//!
//! A file holds a format line, the caller's metadata as one line of JSON, and then the
//! payload bytes exactly as they will be sent. Names are increasing numbers (the wall
//! clock in nanoseconds, or one more than the newest name when the clock is behind it),
//! so sorting names gives the order deliveries were written in, across restarts too.
//! One process writes to a spool directory at a time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The first line of every spool file.
const FORMAT_LINE: &[u8] = b"warden-spool/1\n";
const EXTENSION: &str = "spool";

/// One spooled delivery: what the writer said about it, and the bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<M> {
    pub meta: M,
    pub payload: Vec<u8>,
}

/// A spool file that cannot be read back. It is left in place for a person to look at.
#[derive(Debug, thiserror::Error)]
#[error("spool file {path}: {reason}")]
pub struct ReadError {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    /// The newest name written or found, so names keep increasing.
    last_name: Mutex<u64>,
    /// The bytes of the deliveries waiting, for callers that cap a spool's size.
    bytes: AtomicU64,
}

impl Spool {
    /// Opens (creating if needed) the spool directory, and proves it is writable: a
    /// spool that cannot take a delivery would lose it.
    pub fn open(dir: &Path) -> std::io::Result<Spool> {
        std::fs::create_dir_all(dir)?;
        let probe = dir.join(".warden-spool-probe");
        std::fs::write(&probe, b"")?;
        std::fs::remove_file(&probe)?;
        let spool = Spool {
            dir: dir.to_owned(),
            last_name: Mutex::new(0),
            bytes: AtomicU64::new(0),
        };
        let mut newest = 0;
        let mut bytes = 0;
        for path in spool.pending()? {
            newest = newest.max(name_number(&path).unwrap_or(0));
            bytes += std::fs::metadata(&path).map_or(0, |m| m.len());
        }
        *spool.lock_last_name() = newest;
        spool.bytes.store(bytes, Ordering::Relaxed);
        Ok(spool)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The size of the deliveries waiting, in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Stores a delivery durably and returns the file it lives in.
    pub fn push<M: Serialize>(&self, meta: &M, payload: &[u8]) -> std::io::Result<PathBuf> {
        let path = self
            .dir
            .join(format!("{:020}.{EXTENSION}", self.next_name()));
        self.write(&path, meta, payload)?;
        Ok(path)
    }

    /// Replaces a spooled delivery with what is left of it once part has been
    /// delivered. It keeps its name, and so its place in the order.
    pub fn replace<M: Serialize>(
        &self,
        path: &Path,
        meta: &M,
        payload: &[u8],
    ) -> std::io::Result<()> {
        let old = std::fs::metadata(path)?.len();
        self.write(path, meta, payload)?;
        self.sub_bytes(old);
        Ok(())
    }

    /// Writes a spool file under a temporary name, syncs it and renames it to `path`,
    /// counting its size in [`Spool::bytes`] before the rename: once renamed, the file
    /// can be delivered and removed (and its size subtracted) at any moment.
    fn write<M: Serialize>(&self, path: &Path, meta: &M, payload: &[u8]) -> std::io::Result<()> {
        let meta = serde_json::to_vec(meta).map_err(std::io::Error::other)?;
        let name = path
            .file_name()
            .ok_or_else(|| std::io::Error::other("a spool file needs a name"))?;
        let temporary = self.dir.join(format!(".{}.tmp", name.to_string_lossy()));
        let mut file = std::fs::File::create(&temporary)?;
        // Compact JSON never contains a raw newline, so one ends the metadata.
        for part in [FORMAT_LINE, &meta, b"\n", payload] {
            file.write_all(part)?;
        }
        file.sync_all()?;
        let size = (FORMAT_LINE.len() + meta.len() + 1 + payload.len()) as u64;
        self.bytes.fetch_add(size, Ordering::Relaxed);
        if let Err(e) = std::fs::rename(&temporary, path) {
            self.sub_bytes(size);
            return Err(e);
        }
        // The rename is only durable once the directory entry is.
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    /// The spooled deliveries' files, oldest first. Only names are listed: a long spool
    /// is read one delivery at a time, as each is sent.
    pub fn pending(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| name_number(path).is_some())
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// One spooled delivery. An unreadable file is reported, not dropped: it stays in
    /// the directory for a person to look at.
    pub fn read<M: DeserializeOwned>(&self, path: &Path) -> Result<Entry<M>, ReadError> {
        let error = |reason: String| ReadError {
            path: path.to_owned(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
        let rest = bytes
            .strip_prefix(FORMAT_LINE)
            .ok_or_else(|| error("not a warden-spool/1 file".to_owned()))?;
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| error("the metadata line is not terminated".to_owned()))?;
        let meta =
            serde_json::from_slice(&rest[..end]).map_err(|e| error(format!("metadata: {e}")))?;
        Ok(Entry {
            meta,
            payload: rest[end + 1..].to_vec(),
        })
    }

    /// Forgets a delivery once its receiver has accepted it (already gone is fine).
    pub fn remove(&self, path: &Path) -> std::io::Result<()> {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        match std::fs::remove_file(path) {
            Ok(()) => {
                self.sub_bytes(size);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn sub_bytes(&self, size: u64) {
        // Saturating: a file another process touched must not wrap the total.
        let _ = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(size))
            });
    }

    fn next_name(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        let mut last = self.lock_last_name();
        *last = now.max(last.saturating_add(1));
        *last
    }

    fn lock_last_name(&self) -> std::sync::MutexGuard<'_, u64> {
        // A plain number stays valid whatever a panicking holder did.
        self.last_name
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The number a spool file is named with; `None` for anything else in the directory
/// (temporary files, probes, files a person put there).
fn name_number(path: &Path) -> Option<u64> {
    let stem = path
        .file_name()?
        .to_str()?
        .strip_suffix(EXTENSION)?
        .strip_suffix('.')?;
    if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
    struct Meta {
        hook: String,
    }

    fn meta() -> Meta {
        Meta {
            hook: "siem".into(),
        }
    }

    #[test]
    fn deliveries_come_back_oldest_first_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        for body in ["one", "two\nlines", "three"] {
            spool.push(&meta(), body.as_bytes()).unwrap();
        }
        let reopened = Spool::open(dir.path()).unwrap();
        assert_eq!(reopened.bytes(), spool.bytes());
        let pending = reopened.pending().unwrap();
        let entries: Vec<Entry<Meta>> = pending.iter().map(|p| reopened.read(p).unwrap()).collect();
        let payloads: Vec<&[u8]> = entries.iter().map(|e| e.payload.as_slice()).collect();
        assert_eq!(payloads, [&b"one"[..], b"two\nlines", b"three"]);
        assert!(entries.iter().all(|e| e.meta == meta()));
        let before = reopened.bytes();
        let size = std::fs::metadata(&pending[0]).unwrap().len();
        reopened.remove(&pending[0]).unwrap();
        reopened.remove(&pending[0]).unwrap();
        assert_eq!(reopened.bytes(), before - size);
        assert_eq!(reopened.pending().unwrap().len(), 2);
    }

    #[test]
    fn a_replaced_delivery_keeps_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let first = spool.push(&meta(), b"abc").unwrap();
        spool.push(&meta(), b"later").unwrap();
        spool.replace(&first, &meta(), b"c").unwrap();
        let pending = spool.pending().unwrap();
        assert_eq!(pending[0], first);
        let payloads: Vec<Vec<u8>> = pending
            .iter()
            .map(|p| spool.read::<Meta>(p).unwrap().payload)
            .collect();
        assert_eq!(payloads, [b"c".to_vec(), b"later".to_vec()]);
        assert_eq!(spool.bytes(), Spool::open(dir.path()).unwrap().bytes());
    }

    #[test]
    fn names_keep_increasing_when_the_clock_is_behind_the_newest_file() {
        let dir = tempfile::tempdir().unwrap();
        let future = "18000000000000000000.spool";
        std::fs::write(
            dir.path().join(future),
            b"warden-spool/1\n{\"hook\":\"x\"}\n",
        )
        .unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let first = spool.push(&meta(), b"a").unwrap();
        let second = spool.push(&meta(), b"b").unwrap();
        let names: Vec<String> = spool
            .pending()
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                future.to_owned(),
                first.file_name().unwrap().to_string_lossy().into_owned(),
                second.file_name().unwrap().to_string_lossy().into_owned(),
            ]
        );
        assert_eq!(names[1], "18000000000000000001.spool");
    }

    #[test]
    fn corrupt_files_are_reported_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let cases: [(&str, &[u8], &str); 3] = [
            (
                "00000000000000000001.spool",
                b"{not a spool}",
                "not a warden-spool/1 file",
            ),
            (
                "00000000000000000002.spool",
                b"warden-spool/1\n{}",
                "not terminated",
            ),
            (
                "00000000000000000003.spool",
                b"warden-spool/1\n[]\nx",
                "metadata",
            ),
        ];
        for (name, bytes, _) in cases {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        std::fs::write(dir.path().join(".00000000000000000004.spool.tmp"), b"half").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"a person's file").unwrap();
        let pending = spool.pending().unwrap();
        assert_eq!(pending.len(), 3);
        for (path, (_, _, expected)) in pending.iter().zip(cases) {
            let error = spool.read::<Meta>(path).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
            assert!(path.exists());
        }
    }

    #[test]
    fn a_spool_that_cannot_be_written_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-directory");
        std::fs::write(&file, "").unwrap();
        assert!(Spool::open(&file.join("spool")).is_err());
    }
}
