//! `scripts/build-bpf --check`, CI's guard that the committed BPF objects are what their
//! sources build to, really fails when they are not: run on copies of the bpf
//! directory with a changed object, a missing one and an orphaned one. Needs clang and
//! llvm-strip (scripts/install-deps).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn check(bpf_dir: &Path) -> Output {
    Command::new(crate_dir().join("../../scripts/build-bpf"))
        .arg("--check")
        .env("WARDEN_BPF_DIR", bpf_dir)
        .output()
        .expect("scripts/build-bpf")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_stale_object_check_passes_on_the_committed_objects_and_fails_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    // A copy elsewhere: the objects must not depend on the checkout's path either.
    let bpf = dir.path().join("some/other/path/bpf");
    copy_dir(&crate_dir().join("bpf"), &bpf);
    let committed = check(&bpf);
    assert!(committed.status.success(), "{}", stderr(&committed));

    // One changed byte in an object.
    let object = bpf.join("probes.o");
    let mut bytes = std::fs::read(&object).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&object, &bytes).unwrap();
    let changed = check(&bpf);
    assert_eq!(changed.status.code(), Some(1));
    assert!(
        stderr(&changed).contains("probes.o differs from what its source builds to"),
        "{}",
        stderr(&changed)
    );

    // A source whose object was never committed, and an object without a source.
    std::fs::copy(crate_dir().join("bpf/probes.o"), &object).unwrap();
    std::fs::copy(bpf.join("probes.bpf.c"), bpf.join("extra.bpf.c")).unwrap();
    std::fs::write(bpf.join("orphan.o"), b"not an object").unwrap();
    let missing = check(&bpf);
    assert_eq!(missing.status.code(), Some(1));
    let text = stderr(&missing);
    assert!(text.contains("extra.o is not committed"), "{text}");
    assert!(text.contains("orphan.o has no source"), "{text}");
}
