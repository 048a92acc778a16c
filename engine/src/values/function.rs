//! Callables: Starlark closures and built-in functions (plain, bound methods,
//! and host closures that carry state).

use super::Value;
use crate::args::Args;
use crate::compile::FuncCode;
use crate::error::Result;
use crate::eval::{ModuleEnv, Thread};
use crate::syntax::ast::Pos;
use std::cell::RefCell;
use std::rc::Rc;

/// A variable shared between a function and the nested functions that capture it.
/// `None` means not yet assigned.
pub type Cell = Rc<RefCell<Option<Value>>>;

/// A function defined in Starlark: compiled code plus what it closed over.
pub struct Closure {
    /// The compiled body and parameter layout.
    pub(crate) code: Rc<FuncCode>,
    /// The module whose globals the function reads.
    pub(crate) module: Rc<ModuleEnv>,
    /// Default values, one per named parameter (positional and keyword-only);
    /// `None` for a parameter that has no default.
    pub(crate) defaults: Vec<Option<Value>>,
    /// Captured cells of enclosing functions, in `code.free_vars` order.
    pub(crate) freevars: Vec<Cell>,
    /// Set once freezing has reached this function (a recursive nested
    /// function captures itself: freezing must stop there).
    pub(crate) frozen: std::cell::Cell<bool>,
}

impl Closure {
    /// The function's name.
    pub fn name(&self) -> &str {
        &self.code.name
    }

    /// The file that defines the function.
    pub fn path(&self) -> &str {
        &self.code.path
    }

    /// Where the function is defined (its `def` or `lambda`).
    pub fn pos(&self) -> Pos {
        self.code.pos
    }

    /// How many positional parameters it declares (not counting `*args`),
    /// and whether it takes `*args`: how a host tells `transform(ds)` from
    /// `transform(ds, ctx)`.
    pub fn positional_params(&self) -> (usize, bool) {
        let code = &self.code;
        (
            code.num_params.saturating_sub(code.num_kwonly) as usize,
            code.has_varargs,
        )
    }

    /// Marks the function frozen and, the first time, queues its defaults
    /// and captured values on `work` for [`Value::freeze`]'s loop.
    pub(crate) fn freeze_into(&self, work: &mut Vec<Value>) {
        if self.frozen.replace(true) {
            return;
        }
        work.extend(self.defaults.iter().flatten().cloned());
        for c in &self.freevars {
            if let Some(v) = c.borrow().as_ref() {
                work.push(v.clone());
            }
        }
    }

    /// Takes out the defaults and the captured values no other function
    /// shares (for freeing without recursion).
    pub(crate) fn take_captured(&mut self) -> Vec<Value> {
        let mut out: Vec<Value> = std::mem::take(&mut self.defaults)
            .into_iter()
            .flatten()
            .collect();
        for c in &mut self.freevars {
            if let Some(v) = Rc::get_mut(c).and_then(|c| c.get_mut().take()) {
                out.push(v);
            }
        }
        out
    }
}

/// A plain built-in function.
pub type BuiltinFn = fn(&mut Thread, &Args) -> Result<Value>;
/// A method of a built-in or native type: receives its receiver.
pub type MethodFn = fn(&mut Thread, &Value, &Args) -> Result<Value>;
/// A host function with captured state.
pub(crate) type HostFn = Rc<dyn Fn(&mut Thread, &Args) -> Result<Value>>;

/// How a built-in is implemented.
#[derive(Clone)]
pub(crate) enum BuiltinImpl {
    /// A plain function.
    Func(BuiltinFn),
    /// A method; the receiver is [`Builtin::recv`].
    Method(MethodFn),
    /// A host closure.
    Host(HostFn),
}

/// A function implemented in Rust, possibly bound to a receiver.
pub struct Builtin {
    /// Name used in messages and repr.
    pub name: String,
    /// The receiver, for bound methods.
    pub(crate) recv: Option<Value>,
    /// The implementation.
    pub(crate) imp: BuiltinImpl,
}

impl Builtin {
    /// A plain built-in function value.
    pub fn func(name: &str, f: BuiltinFn) -> Value {
        Value::Builtin(Rc::new(Builtin {
            name: name.into(),
            recv: None,
            imp: BuiltinImpl::Func(f),
        }))
    }

    /// A method bound to `recv`.
    pub fn method(name: &str, recv: Value, f: MethodFn) -> Value {
        Value::Builtin(Rc::new(Builtin {
            name: name.into(),
            recv: Some(recv),
            imp: BuiltinImpl::Method(f),
        }))
    }

    /// A host closure value.
    pub fn host(name: &str, f: impl Fn(&mut Thread, &Args) -> Result<Value> + 'static) -> Value {
        Value::Builtin(Rc::new(Builtin {
            name: name.into(),
            recv: None,
            imp: BuiltinImpl::Host(Rc::new(f)),
        }))
    }

    /// Calls the built-in.
    pub fn call(&self, thread: &mut Thread, args: &Args) -> Result<Value> {
        match &self.imp {
            BuiltinImpl::Func(f) => f(thread, args),
            BuiltinImpl::Method(f) => match &self.recv {
                Some(r) => f(thread, r, args),
                None => f(thread, &Value::None, args),
            },
            BuiltinImpl::Host(f) => f(thread, args),
        }
    }
}
