//! Reading a gossfile: template rendering, parsing, typing every attribute, compiling
//! matchers, and following `gossfile` includes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use warden_matchers::{ActualKind, Matcher};
use warden_value::{Document, Format, MapEntry, Mark, Node, NodeKind, Value};

use crate::error::GossfileError;
use crate::files::{Files, RealFiles};
use crate::kinds::{AttrKind, ResourceKind};
use crate::resource::{Attr, Origin, Resource};

/// goss refuses include chains deeper than this (usually a loop).
const MAX_INCLUDE_DEPTH: usize = 50;

/// Where the top-level gossfile comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Path(PathBuf),
    /// `-g -`: the text read from standard input.
    Stdin(String),
}

/// What templates see, and how they reach the outside world.
pub struct LoadOptions<'a> {
    /// Merged `--vars` / `--vars-inline`.
    pub vars: Value,
    pub host: &'a dyn warden_template::Host,
}

/// A fully loaded gossfile: includes merged, every matcher compiled.
#[derive(Debug, Clone, Default)]
pub struct Gossfile {
    /// Resources in goss's type order, then by key.
    pub resources: Vec<Resource>,
    /// Deprecations, duplicate ids, empty assertions: printed to stderr by the caller.
    pub warnings: Vec<String>,
}

impl Gossfile {
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

/// Loads a gossfile and everything it includes from the local filesystem.
pub fn load(source: &Source, options: &LoadOptions<'_>) -> Result<Gossfile, GossfileError> {
    load_with(source, options, &RealFiles)
}

/// [`load`], reading the gossfile and its includes through `files`.
pub fn load_with(
    source: &Source,
    options: &LoadOptions<'_>,
    files: &dyn Files,
) -> Result<Gossfile, GossfileError> {
    let mut loader = Loader {
        options,
        files,
        warnings: Vec::new(),
    };
    let merged = match source {
        Source::Path(path) => loader.load_path(path, 0)?,
        Source::Stdin(text) => {
            loader.load_text(Path::new("-"), text, Path::new("."), sniff_format(text), 0)?
        }
    };
    Ok(Gossfile {
        resources: merged.into_values().collect(),
        warnings: loader.warnings,
    })
}

/// One gossfile's own resources exactly as written, in file order: no template is
/// rendered and no include is followed (`gossfile` entries are resources like any
/// other). This is how `goss add` reads the file it edits.
pub fn parse_untemplated(
    path: &Path,
    text: &str,
    format: Format,
) -> Result<Gossfile, GossfileError> {
    // Nothing is rendered, so the template options are never consulted.
    let options = LoadOptions {
        vars: Value::Null,
        host: &crate::SystemHost,
    };
    let mut loader = Loader {
        options: &options,
        files: &RealFiles,
        warnings: Vec::new(),
    };
    let document = warden_value::parse_document(text, format)
        .map_err(|e| GossfileError::at(path, e.mark, e.message))?;
    let located = |mark: Mark, message: String| GossfileError::at(path, mark, message);
    let resources = loader.document_resources(&document, path, &located)?;
    Ok(Gossfile {
        resources,
        warnings: loader.warnings,
    })
}

type Merged = BTreeMap<(ResourceKind, String), Resource>;

struct Loader<'o, 'h> {
    options: &'o LoadOptions<'h>,
    files: &'o dyn Files,
    warnings: Vec<String>,
}

/// JSON when the text is a JSON document, else YAML (goss's rule for stdin).
fn sniff_format(text: &str) -> Format {
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        Format::Json
    } else {
        Format::Yaml
    }
}

fn format_for_path(path: &Path, text: &str) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => Format::Json,
        Some("yaml" | "yml") => Format::Yaml,
        _ => sniff_format(text),
    }
}

impl Loader<'_, '_> {
    fn load_path(&mut self, path: &Path, depth: usize) -> Result<Merged, GossfileError> {
        let text = self
            .files
            .read_to_string(path)
            .map_err(|e| GossfileError::in_file(path, format!("could not read gossfile: {e}")))?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.load_text(path, &text, dir, format_for_path(path, &text), depth)
    }

    fn load_text(
        &mut self,
        path: &Path,
        text: &str,
        dir: &Path,
        format: Format,
        depth: usize,
    ) -> Result<Merged, GossfileError> {
        let templated = text.contains("{{");
        let rendered = if templated {
            self.render_template(path, text)?
        } else {
            text.to_owned()
        };
        let document =
            warden_value::parse_document(&rendered, format).map_err(|e| GossfileError {
                file: path.to_owned(),
                mark: Some(e.mark),
                message: e.message,
                in_rendered_text: templated,
            })?;
        let located = |mark: Mark, message: String| GossfileError {
            file: path.to_owned(),
            mark: Some(mark),
            message,
            in_rendered_text: templated,
        };
        let mut merged = Merged::new();
        let mut includes = Vec::new();
        for resource in self.document_resources(&document, path, &located)? {
            if resource.kind == ResourceKind::Gossfile {
                includes.push(resource);
            } else {
                merged.insert((resource.kind, resource.key.clone()), resource);
            }
        }

        // goss merges the file's own resources first, then each include in key order,
        // so an included file overrides its parent.
        includes.sort_by(|a, b| a.key.cmp(&b.key));
        for include in includes {
            if include.skip {
                continue;
            }
            for included_path in self.resolve_include(&include, dir, path, templated)? {
                if depth + 1 >= MAX_INCLUDE_DEPTH {
                    return Err(GossfileError::at(
                        path,
                        include.origin.mark,
                        format!(
                            "max depth of {MAX_INCLUDE_DEPTH} reached, possibly due to dependency loop"
                        ),
                    ));
                }
                let child = self.load_path(&included_path, depth + 1)?;
                for (id, resource) in child {
                    if merged.contains_key(&id) {
                        self.warnings.push(format!(
                            "Duplicate key detected: '{}: {}'. The value from a later-loaded goss file ({}) has overwritten the previous value.",
                            id.0,
                            id.1,
                            included_path.display()
                        ));
                    }
                    merged.insert(id, resource);
                }
            }
        }
        Ok(merged)
    }

    /// Every resource the document declares, `gossfile` includes among them, in file order.
    fn document_resources(
        &mut self,
        document: &Document,
        path: &Path,
        located: &dyn Fn(Mark, String) -> GossfileError,
    ) -> Result<Vec<Resource>, GossfileError> {
        let root = &document.root;
        let sections = match &root.kind {
            NodeKind::Map(entries) => entries.as_slice(),
            NodeKind::Null => &[],
            _ => {
                return Err(located(
                    root.mark,
                    format!(
                        "a gossfile must be a map of resource types, found {}",
                        root.kind_name()
                    ),
                ));
            }
        };
        let mut resources = Vec::new();
        for (index, section) in sections.iter().enumerate() {
            let Some(kind) = ResourceKind::from_key(&section.key) else {
                // goss ignores keys that are not resource types, and gossfiles use that
                // to hold YAML anchors (`defaults: &d {...}`). A key that defines an
                // anchor is such a block; any other is a mistake worth stopping for.
                let next = sections.get(index + 1).map(|s| s.key_mark);
                let holds_anchor = document.anchors.iter().any(|&anchor| {
                    (anchor.line, anchor.column) > (section.key_mark.line, section.key_mark.column)
                        && next.is_none_or(|n| (anchor.line, anchor.column) < (n.line, n.column))
                });
                if holds_anchor {
                    continue;
                }
                let valid: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.key()).collect();
                return Err(located(
                    section.key_mark,
                    format!(
                        "unknown resource type {:?}; valid types are: {}",
                        section.key,
                        valid.join(", ")
                    ),
                ));
            };
            let entries = match &section.value.kind {
                NodeKind::Map(entries) => entries.as_slice(),
                NodeKind::Null => &[],
                _ => {
                    return Err(located(
                        section.value.mark,
                        format!(
                            "{:?} must be a map of resources, found {}",
                            section.key,
                            section.value.kind_name()
                        ),
                    ));
                }
            };
            for entry in entries {
                let resource = self
                    .build_resource(kind, entry, path)
                    .map_err(|(mark, msg)| located(mark, msg))?;
                resources.push(resource);
            }
        }
        Ok(resources)
    }

    fn render_template(&self, path: &Path, text: &str) -> Result<String, GossfileError> {
        let env: BTreeMap<String, Value> = self
            .options
            .host
            .env_vars()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let data = Value::Map(BTreeMap::from([
            ("Vars".to_owned(), self.options.vars.clone()),
            ("Env".to_owned(), Value::Map(env)),
        ]));
        let name = path.display().to_string();
        warden_template::render(&name, text, &data, self.options.host).map_err(|e| {
            let detail = match &e.kind {
                warden_template::ErrorKind::Parse => e.message.clone(),
                warden_template::ErrorKind::Exec { context, .. } => {
                    format!("executing at <{context}>: {}", e.message)
                }
            };
            // Go counts template columns from 0; our positions count from 1.
            GossfileError::at(
                path,
                Mark {
                    line: e.line,
                    column: e.column + 1,
                },
                format!("template: {detail}"),
            )
        })
    }

    fn resolve_include(
        &self,
        include: &Resource,
        dir: &Path,
        path: &Path,
        templated: bool,
    ) -> Result<Vec<PathBuf>, GossfileError> {
        let pattern = include.target();
        let located = |message: String| GossfileError {
            file: path.to_owned(),
            mark: Some(include.origin.mark),
            message,
            in_rendered_text: templated,
        };
        let full = if Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else {
            dir.join(pattern)
        };
        let matches = crate::files::glob(self.files, &full)
            .map_err(|e| located(format!("invalid include pattern {pattern:?}: {e}")))?;
        if matches.is_empty() {
            return Err(located(format!(
                "no matched files were found: {:?}",
                full.display().to_string()
            )));
        }
        Ok(matches)
    }

    fn build_resource(
        &mut self,
        kind: ResourceKind,
        entry: &MapEntry,
        path: &Path,
    ) -> Result<Resource, (Mark, String)> {
        let label = format!("{}:{}", kind.type_name(), entry.key);
        let body = match &entry.value.kind {
            NodeKind::Map(body) => body.as_slice(),
            _ => {
                return Err((
                    entry.value.mark,
                    format!(
                        "could not parse resource {label}: expected a map of attributes, found {}",
                        entry.value.kind_name()
                    ),
                ));
            }
        };
        let mut resource = Resource {
            kind,
            key: entry.key.clone(),
            title: String::new(),
            meta: None,
            skip: false,
            attrs: BTreeMap::new(),
            origin: Origin {
                file: path.to_owned(),
                mark: entry.key_mark,
            },
        };
        for attr in body {
            match attr.key.as_str() {
                "title" => {
                    resource.title = scalar_string(&attr.value)
                        .ok_or_else(|| expected(&label, attr, "a string"))?
                }
                "meta" => match &attr.value.kind {
                    NodeKind::Map(_) | NodeKind::Null => {
                        resource.meta = Some(attr.value.to_value()).filter(|m| !m.is_null())
                    }
                    _ => return Err(expected(&label, attr, "a map")),
                },
                "skip" => {
                    resource.skip = attr
                        .value
                        .to_value()
                        .as_bool()
                        .ok_or_else(|| expected(&label, attr, "true or false"))?
                }
                name => self.add_attribute(&mut resource, &label, name, attr)?,
            }
        }
        if kind == ResourceKind::Matching {
            // `as-reader` decides how `matches` reads its list form, so compile it last.
            let reader = resource.bool("as-reader");
            if let Some(matches) = resource.attrs.get_mut("matches") {
                let value = matches.node.to_value();
                let actual_kind = if reader {
                    ActualKind::Reader
                } else {
                    ActualKind::Value
                };
                matches.matcher =
                    compile(&value, actual_kind, &label, "matches", matches.node.mark)?;
            }
        }
        Ok(resource)
    }

    fn add_attribute(
        &mut self,
        resource: &mut Resource,
        label: &str,
        name: &str,
        attr: &MapEntry,
    ) -> Result<(), (Mark, String)> {
        let kind = resource.kind;
        let canonical = match (kind, name) {
            (ResourceKind::Dns, "resolveable") => {
                self.warnings.push(
                    "DEPRECATION WARNING: dns.resolveable has been renamed to dns.resolvable"
                        .to_owned(),
                );
                "resolvable"
            }
            (ResourceKind::File, "contains") => {
                self.warnings.push(
                    "DEPRECATION WARNING: file.contains has been renamed to file.contents"
                        .to_owned(),
                );
                "contains"
            }
            _ => name,
        };
        let Some(spec) = kind.attribute(canonical) else {
            return Err((
                attr.key_mark,
                format!(
                    "invalid attribute {name:?} for {label}; valid attributes are: {}",
                    kind.valid_attribute_names().join(", ")
                ),
            ));
        };
        let mut node = attr.value.clone();
        let matcher = match spec.kind {
            AttrKind::Matcher | AttrKind::ReaderMatcher => {
                if is_numeric_id(kind, spec.name)
                    && let NodeKind::String(text) = &node.kind
                    && let Ok(number) = text.trim().parse::<i64>()
                {
                    self.warnings.push(format!(
                        "DEPRECATION WARNING: {}: {}.{} should be an integer not a string",
                        resource.key,
                        kind.key(),
                        spec.name
                    ));
                    node.kind = NodeKind::Int(number);
                }
                let value = node.to_value();
                if spec.kind == AttrKind::ReaderMatcher
                    && value.as_list().is_some_and(<[Value]>::is_empty)
                {
                    self.warnings.push(format!(
                        "WARNING: {}: {}.{} is an empty list, which asserts nothing and always passes. Use \"\" to assert empty content, or remove it.",
                        resource.key,
                        kind.key(),
                        spec.name
                    ));
                }
                let actual_kind = if spec.kind == AttrKind::ReaderMatcher {
                    ActualKind::Reader
                } else {
                    ActualKind::Value
                };
                // Compiled below for `matching`, whose list semantics depend on `as-reader`.
                if kind == ResourceKind::Matching || value.is_null() {
                    None
                } else {
                    compile(&value, actual_kind, label, spec.name, node.mark)?
                }
            }
            AttrKind::Content => None,
            AttrKind::Str => {
                let text = scalar_string(&node).ok_or_else(|| expected(label, attr, "a string"))?;
                node.kind = NodeKind::String(text);
                None
            }
            AttrKind::Bool => {
                node.to_value()
                    .as_bool()
                    .ok_or_else(|| expected(label, attr, "true or false"))?;
                None
            }
            AttrKind::Int => {
                node.to_value()
                    .as_i64()
                    .ok_or_else(|| expected(label, attr, "an integer"))?;
                None
            }
            AttrKind::Duration => {
                crate::duration::from_value(&node.to_value()).ok_or_else(|| {
                    expected(label, attr, "milliseconds or a duration such as \"2s\"")
                })?;
                None
            }
            AttrKind::StrList => {
                let ok = match &node.kind {
                    NodeKind::List(items) => items.iter().all(|i| scalar_string(i).is_some()),
                    NodeKind::Null => true,
                    _ => false,
                };
                if !ok {
                    return Err(expected(label, attr, "a list of strings"));
                }
                None
            }
        };
        resource.attrs.insert(spec.name, Attr { node, matcher });
        Ok(())
    }
}

/// goss accepts `uid: "0"` for users and groups, with a deprecation warning.
fn is_numeric_id(kind: ResourceKind, attr: &str) -> bool {
    matches!(
        (kind, attr),
        (ResourceKind::User, "uid" | "gid") | (ResourceKind::Group, "gid")
    )
}

fn compile(
    value: &Value,
    kind: ActualKind,
    label: &str,
    attr: &str,
    mark: Mark,
) -> Result<Option<Arc<Matcher>>, (Mark, String)> {
    Matcher::compile(value, kind)
        .map(|m| Some(Arc::new(m)))
        .map_err(|e| (mark, format!("{label}: {attr}: {e}")))
}

fn scalar_string(node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::String(s) => Some(s.clone()),
        NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
            Some(node.to_value().to_string())
        }
        NodeKind::Null => Some(String::new()),
        NodeKind::List(_) | NodeKind::Map(_) => None,
    }
}

fn expected(label: &str, attr: &MapEntry, what: &str) -> (Mark, String) {
    (
        attr.value.mark,
        format!(
            "{label}: {:?} must be {what}, found {}",
            attr.key,
            attr.value.kind_name()
        ),
    )
}
