//! Output templates (`%field`, `%field[arg]`, `%tolower(field)`) and alerts in Falco's
//! JSON shape.

use serde_json::{Map, Value as Json};
use warden_events::Event;

use crate::check::{self, Operand, Rendered, Transformer};
use crate::fields::{self, FieldError, Host};
use crate::loader::Priority;
use crate::text::{StackBuf, TimeStyle, write_time};

/// The fields the container plugin suggests, which Falco appends to every alert of the
/// `syscall` source (`suggested_output: true`, the default since 0.41).
const SUGGESTED: &str = "container_id=%container.id container_name=%container.name \
container_image_repository=%container.image.repository container_image_tag=%container.image.tag \
k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name";

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Field { key: String, operand: Operand },
}

/// A compiled output template.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Compiles `format` with the suggested container fields appended.
    pub(crate) fn compile(format: &str) -> Result<Template, FieldError> {
        let mut template = Template::parse(format)?;
        template.parts.push(Part::Literal(" ".to_owned()));
        template.parts.extend(Template::parse(SUGGESTED)?.parts);
        Ok(template)
    }

    pub(crate) fn parse(format: &str) -> Result<Template, FieldError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = format;
        while let Some(i) = rest.find('%') {
            literal.push_str(&rest[..i]);
            rest = &rest[i + 1..];
            match parse_token(rest)? {
                Some((key, operand, used)) => {
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Field { key, operand });
                    rest = &rest[used..];
                }
                None => literal.push('%'),
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    /// The rendered message and the typed value of every field it names.
    pub(crate) fn render(&self, ev: &Event, host: Host<'_>) -> (String, Map<String, Json>) {
        let mut text = String::new();
        let mut values = Map::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => text.push_str(s),
                Part::Field { key, operand } => {
                    let rendered = check::render(operand, ev, host);
                    // `evt.time` is a clock in text and a number in JSON; other times
                    // are numbers in both, as libsinsp prints them (`PF_DEC`).
                    let clock = matches!(operand,
                        Operand::Field(f) if f.id == fields::Id::EvtTime(TimeStyle::Clock));
                    match &rendered {
                        Rendered::Missing => text.push_str("<NA>"),
                        Rendered::Text(s) => text.push_str(s),
                        Rendered::Num(n) if clock => {
                            text.push_str(&time_text(
                                u64::try_from(*n).unwrap_or(0),
                                TimeStyle::Clock,
                            ));
                        }
                        Rendered::Num(n) => text.push_str(&n.to_string()),
                    }
                    values.insert(key.clone(), json_of(rendered));
                }
            }
        }
        (text, values)
    }

    pub(crate) fn operands(&self) -> impl Iterator<Item = &Operand> {
        self.parts.iter().filter_map(|p| match p {
            Part::Field { operand, .. } => Some(operand),
            Part::Literal(_) => None,
        })
    }
}

fn json_of(rendered: Rendered) -> Json {
    match rendered {
        Rendered::Missing => Json::Null,
        Rendered::Text(s) => Json::String(s),
        Rendered::Num(n) => match i64::try_from(n) {
            Ok(i) => Json::from(i),
            Err(_) => u64::try_from(n).map_or(Json::Null, Json::from),
        },
    }
}

fn is_field_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

/// One `%` token: its key, operand and length; `None` when `%` starts no token.
fn parse_token(rest: &str) -> Result<Option<(String, Operand, usize)>, FieldError> {
    for (name, transformer) in [
        ("tolower(", Transformer::Lower),
        ("toupper(", Transformer::Upper),
        ("b64(", Transformer::B64),
        ("basename(", Transformer::Basename),
        ("len(", Transformer::Len),
    ] {
        if let Some(inner) = rest.strip_prefix(name) {
            let Some(close) = inner.find(')') else {
                return Err(FieldError::BadArgument(format!(
                    "invalid formatting token %{rest}: missing ')'"
                )));
            };
            let Some((_, operand, used)) = parse_token(&inner[..close])? else {
                return Err(FieldError::BadArgument(format!(
                    "invalid formatting token %{rest}"
                )));
            };
            if used != close {
                return Err(FieldError::BadArgument(format!(
                    "invalid formatting token %{rest}"
                )));
            }
            let key = format!("{}{})", name, &inner[..close]);
            return Ok(Some((
                key,
                Operand::Transform(transformer, Box::new(operand)),
                name.len() + close + 1,
            )));
        }
    }
    let mut len = rest.bytes().take_while(|&c| is_field_char(c)).count();
    while len > 0 && rest.as_bytes()[len - 1] == b'.' {
        len -= 1;
    }
    if len == 0 || !rest.as_bytes()[0].is_ascii_alphabetic() {
        return Ok(None);
    }
    if rest.as_bytes().get(len) == Some(&b'[') {
        let Some(close) = rest[len..].find(']') else {
            return Err(FieldError::BadArgument(format!(
                "invalid formatting token %{rest}: missing ']'"
            )));
        };
        let arg = &rest[len + 1..len + close];
        let field = fields::lookup(&rest[..len], Some(arg))?;
        return Ok(Some((
            field.display.to_string(),
            Operand::Field(field),
            len + close + 1,
        )));
    }
    // The longest prefix ending at a dot boundary that names a field wins.
    let mut end = len;
    loop {
        match fields::lookup(&rest[..end], None) {
            Ok(field) => {
                return Ok(Some((
                    field.display.to_string(),
                    Operand::Field(field),
                    end,
                )));
            }
            Err(err) => match rest[..end].rfind('.') {
                Some(dot) if rest[..dot].contains('.') => end = dot,
                _ => return Err(err),
            },
        }
    }
}

/// One alert, in Falco's JSON shape (keys sorted, as Falco's JSON library writes them).
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub time: String,
    pub rule: String,
    pub priority: Priority,
    pub source: String,
    pub hostname: String,
    /// `<evt.time>: <Priority> <rendered output>`.
    pub output: String,
    pub output_fields: Map<String, Json>,
    pub tags: Vec<String>,
}

impl Alert {
    pub fn to_json(&self) -> Json {
        let mut map = Map::new();
        map.insert("hostname".into(), Json::String(self.hostname.clone()));
        map.insert("output".into(), Json::String(self.output.clone()));
        map.insert(
            "output_fields".into(),
            Json::Object(self.output_fields.clone()),
        );
        map.insert(
            "priority".into(),
            Json::String(self.priority.name().to_owned()),
        );
        map.insert("rule".into(), Json::String(self.rule.clone()));
        map.insert("source".into(), Json::String(self.source.clone()));
        map.insert("tags".into(), Json::from(self.tags.clone()));
        map.insert("time".into(), Json::String(self.time.clone()));
        Json::Object(map)
    }

    /// One JSON line (no newline).
    pub fn to_json_line(&self) -> String {
        self.to_json().to_string()
    }
}

pub(crate) fn time_text(ns: u64, style: TimeStyle) -> String {
    let mut buf = StackBuf::<48>::new();
    let _ = write_time(&mut buf, ns, style);
    String::from_utf8_lossy(buf.as_bytes()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_take_the_longest_field() {
        let t = Template::parse(
            "a %proc.name, %proc.aname[2]: %evt.arg.flags. %tolower(proc.name) 100%",
        )
        .unwrap();
        let keys: Vec<String> = t
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Field { key, .. } => Some(key.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            keys,
            [
                "proc.name",
                "proc.aname[2]",
                "evt.arg.flags",
                "tolower(proc.name)"
            ]
        );
        assert!(matches!(
            Template::parse("%proc.nosuch"),
            Err(FieldError::Unknown(_))
        ));
        assert!(Template::parse("%proc.aname[x]").is_err());
    }
}
