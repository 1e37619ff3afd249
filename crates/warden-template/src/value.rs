//! Runtime values: what a Go `reflect.Value` would hold during execution.
//!
//! Input data arrives as [`warden_value::Value`]; functions can also produce Go
//! types the input never has (`int64` from Sprig arithmetic, `map[string]string`
//! from `split`, `*semver.Version`). Those distinctions are visible in templates
//! (`repeat (add 1 2) "x"` fails in Go with "expected int; got int64"), so they are
//! kept here.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use warden_value::Value;

use crate::funcs::semver::SemVersion;
use crate::gotime::GoTime;

/// Sprig's `certificate` struct (`.Cert` and `.Key`, both PEM), as the `gen*Cert`
/// functions return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertPair {
    pub(crate) cert: String,
    pub(crate) key: String,
}

/// Element type of a map: goss data is `map[string]interface{}`, while the
/// environment and Sprig's `split` give `map[string]string`, whose missing
/// entries read as `""` rather than nil.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapKind {
    Interface,
    String,
}

/// A Go map: shared and mutable, because Sprig's `set` and `merge` change maps in
/// place and every reference sees the change.
#[derive(Debug, Clone)]
pub(crate) struct MapRef {
    entries: Rc<MapCell>,
    pub(crate) kind: MapKind,
}

impl MapRef {
    pub(crate) fn new(entries: BTreeMap<String, Val>) -> Self {
        MapRef {
            entries: Rc::new(MapCell(RefCell::new(entries))),
            kind: MapKind::Interface,
        }
    }

    pub(crate) fn new_strings(entries: BTreeMap<String, Val>) -> Self {
        MapRef {
            entries: Rc::new(MapCell(RefCell::new(entries))),
            kind: MapKind::String,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Val> {
        self.entries
            .0
            .try_borrow()
            .ok()
            .and_then(|m| m.get(key).cloned())
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.entries
            .0
            .try_borrow()
            .is_ok_and(|m| m.contains_key(key))
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.0.try_borrow().map(|m| m.len()).unwrap_or(0)
    }

    /// A copy of the entries in key order, so callers never hold a borrow while
    /// running code that might touch the same map.
    pub(crate) fn entries(&self) -> Vec<(String, Val)> {
        self.entries
            .0
            .try_borrow()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    pub(crate) fn keys(&self) -> Vec<String> {
        self.entries
            .0
            .try_borrow()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn insert(&self, key: String, value: Val) {
        if let Ok(mut m) = self.entries.0.try_borrow_mut() {
            m.insert(key, value);
        }
    }

    pub(crate) fn remove(&self, key: &str) {
        if let Ok(mut m) = self.entries.0.try_borrow_mut() {
            m.remove(key);
        }
    }

    /// Empties the map; used after rendering to break reference cycles built with `set`.
    pub(crate) fn clear(&self) {
        if let Ok(mut m) = self.entries.0.try_borrow_mut() {
            m.clear();
        }
    }

    pub(crate) fn same(&self, other: &MapRef) -> bool {
        Rc::ptr_eq(&self.entries, &other.entries)
    }
}

/// The elements of a list. Dropping is iterative (see [`drop_iteratively`]).
#[derive(Debug, Default)]
pub(crate) struct Items(Vec<Val>);

impl std::ops::Deref for Items {
    type Target = Vec<Val>;

    fn deref(&self) -> &Vec<Val> {
        &self.0
    }
}

impl Drop for Items {
    fn drop(&mut self) {
        drop_iteratively(std::mem::take(&mut self.0));
    }
}

/// A map's storage. Dropping is iterative (see [`drop_iteratively`]).
#[derive(Debug)]
pub(crate) struct MapCell(RefCell<BTreeMap<String, Val>>);

impl Drop for MapCell {
    fn drop(&mut self) {
        if let Ok(mut entries) = self.0.try_borrow_mut() {
            drop_iteratively(std::mem::take(&mut *entries).into_values().collect());
        }
    }
}

/// Frees values without recursion: a template can nest lists a million deep
/// (`$l = list $l` in a loop), and a recursive drop would overflow the stack.
/// Containers that are no longer shared hand their elements to a work list.
fn drop_iteratively(mut pending: Vec<Val>) {
    while let Some(value) = pending.pop() {
        match value {
            Val::List(items) => {
                if let Ok(mut items) = Rc::try_unwrap(items) {
                    pending.append(&mut items.0);
                }
            }
            Val::Map(map) => {
                if let Ok(cell) = Rc::try_unwrap(map.entries)
                    && let Ok(mut entries) = cell.0.try_borrow_mut()
                {
                    pending.extend(std::mem::take(&mut *entries).into_values());
                }
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// Go's untyped nil (an invalid `reflect.Value`).
    Nil,
    Bool(bool),
    /// Go `int`: literals, YAML integers, `len`, `atoi`.
    Int(i64),
    /// Go `int64`: Sprig arithmetic and `int64`.
    Int64(i64),
    Float(f64),
    Str(Rc<str>),
    List(Rc<Items>),
    Map(MapRef),
    Version(Rc<SemVersion>),
    /// Go's `time.Time`, from `now`, `toDate` and `dateModify`.
    Time(Rc<GoTime>),
    /// Sprig's `certificate`.
    Cert(Rc<CertPair>),
}

impl Val {
    pub(crate) fn str(s: impl Into<Rc<str>>) -> Val {
        Val::Str(s.into())
    }

    pub(crate) fn list(items: Vec<Val>) -> Val {
        Val::List(Rc::new(Items(items)))
    }

    pub(crate) fn strings(items: impl IntoIterator<Item = String>) -> Val {
        Val::list(items.into_iter().map(Val::str).collect())
    }

    /// The type `%T` prints.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Nil => "<nil>",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Int64(_) => "int64",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "[]interface {}",
            Val::Map(m) if m.kind == MapKind::String => "map[string]string",
            Val::Map(_) => "map[string]interface {}",
            Val::Version(_) => "*semver.Version",
            Val::Time(_) => "time.Time",
            Val::Cert(_) => "sprig.certificate",
        }
    }

    /// The `reflect.Kind` name, as Sprig's "Cannot push on type %s" messages print it.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Val::Nil => "invalid",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Int64(_) => "int64",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "slice",
            Val::Map(_) => "map",
            Val::Version(_) => "ptr",
            Val::Time(_) | Val::Cert(_) => "struct",
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Go's `isTrue`: the zero value of each type is false.
    pub(crate) fn truth(&self) -> bool {
        match self {
            Val::Nil => false,
            Val::Bool(b) => *b,
            Val::Int(i) | Val::Int64(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List(items) => !items.is_empty(),
            Val::Map(m) => m.len() > 0,
            Val::Version(_) | Val::Time(_) | Val::Cert(_) => true,
        }
    }

    /// Converts input data. The top-level `Env` map of goss's data becomes a
    /// `map[string]string`, as goss's `TmplVars.Env()` returns one.
    pub(crate) fn from_data(value: &Value) -> Val {
        let Value::Map(map) = value else {
            return Val::from_value(value);
        };
        let entries = map
            .iter()
            .map(|(k, v)| {
                let converted = match v {
                    Value::Map(env)
                        if k == "Env" && env.values().all(|v| matches!(v, Value::String(_))) =>
                    {
                        Val::Map(MapRef::new_strings(
                            env.iter()
                                .map(|(k, v)| (k.clone(), Val::from_value(v)))
                                .collect(),
                        ))
                    }
                    other => Val::from_value(other),
                };
                (k.clone(), converted)
            })
            .collect();
        Val::Map(MapRef::new(entries))
    }

    pub(crate) fn from_value(value: &Value) -> Val {
        match value {
            Value::Null => Val::Nil,
            Value::Bool(b) => Val::Bool(*b),
            Value::Int(i) => Val::Int(*i),
            Value::Float(f) => Val::Float(*f),
            Value::String(s) => Val::str(s.as_str()),
            Value::List(items) => Val::list(items.iter().map(Val::from_value).collect()),
            Value::Map(map) => Val::Map(MapRef::new(
                map.iter()
                    .map(|(k, v)| (k.clone(), Val::from_value(v)))
                    .collect(),
            )),
        }
    }
}
