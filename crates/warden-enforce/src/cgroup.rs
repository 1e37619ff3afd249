//! Cgroup hierarchies as this machine mounts them: pure v2 (`/sys/fs/cgroup`), hybrid
//! (v1 controllers plus v2 at `/sys/fs/cgroup/unified`), or v1 only.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::procfs::{MountEntry, parse_mountinfo};

/// One mounted cgroup hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub mount_point: PathBuf,
    pub version: CgroupVersion,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupVersion {
    V2,
    /// A v1 hierarchy and the controllers (or `name=` entries) bound to it.
    V1 {
        controllers: Vec<String>,
    },
}

impl Hierarchy {
    /// The directory of cgroup `path` (as `/proc/PID/cgroup` writes it) in this hierarchy.
    pub fn directory(&self, path: &str) -> PathBuf {
        self.mount_point.join(path.trim_start_matches('/'))
    }
}

/// The cgroup hierarchies mounted in this process's mount namespace, one per hierarchy
/// (bind mounts of the same one are skipped).
pub fn hierarchies() -> std::io::Result<Vec<Hierarchy>> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")?;
    Ok(hierarchies_from(&parse_mountinfo(&text)))
}

pub(crate) fn hierarchies_from(mounts: &[MountEntry]) -> Vec<Hierarchy> {
    let mut seen = Vec::new();
    let mut found = Vec::new();
    for mount in mounts {
        // Only a hierarchy's root mount shows every cgroup under its own path.
        if mount.root != "/" || seen.contains(&(mount.major, mount.minor)) {
            continue;
        }
        let version = match mount.fstype.as_str() {
            "cgroup2" => CgroupVersion::V2,
            "cgroup" => CgroupVersion::V1 {
                controllers: mount
                    .super_options
                    .split(',')
                    .filter(|o| !is_mount_option(o))
                    .map(str::to_owned)
                    .collect(),
            },
            _ => continue,
        };
        seen.push((mount.major, mount.minor));
        found.push(Hierarchy {
            mount_point: mount.mount_point.clone(),
            version,
        });
    }
    found
}

/// v1 superblock options that are not controllers.
fn is_mount_option(option: &str) -> bool {
    matches!(
        option,
        "rw" | "ro" | "xattr" | "noprefix" | "clone_children" | "cpuset_v2_mode" | "favordynmods"
    ) || option.starts_with("release_agent=")
}

/// Where the cgroup v2 hierarchy is mounted (`/sys/fs/cgroup` on pure v2 machines,
/// `/sys/fs/cgroup/unified` on hybrid ones), if it is.
pub fn v2_mount() -> std::io::Result<Option<PathBuf>> {
    Ok(hierarchies()?
        .into_iter()
        .find(|h| h.version == CgroupVersion::V2)
        .map(|h| h.mount_point))
}

/// The cgroup v2 id of a v2 cgroup directory: what `bpf_get_current_cgroup_id()` returns
/// for its processes (the directory's inode number).
pub fn cgroup_id(directory: &Path) -> std::io::Result<u64> {
    Ok(std::fs::metadata(directory)?.ino())
}

/// The v2 cgroup path of a process (the `0::` line of `/proc/PID/cgroup`).
pub fn v2_path_of(pid: u32) -> std::io::Result<Option<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup"))?;
    Ok(parse_proc_cgroup(&text)
        .into_iter()
        .find(|(controllers, _)| controllers.is_empty())
        .map(|(_, path)| path))
}

/// `/proc/PID/cgroup` lines as (controllers, path); v2's line has no controllers.
pub(crate) fn parse_proc_cgroup(text: &str) -> Vec<(Vec<String>, String)> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let _id = parts.next()?;
            let controllers = parts.next()?;
            let path = parts.next()?;
            let controllers = controllers
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            Some((controllers, path.to_owned()))
        })
        .collect()
}

/// The path of `pid`'s cgroup in `hierarchy`.
pub(crate) fn path_in(hierarchy: &Hierarchy, pid: u32) -> std::io::Result<Option<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup"))?;
    let lines = parse_proc_cgroup(&text);
    Ok(lines
        .into_iter()
        .find(|(controllers, _)| match &hierarchy.version {
            CgroupVersion::V2 => controllers.is_empty(),
            CgroupVersion::V1 { controllers: bound } => {
                !controllers.is_empty() && controllers.iter().all(|c| bound.contains(c))
            }
        })
        .map(|(_, path)| path))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n\
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n\
32 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n\
33 30 0:30 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n\
34 30 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n\
35 22 0:31 /sub /mnt/bound rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n\
36 22 0:29 / /mnt/memory-again rw,relatime - cgroup cgroup rw,memory\n";

    #[test]
    fn hybrid_hierarchies_are_found_once_each() {
        let found = hierarchies_from(&parse_mountinfo(HYBRID));
        assert_eq!(
            found,
            vec![
                Hierarchy {
                    mount_point: "/sys/fs/cgroup/cpu".into(),
                    version: CgroupVersion::V1 {
                        controllers: vec!["cpu".into()]
                    }
                },
                Hierarchy {
                    mount_point: "/sys/fs/cgroup/memory".into(),
                    version: CgroupVersion::V1 {
                        controllers: vec!["memory".into()]
                    }
                },
                Hierarchy {
                    mount_point: "/sys/fs/cgroup/systemd".into(),
                    version: CgroupVersion::V1 {
                        controllers: vec!["name=systemd".into()]
                    }
                },
                Hierarchy {
                    mount_point: "/sys/fs/cgroup/unified".into(),
                    version: CgroupVersion::V2
                },
            ]
        );
    }

    #[test]
    fn pure_v2_is_the_cgroup_mount_itself() {
        let text = "22 1 254:0 / / rw - ext4 /dev/vda rw\n\
30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
        let found = hierarchies_from(&parse_mountinfo(text));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].mount_point, PathBuf::from("/sys/fs/cgroup"));
        assert_eq!(found[0].version, CgroupVersion::V2);
        assert_eq!(
            found[0].directory("/libpod_parent/libpod-abc"),
            PathBuf::from("/sys/fs/cgroup/libpod_parent/libpod-abc")
        );
    }

    #[test]
    fn proc_cgroup_lines_split_controllers_and_paths() {
        let lines = parse_proc_cgroup("9:name=systemd:/\n4:memory:/process_api/2a\n0::/a:b\n");
        assert_eq!(
            lines,
            vec![
                (vec!["name=systemd".to_owned()], "/".to_owned()),
                (vec!["memory".to_owned()], "/process_api/2a".to_owned()),
                (vec![], "/a:b".to_owned()),
            ]
        );
    }
}
