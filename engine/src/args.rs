//! Arguments to native functions, and the helpers that bind them to named
//! parameters with defaults so that a native function reads like its signature:
//!
//! ```ignore
//! let [x, base] = args.bind("int", &["x?", "base?"])?;
//! let text: String = args::required("f", "x", &x)?;
//! let base: i64 = args::optional("f", "base", &base, 10)?;
//! ```
//!
//! Every failure is a Starlark error naming the function and parameter
//! (`f: for parameter base: got string, want int`). [`FromArg`] is the one
//! vocabulary of parameter types, for the engine's library modules and for
//! every host module.

use crate::error::{EvalError, Result};
use crate::values::Value;
use std::rc::Rc;

/// The arguments of a call to a native function.
#[derive(Default, Clone)]
pub struct Args {
    /// Positional arguments (after `*args` expansion).
    pub positional: Vec<Value>,
    /// Named arguments (after `**kwargs` expansion), in call order.
    pub named: Vec<(Rc<str>, Value)>,
}

impl Args {
    /// Positional-only arguments.
    pub fn positional(values: Vec<Value>) -> Args {
        Args {
            positional: values,
            named: Vec::new(),
        }
    }

    /// Binds arguments to parameters by position, then by name (starlark-go's
    /// `UnpackArgs`): a parameter name ending in `?` is optional (`None` in the
    /// result when absent), and so is every parameter after it.
    pub fn bind<const N: usize>(
        &self,
        fname: &str,
        params: &[&str; N],
    ) -> Result<[Option<Value>; N]> {
        unpack(fname, &self.positional, &self.named, *params)
    }

    /// Checks that there are no named arguments and between `min` and `max`
    /// positional ones (starlark-go's `UnpackPositionalArgs`).
    pub fn positional_only(&self, fname: &str, min: usize, max: usize) -> Result<&[Value]> {
        positional(fname, self, min, max)
    }

    /// Fails unless the call has no arguments at all.
    pub fn none(&self, fname: &str) -> Result<()> {
        self.positional_only(fname, 0, 0).map(|_| ())
    }
}

/// An error "fname: msg".
pub(crate) fn name_err(fname: &str, msg: impl std::fmt::Display) -> EvalError {
    EvalError::new(format!("{fname}: {msg}"))
}

/// starlark-go's `UnpackPositionalArgs`: no keyword arguments, between `min`
/// and `max` positional ones.
pub(crate) fn positional<'a>(
    fname: &str,
    args: &'a Args,
    min: usize,
    max: usize,
) -> Result<&'a [Value]> {
    if !args.named.is_empty() {
        return Err(name_err(fname, "unexpected keyword arguments"));
    }
    count(fname, &args.positional, min, max)
}

/// The positional-count check of [`positional`], for callers that handle
/// keyword arguments themselves.
pub(crate) fn count<'a>(
    fname: &str,
    values: &'a [Value],
    min: usize,
    max: usize,
) -> Result<&'a [Value]> {
    let n = values.len();
    if n < min {
        let atleast = if min < max { "at least " } else { "" };
        return Err(name_err(
            fname,
            format!("got {n} arguments, want {atleast}{min}"),
        ));
    }
    if n > max {
        let atmost = if max > min { "at most " } else { "" };
        return Err(name_err(
            fname,
            format!("got {n} arguments, want {atmost}{max}"),
        ));
    }
    Ok(values)
}

/// starlark-go's `UnpackArgs` over `positional` and `named`: parameters bound
/// by position then by name; a name ending in `?` is optional, and every
/// parameter after the first optional one is optional too.
pub(crate) fn unpack<const N: usize>(
    fname: &str,
    positional: &[Value],
    named: &[(std::rc::Rc<str>, Value)],
    params: [&str; N],
) -> Result<[Option<Value>; N]> {
    const NONE: Option<Value> = None;
    let mut out = [NONE; N];
    if positional.len() > N {
        return Err(name_err(
            fname,
            format!("got {} arguments, want at most {N}", positional.len()),
        ));
    }
    for (slot, v) in out.iter_mut().zip(positional) {
        *slot = Some(v.clone());
    }
    'kw: for (name, v) in named {
        for (i, p) in params.iter().enumerate() {
            if p.trim_end_matches('?') == &**name {
                if out[i].is_some() {
                    return Err(name_err(
                        fname,
                        format!(
                            "got multiple values for keyword argument {}",
                            crate::values::repr(&Value::str(name))
                        ),
                    ));
                }
                out[i] = Some(v.clone());
                continue 'kw;
            }
        }
        let hint = crate::hint::did_you_mean(name, params.iter().map(|p| p.trim_end_matches('?')));
        return Err(name_err(
            fname,
            format!(
                "unexpected keyword argument {}{hint}",
                crate::values::repr(&Value::str(name))
            ),
        ));
    }
    for (i, p) in params.iter().enumerate().skip(positional.len()) {
        if p.ends_with('?') {
            break;
        }
        if out[i].is_none() {
            return Err(name_err(fname, format!("missing argument for {p}")));
        }
    }
    Ok(out)
}

/// "fname: for parameter pname: got T, want W".
pub fn type_error(fname: &str, pname: &str, got: &Value, want: &str) -> EvalError {
    EvalError::new(format!(
        "{fname}: for parameter {pname}: got {}, want {want}",
        got.type_name()
    ))
}

/// A parameter type a native function reads its arguments as, with
/// starlark-go's messages on a mismatch. Hosts convert arguments through
/// [`required`], [`optional`] and [`convert`], so every module reports a
/// wrong argument the same way.
pub trait FromArg: Sized {
    /// Converts `v`, the argument for `pname` of `fname`.
    fn from_arg(fname: &str, pname: &str, v: &Value) -> Result<Self>;
}

/// Converts one argument value.
pub fn convert<T: FromArg>(fname: &str, pname: &str, v: &Value) -> Result<T> {
    T::from_arg(fname, pname, v)
}

/// A bound argument that must be present: absent or `None` is a type error.
pub fn required<T: FromArg>(fname: &str, pname: &str, v: &Option<Value>) -> Result<T> {
    T::from_arg(fname, pname, v.as_ref().unwrap_or(&Value::None))
}

/// A bound argument that may be left out: absent or `None` gives `default`.
pub fn optional<T: FromArg>(fname: &str, pname: &str, v: &Option<Value>, default: T) -> Result<T> {
    match v {
        None | Some(Value::None) => Ok(default),
        Some(v) => T::from_arg(fname, pname, v),
    }
}

impl FromArg for Value {
    fn from_arg(_fname: &str, _pname: &str, v: &Value) -> Result<Self> {
        Ok(v.clone())
    }
}

/// A string, as text (invalid UTF-8 replaced).
impl FromArg for String {
    fn from_arg(fname: &str, pname: &str, v: &Value) -> Result<Self> {
        match v {
            Value::Str(s) => Ok(s.to_str_lossy().into_owned()),
            _ => Err(type_error(fname, pname, v, "string")),
        }
    }
}

/// An int that fits 64 bits.
impl FromArg for i64 {
    fn from_arg(fname: &str, pname: &str, v: &Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::BigInt(_) => Err(name_err(
                fname,
                format!("for parameter {pname}: {v} out of range"),
            )),
            _ => Err(type_error(fname, pname, v, "int")),
        }
    }
}

/// A number: an int or a float.
impl FromArg for f64 {
    fn from_arg(fname: &str, pname: &str, v: &Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(*i as f64),
            Value::Float(f) => Ok(*f),
            Value::BigInt(_) => v
                .as_int()
                .and_then(|i| i.to_f64().ok())
                .ok_or_else(|| name_err(fname, format!("for parameter {pname}: int too large"))),
            _ => Err(type_error(fname, pname, v, "int or float")),
        }
    }
}

impl FromArg for bool {
    fn from_arg(fname: &str, pname: &str, v: &Value) -> Result<Self> {
        match v {
            Value::Bool(b) => Ok(*b),
            _ => Err(type_error(fname, pname, v, "bool")),
        }
    }
}

/// Text or bytes, as bytes.
impl FromArg for Vec<u8> {
    fn from_arg(fname: &str, pname: &str, v: &Value) -> Result<Self> {
        match v {
            Value::Str(s) => Ok(s.as_bytes().to_vec()),
            Value::Bytes(b) => Ok(b.as_ref().clone()),
            _ => Err(type_error(fname, pname, v, "string or bytes")),
        }
    }
}

/// The elements of a list or tuple.
impl FromArg for Vec<Value> {
    fn from_arg(fname: &str, pname: &str, v: &Value) -> Result<Self> {
        match v {
            Value::List(l) => Ok(l.items().clone()),
            Value::Tuple(t) => Ok(t.as_ref().clone()),
            _ => Err(type_error(fname, pname, v, "list or tuple")),
        }
    }
}

/// A dict whose keys and values are all strings, as its entries in order
/// (`None` reads as an empty dict).
impl FromArg for Vec<(String, String)> {
    fn from_arg(fname: &str, pname: &str, v: &Value) -> Result<Self> {
        let d = match v {
            Value::None => return Ok(Vec::new()),
            Value::Dict(d) => d.clone(),
            _ => return Err(type_error(fname, pname, v, "dict")),
        };
        let mut out = Vec::with_capacity(d.len());
        for (k, val) in d.entries().iter() {
            let Value::Str(ks) = &k.value else {
                return Err(name_err(
                    fname,
                    format!(
                        "for parameter {pname}: keys must be strings, got {}",
                        k.value.type_name()
                    ),
                ));
            };
            let ks = ks.to_str_lossy().into_owned();
            let Value::Str(vs) = val else {
                return Err(name_err(
                    fname,
                    format!(
                        "for parameter {pname}: value for key {ks:?} must be a string, got {}",
                        val.type_name()
                    ),
                ));
            };
            out.push((ks, vs.to_str_lossy().into_owned()));
        }
        Ok(out)
    }
}
