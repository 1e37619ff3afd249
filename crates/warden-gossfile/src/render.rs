//! `warden render`: the merged, templated gossfile as one document, written the way
//! `goss render` writes it (type order, sorted ids, struct field order, fields without
//! `omitempty` always present). Purely textual: no defaults are filled in.

use warden_value::{MapEntry, Mark, Node, NodeKind};

use crate::kinds::{AttrKind, ResourceKind};
use crate::load::Gossfile;
use crate::resource::Resource;

/// Output document format for `render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    Yaml,
    Json,
}

pub fn render(gossfile: &Gossfile, format: RenderFormat) -> String {
    let document = document(gossfile);
    match format {
        RenderFormat::Yaml => warden_value::to_yaml(&document),
        RenderFormat::Json => {
            let mut text = warden_value::to_json_ordered(&document, "    ");
            text.push('\n');
            text
        }
    }
}

/// The ordered tree `render` and `add` write.
pub fn document(gossfile: &Gossfile) -> Node {
    let mut sections: Vec<MapEntry> = Vec::new();
    for resource in &gossfile.resources {
        if resource.kind == ResourceKind::Gossfile {
            continue;
        }
        let body = resource_node(resource);
        match sections.last_mut() {
            Some(last) if last.key == resource.kind.key() => {
                if let NodeKind::Map(entries) = &mut last.value.kind {
                    entries.push(entry(&resource.key, body));
                }
            }
            _ => sections.push(entry(
                resource.kind.key(),
                node(NodeKind::Map(vec![entry(&resource.key, body)])),
            )),
        }
    }
    node(NodeKind::Map(sections))
}

/// One resource body in goss's struct field order.
pub fn resource_node(resource: &Resource) -> Node {
    let mut fields = Vec::new();
    if !resource.title.is_empty() {
        fields.push(entry(
            "title",
            node(NodeKind::String(resource.title.clone())),
        ));
    }
    if let Some(meta) = &resource.meta {
        fields.push(entry("meta", warden_value::node_from_value(meta)));
    }
    for spec in resource.kind.attributes() {
        match resource.attr(spec.name) {
            Some(attr) => fields.push(entry(
                spec.name,
                Node {
                    mark: Mark::default(),
                    ..attr.node.clone()
                },
            )),
            None if spec.always_rendered => {
                let empty = match spec.kind {
                    AttrKind::Bool => NodeKind::Bool(false),
                    AttrKind::Int => NodeKind::Int(0),
                    _ => NodeKind::Null,
                };
                fields.push(entry(spec.name, node(empty)));
            }
            None => {}
        }
    }
    if resource.skip {
        fields.push(entry("skip", node(NodeKind::Bool(true))));
    }
    node(NodeKind::Map(fields))
}

fn node(kind: NodeKind) -> Node {
    Node {
        kind,
        mark: Mark::default(),
    }
}

fn entry(key: &str, value: Node) -> MapEntry {
    MapEntry {
        key: key.to_owned(),
        key_mark: Mark::default(),
        value,
    }
}
