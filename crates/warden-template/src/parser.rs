//! A port of Go's `text/template/parse/parse.go`: recursive descent over the lexer's
//! items with Go's three-token lookahead, so that every construct and every error
//! message (`unexpected EOF`, `function "x" not defined`, `missing value for if`)
//! comes out as Go produces it.

use std::collections::HashMap;

use crate::ast::{Arg, Branch, BranchKind, Command, List, Node, Number, Pipe};
use crate::lexer::{Item, ItemType, Lexer};
use warden_value::strconv::{parse_int, parse_uint};

/// `strconv.ParseFloat(s, 64)` as the parser uses it: a range error is no float.
fn parse_float(s: &str) -> Option<f64> {
    warden_value::strconv::parse_float(s).ok()
}
use crate::text::{go_quote, unquote, unquote_char};

/// Parenthesised pipelines and nested blocks together may not nest deeper than
/// this; it keeps both the parser's and the executor's recursion bounded.
pub(crate) const MAX_NESTING: usize = 100;

#[derive(Debug)]
pub(crate) struct ParseError {
    pub(crate) pos: usize,
    pub(crate) message: String,
}

/// What an action can be besides a node: the `{{end}}` and `{{else}}` that close lists.
enum Parsed {
    Node(Node),
    End,
    Else,
}

impl Parsed {
    fn describe(&self) -> String {
        match self {
            Parsed::Node(node) => node.to_string(),
            Parsed::End => "{{end}}".into(),
            Parsed::Else => "{{else}}".into(),
        }
    }
}

/// Per-template parsing state; `define` and `block` bodies get a fresh one, as in Go.
struct TreeScope {
    vars: Vec<String>,
    range_depth: usize,
    action_line: Option<usize>,
}

impl TreeScope {
    fn new() -> Self {
        TreeScope {
            vars: vec!["$".into()],
            range_depth: 0,
            action_line: None,
        }
    }
}

struct Parser<'s, 'f> {
    lex: Lexer<'s>,
    text: &'s str,
    parse_name: &'s str,
    token: [Item; 3],
    peek_count: usize,
    scope: TreeScope,
    depth: usize,
    trees: HashMap<String, List>,
    has_function: &'f dyn Fn(&str) -> bool,
}

/// Parses `text` into its templates: the top-level one under `name`, plus every
/// `define`d or `block` template.
pub(crate) fn parse(
    name: &str,
    text: &str,
    has_function: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, List>, ParseError> {
    let eof = Item {
        typ: ItemType::Eof,
        pos: 0,
        val: String::new(),
    };
    let mut parser = Parser {
        lex: Lexer::new(text),
        text,
        parse_name: name,
        token: [eof.clone(), eof.clone(), eof],
        peek_count: 0,
        scope: TreeScope::new(),
        depth: 0,
        trees: HashMap::new(),
        has_function,
    };
    let root = parser.parse_top()?;
    parser.add(name.to_owned(), root)?;
    Ok(parser.trees)
}

/// Go's `IsEmptyTree`: only whitespace text (and comments, which we drop).
fn is_empty_tree(list: &List) -> bool {
    list.nodes
        .iter()
        .all(|node| matches!(node, Node::Text { text, .. } if text.trim().is_empty()))
}

fn line_of(text: &str, pos: usize) -> usize {
    1 + text
        .as_bytes()
        .iter()
        .take(pos)
        .filter(|&&b| b == b'\n')
        .count()
}

impl Parser<'_, '_> {
    fn next(&mut self) -> Item {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex.next_item();
        }
        self.token_at(self.peek_count)
    }

    fn token_at(&self, i: usize) -> Item {
        self.token
            .get(i)
            .or(self.token.first())
            .cloned()
            .unwrap_or(Item {
                typ: ItemType::Eof,
                pos: 0,
                val: String::new(),
            })
    }

    fn backup(&mut self) {
        self.peek_count = (self.peek_count + 1).min(3);
    }

    fn backup2(&mut self, t1: Item) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.peek_count > 0 {
            return self.token_at(self.peek_count - 1);
        }
        self.peek_count = 1;
        self.token[0] = self.lex.next_item();
        self.token_at(0)
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let token = self.next();
            if token.typ != ItemType::Space {
                return token;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let token = self.next_non_space();
        self.backup();
        token
    }

    /// An error at the most recently read token, as Go's `Tree.errorf`.
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            pos: self.token[0].pos,
            message: message.into(),
        }
    }

    fn unexpected(&self, token: &Item, context: &str) -> ParseError {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if let Some(action_line) = self.scope.action_line
                && action_line != line_of(self.text, token.pos)
            {
                extra = format!(" in action started at {}:{}", self.parse_name, action_line);
                if token.val.ends_with(" action") {
                    extra = extra.replacen(" in action", "", 1);
                }
            }
            return self.error(format!("{token}{extra}"));
        }
        self.error(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> Result<Item, ParseError> {
        let token = self.next_non_space();
        if token.typ != expected {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    fn enter_nesting(&mut self, message: &str) -> Result<(), ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(message));
        }
        self.depth += 1;
        Ok(())
    }

    fn add(&mut self, name: String, list: List) -> Result<(), ParseError> {
        match self.trees.get(&name) {
            Some(existing) if !is_empty_tree(existing) => {
                if !is_empty_tree(&list) {
                    return Err(self.error(format!(
                        "template: multiple definition of template {}",
                        go_quote(&name, false)
                    )));
                }
            }
            _ => {
                self.trees.insert(name, list);
            }
        }
        Ok(())
    }

    fn parse_top(&mut self) -> Result<List, ParseError> {
        let mut nodes = Vec::new();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(node) => nodes.push(node),
                other => return Err(self.error(format!("unexpected {}", other.describe()))),
            }
        }
        Ok(List { nodes })
    }

    fn parse_definition(&mut self) -> Result<(), ParseError> {
        const CONTEXT: &str = "define clause";
        let outer = std::mem::replace(&mut self.scope, TreeScope::new());
        let token = self.next_non_space();
        if !matches!(token.typ, ItemType::String | ItemType::RawString) {
            return Err(self.unexpected(&token, CONTEXT));
        }
        let name = unquote(&token.val).map_err(|e| self.error(e))?;
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (list, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return Err(self.error(format!("unexpected {} in {CONTEXT}", end.describe())));
        }
        self.add(name, list)?;
        self.scope = outer;
        Ok(())
    }

    fn item_list(&mut self) -> Result<(List, Parsed), ParseError> {
        let mut nodes = Vec::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(node) => nodes.push(node),
                end => return Ok((List { nodes }, end)),
            }
        }
        Err(self.error("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> Result<Parsed, ParseError> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text {
                pos: token.pos,
                text: token.val,
            })),
            ItemType::LeftDelim => {
                self.scope.action_line = Some(line_of(self.text, token.pos));
                let result = self.action();
                self.scope.action_line = None;
                result
            }
            _ => Err(self.unexpected(&token, "input")),
        }
    }

    fn action(&mut self) -> Result<Parsed, ParseError> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                return self.loop_control(token).map(Parsed::Node);
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.branch_control(BranchKind::If).map(Parsed::Node),
            ItemType::Range => return self.branch_control(BranchKind::Range).map(Parsed::Node),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => return self.branch_control(BranchKind::With).map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action {
            pos: token.pos,
            pipe,
        }))
    }

    fn loop_control(&mut self, keyword: Item) -> Result<Node, ParseError> {
        let name = if keyword.typ == ItemType::Break {
            "break"
        } else {
            "continue"
        };
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return Err(self.unexpected(&token, &format!("{{{{{name}}}}}")));
        }
        if self.scope.range_depth == 0 {
            return Err(self.error(format!("{{{{{name}}}}} outside {{{{range}}}}")));
        }
        Ok(if keyword.typ == ItemType::Break {
            Node::Break { pos: keyword.pos }
        } else {
            Node::Continue { pos: keyword.pos }
        })
    }

    fn else_control(&mut self) -> Result<Parsed, ParseError> {
        let peek = self.peek_non_space();
        // "{{else if ...}}" and "{{else with ...}}" leave the keyword pending.
        if matches!(peek.typ, ItemType::If | ItemType::With) {
            return Ok(Parsed::Else);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> Result<Pipe, ParseError> {
        let token = self.peek_non_space();
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            // Space is a token, so "$x foo" needs three tokens of lookahead to tell an
            // argument from a declaration.
            let token_after_variable = self.peek();
            let next = self.peek_non_space();
            if matches!(next.typ, ItemType::Assign | ItemType::Declare) {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(v.val.clone());
                self.scope.vars.push(v.val);
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space();
                pipe.decl.push(v.val.clone());
                self.scope.vars.push(v.val);
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue;
                        }
                        _ => return Err(self.error("range can only initialize variables")),
                    }
                }
                return Err(self.error(format!("too many declarations in {context}")));
            } else if token_after_variable.typ == ItemType::Space {
                self.backup3(v, token_after_variable);
            } else {
                self.backup2(v);
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match token.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&token, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> Result<(), ParseError> {
        if pipe.cmds.is_empty() {
            return Err(self.error(format!("missing value for {context}")));
        }
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(
                Arg::Bool { .. }
                | Arg::Dot { .. }
                | Arg::Nil { .. }
                | Arg::Number { .. }
                | Arg::String { .. },
            ) = cmd.args.first()
            {
                return Err(self.error(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn branch_control(&mut self, kind: BranchKind) -> Result<Node, ParseError> {
        self.enter_nesting("max block nesting depth exceeded")?;
        let vars = self.scope.vars.len();
        let result = self.parse_control(kind);
        self.scope.vars.truncate(vars);
        self.depth -= 1;
        result
    }

    fn parse_control(&mut self, kind: BranchKind) -> Result<Node, ParseError> {
        let context = match kind {
            BranchKind::If => "if",
            BranchKind::Range => "range",
            BranchKind::With => "with",
        };
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let is_range = matches!(kind, BranchKind::Range);
        if is_range {
            self.scope.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if is_range {
            self.scope.range_depth -= 1;
        }
        let else_list = match next {
            Parsed::Else => {
                let pending = self.peek().typ;
                if matches!(kind, BranchKind::If) && pending == ItemType::If {
                    self.next();
                    Some(List {
                        nodes: vec![self.branch_control(BranchKind::If)?],
                    })
                } else if matches!(kind, BranchKind::With) && pending == ItemType::With {
                    self.next();
                    Some(List {
                        nodes: vec![self.branch_control(BranchKind::With)?],
                    })
                } else {
                    let (else_list, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return Err(self.error(format!("expected end; found {}", next.describe())));
                    }
                    Some(else_list)
                }
            }
            _ => None,
        };
        Ok(Node::Branch(Box::new(Branch {
            kind,
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })))
    }

    fn block_control(&mut self) -> Result<Node, ParseError> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        self.enter_nesting("max block nesting depth exceeded")?;
        let outer = std::mem::replace(&mut self.scope, TreeScope::new());
        let (list, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return Err(self.error(format!("unexpected {} in {CONTEXT}", end.describe())));
        }
        self.add(name.clone(), list)?;
        self.scope = outer;
        self.depth -= 1;
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn template_control(&mut self) -> Result<Node, ParseError> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let pipe = if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            Some(self.pipeline(CONTEXT, ItemType::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    fn parse_template_name(&self, token: &Item, context: &str) -> Result<String, ParseError> {
        match token.typ {
            ItemType::String | ItemType::RawString => {
                unquote(&token.val).map_err(|e| self.error(e))
            }
            _ => Err(self.unexpected(token, context)),
        }
    }

    fn command(&mut self) -> Result<Command, ParseError> {
        let mut cmd = Command {
            pos: self.peek_non_space().pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(&token, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.error("empty command"));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> Result<Option<Arg>, ParseError> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let field = self.next().val;
            fields.push(field.get(1..).unwrap_or("").to_owned());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                let message = format!(
                    "unexpected . after term {}",
                    go_quote(&node.to_string(), false)
                );
                return Err(ParseError {
                    pos: chain_pos,
                    message,
                });
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>, ParseError> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !(self.has_function)(&token.val) {
                    return Err(self.error(format!(
                        "function {} not defined",
                        go_quote(&token.val, false)
                    )));
                }
                Arg::Identifier {
                    pos,
                    name: token.val,
                }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let idents: Vec<String> = token.val.split('.').map(str::to_owned).collect();
                let declared = idents
                    .first()
                    .is_some_and(|name| self.scope.vars.contains(name));
                if !declared {
                    let name = idents.first().map(String::as_str).unwrap_or("");
                    return Err(ParseError {
                        pos,
                        message: format!("undefined variable {}", go_quote(name, false)),
                    });
                }
                Arg::Variable { pos, idents }
            }
            ItemType::Field => Arg::Field {
                pos,
                idents: token
                    .val
                    .get(1..)
                    .unwrap_or("")
                    .split('.')
                    .map(str::to_owned)
                    .collect(),
            },
            ItemType::Bool => Arg::Bool {
                pos,
                value: token.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let number = parse_number(&token.val, token.typ).map_err(|e| self.error(e))?;
                Arg::Number { pos, number }
            }
            ItemType::LeftParen => {
                self.enter_nesting("max expression depth exceeded")?;
                let pipe = self.pipeline("parenthesized pipeline", ItemType::RightParen);
                self.depth -= 1;
                Arg::Pipe(Box::new(pipe?))
            }
            ItemType::String | ItemType::RawString => {
                let text = unquote(&token.val).map_err(|e| self.error(e))?;
                Arg::String {
                    pos,
                    quoted: token.val,
                    text,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

/// Go's `newNumber`: every way the literal can be read (int, uint, float, complex).
fn parse_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_owned(),
        int: None,
        is_uint: false,
        float: None,
        is_complex: false,
    };
    if typ == ItemType::CharConstant {
        let body = text.get(1..).unwrap_or("");
        let (c, tail) = unquote_char(body, '\'').map_err(str::to_owned)?;
        if tail != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        n.int = Some(i64::from(u32::from(c)));
        n.is_uint = true;
        n.float = Some(f64::from(u32::from(c)));
        return Ok(n);
    }
    if typ == ItemType::Complex {
        n.is_complex = true;
        return Ok(n);
    }
    if let Some(imaginary) = text.strip_suffix('i')
        && parse_float(imaginary).is_some()
    {
        n.is_complex = true;
        return Ok(n);
    }
    let unsigned = parse_uint(text).ok();
    n.is_uint = unsigned.is_some();
    if let Ok(i) = parse_int(text) {
        n.int = Some(i);
        if i == 0 {
            n.is_uint = true;
        }
    }
    if let Some(i) = n.int {
        n.float = Some(i as f64);
    } else if let Some(u) = unsigned {
        n.float = Some(u as f64);
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", go_quote(text, false)));
        }
        n.float = Some(f);
        if (f as i64) as f64 == f {
            n.int = Some(f as i64);
        }
        if f >= 0.0 && (f as u64) as f64 == f {
            n.is_uint = true;
        }
    }
    if n.int.is_none() && !n.is_uint && n.float.is_none() {
        return Err(format!("illegal number syntax: {}", go_quote(text, false)));
    }
    Ok(n)
}
