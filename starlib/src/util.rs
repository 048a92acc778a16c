//! Building the values modules return (module values, dicts) and errors
//! that name the function. Arguments are read with `engine::args`.

use engine::error::{EvalError, Result};
use engine::values::{Builtin, Dict, HashKey, MethodFn, Module, Value};
use engine::Thread;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A module value from (name, member) pairs.
pub fn module(name: &str, members: Vec<(&str, Value)>) -> Value {
    let m: BTreeMap<String, Value> = members
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    Value::Module(Rc::new(Module::new(name, m)))
}

/// "fname: msg".
pub fn err(fname: &str, msg: impl std::fmt::Display) -> EvalError {
    EvalError::new(format!("{fname}: {msg}"))
}

/// A new dict from (key, value) pairs.
pub fn dict(items: Vec<(Value, Value)>) -> Result<Value> {
    let d = Dict::with_capacity(items.len());
    for (k, v) in items {
        d.insert_key(HashKey::new(k)?, v)?;
    }
    Ok(Value::Dict(Rc::new(d)))
}

/// The host value of type `T` inside `v`, if `v` is one.
pub fn native_ref<T: 'static>(v: &Value) -> Option<&T> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<T>(),
        _ => None,
    }
}

/// What a new string of `len` bytes costs: its bytes and its header.
pub fn str_cost(len: usize) -> usize {
    len.saturating_add(40)
}

/// Reads `r` to the end, charging the run's budget for each chunk before
/// it is kept and checking for cancellation, so a decompression bomb is
/// refused with a memory error instead of exhausting the process.
pub fn read_charged(
    thread: &mut Thread,
    fname: &str,
    mut r: impl std::io::Read,
    what: &str,
) -> Result<Vec<u8>> {
    const CHUNK: usize = 64 * 1024;
    let stop = crate::budget::Interrupt::of(thread);
    let mut reservation = crate::budget::Reservation::new(thread, fname, str_cost(0))?;
    let mut out: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        stop.check()?;
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(err(fname, format!("{what}: {e}"))),
        };
        reservation.cover(thread, str_cost(out.len() + n))?;
        out.extend_from_slice(&buf[..n]);
    }
    Ok(out)
}

/// The method called `name` in a native type's method table, bound to
/// `this` (what a `get_attr` returns for a method).
pub fn bound_method(methods: &[(&str, MethodFn)], this: &Value, name: &str) -> Option<Value> {
    methods
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, f)| Builtin::method(n, this.clone(), *f))
}

/// The names in a native type's method table (for `dir()` and hints).
pub fn method_names(methods: &[(&str, MethodFn)]) -> Vec<String> {
    methods.iter().map(|(n, _)| n.to_string()).collect()
}
