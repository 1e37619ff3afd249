//! Resources read from local tables and files: synchronous, microseconds each.

use warden_gossfile::Resource;
use warden_matchers::Actual;
use warden_probes::System;

use crate::checks::{Checks, strings, value};

pub(crate) async fn file<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.file(resource.target());
    let mut checks = Checks::new(resource);
    checks.gate("exists", async || value(probe.exists())).await;
    checks.optional("mode", async || value(probe.mode())).await;
    checks
        .optional("owner", async || value(probe.owner()))
        .await;
    checks.optional("uid", async || value(probe.uid())).await;
    checks
        .optional("group", async || value(probe.group()))
        .await;
    checks.optional("gid", async || value(probe.gid())).await;
    checks
        .optional_as("linked-to", "linkedto", async || value(probe.linked_to()))
        .await;
    checks
        .optional("filetype", async || value(probe.filetype()))
        .await;
    for attr in ["contains", "contents"] {
        checks
            .optional(attr, async || {
                probe
                    .contents()
                    .map(|c| Actual::Reader(Box::new(c)))
                    .map_err(|e| e.to_string())
            })
            .await;
    }
    checks.optional("size", async || value(probe.size())).await;
    checks.optional("md5", async || value(probe.md5())).await;
    checks
        .optional("sha256", async || value(probe.sha256()))
        .await;
    checks
        .optional("sha512", async || value(probe.sha512()))
        .await;
    checks
}

pub(crate) async fn user<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.user(resource.target());
    let mut checks = Checks::new(resource);
    checks.gate("exists", async || value(probe.exists())).await;
    checks.optional("uid", async || value(probe.uid())).await;
    checks.optional("gid", async || value(probe.gid())).await;
    checks.optional("home", async || value(probe.home())).await;
    checks
        .optional("groups", async || strings(probe.groups()))
        .await;
    checks
        .optional("shell", async || value(probe.shell()))
        .await;
    checks
}

pub(crate) async fn group<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.group(resource.target());
    let mut checks = Checks::new(resource);
    checks.gate("exists", async || value(probe.exists())).await;
    checks.optional("gid", async || value(probe.gid())).await;
    checks
}

pub(crate) async fn port<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.port(resource.target());
    let mut checks = Checks::new(resource);
    checks
        .gate("listening", async || value(probe.listening()))
        .await;
    checks.optional("ip", async || strings(probe.ips())).await;
    checks
}

pub(crate) async fn process<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.process(resource.target());
    let mut checks = Checks::new(resource);
    checks
        .required("running", async || value(probe.running()))
        .await;
    checks
}

pub(crate) async fn kernel_param<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.kernel_param(resource.target());
    let mut checks = Checks::new(resource);
    checks
        .required("value", async || value(probe.value()))
        .await;
    checks
}

pub(crate) async fn mount<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.mount(resource.target(), resource.timeout("timeout", 1000));
    let mut checks = Checks::new(resource);
    checks.gate("exists", async || value(probe.exists())).await;
    checks
        .optional("opts", async || strings(probe.opts()))
        .await;
    checks
        .optional("vfs-opts", async || strings(probe.vfs_opts()))
        .await;
    checks
        .optional("source", async || value(probe.source()))
        .await;
    checks
        .optional("filesystem", async || value(probe.filesystem()))
        .await;
    checks
        .optional("usage", async || value(probe.usage()))
        .await;
    checks
}

pub(crate) async fn interface<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.interface(resource.target());
    let mut checks = Checks::new(resource);
    checks.gate("exists", async || value(probe.exists())).await;
    checks
        .optional("addrs", async || strings(probe.addrs()))
        .await;
    checks.optional("mtu", async || value(probe.mtu())).await;
    checks
}
