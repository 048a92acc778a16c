//! Library modules a host may offer to Starlark programs (through `load` or
//! as predeclared names): `json`, `math` and `time`, as starlark-go's
//! `go.starlark.net/lib/{json,math,time}`.
//!
//! They live in the engine, not in the host's standard library, because
//! they are defined by starlark-go's spec and test files, are versioned with
//! the language, and need engine internals (string escaping, attribute
//! enumeration, number conversion) that hosts should not see. None does
//! I/O: `time.now()` reads the clock the host passes in.

pub mod json;
pub mod math;
pub mod time;

use crate::values::{Module, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// A module value from (name, member) pairs.
pub(crate) fn module_value(name: &str, members: Vec<(&str, Value)>) -> Value {
    let m: BTreeMap<String, Value> = members
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    Value::Module(Rc::new(Module::new(name, m)))
}
