//! Small helpers shared by the modules: building module values and reading
//! arguments with messages that name the function and parameter.

use engine::args::type_error;
use engine::error::{EvalError, Result};
use engine::values::{Dict, HashKey, Module, Value};
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

/// A required string argument.
pub fn string(fname: &str, pname: &str, v: &Value) -> Result<String> {
    match v {
        Value::Str(s) => Ok(s.to_str_lossy().into_owned()),
        _ => Err(type_error(fname, pname, v, "string")),
    }
}

/// An optional string argument (absent or None gives `default`).
pub fn opt_string(fname: &str, pname: &str, v: &Option<Value>, default: &str) -> Result<String> {
    match v {
        None | Some(Value::None) => Ok(default.to_string()),
        Some(v) => string(fname, pname, v),
    }
}

/// An optional int argument.
pub fn opt_int(fname: &str, pname: &str, v: &Option<Value>, default: i64) -> Result<i64> {
    match v {
        None | Some(Value::None) => Ok(default),
        Some(Value::Int(i)) => Ok(*i),
        Some(v @ Value::BigInt(_)) => Err(err(
            fname,
            format!("for parameter {pname}: {} out of range", v),
        )),
        Some(v) => Err(type_error(fname, pname, v, "int")),
    }
}

/// A required int argument.
pub fn int(fname: &str, pname: &str, v: &Value) -> Result<i64> {
    opt_int(fname, pname, &Some(v.clone()), 0).and_then(|i| {
        if v.is_none() {
            Err(type_error(fname, pname, v, "int"))
        } else {
            Ok(i)
        }
    })
}

/// An optional bool argument.
pub fn opt_bool(fname: &str, pname: &str, v: &Option<Value>, default: bool) -> Result<bool> {
    match v {
        None | Some(Value::None) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(type_error(fname, pname, v, "bool")),
    }
}

/// A number (int or float) as f64.
pub fn number(fname: &str, pname: &str, v: &Value) -> Result<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::BigInt(_) => v
            .as_int()
            .and_then(|i| i.to_f64().ok())
            .ok_or_else(|| err(fname, format!("for parameter {pname}: int too large"))),
        _ => Err(type_error(fname, pname, v, "int or float")),
    }
}

/// The entries of a dict argument whose keys and values must be strings.
pub fn string_dict(fname: &str, pname: &str, v: &Option<Value>) -> Result<Vec<(String, String)>> {
    let d = match v {
        None | Some(Value::None) => return Ok(Vec::new()),
        Some(Value::Dict(d)) => d.clone(),
        Some(v) => return Err(type_error(fname, pname, v, "dict")),
    };
    let mut out = Vec::with_capacity(d.len());
    for (k, val) in d.entries().iter() {
        let ks = match &k.value {
            Value::Str(s) => s.to_str_lossy().into_owned(),
            other => {
                return Err(err(
                    fname,
                    format!(
                        "for parameter {pname}: keys must be strings, got {}",
                        other.type_name()
                    ),
                ))
            }
        };
        let vs = match val {
            Value::Str(s) => s.to_str_lossy().into_owned(),
            other => {
                return Err(err(
                    fname,
                    format!(
                        "for parameter {pname}: value for key {ks:?} must be a string, got {}",
                        other.type_name()
                    ),
                ))
            }
        };
        out.push((ks, vs));
    }
    Ok(out)
}

/// A new dict from (key, value) pairs.
pub fn dict(items: Vec<(Value, Value)>) -> Result<Value> {
    let d = Dict::with_capacity(items.len());
    for (k, v) in items {
        d.insert_key(HashKey::new(k)?, v)?;
    }
    Ok(Value::Dict(Rc::new(d)))
}

/// The elements of a list or tuple argument.
pub fn sequence(fname: &str, pname: &str, v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::List(l) => Ok(l.items().clone()),
        Value::Tuple(t) => Ok(t.as_ref().clone()),
        _ => Err(type_error(fname, pname, v, "list or tuple")),
    }
}

/// Text or bytes source argument as bytes.
pub fn source_bytes(fname: &str, pname: &str, v: &Value) -> Result<Vec<u8>> {
    match v {
        Value::Str(s) => Ok(s.as_bytes().to_vec()),
        Value::Bytes(b) => Ok(b.as_ref().clone()),
        _ => Err(type_error(fname, pname, v, "string or bytes")),
    }
}
