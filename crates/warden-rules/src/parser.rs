//! Falco's condition grammar (libsinsp `filter/parser.cpp`), token for token: the same
//! prefix-matched operators, bare and quoted strings, escapes and error messages.

use std::fmt;

/// A position inside a condition string (1-based line and column, 0-based byte index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub idx: usize,
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub(crate) const START: Pos = Pos {
        idx: 0,
        line: 1,
        col: 1,
    };
}

/// A condition that does not parse, and where the parser stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) message: String,
    pub(crate) pos: Pos,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at line {}, column {} of the condition)",
            self.message, self.pos.line, self.pos.col
        )
    }
}

/// The parsed form of a condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ast {
    And(Vec<Ast>),
    Or(Vec<Ast>),
    Not(Box<Ast>),
    /// A bare identifier: a macro reference.
    Identifier(String, Pos),
    Unary {
        lhs: Operand,
        op: String,
        pos: Pos,
    },
    Binary {
        lhs: Operand,
        op: String,
        modifier: Option<Modifier>,
        rhs: Rhs,
        pos: Pos,
    },
}

/// A field, possibly inside transformers (`tolower(proc.name)`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Field {
        name: String,
        arg: Option<String>,
        pos: Pos,
    },
    Transform {
        name: String,
        inner: Box<Operand>,
        pos: Pos,
    },
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field { name, arg, .. } => match arg {
                Some(arg) => write!(f, "{name}[{arg}]"),
                None => f.write_str(name),
            },
            Operand::Transform { name, inner, .. } => write!(f, "{name}({inner})"),
        }
    }
}

/// `oneof` / `anyof` / `allof` after a string operator (Falco 0.44).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Modifier {
    One,
    Any,
    All,
}

/// The right-hand side of a binary check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rhs {
    Value(String, Pos),
    List(Vec<String>, Pos),
    /// `val(field)` or a transformed field: compare against another field.
    Operand(Operand),
}

const NUM_OPS: &[&str] = &["<=", "<", ">=", ">"];
/// Word operators need a blank after them; `==`, `=`, `!=` do not.
const STR_OPS: &[&str] = &[
    "==",
    "=",
    "!=",
    "glob",
    "iglob",
    "contains",
    "icontains",
    "bcontains",
    "startswith",
    "bstartswith",
    "endswith",
    "regex",
];
const LIST_OPS: &[&str] = &["intersects", "in", "pmatch"];
const TRANSFORMERS: &[&str] = &["tolower(", "toupper(", "b64(", "basename(", "len("];

/// The parser's recursion limit. Falco allows 1000; a parenthesis costs five levels, so
/// this still admits 80 nested parentheses, and keeps the recursive descent inside a
/// 2 MiB thread stack even unoptimised.
const MAX_DEPTH: usize = 400;

/// Every operator the language has, for error messages and exception validation.
pub(crate) fn supported_operators() -> impl Iterator<Item = &'static str> {
    ["exists"]
        .into_iter()
        .chain(NUM_OPS.iter().copied())
        .chain(STR_OPS.iter().copied())
        .chain(LIST_OPS.iter().copied())
}

pub(crate) fn is_list_operator(op: &str) -> bool {
    LIST_OPS.contains(&op)
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x08 | b'\r' | b'\n')
}

/// Parses a whole condition.
pub(crate) fn parse(input: &str) -> Result<Ast, ParseError> {
    let mut parser = Parser {
        input: input.as_bytes(),
        pos: Pos::START,
        depth: 0,
        last_token: String::new(),
    };
    if input.is_empty() {
        return Err(parser.error("filter input string is empty"));
    }
    let ast = parser.parse_or()?;
    if parser.pos.idx != input.len() {
        let message = format!(
            "unexpected token after '{}', expecting 'or', 'and'",
            parser.last_token
        );
        return Err(parser.error(message));
    }
    Ok(ast)
}

struct Parser<'a> {
    input: &'a [u8],
    pos: Pos,
    depth: usize,
    last_token: String,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            pos: self.pos,
        }
    }

    fn rest(&self) -> &[u8] {
        self.input.get(self.pos.idx..).unwrap_or_default()
    }

    fn advance(&mut self, n: usize) {
        for _ in 0..n {
            let Some(&c) = self.input.get(self.pos.idx) else {
                return;
            };
            self.pos.col += 1;
            if c == b'\r' || c == b'\n' {
                self.pos.col = 1;
                self.pos.line += 1;
            }
            self.pos.idx += 1;
        }
    }

    fn take(&mut self, n: usize) {
        let end = (self.pos.idx + n).min(self.input.len());
        self.last_token = String::from_utf8_lossy(&self.input[self.pos.idx..end]).into_owned();
        self.advance(n);
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!("exceeded max depth limit of {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn blank(&mut self) -> bool {
        let n = self.rest().iter().take_while(|&&b| is_blank(b)).count();
        self.advance(n);
        n > 0
    }

    fn literal(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s.as_bytes()) {
            self.take(s.len());
            true
        } else {
            false
        }
    }

    /// A word operator: the word followed by a blank (which is left for `blank`).
    fn word(&mut self, s: &str) -> bool {
        let rest = self.rest();
        let alpha = s.bytes().all(|b| b.is_ascii_alphabetic());
        if rest.starts_with(s.as_bytes())
            && (!alpha || rest.get(s.len()).is_some_and(|&b| is_blank(b)))
        {
            self.take(s.len());
            true
        } else {
            false
        }
    }

    fn lex_not_blank(&mut self) -> bool {
        let rest = self.rest();
        if rest.starts_with(b"not") && rest.get(3).is_some_and(|&b| is_blank(b)) {
            let blanks = rest[3..].iter().take_while(|&&b| is_blank(b)).count();
            self.take(3 + blanks);
            true
        } else {
            false
        }
    }

    fn identifier_len(rest: &[u8]) -> usize {
        let letters = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        if letters == 0 {
            return 0;
        }
        letters
            + rest[letters..]
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
                .count()
    }

    fn lex_identifier(&mut self) -> bool {
        let n = Self::identifier_len(self.rest());
        if n > 0 {
            self.take(n);
        }
        n > 0
    }

    /// `[a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+`
    fn lex_field_name(&mut self) -> bool {
        let rest = self.rest();
        let mut n = Self::identifier_len(rest);
        if n == 0 {
            return false;
        }
        let mut parts = 0;
        while rest.get(n) == Some(&b'.') {
            let part = Self::identifier_len(&rest[n + 1..]);
            if part == 0 {
                break;
            }
            n += 1 + part;
            parts += 1;
        }
        if parts == 0 {
            return false;
        }
        self.take(n);
        true
    }

    fn lex_regex_like(&mut self, accept: impl Fn(u8) -> bool) -> bool {
        let n = self.rest().iter().take_while(|&&b| accept(b)).count();
        if n > 0 {
            self.take(n);
        }
        n > 0
    }

    fn lex_bare_str(&mut self) -> bool {
        self.lex_regex_like(|b| {
            !is_blank(b) && !matches!(b, b'(' | b')' | b',' | b'=' | b'"' | b'\'')
        })
    }

    fn lex_field_arg_bare_str(&mut self) -> bool {
        self.lex_regex_like(|b| !is_blank(b) && !matches!(b, b'[' | b']' | b'"' | b'\''))
    }

    fn lex_number(&mut self) -> bool {
        let rest = self.rest();
        if rest.len() > 2 && rest[0] == b'0' && matches!(rest[1], b'x' | b'X') {
            let digits = rest[2..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if digits > 0 {
                self.take(2 + digits);
                return true;
            }
        }
        let mut n = usize::from(matches!(rest.first(), Some(b'+' | b'-')));
        let digits = rest[n..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        n += digits;
        if rest.get(n) == Some(&b'.') {
            n += 1;
        }
        n += rest[n..].iter().take_while(|b| b.is_ascii_digit()).count();
        if matches!(rest.get(n), Some(b'e' | b'E'))
            && matches!(rest.get(n + 1), Some(b'+' | b'-'))
            && rest.get(n + 2).is_some_and(u8::is_ascii_digit)
        {
            n += 2;
            n += rest[n..].iter().take_while(|b| b.is_ascii_digit()).count();
        }
        self.take(n);
        true
    }

    /// A quoted string, unescaped as libsinsp's `unescape_str` does. A quote preceded
    /// by a backslash never closes the string (even after `\\`), exactly as Falco scans.
    fn lex_quoted_str(&mut self) -> Result<bool, ParseError> {
        let rest = self.rest();
        let Some(&delimiter) = rest.first().filter(|&&b| b == b'"' || b == b'\'') else {
            return Ok(false);
        };
        let mut prev = b'\\';
        for (i, &c) in rest.iter().enumerate() {
            if i > 0 && c == delimiter && prev != b'\\' {
                let unescaped = unescape(&rest[1..i], delimiter);
                let start = self.pos;
                self.advance(i + 1);
                self.last_token = unescaped.map_err(|message| ParseError {
                    message,
                    pos: start,
                })?;
                return Ok(true);
            }
            prev = c;
        }
        Ok(false)
    }

    fn parse_or(&mut self) -> Result<Ast, ParseError> {
        self.enter()?;
        self.blank();
        let mut children = vec![self.parse_and()?];
        self.blank();
        while self.literal("or") {
            let child = if self.blank() {
                self.parse_and()?
            } else if self.literal("(") {
                self.parse_embedded_remainder()?
            } else {
                return Err(self.error("expected blank or '(' after 'or'"));
            };
            children.push(child);
            self.blank();
        }
        self.leave();
        Ok(if children.len() == 1 {
            children.remove(0)
        } else {
            Ast::Or(children)
        })
    }

    fn parse_and(&mut self) -> Result<Ast, ParseError> {
        self.enter()?;
        self.blank();
        let mut children = vec![self.parse_not()?];
        self.blank();
        while self.literal("and") {
            let child = if self.blank() {
                self.parse_not()?
            } else if self.literal("(") {
                self.parse_embedded_remainder()?
            } else {
                return Err(self.error("expected blank or '(' after 'and'"));
            };
            children.push(child);
            self.blank();
        }
        self.leave();
        Ok(if children.len() == 1 {
            children.remove(0)
        } else {
            Ast::And(children)
        })
    }

    fn parse_not(&mut self) -> Result<Ast, ParseError> {
        self.enter()?;
        self.blank();
        let mut negate = false;
        while self.lex_not_blank() {
            negate = !negate;
        }
        let child = if self.literal("not(") {
            negate = !negate;
            self.parse_embedded_remainder()?
        } else {
            self.parse_check()?
        };
        self.leave();
        Ok(if negate {
            Ast::Not(Box::new(child))
        } else {
            child
        })
    }

    fn parse_embedded_remainder(&mut self) -> Result<Ast, ParseError> {
        self.enter()?;
        self.blank();
        let child = self.parse_or()?;
        self.blank();
        if !self.literal(")") {
            return Err(self.error("expected a ')' token"));
        }
        self.leave();
        Ok(child)
    }

    fn parse_check(&mut self) -> Result<Ast, ParseError> {
        self.enter()?;
        self.blank();
        let pos = self.pos;
        if self.literal("(") {
            let child = self.parse_embedded_remainder()?;
            self.leave();
            return Ok(child);
        }
        let lhs = if self.lex_field_name() {
            let name = self.last_token.clone();
            self.parse_field_remainder(name, pos)?
        } else if let Some(transformer) = self.lex_transformer() {
            self.blank();
            self.parse_transformer_remainder(transformer, pos)?
        } else if self.lex_identifier() {
            self.leave();
            return Ok(Ast::Identifier(self.last_token.clone(), pos));
        } else {
            return Err(self.error("expected a '(' token, a field check, or an identifier"));
        };
        let check = self.parse_condition(lhs, pos)?;
        self.leave();
        Ok(check)
    }

    fn lex_transformer(&mut self) -> Option<String> {
        for t in TRANSFORMERS {
            if self.literal(t) {
                return Some(t.trim_end_matches('(').to_owned());
            }
        }
        None
    }

    fn parse_field_remainder(&mut self, name: String, pos: Pos) -> Result<Operand, ParseError> {
        let mut arg = None;
        if self.literal("[") {
            if !(self.lex_quoted_str()? || self.lex_field_arg_bare_str()) {
                return Err(
                    self.error("expected a valid field argument: a quoted string or a bare string")
                );
            }
            arg = Some(self.last_token.clone());
            if !self.literal("]") {
                return Err(self.error("expected a ']' token"));
            }
        }
        Ok(Operand::Field { name, arg, pos })
    }

    fn parse_transformer_remainder(
        &mut self,
        name: String,
        pos: Pos,
    ) -> Result<Operand, ParseError> {
        self.enter()?;
        self.blank();
        let arg_pos = self.pos;
        let inner = if let Some(nested) = self.lex_transformer() {
            self.blank();
            self.parse_transformer_remainder(nested, arg_pos)?
        } else if self.lex_field_name() {
            let field = self.last_token.clone();
            self.parse_field_remainder(field, arg_pos)?
        } else {
            return Err(self.error(
                "expected a field or a nested valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len'",
            ));
        };
        self.blank();
        if !self.literal(")") {
            return Err(self.error("expected a ')' token closing the transformer"));
        }
        self.leave();
        Ok(Operand::Transform {
            name,
            inner: Box::new(inner),
            pos,
        })
    }

    fn parse_condition(&mut self, lhs: Operand, pos: Pos) -> Result<Ast, ParseError> {
        self.blank();
        if self.literal("exists") {
            return Ok(Ast::Unary {
                lhs,
                op: "exists".to_owned(),
                pos,
            });
        }
        self.blank();
        if let Some(op) = NUM_OPS.iter().find(|op| self.literal(op)) {
            let rhs = self.parse_num_value_or_transformer()?;
            return Ok(Ast::Binary {
                lhs,
                op: (*op).to_owned(),
                modifier: None,
                rhs,
                pos,
            });
        }
        if let Some(op) = STR_OPS.iter().find(|op| self.word(op)) {
            self.blank();
            let modifier = self.lex_modifier();
            let rhs = if modifier.is_some() {
                self.parse_list_value_or_transformer()?
            } else {
                self.parse_str_value_or_transformer()?
            };
            return Ok(Ast::Binary {
                lhs,
                op: (*op).to_owned(),
                modifier,
                rhs,
                pos,
            });
        }
        if let Some(op) = LIST_OPS.iter().find(|op| self.literal(op)) {
            let rhs = self.parse_list_value_or_transformer()?;
            return Ok(Ast::Binary {
                lhs,
                op: (*op).to_owned(),
                modifier: None,
                rhs,
                pos,
            });
        }
        let ops: Vec<String> = supported_operators().map(|op| format!("'{op}'")).collect();
        Err(self.error(format!(
            "expected a valid check operator: one of {}",
            ops.join(", ")
        )))
    }

    fn lex_modifier(&mut self) -> Option<Modifier> {
        for (word, modifier) in [
            ("oneof", Modifier::One),
            ("anyof", Modifier::Any),
            ("allof", Modifier::All),
        ] {
            let rest = self.rest();
            if rest.starts_with(word.as_bytes())
                && rest
                    .get(word.len())
                    .is_some_and(|&b| is_blank(b) || b == b'(')
            {
                self.take(word.len());
                self.blank();
                return Some(modifier);
            }
        }
        None
    }

    fn try_parse_transformer_or_val(&mut self) -> Result<Option<Rhs>, ParseError> {
        self.blank();
        let pos = self.pos;
        if self.literal("val(") {
            self.blank();
            let field_pos = self.pos;
            if !self.lex_field_name() {
                return Err(self.error("expected a field within 'val' transformer"));
            }
            let name = self.last_token.clone();
            let field = self.parse_field_remainder(name, field_pos)?;
            self.blank();
            if !self.literal(")") {
                return Err(self.error("expected a ')' token closing the transformer"));
            }
            return Ok(Some(Rhs::Operand(field)));
        }
        if let Some(transformer) = self.lex_transformer() {
            self.blank();
            return Ok(Some(Rhs::Operand(
                self.parse_transformer_remainder(transformer, pos)?,
            )));
        }
        Ok(None)
    }

    fn parse_num_value_or_transformer(&mut self) -> Result<Rhs, ParseError> {
        self.blank();
        let pos = self.pos;
        if let Some(rhs) = self.try_parse_transformer_or_val()? {
            return Ok(rhs);
        }
        if self.lex_number() {
            return Ok(Rhs::Value(self.last_token.clone(), pos));
        }
        Err(self.error(
            "expected a number value or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len'",
        ))
    }

    fn parse_str_value(&mut self) -> Result<Option<String>, ParseError> {
        if self.lex_quoted_str()? || self.lex_bare_str() {
            Ok(Some(self.last_token.clone()))
        } else {
            Ok(None)
        }
    }

    fn parse_str_value_or_transformer(&mut self) -> Result<Rhs, ParseError> {
        self.blank();
        let pos = self.pos;
        if let Some(rhs) = self.try_parse_transformer_or_val()? {
            return Ok(rhs);
        }
        match self.parse_str_value()? {
            Some(value) => Ok(Rhs::Value(value, pos)),
            None => Err(self.error(
                "expected a string value or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len'",
            )),
        }
    }

    fn parse_list_value_or_transformer(&mut self) -> Result<Rhs, ParseError> {
        self.blank();
        let pos = self.pos;
        if self.literal("(") {
            let mut values = Vec::new();
            self.blank();
            if let Some(first) = self.parse_str_value()? {
                values.push(first);
                self.blank();
                while self.literal(",") {
                    self.blank();
                    match self.parse_str_value()? {
                        Some(value) => values.push(value),
                        None => return Err(self.error("expected a string value")),
                    }
                    self.blank();
                }
            }
            if !self.literal(")") {
                return Err(self.error("expected a ')' token"));
            }
            return Ok(Rhs::List(values, pos));
        }
        if let Some(rhs) = self.try_parse_transformer_or_val()? {
            return Ok(rhs);
        }
        if self.lex_identifier() {
            return Ok(Rhs::List(vec![self.last_token.clone()], pos));
        }
        Err(self.error(
            "expected a list, an identifier, or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len'",
        ))
    }
}

/// libsinsp's `unescape_str` on the text between the quotes.
fn unescape(body: &[u8], delimiter: u8) -> Result<String, String> {
    let mut out = Vec::with_capacity(body.len());
    let mut escaped = false;
    for &c in body {
        if !escaped {
            if c == b'\\' {
                escaped = true;
            } else {
                out.push(c);
            }
            continue;
        }
        match c {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            // Falco keeps `\ ` as a backslash for rules written before escaping existed.
            b' ' | b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'"' | b'\'' if c == delimiter => out.push(c),
            b'"' => return Err("invalid \\\" escape in '-quoted string".to_owned()),
            b'\'' => return Err("invalid \\' escape in \"-quoted string".to_owned()),
            other => {
                return Err(format!(
                    "unsupported string escape sequence: \\{}",
                    char::from(other)
                ));
            }
        }
        escaped = false;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Operand {
        Operand::Field {
            name: name.into(),
            arg: None,
            pos: Pos::START,
        }
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let ast = parse("a or b and not c").unwrap();
        let Ast::Or(children) = ast else { panic!() };
        assert!(matches!(children[0], Ast::Identifier(ref n, _) if n == "a"));
        let Ast::And(inner) = &children[1] else {
            panic!()
        };
        assert!(matches!(inner[1], Ast::Not(_)));
    }

    #[test]
    fn double_not_cancels_and_not_paren_negates() {
        assert!(matches!(parse("not not a").unwrap(), Ast::Identifier(..)));
        assert!(matches!(parse("not(a)").unwrap(), Ast::Not(_)));
        assert!(matches!(parse("a and(b)").unwrap(), Ast::And(_)));
    }

    #[test]
    fn quoted_strings_unescape_like_libsinsp() {
        let ast = parse(r#"proc.name = "a\"b\\c\td""#).unwrap();
        let Ast::Binary {
            rhs: Rhs::Value(v, _),
            ..
        } = ast
        else {
            panic!()
        };
        assert_eq!(v, "a\"b\\c\td");
        let ast = parse(r"proc.name = 'it\'s'").unwrap();
        let Ast::Binary {
            rhs: Rhs::Value(v, _),
            ..
        } = ast
        else {
            panic!()
        };
        assert_eq!(v, "it's");
        assert!(
            parse(r#"proc.name = 'a\"b'"#)
                .unwrap_err()
                .message
                .contains("invalid")
        );
        assert!(
            parse(r#"proc.name = "\q""#)
                .unwrap_err()
                .message
                .contains("unsupported")
        );
    }

    #[test]
    fn lists_fields_args_and_transformers() {
        let ast = parse("proc.aname[2] in (a, 'b c', \"d\")").unwrap();
        let Ast::Binary {
            lhs,
            op,
            rhs: Rhs::List(items, _),
            ..
        } = ast
        else {
            panic!()
        };
        assert_eq!(lhs.to_string(), "proc.aname[2]");
        assert_eq!(op, "in");
        assert_eq!(items, ["a", "b c", "d"]);
        let ast = parse("tolower(proc.name) = val(proc.pname)").unwrap();
        let Ast::Binary {
            lhs,
            rhs: Rhs::Operand(r),
            ..
        } = ast
        else {
            panic!()
        };
        assert_eq!(lhs.to_string(), "tolower(proc.name)");
        assert_eq!(r, field("proc.pname").clone_with_pos(r.pos()));
        assert!(
            matches!(parse("proc.name in ()").unwrap(), Ast::Binary { rhs: Rhs::List(ref l, _), .. } if l.is_empty())
        );
    }

    #[test]
    fn modifiers_and_word_operators() {
        let ast = parse("proc.name startswith anyof (a, b)").unwrap();
        assert!(matches!(
            ast,
            Ast::Binary {
                modifier: Some(Modifier::Any),
                ..
            }
        ));
        assert!(parse("fd.name containsx").is_err());
        let ast = parse("proc.name=sh").unwrap();
        assert!(matches!(ast, Ast::Binary { ref op, .. } if op == "="));
        assert!(matches!(parse("fd.num>=0").unwrap(), Ast::Binary { ref op, .. } if op == ">="));
        assert!(matches!(
            parse("proc.pname exists").unwrap(),
            Ast::Unary { .. }
        ));
    }

    #[test]
    fn errors_say_what_was_expected() {
        let err = parse("proc.name =").unwrap_err();
        assert!(err.message.starts_with("expected a string value"), "{err}");
        let err = parse("a b").unwrap_err();
        assert_eq!(
            err.message,
            "unexpected token after 'a', expecting 'or', 'and'"
        );
        let err = parse("(a").unwrap_err();
        assert_eq!(err.message, "expected a ')' token");
        let err = parse("proc.name ~ x").unwrap_err();
        assert!(
            err.message.starts_with("expected a valid check operator"),
            "{err}"
        );
        assert_eq!(
            parse("").unwrap_err().message,
            "filter input string is empty"
        );
        let deep = "(".repeat(2000);
        assert!(parse(&deep).unwrap_err().message.contains("max depth"));
    }

    impl Operand {
        fn pos(&self) -> Pos {
            match self {
                Operand::Field { pos, .. } | Operand::Transform { pos, .. } => *pos,
            }
        }
        fn clone_with_pos(&self, p: Pos) -> Operand {
            match self.clone() {
                Operand::Field { name, arg, .. } => Operand::Field { name, arg, pos: p },
                other => other,
            }
        }
    }
}
