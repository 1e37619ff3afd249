//! `describe` and `autoadd` against this machine (root in CI): what every Debian
//! host has, what the tests create, and goss's own golden `add` output for the
//! entries that do not depend on the environment.

// In tests a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::os::unix::fs::symlink;
use std::process::{Child, Command};

use warden_discover::{AddOptions, DescribeError, EditableGossfile, autoadd, describe};
use warden_gossfile::{Resource, ResourceKind};
use warden_probes::{ProbeError, System};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/conformance/goss/integration-tests/bullseye/goss-expected.yaml"
);

/// The golden file's block for one resource, as `add` prints it.
fn golden_block(section: &str, id: &str) -> String {
    let text = std::fs::read_to_string(GOLDEN).unwrap();
    let mut current = "";
    let mut block: Option<String> = None;
    for line in text.lines() {
        match line.strip_prefix("  ") {
            None => current = line.trim_end_matches(':'),
            Some(rest) if !rest.starts_with(' ') => {
                if block.is_some() {
                    break;
                }
                if current == section && rest.trim_end_matches(':') == id {
                    block = Some(format!("{rest}\n"));
                }
            }
            Some(rest) => {
                if let Some(block) = &mut block {
                    block.push_str(&format!("{rest}\n"));
                }
            }
        }
    }
    block.unwrap_or_else(|| panic!("no {section} {id:?} in the golden file"))
}

/// The YAML `add` prints for `resource`, without the `Adding ...` line.
fn snippet(resource: Resource) -> String {
    let dir = tempfile::tempdir().unwrap();
    let announcement = EditableGossfile::open(&dir.path().join("goss.yaml"))
        .unwrap()
        .add(resource);
    let (_, body) = announcement.split_once(":\n\n").unwrap();
    body.strip_suffix("\n\n").unwrap().to_owned()
}

fn attribute_names(resource: &Resource) -> Vec<&'static str> {
    resource
        .kind
        .attributes()
        .iter()
        .filter(|spec| resource.attr(spec.name).is_some())
        .map(|spec| spec.name)
        .collect()
}

async fn described(kind: ResourceKind, name: &str) -> Resource {
    describe(kind, name, &AddOptions::default(), &System::new())
        .await
        .unwrap()
}

/// Kills the child when the test ends, pass or fail.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn environment_independent_entries_match_goss_golden_output() {
    for (kind, name) in [
        (ResourceKind::Command, "echo 'hi'"),
        (ResourceKind::Command, "foobar"),
        (ResourceKind::KernelParam, "kernel.ostype"),
        (ResourceKind::Package, "foobar"),
        (ResourceKind::User, "foobar"),
        (ResourceKind::Group, "foobar"),
        (ResourceKind::Service, "foobar"),
        (ResourceKind::Process, "foobar"),
        (ResourceKind::File, "/tmp/goss/foobar"),
        (ResourceKind::File, "/etc/passwd"),
        (ResourceKind::Port, "tcp:9999"),
    ] {
        assert_eq!(
            snippet(described(kind, name).await),
            golden_block(kind.key(), name),
            "{kind} {name}"
        );
    }
}

#[tokio::test]
async fn present_accounts_and_packages_have_goss_attributes() {
    let root = described(ResourceKind::User, "root").await;
    assert_eq!(
        attribute_names(&root),
        ["exists", "uid", "gid", "groups", "home", "shell"]
    );
    assert_eq!(
        snippet(described(ResourceKind::Group, "root").await),
        "root:\n  exists: true\n  gid: 0\n"
    );
    let dpkg = described(ResourceKind::Package, "dpkg").await;
    assert_eq!(attribute_names(&dpkg), ["installed", "versions"]);
    assert!(snippet(dpkg).starts_with("dpkg:\n  installed: true\n  versions:\n  - "));
}

#[tokio::test]
async fn files_are_named_by_absolute_path_and_symlinks_record_their_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("target"), "x").unwrap();
    symlink("target", dir.path().join("link")).unwrap();
    let system = System::new();
    let link = dir.path().join("link");
    // A relative name is resolved against the working directory and cleaned.
    let cwd = std::env::current_dir().unwrap();
    let relative = format!(
        "{}{}",
        "../".repeat(cwd.components().count() - 1),
        link.strip_prefix("/").unwrap().display()
    );
    let resource = describe(
        ResourceKind::File,
        &relative,
        &AddOptions::default(),
        &system,
    )
    .await
    .unwrap();
    assert_eq!(resource.key, link.to_str().unwrap());
    assert_eq!(
        snippet(resource),
        format!(
            "{}:\n  exists: true\n  mode: \"0777\"\n  owner: root\n  group: root\n  linked-to: target\n  filetype: symlink\n",
            link.display()
        )
    );
}

#[tokio::test]
async fn excluded_attributes_are_not_recorded() {
    let system = System::new();
    let only_required = AddOptions {
        exclude_attrs: vec!["*".to_owned()],
        ..AddOptions::default()
    };
    let user = describe(ResourceKind::User, "root", &only_required, &system)
        .await
        .unwrap();
    assert_eq!(attribute_names(&user), ["exists"]);
    let command = describe(ResourceKind::Command, "echo hi", &only_required, &system)
        .await
        .unwrap();
    assert_eq!(attribute_names(&command), ["exit-status", "timeout"]);

    let some = AddOptions {
        exclude_attrs: vec!["owner".to_owned(), "gr*".to_owned()],
        ..AddOptions::default()
    };
    let file = describe(ResourceKind::File, "/etc/passwd", &some, &system)
        .await
        .unwrap();
    assert_eq!(attribute_names(&file), ["exists", "mode", "filetype"]);
}

#[tokio::test]
async fn what_cannot_be_read_is_an_error_not_an_absence() {
    let system = System::new();
    let options = AddOptions::default();
    let missing_mount = describe(ResourceKind::Mount, "/no/such/mount", &options, &system).await;
    assert_eq!(
        missing_mount.unwrap_err(),
        DescribeError::Probe(ProbeError::MountpointNotFound)
    );
    let missing_param = describe(ResourceKind::KernelParam, "no.such.key", &options, &system).await;
    assert_eq!(
        missing_param.unwrap_err().to_string(),
        "could not find the given key"
    );
    let matching = describe(ResourceKind::Matching, "x", &options, &system).await;
    assert_eq!(
        matching.unwrap_err(),
        DescribeError::NotAddable(ResourceKind::Matching)
    );
}

#[tokio::test]
async fn request_settings_are_recorded() {
    let system = System::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let options = AddOptions {
        timeout: Some(std::time::Duration::from_millis(1500)),
        ..AddOptions::default()
    };
    let addr = describe(ResourceKind::Addr, &address, &options, &system)
        .await
        .unwrap();
    assert_eq!(
        snippet(addr),
        format!("tcp://{address}:\n  reachable: true\n  timeout: 1500\n")
    );
    let lo = describe(
        ResourceKind::Interface,
        "lo",
        &AddOptions::default(),
        &system,
    )
    .await
    .unwrap();
    assert_eq!(attribute_names(&lo), ["exists", "addrs", "mtu"]);
    let proc_mount = describe(
        ResourceKind::Mount,
        "/proc",
        &AddOptions::default(),
        &system,
    )
    .await
    .unwrap();
    assert_eq!(
        attribute_names(&proc_mount),
        [
            "exists",
            "opts",
            "vfs-opts",
            "source",
            "filesystem",
            "timeout"
        ]
    );
}

fn kinds_and_keys(resources: &[Resource]) -> Vec<(ResourceKind, String)> {
    resources.iter().map(|r| (r.kind, r.key.clone())).collect()
}

#[tokio::test]
async fn autoadd_finds_only_what_exists() {
    let system = System::new();
    assert_eq!(
        kinds_and_keys(&autoadd("root", &system).await.unwrap()),
        [
            (ResourceKind::Group, "root".to_owned()),
            (ResourceKind::User, "root".to_owned())
        ]
    );
    assert_eq!(
        kinds_and_keys(&autoadd("dpkg", &system).await.unwrap()),
        [(ResourceKind::Package, "dpkg".to_owned())]
    );
    assert_eq!(
        kinds_and_keys(&autoadd("/etc/passwd", &system).await.unwrap()),
        [(ResourceKind::File, "/etc/passwd".to_owned())]
    );
    assert!(
        autoadd("no-such-thing-anywhere", &system)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn autoadd_of_a_process_adds_the_ports_it_listens_on() {
    let dir = tempfile::tempdir().unwrap();
    let comm = format!("wdaa{}", std::process::id() % 1_000_000);
    symlink("/bin/sleep", dir.path().join(&comm)).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // The child holds the listening socket as its stdin; this process lets go of it.
    let _child = KillOnDrop(
        Command::new(dir.path().join(&comm))
            .arg("60")
            .stdin(OwnedFd::from(listener))
            .spawn()
            .unwrap(),
    );
    let found = autoadd(&comm, &System::new()).await.unwrap();
    assert_eq!(
        kinds_and_keys(&found),
        [
            (ResourceKind::Process, comm.clone()),
            (ResourceKind::Port, format!("tcp:{port}"))
        ]
    );
    assert_eq!(
        snippet(found[1].clone()),
        format!("tcp:{port}:\n  listening: true\n  ip:\n  - 127.0.0.1\n")
    );
}
