//! `file`: metadata from `lstat`, contents and digests from the followed path.

use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use md5::Md5;
use sha2::{Digest, Sha256, Sha512};

use crate::gofmt::{go_clean, go_path_error};
use crate::{ProbeError, System};

/// `system.file(path)`: one `file` resource.
#[derive(Debug)]
pub struct FileProbe<'s> {
    system: &'s System,
    /// The absolute, cleaned path, or the failure to work it out (`~user` unknown).
    path: Result<PathBuf, ProbeError>,
}

impl<'s> FileProbe<'s> {
    pub(crate) fn new(system: &'s System, path: &str) -> Self {
        Self {
            system,
            path: resolve_path(system, path),
        }
    }

    /// The path probed: relative paths are resolved against the working
    /// directory and `~`/`~user` against a home directory, like goss.
    pub fn path(&self) -> Result<&Path, ProbeError> {
        self.path.as_deref().map_err(Clone::clone)
    }

    fn lstat(&self) -> Result<Metadata, ProbeError> {
        let path = self.path()?;
        fs::symlink_metadata(path).map_err(|err| ProbeError::Os(go_path_error("lstat", path, &err)))
    }

    /// Whether `lstat` finds anything (a dangling symlink exists). Errors
    /// other than "no such file" are reported, as goss does.
    pub fn exists(&self) -> Result<bool, ProbeError> {
        let path = self.path()?;
        match fs::symlink_metadata(path) {
            Ok(_) => Ok(true),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(ProbeError::Os(go_path_error("lstat", path, &err))),
        }
    }

    /// `"%04o"` of the permission, setuid, setgid and sticky bits (`"0644"`,
    /// `"4755"`); a symlink itself is `"0777"`.
    pub fn mode(&self) -> Result<String, ProbeError> {
        Ok(format!("{:04o}", self.lstat()?.mode() & 0o7777))
    }

    /// The size `lstat` reports, in bytes.
    pub fn size(&self) -> Result<i64, ProbeError> {
        Ok(i64::try_from(self.lstat()?.size()).unwrap_or(i64::MAX))
    }

    /// The owning uid.
    pub fn uid(&self) -> Result<i64, ProbeError> {
        Ok(i64::from(self.lstat()?.uid()))
    }

    /// The owning gid.
    pub fn gid(&self) -> Result<i64, ProbeError> {
        Ok(i64::from(self.lstat()?.gid()))
    }

    /// The owner's name from `/etc/passwd`, else from `getent passwd <uid>`.
    pub fn owner(&self) -> Result<String, ProbeError> {
        let uid = self.lstat()?.uid();
        if let Some(name) = self.system.accounts().user_name_by_uid(uid) {
            return Ok(name);
        }
        getent("passwd", uid)
    }

    /// The group's name from `/etc/group`, else from `getent group <gid>`.
    pub fn group(&self) -> Result<String, ProbeError> {
        let gid = self.lstat()?.gid();
        if let Some(name) = self.system.accounts().group_name_by_gid(gid) {
            return Ok(name);
        }
        getent("group", gid)
    }

    /// `symlink`, `character-device`, `block-device`, `pipe`, `socket`,
    /// `directory` or `file`.
    pub fn filetype(&self) -> Result<String, ProbeError> {
        let file_type = self.lstat()?.file_type();
        let name = if file_type.is_symlink() {
            "symlink"
        } else if file_type.is_char_device() {
            "character-device"
        } else if file_type.is_block_device() {
            "block-device"
        } else if file_type.is_fifo() {
            "pipe"
        } else if file_type.is_socket() {
            "socket"
        } else if file_type.is_dir() {
            "directory"
        } else {
            "file"
        };
        Ok(name.to_string())
    }

    /// The symlink's target exactly as stored (not resolved).
    pub fn linked_to(&self) -> Result<String, ProbeError> {
        let path = self.path()?;
        fs::read_link(path)
            .map(|target| target.to_string_lossy().into_owned())
            .map_err(|err| ProbeError::Os(go_path_error("readlink", path, &err)))
    }

    /// The contents, opened through any symlink, to be read as a stream.
    pub fn contents(&self) -> Result<FileContents, ProbeError> {
        let path = self.path()?;
        let file =
            File::open(path).map_err(|err| ProbeError::Os(go_path_error("open", path, &err)))?;
        Ok(FileContents {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Lower-case hex MD5 of the contents.
    pub fn md5(&self) -> Result<String, ProbeError> {
        self.digest::<Md5>()
    }

    /// Lower-case hex SHA-256 of the contents.
    pub fn sha256(&self) -> Result<String, ProbeError> {
        self.digest::<Sha256>()
    }

    /// Lower-case hex SHA-512 of the contents.
    pub fn sha512(&self) -> Result<String, ProbeError> {
        self.digest::<Sha512>()
    }

    fn digest<D: Digest>(&self) -> Result<String, ProbeError> {
        let mut contents = self.contents()?;
        let mut hasher = D::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            // FileContents already words its errors as Go does.
            let read = contents
                .read(&mut buffer)
                .map_err(|err| ProbeError::Os(err.to_string()))?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        Ok(hex::encode(hasher.finalize()))
    }
}

/// A file's contents as a byte stream; read errors carry Go's `read <path>: …` text.
#[derive(Debug)]
pub struct FileContents {
    file: File,
    path: PathBuf,
}

impl Read for FileContents {
    /// Read errors carry Go's text (`read /etc: is a directory`), which goss reports.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file
            .read(buf)
            .map_err(|err| io::Error::new(err.kind(), go_path_error("read", &self.path, &err)))
    }
}

/// goss's path handling: `~` and `~user` expand to a home directory; every
/// path is made absolute against the working directory and cleaned.
fn resolve_path(system: &System, path: &str) -> Result<PathBuf, ProbeError> {
    let expanded = if let Some(rest) = path.strip_prefix('~') {
        let (user, tail) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        let home = if user.is_empty() {
            current_home(system)?
        } else {
            system.accounts().user_by_name(user)?.home
        };
        format!("{home}{tail}")
    } else {
        path.to_string()
    };
    let expanded = Path::new(&expanded);
    let absolute = if expanded.is_absolute() {
        expanded.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|err| ProbeError::Os(format!("getwd: {}", crate::gofmt::go_errno_text(&err))))?
            .join(expanded)
    };
    Ok(go_clean(&absolute))
}

/// Go's `user.Current().HomeDir`: the passwd entry for our uid, else `$HOME`.
fn current_home(system: &System) -> Result<String, ProbeError> {
    let uid = nix::unistd::getuid().as_raw();
    if let Some(name) = system.accounts().user_name_by_uid(uid) {
        return Ok(system.accounts().user_by_name(&name)?.home);
    }
    std::env::var("HOME").map_err(|_| ProbeError::Other(format!("user: unknown userid {uid}")))
}

/// goss's fallback when the local files have no name for an id: ask NSS via
/// `getent`, and keep goss's message (including its "passwd file" wording for groups).
fn getent(database: &str, id: u32) -> Result<String, ProbeError> {
    let output = std::process::Command::new("getent")
        .arg(database)
        .arg(id.to_string())
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let failure = match output {
        Ok(output) if output.status.success() => {
            let stdout = String::from_utf8_lossy(&output.stdout);
            return Ok(stdout.split(':').next().unwrap_or_default().to_string());
        }
        Ok(output) => match output.status.code() {
            Some(code) => format!("exit status {code}"),
            None => "signal: killed".to_string(),
        },
        Err(err) => format!("exec: \"getent\": {}", crate::gofmt::go_errno_text(&err)),
    };
    Err(ProbeError::Other(format!(
        "Error: no matching entries in passwd file. getent {database}: {failure}"
    )))
}
