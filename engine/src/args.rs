//! Arguments to native functions, and the helpers that bind them to named
//! parameters with defaults so that a native function reads like its signature:
//!
//! ```ignore
//! let [x, base] = args.bind("int", &["x?", "base?"])?;
//! let n = args.int_at("range", "stop", &x)?;
//! ```
//!
//! Every failure is a Starlark error naming the function and parameter.

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

    /// Binds arguments to parameters by position, then by name. A parameter
    /// name ending in `?` is optional (`None` in the result when absent);
    /// others are required. Errors are worded as starlark-go's UnpackArgs.
    pub fn bind<const N: usize>(
        &self,
        fname: &str,
        params: &[&str; N],
    ) -> Result<[Option<Value>; N]> {
        const NONE: Option<Value> = None;
        let mut out = [NONE; N];
        if self.positional.len() > N {
            return Err(EvalError::new(format!(
                "{fname}: got {} arguments, want at most {N}",
                self.positional.len()
            )));
        }
        for (i, v) in self.positional.iter().enumerate() {
            out[i] = Some(v.clone());
        }
        'named: for (name, v) in &self.named {
            for (i, p) in params.iter().enumerate() {
                if p.trim_end_matches('?') == &**name {
                    if out[i].is_some() {
                        return Err(EvalError::new(format!(
                            "{fname}: got multiple values for keyword argument \"{name}\""
                        )));
                    }
                    out[i] = Some(v.clone());
                    continue 'named;
                }
            }
            let names: Vec<&str> = params.iter().map(|p| p.trim_end_matches('?')).collect();
            return Err(EvalError::new(format!(
                "{fname}: unexpected keyword argument \"{name}\"{}",
                crate::hint::did_you_mean(name, names.iter().copied())
            )));
        }
        for (i, p) in params.iter().enumerate() {
            if out[i].is_none() && !p.ends_with('?') {
                return Err(EvalError::new(format!("{fname}: missing argument for {p}")));
            }
        }
        Ok(out)
    }

    /// Checks that there are no named arguments and between `min` and `max`
    /// positional ones, worded as starlark-go's UnpackPositionalArgs.
    pub fn positional_only(&self, fname: &str, min: usize, max: usize) -> Result<&[Value]> {
        if !self.named.is_empty() {
            return Err(EvalError::new(format!(
                "{fname}: unexpected keyword arguments"
            )));
        }
        let n = self.positional.len();
        if n < min {
            let want = if min == max { "exactly" } else { "at least" };
            return Err(EvalError::new(format!(
                "{fname}: got {n} argument{}, want {want} {min}",
                if n == 1 { "" } else { "s" }
            )));
        }
        if n > max {
            let want = if min == max { "exactly" } else { "at most" };
            return Err(EvalError::new(format!(
                "{fname}: got {n} argument{}, want {want} {max}",
                if n == 1 { "" } else { "s" }
            )));
        }
        Ok(&self.positional)
    }

    /// Fails unless the call has no arguments at all.
    pub fn none(&self, fname: &str) -> Result<()> {
        self.positional_only(fname, 0, 0).map(|_| ())
    }
}

/// "fname: for parameter pname: got T, want W".
pub fn type_error(fname: &str, pname: &str, got: &Value, want: &str) -> EvalError {
    EvalError::new(format!(
        "{fname}: for parameter {pname}: got {}, want {want}",
        got.type_name()
    ))
}

/// Conversions from a Starlark value to a Rust type, for native parameters.
pub trait FromValue: Sized {
    /// The Starlark type name used in "want ..." messages.
    const WANT: &'static str;
    /// Converts, or `None` if the value has the wrong type.
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    const WANT: &'static str = "int";
    fn from_value(v: &Value) -> Option<i64> {
        v.as_i64()
    }
}

impl FromValue for bool {
    const WANT: &'static str = "bool";
    fn from_value(v: &Value) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl FromValue for f64 {
    const WANT: &'static str = "float";
    fn from_value(v: &Value) -> Option<f64> {
        match v {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            Value::BigInt(_) => v.as_int().and_then(|i| i.to_f64().ok()),
            _ => None,
        }
    }
}

impl FromValue for String {
    const WANT: &'static str = "string";
    fn from_value(v: &Value) -> Option<String> {
        v.as_str().map(|s| s.to_str_lossy().into_owned())
    }
}

impl FromValue for Value {
    const WANT: &'static str = "value";
    fn from_value(v: &Value) -> Option<Value> {
        Some(v.clone())
    }
}

/// Converts an argument, with a "for parameter" error on a type mismatch.
pub fn convert<T: FromValue>(fname: &str, pname: &str, v: &Value) -> Result<T> {
    T::from_value(v).ok_or_else(|| type_error(fname, pname, v, T::WANT))
}

/// Converts an optional argument, using `default` when absent (or None).
pub fn convert_or<T: FromValue>(
    fname: &str,
    pname: &str,
    v: &Option<Value>,
    default: T,
) -> Result<T> {
    match v {
        None | Some(Value::None) => Ok(default),
        Some(v) => convert(fname, pname, v),
    }
}
