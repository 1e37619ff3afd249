//! Go `text/template` rendering with goss's function set.
//!
//! Goss renders every gossfile with Go's `text/template` (option
//! `missingkey=error`), all Sprig functions and a few goss functions before it
//! parses the YAML. Warden accepts gossfiles unchanged, so this crate implements
//! that language faithfully: Go's lexer and parser, Go's execution rules, Go's
//! `fmt` printing and Go's error messages, with every error carrying a line and a
//! column.
//!
//! The crate is pure: environment variables, files, the clock and name resolution
//! come through [`Host`] (only the read-only IANA zone database is read directly,
//! as Go's `time` package reads it). It is also hardened for untrusted input: no
//! input makes it panic, recurse without bound or run without end; [`Limits`]
//! caps output, work and nesting, and expensive functions (key generation,
//! password hashing, lookups) charge their cost against the step budget.

mod ast;
mod exec;
mod fmt;
mod funcs;
mod gotime;
mod gourl;
mod json;
mod lexer;
mod parser;
mod text;
mod value;

use std::collections::HashMap;

use warden_value::Value;

/// What templates may read from the outside world. goss's `getEnv`, Sprig's `env`
/// and `expandenv` read the environment (`TZ` also picks Go's `time.Local`);
/// goss's `readFile` reads files; Sprig's date functions read the clock and
/// `getHostByName` resolves names.
pub trait Host {
    fn env(&self, key: &str) -> Option<String>;
    fn env_vars(&self) -> Vec<(String, String)>;
    fn read_file(&self, path: &str) -> std::io::Result<String>;

    /// The wall clock `now` (and everything relative to now) reads.
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    /// The addresses `name` resolves to, as text (Go's `net.LookupHost`).
    fn lookup_host(&self, name: &str) -> std::io::Result<Vec<String>> {
        use std::net::ToSocketAddrs;
        let mut addrs: Vec<String> = Vec::new();
        for addr in (name, 0).to_socket_addrs()? {
            let ip = addr.ip().to_string();
            if !addrs.contains(&ip) {
                addrs.push(ip);
            }
        }
        Ok(addrs)
    }
}

/// A host with no environment, no files and no name resolution (the clock is the
/// real one), for callers (and fuzzers) that give templates nothing to read.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullHost;

impl Host for NullHost {
    fn env(&self, _key: &str) -> Option<String> {
        None
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    fn read_file(&self, path: &str) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("open {path}: no such file or directory"),
        ))
    }

    /// Resolves nothing: a host with no outside world has no network either.
    fn lookup_host(&self, name: &str) -> std::io::Result<Vec<String>> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("lookup {name}: no such host"),
        ))
    }
}

/// Caps that keep rendering bounded on any input. Go has none of these (beyond a
/// template depth of 100000); a real gossfile stays far below each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of rendered output, and of any single string a function builds.
    pub max_output_bytes: usize,
    /// Elements in a list a function builds (`until`, `untilStep`, `seq`).
    pub max_list_len: usize,
    /// Nodes executed plus loop iterations plus function calls.
    pub max_steps: u64,
    /// Nested `{{template}}` calls.
    pub max_template_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output_bytes: 64 << 20,
            max_list_len: 1 << 20,
            max_steps: 10_000_000,
            max_template_depth: 64,
        }
    }
}

/// Whether an error came from parsing or from executing the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    Parse,
    /// `template` is the (possibly `define`d) template that was executing and
    /// `context` the node being evaluated, as Go prints them.
    Exec {
        template: String,
        context: String,
    },
}

/// A parse or execution error. `line` is 1-based; `column` is the byte offset
/// within the line, counted from 0 as Go's `template: NAME:LINE:COL:` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub kind: ErrorKind,
}

impl std::fmt::Display for TemplateError {
    /// Go's text: `template: NAME:LINE: msg` for parse errors and
    /// `template: NAME:LINE:COL: executing "T" at <node>: msg` for execution errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            ErrorKind::Parse => {
                write!(f, "template: {}:{}: {}", self.name, self.line, self.message)
            }
            ErrorKind::Exec { template, context } => write!(
                f,
                "template: {}:{}:{}: executing {} at <{}>: {}",
                self.name,
                self.line,
                self.column,
                text::go_quote(template, false),
                context,
                self.message
            ),
        }
    }
}

impl std::error::Error for TemplateError {}

impl TemplateError {
    fn at(name: &str, source: &str, pos: usize, message: String, kind: ErrorKind) -> Self {
        let before = source.as_bytes().get(..pos).unwrap_or(source.as_bytes());
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let column = match before.iter().rposition(|&b| b == b'\n') {
            Some(newline) => pos - (newline + 1),
            None => pos,
        };
        TemplateError {
            name: name.to_owned(),
            line,
            column,
            message,
            kind,
        }
    }
}

/// Renders `source` as goss does: Go `text/template` with `missingkey=error`, Sprig
/// and goss functions, and `data` as dot (goss passes `{"Vars": …, "Env": …}`).
///
/// A top-level `Env` map of strings is typed `map[string]string`, as goss's is,
/// so `index .Env "UNSET"` gives `""`.
pub fn render(
    name: &str,
    source: &str,
    data: &Value,
    host: &dyn Host,
) -> Result<String, TemplateError> {
    render_with_limits(name, source, data, host, &Limits::default())
}

/// [`render`] with explicit [`Limits`].
pub fn render_with_limits(
    name: &str,
    source: &str,
    data: &Value,
    host: &dyn Host,
    limits: &Limits,
) -> Result<String, TemplateError> {
    let trees: HashMap<String, ast::List> = parser::parse(name, source, &funcs::exists)
        .map_err(|e| TemplateError::at(name, source, e.pos, e.message, ErrorKind::Parse))?;
    exec::execute(name, &trees, &value::Val::from_data(data), host, limits).map_err(|e| {
        TemplateError::at(
            name,
            source,
            e.pos,
            e.message,
            ErrorKind::Exec {
                template: e.template,
                context: e.context,
            },
        )
    })
}

/// Entry point for fuzzers: renders arbitrary bytes (lossily decoded) with data
/// that has `Vars` and `Env`, no host access and small limits. Never panics.
pub fn fuzz_render(bytes: &[u8]) -> Result<String, TemplateError> {
    let source = String::from_utf8_lossy(bytes);
    let data = Value::Map(
        [
            (
                "Vars".to_owned(),
                Value::Map([("x".to_owned(), Value::from("y"))].into_iter().collect()),
            ),
            (
                "Env".to_owned(),
                Value::Map(
                    [("OS".to_owned(), Value::from("bullseye"))]
                        .into_iter()
                        .collect(),
                ),
            ),
        ]
        .into_iter()
        .collect(),
    );
    let limits = Limits {
        max_output_bytes: 1 << 20,
        max_list_len: 1 << 16,
        max_steps: 200_000,
        max_template_depth: 16,
    };
    render_with_limits("fuzz", &source, &data, &NullHost, &limits)
}
