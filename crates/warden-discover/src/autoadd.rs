//! `autoadd`: every resource a bare name stands for on this machine.

use warden_gossfile::{Resource, ResourceKind};
use warden_probes::System;
use warden_value::NodeKind;

use crate::describe::{AddOptions, DescribeError, describe};

/// The resources goss's `autoadd` adds for `name`, in the order it announces
/// them: the file (only when `name` contains `/`), group, package, port,
/// process followed by every port whose socket one of its processes holds
/// (seeing other users' sockets needs root), service and user, each only if it
/// exists. Addresses, commands, DNS names, HTTP URLs, interfaces, kernel
/// parameters and mounts are never guessed.
pub async fn autoadd(name: &str, system: &System) -> Result<Vec<Resource>, DescribeError> {
    let options = AddOptions::default();
    let mut found = Vec::new();
    let existing = |resource: Resource| exists(&resource).then_some(resource);
    if name.contains('/') {
        found.extend(existing(
            describe(ResourceKind::File, name, &options, system).await?,
        ));
    }
    for kind in [
        ResourceKind::Group,
        ResourceKind::Package,
        ResourceKind::Port,
    ] {
        found.extend(existing(describe(kind, name, &options, system).await?));
    }
    if let Some(process) = existing(describe(ResourceKind::Process, name, &options, system).await?)
    {
        found.push(process);
        for port in system.ports_of_process(name)? {
            found.extend(existing(
                describe(ResourceKind::Port, &port, &options, system).await?,
            ));
        }
    }
    // A service has no gate attribute; goss asks the service manager instead.
    if system.service(name).exists().await? {
        found.push(describe(ResourceKind::Service, name, &options, system).await?);
    }
    found.extend(existing(
        describe(ResourceKind::User, name, &options, system).await?,
    ));
    Ok(found)
}

/// Whether the resource's required attribute (`exists`, `installed`,
/// `listening`, `running`) was recorded as true.
fn exists(resource: &Resource) -> bool {
    resource
        .kind
        .attributes()
        .iter()
        .find(|spec| spec.required)
        .and_then(|spec| resource.attr(spec.name))
        .is_some_and(|attr| attr.node.kind == NodeKind::Bool(true))
}
