//! Argument unpacking for the built-ins, worded exactly as starlark-go's
//! `UnpackArgs` and `UnpackPositionalArgs`, plus the per-type conversions
//! behind their "for parameter P: got T, want W" messages.

use crate::args::Args;
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::values::{ops, StrValue, Value};
use std::fmt::Display;

/// Largest number of elements a built-in materialises in one value.
pub const MAX_ELEMS: usize = 1 << 28;

/// An error "fname: for parameter p: msg".
pub fn param_err(fname: &str, p: impl Display, msg: impl Display) -> EvalError {
    EvalError::new(format!("{fname}: for parameter {p}: {msg}"))
}

pub(crate) use crate::args::{count, name_err, positional, unpack};

/// How starlark-go names parameter `p` in a "for parameter" message: plain
/// when it was bound by position, quoted (as a Starlark string) when it was
/// bound by keyword.
pub fn pname(named: &[(std::rc::Rc<str>, Value)], p: &str) -> String {
    let p = p.trim_end_matches('?');
    if named.iter().any(|(k, _)| &**k == p) {
        crate::values::repr(&Value::str(p))
    } else {
        p.to_string()
    }
}

/// [`unpack`] over a call's arguments.
pub fn unpack_args<const N: usize>(
    fname: &str,
    args: &Args,
    params: [&str; N],
) -> Result<[Option<Value>; N]> {
    unpack(fname, &args.positional, &args.named, params)
}

/// An int as Go's `AsInt` into an `int` (64 bits), or its error text.
pub fn as_int(v: &Value) -> std::result::Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::BigInt(b) => Err(format!(
            "{b} out of range (want value in signed 64-bit range)"
        )),
        _ => Err(format!("got {}, want int", v.type_name())),
    }
}

/// An int as Go's `AsInt32` (which in starlark-go accepts any machine int), or its error text.
pub fn as_int32(v: &Value) -> std::result::Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::BigInt(b) => Err(format!("{b} out of range")),
        _ => Err(format!("got {}, want int", v.type_name())),
    }
}

/// A string argument, or the error text "got T, want string".
pub fn as_str(v: &Value) -> std::result::Result<&StrValue, String> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(format!("got {}, want string", v.type_name())),
    }
}

/// A bool argument, or the error text "got T, want bool".
pub fn as_bool(v: &Value) -> std::result::Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(format!("got {}, want bool", v.type_name())),
    }
}

/// Whether `v` is iterable (Go's `Iterable`): strings and bytes are not.
pub fn is_iterable(v: &Value) -> bool {
    match v {
        Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) | Value::Range(_) => true,
        Value::Native(n) => n.iterate().is_some(),
        _ => false,
    }
}

/// Fails with "got T, want iterable" unless `v` is iterable.
pub fn check_iterable(v: &Value) -> std::result::Result<(), String> {
    if is_iterable(v) {
        Ok(())
    } else {
        Err(format!("got {}, want iterable", v.type_name()))
    }
}

/// Whether `v` can be called.
pub fn is_callable(v: &Value) -> bool {
    match v {
        Value::Function(_) | Value::Builtin(_) => true,
        Value::Native(n) => n.is_callable(),
        _ => false,
    }
}

/// Charges the allocation of `n` values against the thread's budget, and
/// refuses absurd sizes outright.
pub fn charge_elems(thread: &mut Thread, fname: &str, n: usize) -> Result<()> {
    if n > MAX_ELEMS {
        return Err(name_err(fname, format!("excessive size ({n} elements)")));
    }
    thread.account(n.saturating_mul(std::mem::size_of::<Value>()))
}

/// Charges the allocation of a string of `n` bytes.
pub fn charge_bytes(thread: &mut Thread, fname: &str, n: usize) -> Result<()> {
    if n > MAX_ELEMS * 4 {
        return Err(name_err(fname, format!("excessive size ({n} bytes)")));
    }
    thread.account(n)
}

/// All elements of an iterable, charged to the thread; `Err(None)` if `v`
/// is not iterable (the caller words that error).
pub fn collect(
    thread: &mut Thread,
    fname: &str,
    v: &Value,
) -> std::result::Result<Vec<Value>, Option<EvalError>> {
    if !is_iterable(v) {
        return Err(None);
    }
    let known = ops::len(v);
    if let Some(n) = known {
        charge_elems(thread, fname, n).map_err(Some)?;
        if let Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) = v {
            return ops::collect(v).map_err(Some);
        }
    }
    let mut it = ops::iterate_or_err(v).map_err(Some)?;
    let mut out = Vec::new();
    while let Some(x) = it.next() {
        thread.step().map_err(Some)?;
        if known.is_none() && out.len() % 4096 == 4095 {
            if out.len() >= MAX_ELEMS {
                return Err(Some(name_err(
                    fname,
                    format!("excessive size ({} elements)", out.len()),
                )));
            }
            charge_elems(thread, fname, 4096).map_err(Some)?;
        }
        out.push(x);
    }
    Ok(out)
}

/// [`collect`] with the usual "fname: for parameter P: got T, want iterable" error.
pub fn collect_param(
    thread: &mut Thread,
    fname: &str,
    p: impl Display,
    v: &Value,
) -> Result<Vec<Value>> {
    collect(thread, fname, v).map_err(|e| match e {
        Some(e) => e,
        None => param_err(fname, p, format!("got {}, want iterable", v.type_name())),
    })
}
