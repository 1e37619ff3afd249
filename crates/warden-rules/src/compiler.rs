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

/// Falco's `resolve_list`: textual substitution of a list name delimited by blanks,
/// parentheses, commas or `=`.
fn resolve_list(cond: &mut String, name: &str, items: &[String]) -> bool {
    const BLANKS: &[u8] = b" \t\n\r";
    const DELIMS: &[u8] = b" \t\n\r(),=";
    let mut used = false;
    let mut search_from = 0;
    while let Some(found) = cond.get(search_from..).and_then(|s| s.find(name)) {
        let mut start = search_from + found;
        let mut end = start + name.len();
        let bytes = cond.as_bytes();
        let bounded = (start == 0 || DELIMS.contains(&bytes[start - 1]))
            && (end >= bytes.len() || DELIMS.contains(&bytes[end]));
        if !bounded {
            search_from = start + 1;
            continue;
        }
        while start > 0 && BLANKS.contains(&bytes[start - 1]) {
            start -= 1;
        }
        while end < bytes.len() && BLANKS.contains(&bytes[end]) {
            end += 1;
        }
        let sub = items
            .iter()
            .map(|i| quote_item(i))
            .collect::<Vec<_>>()
            .join(", ");
        if sub.is_empty() {
            if start > 0 && bytes[start - 1] == b',' {
                start -= 1;
            } else if end < bytes.len() && bytes[end] == b',' {
                end += 1;
            }
        }
        let mut replaced = String::with_capacity(cond.len() + sub.len());
        if start > 0 {
            replaced.push_str(&cond[..start]);
            replaced.push(' ');
        }
        replaced.push_str(&sub);
        replaced.push(' ');
        replaced.push_str(&cond[end.min(cond.len())..]);
        *cond = replaced;
        search_from = start + sub.len() + 2;
        used = true;
    }
    used
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
    }
    cond
}

/// Replaces macro references by the macros' trees. `visible` says which names the
/// referring item may see.
fn expand_macros(
    ast: &Ast,
    macros: &HashMap<String, Ast>,
    visible: &dyn Fn(&str) -> bool,
    used: &mut HashSet<String>,
    stack: &mut Vec<String>,
) -> Result<Ast, CompileError> {
    Ok(match ast {
        Ast::And(children) => Ast::And(
            children
                .iter()
                .map(|c| expand_macros(c, macros, visible, used, stack))
                .collect::<Result<_, _>>()?,
        ),
        Ast::Or(children) => Ast::Or(
            children
                .iter()
                .map(|c| expand_macros(c, macros, visible, used, stack))
                .collect::<Result<_, _>>()?,
        ),
        Ast::Not(child) => Ast::Not(Box::new(expand_macros(
            child, macros, visible, used, stack,
        )?)),
        Ast::Identifier(name, pos) => {
            let body = macros.get(name).filter(|_| visible(name));
            let Some(body) = body else {
                return Err(err(
                    format!("Undefined macro '{name}' used in filter."),
                    *pos,
                ));
            };
            if stack.contains(name) {
                return Err(err(format!("Macro '{name}' refers to itself"), *pos));
            }
            used.insert(name.clone());
            stack.push(name.clone());
            let expanded = expand_macros(body, macros, visible, used, stack)?;
            stack.pop();
            expanded
        }
        other => other.clone(),
    })
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
    /// Comparisons with the literal `<NA>`.
    pub(crate) na_checks: usize,
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

fn compile_binary(
    lhs: &AstOperand,
    op: &str,
    modifier: Option<Modifier>,
    rhs: &Rhs,
    pos: Pos,
    notes: &mut Notes,
) -> Result<Expr, CompileError> {
    let lhs_pos = operand_pos(lhs);
    let lhs = compile_operand(lhs, notes)?;
    let ty = operand_type(&lhs);
    let field_name = lhs.field().display.to_string();
    let rhs_values: Option<(Vec<&str>, Pos)> = match rhs {
        Rhs::Value(v, p) => Some((vec![v.as_str()], *p)),
        Rhs::List(items, p) => Some((items.iter().map(String::as_str).collect(), *p)),
        Rhs::Operand(_) => None,
    };
    if let Some((values, _)) = &rhs_values
        && values.contains(&"<NA>")
    {
        notes.na_checks += 1;
    }
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
    Ok(Expr::Check(Box::new(Check { lhs, test })))
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
    for m in &col.macros.items {
        let cond = substitute_lists(&m.cond, &lists, &mut used_lists);
        match parser::parse(&cond) {
            Ok(ast) => {
                parsed.insert(m.name.clone(), ast);
            }
            Err(e) => diagnostics.push(condition_error(
                &m.cond_ctx,
                Code::ErrCompileCondition,
                &cond,
                &CompileError {
                    message: e.message,
                    pos: Some(e.pos),
                    unknown: false,
                },
            )),
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
        match expand_macros(
            ast,
            &resolved,
            &visible,
            &mut used_macros,
            &mut vec![m.name.clone()],
        ) {
            Ok(ast) => {
                resolved.insert(m.name.clone(), ast);
            }
            Err(e) => {
                resolved.remove(&m.name);
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
        let cond = substitute_lists(&condition, &lists, &mut used_lists);
        let ast = match parser::parse(&cond) {
            Ok(ast) => ast,
            Err(e) => {
                let e = CompileError {
                    message: e.message,
                    pos: Some(e.pos),
                    unknown: false,
                };
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
        let compiled = expand_macros(
            &ast,
            &resolved,
            &|_| true,
            &mut used_macros,
            &mut Vec::new(),
        )
        .and_then(|ast| compile_ast(&ast, &mut notes));
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
        if notes.na_checks > 0 {
            diagnostics.push(r.cond_ctx.diagnostic(
                Code::UnsafeNaCheck,
                "the condition compares a field with '<NA>': a missing value is never equal to anything, so such checks are always false (use 'exists')",
            ));
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
    let cond = substitute_lists(condition, &defs.lists, &mut unused);
    let ast = parser::parse(&cond).map_err(|e| CompileError {
        message: e.message,
        pos: Some(e.pos),
        unknown: false,
    })?;
    let ast = expand_macros(&ast, &defs.macros, &|_| true, &mut unused, &mut Vec::new())?;
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
}
