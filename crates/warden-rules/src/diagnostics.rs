//! Load results: Falco's error and warning kinds, with file, position and item.

use std::fmt;

use warden_value::Mark;

/// The `load_result` codes of Falco that loading can produce (error codes are
/// `LOAD_ERR_*`), plus the one warning Warden adds for fields and event types its sensor
/// never supplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    ErrYamlParse,
    ErrYamlValidate,
    ErrCompileCondition,
    ErrCompileOutput,
    ErrValidate,
    UnknownSource,
    NoEvttype,
    UnknownFilter,
    UnusedMacro,
    UnusedList,
    UnknownItem,
    DeprecatedItem,
    AppendNoValues,
    InvalidMacroName,
    InvalidListName,
    UnknownKey,
    /// Warden: the rule depends on a field or event type no Warden event carries today,
    /// so that part of it can never be true.
    NotSupplied,
}

impl Code {
    /// Falco's name for the code.
    pub fn name(self) -> &'static str {
        match self {
            Code::ErrYamlParse => "LOAD_ERR_YAML_PARSE",
            Code::ErrYamlValidate => "LOAD_ERR_YAML_VALIDATE",
            Code::ErrCompileCondition => "LOAD_ERR_COMPILE_CONDITION",
            Code::ErrCompileOutput => "LOAD_ERR_COMPILE_OUTPUT",
            Code::ErrValidate => "LOAD_ERR_VALIDATE",
            Code::UnknownSource => "LOAD_UNKNOWN_SOURCE",
            Code::NoEvttype => "LOAD_NO_EVTTYPE",
            Code::UnknownFilter => "LOAD_UNKNOWN_FILTER",
            Code::UnusedMacro => "LOAD_UNUSED_MACRO",
            Code::UnusedList => "LOAD_UNUSED_LIST",
            Code::UnknownItem => "LOAD_UNKNOWN_ITEM",
            Code::DeprecatedItem => "LOAD_DEPRECATED_ITEM",
            Code::AppendNoValues => "LOAD_APPEND_NO_VALUES",
            Code::InvalidMacroName => "LOAD_INVALID_MACRO_NAME",
            Code::InvalidListName => "LOAD_INVALID_LIST_NAME",
            Code::UnknownKey => "LOAD_UNKNOWN_KEY",
            Code::NotSupplied => "WARDEN_NOT_SUPPLIED",
        }
    }

    pub fn is_error(self) -> bool {
        matches!(
            self,
            Code::ErrYamlParse
                | Code::ErrYamlValidate
                | Code::ErrCompileCondition
                | Code::ErrCompileOutput
                | Code::ErrValidate
        )
    }
}

/// What kind of item a diagnostic is about, and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRef {
    /// `rule`, `macro`, `list`, `required_engine_version`, ...
    pub kind: &'static str,
    pub name: String,
}

/// One error or warning from loading rule files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub file: String,
    pub mark: Mark,
    pub item: Option<ItemRef>,
    pub message: String,
}

/// The schema name of a diagnostic's JSON line.
pub const DIAGNOSTIC_SCHEMA: &str = "warden.rule-diagnostic/v1";

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.code.is_error()
    }

    /// One JSON line (no newline): `schema`, `severity` (`error` or `warning`), `code`
    /// (Falco's name), `file`, `line`, `column`, `item` (`{kind, name}` or null) and
    /// `message`.
    pub fn to_json_line(&self) -> String {
        let item = self.item.as_ref().map_or(
            serde_json::Value::Null,
            |item| serde_json::json!({ "kind": item.kind, "name": item.name }),
        );
        serde_json::json!({
            "schema": DIAGNOSTIC_SCHEMA,
            "severity": if self.is_error() { "error" } else { "warning" },
            "code": self.code.name(),
            "file": self.file,
            "line": self.mark.line,
            "column": self.mark.column,
            "item": item,
            "message": self.message,
        })
        .to_string()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = if self.is_error() { "error" } else { "warning" };
        write!(
            f,
            "{}:{}:{}: {severity} {}",
            self.file,
            self.mark.line,
            self.mark.column,
            self.code.name()
        )?;
        if let Some(item) = &self.item {
            write!(f, " ({} '{}')", item.kind, item.name)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Where something was defined: a file and a position in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Context {
    pub(crate) file: std::sync::Arc<str>,
    pub(crate) mark: Mark,
    pub(crate) item: Option<ItemRef>,
}

impl Context {
    pub(crate) fn diagnostic(&self, code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            file: self.file.to_string(),
            mark: self.mark,
            item: self.item.clone(),
            message: message.into(),
        }
    }

    pub(crate) fn at(&self, mark: Mark) -> Context {
        Context {
            mark,
            ..self.clone()
        }
    }
}
