//! Reads the live system state that gossfile resources describe.
//!
//! A [`System`] is created once per validation run. It lazily reads, once,
//! and shares the tables goss reads once per run (`/etc/passwd` and
//! `/etc/group`, the socket tables, the process table, mountinfo, the dpkg
//! database) and detects the package and service managers. Each resource
//! gets a probe object from it (`system.file(path)`, `system.port(key)`, …)
//! whose methods return plain values with goss's semantics, or a
//! [`ProbeError`] whose text is goss's.
//!
//! Local reads (file, user, group, port, process, kernel-param, mount,
//! interface) are synchronous: they take microseconds. Everything that waits
//! on another process or the network (command, http, dns, addr, package,
//! service) is `async` and runs on tokio.

mod addr;
mod command;
mod distro;
mod dns;
mod dpkg;
mod error;
mod file;
mod gofmt;
mod helper;
mod http;
mod interface;
mod kernel_param;
mod mount;
mod package;
mod ports;
mod process;
mod process_ports;
mod service;
mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use addr::AddrProbe;
pub use command::{CommandOutput, CommandProbe};
pub use dns::DnsProbe;
pub use error::ProbeError;
pub use file::{FileContents, FileProbe};
pub use gofmt::GoDuration;
pub use helper::{HelperFuture, HelperOutput, HelperRunner, ProcessHelperRunner};
pub use http::{
    AcceptAnyCertificate, DEFAULT_USER_AGENT, HttpBody, HttpBodyReader, HttpProbe, HttpRequest,
};
pub use interface::InterfaceProbe;
pub use kernel_param::KernelParamProbe;
pub use mount::MountProbe;
pub use package::{PackageManager, PackageProbe};
pub use ports::PortProbe;
pub use process::ProcessProbe;
pub use service::{ServiceManager, ServiceProbe};
pub use users::{GroupProbe, UserProbe};

use dpkg::DpkgDatabase;
use mount::MountTable;
use ports::PortTable;
use process::ProcessTable;
use users::Accounts;

/// The live system as seen by one validation run.
pub struct System {
    root: PathBuf,
    helpers: Arc<dyn HelperRunner>,
    package_manager: OnceLock<PackageManager>,
    service_manager: OnceLock<ServiceManager>,
    accounts: OnceLock<Accounts>,
    ports: OnceLock<PortTable>,
    processes: OnceLock<Result<ProcessTable, ProbeError>>,
    mounts: OnceLock<Result<MountTable, ProbeError>>,
    native_roots: OnceLock<Arc<rustls::RootCertStore>>,
    resolver: OnceLock<Result<hickory_resolver::TokioResolver, ProbeError>>,
    dpkg: tokio::sync::OnceCell<Result<DpkgDatabase, ProbeError>>,
}

impl std::fmt::Debug for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("System")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl Default for System {
    fn default() -> Self {
        Self::new()
    }
}

/// Configures a [`System`]: where its files live, which tools it runs, and
/// which managers it uses instead of detecting them.
pub struct SystemBuilder {
    root: PathBuf,
    helpers: Arc<dyn HelperRunner>,
    package_manager: Option<PackageManager>,
    service_manager: Option<ServiceManager>,
}

impl std::fmt::Debug for SystemBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemBuilder")
            .field("root", &self.root)
            .field("package_manager", &self.package_manager)
            .field("service_manager", &self.service_manager)
            .finish_non_exhaustive()
    }
}

impl SystemBuilder {
    /// Reads the system files goss reads (`/etc/passwd`, `/proc/net/tcp`,
    /// `/etc/init.d`, the dpkg database, …) under `root` instead of `/`, so
    /// tests can point probes at a fixture tree. `mount` usage is measured at
    /// the mountpoint under `root`; `file` paths are never re-rooted.
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = root.into();
        self
    }

    /// Runs package and service tools through `helpers`.
    pub fn helpers(mut self, helpers: Arc<dyn HelperRunner>) -> Self {
        self.helpers = helpers;
        self
    }

    /// Uses this package backend (goss's `--package`) instead of detecting one.
    pub fn package_manager(mut self, manager: PackageManager) -> Self {
        self.package_manager = Some(manager);
        self
    }

    /// Uses this service manager instead of detecting one.
    pub fn service_manager(mut self, manager: ServiceManager) -> Self {
        self.service_manager = Some(manager);
        self
    }

    /// The configured system; nothing is read until a probe needs it.
    pub fn build(self) -> System {
        System {
            root: self.root,
            helpers: self.helpers,
            package_manager: preset(self.package_manager),
            service_manager: preset(self.service_manager),
            accounts: OnceLock::new(),
            ports: OnceLock::new(),
            processes: OnceLock::new(),
            mounts: OnceLock::new(),
            native_roots: OnceLock::new(),
            resolver: OnceLock::new(),
            dpkg: tokio::sync::OnceCell::new(),
        }
    }
}

impl System {
    /// The machine this process runs on, with everything detected.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder starting from `/`, real processes and detection.
    pub fn builder() -> SystemBuilder {
        SystemBuilder {
            root: PathBuf::from("/"),
            helpers: Arc::new(ProcessHelperRunner::new()),
            package_manager: None,
            service_manager: None,
        }
    }

    /// The directory system files are read under (`/` normally).
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn helpers(&self) -> &dyn HelperRunner {
        self.helpers.as_ref()
    }

    /// The package backend: as configured, else detected like goss.
    pub fn package_manager(&self) -> PackageManager {
        *self
            .package_manager
            .get_or_init(|| PackageManager::detect(self))
    }

    /// The service manager: as configured, else detected (see [`ServiceManager`]).
    pub fn service_manager(&self) -> ServiceManager {
        *self
            .service_manager
            .get_or_init(|| ServiceManager::detect(self))
    }

    pub(crate) fn accounts(&self) -> &Accounts {
        self.accounts.get_or_init(|| Accounts::read(&self.root))
    }

    pub(crate) fn ports(&self) -> &PortTable {
        self.ports.get_or_init(|| PortTable::read(&self.root))
    }

    pub(crate) fn processes(&self) -> Result<&ProcessTable, ProbeError> {
        self.processes
            .get_or_init(|| ProcessTable::read(&self.root))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub(crate) fn mounts(&self) -> Result<&MountTable, ProbeError> {
        self.mounts
            .get_or_init(|| MountTable::read(&self.root))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub(crate) fn native_roots(&self) -> Arc<rustls::RootCertStore> {
        Arc::clone(
            self.native_roots
                .get_or_init(|| Arc::new(http::load_native_roots())),
        )
    }

    pub(crate) fn resolver(&self) -> Result<&hickory_resolver::TokioResolver, ProbeError> {
        self.resolver
            .get_or_init(dns::system_resolver)
            .as_ref()
            .map_err(Clone::clone)
    }

    pub(crate) async fn dpkg_database(&self) -> Result<&DpkgDatabase, ProbeError> {
        self.dpkg
            .get_or_init(|| async {
                let root = self.root.clone();
                tokio::task::spawn_blocking(move || DpkgDatabase::read(&root))
                    .await
                    .unwrap_or_else(|err| {
                        Err(ProbeError::Other(format!(
                            "reading the dpkg database: {err}"
                        )))
                    })
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A `file` resource at `path`.
    pub fn file(&self, path: &str) -> FileProbe<'_> {
        FileProbe::new(self, path)
    }

    /// A `user` resource.
    pub fn user(&self, username: &str) -> UserProbe<'_> {
        UserProbe::new(self, username)
    }

    /// A `group` resource.
    pub fn group(&self, groupname: &str) -> GroupProbe<'_> {
        GroupProbe::new(self, groupname)
    }

    /// A `port` resource: `tcp:22`, `tcp6:22`, `udp:53`, `udp6:53` or bare `22`.
    pub fn port(&self, key: &str) -> PortProbe<'_> {
        PortProbe::new(self, key)
    }

    /// A `process` resource matched by kernel `comm`.
    pub fn process(&self, comm: &str) -> ProcessProbe<'_> {
        ProcessProbe::new(self, comm)
    }

    /// A `kernel-param` resource (`kernel.ostype`).
    pub fn kernel_param(&self, key: &str) -> KernelParamProbe<'_> {
        KernelParamProbe::new(self, key)
    }

    /// A `mount` resource; `timeout` bounds the filesystem query (goss default 1 s).
    pub fn mount(&self, mountpoint: &str, timeout: Duration) -> MountProbe<'_> {
        MountProbe::new(self, mountpoint, timeout)
    }

    /// An `interface` resource.
    pub fn interface(&self, name: &str) -> InterfaceProbe {
        InterfaceProbe::new(name)
    }

    /// A `package` resource, using the run's package backend.
    pub fn package(&self, name: &str) -> PackageProbe<'_> {
        PackageProbe::new(self, name)
    }

    /// A `service` resource, using the run's service manager.
    pub fn service(&self, name: &str) -> ServiceProbe<'_> {
        ServiceProbe::new(self, name)
    }

    /// A `command` resource (goss default timeout 10 s).
    pub fn command(&self, exec: &str, timeout: Duration) -> CommandProbe {
        CommandProbe::new(exec, timeout)
    }

    /// A `dns` resource. `resolve` may carry a type prefix (`MX:host`), which
    /// only applies with a `server`. goss's default timeout is 500 ms.
    pub fn dns(&self, resolve: &str, server: Option<&str>, timeout: Duration) -> DnsProbe<'_> {
        DnsProbe::new(self, resolve, server, timeout)
    }

    /// An `addr` resource (`tcp://host:port`, `udp://…`, or bare `host:port`);
    /// goss's default timeout is 500 ms.
    pub fn addr(&self, address: &str, local_address: Option<&str>, timeout: Duration) -> AddrProbe {
        AddrProbe::new(address, local_address, timeout)
    }

    /// An `http` resource.
    pub fn http(&self, request: HttpRequest) -> HttpProbe<'_> {
        HttpProbe::new(self, request)
    }
}

/// This machine's host name (`localhost` when the kernel has none to give).
pub fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|name| name.into_string().ok())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A cell already holding `value`, or empty for lazy detection.
fn preset<T>(value: Option<T>) -> OnceLock<T> {
    let cell = OnceLock::new();
    if let Some(value) = value {
        // A fresh cell cannot already be set.
        let _ = cell.set(value);
    }
    cell
}

/// `logical` (an absolute path as goss names it) under `root`.
pub(crate) fn rooted(root: &Path, logical: &str) -> PathBuf {
    root.join(logical.trim_start_matches('/'))
}
