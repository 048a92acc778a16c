//! Values: the representation of every Starlark value, one module per built-in type.
//!
//! [`Value`] is a 16-byte enum: scalars (None, bool, small int, float) are held
//! inline, everything else behind an `Rc`. Mutable containers carry a frozen flag
//! and an iteration guard so that mutating a frozen value, or a collection while
//! it is being iterated, is an error instead of undefined behaviour.

mod compare;
mod copy;
mod dict;
mod dict_map;
mod drop;
mod function;
mod hashkey;
mod int;
mod list;
mod native;
pub(crate) mod ops;
mod repr;
mod set;
mod str;
mod structs;

pub use copy::DeepCopier;
pub use dict::Dict;
pub use function::{Builtin, BuiltinFn, Closure, MethodFn};
pub use hashkey::HashKey;
pub use int::Int;
pub use list::List;
pub use native::{NativeIter, NativeValue};
pub use repr::{repr, repr_limited, to_str, to_str_limited, write_repr};
pub use set::Set;
pub use str::{IntoStrValue, StrValue};
pub use structs::{Module, Struct};

pub(crate) use compare::{equals, has_shape, order_shape, total_cmp};
pub(crate) use drop::drop_value;
pub(crate) use function::Cell;
pub(crate) use repr::format_float_g;

use crate::error::{EvalError, Result};
use num_bigint::BigInt;
use std::cell::Cell as StdCell;
use std::rc::Rc;

/// A Starlark value.
///
/// The tag is a whole word (`repr(u64)`), so every payload, `Bool`'s
/// included, sits in the second word: the compiler then moves a value as
/// two aligned words instead of a tag byte and fifteen unaligned bytes,
/// which stalled store forwarding wherever a value passed through a
/// `Result` or an `Option`.
#[repr(u64)]
pub enum Value {
    /// `None`
    None,
    /// `True` / `False`
    Bool(bool),
    /// An int that fits in 64 bits (the allocation-free fast path).
    Int(i64),
    /// An int that does not fit in 64 bits. Invariant: never holds an i64-sized value.
    BigInt(Rc<BigInt>),
    /// A float.
    Float(f64),
    /// A string: immutable bytes, usually UTF-8, indexed by byte.
    Str(Rc<StrValue>),
    /// A bytes value.
    Bytes(Rc<Vec<u8>>),
    /// A mutable list.
    List(Rc<List>),
    /// An immutable tuple.
    Tuple(Rc<Vec<Value>>),
    /// A mutable, insertion-ordered dict.
    Dict(Rc<Dict>),
    /// A mutable, insertion-ordered set.
    Set(Rc<Set>),
    /// `range(start, stop, step)`.
    Range(Rc<RangeValue>),
    /// A function defined in Starlark (`def` or `lambda`).
    Function(Rc<Closure>),
    /// A function implemented in Rust, possibly bound to a receiver (a method).
    Builtin(Rc<Builtin>),
    /// A struct made by `struct(**kwargs)`.
    Struct(Rc<Struct>),
    /// A module value (a named bag of members).
    Module(Rc<Module>),
    /// A value type defined by the host.
    Native(Rc<Box<dyn NativeValue>>),
}

impl Clone for Value {
    /// Scalars copy; heap values bump a reference count. Inlined: this is
    /// on every hot path of the evaluator.
    ///
    /// The copy is made as one 16-byte move of `self` after the count is
    /// bumped, rather than by rebuilding the enum field by field: a value
    /// assembled from a tag byte and a pointer stored separately and then
    /// read back as a whole stalls store forwarding on every push of a
    /// cloned operand.
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
            Value::BigInt(b) => std::mem::forget(Rc::clone(b)),
            Value::Str(s) => std::mem::forget(Rc::clone(s)),
            Value::Bytes(b) => std::mem::forget(Rc::clone(b)),
            Value::List(l) => std::mem::forget(Rc::clone(l)),
            Value::Tuple(t) => std::mem::forget(Rc::clone(t)),
            Value::Dict(d) => std::mem::forget(Rc::clone(d)),
            Value::Set(s) => std::mem::forget(Rc::clone(s)),
            Value::Range(r) => std::mem::forget(Rc::clone(r)),
            Value::Function(f) => std::mem::forget(Rc::clone(f)),
            Value::Builtin(b) => std::mem::forget(Rc::clone(b)),
            Value::Struct(s) => std::mem::forget(Rc::clone(s)),
            Value::Module(m) => std::mem::forget(Rc::clone(m)),
            Value::Native(n) => std::mem::forget(Rc::clone(n)),
        }
        // SAFETY: a scalar variant owns nothing, and for every other variant
        // the reference count of the one `Rc` it holds was just incremented
        // (the clone forgotten, so the count stays raised). The bitwise copy
        // therefore owns its own reference, exactly as `Rc::clone` would.
        unsafe { std::ptr::read(self) }
    }
}

/// `range(start, stop, step)` with its length precomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeValue {
    /// First element.
    pub start: i64,
    /// Exclusive bound.
    pub stop: i64,
    /// Non-zero step.
    pub step: i64,
}

impl RangeValue {
    /// Number of elements.
    pub fn len(&self) -> i64 {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 {
            if start < stop {
                (stop - start + step - 1) / step
            } else {
                0
            }
        } else if start > stop {
            (start - stop + (-step) - 1) / (-step)
        } else {
            0
        };
        n as i64
    }

    /// True when the range has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The i-th element (no bounds check).
    pub fn at(&self, i: i64) -> i64 {
        self.start + i * self.step
    }
}

/// A flag shared by every mutable container: frozen, and how many iterations are active.
#[derive(Debug, Default)]
pub(crate) struct MutGuard {
    frozen: StdCell<bool>,
    iterating: StdCell<u32>,
}

impl MutGuard {
    /// Fails if the owner may not be mutated now. `verb` and `noun` word the
    /// message as starlark-go does: "cannot append to frozen list",
    /// "cannot append to list during iteration".
    pub fn check(&self, verb: &str, noun: &str) -> Result<()> {
        if self.frozen.get() {
            return Err(EvalError::new(format!("cannot {verb} frozen {noun}")));
        }
        if self.iterating.get() > 0 {
            return Err(EvalError::new(format!(
                "cannot {verb} {noun} during iteration"
            )));
        }
        Ok(())
    }

    /// Marks the owner frozen; returns false if it already was.
    pub fn freeze(&self) -> bool {
        !self.frozen.replace(true)
    }

    /// Notes the start of an iteration (a no-op on frozen values, which cannot change).
    pub fn begin_iter(&self) {
        if !self.frozen.get() {
            self.iterating.set(self.iterating.get() + 1);
        }
    }

    /// Notes the end of an iteration begun with [`MutGuard::begin_iter`].
    pub fn end_iter(&self) {
        let n = self.iterating.get();
        if n > 0 {
            self.iterating.set(n - 1);
        }
    }
}

impl Value {
    /// A string value from text.
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::new(StrValue::from(s)))
    }

    /// A string value from bytes (which need not be UTF-8).
    pub fn str_bytes(b: impl IntoStrValue) -> Value {
        Value::Str(Rc::new(b.into_str_value()))
    }

    /// An int value from a big integer, normalised to the small form when it fits.
    pub fn from_bigint(b: BigInt) -> Value {
        Int::from(b).into_value()
    }

    /// A new list.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(List::new(items)))
    }

    /// A new tuple.
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items))
    }

    /// A new empty dict.
    pub fn new_dict() -> Value {
        Value::Dict(Rc::new(Dict::default()))
    }

    /// A host-defined value.
    pub fn native(v: impl NativeValue + 'static) -> Value {
        Value::Native(Rc::new(Box::new(v)))
    }

    /// The Starlark type name, as `type(x)` returns it.
    pub fn type_name(&self) -> &str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::Range(_) => "range",
            Value::Function(_) => "function",
            Value::Builtin(_) => "builtin_function_or_method",
            Value::Struct(_) => "struct",
            Value::Module(_) => "module",
            Value::Native(n) => n.type_name(),
        }
    }

    /// The truth value of `x`.
    pub fn truth(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Set(s) => !s.is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Native(n) => n.truth(),
            _ => true,
        }
    }

    /// True for `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&StrValue> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An int as i64, if it is a small int.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// An int value of either width.
    pub fn as_int(&self) -> Option<Int> {
        match self {
            Value::Int(i) => Some(Int::Small(*i)),
            Value::BigInt(b) => Some(Int::Big(b.clone())),
            _ => None,
        }
    }

    /// Freezes this value and everything reachable from it (with an
    /// explicit work list, so that nesting depth cannot exhaust the stack).
    pub fn freeze(&self) {
        let mut work = Vec::new();
        self.freeze_one(&mut work);
        while let Some(v) = work.pop() {
            v.freeze_one(&mut work);
        }
    }

    /// Freezes this value itself and queues the values it holds on `work`.
    fn freeze_one(&self, work: &mut Vec<Value>) {
        fn queue<'a>(work: &mut Vec<Value>, items: impl Iterator<Item = &'a Value>) {
            work.extend(items.filter(|v| v.may_hold_values()).cloned());
        }
        match self {
            Value::List(l) if l.guard.freeze() => queue(work, l.items().iter()),
            Value::Tuple(t) => queue(work, t.iter()),
            Value::Dict(d) if d.guard.freeze() => {
                let entries = d.entries();
                queue(work, entries.keys().map(|k| &k.value));
                queue(work, entries.values());
            }
            Value::Set(s) => {
                s.guard.freeze();
            }
            Value::Function(f) => f.freeze_into(work),
            Value::Builtin(b) => queue(work, b.recv.iter()),
            Value::Struct(s) => queue(work, s.fields.values()),
            Value::Native(n) => n.freeze(),
            _ => {}
        }
    }

    /// Whether freezing this value may have anything to do.
    fn may_hold_values(&self) -> bool {
        !matches!(
            self,
            Value::None
                | Value::Bool(_)
                | Value::Int(_)
                | Value::BigInt(_)
                | Value::Float(_)
                | Value::Str(_)
                | Value::Bytes(_)
                | Value::Range(_)
        )
    }

    /// Whether two values are the same object (pointer identity for heap values).
    pub fn ptr_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b),
            (Value::Dict(a), Value::Dict(b)) => Rc::ptr_eq(a, b),
            (Value::Set(a), Value::Set(b)) => Rc::ptr_eq(a, b),
            (Value::Tuple(a), Value::Tuple(b)) => Rc::ptr_eq(a, b),
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b),
            (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
            (Value::Builtin(a), Value::Builtin(b)) => Rc::ptr_eq(a, b),
            (Value::Native(a), Value::Native(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// An approximate count of bytes this value holds on the heap (not deep).
    pub fn approx_size(&self) -> usize {
        match self {
            Value::Str(s) => 32 + s.len(),
            Value::Bytes(b) => 32 + b.len(),
            Value::BigInt(b) => 32 + (b.bits() as usize) / 8,
            Value::List(_) | Value::Tuple(_) => 48,
            Value::Dict(_) | Value::Set(_) => 96,
            Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => 0,
            _ => 64,
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&repr(self))
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_str(self))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Rc::new(StrValue::from_vec(s.into_bytes())))
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::list(v)
    }
}

// A value is two words, and so is the result of an operation: both travel
// in registers, never through memory (see `EvalError`).
const _: () = assert!(std::mem::size_of::<Value>() == 16);
// A short string is one allocation of 48 bytes with its count.
const _: () = assert!(std::mem::size_of::<StrValue>() == 32);
const _: () = assert!(std::mem::size_of::<Result<Value>>() == 16);
const _: () = assert!(std::mem::size_of::<Result<Option<Value>>>() == 16);
