//! Reading a policy file strictly: INTERCEPT's keys and nothing else, every value of
//! the type INTERCEPT decodes it into, and every mistake reported with its position.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use warden_gossfile::Origin;
use warden_value::{Format, MapEntry, Mark, Node, NodeKind};

use warden_violations::{Mode, Severity};

use crate::behaviour::{
    BehaviourEnforcement, BehaviourException, BehaviourPolicy, EnforceAction, InlineRule,
    RuleSelection, Scope,
};
use crate::enforcement::{EnforcementRule, Exceptions};
use crate::error::PolicyError;
use crate::id::normalize_id;
use crate::model::{
    Config, Flags, Hook, HookAuth, HookAuthKind, HookEvent, HostMetadata, Metadata, Policy,
    PolicyFile, PolicyKind, RuntimeSpec, SystemVersions,
};
use crate::waiver::{Waiver, parse_date};

const TOP_KEYS: &[&str] = &["Version", "Namespace", "Config", "Policies"];
const CONFIG_KEYS: &[&str] = &["System", "Flags", "Metadata", "Hooks"];
const SYSTEM_KEYS: &[&str] = &["RGVersion", "GossVersion", "InterceptVersion"];
const FLAG_KEYS: &[&str] = &[
    "output_type",
    "target",
    "index",
    "ignore",
    "tags",
    "policy_schedule",
    "report_schedule",
    "webhook_secret_env",
    "remote_auth",
];
const HOST_METADATA_KEYS: &[&str] = &[
    "host_os",
    "host_mac",
    "host_arch",
    "host_name",
    "host_fingerprint",
    "host_info",
    "MsgExitClean",
    "MsgExitWarning",
    "MsgExitCritical",
];
const HOOK_KEYS: &[&str] = &[
    "name",
    "endpoint",
    "insecure",
    "method",
    "headers",
    "auth",
    "retry_attempts",
    "retry_delay",
    "timeout_seconds",
    "event_types",
];
const HOOK_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const POLICY_KEYS: &[&str] = &[
    "id",
    "type",
    "schedule",
    "filepattern",
    "observe",
    "enforcement",
    "metadata",
    "_runtime",
];
const BEHAVIOUR_POLICY_KEYS: &[&str] = &["id", "type", "enforcement", "metadata", "_behaviour"];
const BEHAVIOUR_ENFORCEMENT_KEYS: &[&str] = &["environment", "mode", "action"];
const BEHAVIOUR_KEYS: &[&str] = &[
    "rules",
    "mode",
    "action",
    "severity",
    "scope",
    "exceptions",
    "enforce_after_days",
    "added",
];
const RULES_KEYS: &[&str] = &["files", "names", "tags", "condition", "output"];
const SCOPE_KEYS: &[&str] = &["host", "containers", "container_names", "images", "cgroups"];
const BEHAVIOUR_EXCEPTION_KEYS: &[&str] = &["process", "path", "image", "user", "reason"];
const MODES: &[&str] = &["audit", "enforce"];
const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];
const ENFORCEMENT_KEYS: &[&str] = &["environment", "fatal", "exceptions", "confidence"];
/// The confidences INTERCEPT uses (any case); `medium` falls to the table's default row.
const CONFIDENCE_VALUES: &[&str] = &["high", "medium", "low", "info"];
const METADATA_KEYS: &[&str] = &[
    "name",
    "description",
    "tags",
    "score",
    "msg_solution",
    "msg_error",
    "help_url",
];
const RUNTIME_KEYS: &[&str] = &["config", "observe"];
const WAIVER_KEYS: &[&str] = &["check", "reason", "until"];

/// INTERCEPT's policy types that Warden does not run, named in the error for them.
const INTERCEPT_ONLY_TYPES: &str = "scan, assure, api, rego, json, yml, toml and ini";

impl PolicyFile {
    /// Reads and checks a policy file. Relative `_runtime` paths are resolved against
    /// the directory of `path`.
    pub fn load(path: &Path) -> Result<PolicyFile, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError::in_file(path, format!("could not read policy file: {e}")))?;
        PolicyFile::parse(path, &text)
    }

    /// Checks policy-file `text` as if read from `path` (built-in policy files).
    pub fn parse(path: &Path, text: &str) -> Result<PolicyFile, PolicyError> {
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            _ => Format::Yaml,
        };
        let root = warden_value::parse(text, format)
            .map_err(|e| PolicyError::at(path, e.mark, e.message))?;
        let mut loader = Loader {
            file: path,
            dir: path.parent().filter(|p| !p.as_os_str().is_empty()),
            warnings: Vec::new(),
        };
        loader.policy_file(&root)
    }
}

struct Loader<'a> {
    file: &'a Path,
    /// The policy file's directory; `None` when it is the current one.
    dir: Option<&'a Path>,
    warnings: Vec<String>,
}

/// A map's entries, every key checked against the valid ones.
struct Fields<'n> {
    entries: &'n [MapEntry],
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n MapEntry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

impl Loader<'_> {
    fn error(&self, mark: Mark, message: impl Into<String>) -> PolicyError {
        PolicyError::at(self.file, mark, message)
    }

    fn policy_file(&mut self, root: &Node) -> Result<PolicyFile, PolicyError> {
        if root.kind == NodeKind::Null {
            return Err(self.error(
                root.mark,
                "the policy file is empty; it needs a Policies list",
            ));
        }
        let top = self.fields(root, "the policy file", TOP_KEYS)?;
        let version = top
            .get("Version")
            .map(|e| self.text(e, "the policy file"))
            .transpose()?
            .flatten();
        let namespace = top
            .get("Namespace")
            .map(|e| self.text(e, "the policy file"))
            .transpose()?
            .flatten();
        let config = match top.get("Config") {
            Some(entry) => self.config(&entry.value)?,
            None => Config::default(),
        };
        let Some(policies_entry) = top.get("Policies") else {
            return Err(self.error(root.mark, "the policy file has no Policies list"));
        };
        let items = match &policies_entry.value.kind {
            NodeKind::List(items) => items.as_slice(),
            NodeKind::Null => &[],
            _ => {
                return Err(self.error(
                    policies_entry.value.mark,
                    format!(
                        "Policies must be a list of policies, found {}",
                        policies_entry.value.kind_name()
                    ),
                ));
            }
        };
        let mut policies: Vec<Policy> = Vec::with_capacity(items.len());
        let mut behaviour: Vec<BehaviourPolicy> = Vec::new();
        let mut seen: HashMap<String, Mark> = HashMap::new();
        for (index, item) in items.iter().enumerate() {
            let entry = self.policy(item, index + 1)?;
            let (id, original_id, mark) = match &entry {
                PolicyEntry::Runtime(p) => (&p.id, &p.original_id, p.origin.mark),
                PolicyEntry::Behaviour(p) => (&p.id, &p.original_id, p.origin.mark),
            };
            if let Some(first) = seen.get(id) {
                return Err(self.error(
                    mark,
                    format!(
                        "duplicate policy id {original_id:?} (normalised {id:?}); line {} already defines it",
                        first.line
                    ),
                ));
            }
            seen.insert(id.clone(), mark);
            match entry {
                PolicyEntry::Runtime(p) => policies.push(p),
                PolicyEntry::Behaviour(p) => behaviour.push(p),
            }
        }
        Ok(PolicyFile {
            path: self.file.to_owned(),
            version,
            namespace,
            config,
            policies,
            behaviour,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    fn config(&self, node: &Node) -> Result<Config, PolicyError> {
        let fields = self.fields(node, "Config", CONFIG_KEYS)?;
        let mut config = Config::default();
        if let Some(entry) = fields.get("System") {
            let what = "Config.System";
            let system = self.fields(&entry.value, what, SYSTEM_KEYS)?;
            config.system = SystemVersions {
                rg_version: self.optional_text(&system, "RGVersion", what)?,
                goss_version: self.optional_text(&system, "GossVersion", what)?,
                intercept_version: self.optional_text(&system, "InterceptVersion", what)?,
            };
        }
        if let Some(entry) = fields.get("Flags") {
            config.flags = self.flags(&entry.value)?;
        }
        if let Some(entry) = fields.get("Metadata") {
            let what = "Config.Metadata";
            let m = self.fields(&entry.value, what, HOST_METADATA_KEYS)?;
            config.metadata = HostMetadata {
                host_os: self.optional_text(&m, "host_os", what)?,
                host_mac: self.optional_text(&m, "host_mac", what)?,
                host_arch: self.optional_text(&m, "host_arch", what)?,
                host_name: self.optional_text(&m, "host_name", what)?,
                host_fingerprint: self.optional_text(&m, "host_fingerprint", what)?,
                host_info: self.optional_text(&m, "host_info", what)?,
                msg_exit_clean: self.optional_text(&m, "MsgExitClean", what)?,
                msg_exit_warning: self.optional_text(&m, "MsgExitWarning", what)?,
                msg_exit_critical: self.optional_text(&m, "MsgExitCritical", what)?,
            };
        }
        if let Some(entry) = fields.get("Hooks") {
            for (index, item) in self.list(entry, "Config")?.iter().enumerate() {
                config.hooks.push(self.hook(item, index + 1)?);
            }
        }
        Ok(config)
    }

    fn flags(&self, node: &Node) -> Result<Flags, PolicyError> {
        let what = "Config.Flags";
        let f = self.fields(node, what, FLAG_KEYS)?;
        Ok(Flags {
            output_type: self.optional_text(&f, "output_type", what)?,
            target: self.optional_text(&f, "target", what)?,
            index: self.optional_text(&f, "index", what)?,
            ignore: self.optional_texts(&f, "ignore", what)?,
            tags: self.optional_texts(&f, "tags", what)?,
            policy_schedule: self.schedule(&f, "policy_schedule", what)?,
            report_schedule: self.schedule(&f, "report_schedule", what)?,
            webhook_secret_env: self.optional_text(&f, "webhook_secret_env", what)?,
            remote_auth: self.optional_texts(&f, "remote_auth", what)?,
        })
    }

    fn hook(&self, node: &Node, number: usize) -> Result<Hook, PolicyError> {
        let what = format!("Config.Hooks entry {number}");
        let f = self.fields(node, &what, HOOK_KEYS)?;
        let name = self.required_text(&f, node, "name", &what)?;
        let what = format!("hook {name:?}");
        let endpoint = self.required_text(&f, node, "endpoint", &what)?;
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            let mark = f.get("endpoint").map_or(node.mark, |e| e.value.mark);
            return Err(self.error(
                mark,
                format!("{what}: endpoint {endpoint:?} must be an http:// or https:// URL"),
            ));
        }
        let method = match f.get("method") {
            Some(entry) => match self.text(entry, &what)? {
                Some(method) => {
                    let upper = method.to_ascii_uppercase();
                    if !HOOK_METHODS.contains(&upper.as_str()) {
                        return Err(self.error(
                            entry.value.mark,
                            format!(
                                "{what}: unknown method {method:?}; valid methods are: {}",
                                HOOK_METHODS.join(", ")
                            ),
                        ));
                    }
                    Some(upper)
                }
                None => None,
            },
            None => None,
        };
        let headers = match f.get("headers") {
            Some(entry) => self.string_map(entry, &what)?,
            None => BTreeMap::new(),
        };
        let auth = match f.get("auth") {
            Some(entry) if entry.value.kind != NodeKind::Null => {
                Some(self.hook_auth(entry, &what)?)
            }
            _ => None,
        };
        let retry_delay = match f.get("retry_delay") {
            Some(entry) => match self.text(entry, &what)? {
                Some(text) => Some(warden_gossfile::duration::parse(&text).map_err(|e| {
                    self.error(
                        entry.value.mark,
                        format!("{what}: retry_delay must be a duration such as \"5s\": {e}"),
                    )
                })?),
                None => None,
            },
            None => None,
        };
        let mut event_types = Vec::new();
        for (name, mark) in self.optional_texts_marked(&f, "event_types", &what)? {
            let event = HookEvent::from_name(&name).ok_or_else(|| {
                let valid: Vec<&str> = HookEvent::ALL.iter().map(|e| e.name()).collect();
                self.error(
                    mark,
                    format!(
                        "{what}: unknown event type {name:?}; valid event types are: {}",
                        valid.join(", ")
                    ),
                )
            })?;
            event_types.push(event);
        }
        Ok(Hook {
            name,
            endpoint,
            insecure: self.optional_bool(&f, "insecure", &what)?.unwrap_or(false),
            method,
            headers,
            auth,
            retry_attempts: self
                .optional_count(&f, "retry_attempts", &what)?
                .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            retry_delay,
            timeout_seconds: self.optional_count(&f, "timeout_seconds", &what)?,
            event_types,
            mark: node.mark,
        })
    }

    fn hook_auth(&self, entry: &MapEntry, hook: &str) -> Result<HookAuth, PolicyError> {
        let what = format!("{hook} auth");
        let NodeKind::Map(entries) = &entry.value.kind else {
            return Err(self.expected(entry, hook, "a map"));
        };
        let mut kind = None;
        let mut header = None;
        let mut env = BTreeMap::new();
        for field in entries {
            match field.key.as_str() {
                "type" => {
                    let name = self.text(field, &what)?.unwrap_or_default();
                    kind = Some(HookAuthKind::from_name(&name).ok_or_else(|| {
                        let valid: Vec<&str> = HookAuthKind::ALL.iter().map(|k| k.name()).collect();
                        self.error(
                            field.value.mark,
                            format!(
                                "{what}: unknown type {name:?}; valid types are: {}",
                                valid.join(", ")
                            ),
                        )
                    })?);
                }
                "header" => header = self.text(field, &what)?,
                key if key.ends_with("_env") => {
                    if let Some(variable) = self.text(field, &what)? {
                        env.insert(key.to_owned(), variable);
                    }
                }
                key => {
                    return Err(self.error(
                        field.key_mark,
                        format!(
                            "unknown key {key:?} in {what}; valid keys are: type, header, and keys ending in _env that name environment variables (token_env, username_env, password_env, key_env, ...); secrets are never written in the policy file"
                        ),
                    ));
                }
            }
        }
        let kind = kind.ok_or_else(|| {
            self.error(
                entry.value.mark,
                format!("{what} needs a type (basic, bearer, header, authorization or api_key)"),
            )
        })?;
        Ok(HookAuth { kind, header, env })
    }

    fn policy(&mut self, node: &Node, number: usize) -> Result<PolicyEntry, PolicyError> {
        let NodeKind::Map(entries) = &node.kind else {
            return Err(self.error(
                node.mark,
                format!(
                    "each entry of Policies must be a map, found {}",
                    node.kind_name()
                ),
            ));
        };
        let raw = Fields { entries };
        let Some(id_entry) = raw.get("id") else {
            return Err(self.error(node.mark, format!("policy {number} has no id")));
        };
        let original_id = self
            .text(id_entry, &format!("policy {number}"))?
            .unwrap_or_default();
        let id = normalize_id(&original_id);
        if id.is_empty() {
            return Err(self.error(
                id_entry.value.mark,
                format!(
                    "policy id {original_id:?} is empty once normalised (letters, digits, '-', '_' and spaces are kept)"
                ),
            ));
        }
        let what = format!("policy {original_id:?}");
        let kind = match self.policy_kind(&raw, node, &what)? {
            LoadedKind::Runtime(kind) => kind,
            LoadedKind::Behaviour => {
                return self
                    .behaviour_policy(node, id, original_id, &what)
                    .map(PolicyEntry::Behaviour);
            }
        };
        let fields = self.fields(node, &what, POLICY_KEYS)?;
        let schedule = self.schedule(&fields, "schedule", &what)?;
        for (key, reason) in [
            (
                "filepattern",
                "it filters the files of INTERCEPT's file-based policy types",
            ),
            (
                "observe",
                "INTERCEPT watches it for file-based policy types; a runtime policy's watched path is _runtime.observe",
            ),
        ] {
            if let Some(entry) = fields.get(key) {
                self.warnings.push(format!(
                    "{}:{}:{}: {what}: {key} has no effect on runtime policies: {reason}",
                    self.file.display(),
                    entry.key_mark.line,
                    entry.key_mark.column
                ));
            }
        }
        let mut enforcement = Vec::new();
        if let Some(entry) = fields.get("enforcement") {
            for (index, item) in self.list(entry, &what)?.iter().enumerate() {
                enforcement.push(
                    self.enforcement_rule(
                        item,
                        &format!("{what} enforcement entry {}", index + 1),
                    )?,
                );
            }
        }
        let mut metadata = match fields.get("metadata") {
            Some(entry) => self.metadata(&entry.value, &format!("{what} metadata"))?,
            None => Metadata::default(),
        };
        if !metadata.tags.contains(&id) {
            metadata.tags.push(id.clone());
        }
        let Some(runtime_entry) = fields.get("_runtime") else {
            return Err(self.error(
                node.mark,
                format!("{what} has no _runtime block; a runtime policy needs _runtime.config, the gossfile it checks"),
            ));
        };
        let runtime = self.runtime(runtime_entry, &what)?;
        Ok(PolicyEntry::Runtime(Policy {
            id,
            original_id,
            kind,
            schedule,
            enforcement,
            metadata,
            runtime,
            origin: Origin {
                file: self.file.to_owned(),
                mark: node.mark,
            },
        }))
    }

    fn policy_kind(
        &self,
        raw: &Fields<'_>,
        node: &Node,
        what: &str,
    ) -> Result<LoadedKind, PolicyError> {
        let supported = "\"runtime\" or \"behaviour\"";
        let Some(entry) = raw.get("type") else {
            return Err(self.error(
                node.mark,
                format!("{what} has no type; the supported types are {supported}"),
            ));
        };
        match self.text(entry, what)?.as_deref() {
            Some("runtime") => Ok(LoadedKind::Runtime(PolicyKind::Runtime)),
            Some("behaviour" | "behavior") => Ok(LoadedKind::Behaviour),
            other => Err(self.error(
                entry.value.mark,
                format!(
                    "{what} has type {:?}; Warden runs {supported} policies (a gossfile checked against the live machine, or runtime rules the agent evaluates). INTERCEPT's {INTERCEPT_ONLY_TYPES} types are not implemented by Warden",
                    other.unwrap_or_default()
                ),
            )),
        }
    }

    fn enforcement_rule(&self, node: &Node, what: &str) -> Result<EnforcementRule, PolicyError> {
        let f = self.fields(node, what, ENFORCEMENT_KEYS)?;
        let environment = self.required_text(&f, node, "environment", what)?;
        let fatal = match f.get("fatal") {
            None => false,
            Some(entry) => match &entry.value.kind {
                NodeKind::Bool(b) => *b,
                NodeKind::String(s) if s == "true" => true,
                NodeKind::String(s) if s == "false" => false,
                NodeKind::Null => false,
                _ => {
                    return Err(self.error(
                        entry.value.mark,
                        format!(
                            "{what}: fatal must be \"true\" or \"false\", found {}",
                            describe(&entry.value)
                        ),
                    ));
                }
            },
        };
        let exceptions = match f.get("exceptions") {
            None => Exceptions::Flag("false".to_owned()),
            Some(entry) => match &entry.value.kind {
                NodeKind::List(items) => {
                    let mut waivers = Vec::with_capacity(items.len());
                    for (index, item) in items.iter().enumerate() {
                        waivers.push(self.waiver(item, &format!("{what} waiver {}", index + 1))?);
                    }
                    Exceptions::Waivers(waivers)
                }
                NodeKind::Map(_) => {
                    return Err(self.error(
                        entry.value.mark,
                        format!(
                            "{what}: exceptions must be a string (\"true\"/\"false\") or a list of waivers ({{check, reason, until}}), found a map; write the waiver as a list item (\"- check: ...\")"
                        ),
                    ));
                }
                _ => Exceptions::Flag(
                    self.text(entry, what)?
                        .unwrap_or_else(|| "false".to_owned()),
                ),
            },
        };
        let confidence = match f.get("confidence") {
            None => String::new(),
            Some(entry) => {
                let text = self.text(entry, what)?.unwrap_or_default();
                // The level table knows these; anything else would silently lower a level.
                if !CONFIDENCE_VALUES.contains(&text.to_ascii_lowercase().as_str()) {
                    return Err(self.error(
                        entry.value.mark,
                        format!(
                            "{what}: confidence must be one of {}, found {text:?}",
                            CONFIDENCE_VALUES.join(", ")
                        ),
                    ));
                }
                text
            }
        };
        Ok(EnforcementRule {
            environment,
            fatal,
            exceptions,
            confidence,
            mark: Some(node.mark),
        })
    }

    fn waiver(&self, node: &Node, what: &str) -> Result<Waiver, PolicyError> {
        let f = self.fields(node, what, WAIVER_KEYS)?;
        let check = self.required_text(&f, node, "check", what)?;
        let reason = self.required_text(&f, node, "reason", what)?;
        let until = match f.get("until") {
            Some(entry) => match self.text(entry, what)? {
                Some(text) => Some(parse_date(&text).ok_or_else(|| {
                    self.error(
                        entry.value.mark,
                        format!("{what}: until must be a date written YYYY-MM-DD, found {text:?}"),
                    )
                })?),
                None => None,
            },
            None => None,
        };
        let check_mark = f.get("check").map_or(node.mark, |e| e.value.mark);
        Waiver::new(&check, reason, until, node.mark)
            .map_err(|message| self.error(check_mark, format!("{what}: {message}")))
    }

    fn metadata(&self, node: &Node, what: &str) -> Result<Metadata, PolicyError> {
        let f = self.fields(node, what, METADATA_KEYS)?;
        let score = match f.get("score") {
            None => None,
            Some(entry) => {
                let parsed = match &entry.value.kind {
                    NodeKind::Null => None,
                    NodeKind::Int(i) => Some(*i as f64),
                    NodeKind::Float(x) => Some(*x),
                    NodeKind::String(s) => Some(s.trim().parse::<f64>().map_err(|_| {
                        self.error(
                            entry.value.mark,
                            format!("{what}: score must be a number (e.g. \"8\"), found {s:?}"),
                        )
                    })?),
                    _ => {
                        return Err(self.expected(
                            entry,
                            what,
                            "a number or a string such as \"8\"",
                        ));
                    }
                };
                if let Some(score) = parsed
                    && !(score.is_finite() && score >= 0.0)
                {
                    return Err(self.error(
                        entry.value.mark,
                        format!("{what}: score must be zero or a positive number, found {score}"),
                    ));
                }
                parsed
            }
        };
        let help_url = self.optional_text(&f, "help_url", what)?;
        if let Some(url) = &help_url
            && !is_absolute_uri(url)
        {
            let mark = f.get("help_url").map_or(node.mark, |e| e.value.mark);
            return Err(self.error(
                mark,
                format!("{what}: help_url must be an absolute URL such as \"https://example.com/doc\", found {url:?}"),
            ));
        }
        let mut tags: Vec<String> = Vec::new();
        for tag in self.optional_texts(&f, "tags", what)? {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(Metadata {
            name: self.optional_text(&f, "name", what)?.unwrap_or_default(),
            description: self
                .optional_text(&f, "description", what)?
                .unwrap_or_default(),
            tags,
            score,
            msg_solution: self
                .optional_text(&f, "msg_solution", what)?
                .unwrap_or_default(),
            msg_error: self
                .optional_text(&f, "msg_error", what)?
                .unwrap_or_default(),
            help_url,
        })
    }

    fn runtime(&mut self, entry: &MapEntry, policy: &str) -> Result<RuntimeSpec, PolicyError> {
        let what = format!("{policy} _runtime");
        let f = self.fields(&entry.value, &what, RUNTIME_KEYS)?;
        let raw_config = self.required_text(&f, &entry.value, "config", &what)?;
        let config = self.resolve(&raw_config);
        let config_mark = f.get("config").map_or(entry.value.mark, |e| e.value.mark);
        if !config.is_file() {
            let problem = if config.exists() {
                "is not a file"
            } else {
                "does not exist"
            };
            return Err(self.error(
                config_mark,
                format!(
                    "{what}: gossfile {raw_config:?} {problem} (resolved against the policy file's directory to {})",
                    config.display()
                ),
            ));
        }
        let observe = match f.get("observe") {
            Some(field) => self.text(field, &what)?.map(|raw| {
                let path = self.resolve(&raw);
                if !path.exists() {
                    self.warnings.push(format!(
                        "{}:{}:{}: {what}: observed path {} does not exist (yet)",
                        self.file.display(),
                        field.value.mark.line,
                        field.value.mark.column,
                        path.display()
                    ));
                }
                path
            }),
            None => None,
        };
        Ok(RuntimeSpec { config, observe })
    }

    fn resolve(&self, raw: &str) -> PathBuf {
        let path = Path::new(raw);
        match self.dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_owned(),
        }
    }

    fn schedule(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
    ) -> Result<Option<String>, PolicyError> {
        let Some(entry) = f.get(key) else {
            return Ok(None);
        };
        let Some(text) = self.text(entry, what)? else {
            return Ok(None);
        };
        crate::schedule::parse(&text).map_err(|e| {
            self.error(
                entry.value.mark,
                format!(
                    "{what}: {key} {text:?} is not a valid cron schedule ({e}); write six fields with seconds first, e.g. \"*/15 * * * * *\""
                ),
            )
        })?;
        Ok(Some(text))
    }

    // ----- generic, typed access to map fields -----

    /// The entries of a map (null counts as empty) whose keys are all in `valid`.
    fn fields<'n>(
        &self,
        node: &'n Node,
        what: &str,
        valid: &[&str],
    ) -> Result<Fields<'n>, PolicyError> {
        let entries = match &node.kind {
            NodeKind::Map(entries) => entries.as_slice(),
            NodeKind::Null => &[],
            _ => {
                return Err(self.error(
                    node.mark,
                    format!("{what} must be a map, found {}", node.kind_name()),
                ));
            }
        };
        for entry in entries {
            if !valid.contains(&entry.key.as_str()) {
                return Err(self.error(
                    entry.key_mark,
                    format!(
                        "unknown key {:?} in {what}; valid keys are: {}{}",
                        entry.key,
                        valid.join(", "),
                        hint(&entry.key, valid)
                    ),
                ));
            }
        }
        Ok(Fields { entries })
    }

    fn list<'n>(&self, entry: &'n MapEntry, what: &str) -> Result<&'n [Node], PolicyError> {
        match &entry.value.kind {
            NodeKind::List(items) => Ok(items),
            NodeKind::Null => Ok(&[]),
            _ => Err(self.expected(entry, what, "a list")),
        }
    }

    /// A scalar as the string yaml.v3 would decode it into; `None` for null.
    fn text(&self, entry: &MapEntry, what: &str) -> Result<Option<String>, PolicyError> {
        match &entry.value.kind {
            NodeKind::Null => Ok(None),
            NodeKind::String(s) => Ok(Some(s.clone())),
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                Ok(Some(entry.value.to_value().to_string()))
            }
            NodeKind::List(_) | NodeKind::Map(_) => Err(self.expected(entry, what, "a string")),
        }
    }

    fn optional_text(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
    ) -> Result<Option<String>, PolicyError> {
        f.get(key)
            .map(|e| self.text(e, what))
            .transpose()
            .map(Option::flatten)
    }

    fn required_text(
        &self,
        f: &Fields<'_>,
        node: &Node,
        key: &str,
        what: &str,
    ) -> Result<String, PolicyError> {
        match f.get(key) {
            Some(entry) => match self.text(entry, what)? {
                Some(text) if !text.trim().is_empty() => Ok(text),
                _ => Err(self.error(entry.value.mark, format!("{what}: {key} must not be empty"))),
            },
            None => Err(self.error(node.mark, format!("{what} has no {key}"))),
        }
    }

    fn optional_texts(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
    ) -> Result<Vec<String>, PolicyError> {
        Ok(self
            .optional_texts_marked(f, key, what)?
            .into_iter()
            .map(|(text, _)| text)
            .collect())
    }

    /// A list of scalars, each with its position.
    fn optional_texts_marked(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
    ) -> Result<Vec<(String, Mark)>, PolicyError> {
        let Some(entry) = f.get(key) else {
            return Ok(Vec::new());
        };
        let mut texts = Vec::new();
        for item in self
            .list(entry, what)
            .map_err(|_| self.expected(entry, what, "a list of strings"))?
        {
            match &item.kind {
                NodeKind::String(s) => texts.push((s.clone(), item.mark)),
                NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                    texts.push((item.to_value().to_string(), item.mark));
                }
                _ => {
                    return Err(self.error(
                        item.mark,
                        format!(
                            "{what}: every item of {key} must be a string, found {}",
                            item.kind_name()
                        ),
                    ));
                }
            }
        }
        Ok(texts)
    }

    fn optional_bool(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
    ) -> Result<Option<bool>, PolicyError> {
        match f.get(key) {
            None => Ok(None),
            Some(entry) => match entry.value.kind {
                NodeKind::Bool(b) => Ok(Some(b)),
                NodeKind::Null => Ok(None),
                _ => Err(self.expected(entry, what, "true or false")),
            },
        }
    }

    fn optional_count(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
    ) -> Result<Option<u64>, PolicyError> {
        match f.get(key) {
            None => Ok(None),
            Some(entry) => match entry.value.kind {
                NodeKind::Int(n) if n >= 0 => Ok(Some(n.unsigned_abs())),
                NodeKind::Null => Ok(None),
                _ => Err(self.expected(entry, what, "a whole number, zero or more")),
            },
        }
    }

    fn string_map(
        &self,
        entry: &MapEntry,
        what: &str,
    ) -> Result<BTreeMap<String, String>, PolicyError> {
        let entries = match &entry.value.kind {
            NodeKind::Map(entries) => entries.as_slice(),
            NodeKind::Null => &[],
            _ => return Err(self.expected(entry, what, "a map of strings")),
        };
        let mut map = BTreeMap::new();
        for item in entries {
            let value = self
                .text(item, &format!("{what} {}", entry.key))?
                .unwrap_or_default();
            map.insert(item.key.clone(), value);
        }
        Ok(map)
    }

    fn expected(&self, entry: &MapEntry, what: &str, expected: &str) -> PolicyError {
        self.error(
            entry.value.mark,
            format!(
                "{what}: {:?} must be {expected}, found {}",
                entry.key,
                entry.value.kind_name()
            ),
        )
    }
}

/// One entry of `Policies`, of either type.
enum PolicyEntry {
    Runtime(Policy),
    Behaviour(BehaviourPolicy),
}

enum LoadedKind {
    Runtime(PolicyKind),
    Behaviour,
}

impl Loader<'_> {
    fn behaviour_policy(
        &mut self,
        node: &Node,
        id: String,
        original_id: String,
        what: &str,
    ) -> Result<BehaviourPolicy, PolicyError> {
        let fields = self.fields(node, what, BEHAVIOUR_POLICY_KEYS)?;
        let mut enforcement = Vec::new();
        if let Some(entry) = fields.get("enforcement") {
            for (index, item) in self.list(entry, what)?.iter().enumerate() {
                let what = format!("{what} enforcement entry {}", index + 1);
                let f = self.fields(item, &what, BEHAVIOUR_ENFORCEMENT_KEYS)?;
                enforcement.push(BehaviourEnforcement {
                    environment: self.required_text(&f, item, "environment", &what)?,
                    mode: self.choice(&f, "mode", &what, MODES)?.map(mode_named),
                    action: self.action(&f, &what)?,
                    mark: item.mark,
                });
            }
        }
        let mut metadata = match fields.get("metadata") {
            Some(entry) => self.metadata(&entry.value, &format!("{what} metadata"))?,
            None => Metadata::default(),
        };
        if !metadata.tags.contains(&id) {
            metadata.tags.push(id.clone());
        }
        let Some(spec) = fields.get("_behaviour") else {
            return Err(self.error(
                node.mark,
                format!("{what} has no _behaviour block; a behaviour policy needs _behaviour.rules, the rules it turns on"),
            ));
        };
        let what = format!("{what} _behaviour");
        let f = self.fields(&spec.value, &what, BEHAVIOUR_KEYS)?;
        let Some(rules_entry) = f.get("rules") else {
            return Err(self.error(
                spec.value.mark,
                format!("{what} has no rules; name rule files, rule names, tags or a condition"),
            ));
        };
        let rules = self.rule_selection(rules_entry, &what)?;
        let scope = match f.get("scope") {
            Some(entry) => self.scope(&entry.value, &format!("{what} scope"))?,
            None => Scope::default(),
        };
        let mut exceptions = Vec::new();
        if let Some(entry) = f.get("exceptions") {
            for (index, item) in self.list(entry, &what)?.iter().enumerate() {
                exceptions.push(
                    self.behaviour_exception(item, &format!("{what} exception {}", index + 1))?,
                );
            }
        }
        let enforce_after_days = match self.optional_count(&f, "enforce_after_days", &what)? {
            Some(days) => Some(u32::try_from(days).map_err(|_| {
                let mark = f
                    .get("enforce_after_days")
                    .map_or(spec.value.mark, |e| e.value.mark);
                self.error(mark, format!("{what}: enforce_after_days is too large"))
            })?),
            None => None,
        };
        let added = match f.get("added") {
            Some(entry) => match self.text(entry, &what)? {
                Some(text) => Some(parse_date(&text).ok_or_else(|| {
                    self.error(
                        entry.value.mark,
                        format!("{what}: added must be a date written YYYY-MM-DD, found {text:?}"),
                    )
                })?),
                None => None,
            },
            None => None,
        };
        Ok(BehaviourPolicy {
            id,
            original_id,
            enforcement,
            metadata,
            severity: self
                .choice(&f, "severity", &what, SEVERITIES)?
                .map_or(Severity::Medium, severity_named),
            rules,
            mode: self
                .choice(&f, "mode", &what, MODES)?
                .map_or(Mode::Audit, mode_named),
            action: self.action(&f, &what)?,
            scope,
            exceptions,
            enforce_after_days,
            added,
            origin: Origin {
                file: self.file.to_owned(),
                mark: node.mark,
            },
        })
    }

    fn rule_selection(&self, entry: &MapEntry, policy: &str) -> Result<RuleSelection, PolicyError> {
        let what = format!("{policy} rules");
        let f = self.fields(&entry.value, &what, RULES_KEYS)?;
        let files = self
            .optional_texts(&f, "files", &what)?
            .iter()
            .map(|raw| self.resolve(raw))
            .collect();
        let names = self.optional_texts(&f, "names", &what)?;
        let tags = self.optional_texts(&f, "tags", &what)?;
        let condition = f.get("condition");
        let inline = match condition {
            Some(condition_entry) => {
                let condition = self.required_text(&f, &entry.value, "condition", &what)?;
                let output = self.required_text(&f, &entry.value, "output", &what).map_err(|_| {
                    self.error(
                        condition_entry.key_mark,
                        format!("{what}: a condition needs an output, the alert text (Falco's output template)"),
                    )
                })?;
                Some(InlineRule {
                    condition,
                    output,
                    mark: condition_entry.value.mark,
                })
            }
            None => {
                if let Some(output) = f.get("output") {
                    return Err(self.error(
                        output.key_mark,
                        format!("{what}: output belongs to a condition, and there is none"),
                    ));
                }
                None
            }
        };
        let selection = RuleSelection {
            files,
            names,
            tags,
            inline,
        };
        if selection == RuleSelection::default() {
            return Err(self.error(
                entry.value.mark,
                format!("{what} selects nothing; give files, names, tags or a condition"),
            ));
        }
        Ok(selection)
    }

    fn scope(&self, node: &Node, what: &str) -> Result<Scope, PolicyError> {
        let f = self.fields(node, what, SCOPE_KEYS)?;
        let defaults = Scope::default();
        Ok(Scope {
            host: self
                .optional_bool(&f, "host", what)?
                .unwrap_or(defaults.host),
            containers: self
                .optional_bool(&f, "containers", what)?
                .unwrap_or(defaults.containers),
            container_names: self.patterns(&f, "container_names", what)?,
            images: self.patterns(&f, "images", what)?,
            cgroups: self.patterns(&f, "cgroups", what)?,
        })
    }

    fn behaviour_exception(
        &self,
        node: &Node,
        what: &str,
    ) -> Result<BehaviourException, PolicyError> {
        let f = self.fields(node, what, BEHAVIOUR_EXCEPTION_KEYS)?;
        let reason = self.required_text(&f, node, "reason", what)?;
        let exception = BehaviourException {
            process: self.pattern(&f, "process", what)?,
            path: self.pattern(&f, "path", what)?,
            image: self.pattern(&f, "image", what)?,
            user: self.optional_text(&f, "user", what)?,
            reason,
            mark: node.mark,
        };
        if exception.process.is_none()
            && exception.path.is_none()
            && exception.image.is_none()
            && exception.user.is_none()
        {
            return Err(self.error(
                node.mark,
                format!("{what} matches everything; give process, path, image or user"),
            ));
        }
        Ok(exception)
    }

    fn patterns(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
    ) -> Result<Vec<glob::Pattern>, PolicyError> {
        self.optional_texts_marked(f, key, what)?
            .into_iter()
            .map(|(text, mark)| self.glob(&text, mark, key, what))
            .collect()
    }

    fn pattern(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
    ) -> Result<Option<glob::Pattern>, PolicyError> {
        match f.get(key) {
            None => Ok(None),
            Some(entry) => match self.text(entry, what)? {
                Some(text) => self.glob(&text, entry.value.mark, key, what).map(Some),
                None => Ok(None),
            },
        }
    }

    fn glob(
        &self,
        text: &str,
        mark: Mark,
        key: &str,
        what: &str,
    ) -> Result<glob::Pattern, PolicyError> {
        glob::Pattern::new(text).map_err(|e| {
            self.error(
                mark,
                format!("{what}: {key} {text:?} is not a valid glob pattern ({e})"),
            )
        })
    }

    fn action(&self, f: &Fields<'_>, what: &str) -> Result<Option<EnforceAction>, PolicyError> {
        let names: Vec<&str> = EnforceAction::ALL.iter().map(|a| a.name()).collect();
        Ok(self
            .choice(f, "action", what, &names)?
            .and_then(EnforceAction::from_name))
    }

    /// A string that must be one of `valid` (any case), returned lower-cased.
    fn choice<'v>(
        &self,
        f: &Fields<'_>,
        key: &str,
        what: &str,
        valid: &[&'v str],
    ) -> Result<Option<&'v str>, PolicyError> {
        let Some(entry) = f.get(key) else {
            return Ok(None);
        };
        let Some(text) = self.text(entry, what)? else {
            return Ok(None);
        };
        match valid.iter().find(|v| v.eq_ignore_ascii_case(text.trim())) {
            Some(found) => Ok(Some(found)),
            None => Err(self.error(
                entry.value.mark,
                format!(
                    "{what}: {key} must be one of {}, found {text:?}",
                    valid.join(", ")
                ),
            )),
        }
    }
}

fn mode_named(name: &str) -> Mode {
    if name == "enforce" {
        Mode::Enforce
    } else {
        Mode::Audit
    }
}

fn severity_named(name: &str) -> Severity {
    match name {
        "low" => Severity::Low,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => Severity::Medium,
    }
}

/// An extra sentence for unknown keys that have a known story.
fn hint(key: &str, valid: &[&str]) -> String {
    if let Some(close) = valid.iter().find(|v| v.eq_ignore_ascii_case(key)) {
        return format!(" (did you mean {close:?}? keys are case-sensitive)");
    }
    match key {
        "_regex" | "_schema" | "_rego" | "_api" => format!(
            " ({key} belongs to INTERCEPT's {INTERCEPT_ONLY_TYPES} policy types, which Warden does not implement)"
        ),
        "intercept_id" | "intercept_run_id" => {
            " (INTERCEPT sets it while running; it is not part of a policy file)".to_owned()
        }
        "schedule" if valid == RUNTIME_KEYS => {
            " (INTERCEPT ignores a schedule here; write it at the policy level, beside type)"
                .to_owned()
        }
        "Observe" if valid == CONFIG_KEYS => {
            " (INTERCEPT ignores Config.Observe; schedules go in Config.Flags.policy_schedule and watched paths in each policy's _runtime.observe)".to_owned()
        }
        _ => String::new(),
    }
}

/// `value` for an error message: strings quoted, other scalars as written.
fn describe(node: &Node) -> String {
    match &node.kind {
        NodeKind::String(s) => format!("{s:?}"),
        NodeKind::List(_) | NodeKind::Map(_) | NodeKind::Null => node.kind_name().to_owned(),
        _ => node.to_value().to_string(),
    }
}

/// `scheme:rest` with a valid scheme and nothing a URI may not contain.
fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
}
