//! Execution, following Go's `text/template/exec.go` step by step: which node is
//! "current" when an error happens, how arguments are checked against parameter
//! types, how pipelines unwrap `interface{}` values, and how variables are scoped.
//!
//! Go distinguishes an untyped nil (an invalid `reflect.Value`) from an
//! `interface{}` that holds nil or a value; the difference shows in error messages
//! (`nil data; no entry for key` against `nil pointer evaluating interface {}.x`),
//! so operands carry that flag.

use std::collections::HashMap;
use std::fmt;

use crate::ast::{Arg, Branch, BranchKind, Command, List, Node, Number, Pipe};
use crate::fmt::format_v;
use crate::funcs::{self, Body, Ctx, Func, Ty};
use crate::value::{MapKind, Val};
use crate::{Host, Limits};

/// Lists (and template calls) nested deeper than this are refused: together with
/// the parser's nesting cap it bounds the executor's recursion.
const MAX_EXEC_NESTING: usize = 150;

pub(crate) struct ExecError {
    pub(crate) pos: usize,
    pub(crate) template: String,
    pub(crate) context: String,
    pub(crate) message: String,
}

type Result<T> = std::result::Result<T, ExecError>;

/// A value with its static Go type: `iface` marks an `interface{}` (a map or list
/// element) as opposed to a concrete value (anything a pipeline produced).
#[derive(Debug, Clone)]
struct Operand {
    val: Val,
    iface: bool,
}

impl Operand {
    fn concrete(val: Val) -> Self {
        Operand { val, iface: false }
    }

    fn type_name(&self) -> &'static str {
        if self.iface {
            "interface {}"
        } else {
            self.val.type_name()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// The node being evaluated, for error messages.
#[derive(Clone, Copy)]
enum At<'t> {
    Node(&'t Node),
    Pipe(&'t Pipe),
    Command(&'t Command),
    Arg(&'t Arg),
}

impl At<'_> {
    fn pos(self) -> usize {
        match self {
            At::Node(Node::Text { pos, .. })
            | At::Node(Node::Action { pos, .. })
            | At::Node(Node::Template { pos, .. })
            | At::Node(Node::Break { pos })
            | At::Node(Node::Continue { pos }) => *pos,
            At::Node(Node::Branch(branch)) => branch.pos,
            At::Pipe(pipe) => pipe.pos,
            At::Command(cmd) => cmd.pos,
            At::Arg(arg) => arg.pos(),
        }
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Node(node) => write!(f, "{node}"),
            At::Pipe(pipe) => write!(f, "{pipe}"),
            At::Command(cmd) => write!(f, "{cmd}"),
            At::Arg(arg) => write!(f, "{arg}"),
        }
    }
}

struct Exec<'t, 'h> {
    trees: &'t HashMap<String, List>,
    template: String,
    vars: Vec<(String, Operand)>,
    at: Option<At<'t>>,
    out: String,
    template_depth: usize,
    nesting: usize,
    steps: u64,
    ctx: Ctx<'h>,
}

pub(crate) fn execute(
    name: &str,
    trees: &HashMap<String, List>,
    data: &Val,
    host: &dyn Host,
    limits: &Limits,
) -> Result<String> {
    let mut exec = Exec {
        trees,
        template: name.to_owned(),
        vars: vec![("$".to_owned(), Operand::concrete(data.clone()))],
        at: None,
        out: String::new(),
        template_depth: 0,
        nesting: 0,
        steps: 0,
        ctx: Ctx::new(host, limits),
    };
    let result = match trees.get(name) {
        Some(root) => exec
            .walk_list(&Operand::concrete(data.clone()), root)
            .map(|_| ()),
        None => Err(exec.error(format!(
            "{} is an incomplete or empty template",
            crate::text::go_quote(name, false)
        ))),
    };
    let Exec { out, ctx, .. } = exec;
    ctx.release();
    result.map(|()| out)
}

/// Go's `isHexInt`: hex literals that are integers even though they contain `e`.
fn is_hex_int(text: &str) -> bool {
    text.len() > 2
        && (text.starts_with("0x") || text.starts_with("0X"))
        && !text.contains(['p', 'P'])
}

impl<'t> Exec<'t, '_> {
    fn limits(&self) -> &Limits {
        self.ctx.limits
    }

    fn error(&self, message: String) -> ExecError {
        let (pos, context) = match self.at {
            Some(at) => (at.pos(), at.to_string()),
            None => (0, String::new()),
        };
        ExecError {
            pos,
            template: self.template.clone(),
            context,
            message,
        }
    }

    fn at(&mut self, at: At<'t>) {
        self.at = Some(at);
    }

    fn step(&mut self) -> Result<()> {
        self.steps += 1;
        if self.steps.saturating_add(self.ctx.charged) > self.limits().max_steps {
            return Err(self.error(format!(
                "template execution exceeded the limit of {} steps",
                self.limits().max_steps
            )));
        }
        Ok(())
    }

    fn write(&mut self, s: &str) -> Result<()> {
        if self.out.len() + s.len() > self.limits().max_output_bytes {
            return Err(self.error(format!(
                "template output exceeds the limit of {} bytes",
                self.limits().max_output_bytes
            )));
        }
        self.out.push_str(s);
        Ok(())
    }

    // ---- variables ----

    fn push_var(&mut self, name: &str, value: Operand) {
        self.vars.push((name.to_owned(), value));
    }

    fn set_var(&mut self, name: &str, value: Operand) -> Result<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => Err(self.error(format!("undefined variable: {name}"))),
        }
    }

    /// Overwrites the n-th variable from the top; range iterations use it.
    fn set_top_var(&mut self, n: usize, value: Operand) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = value;
        }
    }

    fn var_value(&self, name: &str) -> Result<Operand> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, value)) => Ok(value.clone()),
            None => Err(self.error(format!("undefined variable: {name}"))),
        }
    }

    // ---- walking ----

    fn walk_list(&mut self, dot: &Operand, list: &'t List) -> Result<Flow> {
        if self.nesting >= MAX_EXEC_NESTING {
            return Err(self.error(format!(
                "exceeded maximum nesting depth ({MAX_EXEC_NESTING})"
            )));
        }
        self.nesting += 1;
        let mut flow = Ok(Flow::Normal);
        for node in &list.nodes {
            match self.walk(dot, node) {
                Ok(Flow::Normal) => {}
                other => {
                    flow = other;
                    break;
                }
            }
        }
        self.nesting -= 1;
        flow
    }

    fn walk(&mut self, dot: &Operand, node: &'t Node) -> Result<Flow> {
        self.at(At::Node(node));
        self.step()?;
        match node {
            Node::Text { text, .. } => self.write(text)?,
            Node::Action { pipe, .. } => {
                let value = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.print_value(node, &value)?;
                }
            }
            Node::Break { .. } => return Ok(Flow::Break),
            Node::Continue { .. } => return Ok(Flow::Continue),
            Node::Branch(branch) => match branch.kind {
                BranchKind::If | BranchKind::With => return self.walk_if_or_with(dot, branch),
                BranchKind::Range => return self.walk_range(dot, node, branch),
            },
            Node::Template { name, pipe, .. } => {
                self.walk_template(dot, node, name, pipe.as_ref())?
            }
        }
        Ok(Flow::Normal)
    }

    fn print_value(&mut self, node: &'t Node, value: &Operand) -> Result<()> {
        self.at(At::Node(node));
        if matches!(value.val, Val::Nil) {
            return self.write("<no value>");
        }
        let remaining = self
            .limits()
            .max_output_bytes
            .saturating_sub(self.out.len());
        let text = format_v(&value.val, remaining).map_err(|e| self.error(e.message(remaining)))?;
        self.write(&text)
    }

    fn walk_if_or_with(&mut self, dot: &Operand, branch: &'t Branch) -> Result<Flow> {
        let mark = self.vars.len();
        let result = self.eval_pipeline(dot, &branch.pipe).and_then(|value| {
            if value.val.truth() {
                if matches!(branch.kind, BranchKind::With) {
                    self.walk_list(&value, &branch.list)
                } else {
                    self.walk_list(dot, &branch.list)
                }
            } else if let Some(else_list) = &branch.else_list {
                self.walk_list(dot, else_list)
            } else {
                Ok(Flow::Normal)
            }
        });
        self.vars.truncate(mark);
        result
    }

    fn walk_range(&mut self, dot: &Operand, node: &'t Node, branch: &'t Branch) -> Result<Flow> {
        self.at(At::Node(node));
        let mark = self.vars.len();
        let result = self.range_body(dot, branch);
        self.vars.truncate(mark);
        result.map(|_| Flow::Normal)
    }

    fn range_body(&mut self, dot: &Operand, branch: &'t Branch) -> Result<Flow> {
        let value = self.eval_pipeline(dot, &branch.pipe)?;
        let body_mark = self.vars.len();
        let mut ran = false;
        match &value.val {
            Val::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    ran = true;
                    let elem = Operand {
                        val: item.clone(),
                        iface: true,
                    };
                    if self.iteration(
                        branch,
                        Operand::concrete(Val::Int(i as i64)),
                        elem,
                        body_mark,
                    )? == Flow::Break
                    {
                        break;
                    }
                }
            }
            Val::Map(map) => {
                let iface = map.kind == MapKind::Interface;
                for (key, item) in map.entries() {
                    ran = true;
                    let elem = Operand { val: item, iface };
                    if self.iteration(branch, Operand::concrete(Val::str(key)), elem, body_mark)?
                        == Flow::Break
                    {
                        break;
                    }
                }
            }
            Val::Int(n) | Val::Int64(n) => {
                if branch.pipe.decl.len() > 1 {
                    let shown = format_v(&value.val, 64).unwrap_or_default();
                    return Err(self.error(format!(
                        "can't use {shown} to iterate over more than one variable"
                    )));
                }
                let int64 = matches!(value.val, Val::Int64(_));
                for i in 0..*n {
                    ran = true;
                    let elem = Operand::concrete(if int64 { Val::Int64(i) } else { Val::Int(i) });
                    if self.iteration(branch, Operand::concrete(Val::Nil), elem, body_mark)?
                        == Flow::Break
                    {
                        break;
                    }
                }
            }
            Val::Nil => {}
            other => {
                let shown = format_v(other, 1 << 16).unwrap_or_default();
                return Err(self.error(format!("range can't iterate over {shown}")));
            }
        }
        if !ran && let Some(else_list) = &branch.else_list {
            return self.walk_list(dot, else_list);
        }
        Ok(Flow::Normal)
    }

    /// One pass over a range body, with Go's rules for the one or two variables.
    fn iteration(
        &mut self,
        branch: &'t Branch,
        index: Operand,
        elem: Operand,
        body_mark: usize,
    ) -> Result<Flow> {
        self.step()?;
        let pipe = &branch.pipe;
        if let Some(first) = pipe.decl.first() {
            if pipe.is_assign {
                let value = if pipe.decl.len() > 1 {
                    index.clone()
                } else {
                    elem.clone()
                };
                self.set_var(first, value)?;
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if let Some(second) = pipe.decl.get(1) {
            if pipe.is_assign {
                self.set_var(second, elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let flow = self.walk_list(&elem, &branch.list);
        self.vars.truncate(body_mark);
        flow
    }

    fn walk_template(
        &mut self,
        dot: &Operand,
        node: &'t Node,
        name: &str,
        pipe: Option<&'t Pipe>,
    ) -> Result<()> {
        self.at(At::Node(node));
        let Some(tree) = self.trees.get(name) else {
            return Err(self.error(format!(
                "template {} not defined",
                crate::text::go_quote(name, false)
            )));
        };
        if self.template_depth >= self.limits().max_template_depth {
            return Err(self.error(format!(
                "exceeded maximum template depth ({})",
                self.limits().max_template_depth
            )));
        }
        // Variables declared by the pipeline persist in the caller.
        let new_dot = match pipe {
            Some(pipe) => self.eval_pipeline(dot, pipe)?,
            None => Operand::concrete(Val::Nil),
        };
        // No dynamic scoping: the called template sees only `$`.
        let outer_vars = std::mem::replace(&mut self.vars, vec![("$".to_owned(), new_dot.clone())]);
        let outer_name = std::mem::replace(&mut self.template, name.to_owned());
        self.template_depth += 1;
        let result = self.walk_list(&new_dot, tree);
        self.template_depth -= 1;
        self.template = outer_name;
        self.vars = outer_vars;
        result.map(|_| ())
    }

    // ---- evaluation ----

    fn eval_pipeline(&mut self, dot: &Operand, pipe: &'t Pipe) -> Result<Operand> {
        self.at(At::Pipe(pipe));
        let mut value: Option<Operand> = None;
        for cmd in &pipe.cmds {
            let result = self.eval_command(dot, cmd, value.take())?;
            // An interface{} result is unwrapped to the value inside, as Go does.
            value = Some(Operand::concrete(result.val));
        }
        let value = value.unwrap_or(Operand::concrete(Val::Nil));
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(var, value.clone())?;
            } else {
                self.push_var(var, value.clone());
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], has_final: bool) -> Result<()> {
        if args.len() > 1 || has_final {
            let first = args.first().map(ToString::to_string).unwrap_or_default();
            return Err(self.error(format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Operand,
        cmd: &'t Command,
        last: Option<Operand>,
    ) -> Result<Operand> {
        let Some(first) = cmd.args.first() else {
            return Err(self.error("empty command".into()));
        };
        match first {
            Arg::Field { idents, .. } => {
                return self.eval_field_node(dot, first, idents, &cmd.args, last);
            }
            Arg::Chain { node, fields, .. } => {
                return self.eval_chain_node(dot, first, node, fields, &cmd.args, last);
            }
            Arg::Identifier { name, .. } => {
                self.at(At::Arg(first));
                return self.eval_function(
                    dot,
                    name,
                    At::Command(cmd),
                    cmd.args.get(1..).unwrap_or(&[]),
                    last,
                );
            }
            Arg::Pipe(pipe) => {
                self.not_a_function(&cmd.args, last.is_some())?;
                return self.eval_pipeline(dot, pipe);
            }
            Arg::Variable { idents, .. } => {
                return self.eval_variable_node(dot, first, idents, &cmd.args, last);
            }
            _ => {}
        }
        self.at(At::Arg(first));
        self.not_a_function(&cmd.args, last.is_some())?;
        match first {
            Arg::Bool { value, .. } => Ok(Operand::concrete(Val::Bool(*value))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Err(self.error("nil is not a command".into())),
            Arg::Number { number, .. } => self.ideal_constant(first, number).map(Operand::concrete),
            Arg::String { text, .. } => Ok(Operand::concrete(Val::str(text.as_str()))),
            other => Err(self.error(format!(
                "can't evaluate command {}",
                crate::text::go_quote(&other.to_string(), false)
            ))),
        }
    }

    /// A number literal where no type is expected: its syntax decides, as in Go.
    fn ideal_constant(&mut self, arg: &'t Arg, number: &Number) -> Result<Val> {
        self.at(At::Arg(arg));
        if number.is_complex {
            return Err(self.error(format!("complex constant {} is not supported", number.text)));
        }
        let text = &number.text;
        if let Some(f) = number.float
            && !is_hex_int(text)
            && !text.starts_with('\'')
            && text.contains(['.', 'e', 'E', 'p', 'P'])
        {
            return Ok(Val::Float(f));
        }
        match number.int {
            Some(i) => Ok(Val::Int(i)),
            None if number.is_uint => Err(self.error(format!("{text} overflows int"))),
            None => Err(self.error(format!("illegal number syntax: {text}"))),
        }
    }

    fn eval_field_node(
        &mut self,
        dot: &Operand,
        node: &'t Arg,
        idents: &[String],
        args: &'t [Arg],
        last: Option<Operand>,
    ) -> Result<Operand> {
        self.at(At::Arg(node));
        self.eval_field_chain(dot, dot.clone(), node, idents, args, last)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Operand,
        node: &'t Arg,
        inner: &'t Arg,
        fields: &[String],
        args: &'t [Arg],
        last: Option<Operand>,
    ) -> Result<Operand> {
        self.at(At::Arg(node));
        if matches!(inner, Arg::Nil { .. }) {
            return Err(self.error(format!("indirection through explicit nil in {node}")));
        }
        let receiver = self.eval_arg(dot, Ty::Any, inner)?;
        self.eval_field_chain(dot, Operand::concrete(receiver), node, fields, args, last)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Operand,
        node: &'t Arg,
        idents: &[String],
        args: &'t [Arg],
        last: Option<Operand>,
    ) -> Result<Operand> {
        self.at(At::Arg(node));
        let name = idents.first().map(String::as_str).unwrap_or("$");
        let value = self.var_value(name)?;
        if idents.len() == 1 {
            self.not_a_function(args, last.is_some())?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, node, idents.get(1..).unwrap_or(&[]), args, last)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Operand,
        mut receiver: Operand,
        node: &'t Arg,
        idents: &[String],
        args: &'t [Arg],
        last: Option<Operand>,
    ) -> Result<Operand> {
        let Some((final_ident, leading)) = idents.split_last() else {
            return Ok(receiver);
        };
        for ident in leading {
            receiver = self.eval_field(dot, ident, node, &[], None, receiver)?;
        }
        self.eval_field(dot, final_ident, node, args, last, receiver)
    }

    /// `.Field` on a receiver: a method of `*semver.Version`, or a map entry.
    fn eval_field(
        &mut self,
        dot: &Operand,
        field: &str,
        node: &'t Arg,
        args: &'t [Arg],
        last: Option<Operand>,
        receiver: Operand,
    ) -> Result<Operand> {
        if matches!(receiver.val, Val::Nil) {
            if receiver.iface {
                return Err(self.error(format!("nil pointer evaluating interface {{}}.{field}")));
            }
            return Err(self.error(format!(
                "nil data; no entry for key {}",
                crate::text::go_quote(field, false)
            )));
        }
        if let Some(method) = funcs::method(&receiver.val, field) {
            let mut with_receiver = vec![receiver.val.clone()];
            return self.eval_call_with_receiver(
                dot,
                &method,
                At::Arg(node),
                field,
                args.get(1..).unwrap_or(&[]),
                last,
                &mut with_receiver,
            );
        }
        let has_args = args.len() > 1 || last.is_some();
        match &receiver.val {
            Val::Cert(pair) if field == "Cert" || field == "Key" => {
                if has_args {
                    return Err(self.error(format!("{field} is not a method but has arguments")));
                }
                let text = if field == "Cert" {
                    &pair.cert
                } else {
                    &pair.key
                };
                Ok(Operand::concrete(Val::str(text.as_str())))
            }
            Val::Map(map) => {
                if has_args {
                    return Err(self.error(format!("{field} is not a method but has arguments")));
                }
                match map.get(field) {
                    Some(value) => Ok(Operand {
                        val: value,
                        iface: map.kind == MapKind::Interface,
                    }),
                    None => Err(self.error(format!(
                        "map has no entry for key {}",
                        crate::text::go_quote(field, false)
                    ))),
                }
            }
            _ => Err(self.error(format!(
                "can't evaluate field {field} in type {}",
                receiver.type_name()
            ))),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Operand,
        name: &str,
        call_node: At<'t>,
        args: &'t [Arg],
        last: Option<Operand>,
    ) -> Result<Operand> {
        let Some(func) = funcs::lookup(name) else {
            return Err(self.error(format!(
                "{} is not a defined function",
                crate::text::go_quote(name, false)
            )));
        };
        self.eval_call_with_receiver(dot, &func, call_node, name, args, last, &mut Vec::new())
    }

    /// Go's `evalCall`: argument count, argument types, the call, and its error.
    /// `argv` starts with a method's receiver, or empty for functions.
    #[allow(clippy::too_many_arguments)]
    fn eval_call_with_receiver(
        &mut self,
        dot: &Operand,
        func: &Func,
        call_node: At<'t>,
        name: &str,
        args: &'t [Arg],
        last: Option<Operand>,
        argv: &mut Vec<Val>,
    ) -> Result<Operand> {
        self.step()?;
        let num_in = args.len() + usize::from(last.is_some());
        let num_fixed = func.params.len();
        if func.variadic.is_some() {
            if num_in < num_fixed {
                return Err(self.error(format!(
                    "wrong number of args for {name}: want at least {num_fixed} got {}",
                    args.len()
                )));
            }
        } else if num_in != num_fixed {
            return Err(self.error(format!(
                "wrong number of args for {name}: want {num_fixed} got {num_in}"
            )));
        }
        let param = |i: usize| {
            func.params
                .get(i)
                .copied()
                .or(func.variadic)
                .unwrap_or(Ty::Any)
        };

        if let Body::ShortCircuit { stop_when } = func.body {
            let mut value = Val::Nil;
            for arg in args {
                value = self.eval_arg(dot, Ty::Reflect, arg)?;
                if value.truth() == stop_when {
                    return Ok(Operand::concrete(value));
                }
            }
            if let Some(last) = last {
                value = self.validate_type(last, Ty::Reflect)?;
            }
            return Ok(Operand::concrete(value));
        }

        for (i, arg) in args.iter().enumerate() {
            let value = self.eval_arg(dot, param(i), arg)?;
            argv.push(value);
        }
        if let Some(last) = last {
            let ty = if func.variadic.is_some() && num_in > num_fixed {
                func.variadic.unwrap_or(Ty::Any)
            } else {
                param(num_in - 1)
            };
            let value = self.validate_type(last, ty)?;
            argv.push(value);
        }
        let result = match func.body {
            Body::Call(imp) => imp(&mut self.ctx, std::mem::take(argv)),
            Body::CallBuiltin => Err(match argv.first() {
                None | Some(Val::Nil) => "call of nil".to_owned(),
                Some(callee) => format!(
                    "non-function {} of type {}",
                    args.first().map(ToString::to_string).unwrap_or_default(),
                    callee.type_name()
                ),
            }),
            Body::ShortCircuit { .. } => Ok(Val::Nil),
        };
        match result {
            Ok(value) => Ok(Operand::concrete(value)),
            Err(message) => {
                self.at(call_node);
                Err(self.error(format!("error calling {name}: {message}")))
            }
        }
    }

    /// Go's `validateType`: is the evaluated value assignable to the parameter?
    fn validate_type(&self, value: Operand, ty: Ty) -> Result<Val> {
        if matches!(ty, Ty::Any | Ty::Reflect) {
            return Ok(value.val);
        }
        let ok = match (&value.val, ty) {
            (Val::Nil, _) => {
                if value.iface {
                    return Err(self.error(format!(
                        "wrong type for value; expected {}; got interface {{}}",
                        ty.go_name()
                    )));
                }
                if ty.nillable() {
                    return Ok(Val::Nil);
                }
                return Err(self.error(format!("invalid value; expected {}", ty.go_name())));
            }
            (Val::Str(_), Ty::Str)
            | (Val::Int(_), Ty::Int)
            | (Val::Float(_), Ty::Float)
            | (Val::Bool(_), Ty::Bool)
            | (Val::Version(_), Ty::Version)
            | (Val::Time(_), Ty::Time)
            | (Val::Cert(_), Ty::Cert)
            | (Val::List(_), Ty::List) => true,
            (Val::Map(map), Ty::Map) => map.kind == MapKind::Interface,
            _ => false,
        };
        if ok {
            return Ok(value.val);
        }
        Err(self.error(format!(
            "wrong type for value; expected {}; got {}",
            ty.go_name(),
            value.val.type_name()
        )))
    }

    /// Go's `evalArg`: literals are checked against the parameter type directly.
    fn eval_arg(&mut self, dot: &Operand, ty: Ty, arg: &'t Arg) -> Result<Val> {
        self.at(At::Arg(arg));
        let value = match arg {
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => {
                if ty.nillable() {
                    return Ok(Val::Nil);
                }
                return Err(self.error(format!("cannot assign nil to {}", ty.go_name())));
            }
            Arg::Field { idents, .. } => {
                self.eval_field_node(dot, arg, idents, std::slice::from_ref(arg), None)?
            }
            Arg::Variable { idents, .. } => self.eval_variable_node(dot, arg, idents, &[], None)?,
            Arg::Pipe(pipe) => self.eval_pipeline(dot, pipe)?,
            Arg::Identifier { name, .. } => {
                self.eval_function(dot, name, At::Arg(arg), &[], None)?
            }
            Arg::Chain { node, fields, .. } => {
                self.eval_chain_node(dot, arg, node, fields, &[], None)?
            }
            Arg::Bool { value, .. } => {
                return match ty {
                    Ty::Bool | Ty::Any | Ty::Reflect => Ok(Val::Bool(*value)),
                    _ => Err(self.literal_mismatch(ty, arg)),
                };
            }
            Arg::Number { number, .. } => {
                return match ty {
                    Ty::Int => number
                        .int
                        .map(Val::Int)
                        .ok_or_else(|| self.literal_mismatch(ty, arg)),
                    Ty::Float => number
                        .float
                        .map(Val::Float)
                        .ok_or_else(|| self.literal_mismatch(ty, arg)),
                    // reflect's SetUint truncates to the parameter's width.
                    Ty::Uint32 => match number.int {
                        Some(i) if i >= 0 => Ok(Val::Int(i64::from(i as u32))),
                        _ => Err(self.literal_mismatch(ty, arg)),
                    },
                    Ty::Any | Ty::Reflect => self.ideal_constant(arg, number),
                    _ => Err(self.literal_mismatch(ty, arg)),
                };
            }
            Arg::String { text, .. } => {
                return match ty {
                    Ty::Str | Ty::Any | Ty::Reflect => Ok(Val::str(text.as_str())),
                    _ => Err(self.literal_mismatch(ty, arg)),
                };
            }
        };
        self.validate_type(value, ty)
    }

    fn literal_mismatch(&self, ty: Ty, arg: &Arg) -> ExecError {
        let expected = match ty {
            Ty::Bool => "bool",
            Ty::Float => "float",
            Ty::Int => "integer",
            Ty::Str => "string",
            Ty::Uint32 => "unsigned integer",
            other => {
                return self.error(format!(
                    "can't handle {arg} for arg of type {}",
                    other.go_name()
                ));
            }
        };
        self.error(format!("expected {expected}; found {arg}"))
    }
}
