//! Arguments to native functions, and the helpers that bind them to named
//! parameters with defaults so that a native function reads like its signature:
//!
//! ```ignore
//! let [x, base] = args.bind("int", &["x?", "base?"])?;
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
        return Err(name_err(
            fname,
            format!(
                "unexpected keyword argument {}",
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
