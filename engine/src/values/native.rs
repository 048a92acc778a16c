//! The trait through which the host and starlib add value types (tables,
//! columns, datasets, responses, times...) with attributes, methods,
//! operators, indexing and iteration.

use super::Value;
use crate::args::Args;
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::syntax::ast::{BinaryOp, UnaryOp};
use std::any::Any;
use std::cmp::Ordering;

/// An iterator over a native value's elements.
pub type NativeIter = Box<dyn Iterator<Item = Value>>;

/// A host-defined Starlark value type. Every method has a default, so a type
/// implements only what it supports; unsupported operations give the same
/// errors as for built-in types.
#[allow(clippy::len_without_is_empty)] // `len` is Starlark's optional len(x), not a collection size
pub trait NativeValue {
    /// The type name, as `type(x)` returns it.
    fn type_name(&self) -> &str;

    /// Writes `repr(x)`.
    fn repr(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.type_name());
        out.push('>');
    }

    /// Truth value.
    fn truth(&self) -> bool {
        true
    }

    /// Hash for use as a dict key; unhashable by default.
    fn hash(&self) -> Result<u64> {
        Err(EvalError::new(format!(
            "unhashable type: {}",
            self.type_name()
        )))
    }

    /// Makes the value (and what it holds) immutable.
    fn freeze(&self) {}

    /// `x.name`: `this` is the value itself, for binding methods. `Ok(None)` means no such attribute.
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        let _ = (this, name);
        Ok(None)
    }

    /// Names of attributes and methods, for `dir(x)` and "did you mean" hints.
    fn attr_names(&self) -> Vec<String> {
        Vec::new()
    }

    /// `x.name = v`.
    fn set_attr(&self, name: &str, value: Value) -> Result<()> {
        let _ = value;
        Err(EvalError::new(format!(
            "can't assign to .{name} field of {}",
            self.type_name()
        )))
    }

    /// `x.name = v` run by `thread` (what the evaluator calls), for a type
    /// whose assignment builds values to charge to the run's budget or calls
    /// back into Starlark; by default [`NativeValue::set_attr`].
    fn set_attr_in(&self, thread: &mut Thread, name: &str, value: Value) -> Result<()> {
        let _ = thread;
        self.set_attr(name, value)
    }

    /// `x[key]`.
    fn index(&self, key: &Value) -> Result<Value> {
        let _ = key;
        Err(EvalError::new(format!(
            "unhandled index operation {}[{}]",
            self.type_name(),
            key.type_name()
        )))
    }

    /// `x[key] = v`.
    fn set_index(&self, key: &Value, value: Value) -> Result<()> {
        let _ = (key, value);
        Err(EvalError::new(format!(
            "{} value does not support item assignment",
            self.type_name()
        )))
    }

    /// `len(x)`, if the value has a length.
    fn len(&self) -> Option<usize> {
        None
    }

    /// `for y in x`, if the value is iterable.
    fn iterate(&self) -> Option<NativeIter> {
        None
    }

    /// `x op y` (when `left`) or `y op x`; `Ok(None)` if unsupported.
    fn binary(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        let _ = (op, other, left);
        Ok(None)
    }

    /// `x op y` run by `thread` (what the evaluator calls), for a type whose
    /// result is large enough to charge to the run's budget before it is
    /// built; by default [`NativeValue::binary`].
    fn binary_in(
        &self,
        thread: &mut Thread,
        op: BinaryOp,
        other: &Value,
        left: bool,
    ) -> Result<Option<Value>> {
        let _ = thread;
        self.binary(op, other, left)
    }

    /// `op x` run by `thread`, as [`NativeValue::binary_in`]; by default
    /// [`NativeValue::unary`].
    fn unary_in(&self, thread: &mut Thread, op: UnaryOp) -> Result<Option<Value>> {
        let _ = thread;
        self.unary(op)
    }

    /// `op x`; `Ok(None)` if unsupported.
    fn unary(&self, op: UnaryOp) -> Result<Option<Value>> {
        let _ = op;
        Ok(None)
    }

    /// `x == y`; identity by default (the caller checks identity first).
    fn equals(&self, other: &Value) -> Result<bool> {
        let _ = other;
        Ok(false)
    }

    /// `x < y` and friends; `Ok(None)` if unordered.
    fn compare(&self, other: &Value) -> Result<Option<Ordering>> {
        let _ = other;
        Ok(None)
    }

    /// `x(...)`, if callable.
    fn call(&self, thread: &mut Thread, args: &Args) -> Result<Value> {
        let _ = (thread, args);
        Err(EvalError::new(format!(
            "invalid call of non-function ({})",
            self.type_name()
        )))
    }

    /// Whether `call` is implemented (for `callable`-style checks).
    fn is_callable(&self) -> bool {
        false
    }

    /// A copy whose mutable state is new, for [`super::DeepCopier`]; `copy`
    /// copies the values it holds. `None` (the default): the value is
    /// immutable and the copy shares it.
    fn deep_copy(&self, copy: &mut dyn FnMut(&Value) -> Value) -> Option<Value> {
        let _ = copy;
        None
    }

    /// For downcasting by the host.
    fn as_any(&self) -> &dyn Any;
}
