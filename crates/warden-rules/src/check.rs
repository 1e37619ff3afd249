//! Compiled conditions and their evaluation. Everything here borrows from the event:
//! a check that does not match allocates nothing.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::net::IpAddr;

use warden_events::{Event, Syscall};

use crate::fields::{self, Field, Host, Value};
use crate::parser::Modifier;
use crate::text::{self, Base64, Basename, CaseMapped, Needle, Pattern, Source, StrSet, Text};

/// A set of event types, one bit per [`Syscall::ALL`] entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SyscallSet(u128);

const _: () = assert!(Syscall::ALL.len() <= 128);

impl SyscallSet {
    pub(crate) const EMPTY: SyscallSet = SyscallSet(0);

    pub(crate) fn all() -> SyscallSet {
        SyscallSet(if Syscall::ALL.len() == 128 {
            u128::MAX
        } else {
            (1u128 << Syscall::ALL.len()) - 1
        })
    }

    pub(crate) fn insert(&mut self, s: Syscall) {
        self.0 |= 1 << (s as usize);
    }

    pub(crate) fn contains(self, s: Syscall) -> bool {
        self.0 & (1 << (s as usize)) != 0
    }

    pub(crate) fn union(self, o: SyscallSet) -> SyscallSet {
        SyscallSet(self.0 | o.0)
    }

    pub(crate) fn intersect(self, o: SyscallSet) -> SyscallSet {
        SyscallSet(self.0 & o.0)
    }

    pub(crate) fn complement(self) -> SyscallSet {
        SyscallSet(!self.0 & SyscallSet::all().0)
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Syscall> {
        Syscall::ALL
            .iter()
            .copied()
            .filter(move |&s| self.contains(s))
    }
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    And(Box<[Expr]>),
    Or(Box<[Expr]>),
    Not(Box<Expr>),
    /// `evt.type = X` / `in (...)`, compiled to a bit test.
    EvtType(SyscallSet),
    Check(Box<Check>),
    /// Entry `n` of the event type's table of distinct checks ([`Scope`]): evaluated at
    /// most once per event, whichever rules use it.
    Shared(u16),
}

impl Expr {
    pub(crate) fn eval(&self, ev: &Event, host: Host<'_>, scope: &mut Scope<'_>) -> bool {
        match self {
            Expr::And(children) => children.iter().all(|c| c.eval(ev, host, scope)),
            Expr::Or(children) => children.iter().any(|c| c.eval(ev, host, scope)),
            Expr::Not(child) => !child.eval(ev, host, scope),
            Expr::EvtType(set) => set.contains(ev.syscall),
            Expr::Check(check) => check.eval(ev, host),
            Expr::Shared(n) => scope.eval(*n, ev, host),
        }
    }

    /// Rewrites a shared expression so that more of it is a flat list of checks: what
    /// every branch of an `or` requires moves out of it (`(a and b) or (a and c)` becomes
    /// `a and (b or c)`), nested `and`s flatten, double negations cancel, and the parts
    /// of each `and` go in [`rejection_order`]. Each rewrite keeps the result for every
    /// event. (`not (a or b)` stays as it is: as `not a and not b` its rarely-true
    /// exception checks would run before the checks that reject most events.)
    pub(crate) fn factor(self) -> Expr {
        match self {
            Expr::And(children) => {
                let mut flat = Vec::with_capacity(children.len());
                for child in children.into_vec() {
                    match child.factor() {
                        Expr::And(inner) => flat.extend(inner.into_vec()),
                        other => flat.push(other),
                    }
                }
                flat.sort_by_key(rejection_order);
                and_of(flat)
            }
            Expr::Not(child) => negate(child.factor()),
            Expr::Or(children) => {
                let branches: Vec<Vec<Expr>> = children
                    .into_vec()
                    .into_iter()
                    .map(|c| match c.factor() {
                        Expr::And(inner) => inner.into_vec(),
                        other => vec![other],
                    })
                    .collect();
                let common: Vec<(u16, bool)> = branches
                    .first()
                    .map(|first| {
                        first
                            .iter()
                            .filter_map(literal)
                            .filter(|l| {
                                branches
                                    .iter()
                                    .all(|b| b.iter().any(|e| literal(e) == Some(*l)))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let mut rest = Vec::with_capacity(branches.len());
                for branch in branches {
                    let remaining: Vec<Expr> = branch
                        .into_iter()
                        .filter(|e| literal(e).is_none_or(|l| !common.contains(&l)))
                        .collect();
                    if remaining.is_empty() {
                        // This branch is just the common part: the `or` holds whenever it does.
                        return and_of(common.iter().map(|&l| from_literal(l)).collect());
                    }
                    rest.push(and_of(remaining));
                }
                let alternatives = if rest.len() == 1 {
                    rest.remove(0)
                } else {
                    Expr::Or(rest.into())
                };
                if common.is_empty() {
                    return alternatives;
                }
                let mut all: Vec<Expr> = common.iter().map(|&l| from_literal(l)).collect();
                match alternatives {
                    Expr::And(inner) => all.extend(inner.into_vec()),
                    other => all.push(other),
                }
                and_of(all)
            }
            other => other,
        }
    }

    /// Moves the checks into `table`, one entry per distinct check (by key), leaving
    /// [`Expr::Shared`] references; checks past [`MEMO_SLOTS`] stay where they are.
    pub(crate) fn share(self, table: &mut Vec<Check>, index: &mut HashMap<Box<str>, u16>) -> Expr {
        match self {
            Expr::And(children) => Expr::And(
                children
                    .into_vec()
                    .into_iter()
                    .map(|c| c.share(table, index))
                    .collect(),
            ),
            Expr::Or(children) => Expr::Or(
                children
                    .into_vec()
                    .into_iter()
                    .map(|c| c.share(table, index))
                    .collect(),
            ),
            Expr::Not(child) => Expr::Not(Box::new(child.share(table, index))),
            Expr::Check(check) => {
                if let Some(&n) = index.get(&check.key) {
                    return Expr::Shared(n);
                }
                match u16::try_from(table.len()) {
                    Ok(n) if table.len() < MEMO_SLOTS => {
                        index.insert(check.key.clone(), n);
                        table.push(*check);
                        Expr::Shared(n)
                    }
                    _ => Expr::Check(check),
                }
            }
            other @ (Expr::EvtType(_) | Expr::Shared(_)) => other,
        }
    }

    /// The event types this condition can be true for (Falco's `ppm_event_codes`).
    pub(crate) fn event_types(&self, negated: bool) -> SyscallSet {
        match self {
            Expr::And(children) | Expr::Or(children) => {
                let conjunction = matches!(self, Expr::And(_)) != negated;
                let mut sets = children.iter().map(|c| c.event_types(negated));
                let first = sets.next().unwrap_or_else(SyscallSet::all);
                if conjunction {
                    sets.fold(first, SyscallSet::intersect)
                } else {
                    sets.fold(first, SyscallSet::union)
                }
            }
            Expr::Not(child) => child.event_types(!negated),
            Expr::EvtType(set) if negated => set.complement(),
            Expr::EvtType(set) => *set,
            Expr::Check(_) | Expr::Shared(_) => SyscallSet::all(),
        }
    }
}

/// Where a part of an `and` goes: parts that must hold first (most events fail them),
/// negated parts last (mostly exceptions, which rarely hold); single checks before
/// subexpressions. A stable sort keeps the cheapest-first order within each group.
pub(crate) fn rejection_order(e: &Expr) -> u8 {
    match e {
        Expr::Not(inner) if matches!(**inner, Expr::Shared(_) | Expr::Check(_)) => 2,
        Expr::Not(_) => 3,
        Expr::Shared(_) | Expr::Check(_) | Expr::EvtType(_) => 0,
        Expr::And(_) | Expr::Or(_) => 1,
    }
}

/// A shared check and the result it must have, when `e` is one (or its negation).
pub(crate) fn literal(e: &Expr) -> Option<(u16, bool)> {
    match e {
        Expr::Shared(n) => Some((*n, true)),
        Expr::Not(inner) => match **inner {
            Expr::Shared(n) => Some((n, false)),
            _ => None,
        },
        _ => None,
    }
}

fn from_literal((n, want): (u16, bool)) -> Expr {
    if want {
        Expr::Shared(n)
    } else {
        Expr::Not(Box::new(Expr::Shared(n)))
    }
}

fn negate(e: Expr) -> Expr {
    match e {
        Expr::Not(inner) => *inner,
        other => Expr::Not(Box::new(other)),
    }
}

fn and_of(mut children: Vec<Expr>) -> Expr {
    if children.len() == 1 {
        children.remove(0)
    } else {
        Expr::And(children.into())
    }
}

/// An expression after folding what is known about the event type.
pub(crate) enum Folded {
    Const(bool),
    Expr(Expr),
}

impl Expr {
    /// The expression as it evaluates for events of type `syscall`: `evt.type` tests
    /// become constants, constant branches disappear, nested `and`/`or` flatten, and the
    /// cheaper tests of each `and`/`or` run first. Every test is a pure function of the
    /// event, so the order changes the cost, never the result.
    pub(crate) fn specialize(&self, syscall: Syscall) -> Folded {
        match self {
            Expr::EvtType(set) => Folded::Const(set.contains(syscall)),
            Expr::Check(_) | Expr::Shared(_) => Folded::Expr(self.clone()),
            Expr::Not(child) => match child.specialize(syscall) {
                Folded::Const(b) => Folded::Const(!b),
                Folded::Expr(Expr::Not(inner)) => Folded::Expr(*inner),
                Folded::Expr(e) => Folded::Expr(Expr::Not(Box::new(e))),
            },
            Expr::And(children) | Expr::Or(children) => {
                let is_and = matches!(self, Expr::And(_));
                let mut kept: Vec<Expr> = Vec::with_capacity(children.len());
                for child in children.iter() {
                    match child.specialize(syscall) {
                        // `false` decides an `and`, `true` decides an `or`.
                        Folded::Const(b) if b != is_and => return Folded::Const(b),
                        Folded::Const(_) => {}
                        Folded::Expr(Expr::And(inner)) if is_and => kept.extend(inner.into_vec()),
                        Folded::Expr(Expr::Or(inner)) if !is_and => kept.extend(inner.into_vec()),
                        Folded::Expr(e) => kept.push(e),
                    }
                }
                match kept.len() {
                    0 => Folded::Const(is_and),
                    1 => Folded::Expr(kept.remove(0)),
                    _ => {
                        kept.sort_by_key(Expr::cost);
                        Folded::Expr(if is_and {
                            Expr::And(kept.into())
                        } else {
                            Expr::Or(kept.into())
                        })
                    }
                }
            }
        }
    }

    /// A rough relative cost of evaluating the expression.
    fn cost(&self) -> u32 {
        match self {
            Expr::EvtType(_) => 1,
            Expr::Not(child) => child.cost(),
            Expr::And(children) | Expr::Or(children) => children.iter().map(Expr::cost).sum(),
            Expr::Check(check) => check.cost(),
            // Only specialised expressions are shared, and they are sorted already.
            Expr::Shared(_) => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transformer {
    Lower,
    Upper,
    B64,
    Basename,
    Len,
}

/// The left side of a check (or the right side of `val()`).
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Field(Field),
    Transform(Transformer, Box<Operand>),
}

/// An operand's value as a test sees it.
pub(crate) enum Resolved<'a> {
    Missing,
    Text(&'a dyn Source),
    Num(i128),
    Ip(IpAddr),
}

impl Operand {
    pub(crate) fn field(&self) -> &Field {
        match self {
            Operand::Field(f) => f,
            Operand::Transform(_, inner) => inner.field(),
        }
    }

    /// Calls `f` with each value the operand has (several for `proc.aname` without an
    /// index and for `fd.ip`); true as soon as `f` is.
    fn any(&self, ev: &Event, host: Host<'_>, f: &mut dyn FnMut(Resolved<'_>) -> bool) -> bool {
        match self {
            Operand::Field(field) => {
                fields::any_value(field, ev, host, &mut |value| resolve_value(value, f))
            }
            Operand::Transform(..) => self.with(ev, host, f),
        }
    }

    /// The single value of the operand.
    pub(crate) fn with(
        &self,
        ev: &Event,
        host: Host<'_>,
        f: &mut dyn FnMut(Resolved<'_>) -> bool,
    ) -> bool {
        match self {
            Operand::Field(field) => resolve_value(fields::extract(field, ev, host), f),
            Operand::Transform(t, inner) => inner.with(ev, host, &mut |r| match r {
                Resolved::Text(src) => match t {
                    Transformer::Lower => f(Resolved::Text(&CaseMapped {
                        inner: src,
                        upper: false,
                    })),
                    Transformer::Upper => f(Resolved::Text(&CaseMapped {
                        inner: src,
                        upper: true,
                    })),
                    Transformer::Basename => f(Resolved::Text(&Basename { inner: src })),
                    Transformer::B64 => f(Resolved::Text(&Base64 { inner: src })),
                    Transformer::Len => f(Resolved::Num(text::total_len(src) as i128)),
                },
                Resolved::Missing => f(Resolved::Missing),
                // Transformers apply to strings; the compiler refuses other types.
                other => f(other),
            }),
        }
    }
}

fn resolve_value(value: Value<'_>, f: &mut dyn FnMut(Resolved<'_>) -> bool) -> bool {
    match value {
        Value::Missing => f(Resolved::Missing),
        Value::Text(t) => f(Resolved::Text(&t as &dyn Source)),
        Value::Ip(ip) => f(Resolved::Ip(ip)),
        other => match other.number() {
            Some(n) => f(Resolved::Num(n)),
            None => f(Resolved::Missing),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl NumOp {
    fn holds(self, order: Ordering) -> bool {
        match self {
            NumOp::Eq => order == Ordering::Equal,
            NumOp::Ne => order != Ordering::Equal,
            NumOp::Lt => order == Ordering::Less,
            NumOp::Le => order != Ordering::Greater,
            NumOp::Gt => order == Ordering::Greater,
            NumOp::Ge => order != Ordering::Less,
        }
    }
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub(crate) addr: IpAddr,
    pub(crate) prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => {
                let ip: IpAddr = s.parse().ok()?;
                (ip, if ip.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { addr: ip, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// One string operator with its compiled right-hand side.
#[derive(Debug, Clone)]
pub(crate) enum StrOp {
    Eq(Box<[u8]>),
    /// Boxed: a searcher's tables are large.
    Contains(Box<Needle>),
    StartsWith(Box<[u8]>),
    EndsWith(Box<[u8]>),
    /// Boxed: a DFA is large and most checks are not patterns.
    Glob(Box<Pattern>),
    Regex(Box<Pattern>),
    In(StrSet),
    Pmatch(Box<[Box<[u8]>]>),
    Order(NumOp, Box<[u8]>),
}

impl StrOp {
    fn holds(&self, s: &dyn Source) -> bool {
        if let Some(bytes) = s.contiguous() {
            return self.holds_bytes(bytes);
        }
        match self {
            StrOp::Eq(b) => text::eq(s, b),
            StrOp::Contains(n) => n.found_in(s),
            StrOp::StartsWith(b) => text::starts_with(s, b),
            StrOp::EndsWith(b) => text::ends_with(s, b),
            StrOp::Glob(p) | StrOp::Regex(p) => p.matches(s),
            StrOp::In(set) => set.contains(s),
            StrOp::Pmatch(prefixes) => prefixes.iter().any(|p| path_prefix(s, p)),
            StrOp::Order(op, b) => op.holds(text::compare(s, b)),
        }
    }

    /// [`StrOp::holds`] for a value in one piece, the common case.
    fn holds_bytes(&self, s: &[u8]) -> bool {
        match self {
            StrOp::Eq(b) => s == &**b,
            StrOp::Contains(n) => n.found_in_bytes(s),
            StrOp::StartsWith(b) => s.starts_with(b),
            StrOp::EndsWith(b) => s.ends_with(b),
            StrOp::Glob(p) | StrOp::Regex(p) => p.matches(&text::Bytes(s)),
            StrOp::In(set) => set.contains_bytes(s),
            StrOp::Pmatch(prefixes) => prefixes.iter().any(|p| path_prefix_bytes(s, p)),
            StrOp::Order(op, b) => op.holds(s.cmp(b)),
        }
    }
}

/// [`path_prefix`] for a value in one piece.
fn path_prefix_bytes(s: &[u8], prefix: &[u8]) -> bool {
    let prefix = match prefix {
        [rest @ .., b'/'] if !rest.is_empty() => rest,
        p => p,
    };
    s.starts_with(prefix)
        && (prefix == b"/" || s.len() == prefix.len() || s.get(prefix.len()) == Some(&b'/'))
}

/// `pmatch`: the value is the path or lies below it.
fn path_prefix(s: &dyn Source, prefix: &[u8]) -> bool {
    let prefix = match prefix {
        [rest @ .., b'/'] if !rest.is_empty() => rest,
        p => p,
    };
    if !text::starts_with(s, prefix) {
        return false;
    }
    if prefix == b"/" {
        return true;
    }
    let len = text::total_len(s);
    len == prefix.len() || {
        let mut next = None;
        let mut seen = 0;
        s.each(&mut |chunk| {
            if seen + chunk.len() > prefix.len() {
                next = chunk.get(prefix.len() - seen).copied();
                return false;
            }
            seen += chunk.len();
            true
        });
        next == Some(b'/')
    }
}

/// What a check tests about its operand.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Exists,
    Str {
        op: StrOp,
        negate: bool,
    },
    Modified {
        modifier: Modifier,
        ops: Box<[StrOp]>,
        negate: bool,
    },
    Num(NumOp, i128),
    NumSet(Box<[i128]>),
    Ip {
        ip: IpAddr,
        negate: bool,
    },
    IpSet(Box<[IpAddr]>),
    Net {
        nets: Box<[Cidr]>,
        negate: bool,
    },
    /// `val(field)`: compare with another field of the same event.
    Operand {
        op: FieldOp,
        rhs: Operand,
    },
}

/// The operators allowed against `val()` and transformed right-hand sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldOp {
    Num(NumOp),
    Contains { fold: bool },
    StartsWith,
    EndsWith,
}

impl Test {
    fn holds(&self, r: &Resolved<'_>, ev: &Event, host: Host<'_>) -> bool {
        match (self, r) {
            (_, Resolved::Missing) => false,
            (Test::Exists, _) => true,
            (Test::Str { op, negate }, Resolved::Text(s)) => op.holds(*s) != *negate,
            (
                Test::Modified {
                    modifier,
                    ops,
                    negate,
                },
                Resolved::Text(s),
            ) => {
                let hits = ops.iter().filter(|op| op.holds(*s)).count();
                let ok = match modifier {
                    Modifier::Any => hits >= 1,
                    Modifier::All => hits == ops.len(),
                    Modifier::One => hits == 1,
                };
                ok != *negate
            }
            (Test::Num(op, rhs), Resolved::Num(n)) => op.holds(n.cmp(rhs)),
            (Test::NumSet(set), Resolved::Num(n)) => set.binary_search(n).is_ok(),
            (Test::Ip { ip, negate }, Resolved::Ip(v)) => (v == ip) != *negate,
            (Test::IpSet(set), Resolved::Ip(v)) => set.contains(v),
            (Test::Net { nets, negate }, Resolved::Ip(v)) => {
                nets.iter().any(|n| n.contains(*v)) != *negate
            }
            (Test::Operand { op, rhs }, left) => {
                let mut result = false;
                rhs.with(ev, host, &mut |right| {
                    result = compare_operands(*op, left, &right);
                    true
                });
                result
            }
            _ => false,
        }
    }
}

fn compare_operands(op: FieldOp, left: &Resolved<'_>, right: &Resolved<'_>) -> bool {
    match (left, right) {
        (Resolved::Num(a), Resolved::Num(b)) => match op {
            FieldOp::Num(n) => n.holds(a.cmp(b)),
            _ => false,
        },
        (Resolved::Ip(a), Resolved::Ip(b)) => match op {
            FieldOp::Num(NumOp::Eq) => a == b,
            FieldOp::Num(NumOp::Ne) => a != b,
            _ => false,
        },
        (Resolved::Text(a), Resolved::Text(b)) => text::with_contiguous(*b, |pattern| match op {
            FieldOp::Num(n) => n.holds(text::compare(*a, pattern)),
            FieldOp::Contains { fold } => {
                text::with_contiguous(*a, |hay| text::find(hay, pattern, fold))
            }
            FieldOp::StartsWith => text::starts_with(*a, pattern),
            FieldOp::EndsWith => text::ends_with(*a, pattern),
        }),
        _ => false,
    }
}

/// A field check.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) lhs: Operand,
    pub(crate) test: Test,
    /// The check as written (without positions): equal keys, equal results.
    pub(crate) key: Box<str>,
}

/// How many distinct checks one event type's table holds (and remembers results of).
pub(crate) const MEMO_SLOTS: usize = 1024;

/// One event's evaluation: the event type's distinct checks and the results found so
/// far. Falco's rules repeat the same macros, so about half the checks an event meets
/// are repeats; each is evaluated once.
pub(crate) struct Scope<'a> {
    checks: &'a [Check],
    known: [u64; MEMO_SLOTS / 64],
    value: [u64; MEMO_SLOTS / 64],
}

impl<'a> Scope<'a> {
    pub(crate) fn new(checks: &'a [Check]) -> Scope<'a> {
        Scope {
            checks,
            known: [0; MEMO_SLOTS / 64],
            value: [0; MEMO_SLOTS / 64],
        }
    }

    pub(crate) fn eval(&mut self, n: u16, ev: &Event, host: Host<'_>) -> bool {
        let (word, bit) = (usize::from(n) / 64, 1u64 << (n % 64));
        if self.known[word] & bit != 0 {
            return self.value[word] & bit != 0;
        }
        let result = self.checks[usize::from(n)].eval(ev, host);
        self.known[word] |= bit;
        if result {
            self.value[word] |= bit;
        }
        result
    }
}

impl Check {
    fn cost(&self) -> u32 {
        let field = self.lhs.field();
        let operand = fields::cost(field)
            + if matches!(self.lhs, Operand::Transform(..)) {
                4
            } else {
                0
            };
        let test = match &self.test {
            Test::Exists | Test::Num(..) | Test::Ip { .. } => 1,
            Test::NumSet(_) | Test::IpSet(_) | Test::Net { .. } => 2,
            Test::Str { op, .. } => match op {
                StrOp::Eq(_) | StrOp::StartsWith(_) | StrOp::EndsWith(_) | StrOp::Order(..) => 2,
                StrOp::In(_) | StrOp::Pmatch(_) => 4,
                StrOp::Contains(_) => 6,
                StrOp::Glob(_) | StrOp::Regex(_) => 10,
            },
            Test::Modified { ops, .. } => 4 * ops.len() as u32,
            Test::Operand { rhs, .. } => 8 + fields::cost(rhs.field()),
        };
        operand * test
    }

    fn eval(&self, ev: &Event, host: Host<'_>) -> bool {
        match &self.lhs {
            // Most checks: one value of one field, tested without indirect calls.
            Operand::Field(field) if !fields::is_multi_valued(field) => {
                match fields::extract(field, ev, host) {
                    Value::Missing => false,
                    Value::Text(Text::Str(s)) if let Test::Str { op, negate } = &self.test => {
                        op.holds_bytes(s.as_bytes()) != *negate
                    }
                    Value::Text(t) => self.test.holds(&Resolved::Text(&t), ev, host),
                    Value::Ip(ip) => self.test.holds(&Resolved::Ip(ip), ev, host),
                    other => other
                        .number()
                        .is_some_and(|n| self.test.holds(&Resolved::Num(n), ev, host)),
                }
            }
            _ => self
                .lhs
                .any(ev, host, &mut |r| self.test.holds(&r, ev, host)),
        }
    }
}

/// Materialises a value for outputs: its text, or `None` for `<NA>`.
pub(crate) fn render(operand: &Operand, ev: &Event, host: Host<'_>) -> Rendered {
    let mut out = Rendered::Missing;
    operand.with(ev, host, &mut |r| {
        out = match r {
            Resolved::Missing => Rendered::Missing,
            Resolved::Text(s) => Rendered::Text(text::to_string(s)),
            Resolved::Num(n) => Rendered::Num(n),
            Resolved::Ip(ip) => Rendered::Text(ip.to_string()),
        };
        true
    });
    out
}

/// A value ready for an alert.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rendered {
    Missing,
    Text(String),
    Num(i128),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Text;

    #[test]
    fn syscall_bits_follow_declaration_order() {
        for (i, s) in Syscall::ALL.iter().enumerate() {
            assert_eq!(*s as usize, i);
        }
        let mut set = SyscallSet::EMPTY;
        set.insert(Syscall::Openat);
        assert!(set.contains(Syscall::Openat) && !set.contains(Syscall::Open));
        assert!(!set.complement().contains(Syscall::Openat));
        assert_eq!(set.complement().complement(), set);
    }

    #[test]
    fn networks_and_path_prefixes() {
        let net = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(path_prefix(&Text::Str("/etc/passwd"), b"/etc"));
        assert!(path_prefix(&Text::Str("/etc"), b"/etc/"));
        assert!(!path_prefix(&Text::Str("/etcfoo"), b"/etc"));
        assert!(path_prefix(&Text::Str("/x"), b"/"));
        for value in ["/etc", "/etc/", "/etc/passwd", "/etcx", "/", "", "etc"] {
            for prefix in ["/etc", "/etc/", "/", "/et", ""] {
                assert_eq!(
                    path_prefix(&Text::Str(value), prefix.as_bytes()),
                    path_prefix_bytes(value.as_bytes(), prefix.as_bytes()),
                    "{value} {prefix}"
                );
            }
        }
    }
}

#[cfg(test)]
mod factor_tests {
    use super::*;

    /// The truth of an expression of shared checks, given each check's result.
    fn truth(e: &Expr, results: u32) -> bool {
        match e {
            Expr::And(c) => c.iter().all(|e| truth(e, results)),
            Expr::Or(c) => c.iter().any(|e| truth(e, results)),
            Expr::Not(e) => !truth(e, results),
            Expr::Shared(n) => results & (1 << n) != 0,
            Expr::EvtType(_) | Expr::Check(_) => unreachable!("not generated"),
        }
    }

    /// A random expression over checks 0..4, from a small deterministic generator.
    fn random(seed: &mut u64, depth: u32) -> Expr {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let pick = (*seed >> 33) as u32;
        if depth == 0 || pick.is_multiple_of(5) {
            return Expr::Shared((pick / 5 % 4) as u16);
        }
        let children = (0..1 + pick / 7 % 3)
            .map(|_| random(seed, depth - 1))
            .collect();
        match pick / 21 % 3 {
            0 => Expr::And(children),
            1 => Expr::Or(children),
            _ => Expr::Not(Box::new(random(seed, depth - 1))),
        }
    }

    #[test]
    fn factoring_never_changes_a_result() {
        let mut seed = 7;
        for _ in 0..3000 {
            let e = random(&mut seed, 5);
            let factored = e.clone().factor();
            for results in 0..16 {
                assert_eq!(
                    truth(&e, results),
                    truth(&factored, results),
                    "{e:?} became {factored:?}"
                );
            }
        }
        // What every branch of an `or` requires moves out of it.
        let a = || Expr::Shared(0);
        let e = Expr::Or(Box::new([
            Expr::And(Box::new([a(), Expr::Shared(1)])),
            Expr::And(Box::new([Expr::Shared(2), a()])),
        ]));
        assert!(matches!(e.factor(), Expr::And(parts) if matches!(parts[0], Expr::Shared(0))));
    }
}
