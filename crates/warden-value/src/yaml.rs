//! YAML and JSON documents as [`Node`] trees that remember where each value came from.
//!
//! Scalars are resolved as Go's `yaml.v3` resolves them when decoding into
//! `interface{}` (so `0644` is the octal integer 420, `yes` is a string, timestamps
//! stay strings), and JSON numbers are floats as `encoding/json` makes them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::Value;

/// Which decoder's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// A 1-based line and column in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A syntax error, or a document shape the loader refuses (duplicate keys, bad aliases).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{mark}: {message}")]
pub struct LoadError {
    pub mark: Mark,
    pub message: String,
}

/// A value and the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub mark: Mark,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Node>),
    /// Entries in source order; keys are unique.
    Map(Vec<MapEntry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key: String,
    pub key_mark: Mark,
    pub value: Node,
}

impl Node {
    /// The value without positions.
    pub fn to_value(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::Int(*i),
            NodeKind::Float(x) => Value::Float(*x),
            NodeKind::String(s) => Value::String(s.clone()),
            NodeKind::List(items) => Value::List(items.iter().map(Node::to_value).collect()),
            NodeKind::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_value()))
                    .collect::<BTreeMap<_, _>>(),
            ),
        }
    }

    pub fn as_map(&self) -> Option<&[MapEntry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// What kind of value this is, for "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::String(_) => "a string",
            NodeKind::List(_) => "a list",
            NodeKind::Map(_) => "a map",
        }
    }
}

/// Collections nested deeper than this are refused: no real gossfile, policy or rule
/// file comes close, and every consumer walks these trees recursively.
pub const MAX_DEPTH: usize = 100;

/// Values an input may expand to through aliases before it is refused (a "billion
/// laughs" document would otherwise exhaust memory).
pub const MAX_NODES: usize = 1_000_000;

/// A parsed document and where it defines anchors (`&name`).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
    /// The position of every anchor definition, in source order.
    pub anchors: Vec<Mark>,
}

/// Parses the first document of `source`. An empty document is [`NodeKind::Null`].
pub fn parse(source: &str, format: Format) -> Result<Node, LoadError> {
    parse_document(source, format).map(|document| document.root)
}

/// [`parse`], also reporting where anchors are defined.
pub fn parse_document(source: &str, format: Format) -> Result<Document, LoadError> {
    let mut builder = Builder {
        format,
        anchors: HashMap::new(),
        anchor_marks: Vec::new(),
        stack: Vec::new(),
        root: None,
        nodes: 0,
    };
    let parser = Parser::new_from_str(source);
    for item in parser {
        let (event, span) = item.map_err(|e| LoadError {
            mark: Mark {
                line: e.marker().line(),
                column: e.marker().col() + 1,
            },
            message: e.info().to_owned(),
        })?;
        match event {
            Event::DocumentEnd => break,
            _ => builder.event(event, span)?,
        }
        if builder.root.is_some() && builder.stack.is_empty() {
            break;
        }
    }
    let root = builder.root.unwrap_or(Node {
        kind: NodeKind::Null,
        mark: Mark { line: 1, column: 1 },
    });
    Ok(Document {
        root,
        anchors: builder.anchor_marks,
    })
}

/// Parses every document of a stream (`---` separated), in order. Falco rule files may
/// hold several; anchors do not cross documents.
pub fn parse_all(source: &str, format: Format) -> Result<Vec<Node>, LoadError> {
    let mut documents = Vec::new();
    let mut builder = Builder::new(format);
    let mut start = Mark { line: 1, column: 1 };
    for item in Parser::new_from_str(source) {
        let (event, span) = item.map_err(|e| LoadError {
            mark: Mark {
                line: e.marker().line(),
                column: e.marker().col() + 1,
            },
            message: e.info().to_owned(),
        })?;
        match event {
            Event::DocumentStart(_) => {
                builder = Builder::new(format);
                start = mark_of(&span);
            }
            Event::DocumentEnd => documents.push(builder.root.take().unwrap_or(Node {
                kind: NodeKind::Null,
                mark: start,
            })),
            _ => builder.event(event, span)?,
        }
    }
    Ok(documents)
}

fn mark_of(span: &Span) -> Mark {
    Mark {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

/// How much a node weighs against the limits: values in it, and nesting levels.
#[derive(Debug, Clone, Copy, Default)]
struct Extent {
    nodes: usize,
    height: usize,
}

impl Extent {
    const SCALAR: Extent = Extent {
        nodes: 1,
        height: 0,
    };

    fn include(&mut self, child: Extent) {
        self.nodes = self.nodes.saturating_add(child.nodes);
        self.height = self.height.max(child.height + 1);
    }
}

enum Frame {
    List {
        mark: Mark,
        anchor: usize,
        items: Vec<Node>,
        extent: Extent,
    },
    Map {
        mark: Mark,
        anchor: usize,
        entries: Vec<MapEntry>,
        /// Entries brought in by `<<` merge keys; explicit keys win over them.
        merged: Vec<MapEntry>,
        pending_key: Option<(Node, bool)>,
        extent: Extent,
    },
}

struct Builder {
    format: Format,
    anchors: HashMap<usize, (Node, Extent)>,
    anchor_marks: Vec<Mark>,
    stack: Vec<Frame>,
    root: Option<Node>,
    /// Values produced so far, aliases counted at their full size.
    nodes: usize,
}

impl Builder {
    fn new(format: Format) -> Builder {
        Builder {
            format,
            anchors: HashMap::new(),
            anchor_marks: Vec::new(),
            stack: Vec::new(),
            root: None,
            nodes: 0,
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), LoadError> {
        let mark = mark_of(&span);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag_suffix = tag.as_ref().map(|t| t.suffix.clone());
                let is_merge_key = style == ScalarStyle::Plain && text == "<<";
                let node = Node {
                    kind: self.resolve(&text, style, tag_suffix.as_deref(), mark)?,
                    mark,
                };
                self.remember(anchor, &node, Extent::SCALAR, mark);
                self.push(node, Extent::SCALAR, is_merge_key)
            }
            Event::Alias(id) => {
                let (node, extent) = self.anchors.get(&id).cloned().ok_or_else(|| LoadError {
                    mark,
                    message: "unknown anchor referenced by alias".to_owned(),
                })?;
                self.push(Node { mark, ..node }, extent, false)
            }
            Event::SequenceStart(anchor, _) => {
                self.open(mark)?;
                self.stack.push(Frame::List {
                    mark,
                    anchor,
                    items: Vec::new(),
                    extent: Extent::SCALAR,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.open(mark)?;
                self.stack.push(Frame::Map {
                    mark,
                    anchor,
                    entries: Vec::new(),
                    merged: Vec::new(),
                    pending_key: None,
                    extent: Extent::SCALAR,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, extent) = match self.stack.pop() {
                    Some(Frame::List {
                        mark,
                        anchor,
                        items,
                        extent,
                    }) => (
                        Node {
                            kind: NodeKind::List(items),
                            mark,
                        },
                        anchor,
                        extent,
                    ),
                    Some(Frame::Map {
                        mark,
                        anchor,
                        mut entries,
                        merged,
                        extent,
                        ..
                    }) => {
                        for entry in merged {
                            if !entries.iter().any(|e| e.key == entry.key) {
                                entries.push(entry);
                            }
                        }
                        (
                            Node {
                                kind: NodeKind::Map(entries),
                                mark,
                            },
                            anchor,
                            extent,
                        )
                    }
                    None => {
                        return Err(LoadError {
                            mark,
                            message: "unbalanced collection end".to_owned(),
                        });
                    }
                };
                self.remember(anchor, &node, extent, node.mark);
                self.push(node, extent, false)
            }
            _ => Ok(()),
        }
    }

    fn open(&self, mark: Mark) -> Result<(), LoadError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(LoadError {
                mark,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node, extent: Extent, mark: Mark) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), extent));
            self.anchor_marks.push(mark);
        }
    }

    fn push(&mut self, node: Node, extent: Extent, is_merge_key: bool) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(extent.nodes);
        if self.nodes > MAX_NODES {
            return Err(LoadError {
                mark: node.mark,
                message: format!("the document expands to more than {MAX_NODES} values"),
            });
        }
        if self.stack.len() + extent.height > MAX_DEPTH {
            return Err(LoadError {
                mark: node.mark,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
            });
        }
        let format = self.format;
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::List {
                items,
                extent: parent,
                ..
            }) => {
                parent.include(extent);
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                merged,
                pending_key,
                extent: parent,
                ..
            }) => {
                parent.include(extent);
                match pending_key.take() {
                    None => {
                        *pending_key = Some((node, is_merge_key));
                        Ok(())
                    }
                    Some((key, true)) => merge_into(merged, node, key.mark),
                    Some((key, false)) => {
                        let key_text = key_string(&key)?;
                        if let Some(existing) = entries.iter_mut().find(|e| e.key == key_text) {
                            if format == Format::Json {
                                // encoding/json keeps the last value of a repeated key.
                                existing.value = node;
                                return Ok(());
                            }
                            return Err(LoadError {
                                mark: key.mark,
                                message: format!(
                                    "mapping key {key_text:?} already defined at line {}",
                                    existing.key_mark.line
                                ),
                            });
                        }
                        entries.push(MapEntry {
                            key: key_text,
                            key_mark: key.mark,
                            value: node,
                        });
                        Ok(())
                    }
                }
            }
        }
    }

    fn resolve(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&str>,
        mark: Mark,
    ) -> Result<NodeKind, LoadError> {
        let invalid = |what: &str| LoadError {
            mark,
            message: format!("cannot decode {text:?} as {what}"),
        };
        match tag {
            Some("str") => return Ok(NodeKind::String(text.to_owned())),
            Some("int") => {
                return parse_int(text)
                    .map(NodeKind::Int)
                    .ok_or_else(|| invalid("!!int"));
            }
            Some("float") => {
                return parse_float(text)
                    .map(NodeKind::Float)
                    .ok_or_else(|| invalid("!!float"));
            }
            Some("bool") => {
                return parse_bool(text)
                    .map(NodeKind::Bool)
                    .ok_or_else(|| invalid("!!bool"));
            }
            Some("null") => return Ok(NodeKind::Null),
            _ => {}
        }
        if style != ScalarStyle::Plain {
            return Ok(NodeKind::String(text.to_owned()));
        }
        Ok(resolve_plain(text, self.format))
    }
}

fn merge_into(merged: &mut Vec<MapEntry>, source: Node, mark: Mark) -> Result<(), LoadError> {
    let maps = match source.kind {
        NodeKind::Map(m) => vec![m],
        NodeKind::List(items) => items
            .into_iter()
            .map(|n| match n.kind {
                NodeKind::Map(m) => Ok(m),
                _ => Err(LoadError {
                    mark: n.mark,
                    message: "map merge requires maps".to_owned(),
                }),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(LoadError {
                mark,
                message: "map merge requires a map or a list of maps".to_owned(),
            });
        }
    };
    // The first map listed wins over later ones.
    for map in maps {
        for entry in map {
            if !merged.iter().any(|e| e.key == entry.key) {
                merged.push(entry);
            }
        }
    }
    Ok(())
}

fn key_string(key: &Node) -> Result<String, LoadError> {
    match &key.kind {
        NodeKind::String(s) => Ok(s.clone()),
        NodeKind::Null => Ok(String::new()),
        NodeKind::List(_) | NodeKind::Map(_) => Err(LoadError {
            mark: key.mark,
            message: "a map key must be a scalar".to_owned(),
        }),
        _ => Ok(key.to_value().to_string()),
    }
}

pub(crate) fn resolve_plain(text: &str, format: Format) -> NodeKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        _ => {}
    }
    if let Some(b) = parse_bool(text) {
        return NodeKind::Bool(b);
    }
    if format == Format::Json {
        return match text.parse::<f64>() {
            Ok(x) => NodeKind::Float(x),
            Err(_) => NodeKind::String(text.to_owned()),
        };
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Some(i) = parse_int(text) {
            return NodeKind::Int(i);
        }
        if let Some(x) = parse_float(text) {
            return NodeKind::Float(x);
        }
    }
    NodeKind::String(text.to_owned())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `strconv.ParseInt(s, 0, 64)` after removing underscores, as yaml.v3 does: `0x`, `0o`,
/// `0b` prefixes and YAML 1.1 octals spelled with a leading zero.
fn parse_int(text: &str) -> Option<i64> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, digits) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let (radix, body) = if let Some(rest) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, rest)
    } else if let Some(rest) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        (8, rest)
    } else if let Some(rest) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        (2, rest)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    // yaml.v3's float pattern: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let body = plain.strip_prefix(['-', '+']).unwrap_or(&plain);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    if mantissa_ok && exponent_ok {
        plain.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(src: &str) -> Value {
        parse(src, Format::Yaml).unwrap().to_value()
    }

    #[test]
    fn scalars_resolve_like_yaml_v3() {
        assert_eq!(value("0644"), Value::Int(0o644));
        assert_eq!(value("'0644'"), Value::String("0644".into()));
        assert_eq!(value("0x1F"), Value::Int(31));
        assert_eq!(value("1_000"), Value::Int(1000));
        assert_eq!(value("-12"), Value::Int(-12));
        assert_eq!(value("1.5"), Value::Float(1.5));
        assert_eq!(value("1e3"), Value::Float(1000.0));
        assert_eq!(value("yes"), Value::String("yes".into()));
        assert_eq!(value("True"), Value::Bool(true));
        assert_eq!(value("~"), Value::Null);
        assert_eq!(value("2001-12-14"), Value::String("2001-12-14".into()));
        assert_eq!(value("1.2.3"), Value::String("1.2.3".into()));
        assert_eq!(value("!!str 12"), Value::String("12".into()));
        assert_eq!(value(""), Value::Null);
    }

    #[test]
    fn positions_are_one_based() {
        let node = parse("a:\n  b: 1\n", Format::Yaml).unwrap();
        let b = node.get("a").unwrap().as_map().unwrap();
        assert_eq!(b[0].key_mark, Mark { line: 2, column: 3 });
        assert_eq!(b[0].value.mark, Mark { line: 2, column: 6 });
    }

    #[test]
    fn duplicate_keys_are_rejected_with_both_lines() {
        let err = parse("a: 1\nb: 2\na: 3\n", Format::Yaml).unwrap_err();
        assert_eq!(err.mark.line, 3);
        assert!(err.message.contains("already defined at line 1"), "{err}");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n", Format::Yaml).unwrap_err();
        assert!(err.mark.line >= 1);
        assert!(!err.message.is_empty());
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let v = value("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n");
        let derived = v.as_map().unwrap()["derived"].as_map().unwrap();
        assert_eq!(derived["x"], Value::Int(1));
        assert_eq!(derived["y"], Value::Int(3));
    }

    #[test]
    fn json_numbers_are_floats_and_duplicates_keep_last() {
        let v = parse(r#"{"a": 1, "a": 2.5, "b": "0644"}"#, Format::Json)
            .unwrap()
            .to_value();
        assert_eq!(v.as_map().unwrap()["a"], Value::Float(2.5));
        assert_eq!(v.as_map().unwrap()["b"], Value::String("0644".into()));
    }

    #[test]
    fn deep_nesting_is_refused_with_a_position() {
        let deep = format!("a:\n  {}1\n", "- ".repeat(5000));
        let err = parse(&deep, Format::Yaml).unwrap_err();
        assert!(
            err.message.contains("nesting deeper than 100 levels"),
            "{err}"
        );
        assert_eq!(err.mark.line, 2);
        let flow = format!("{}1{}", "[".repeat(150), "]".repeat(150));
        assert!(parse(&flow, Format::Yaml).is_err());
        let ok = format!("{}1{}", "[".repeat(90), "]".repeat(90));
        assert!(parse(&ok, Format::Yaml).is_ok());
    }

    #[test]
    fn aliases_cannot_nest_past_the_limit() {
        let inner = format!("{}x{}", "[".repeat(60), "]".repeat(60));
        let doc = format!("a: &a {inner}\nb: {}*a{}\n", "[".repeat(60), "]".repeat(60));
        assert!(
            parse(&doc, Format::Yaml)
                .unwrap_err()
                .message
                .contains("nesting")
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            doc.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        let err = parse(&doc, Format::Yaml).unwrap_err();
        assert!(err.message.contains("expands to more than"), "{err}");
    }

    #[test]
    fn anchor_definitions_are_reported_in_order() {
        let doc = parse_document(
            "defaults: &d {exists: true}\nfile:\n  /x: *d\n  /y: &y {exists: false}\n",
            Format::Yaml,
        )
        .unwrap();
        let lines: Vec<usize> = doc.anchors.iter().map(|m| m.line).collect();
        assert_eq!(lines, [1, 4]);
    }

    #[test]
    fn only_the_first_document_is_read() {
        assert_eq!(value("---\na: 1\n---\nb: 2\n").as_map().unwrap().len(), 1);
    }
}
