//! A gossfile opened for `add`: read without templates, changed resource by
//! resource, written back whole the way goss writes it.
//!
//! goss decodes the file into its Go structs and encodes them again, so the
//! written file has goss's layout whatever the original looked like: types in
//! goss's order, ids sorted as its encoder sorts map keys, attributes in
//! struct order (with the fields goss always writes), comments gone.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use warden_gossfile::{GossfileError, Resource, ResourceKind, parse_untemplated, resource_node};
use warden_value::{Format, MapEntry, Mark, Node, NodeKind};

use crate::yaml_order::{sort_maps, yaml_key_order};

/// How a gossfile is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreFormat {
    Yaml,
    Json,
}

impl StoreFormat {
    /// goss's rule: `.json` is JSON and `.yaml`/`.yml` YAML. Other names (which
    /// goss refuses) keep the format of their existing text, as `validate`
    /// reads them, and new ones are written as YAML.
    fn of(path: &Path, existing: Option<&str>) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => StoreFormat::Json,
            Some("yaml" | "yml") => StoreFormat::Yaml,
            _ if existing
                .is_some_and(|text| serde_json::from_str::<serde_json::Value>(text).is_ok()) =>
            {
                StoreFormat::Json
            }
            _ => StoreFormat::Yaml,
        }
    }

    fn key_order(self) -> fn(&str, &str) -> std::cmp::Ordering {
        match self {
            StoreFormat::Yaml => yaml_key_order,
            StoreFormat::Json => |a, b| a.cmp(b),
        }
    }

    /// A map as goss's encoder writes it: YAML with a final newline, JSON
    /// indented by four spaces without one.
    fn encode(self, document: &Node) -> String {
        match self {
            StoreFormat::Yaml => warden_value::to_yaml(document),
            StoreFormat::Json => warden_value::to_json_ordered(document, "    "),
        }
    }
}

/// What [`EditableGossfile::save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Written,
    /// Nothing to write: goss refuses to write a gossfile without resources.
    RefusedEmpty,
}

/// A gossfile being edited by `add` or `autoadd`.
#[derive(Debug)]
pub struct EditableGossfile {
    path: PathBuf,
    format: StoreFormat,
    resources: BTreeMap<(ResourceKind, String), Resource>,
}

impl EditableGossfile {
    /// Reads `path` as written, templates untouched and includes not followed.
    /// A missing file is an empty gossfile that [`save`](Self::save) creates.
    pub fn open(path: &Path) -> Result<Self, GossfileError> {
        let existing = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == io::ErrorKind::NotFound => None,
            Err(err) => {
                return Err(GossfileError::in_file(
                    path,
                    format!("could not read gossfile: {err}"),
                ));
            }
        };
        let format = StoreFormat::of(path, existing.as_deref());
        let mut resources = BTreeMap::new();
        if let Some(text) = existing {
            let parse_format = match format {
                StoreFormat::Yaml => Format::Yaml,
                StoreFormat::Json => Format::Json,
            };
            for resource in parse_untemplated(path, &text, parse_format)?.resources {
                resources.insert((resource.kind, resource.key.clone()), resource);
            }
        }
        Ok(Self {
            path: path.to_owned(),
            format,
            resources,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// Inserts `resource`, replacing the one with the same type and id but
    /// keeping its `title` and `meta`, and returns goss's announcement:
    /// `Adding <Type> to '<file>':`, a blank line, then the resource as a
    /// one-entry map in the file's format.
    pub fn add(&mut self, mut resource: Resource) -> String {
        let id = (resource.kind, resource.key.clone());
        if let Some(old) = self.resources.remove(&id) {
            resource.title = old.title;
            resource.meta = old.meta;
        }
        let snippet = self
            .format
            .encode(&map_node(vec![entry(&resource.key, self.body(&resource))]));
        let announcement = format!(
            "Adding {} to '{}':\n\n{snippet}\n\n",
            resource.kind.type_name(),
            self.path.display()
        );
        self.resources.insert(id, resource);
        announcement
    }

    /// The whole gossfile as goss writes it.
    pub fn text(&self) -> String {
        let mut sections: Vec<MapEntry> = Vec::new();
        for ((kind, key), resource) in &self.resources {
            let resource_entry = entry(key, self.body(resource));
            match sections.last_mut() {
                Some(section) if section.key == kind.key() => {
                    if let NodeKind::Map(entries) = &mut section.value.kind {
                        entries.push(resource_entry);
                    }
                }
                _ => sections.push(entry(kind.key(), map_node(vec![resource_entry]))),
            }
        }
        let order = self.format.key_order();
        for section in &mut sections {
            if let NodeKind::Map(entries) = &mut section.value.kind {
                entries.sort_by(|a, b| order(&a.key, &b.key));
            }
        }
        self.format.encode(&map_node(sections))
    }

    /// Writes the gossfile, unless it has no resources.
    pub fn save(&self) -> io::Result<SaveOutcome> {
        if self.is_empty() {
            return Ok(SaveOutcome::RefusedEmpty);
        }
        std::fs::write(&self.path, self.text())?;
        Ok(SaveOutcome::Written)
    }

    /// A resource body in goss's struct order, with the Go maps inside its
    /// values sorted as the encoder sorts them.
    fn body(&self, resource: &Resource) -> Node {
        let mut body = resource_node(resource);
        if let NodeKind::Map(fields) = &mut body.kind {
            for field in fields {
                sort_maps(&mut field.value, self.format.key_order());
            }
        }
        body
    }
}

fn map_node(entries: Vec<MapEntry>) -> Node {
    Node {
        kind: NodeKind::Map(entries),
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const GOLDEN_DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/goss/integration-tests/bullseye"
    );

    fn golden(name: &str) -> String {
        std::fs::read_to_string(Path::new(GOLDEN_DIR).join(name))
            .unwrap_or_else(|err| panic!("goss's golden {name} is beside the checkout: {err}"))
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Reverses the order of every map: types, ids and attributes come out of
    /// goss's order, so only the writer can put them back.
    fn scrambled(node: &mut Node) {
        if let NodeKind::Map(entries) = &mut node.kind {
            entries.reverse();
            for entry in entries {
                scrambled(&mut entry.value);
            }
        }
    }

    #[test]
    fn goss_add_and_autoadd_goldens_are_written_back_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["goss-expected.yaml", "goss-aa-expected.yaml"] {
            let text = golden(name);
            let gossfile = EditableGossfile::open(&write(dir.path(), name, &text)).unwrap();
            assert_eq!(gossfile.text(), text, "{name}");
        }
    }

    #[test]
    fn any_order_is_written_in_goss_order() {
        let text = golden("goss-expected.yaml");
        let mut document = warden_value::parse(&text, Format::Yaml).unwrap();
        scrambled(&mut document);
        let scrambled_text = warden_value::to_yaml(&document);
        assert_ne!(scrambled_text, text);
        let dir = tempfile::tempdir().unwrap();
        let gossfile = EditableGossfile::open(&write(dir.path(), "goss.yaml", &scrambled_text));
        assert_eq!(gossfile.unwrap().text(), text);
    }

    #[test]
    fn every_golden_resource_is_announced_as_goss_prints_it() {
        let text = golden("goss-expected.yaml");
        let dir = tempfile::tempdir().unwrap();
        let source = EditableGossfile::open(&write(dir.path(), "goss.yaml", &text)).unwrap();
        let mut target = EditableGossfile::open(&dir.path().join("new.yaml")).unwrap();
        // Each resource's block in the golden file, with the type's indentation
        // removed, after its type's key and its id.
        let mut blocks: Vec<(String, String, String)> = Vec::new();
        let mut section = String::new();
        for line in text.lines() {
            match line.strip_prefix("  ") {
                None => section = line.trim_end_matches(':').to_owned(),
                Some(rest) if !rest.starts_with(' ') => {
                    let id = rest.trim_end_matches(':').to_owned();
                    blocks.push((section.clone(), id, format!("{rest}\n")));
                }
                Some(rest) => blocks.last_mut().unwrap().2.push_str(&format!("{rest}\n")),
            }
        }
        assert_eq!(blocks.len(), source.resources.len());
        let new_path = dir.path().join("new.yaml");
        for (section, id, block) in blocks {
            let resource = source
                .resources
                .values()
                .find(|r| r.kind.key() == section && r.key == id)
                .unwrap();
            let header = format!(
                "Adding {} to '{}':\n\n",
                resource.kind.type_name(),
                new_path.display()
            );
            assert_eq!(target.add(resource.clone()), format!("{header}{block}\n\n"));
        }
    }

    #[test]
    fn json_gossfiles_stay_json_in_go_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "goss.json",
            r#"{"port": {"tcp:80": {"ip": ["0.0.0.0"], "listening": true},
                "tcp6:80": {"listening": false, "ip": []}},
                "command": {"a < b": {"exit-status": 0, "timeout": 10000}}}"#,
        );
        let mut gossfile = EditableGossfile::open(&path).unwrap();
        let group = source_resource("group:\n  adm:\n    exists: true\n    gid: 4\n");
        assert_eq!(
            gossfile.add(group),
            format!(
                "Adding Group to '{}':\n\n{{\n    \"adm\": {{\n        \"exists\": true,\n        \"gid\": 4\n    }}\n}}\n\n",
                path.display()
            )
        );
        assert_eq!(gossfile.save().unwrap(), SaveOutcome::Written);
        // encoding/json sorts map keys bytewise (`tcp6:80` before `tcp:80`),
        // escapes HTML characters and ends without a newline.
        let expected = r#"{
    "port": {
        "tcp6:80": {
            "listening": false,
            "ip": []
        },
        "tcp:80": {
            "listening": true,
            "ip": [
                "0.0.0.0"
            ]
        }
    },
    "group": {
        "adm": {
            "exists": true,
            "gid": 4
        }
    },
    "command": {
        "a \u003c b": {
            "exit-status": 0,
            "timeout": 10000
        }
    }
}"#;
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    }

    /// The one resource of a YAML gossfile, as the editor reads it.
    fn source_resource(text: &str) -> Resource {
        let dir = tempfile::tempdir().unwrap();
        let gossfile = EditableGossfile::open(&write(dir.path(), "one.yaml", text)).unwrap();
        gossfile.resources.into_values().next().unwrap()
    }

    #[test]
    fn re_adding_keeps_title_and_meta_but_nothing_else_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "goss.yaml",
            "user:\n  root:\n    title: Superuser\n    meta: {owner: ops, 2: b, 10: a}\n    exists: true\n    shell: /bin/zsh\n    skip: true\n",
        );
        let mut gossfile = EditableGossfile::open(&path).unwrap();
        gossfile.add(source_resource(
            "user:\n  root:\n    exists: true\n    uid: 0\n",
        ));
        assert_eq!(
            gossfile.text(),
            "user:\n  root:\n    title: Superuser\n    meta:\n      \"2\": b\n      \"10\": a\n      owner: ops\n    exists: true\n    uid: 0\n"
        );
    }

    #[test]
    fn templates_are_kept_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let text = "command:\n  echo {{ .Env.HOME }}:\n    exit-status: 0\n    stdout:\n    - '{{ .Vars.home }}'\n    timeout: 10000\n";
        let gossfile = EditableGossfile::open(&write(dir.path(), "goss.yaml", text)).unwrap();
        assert_eq!(gossfile.text(), text);
    }

    #[test]
    fn an_empty_gossfile_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("goss.yaml");
        let gossfile = EditableGossfile::open(&path).unwrap();
        assert_eq!(gossfile.save().unwrap(), SaveOutcome::RefusedEmpty);
        assert!(!path.exists());
    }

    #[test]
    fn a_bad_existing_gossfile_is_reported_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "goss.yaml", "file:\n  /x:\n    exist: true\n");
        let err = EditableGossfile::open(&path).unwrap_err();
        assert_eq!(err.mark.map(|m| (m.line, m.column)), Some((3, 5)));
        assert!(err.message.contains("invalid attribute \"exist\""), "{err}");
    }
}
