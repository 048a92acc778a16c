//! The universe's functions.

use crate::args::Args;
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::values::{ops, repr, to_str, BuiltinFn, RangeValue, Value};
use std::rc::Rc;

/// Every universe function, by name.
pub const FUNCTIONS: &[(&str, BuiltinFn)] = &[
    ("fail", fail),
    ("len", len),
    ("print", print),
    ("range", range),
    ("repr", repr_),
    ("str", str_),
    ("type", type_),
];

fn fail(_t: &mut Thread, args: &Args) -> Result<Value> {
    let mut sep = " ".to_string();
    for (k, v) in &args.named {
        if &**k == "sep" {
            sep = to_str(v);
        } else {
            return Err(EvalError::new(format!("fail: unexpected keyword argument \"{k}\"")));
        }
    }
    let parts: Vec<String> = args.positional.iter().map(to_str).collect();
    Err(EvalError::new(format!("fail: {}", parts.join(&sep))))
}

fn len(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = args.positional_only("len", 1, 1)?;
    match ops::len(&a[0]) {
        Some(n) => Ok(Value::Int(n as i64)),
        None => Err(EvalError::new(format!("len: value of type {} has no len", a[0].type_name()))),
    }
}

fn print(t: &mut Thread, args: &Args) -> Result<Value> {
    let mut sep = " ".to_string();
    for (k, v) in &args.named {
        if &**k == "sep" {
            sep = to_str(v);
        } else {
            return Err(EvalError::new(format!("print: unexpected keyword argument \"{k}\"")));
        }
    }
    let parts: Vec<String> = args.positional.iter().map(to_str).collect();
    t.print(&parts.join(&sep));
    Ok(Value::None)
}

fn range(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = args.positional_only("range", 1, 3)?;
    let mut ints = Vec::new();
    for (i, v) in a.iter().enumerate() {
        match v {
            Value::Int(n) => ints.push(*n),
            _ => {
                return Err(EvalError::new(format!(
                    "range: for parameter {}: got {}, want int",
                    ["start", "stop", "step"][i.min(2)],
                    v.type_name()
                )))
            }
        }
    }
    let (start, stop, step) = match ints.as_slice() {
        [stop] => (0, *stop, 1),
        [start, stop] => (*start, *stop, 1),
        [start, stop, step] => (*start, *stop, *step),
        _ => (0, 0, 1),
    };
    if step == 0 {
        return Err(EvalError::new("range: step argument must not be zero"));
    }
    Ok(Value::Range(Rc::new(RangeValue { start, stop, step })))
}

fn repr_(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = args.positional_only("repr", 1, 1)?;
    Ok(Value::from(repr(&a[0])))
}

fn str_(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = args.positional_only("str", 1, 1)?;
    match &a[0] {
        Value::Str(_) => Ok(a[0].clone()),
        v => Ok(Value::from(to_str(v))),
    }
}

fn type_(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = args.positional_only("type", 1, 1)?;
    Ok(Value::str(a[0].type_name()))
}
