//! Builtins: the universe (functions and constants every module sees) and the
//! methods of the built-in types, found through one table per type.

pub mod format;
mod methods_dict;
mod methods_list;
mod methods_set;
mod methods_string;
mod universe;

use crate::error::{EvalError, Result};
use crate::hint;
use crate::values::{Builtin, MethodFn, Value};
use rustc_hash::FxHashMap;

/// A method table: name and implementation, sorted by name.
pub type MethodTable = &'static [(&'static str, MethodFn)];

/// The universe: every built-in function and constant, by name.
pub fn universe() -> FxHashMap<String, Value> {
    let mut m = FxHashMap::default();
    m.insert("None".to_string(), Value::None);
    m.insert("True".to_string(), Value::Bool(true));
    m.insert("False".to_string(), Value::Bool(false));
    for (name, f) in universe::FUNCTIONS {
        m.insert(name.to_string(), Builtin::func(name, *f));
    }
    m
}

/// Whether `name` is in the universe (for the resolver).
pub fn is_universal(name: &str) -> bool {
    matches!(name, "None" | "True" | "False") || universe::FUNCTIONS.iter().any(|(n, _)| *n == name)
}

/// The method table of a built-in type.
pub fn methods(v: &Value) -> MethodTable {
    match v {
        Value::Str(_) => methods_string::STRING_METHODS,
        Value::Bytes(_) => methods_string::BYTES_METHODS,
        Value::List(_) => methods_list::METHODS,
        Value::Dict(_) => methods_dict::METHODS,
        Value::Set(_) => methods_set::METHODS,
        _ => &[],
    }
}

/// Names of `x`'s attributes and methods, sorted (for `dir` and hints).
pub fn attr_names(x: &Value) -> Vec<String> {
    let mut names: Vec<String> = match x {
        Value::Struct(s) => s.fields.keys().cloned().collect(),
        Value::Module(m) => m.members.keys().cloned().collect(),
        Value::Native(n) => n.attr_names(),
        _ => methods(x).iter().map(|(n, _)| n.to_string()).collect(),
    };
    names.sort();
    names.dedup();
    names
}

fn no_attr(x: &Value, name: &str) -> EvalError {
    let names = attr_names(x);
    let hint = match hint::closest(name, names.iter().map(|s| s.as_str())) {
        Some(c) => format!(" (did you mean .{c}?)"),
        None => String::new(),
    };
    EvalError::new(format!(
        "{} has no .{name} field or method{hint}",
        x.type_name()
    ))
}

/// `x.name`, or None if there is no such attribute.
pub fn try_get_attr(x: &Value, name: &str) -> Result<Option<Value>> {
    Ok(match x {
        Value::Struct(s) => s.fields.get(name).cloned(),
        Value::Module(m) => m.members.get(name).cloned(),
        Value::Native(n) => n.get_attr(x, name)?,
        _ => methods(x)
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, f)| Builtin::method(n, x.clone(), *f)),
    })
}

/// `x.name`, with a "did you mean" hint when absent.
pub fn get_attr(x: &Value, name: &str) -> Result<Value> {
    try_get_attr(x, name)?.ok_or_else(|| no_attr(x, name))
}

/// `x.name = v`.
pub fn set_attr(x: &Value, name: &str, v: Value) -> Result<()> {
    match x {
        Value::Native(n) => n.set_attr(name, v),
        _ => Err(EvalError::new(format!(
            "can't assign to .{name} field of {}",
            x.type_name()
        ))),
    }
}
