//! Reading rule files into Falco's collector: items, keys, `append`/`override` and
//! redefinition, in load order across files (`rule_loader_reader.cpp` and
//! `rule_loader_collector.cpp`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use warden_value::{Mark, Node, NodeKind};

use crate::diagnostics::{Code, Context, Diagnostic, ItemRef};
use crate::parser;

/// The newest rules engine version Warden's loader implements.
pub(crate) const ENGINE_VERSION: (u64, u64, u64) = (0, 63, 0);

/// The version of Falco's `container` plugin whose fields Warden supplies natively.
const CONTAINER_PLUGIN_VERSION: (u64, u64, u64) = (0, 6, 0);

/// A rule file's name (for messages) and text.
#[derive(Debug, Clone, Copy)]
pub struct RuleFile<'a> {
    pub name: &'a str,
    pub content: &'a str,
}

/// Rule priorities, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl Priority {
    /// Case-insensitive, `info` included, as Falco parses it.
    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s.to_ascii_lowercase().as_str() {
            "emergency" => Priority::Emergency,
            "alert" => Priority::Alert,
            "critical" => Priority::Critical,
            "error" => Priority::Error,
            "warning" => Priority::Warning,
            "notice" => Priority::Notice,
            "informational" | "info" => Priority::Informational,
            "debug" => Priority::Debug,
            _ => return None,
        })
    }

    /// The name alerts carry (`Warning`).
    pub fn name(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }
}

/// An exception's `fields`, `comps` or one of its `values`: a scalar or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    Item(String),
    List(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub(crate) struct ExceptionInfo {
    pub(crate) name: String,
    pub(crate) fields: Option<Entry>,
    pub(crate) comps: Option<Entry>,
    pub(crate) values: Vec<Entry>,
    pub(crate) ctx: Context,
}

#[derive(Debug, Clone)]
pub(crate) struct ListInfo {
    pub(crate) name: String,
    pub(crate) items: Vec<String>,
    pub(crate) index: usize,
    pub(crate) visibility: usize,
    pub(crate) ctx: Context,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroInfo {
    pub(crate) name: String,
    pub(crate) cond: String,
    pub(crate) cond_ctx: Context,
    pub(crate) index: usize,
    pub(crate) visibility: usize,
    pub(crate) ctx: Context,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleInfo {
    pub(crate) name: String,
    pub(crate) cond: String,
    pub(crate) cond_ctx: Context,
    pub(crate) output: String,
    pub(crate) output_ctx: Context,
    pub(crate) desc: String,
    pub(crate) priority: Priority,
    pub(crate) source: String,
    pub(crate) enabled: bool,
    pub(crate) warn_evttypes: bool,
    pub(crate) skip_if_unknown_filter: bool,
    pub(crate) tags: BTreeSet<String>,
    pub(crate) exceptions: Vec<ExceptionInfo>,
    pub(crate) ctx: Context,
}

/// Items by name, in first-definition order (a redefinition keeps its place).
#[derive(Debug, Clone)]
pub(crate) struct Indexed<T> {
    pub(crate) items: Vec<T>,
    by_name: HashMap<String, usize>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }
}

impl<T> Indexed<T> {
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.by_name.get(name).map(|&i| &self.items[i])
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.by_name.get(name).map(|&i| &mut self.items[i])
    }

    /// Falco's `define_info`: a new item, or a replacement that keeps the old one's place
    /// and index.
    fn define(&mut self, name: &str, item: T) {
        match self.by_name.get(name) {
            Some(&i) => self.items[i] = item,
            None => {
                self.by_name.insert(name.to_owned(), self.items.len());
                self.items.push(item);
            }
        }
    }
}

/// Everything read from the rule files, before compilation.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    pub(crate) lists: Indexed<ListInfo>,
    pub(crate) macros: Indexed<MacroInfo>,
    pub(crate) rules: Indexed<RuleInfo>,
    cur_index: usize,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// A load failure inside one item; reading that file stops, as Falco stops.
struct Stop(Diagnostic);

type Read<T> = Result<T, Stop>;

fn fail<T>(ctx: &Context, code: Code, message: impl Into<String>) -> Read<T> {
    Err(Stop(ctx.diagnostic(code, message)))
}

fn validate<T>(ctx: &Context, message: impl Into<String>) -> Read<T> {
    fail(ctx, Code::ErrYamlValidate, message)
}

/// A scalar as yaml-cpp's `as<std::string>` gives it.
fn scalar_text(node: &Node) -> Option<String> {
    Some(match &node.kind {
        NodeKind::String(s) => s.clone(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(x) => x.to_string(),
        NodeKind::Bool(b) => b.to_string(),
        _ => return None,
    })
}

fn as_bool(node: &Node) -> Option<bool> {
    match &node.kind {
        NodeKind::Bool(b) => Some(*b),
        NodeKind::String(s) => match s.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "on" => Some(true),
            "n" | "no" | "false" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Falco's `decode_val`: a required, non-empty scalar.
fn required<'n>(item: &'n Node, key: &str, ctx: &Context) -> Read<(&'n Node, String)> {
    let Some(node) = item.get(key) else {
        return validate(ctx, format!("Item has no mapping for key '{key}'"));
    };
    if matches!(node.kind, NodeKind::Null) {
        return validate(ctx, format!("Mapping for key '{key}' is empty"));
    }
    let vctx = ctx.at(node.mark);
    let Some(text) = scalar_text(node) else {
        return validate(
            &vctx,
            format!("Value for key '{key}' is not a scalar value"),
        );
    };
    if text.is_empty() {
        return validate(&vctx, format!("Value for key '{key}' must be non-empty"));
    }
    Ok((node, text))
}

fn optional_bool(item: &Node, key: &str, ctx: &Context) -> Read<Option<bool>> {
    match item.get(key) {
        None => Ok(None),
        Some(node) => match as_bool(node) {
            Some(b) => Ok(Some(b)),
            None => validate(
                &ctx.at(node.mark),
                format!(
                    "Can't decode YAML scalar value for key '{key}': expected a boolean, found {}",
                    node.kind_name()
                ),
            ),
        },
    }
}

fn string_seq(item: &Node, key: &str, ctx: &Context) -> Read<Option<Vec<String>>> {
    let Some(node) = item.get(key) else {
        return Ok(None);
    };
    let NodeKind::List(values) = &node.kind else {
        return validate(
            &ctx.at(node.mark),
            format!("Value for key '{key}' is not a sequence"),
        );
    };
    values
        .iter()
        .map(|v| {
            scalar_text(v).ok_or_else(|| {
                Stop(
                    ctx.at(v.mark)
                        .diagnostic(Code::ErrYamlValidate, "sequence value is not scalar"),
                )
            })
        })
        .collect::<Read<Vec<String>>>()
        .map(Some)
}

fn parse_version(s: &str) -> Option<(u64, u64, u64)> {
    let mut parts = s.trim().splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?.split(['-', '+']).next()?.parse().ok()?;
    Some((major, minor, patch))
}

const LIST_KEYS: &[&str] = &["list", "items", "append", "override"];
const MACRO_KEYS: &[&str] = &["macro", "condition", "append", "override"];
const RULE_KEYS: &[&str] = &[
    "rule",
    "condition",
    "output",
    "desc",
    "priority",
    "source",
    "enabled",
    "tags",
    "exceptions",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "capture",
    "capture_duration",
    "override",
    "append",
];
const RULE_APPENDABLE: &[&str] = &["condition", "output", "desc", "tags", "exceptions"];
const RULE_REPLACEABLE: &[&str] = &[
    "condition",
    "output",
    "desc",
    "priority",
    "tags",
    "exceptions",
    "enabled",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "capture",
    "capture_duration",
];

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let mut letters = 0;
    for c in chars.by_ref() {
        if c.is_ascii_alphabetic() {
            letters += 1;
        } else if letters > 0 && (c.is_ascii_alphanumeric() || c == '_') {
            return chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        } else {
            return false;
        }
    }
    letters > 0
}

fn is_bare_string(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'' | '=' | ','))
}

/// A rule's changes from an `override` or `append` item.
#[derive(Default)]
struct RuleUpdate {
    cond: Option<String>,
    output: Option<String>,
    desc: Option<String>,
    tags: Option<BTreeSet<String>>,
    exceptions: Option<Vec<ExceptionInfo>>,
    priority: Option<Priority>,
    enabled: Option<bool>,
    warn_evttypes: Option<bool>,
    skip_if_unknown_filter: Option<bool>,
}

impl Collector {
    pub(crate) fn read(&mut self, file: &RuleFile<'_>) {
        let name: Arc<str> = file.name.into();
        let root = Context {
            file: name.clone(),
            mark: Mark { line: 1, column: 1 },
            item: None,
        };
        let documents = match parse_lenient(file.content) {
            Ok(documents) => documents,
            Err(err) => {
                self.diagnostics.push(
                    root.at(err.mark)
                        .diagnostic(Code::ErrYamlParse, err.message),
                );
                return;
            }
        };
        for document in &documents {
            let items = match &document.kind {
                NodeKind::Null => continue,
                NodeKind::List(items) => items,
                NodeKind::Map(_) => {
                    self.diagnostics.push(root.at(document.mark).diagnostic(
                        Code::ErrYamlValidate,
                        "Rules content is not yaml array of objects",
                    ));
                    return;
                }
                _ => {
                    self.diagnostics.push(
                        root.at(document.mark)
                            .diagnostic(Code::ErrYamlValidate, "Rules content is not yaml"),
                    );
                    return;
                }
            };
            for item in items {
                if matches!(item.kind, NodeKind::Null) {
                    continue;
                }
                if let Err(Stop(diagnostic)) = self.read_item(item, &root.at(item.mark)) {
                    self.diagnostics.push(diagnostic);
                    return;
                }
            }
        }
    }

    fn warn(&mut self, ctx: &Context, code: Code, message: impl Into<String>) {
        self.diagnostics.push(ctx.diagnostic(code, message));
    }

    fn check_keys(&mut self, item: &Node, known: &[&str], ctx: &Context) {
        for entry in item.as_map().unwrap_or_default() {
            if !known.contains(&entry.key.as_str()) {
                self.warn(
                    &ctx.at(entry.key_mark),
                    Code::UnknownKey,
                    format!(
                        "Unknown key '{}', ignoring (known keys: {})",
                        entry.key,
                        known.join(", ")
                    ),
                );
            }
        }
    }

    fn next_index(&mut self) -> usize {
        let id = self.cur_index;
        self.cur_index += 1;
        id
    }

    fn read_item(&mut self, item: &Node, ctx: &Context) -> Read<()> {
        if item.as_map().is_none() {
            return validate(
                ctx,
                "Unexpected element type. Each element should be a yaml associative array.",
            );
        }
        if item.get("required_engine_version").is_some() {
            let ctx = Context {
                item: Some(ItemRef {
                    kind: "required_engine_version",
                    name: String::new(),
                }),
                ..ctx.clone()
            };
            let (_, text) = required(item, "required_engine_version", &ctx)?;
            // A bare integer is the legacy engine version, 0.<n>.0.
            let version = match text.parse::<u64>() {
                Ok(n) => Some((0, n, 0)),
                Err(_) => parse_version(&text),
            };
            let Some(version) = version else {
                return validate(
                    &ctx,
                    format!(
                        "Unable to parse engine version '{text}' as a semver string. Expected \"x.y.z\" semver format."
                    ),
                );
            };
            if version.0 != ENGINE_VERSION.0 || version > ENGINE_VERSION {
                let (a, b, c) = ENGINE_VERSION;
                return fail(
                    &ctx,
                    Code::ErrValidate,
                    format!(
                        "Rules require engine version {text}, but engine version is {a}.{b}.{c}"
                    ),
                );
            }
            return Ok(());
        }
        if let Some(plugins) = item.get("required_plugin_versions") {
            let ctx = Context {
                item: Some(ItemRef {
                    kind: "required_plugin_versions",
                    name: String::new(),
                }),
                ..ctx.at(plugins.mark)
            };
            let NodeKind::List(entries) = &plugins.kind else {
                return validate(&ctx, "Value of required_plugin_versions must be a sequence");
            };
            for plugin in entries {
                self.read_plugin_requirement(plugin, &ctx.at(plugin.mark))?;
            }
            return Ok(());
        }
        if item.get("list").is_some() {
            return self.read_list(item, ctx);
        }
        if item.get("macro").is_some() {
            return self.read_macro(item, ctx);
        }
        if item.get("rule").is_some() {
            return self.read_rule(item, ctx);
        }
        self.warn(ctx, Code::UnknownItem, "Unknown top level item");
        Ok(())
    }

    /// Each requirement (or one of its alternatives) must be a plugin Warden stands in
    /// for: only `container`, whose fields Warden supplies itself.
    fn read_plugin_requirement(&mut self, plugin: &Node, ctx: &Context) -> Read<()> {
        if plugin.as_map().is_none() {
            return validate(ctx, "Plugin version must be a mapping");
        }
        let mut candidates = vec![plugin];
        if let Some(alternatives) = plugin.get("alternatives") {
            let NodeKind::List(alts) = &alternatives.kind else {
                return validate(
                    ctx,
                    "Value of plugin version alternatives must be a sequence",
                );
            };
            candidates.extend(alts.iter());
        }
        let mut names = Vec::new();
        let mut satisfied = false;
        for candidate in candidates {
            if candidate.as_map().is_none() {
                return validate(
                    &ctx.at(candidate.mark),
                    "Plugin version alternative must be a mapping",
                );
            }
            let (_, name) = required(candidate, "name", ctx)?;
            let (_, version) = required(candidate, "version", ctx)?;
            let Some(parsed) = parse_version(&version) else {
                return validate(
                    ctx,
                    format!("Invalid required version '{version}' for plugin '{name}'"),
                );
            };
            if names.contains(&name) {
                return validate(
                    ctx,
                    format!(
                        "Defined multiple alternative version requirements for plugin '{name}'"
                    ),
                );
            }
            satisfied |= name == "container"
                && parsed.0 == CONTAINER_PLUGIN_VERSION.0
                && parsed <= CONTAINER_PLUGIN_VERSION;
            names.push(name);
        }
        if !satisfied {
            let (a, b, c) = CONTAINER_PLUGIN_VERSION;
            return fail(
                ctx,
                Code::ErrValidate,
                format!(
                    "Plugin requirement not satisfied: {} (Warden supplies the fields of 'container' {a}.{b}.{c} and no other plugin)",
                    names.join(" or ")
                ),
            );
        }
        Ok(())
    }

    fn overrides(
        &mut self,
        item: &Node,
        appendable: &[&str],
        replaceable: &[&str],
        ctx: &Context,
    ) -> Read<(Vec<String>, Vec<String>)> {
        let (mut append, mut replace) = (Vec::new(), Vec::new());
        let Some(node) = item.get("override") else {
            return Ok((append, replace));
        };
        let Some(entries) = node.as_map() else {
            return validate(
                &ctx.at(node.mark),
                "Value for key 'override' must be a mapping",
            );
        };
        for entry in entries {
            let key = entry.key.as_str();
            let kctx = ctx.at(entry.key_mark);
            match scalar_text(&entry.value).as_deref() {
                Some("append") if appendable.contains(&key) => append.push(key.to_owned()),
                Some("append") => {
                    return validate(
                        &kctx,
                        format!("Key '{key}' cannot be appended to, use 'replace' instead"),
                    );
                }
                Some("replace") if replaceable.contains(&key) => replace.push(key.to_owned()),
                Some("replace") => {
                    return validate(&kctx, format!("Key '{key}' cannot be replaced"));
                }
                other => {
                    let mut allowed = Vec::new();
                    if appendable.contains(&key) {
                        allowed.push("append");
                    }
                    if replaceable.contains(&key) {
                        allowed.push("replace");
                    }
                    return validate(
                        &ctx.at(entry.value.mark),
                        format!(
                            "Invalid override operation for key '{key}': '{}'. Allowed values are: {}",
                            other.unwrap_or_default(),
                            allowed.join(" ")
                        ),
                    );
                }
            }
        }
        Ok((append, replace))
    }

    fn deprecated_append(&mut self, item: &Node, ctx: &Context) -> Read<bool> {
        let append = optional_bool(item, "append", ctx)?.unwrap_or(false);
        if append {
            self.warn(
                ctx,
                Code::DeprecatedItem,
                "The 'append' key is deprecated. Use the 'override' key instead.",
            );
        }
        Ok(append)
    }

    fn read_list(&mut self, item: &Node, ctx: &Context) -> Read<()> {
        let (_, name) = required(item, "list", ctx)?;
        let ctx = Context {
            item: Some(ItemRef {
                kind: "list",
                name: name.clone(),
            }),
            ..ctx.clone()
        };
        self.check_keys(item, LIST_KEYS, &ctx);
        if !is_bare_string(&name) {
            self.warn(&ctx, Code::InvalidListName, "List has an invalid name. List names should match a regular expression: ([^()\"'[:space:]=,]+)");
        }
        let Some(items) = string_seq(item, "items", &ctx)? else {
            return validate(&ctx, "Item has no mapping for key 'items'");
        };
        let append = self.deprecated_append(item, &ctx)?;
        let (o_append, o_replace) = self.overrides(item, &["items"], &["items"], &ctx)?;
        if append && !(o_append.is_empty() && o_replace.is_empty()) {
            return validate(
                &ctx,
                "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.",
            );
        }
        let id = self.next_index();
        if append || !o_append.is_empty() {
            let Some(prev) = self.lists.get_mut(&name) else {
                return validate(
                    &ctx,
                    "List has 'append' key or an append override but no list by that name already exists",
                );
            };
            prev.items.extend(items);
            prev.visibility = id;
            return Ok(());
        }
        let index = self.lists.get(&name).map_or(id, |prev| prev.index);
        self.lists.define(
            &name,
            ListInfo {
                name: name.clone(),
                items,
                index,
                visibility: id,
                ctx,
            },
        );
        Ok(())
    }

    fn read_macro(&mut self, item: &Node, ctx: &Context) -> Read<()> {
        let (_, name) = required(item, "macro", ctx)?;
        let ctx = Context {
            item: Some(ItemRef {
                kind: "macro",
                name: name.clone(),
            }),
            ..ctx.clone()
        };
        self.check_keys(item, MACRO_KEYS, &ctx);
        if !is_identifier(&name) {
            self.warn(&ctx, Code::InvalidMacroName, "Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)");
        }
        let (cond_node, cond) = required(item, "condition", &ctx)?;
        let cond_ctx = ctx.at(cond_node.mark);
        let append = self.deprecated_append(item, &ctx)?;
        let (o_append, o_replace) = self.overrides(item, &["condition"], &["condition"], &ctx)?;
        if append && !(o_append.is_empty() && o_replace.is_empty()) {
            return validate(
                &ctx,
                "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.",
            );
        }
        let id = self.next_index();
        if append || !o_append.is_empty() {
            let Some(prev) = self.macros.get_mut(&name) else {
                return validate(
                    &ctx,
                    "Macro has 'append' key or an append override but no macro by that name already exists",
                );
            };
            prev.cond.push(' ');
            prev.cond.push_str(&cond);
            prev.visibility = id;
            return Ok(());
        }
        let index = self.macros.get(&name).map_or(id, |prev| prev.index);
        self.macros.define(
            &name,
            MacroInfo {
                name: name.clone(),
                cond,
                cond_ctx,
                index,
                visibility: id,
                ctx,
            },
        );
        Ok(())
    }

    fn read_rule(&mut self, item: &Node, ctx: &Context) -> Read<()> {
        let (_, name) = required(item, "rule", ctx)?;
        let ctx = Context {
            item: Some(ItemRef {
                kind: "rule",
                name: name.clone(),
            }),
            ..ctx.clone()
        };
        self.check_keys(item, RULE_KEYS, &ctx);
        let append = self.deprecated_append(item, &ctx)?;
        let (o_append, o_replace) =
            self.overrides(item, RULE_APPENDABLE, RULE_REPLACEABLE, &ctx)?;
        if append && !(o_append.is_empty() && o_replace.is_empty()) {
            return validate(
                &ctx,
                "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.",
            );
        }
        if !o_append.is_empty() || !o_replace.is_empty() {
            return self.read_rule_overrides(item, &name, o_append, o_replace, &ctx);
        }
        if append {
            let mut update = RuleUpdate::default();
            if item.get("condition").is_some() {
                update.cond = Some(required(item, "condition", &ctx)?.1);
            }
            if item.get("exceptions").is_some() {
                update.exceptions = Some(self.read_exceptions(item, &ctx, true)?);
            }
            return self.apply_append(&name, update, &ctx);
        }
        let defines = ["condition", "output", "desc", "priority"]
            .iter()
            .any(|k| item.get(k).is_some());
        if !defines {
            // A rule item with only `enabled` switches an earlier rule on or off.
            let Some(enabled) = optional_bool(item, "enabled", &ctx)? else {
                return validate(&ctx, "Item has no mapping for key 'enabled'");
            };
            self.warn(&ctx, Code::DeprecatedItem, "The rule item with only 'enabled' is deprecated. Use the 'override' key with 'enabled: replace' instead.");
            let Some(prev) = self.rules.get_mut(&name) else {
                return validate(
                    &ctx,
                    "Rule has 'enabled' key but no rule by that name already exists",
                );
            };
            prev.enabled = enabled;
            return Ok(());
        }
        let (cond_node, cond) = required(item, "condition", &ctx)?;
        let (output_node, output) = required(item, "output", &ctx)?;
        let (_, desc) = required(item, "desc", &ctx)?;
        let (priority_node, priority_text) = required(item, "priority", &ctx)?;
        let Some(priority) = Priority::parse(&priority_text) else {
            return validate(
                &ctx.at(priority_node.mark),
                format!(
                    "Invalid priority '{priority_text}': expected one of emergency, alert, critical, error, warning, notice, informational (info), debug"
                ),
            );
        };
        let source = match item.get("source") {
            Some(_) => required(item, "source", &ctx)?.1,
            None => "syscall".to_owned(),
        };
        let tags = string_seq(item, "tags", &ctx)?
            .unwrap_or_default()
            .into_iter()
            .collect();
        let exceptions = self.read_exceptions(item, &ctx, false)?;
        let mut info = RuleInfo {
            name: name.clone(),
            cond_ctx: ctx.at(cond_node.mark),
            cond,
            output_ctx: ctx.at(output_node.mark),
            output: output.trim().to_owned(),
            desc,
            priority,
            enabled: optional_bool(item, "enabled", &ctx)?.unwrap_or(true),
            warn_evttypes: optional_bool(item, "warn_evttypes", &ctx)?.unwrap_or(true),
            skip_if_unknown_filter: optional_bool(item, "skip-if-unknown-filter", &ctx)?
                .unwrap_or(false),
            tags,
            exceptions,
            ctx: ctx.clone(),
            source,
        };
        if let Some(prev) = self.rules.get(&name)
            && prev.source != info.source
        {
            return validate(&ctx, "Rule has been re-defined with a different source");
        }
        for ex in &mut info.exceptions {
            validate_exception(ex)?;
        }
        self.next_index();
        self.rules.define(&name, info);
        Ok(())
    }

    fn read_rule_overrides(
        &mut self,
        item: &Node,
        name: &str,
        o_append: Vec<String>,
        o_replace: Vec<String>,
        ctx: &Context,
    ) -> Read<()> {
        let mut expected: Vec<&str> = RULE_APPENDABLE
            .iter()
            .chain(RULE_REPLACEABLE)
            .copied()
            .filter(|k| item.get(k).is_some())
            .collect();
        expected.sort_unstable();
        expected.dedup();
        for (keys, kind) in [(&o_append, "append"), (&o_replace, "replace")] {
            for key in keys.iter() {
                let Some(pos) = expected.iter().position(|k| k == key) else {
                    return validate(
                        ctx,
                        format!(
                            "An {kind} override for '{key}' was specified but '{key}' is not defined"
                        ),
                    );
                };
                expected.remove(pos);
            }
        }
        if let Some(key) = expected.first() {
            let mark = item
                .as_map()
                .unwrap_or_default()
                .iter()
                .find(|e| e.key == *key)
                .map_or(ctx.mark, |e| e.key_mark);
            return validate(
                &ctx.at(mark),
                format!(
                    "Unexpected key '{key}': no corresponding entry under 'override' is defined."
                ),
            );
        }
        let read = |this: &mut Self, keys: &[String]| -> Read<RuleUpdate> {
            let mut u = RuleUpdate::default();
            for key in keys {
                match key.as_str() {
                    "condition" => u.cond = Some(required(item, "condition", ctx)?.1),
                    "output" => u.output = Some(required(item, "output", ctx)?.1.trim().to_owned()),
                    "desc" => u.desc = Some(required(item, "desc", ctx)?.1),
                    "tags" => {
                        u.tags = Some(
                            string_seq(item, "tags", ctx)?
                                .unwrap_or_default()
                                .into_iter()
                                .collect(),
                        )
                    }
                    "exceptions" => u.exceptions = Some(this.read_exceptions(item, ctx, true)?),
                    "priority" => {
                        let (node, text) = required(item, "priority", ctx)?;
                        u.priority = Some(Priority::parse(&text).ok_or_else(|| {
                            Stop(ctx.at(node.mark).diagnostic(
                                Code::ErrYamlValidate,
                                format!("Invalid priority '{text}'"),
                            ))
                        })?);
                    }
                    "enabled" => u.enabled = optional_bool(item, "enabled", ctx)?,
                    "warn_evttypes" => u.warn_evttypes = optional_bool(item, "warn_evttypes", ctx)?,
                    "skip-if-unknown-filter" => {
                        u.skip_if_unknown_filter =
                            optional_bool(item, "skip-if-unknown-filter", ctx)?
                    }
                    // `capture` and `capture_duration` write .scap files in Falco; Warden
                    // has no capture, so replacing them changes nothing.
                    _ => {}
                }
            }
            Ok(u)
        };
        if !o_append.is_empty() {
            let update = read(self, &o_append)?;
            self.apply_append(name, update, ctx)?;
        }
        if !o_replace.is_empty() {
            let update = read(self, &o_replace)?;
            let id = self.next_index();
            let Some(prev) = self.rules.get_mut(name) else {
                return validate(
                    ctx,
                    "Rule has an replace override but no rule by that name already exists",
                );
            };
            if let Some(v) = update.cond {
                prev.cond = v;
            }
            if let Some(v) = update.output {
                prev.output = v;
            }
            if let Some(v) = update.desc {
                prev.desc = v;
            }
            if let Some(v) = update.tags {
                prev.tags = v;
            }
            if let Some(v) = update.exceptions {
                prev.exceptions = v;
            }
            if let Some(v) = update.priority {
                prev.priority = v;
            }
            if let Some(v) = update.enabled {
                prev.enabled = v;
            }
            if let Some(v) = update.warn_evttypes {
                prev.warn_evttypes = v;
            }
            if let Some(v) = update.skip_if_unknown_filter {
                prev.skip_if_unknown_filter = v;
            }
            let _ = id;
        }
        Ok(())
    }

    fn apply_append(&mut self, name: &str, update: RuleUpdate, ctx: &Context) -> Read<()> {
        self.next_index();
        let Some(prev) = self.rules.get_mut(name) else {
            return validate(
                ctx,
                "Rule has 'append' key or an append override but no rule by that name already exists",
            );
        };
        for (field, more) in [
            (&mut prev.cond, update.cond),
            (&mut prev.output, update.output),
            (&mut prev.desc, update.desc),
        ] {
            if let Some(more) = more.filter(|m| !m.is_empty()) {
                field.push(' ');
                field.push_str(&more);
            }
        }
        if let Some(tags) = update.tags {
            prev.tags.extend(tags);
        }
        for ex in update.exceptions.unwrap_or_default() {
            match prev.exceptions.iter_mut().find(|e| e.name == ex.name) {
                Some(existing) => {
                    if ex.fields.is_some() {
                        return validate(
                            &ex.ctx,
                            "Can not append exception fields to existing exception, only values",
                        );
                    }
                    if ex.comps.is_some() {
                        return validate(
                            &ex.ctx,
                            "Can not append exception comps to existing exception, only values",
                        );
                    }
                    existing.values.extend(ex.values);
                }
                None => {
                    if ex.fields.is_none() {
                        return validate(
                            &ex.ctx,
                            "Rule exception must have fields property with a list of fields",
                        );
                    }
                    if ex.values.is_empty() {
                        return validate(
                            &ex.ctx,
                            "Rule exception must have values property with a list of values",
                        );
                    }
                    let mut ex = ex;
                    validate_exception(&mut ex)?;
                    prev.exceptions.push(ex);
                }
            }
        }
        Ok(())
    }

    fn read_exceptions(
        &mut self,
        item: &Node,
        ctx: &Context,
        append: bool,
    ) -> Read<Vec<ExceptionInfo>> {
        let Some(node) = item.get("exceptions") else {
            return Ok(Vec::new());
        };
        let list = match &node.kind {
            NodeKind::Null => return Ok(Vec::new()),
            NodeKind::List(list) => list,
            _ => return validate(&ctx.at(node.mark), "Rule exceptions must be a sequence"),
        };
        let mut out: Vec<ExceptionInfo> = Vec::new();
        for ex in list {
            let ectx = ctx.at(ex.mark);
            if ex.as_map().is_none() {
                return validate(&ectx, "Rule exception must be a mapping");
            }
            let (_, name) = required(ex, "name", &ectx)?;
            if out.iter().any(|e| e.name == name) {
                return validate(
                    &ectx,
                    format!(
                        "Exceptions names in the same object must be unique: '{name}' is defined twice"
                    ),
                );
            }
            let fields = entry(ex.get("fields"), &ectx)?;
            if fields.is_none() && !append {
                return validate(&ectx, "Item has no mapping for key 'fields'");
            }
            let comps = entry(ex.get("comps"), &ectx)?;
            let mut values = Vec::new();
            match ex.get("values") {
                Some(v) => {
                    let NodeKind::List(vals) = &v.kind else {
                        return validate(
                            &ectx.at(v.mark),
                            "Rule exception values must be a sequence",
                        );
                    };
                    for val in vals {
                        if let Some(e) = entry(Some(val), &ectx.at(val.mark))? {
                            values.push(e);
                        }
                    }
                }
                None if append => self.warn(
                    &ectx,
                    Code::AppendNoValues,
                    "Overriding/appending exception with no values",
                ),
                None => {}
            }
            out.push(ExceptionInfo {
                name,
                fields,
                comps,
                values,
                ctx: ectx,
            });
        }
        Ok(out)
    }
}

/// How many times a closing bracket may be re-indented before the error stands.
const MAX_REINDENTS: usize = 256;

/// Parses like yaml-cpp, which Falco uses: a flow collection's closing `]` or `}` on its
/// own line may sit at the indentation of the key that holds it (upstream files do
/// this; the YAML spec wants it indented further). Only a line the parser rejects is
/// touched, and moving a closing bracket right never changes what the document means.
fn parse_lenient(content: &str) -> Result<Vec<Node>, warden_value::LoadError> {
    let mut text = std::borrow::Cow::Borrowed(content);
    for _ in 0..MAX_REINDENTS {
        match warden_value::parse_all(&text, warden_value::Format::Yaml) {
            Err(err) if err.message.contains("indentation") => {
                let Some(line) = text.lines().nth(err.mark.line.saturating_sub(1)) else {
                    return Err(err);
                };
                if !line.trim_start().starts_with([']', '}']) {
                    return Err(err);
                }
                let start: usize = text
                    .lines()
                    .take(err.mark.line - 1)
                    .map(|l| l.len() + 1)
                    .sum();
                text.to_mut().insert(start, ' ');
            }
            other => return other,
        }
    }
    warden_value::parse_all(&text, warden_value::Format::Yaml)
}

fn entry(node: Option<&Node>, ctx: &Context) -> Read<Option<Entry>> {
    let Some(node) = node else {
        return Ok(None);
    };
    if let NodeKind::List(items) = &node.kind {
        let mut out = Vec::new();
        for item in items {
            match entry(Some(item), &ctx.at(item.mark))? {
                Some(e) => out.push(e),
                None => return validate(&ctx.at(item.mark), "Value must be non-empty"),
            }
        }
        return Ok(Some(Entry::List(out)));
    }
    match scalar_text(node) {
        Some(text) if !text.is_empty() => Ok(Some(Entry::Item(text))),
        _ => validate(&ctx.at(node.mark), "Value must be non-empty"),
    }
}

/// Falco's `validate_exception_info`: default comps, matching lengths, known operators.
/// Field names are checked when the rule compiles.
fn validate_exception(ex: &mut ExceptionInfo) -> Read<()> {
    let Some(fields) = &ex.fields else {
        return validate(
            &ex.ctx,
            "Rule exception item must have fields property with a list of fields",
        );
    };
    match fields {
        Entry::List(items) => {
            let comps = ex
                .comps
                .get_or_insert_with(|| Entry::List(vec![Entry::Item("=".to_owned()); items.len()]));
            let Entry::List(comps) = comps else {
                return validate(&ex.ctx, "Fields and comps lists must have equal length");
            };
            if comps.len() != items.len() {
                return validate(&ex.ctx, "Fields and comps lists must have equal length");
            }
            for comp in comps.iter() {
                let Entry::Item(op) = comp else {
                    return validate(&ex.ctx, "Exception comps must be strings");
                };
                if !parser::supported_operators().any(|o| o == op) {
                    return validate(
                        &ex.ctx,
                        format!("'{op}' is not a supported comparison operator"),
                    );
                }
            }
        }
        Entry::Item(_) => {
            let comp = ex.comps.get_or_insert_with(|| Entry::Item("in".to_owned()));
            let Entry::Item(op) = comp else {
                return validate(&ex.ctx, "Fields and comps must both be strings");
            };
            if !matches!(op.as_str(), "in" | "pmatch" | "intersects") {
                return validate(
                    &ex.ctx,
                    "When fields is a single value, comps must be one of (in, pmatch, intersects)",
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert!(
            is_identifier("open_read")
                && is_identifier("a1")
                && !is_identifier("1a")
                && !is_identifier("a-b")
                && !is_identifier("")
        );
        assert!(is_bare_string("runc:[0:PARENT]") && !is_bare_string("a b"));
        assert_eq!(parse_version("0.57.0"), Some((0, 57, 0)));
        assert_eq!(parse_version("0.57"), None);
        assert_eq!(Priority::parse("INFO"), Some(Priority::Informational));
        assert_eq!(Priority::parse("WaRnInG"), Some(Priority::Warning));
        assert_eq!(Priority::parse("loud"), None);
    }
}
