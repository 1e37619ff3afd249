//! package: the real dpkg database, and the other backends through a fake runner.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use warden_probes::{HelperFuture, HelperOutput, HelperRunner, PackageManager, ProbeError, System};

use super::fixtures::run;

/// Answers helper commands from a table and records what was asked.
#[derive(Default)]
pub(crate) struct FakeRunner {
    pub(crate) commands: Vec<String>,
    pub(crate) responses: BTreeMap<String, (i32, String)>,
    pub(crate) calls: Mutex<Vec<String>>,
}

impl FakeRunner {
    pub(crate) fn with(commands: &[&str], responses: &[(&str, i32, &str)]) -> Arc<Self> {
        Arc::new(Self {
            commands: commands.iter().map(ToString::to_string).collect(),
            responses: responses
                .iter()
                .map(|(line, code, stdout)| (line.to_string(), (*code, stdout.to_string())))
                .collect(),
            calls: Mutex::new(Vec::new()),
        })
    }
}

impl HelperRunner for FakeRunner {
    fn has_command(&self, name: &str) -> bool {
        self.commands.iter().any(|command| command == name)
    }

    fn run<'a>(&'a self, program: &'a str, args: &'a [&'a str]) -> HelperFuture<'a> {
        let line = std::iter::once(program)
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        self.calls.lock().unwrap().push(line.clone());
        let result = if self.has_command(program) {
            let (exit_code, stdout) = self
                .responses
                .get(&line)
                .cloned()
                .unwrap_or((1, String::new()));
            Ok(HelperOutput {
                exit_code,
                stdout: stdout.into_bytes(),
            })
        } else {
            Err(ProbeError::Other(format!(
                "exec: \"{program}\": executable file not found in $PATH"
            )))
        };
        Box::pin(async move { result })
    }
}

#[tokio::test]
async fn dpkg_packages_match_dpkg_query() {
    let system = System::new();
    assert_eq!(system.package_manager(), PackageManager::Dpkg);
    for name in ["bash", "dpkg"] {
        let expected = run("dpkg-query", &["-W", "-f", "${Version}", name]);
        let package = system.package(name);
        assert!(package.installed().await.unwrap(), "{name}");
        assert_eq!(package.versions().await.unwrap(), [expected], "{name}");
    }
    let missing = system.package("warden-no-such-package");
    assert!(!missing.installed().await.unwrap());
    assert_eq!(
        missing.versions().await.unwrap_err().to_string(),
        "Package version not found"
    );
}

/// Every package in the database gives what goss's own `dpkg-query` parse would.
#[tokio::test]
async fn the_whole_dpkg_database_agrees_with_dpkg_query() {
    let listing = run(
        "dpkg-query",
        &[
            "-W",
            "-f",
            "${Package}\\t${Architecture}\\t${Status} ${Version}\\n",
        ],
    );
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in listing.lines() {
        let mut columns = line.split('\t');
        let (Some(name), Some(arch), Some(status_version)) =
            (columns.next(), columns.next(), columns.next())
        else {
            continue;
        };
        let entry = expected.entry(name.to_string()).or_default();
        let fields: Vec<&str> = status_version.split_whitespace().collect();
        let installed = status_version.starts_with("install ok installed")
            || status_version.starts_with("hold ok installed");
        if installed && let Some(version) = fields.get(3) {
            entry.push(version.to_string());
        }
        // The qualified form must agree too.
        let qualified = expected.entry(format!("{name}:{arch}")).or_default();
        if installed && let Some(version) = fields.get(3) {
            qualified.push(version.to_string());
        }
    }
    assert!(
        expected.len() > 100,
        "dpkg-query listed too little: {}",
        expected.len()
    );
    let system = System::new();
    for (name, versions) in &expected {
        let package = system.package(name);
        assert_eq!(
            package.installed().await.unwrap(),
            !versions.is_empty(),
            "{name}"
        );
        if !versions.is_empty() {
            assert_eq!(&package.versions().await.unwrap(), versions, "{name}");
        }
    }
}

#[tokio::test]
async fn rpm_backend_runs_goss_query() {
    let query = "rpm -q --nosignature --nohdrchk --nodigest --qf %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n";
    let runner = FakeRunner::with(
        &["rpm"],
        &[
            (&format!("{query} bash"), 0, "5.1.8-6.el9\n"),
            (&format!("{query} kernel"), 0, "1:5.14-1\n1:5.14-2\n"),
        ],
    );
    let system = System::builder()
        .helpers(runner.clone())
        .package_manager(PackageManager::Rpm)
        .build();
    assert_eq!(
        system.package("bash").versions().await.unwrap(),
        ["5.1.8-6.el9"]
    );
    assert_eq!(
        system.package("kernel").versions().await.unwrap(),
        ["1:5.14-1", "1:5.14-2"]
    );
    assert!(!system.package("absent").installed().await.unwrap());
    assert_eq!(runner.calls.lock().unwrap()[0], format!("{query} bash"));
}

#[tokio::test]
async fn apk_and_pacman_backends() {
    let runner = FakeRunner::with(
        &["apk", "pacman"],
        &[
            (
                "apk version busybox",
                0,
                "Installed:                                Available:\nbusybox-1.36.1-r5                       = 1.36.1-r5\n",
            ),
            (
                "pacman -Q --color never --noconfirm bash",
                0,
                "bash 5.2.026-2\n",
            ),
        ],
    );
    let apk = System::builder()
        .helpers(runner.clone())
        .package_manager(PackageManager::Apk)
        .build();
    assert_eq!(
        apk.package("busybox").versions().await.unwrap(),
        ["1.36.1-r5"]
    );
    assert!(!apk.package("absent").installed().await.unwrap());
    let pacman = System::builder()
        .helpers(runner)
        .package_manager(PackageManager::Pacman)
        .build();
    assert_eq!(
        pacman.package("bash").versions().await.unwrap(),
        ["5.2.026-2"]
    );
}

#[tokio::test]
async fn backend_detection_follows_the_distribution_files() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    let detect = |commands: &[&str]| {
        System::builder()
            .root(root.path())
            .helpers(FakeRunner::with(commands, &[]))
            .build()
            .package_manager()
    };
    assert_eq!(detect(&[]), PackageManager::Rpm);
    assert_eq!(detect(&["pacman", "apk"]), PackageManager::Apk);
    std::fs::write(root.path().join("etc/alpine-release"), "3.20\n").unwrap();
    assert_eq!(detect(&[]), PackageManager::Apk);
    std::fs::write(root.path().join("etc/redhat-release"), "Rocky\n").unwrap();
    assert_eq!(detect(&[]), PackageManager::Rpm);
    std::fs::write(root.path().join("etc/lsb-release"), "DISTRIB_ID=Ubuntu\n").unwrap();
    assert_eq!(detect(&[]), PackageManager::Dpkg);
}
