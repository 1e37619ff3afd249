//! `warden add TYPE NAME...` and `warden autoadd NAME...`: record the live system
//! in the gossfile (`-g`, created when missing), announcing each resource as goss
//! does. Nothing is written when any name fails to read.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use clap::{Args, Subcommand};
use warden_discover::{AddOptions, DescribeError, EditableGossfile, SaveOutcome};
use warden_gossfile::{Resource, ResourceKind};
use warden_probes::{PackageManager, System};

use crate::cli::GlobalArgs;
use crate::exit;

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    #[command(flatten)]
    exclusions: Exclusions,
    #[command(subcommand)]
    resource: AddResource,
}

/// `--exclude-attr`, accepted before the type (as goss) and after it.
#[derive(Debug, Args)]
struct Exclusions {
    /// Do not record attributes matching this shell pattern (repeatable; `*`
    /// keeps only the required attribute).
    #[arg(long = "exclude-attr", value_name = "GLOB")]
    exclude_attr: Vec<String>,
}

/// goss's `add` subcommands, one per resource type.
#[derive(Debug, Subcommand)]
enum AddResource {
    /// Add new package.
    Package(Targets),
    /// Add new file.
    File(Targets),
    /// Add new remote address:port - ex: google.com:80.
    Addr(Timed<AddrTimeout>),
    /// Add new listening [protocol]:port - ex: 80 or udp:123.
    Port(Targets),
    /// Add new service.
    Service(Targets),
    /// Add new user.
    User(Targets),
    /// Add new group.
    Group(Targets),
    /// Add new command.
    Command(Timed<CommandTimeout>),
    /// Add new dns.
    Dns(DnsArgs),
    /// Add new process name.
    Process(Targets),
    /// Add new http.
    Http(HttpArgs),
    /// Add new goss file, it will be imported from this one.
    Goss(Targets),
    /// Add new kernel-param.
    KernelParam(Targets),
    /// Add new mount.
    Mount(Timed<MountTimeout>),
    /// Add new interface.
    Interface(Targets),
}

/// What follows the type: the names to add, and exclusions.
#[derive(Debug, Args)]
struct Targets {
    #[command(flatten)]
    exclusions: Exclusions,
    #[arg(required = true, value_name = "NAME")]
    names: Vec<String>,
}

#[derive(Debug, Args)]
struct Timed<T: clap::Args> {
    #[command(flatten)]
    timeout: T,
    #[command(flatten)]
    targets: Targets,
}

/// A `--timeout` flag whose default (goss's, per type) is in its help text;
/// the default itself is applied by `warden_discover`.
trait TimeoutFlag {
    fn timeout(&self) -> Option<Duration>;
}

macro_rules! timeout_flag {
    ($name:ident, $default:literal) => {
        #[derive(Debug, Args)]
        struct $name {
            #[arg(
                                long,
                                value_parser = go_duration,
                                help = concat!("Timeout (Go duration) [default: ", $default, "]")
                            )]
            timeout: Option<Duration>,
        }

        impl TimeoutFlag for $name {
            fn timeout(&self) -> Option<Duration> {
                self.timeout
            }
        }
    };
}

timeout_flag!(AddrTimeout, "500ms");
timeout_flag!(CommandTimeout, "10s");
timeout_flag!(MountTimeout, "1s");
timeout_flag!(DnsTimeout, "500ms");
timeout_flag!(HttpTimeout, "5s");

#[derive(Debug, Args)]
struct DnsArgs {
    #[command(flatten)]
    timeout: DnsTimeout,
    /// Server to query (`ip` or `ip:port`) instead of the system resolver.
    #[arg(long)]
    server: Option<String>,
    #[command(flatten)]
    targets: Targets,
}

#[derive(Debug, Args)]
struct HttpArgs {
    #[command(flatten)]
    timeout: HttpTimeout,
    /// Allow insecure TLS connections.
    #[arg(short = 'k', long)]
    insecure: bool,
    /// Do not follow redirects.
    #[arg(short = 'r', long)]
    no_follow_redirects: bool,
    /// Basic-auth user name.
    #[arg(short = 'u', long)]
    username: Option<String>,
    /// Basic-auth password.
    #[arg(short = 'p', long)]
    password: Option<String>,
    /// Proxy server URL.
    #[arg(short = 'x', long)]
    proxy: Option<String>,
    #[command(flatten)]
    targets: Targets,
}

#[derive(Debug, Args)]
pub(crate) struct AutoaddArgs {
    /// Names to look for as a file (when it contains `/`), group, package,
    /// port, process (with its listening ports), service and user.
    #[arg(required = true, value_name = "NAME")]
    names: Vec<String>,
}

fn go_duration(text: &str) -> Result<Duration, String> {
    warden_gossfile::duration::parse(text)
}

impl AddArgs {
    /// The resource type, the names to add, and the flags as options.
    fn request(&self) -> (ResourceKind, &[String], AddOptions) {
        let mut options = AddOptions::default();
        let (kind, targets) = match &self.resource {
            AddResource::Package(targets) => (ResourceKind::Package, targets),
            AddResource::File(targets) => (ResourceKind::File, targets),
            AddResource::Port(targets) => (ResourceKind::Port, targets),
            AddResource::Service(targets) => (ResourceKind::Service, targets),
            AddResource::User(targets) => (ResourceKind::User, targets),
            AddResource::Group(targets) => (ResourceKind::Group, targets),
            AddResource::Process(targets) => (ResourceKind::Process, targets),
            AddResource::Goss(targets) => (ResourceKind::Gossfile, targets),
            AddResource::KernelParam(targets) => (ResourceKind::KernelParam, targets),
            AddResource::Interface(targets) => (ResourceKind::Interface, targets),
            AddResource::Addr(args) => {
                options.timeout = args.timeout.timeout();
                (ResourceKind::Addr, &args.targets)
            }
            AddResource::Command(args) => {
                options.timeout = args.timeout.timeout();
                (ResourceKind::Command, &args.targets)
            }
            AddResource::Mount(args) => {
                options.timeout = args.timeout.timeout();
                (ResourceKind::Mount, &args.targets)
            }
            AddResource::Dns(args) => {
                options.timeout = args.timeout.timeout();
                options.server = args.server.clone();
                (ResourceKind::Dns, &args.targets)
            }
            AddResource::Http(args) => {
                options.timeout = args.timeout.timeout();
                options.allow_insecure = args.insecure;
                options.no_follow_redirects = args.no_follow_redirects;
                options.username = args.username.clone();
                options.password = args.password.clone();
                options.proxy = args.proxy.clone();
                (ResourceKind::Http, &args.targets)
            }
        };
        options.exclude_attrs = [
            self.exclusions.exclude_attr.as_slice(),
            &targets.exclusions.exclude_attr,
        ]
        .concat();
        (kind, &targets.names, options)
    }
}

pub(crate) fn run_add(global: &GlobalArgs, args: &AddArgs) -> u8 {
    let (kind, names, options) = args.request();
    edit(global, |system, runtime, record| {
        for name in names {
            record(runtime.block_on(warden_discover::describe(kind, name, &options, system))?);
        }
        Ok(())
    })
}

pub(crate) fn run_autoadd(global: &GlobalArgs, args: &AutoaddArgs) -> u8 {
    edit(global, |system, runtime, record| {
        for name in &args.names {
            for resource in runtime.block_on(warden_discover::autoadd(name, system))? {
                record(resource);
            }
        }
        Ok(())
    })
}

/// Opens the gossfile, lets `discover` record resources into it (each is
/// announced as it is recorded, as goss does) and saves it once at the end.
/// Nothing is saved when discovery fails.
fn edit(
    global: &GlobalArgs,
    discover: impl FnOnce(
        &System,
        &tokio::runtime::Runtime,
        &mut dyn FnMut(Resource),
    ) -> Result<(), DescribeError>,
) -> u8 {
    let path = global.gossfile.as_path();
    if path == Path::new("-") {
        exit::print_error(&"add and autoadd write the gossfile, so -g cannot be `-`");
        return exit::USAGE;
    }
    let system = match system(global) {
        Ok(system) => system,
        Err(code) => return code,
    };
    let mut gossfile = match EditableGossfile::open(path) {
        Ok(gossfile) => gossfile,
        Err(err) => {
            exit::print_error(&err);
            return exit::CONFIG;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            exit::print_error(&format!("starting the async runtime: {err}"));
            return exit::FAILED;
        }
    };
    let mut record = |resource: Resource| {
        let mut stdout = std::io::stdout().lock();
        // A closed stdout (`| head`) must not stop the gossfile being written.
        let _ = stdout
            .write_all(gossfile.add(resource).as_bytes())
            .and_then(|()| stdout.flush());
    };
    if let Err(err) = discover(&system, &runtime, &mut record) {
        exit::print_error(&err);
        return exit::FAILED;
    }
    match gossfile.save() {
        Ok(SaveOutcome::Written) => exit::OK,
        Ok(SaveOutcome::RefusedEmpty) => {
            eprintln!("Can't write empty configuration file. Please check resource name(s).");
            exit::OK
        }
        Err(err) => {
            exit::print_error(&format!("failed to write {}: {err}", path.display()));
            exit::FAILED
        }
    }
}

/// The machine, with the package backend `--package` names.
fn system(global: &GlobalArgs) -> Result<System, u8> {
    let mut builder = System::builder();
    if let Some(flag) = global.package.as_deref() {
        let Some(manager) = PackageManager::from_flag(flag) else {
            exit::print_error(&format!(
                "unknown package manager {flag:?}; valid values are: dpkg, rpm, apk, pacman"
            ));
            return Err(exit::USAGE);
        };
        builder = builder.package_manager(manager);
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn request(args: &[&str]) -> (ResourceKind, Vec<String>, AddOptions) {
        let cli = Cli::try_parse_from(args).unwrap();
        let Command::Add(add) = cli.command else {
            panic!("add expected")
        };
        let (kind, names, options) = add.request();
        (kind, names.to_vec(), options)
    }

    #[test]
    fn per_type_flags_become_options() {
        let (kind, names, options) = request(&[
            "warden",
            "add",
            "--exclude-attr",
            "a*",
            "http",
            "-k",
            "-r",
            "--timeout",
            "2s",
            "-u",
            "me",
            "-p",
            "secret",
            "-x",
            "http://proxy:3128",
            "--exclude-attr",
            "b",
            "http://x/",
            "http://y/",
        ]);
        assert_eq!(kind, ResourceKind::Http);
        assert_eq!(names, ["http://x/", "http://y/"]);
        assert_eq!(
            options,
            AddOptions {
                exclude_attrs: vec!["a*".into(), "b".into()],
                timeout: Some(Duration::from_secs(2)),
                server: None,
                allow_insecure: true,
                no_follow_redirects: true,
                username: Some("me".into()),
                password: Some("secret".into()),
                proxy: Some("http://proxy:3128".into()),
            }
        );
        let (kind, _, options) = request(&["warden", "a", "dns", "--server", "1.1.1.1", "host"]);
        assert_eq!(
            (kind, options.server.as_deref(), options.timeout),
            (ResourceKind::Dns, Some("1.1.1.1"), None)
        );
        let (kind, names, _) = request(&["warden", "-g", "x.json", "add", "goss", "other.yaml"]);
        assert_eq!(
            (kind, names),
            (ResourceKind::Gossfile, vec!["other.yaml".into()])
        );
    }

    #[test]
    fn timeout_help_states_the_defaults_warden_discover_applies() {
        let mut cli = <Cli as clap::CommandFactory>::command();
        let add = cli.find_subcommand_mut("add").unwrap();
        for (name, kind) in [
            ("addr", ResourceKind::Addr),
            ("command", ResourceKind::Command),
            ("dns", ResourceKind::Dns),
            ("http", ResourceKind::Http),
            ("mount", ResourceKind::Mount),
        ] {
            let help = add
                .find_subcommand_mut(name)
                .unwrap()
                .render_help()
                .to_string();
            let default = warden_discover::default_timeout(kind).unwrap();
            let stated = format!("[default: {}]", warden_gossfile::duration::format(default));
            assert!(help.contains(&stated), "{name}: {stated} in\n{help}");
        }
    }

    #[test]
    fn timeouts_are_go_durations_and_only_where_goss_has_them() {
        let (_, _, options) = request(&["warden", "add", "mount", "--timeout", "1m30s", "/"]);
        assert_eq!(options.timeout, Some(Duration::from_secs(90)));
        assert!(Cli::try_parse_from(["warden", "add", "file", "--timeout", "1s", "/x"]).is_err());
        assert!(
            Cli::try_parse_from(["warden", "add", "command", "--timeout", "soon", "x"]).is_err()
        );
    }
}
