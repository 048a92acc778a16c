//! Builtins: the universe (functions and constants every module sees) and the
//! methods of the built-in types, found through one table per type.

pub mod format;
mod iterables;
mod methods_dict;
mod methods_list;
mod methods_set;
mod methods_string;
mod structs;
pub(crate) mod text;
mod unicode_tables;
mod universe;
pub(crate) mod unpack;

pub use structs::{make_module, make_struct};

use crate::error::{EvalError, Result};
use crate::eval::AttrFilter;
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

/// Whether the attribute `name` of `x` passes the thread's filter, if any.
pub fn visible(filter: Option<&AttrFilter>, x: &Value, name: &str) -> bool {
    filter.is_none_or(|f| f(x, name))
}

/// Names of `x`'s visible attributes and methods, sorted (for `dir` and hints).
pub fn attr_names(x: &Value, filter: Option<&AttrFilter>) -> Vec<String> {
    let mut names: Vec<String> = match x {
        Value::Struct(s) => s.fields.keys().cloned().collect(),
        Value::Module(m) => m.members.keys().cloned().collect(),
        Value::Native(n) => n.attr_names(),
        _ => methods(x).iter().map(|(n, _)| n.to_string()).collect(),
    };
    names.retain(|n| visible(filter, x, n));
    names.sort();
    names.dedup();
    names
}

fn no_attr(x: &Value, name: &str, filter: Option<&AttrFilter>) -> EvalError {
    let names = attr_names(x, filter);
    let hint = match crate::hint::nearest(name, names.iter().map(|s| s.as_str())) {
        Some(c) => format!(" (did you mean .{c}?)"),
        None => String::new(),
    };
    let what = match x {
        Value::Struct(s) => universe::struct_no_attr(s, name),
        _ => format!("{} has no .{name} field or method", x.type_name()),
    };
    EvalError::new(format!("{what}{hint}"))
}

/// `x.name`, or None if there is no such (visible) attribute.
pub fn try_get_attr(x: &Value, name: &str, filter: Option<&AttrFilter>) -> Result<Option<Value>> {
    if !visible(filter, x, name) {
        return Ok(None);
    }
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
pub fn get_attr(x: &Value, name: &str, filter: Option<&AttrFilter>) -> Result<Value> {
    try_get_attr(x, name, filter)?.ok_or_else(|| no_attr(x, name, filter))
}

/// `x.name = v`, run by `thread`.
pub fn set_attr(thread: &mut crate::eval::Thread, x: &Value, name: &str, v: Value) -> Result<()> {
    match x {
        Value::Native(n) => n.set_attr_in(thread, name, v),
        _ => Err(EvalError::new(format!(
            "can't assign to .{name} field of {}",
            x.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Set;
    use std::rc::Rc;

    #[test]
    fn method_tables_are_sorted_for_binary_search() {
        let samples = [
            Value::str("s"),
            Value::Bytes(Rc::new(vec![1])),
            Value::list(vec![]),
            Value::new_dict(),
            Value::Set(Rc::new(Set::default())),
        ];
        for v in &samples {
            let names: Vec<&str> = methods(v).iter().map(|(n, _)| *n).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            assert_eq!(
                names,
                sorted,
                "{} methods must be sorted by name",
                v.type_name()
            );
            assert!(!names.is_empty());
        }
    }
}
