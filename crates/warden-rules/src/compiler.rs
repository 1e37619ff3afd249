//! From collected items to compiled rules, as Falco's `rule_loader_compiler.cpp` does it:
//! lists expanded and substituted into condition text, macros resolved on the parsed
//! tree with their visibility, exceptions appended as condition text, fields and
//! operators type-checked, event types computed.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use warden_events::Syscall;

use crate::check::{
    Check, Cidr, Expr, FieldOp, NumOp, Operand, StrOp, SyscallSet, Test, Transformer,
};
use crate::diagnostics::{Code, Context, Diagnostic};
use crate::fields::{self, FieldError, FieldType, Id};
use crate::loader::{Collector, Entry, ExceptionInfo, Priority};
use crate::output::Template;
use crate::parser::{self, Ast, Modifier, Operand as AstOperand, Pos, Rhs};
use crate::tables;
use crate::text::{Needle, Pattern, StrSet};

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub description: String,
    pub priority: Priority,
    pub source: String,
    /// Sorted, as Falco stores them.
    pub tags: Vec<String>,
    pub enabled: bool,
    /// The name of the rule file that defined the rule (its first definition, when later
    /// files append to or override it).
    pub file: String,
    pub(crate) condition: Expr,
    pub(crate) output: Template,
    pub(crate) event_types: SyscallSet,
}

/// The lists and macros of loaded files, for compiling standalone filters with them.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    pub(crate) lists: Vec<(String, Vec<String>)>,
    pub(crate) macros: HashMap<String, Ast>,
}

/// A condition that does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
    pub pos: Option<Pos>,
    /// An unknown field or event type: what `skip-if-unknown-filter` skips.
    pub unknown: bool,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pos {
            Some(pos) => write!(
                f,
                "{} (at line {}, column {} of the condition)",
                self.message, pos.line, pos.col
            ),
            None => f.write_str(&self.message),
        }
    }
}

fn err(message: impl Into<String>, pos: Pos) -> CompileError {
    CompileError {
        message: message.into(),
        pos: Some(pos),
        unknown: false,
    }
}

fn quote_item(item: &str) -> String {
    if item.contains(' ') && !item.starts_with('"') && !item.starts_with('\'') {
        format!("\"{item}\"")
    } else {
        item.to_owned()
    }
}

/// How long a condition may grow as lists are substituted into it. Lists whose items
/// name later lists are substituted again, so each such level can double the text.
const MAX_CONDITION_LEN: usize = 1 << 22;

/// Falco's `resolve_list`: textual substitution of a list name delimited by blanks,
/// parentheses, commas or `=`, with Falco's handling of blanks, of the comma next to an
/// empty list, and of where the search resumes. Done in one pass (Falco rebuilds the
/// string per occurrence); stops copying once the text passes [`MAX_CONDITION_LEN`].
fn resolve_list(cond: &mut String, name: &str, items: &[String]) -> bool {
    const BLANKS: &[u8] = b" \t\n\r";
    const DELIMS: &[u8] = b" \t\n\r(),=";
    let sub = items
        .iter()
        .map(|i| quote_item(i))
        .collect::<Vec<_>>()
        .join(", ");
    let src = std::mem::take(cond);
    let bytes = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    // `src[copied..]` is still to be copied to `out`.
    let mut copied = 0;
    let mut search_from = 0;
    let mut used = false;
    while let Some(found) = src.get(search_from..).and_then(|s| s.find(name)) {
        let start = search_from + found;
        let mut end = start + name.len();
        let before = if start == copied {
            out.as_bytes().last().copied()
        } else {
            Some(bytes[start - 1])
        };
        let bounded = before.is_none_or(|b| DELIMS.contains(&b))
            && (end >= bytes.len() || DELIMS.contains(&bytes[end]));
        if !bounded {
            search_from = start + 1;
            continue;
        }
        out.push_str(&src[copied..start]);
        while out.as_bytes().last().is_some_and(|b| BLANKS.contains(b)) {
            out.pop();
        }
        while end < bytes.len() && BLANKS.contains(&bytes[end]) {
            end += 1;
        }
        if sub.is_empty() {
            if out.ends_with(',') {
                out.pop();
            } else if bytes.get(end) == Some(&b',') {
                end += 1;
            }
        }
        // Falco resumes one byte later when the name started the condition.
        search_from = if out.is_empty() { end + 1 } else { end };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&sub);
        out.push(' ');
        copied = end;
        used = true;
        if out.len() > MAX_CONDITION_LEN {
            break;
        }
    }
    out.push_str(&src[copied..]);
    *cond = out;
    used
}

/// Substitutes the lists into `cond` and parses it: the text that was parsed (which error
/// positions refer to) and its tree.
fn parse_condition(
    cond: &str,
    lists: &[(String, Vec<String>)],
    used: &mut HashSet<String>,
) -> (String, Result<Ast, CompileError>) {
    let cond = substitute_lists(cond, lists, used);
    if cond.len() > MAX_CONDITION_LEN {
        let message = format!(
            "the condition is longer than {MAX_CONDITION_LEN} bytes once lists are substituted"
        );
        return (
            String::new(),
            Err(CompileError {
                message,
                pos: None,
                unknown: false,
            }),
        );
    }
    let ast = parser::parse(&cond).map_err(|e| CompileError {
        message: e.message,
        pos: Some(e.pos),
        unknown: false,
    });
    (cond, ast)
}

/// Substitutes every list, in definition order; returns the names used.
fn substitute_lists(
    cond: &str,
    lists: &[(String, Vec<String>)],
    used: &mut HashSet<String>,
) -> String {
    let mut cond = cond.to_owned();
    for (name, items) in lists {
        if resolve_list(&mut cond, name, items) {
            used.insert(name.clone());
        }
        if cond.len() > MAX_CONDITION_LEN {
            break;
        }
    }
    cond
}

/// How deep a condition may nest once macros are expanded. Compiling, specialising and
/// evaluating walk the tree recursively; this keeps them well inside a thread's stack.
const MAX_EXPANDED_DEPTH: usize = 200;

/// How many nodes a condition may expand to: macros that use each other twice per level
/// would otherwise double the tree at every level.
const MAX_EXPANDED_NODES: usize = 100_000;

/// Why a tree does not expand.
enum Expansion {
    Error(CompileError),
    /// It refers to a macro that did not compile, which is reported already.
    BrokenMacro(String, Pos),
}

impl From<CompileError> for Expansion {
    fn from(e: CompileError) -> Expansion {
        Expansion::Error(e)
    }
}

impl Expansion {
    /// As an error of its own (where the broken macro is not reported elsewhere).
    fn into_error(self) -> CompileError {
        match self {
            Expansion::Error(e) => e,
            Expansion::BrokenMacro(name, pos) => {
                err(format!("Undefined macro '{name}' used in filter."), pos)
            }
        }
    }
}

/// Replaces macro references by the macros' trees.
struct Expander<'a> {
    macros: &'a HashMap<String, Ast>,
    /// Macros that did not compile.
    broken: &'a HashSet<String>,
    /// Which macro names the referring item may see.
    visible: &'a dyn Fn(&str) -> bool,
    used: &'a mut HashSet<String>,
    /// The macros being expanded, to refuse a macro that refers to itself.
    stack: Vec<String>,
    nodes: usize,
}

impl Expander<'_> {
    fn expand(&mut self, ast: &Ast, depth: usize) -> Result<Ast, Expansion> {
        self.nodes += 1;
        if depth > MAX_EXPANDED_DEPTH || self.nodes > MAX_EXPANDED_NODES {
            let pos = first_pos(ast);
            return Err(Expansion::Error(err(
                format!(
                    "the condition is too large once macros are expanded (more than {MAX_EXPANDED_DEPTH} levels of nesting or {MAX_EXPANDED_NODES} checks)"
                ),
                pos,
            )));
        }
        Ok(match ast {
            Ast::And(children) => Ast::And(
                children
                    .iter()
                    .map(|c| self.expand(c, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Or(children) => Ast::Or(
                children
                    .iter()
                    .map(|c| self.expand(c, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Not(child) => Ast::Not(Box::new(self.expand(child, depth + 1)?)),
            Ast::Identifier(name, pos) => {
                if self.broken.contains(name) {
                    return Err(Expansion::BrokenMacro(name.clone(), *pos));
                }
                let macros = self.macros;
                let Some(body) = macros.get(name).filter(|_| (self.visible)(name)) else {
                    return Err(Expansion::Error(err(
                        format!("Undefined macro '{name}' used in filter."),
                        *pos,
                    )));
                };
                if self.stack.contains(name) {
                    return Err(Expansion::Error(err(
                        format!("Macro '{name}' refers to itself"),
                        *pos,
                    )));
                }
                self.used.insert(name.clone());
                self.stack.push(name.clone());
                let mut expanded = self.expand(body, depth)?;
                self.stack.pop();
                // Errors found later point at the macro's name in the referring text.
                relocate(&mut expanded, *pos);
                expanded
            }
            other => other.clone(),
        })
    }
}

fn first_pos(ast: &Ast) -> Pos {
    match ast {
        Ast::And(children) | Ast::Or(children) => children.first().map_or(Pos::START, first_pos),
        Ast::Not(child) => first_pos(child),
        Ast::Identifier(_, pos) | Ast::Unary { pos, .. } | Ast::Binary { pos, .. } => *pos,
    }
}

fn relocate(ast: &mut Ast, to: Pos) {
    fn operand(op: &mut AstOperand, to: Pos) {
        match op {
            AstOperand::Field { pos, .. } => *pos = to,
            AstOperand::Transform { inner, pos, .. } => {
                *pos = to;
                operand(inner, to);
            }
        }
    }
    match ast {
        Ast::And(children) | Ast::Or(children) => {
            children.iter_mut().for_each(|c| relocate(c, to));
        }
        Ast::Not(child) => relocate(child, to),
        Ast::Identifier(_, pos) => *pos = to,
        Ast::Unary { lhs, pos, .. } => {
            *pos = to;
            operand(lhs, to);
        }
        Ast::Binary { lhs, rhs, pos, .. } => {
            *pos = to;
            operand(lhs, to);
            match rhs {
                Rhs::Value(_, p) | Rhs::List(_, p) => *p = to,
                Rhs::Operand(op) => operand(op, to),
            }
        }
    }
}

/// Falco's `build_rule_exception_infos`: exceptions as `and not (...)` condition text.
fn exceptions_condition(cond: &str, exceptions: &[ExceptionInfo]) -> Result<String, Diagnostic> {
    let mut condition = format!("({cond})");
    for ex in exceptions {
        let (Some(fields), Some(comps)) = (&ex.fields, &ex.comps) else {
            continue;
        };
        let mut icond = String::new();
        match (fields, comps) {
            (Entry::Item(field), Entry::Item(comp)) => {
                for value in &ex.values {
                    let Entry::Item(value) = value else {
                        return Err(ex.ctx.diagnostic(
                            Code::ErrValidate,
                            "Expected values array to contain a list of strings",
                        ));
                    };
                    if icond.is_empty() {
                        icond = format!("({field} {comp} (");
                    } else {
                        icond.push_str(", ");
                    }
                    icond.push_str(&quote_item(value));
                }
                if !icond.is_empty() {
                    icond.push_str("))");
                }
            }
            (Entry::List(fields), Entry::List(comps)) => {
                icond.push('(');
                for values in &ex.values {
                    let items: &[Entry] = match values {
                        Entry::List(items) => items,
                        Entry::Item(_) => &[],
                    };
                    if items.len() != fields.len() {
                        return Err(ex.ctx.diagnostic(
                            Code::ErrValidate,
                            "Fields and values lists must have equal length",
                        ));
                    }
                    if icond != "(" {
                        icond.push_str(" or ");
                    }
                    icond.push('(');
                    for (k, ((field, comp), value)) in
                        fields.iter().zip(comps).zip(items).enumerate()
                    {
                        let (Entry::Item(field), Entry::Item(comp)) = (field, comp) else {
                            return Err(ex.ctx.diagnostic(
                                Code::ErrValidate,
                                "Exception fields and comps must be strings",
                            ));
                        };
                        let istr = match value {
                            Entry::List(vs) => {
                                let parts: Vec<String> = vs
                                    .iter()
                                    .map(|v| match v {
                                        Entry::Item(s) => quote_item(s),
                                        Entry::List(_) => String::new(),
                                    })
                                    .collect();
                                format!("({})", parts.join(", "))
                            }
                            Entry::Item(v)
                                if parser::is_list_operator(comp) && !v.starts_with('(') =>
                            {
                                format!("({v})")
                            }
                            Entry::Item(v) if parser::is_list_operator(comp) => v.clone(),
                            Entry::Item(v) => quote_item(v),
                        };
                        if k > 0 {
                            icond.push_str(" and ");
                        }
                        icond.push_str(&format!(" {field} {comp} {istr}"));
                    }
                    icond.push(')');
                }
                icond.push(')');
                if icond == "()" {
                    icond.clear();
                }
            }
            _ => {
                return Err(ex.ctx.diagnostic(
                    Code::ErrValidate,
                    "Fields and comps must both be strings or both be lists",
                ));
            }
        }
        if !icond.is_empty() {
            condition.push_str(" and not ");
            condition.push_str(&icond);
        }
    }
    Ok(condition)
}

fn exception_fields(ex: &ExceptionInfo) -> Vec<&str> {
    match &ex.fields {
        Some(Entry::Item(f)) => vec![f.as_str()],
        Some(Entry::List(items)) => items
            .iter()
            .filter_map(|e| match e {
                Entry::Item(f) => Some(f.as_str()),
                Entry::List(_) => None,
            })
            .collect(),
        None => Vec::new(),
    }
}

/// What compiling a condition learnt besides the expression.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    /// Event type names Falco knows but Warden's sensor does not produce.
    pub(crate) absent_event_types: BTreeSet<String>,
    /// Fields no Warden event carries.
    pub(crate) absent_fields: BTreeSet<String>,
}

/// Compiles a macro-free tree.
pub(crate) fn compile_ast(ast: &Ast, notes: &mut Notes) -> Result<Expr, CompileError> {
    Ok(match ast {
        Ast::And(children) => Expr::And(
            children
                .iter()
                .map(|c| compile_ast(c, notes))
                .collect::<Result<_, _>>()?,
        ),
        Ast::Or(children) => Expr::Or(
            children
                .iter()
                .map(|c| compile_ast(c, notes))
                .collect::<Result<_, _>>()?,
        ),
        Ast::Not(child) => Expr::Not(Box::new(compile_ast(child, notes)?)),
        Ast::Identifier(name, pos) => {
            return Err(err(
                format!("Undefined macro '{name}' used in filter."),
                *pos,
            ));
        }
        Ast::Unary { lhs, .. } => Expr::Check(Box::new(Check {
            key: format!("{lhs} exists").into(),
            lhs: compile_operand(lhs, notes)?,
            test: Test::Exists,
        })),
        Ast::Binary {
            lhs,
            op,
            modifier,
            rhs,
            pos,
        } => compile_binary(lhs, op, *modifier, rhs, *pos, notes)?,
    })
}

fn operand_pos(op: &AstOperand) -> Pos {
    match op {
        AstOperand::Field { pos, .. } | AstOperand::Transform { pos, .. } => *pos,
    }
}

fn compile_operand(op: &AstOperand, notes: &mut Notes) -> Result<Operand, CompileError> {
    match op {
        AstOperand::Field { name, arg, pos } => {
            let field = fields::lookup(name, arg.as_deref()).map_err(|e| CompileError {
                unknown: matches!(e, FieldError::Unknown(_)),
                message: e.message(),
                pos: Some(*pos),
            })?;
            if field.id == Id::EvtBuffer {
                notes.absent_fields.insert(field.display.to_string());
            }
            Ok(Operand::Field(field))
        }
        AstOperand::Transform { name, inner, pos } => {
            let transformer = match name.as_str() {
                "tolower" => Transformer::Lower,
                "toupper" => Transformer::Upper,
                "b64" => Transformer::B64,
                "basename" => Transformer::Basename,
                "len" => Transformer::Len,
                other => return Err(err(format!("unknown transformer '{other}'"), *pos)),
            };
            let inner = compile_operand(inner, notes)?;
            if operand_type(&inner) != FieldType::Str {
                return Err(err(
                    format!(
                        "transformer '{name}' needs a string field, not {}",
                        operand_type(&inner).name()
                    ),
                    *pos,
                ));
            }
            Ok(Operand::Transform(transformer, Box::new(inner)))
        }
    }
}

fn operand_type(op: &Operand) -> FieldType {
    match op {
        Operand::Field(f) => f.ty,
        Operand::Transform(Transformer::Len, _) => FieldType::Uint,
        Operand::Transform(..) => FieldType::Str,
    }
}

fn num_op(op: &str) -> Option<NumOp> {
    Some(match op {
        "=" | "==" => NumOp::Eq,
        "!=" => NumOp::Ne,
        "<" => NumOp::Lt,
        "<=" => NumOp::Le,
        ">" => NumOp::Gt,
        ">=" => NumOp::Ge,
        _ => return None,
    })
}

fn parse_number(s: &str, pos: Pos) -> Result<i128, CompileError> {
    let parsed = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i128::from_str_radix(hex, 16).ok()
    } else {
        s.parse::<i128>().ok().or_else(|| {
            s.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| f as i128)
        })
    };
    parsed.ok_or_else(|| err(format!("'{s}' is not a valid number"), pos))
}

fn parse_bool(s: &str, pos: Pos) -> Result<i128, CompileError> {
    match s {
        "true" => Ok(1),
        "false" => Ok(0),
        _ => Err(err(
            format!("'{s}' is not a valid boolean: expected true or false"),
            pos,
        )),
    }
}

fn decode_hex(s: &str, pos: Pos) -> Result<Vec<u8>, CompileError> {
    let bad = || err(format!("'{s}' is not a valid hex string"), pos);
    if !s.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(bad)
        })
        .collect()
}

fn str_op(op: &str, value: &str, pos: Pos) -> Result<StrOp, CompileError> {
    Ok(match op {
        "=" | "==" | "!=" => StrOp::Eq(value.as_bytes().into()),
        "contains" => StrOp::Contains(Box::new(Needle::new(value.as_bytes(), false))),
        "icontains" => StrOp::Contains(Box::new(Needle::new(value.as_bytes(), true))),
        "bcontains" => StrOp::Contains(Box::new(Needle::new(&decode_hex(value, pos)?, false))),
        "startswith" => StrOp::StartsWith(value.as_bytes().into()),
        "bstartswith" => StrOp::StartsWith(decode_hex(value, pos)?.into()),
        "endswith" => StrOp::EndsWith(value.as_bytes().into()),
        "glob" => StrOp::Glob(Box::new(
            Pattern::glob(value, false)
                .map_err(|e| err(format!("invalid glob '{value}': {e}"), pos))?,
        )),
        "iglob" => StrOp::Glob(Box::new(
            Pattern::glob(value, true)
                .map_err(|e| err(format!("invalid glob '{value}': {e}"), pos))?,
        )),
        "regex" => StrOp::Regex(Box::new(
            Pattern::regex(value).map_err(|e| err(format!("invalid regex '{value}': {e}"), pos))?,
        )),
        "<" | "<=" | ">" | ">=" => {
            StrOp::Order(num_op(op).unwrap_or(NumOp::Eq), value.as_bytes().into())
        }
        other => {
            return Err(err(
                format!("operator '{other}' is not supported here"),
                pos,
            ));
        }
    })
}

/// A check as written, without positions: checks with equal keys compile to equal tests.
fn check_key(lhs: &AstOperand, op: &str, modifier: Option<Modifier>, rhs: &Rhs) -> String {
    let rhs = match rhs {
        Rhs::Value(v, _) => format!("{v:?}"),
        Rhs::List(items, _) => format!("{items:?}"),
        Rhs::Operand(operand) => format!("val({operand})"),
    };
    format!("{lhs} {op} {modifier:?} {rhs}")
}

fn compile_binary(
    lhs: &AstOperand,
    op: &str,
    modifier: Option<Modifier>,
    rhs: &Rhs,
    pos: Pos,
    notes: &mut Notes,
) -> Result<Expr, CompileError> {
    let ast_lhs = lhs;
    let lhs_pos = operand_pos(lhs);
    let lhs = compile_operand(lhs, notes)?;
    let ty = operand_type(&lhs);
    let field_name = lhs.field().display.to_string();
    let rhs_values: Option<(Vec<&str>, Pos)> = match rhs {
        Rhs::Value(v, p) => Some((vec![v.as_str()], *p)),
        Rhs::List(items, p) => Some((items.iter().map(String::as_str).collect(), *p)),
        Rhs::Operand(_) => None,
    };
    let is_list_op = parser::is_list_operator(op);

    // evt.type equality and membership compile to a bit test over event types.
    if matches!(&lhs, Operand::Field(f) if f.id == Id::EvtType)
        && modifier.is_none()
        && matches!(op, "=" | "==" | "!=" | "in" | "intersects")
        && let Some((values, vpos)) = &rhs_values
    {
        let mut set = SyscallSet::EMPTY;
        for name in values {
            match Syscall::from_name(name) {
                Some(s) => set.insert(s),
                None if tables::is_falco_event_type(name) => {
                    notes.absent_event_types.insert((*name).to_owned());
                }
                None => {
                    return Err(CompileError {
                        message: format!("unknown event type {name}"),
                        pos: Some(*vpos),
                        unknown: true,
                    });
                }
            }
        }
        let test = Expr::EvtType(set);
        return Ok(if op == "!=" {
            Expr::Not(Box::new(test))
        } else {
            test
        });
    }

    let unsupported = |ty: FieldType| {
        err(
            format!(
                "operator '{op}' is not supported by field {field_name} ({})",
                ty.name()
            ),
            lhs_pos,
        )
    };
    let test = match (rhs, modifier) {
        (Rhs::Operand(right), None) => {
            if op == "regex" || is_list_op || op.ends_with("glob") || op.starts_with('b') {
                return Err(err(
                    format!("operator '{op}' cannot compare with another field"),
                    pos,
                ));
            }
            let right = compile_operand(right, notes)?;
            let fop = match op {
                "contains" => FieldOp::Contains { fold: false },
                "icontains" => FieldOp::Contains { fold: true },
                "startswith" => FieldOp::StartsWith,
                "endswith" => FieldOp::EndsWith,
                other => FieldOp::Num(num_op(other).ok_or_else(|| unsupported(ty))?),
            };
            Test::Operand {
                op: fop,
                rhs: right,
            }
        }
        (Rhs::Operand(_), Some(_)) => return Err(err("modifiers need a list of values", pos)),
        (Rhs::Value(..) | Rhs::List(..), Some(modifier)) => {
            if ty != FieldType::Str || matches!(op, "!=" | "<" | "<=" | ">" | ">=") {
                return Err(err(
                    format!("modifiers do not apply to operator '{op}' on field {field_name}"),
                    pos,
                ));
            }
            let Some((values, vpos)) = &rhs_values else {
                return Err(unsupported(ty));
            };
            let ops = values
                .iter()
                .map(|v| str_op(op, v, *vpos))
                .collect::<Result<Vec<_>, _>>()?;
            Test::Modified {
                modifier,
                ops: ops.into(),
                negate: false,
            }
        }
        (Rhs::Value(value, vpos), None) => {
            if is_list_op {
                return Err(err(
                    format!("operator '{op}' needs a list of values"),
                    *vpos,
                ));
            }
            match ty {
                FieldType::Str => Test::Str {
                    op: str_op(op, value, *vpos)?,
                    negate: op == "!=",
                },
                FieldType::Int | FieldType::Uint | FieldType::Time => Test::Num(
                    num_op(op).ok_or_else(|| unsupported(ty))?,
                    parse_number(value, *vpos)?,
                ),
                FieldType::Bool => match num_op(op) {
                    Some(n @ (NumOp::Eq | NumOp::Ne)) => Test::Num(n, parse_bool(value, *vpos)?),
                    _ => return Err(unsupported(ty)),
                },
                FieldType::Ip => match op {
                    "=" | "==" | "!=" => Test::Ip {
                        ip: value.parse::<IpAddr>().map_err(|_| {
                            err(format!("'{value}' is not a valid IP address"), *vpos)
                        })?,
                        negate: op == "!=",
                    },
                    _ => return Err(unsupported(ty)),
                },
                FieldType::Net => match op {
                    "=" | "==" | "!=" => Test::Net {
                        nets: vec![Cidr::parse(value).ok_or_else(|| {
                            err(format!("'{value}' is not a valid network"), *vpos)
                        })?]
                        .into(),
                        negate: op == "!=",
                    },
                    _ => return Err(unsupported(ty)),
                },
            }
        }
        (Rhs::List(values, vpos), None) => {
            if !is_list_op {
                return Err(err(format!("operator '{op}' needs a single value"), *vpos));
            }
            match (ty, op) {
                (FieldType::Str, "pmatch") => Test::Str {
                    op: StrOp::Pmatch(values.iter().map(|v| v.as_bytes().into()).collect()),
                    negate: false,
                },
                (FieldType::Str, _) => Test::Str {
                    op: StrOp::In(StrSet::new(values.iter().map(|v| v.as_bytes()))),
                    negate: false,
                },
                (FieldType::Int | FieldType::Uint | FieldType::Time, "in" | "intersects") => {
                    let mut set = values
                        .iter()
                        .map(|v| parse_number(v, *vpos))
                        .collect::<Result<Vec<_>, _>>()?;
                    set.sort_unstable();
                    Test::NumSet(set.into())
                }
                (FieldType::Bool, "in" | "intersects") => {
                    let mut set = values
                        .iter()
                        .map(|v| parse_bool(v, *vpos))
                        .collect::<Result<Vec<_>, _>>()?;
                    set.sort_unstable();
                    Test::NumSet(set.into())
                }
                (FieldType::Ip, "in" | "intersects") => Test::IpSet(
                    values
                        .iter()
                        .map(|v| {
                            v.parse::<IpAddr>()
                                .map_err(|_| err(format!("'{v}' is not a valid IP address"), *vpos))
                        })
                        .collect::<Result<_, _>>()?,
                ),
                (FieldType::Net, "in" | "intersects") => Test::Net {
                    nets: values
                        .iter()
                        .map(|v| {
                            Cidr::parse(v)
                                .ok_or_else(|| err(format!("'{v}' is not a valid network"), *vpos))
                        })
                        .collect::<Result<_, _>>()?,
                    negate: false,
                },
                _ => return Err(unsupported(ty)),
            }
        }
    };
    if ty != FieldType::Str && matches!(test, Test::Str { .. } | Test::Modified { .. }) {
        return Err(unsupported(ty));
    }
    Ok(Expr::Check(Box::new(Check {
        key: check_key(ast_lhs, op, modifier, rhs).into(),
        lhs,
        test,
    })))
}

/// The result of compiling everything collected.
pub(crate) struct Compiled {
    pub(crate) rules: Vec<Rule>,
    pub(crate) definitions: Definitions,
}

fn expanded_lists(col: &Collector, used: &mut HashSet<String>) -> Vec<(String, Vec<String>)> {
    col.lists
        .items
        .iter()
        .map(|list| {
            let mut items = Vec::new();
            for item in &list.items {
                match col.lists.get(item).filter(|r| r.index < list.visibility) {
                    Some(referenced) => {
                        used.insert(referenced.name.clone());
                        items.extend(referenced.items.iter().cloned());
                    }
                    None => items.push(item.clone()),
                }
            }
            (list.name.clone(), items)
        })
        .collect()
}

fn condition_error(ctx: &Context, code: Code, condition: &str, e: &CompileError) -> Diagnostic {
    let excerpt: String = match e.pos {
        Some(pos) => condition
            .get(pos.idx..)
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect(),
        None => String::new(),
    };
    let message = if excerpt.trim().is_empty() {
        e.to_string()
    } else {
        format!("{e}, near: {:?}", excerpt.trim_end())
    };
    ctx.diagnostic(code, message)
}

pub(crate) fn compile(col: &Collector, diagnostics: &mut Vec<Diagnostic>) -> Compiled {
    let mut used_lists = HashSet::new();
    let lists = expanded_lists(col, &mut used_lists);

    // Parse every macro, then resolve references in definition order.
    let mut parsed: HashMap<String, Ast> = HashMap::new();
    // Macros that do not compile: reported once, and what uses them is not reported again.
    let mut broken = HashSet::new();
    for m in &col.macros.items {
        match parse_condition(&m.cond, &lists, &mut used_lists) {
            (_, Ok(ast)) => {
                parsed.insert(m.name.clone(), ast);
            }
            (cond, Err(e)) => {
                broken.insert(m.name.clone());
                diagnostics.push(condition_error(
                    &m.cond_ctx,
                    Code::ErrCompileCondition,
                    &cond,
                    &e,
                ));
            }
        }
    }
    let index_of: HashMap<&str, usize> = col
        .macros
        .items
        .iter()
        .map(|m| (m.name.as_str(), m.index))
        .collect();
    let mut used_macros = HashSet::new();
    // Each macro is replaced by its resolved tree once resolved, so later macros expand
    // through it (Falco resolves them in place, in order).
    let mut resolved = parsed;
    for m in &col.macros.items {
        let Some(ast) = resolved.get(&m.name) else {
            continue;
        };
        let visible = |name: &str| index_of.get(name).is_some_and(|&i| i < m.visibility);
        let mut expander = Expander {
            macros: &resolved,
            broken: &broken,
            visible: &visible,
            used: &mut used_macros,
            stack: vec![m.name.clone()],
            nodes: 0,
        };
        match expander.expand(ast, 0) {
            Ok(ast) => {
                resolved.insert(m.name.clone(), ast);
            }
            Err(Expansion::BrokenMacro(..)) => {
                resolved.remove(&m.name);
                broken.insert(m.name.clone());
            }
            Err(Expansion::Error(e)) => {
                resolved.remove(&m.name);
                broken.insert(m.name.clone());
                diagnostics.push(condition_error(
                    &m.cond_ctx,
                    Code::ErrCompileCondition,
                    &m.cond,
                    &e,
                ));
            }
        }
    }

    let mut rules = Vec::new();
    for r in &col.rules.items {
        if r.source != "syscall" {
            diagnostics.push(r.ctx.diagnostic(
                Code::UnknownSource,
                format!("Unknown source {}, skipping", r.source),
            ));
            continue;
        }
        let mut fields_ok = true;
        for ex in &r.exceptions {
            for field in exception_fields(ex) {
                if fields::lookup(field, None).is_err()
                    && fields::lookup(field.split('[').next().unwrap_or(field), Some("0")).is_err()
                {
                    diagnostics.push(ex.ctx.diagnostic(
                        Code::ErrValidate,
                        format!("'{field}' is not a supported filter field"),
                    ));
                    fields_ok = false;
                }
            }
        }
        if !fields_ok {
            continue;
        }
        let condition = if r.exceptions.is_empty() {
            r.cond.clone()
        } else {
            match exceptions_condition(&r.cond, &r.exceptions) {
                Ok(c) => c,
                Err(d) => {
                    diagnostics.push(d);
                    continue;
                }
            }
        };
        let output = match Template::compile(&r.output) {
            Ok(t) => t,
            Err(e) => {
                let unknown = matches!(e, FieldError::Unknown(_));
                let message = format!("invalid formatting token: {}", e.message());
                if unknown && r.skip_if_unknown_filter {
                    diagnostics.push(r.output_ctx.diagnostic(Code::UnknownFilter, message));
                } else {
                    diagnostics.push(r.output_ctx.diagnostic(Code::ErrCompileOutput, message));
                }
                continue;
            }
        };
        let (cond, ast) = parse_condition(&condition, &lists, &mut used_lists);
        let ast = match ast {
            Ok(ast) => ast,
            Err(e) => {
                diagnostics.push(condition_error(
                    &r.cond_ctx,
                    Code::ErrCompileCondition,
                    &cond,
                    &e,
                ));
                continue;
            }
        };
        let mut notes = Notes::default();
        let mut expander = Expander {
            macros: &resolved,
            broken: &broken,
            visible: &|_| true,
            used: &mut used_macros,
            stack: Vec::new(),
            nodes: 0,
        };
        let compiled = match expander.expand(&ast, 0) {
            Ok(ast) => compile_ast(&ast, &mut notes),
            Err(Expansion::BrokenMacro(..)) => continue,
            Err(Expansion::Error(e)) => Err(e),
        };
        let expr = match compiled {
            Ok(expr) => expr,
            Err(e) if e.unknown && r.skip_if_unknown_filter => {
                diagnostics.push(condition_error(&r.cond_ctx, Code::UnknownFilter, &cond, &e));
                continue;
            }
            Err(e) => {
                diagnostics.push(condition_error(
                    &r.cond_ctx,
                    Code::ErrCompileCondition,
                    &cond,
                    &e,
                ));
                continue;
            }
        };
        for operand in output.operands() {
            if operand.field().id == Id::EvtBuffer {
                notes
                    .absent_fields
                    .insert(operand.field().display.to_string());
            }
        }
        let event_types = expr.event_types(false);
        if event_types == SyscallSet::all() && r.warn_evttypes {
            diagnostics.push(r.ctx.diagnostic(Code::NoEvttype, "Rule matches too many evt.type values. This has a significant performance penalty."));
        }
        if !notes.absent_event_types.is_empty() {
            let names: Vec<&str> = notes
                .absent_event_types
                .iter()
                .map(String::as_str)
                .collect();
            let consequence = if event_types == SyscallSet::EMPTY {
                "the rule can never match"
            } else {
                "those parts can never match"
            };
            diagnostics.push(r.cond_ctx.diagnostic(
                Code::NotSupplied,
                format!(
                    "Warden's sensor does not produce evt.type {}: {consequence}",
                    names.join(", ")
                ),
            ));
        }
        if !notes.absent_fields.is_empty() {
            let names: Vec<&str> = notes.absent_fields.iter().map(String::as_str).collect();
            diagnostics.push(r.cond_ctx.diagnostic(
                Code::NotSupplied,
                format!(
                    "no Warden event carries {}: it is always <NA>",
                    names.join(", ")
                ),
            ));
        }
        rules.push(Rule {
            name: r.name.clone(),
            description: r.desc.clone(),
            priority: r.priority,
            source: r.source.clone(),
            tags: r.tags.iter().cloned().collect(),
            enabled: r.enabled,
            file: r.ctx.file.to_string(),
            condition: expr,
            output,
            event_types,
        });
    }

    if diagnostics.iter().all(|d| !d.is_error()) {
        for m in &col.macros.items {
            if !used_macros.contains(&m.name) {
                diagnostics.push(m.ctx.diagnostic(
                    Code::UnusedMacro,
                    "Macro not referred to by any other rule/macro",
                ));
            }
        }
        for l in &col.lists.items {
            if !used_lists.contains(&l.name) {
                diagnostics.push(l.ctx.diagnostic(
                    Code::UnusedList,
                    "List not referred to by any other rule/macro",
                ));
            }
        }
    }

    Compiled {
        rules,
        definitions: Definitions {
            lists,
            macros: resolved,
        },
    }
}

/// Compiles a standalone condition against loaded definitions.
pub(crate) fn compile_filter(condition: &str, defs: &Definitions) -> Result<Expr, CompileError> {
    let mut unused = HashSet::new();
    let ast = parse_condition(condition, &defs.lists, &mut unused).1?;
    let no_broken = HashSet::new();
    let mut expander = Expander {
        macros: &defs.macros,
        broken: &no_broken,
        visible: &|_| true,
        used: &mut unused,
        stack: Vec::new(),
        nodes: 0,
    };
    let ast = expander.expand(&ast, 0).map_err(Expansion::into_error)?;
    compile_ast(&ast, &mut Notes::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_substitute_like_falco() {
        let items = vec!["sh".to_owned(), "my shell".to_owned()];
        let mut cond = "proc.name in (shells, bash) and not shellsx=1".to_owned();
        assert!(resolve_list(&mut cond, "shells", &items));
        assert_eq!(
            cond,
            "proc.name in ( sh, \"my shell\" , bash) and not shellsx=1"
        );
        let mut cond = "proc.name in (a, empty)".to_owned();
        assert!(resolve_list(&mut cond, "empty", &[]));
        assert_eq!(cond, "proc.name in (a  )");
    }

    /// Falco's `resolve_list` as written there: one rebuild of the string per occurrence.
    fn falco_resolve_list(cnd: &mut String, name: &str, items: &[String]) -> bool {
        let (blanks, delims) = (" \t\n\r", " \t\n\r(),=");
        let mut used = false;
        let mut start = cnd.find(name);
        while let Some(mut s) = start {
            let mut e = s + name.len();
            let at = |c: &String, i: usize| char::from(c.as_bytes()[i]);
            if (s == 0 || delims.contains(at(cnd, s - 1)))
                && (e >= cnd.len() || delims.contains(at(cnd, e)))
            {
                while s > 0 && blanks.contains(at(cnd, s - 1)) {
                    s -= 1;
                }
                while e < cnd.len() && blanks.contains(at(cnd, e)) {
                    e += 1;
                }
                let sub = items
                    .iter()
                    .map(|i| quote_item(i))
                    .collect::<Vec<_>>()
                    .join(", ");
                if sub.is_empty() {
                    if s > 0 && at(cnd, s - 1) == ',' {
                        s -= 1;
                    } else if e < cnd.len() && at(cnd, e) == ',' {
                        e += 1;
                    }
                }
                let mut new = String::new();
                if s > 0 {
                    new = format!("{} ", &cnd[..s]);
                }
                new.push_str(&sub);
                new.push(' ');
                new.push_str(&cnd[e..]);
                *cnd = new;
                s += sub.len() + 1;
                used = true;
            }
            start = cnd
                .get(s + 1..)
                .and_then(|rest| rest.find(name))
                .map(|i| i + s + 1);
        }
        used
    }

    #[test]
    fn one_pass_substitution_matches_falcos() {
        let conditions = [
            "a",
            "a a",
            "a a a",
            "(a,a)",
            "(a, a ,a)",
            "x in (a) and y in (b, a)",
            "aa in (a)",
            "a=1 or (a)",
            "(b, a, c)",
            "(a, b)",
            "(b, a)",
            "( a )",
            "proc.a in (a) and a.b = a",
            "\ta\n,\ra",
        ];
        for items in [
            vec![],
            vec!["x".to_owned()],
            vec!["a".to_owned(), "two words".to_owned()],
        ] {
            for cond in conditions {
                let (mut ours, mut theirs) = (cond.to_owned(), cond.to_owned());
                let used = resolve_list(&mut ours, "a", &items);
                assert_eq!(
                    used,
                    falco_resolve_list(&mut theirs, "a", &items),
                    "{cond:?}"
                );
                assert_eq!(ours, theirs, "{cond:?} with {items:?}");
            }
        }
    }
}
