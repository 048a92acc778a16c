//! Calls: dispatch on the callee's kind, and binding of arguments to a
//! Starlark function's parameters (positional, named, defaults, `*args`,
//! `**kwargs`, keyword-only), with starlark-go's messages.

use super::{vm, CallRecord, Thread};
use crate::args::Args;
use crate::error::{ErrorKind, EvalError, Result};
use crate::values::{Closure, Dict, Value};
use std::rc::Rc;

/// Calls `f` with `args`.
pub fn call_value(thread: &mut Thread, f: &Value, args: &Args) -> Result<Value> {
    match f {
        Value::Function(c) => {
            let pooled = thread.locals_pool.pop().unwrap_or_default();
            let locals = bind_args_into(c, &args.positional, &args.named, pooled)?;
            call_closure(thread, c, locals)
        }
        // Built-ins get no call record: the depth limit counts Starlark frames,
        // and a built-in that calls back into Starlark creates one.
        Value::Builtin(b) => b.call(thread, args),
        Value::Native(n) if n.is_callable() => n.call(thread, args),
        _ => Err(EvalError::new(format!(
            "invalid call of non-function ({})",
            f.type_name()
        ))),
    }
}

/// Pushes a call record, enforcing the depth limit.
pub(crate) fn enter(thread: &mut Thread, code: &Rc<crate::compile::FuncCode>) -> Result<()> {
    if thread.calls.len() >= thread.max_depth() {
        return Err(EvalError::with_kind(
            ErrorKind::StackOverflow,
            format!(
                "Starlark stack overflow: maximum call depth ({}) exceeded in {}",
                thread.max_depth(),
                code.name
            ),
        ));
    }
    thread.calls.push(CallRecord {
        code: code.clone(),
        pc: 0,
    });
    Ok(())
}

/// Runs a closure with already-bound locals (from a built-in or the host:
/// its frame runs in a new instruction loop).
pub(crate) fn call_closure(
    thread: &mut Thread,
    c: &Rc<Closure>,
    locals: Vec<Option<Value>>,
) -> Result<Value> {
    let frame = start_call(thread, c, locals)?;
    vm::run_frame(thread, frame)
}

/// Starts a call of a closure with already-bound locals: checks the
/// dialect's recursion rule and the step and depth limits, and returns the
/// frame to run.
pub(crate) fn start_call(
    thread: &mut Thread,
    c: &Rc<Closure>,
    locals: Vec<Option<Value>>,
) -> Result<Box<vm::FrameState>> {
    let check =
        if !thread.dialect.recursion && thread.calls.iter().any(|r| Rc::ptr_eq(&r.code, &c.code)) {
            Err(EvalError::new(format!(
                "function {} called recursively",
                c.name()
            )))
        } else {
            thread.step()
        };
    if let Err(e) = check {
        vm::recycle_locals(thread, locals);
        return Err(e);
    }
    vm::FrameState::enter(thread, &c.code, &c.module, Some(c), locals)
}

/// Whether `n` positional arguments fill exactly the parameters of `code`
/// (no defaults, `*args`, `**kwargs` or keyword-only parameters involved):
/// then the arguments are the first locals, as they are.
#[inline]
pub(crate) fn binds_exactly(code: &crate::compile::FuncCode, n: usize) -> bool {
    n == code.num_params as usize && code.num_kwonly == 0 && !code.has_varargs && !code.has_kwargs
}

/// Binds arguments to the parameters of `f`, returning the initial locals,
/// in `buf` (a recycled vector, its contents ignored) where it can.
pub(crate) fn bind_args_into(
    f: &Closure,
    positional: &[Value],
    named: &[(Rc<str>, Value)],
    mut buf: Vec<Option<Value>>,
) -> Result<Vec<Option<Value>>> {
    let code = &f.code;
    let nparams = code.num_params as usize;
    // Fast path: exactly the positional parameters, nothing else.
    if named.is_empty() && binds_exactly(code, positional.len()) {
        buf.clear();
        buf.extend(positional.iter().map(|v| Some(v.clone())));
        if buf.len() < code.locals.len() {
            buf.resize(code.locals.len(), None);
        }
        return Ok(buf);
    }
    let mut locals: Vec<Option<Value>> = vec![None; code.locals.len()];
    let nactual = positional.len() + named.len();
    if nparams == 0 && !code.has_varargs && !code.has_kwargs {
        if nactual > 0 {
            return Err(EvalError::new(format!(
                "function {} accepts no arguments ({nactual} given)",
                f.name()
            )));
        }
        return Ok(locals);
    }
    let nonkwonly = nparams - code.num_kwonly as usize;
    let mut n = positional.len();
    if n > nonkwonly {
        if !code.has_varargs {
            let at_most = if code.has_default[..nonkwonly].iter().any(|d| *d) {
                "at most "
            } else {
                ""
            };
            return Err(EvalError::new(format!(
                "function {} accepts {at_most}{nonkwonly} positional argument{} ({} given)",
                f.name(),
                if nonkwonly == 1 { "" } else { "s" },
                positional.len()
            )));
        }
        n = nonkwonly;
    }
    for (slot, v) in locals.iter_mut().zip(positional[..n].iter()) {
        *slot = Some(v.clone());
    }
    let mut next = nparams;
    if code.has_varargs {
        locals[next] = Some(Value::tuple(positional[n..].to_vec()));
        next += 1;
    }
    let kwdict = if code.has_kwargs {
        let d = Rc::new(Dict::default());
        locals[next] = Some(Value::Dict(d.clone()));
        Some(d)
    } else {
        None
    };
    for (k, v) in named {
        if let Some(i) = code.locals[..nparams]
            .iter()
            .position(|p| p.as_str() == &**k)
        {
            if locals[i].is_some() {
                return Err(EvalError::new(format!(
                    "function {} got multiple values for parameter {}",
                    f.name(),
                    quoted(k)
                )));
            }
            locals[i] = Some(v.clone());
            continue;
        }
        match &kwdict {
            Some(d) => {
                let key = Value::str(k);
                if d.get(&key)?.is_some() {
                    return Err(EvalError::new(format!(
                        "function {} got multiple values for parameter {}",
                        f.name(),
                        quoted(k)
                    )));
                }
                d.insert(key, v.clone())?;
            }
            None => {
                let hint =
                    crate::hint::did_you_mean(k, code.locals[..nparams].iter().map(|s| s.as_str()));
                return Err(EvalError::new(format!(
                    "function {} got an unexpected keyword argument {}{hint}",
                    f.name(),
                    quoted(k)
                )));
            }
        }
    }
    let mut missing = Vec::new();
    for (i, slot) in locals.iter_mut().enumerate().take(nparams).skip(n) {
        if slot.is_none() {
            match f.defaults.get(i).cloned().flatten() {
                Some(d) => *slot = Some(d),
                None => missing.push(code.locals[i].clone()),
            }
        }
    }
    if !missing.is_empty() {
        return Err(EvalError::new(format!(
            "function {} missing {} argument{} ({})",
            f.name(),
            missing.len(),
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    Ok(locals)
}

/// A parameter name as starlark-go prints a string value in messages: `"name"`.
fn quoted(name: &str) -> String {
    crate::values::repr(&Value::str(name))
}
