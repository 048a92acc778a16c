//! Operators on values: arithmetic and the other binary operators, unary
//! operators, indexing, slicing, membership, length and iteration, with
//! starlark-go's semantics and error messages.

use super::compare::compare_op;
use super::{equals, int, Dict, List, RangeValue, Set, Value};
use crate::error::{EvalError, Result};
use crate::syntax::ast::{BinaryOp, UnaryOp};
use std::rc::Rc;

/// Largest number of elements a repetition may create.
const MAX_ALLOC: usize = 1 << 30;

/// A vector with room for `n` elements, or a memory error when the
/// allocator refuses (instead of aborting the process).
pub(crate) fn try_vec<T>(n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        EvalError::with_kind(
            crate::error::ErrorKind::Memory,
            format!(
                "memory limit exceeded: cannot allocate {n} elements of {} bytes",
                std::mem::size_of::<T>()
            ),
        )
    })?;
    Ok(v)
}

/// `items` repeated `k` times, allocated fallibly.
fn repeat_fallible<T: Clone>(items: &[T], k: usize) -> Result<Vec<T>> {
    let mut v = try_vec(items.len().saturating_mul(k))?;
    for _ in 0..k {
        v.extend_from_slice(items);
    }
    Ok(v)
}

fn unknown_binary(op: BinaryOp, x: &Value, y: &Value) -> EvalError {
    EvalError::new(format!(
        "unknown binary op: {} {} {}",
        x.type_name(),
        op.symbol(),
        y.type_name()
    ))
}

/// A number as a float: ints convert (error if too large), others are None.
fn as_float(v: &Value) -> Result<Option<f64>> {
    Ok(match v {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::BigInt(b) => Some(int::big_to_f64(b)?),
        _ => None,
    })
}

fn is_int(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::BigInt(_))
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Float(_))
}

/// Python-style float modulo (the sign of the divisor).
pub fn float_mod(x: f64, y: f64) -> f64 {
    let r = x % y;
    if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
        r + y
    } else {
        r
    }
}

/// Evaluates `x op y` for every operator except `and`/`or` (compiled as jumps).
/// `%` on a string is left to the caller (see [`crate::builtins::format`]).
pub fn binary(op: BinaryOp, x: &Value, y: &Value) -> Result<Value> {
    binary_with(op, x, y, &mut ask_native)
}

/// Asks a native operand for `x op y` without a thread: its `binary`.
fn ask_native(
    n: &dyn super::NativeValue,
    op: BinaryOp,
    other: &Value,
    left: bool,
) -> Result<Option<Value>> {
    n.binary(op, other, left)
}

/// How a native operand is asked for `x op y`: its `binary`, or in the
/// evaluator its `binary_in` with the running thread (to charge the result
/// before it is built).
pub(crate) type NativeBinary<'a> =
    &'a mut dyn FnMut(&dyn super::NativeValue, BinaryOp, &Value, bool) -> Result<Option<Value>>;

/// [`binary`], asking native operands through `native`.
pub(crate) fn binary_with(
    op: BinaryOp,
    x: &Value,
    y: &Value,
    native: NativeBinary<'_>,
) -> Result<Value> {
    use BinaryOp::*;
    // Fast paths for small ints.
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        match op {
            Add => {
                if let Some(r) = a.checked_add(*b) {
                    return Ok(Value::Int(r));
                }
            }
            Sub => {
                if let Some(r) = a.checked_sub(*b) {
                    return Ok(Value::Int(r));
                }
            }
            Mul => {
                if let Some(r) = a.checked_mul(*b) {
                    return Ok(Value::Int(r));
                }
            }
            Lt => return Ok(Value::Bool(a < b)),
            Le => return Ok(Value::Bool(a <= b)),
            Gt => return Ok(Value::Bool(a > b)),
            Ge => return Ok(Value::Bool(a >= b)),
            Eq => return Ok(Value::Bool(a == b)),
            Ne => return Ok(Value::Bool(a != b)),
            _ => {}
        }
    }
    let r = match op {
        Eq | Ne | Lt | Le | Gt | Ge => {
            // A native type may define comparisons that are not booleans
            // (a table column compared with a scalar gives a mask).
            if let Some(v) = native_binary(op, x, y, native)? {
                return Ok(v);
            }
            return Ok(Value::Bool(compare_op(op, x, y)?));
        }
        In => return Ok(Value::Bool(contains(y, x)?)),
        NotIn => return Ok(Value::Bool(!contains(y, x)?)),
        Add => add(x, y)?,
        Sub => {
            if is_int(x) && is_int(y) {
                Some(int::sub(x, y))
            } else if let (Value::Set(a), Value::Set(b)) = (x, y) {
                Some(set_op(op, a, b)?)
            } else {
                float_op(x, y, |a, b| Ok(a - b))?
            }
        }
        Mul => mul(x, y)?,
        Div => match (as_float(x)?, as_float(y)?) {
            (Some(a), Some(b)) if is_number(x) && is_number(y) => {
                if b == 0.0 {
                    return Err(EvalError::new("floating-point division by zero"));
                }
                Some(Value::Float(a / b))
            }
            _ => None,
        },
        FloorDiv => {
            if is_int(x) && is_int(y) {
                Some(int::floor_div(x, y)?)
            } else {
                float_op(x, y, |a, b| {
                    if b == 0.0 {
                        Err(EvalError::new("floored division by zero"))
                    } else {
                        Ok((a / b).floor())
                    }
                })?
            }
        }
        Mod => {
            if is_int(x) && is_int(y) {
                Some(int::modulo(x, y)?)
            } else if let Value::Str(_) = x {
                return crate::builtins::format::percent(x, y);
            } else {
                float_op(x, y, |a, b| {
                    if b == 0.0 {
                        Err(EvalError::new("floating-point modulo by zero"))
                    } else {
                        Ok(float_mod(a, b))
                    }
                })?
            }
        }
        BitAnd | BitOr | BitXor => {
            if is_int(x) && is_int(y) {
                let c = match op {
                    BitAnd => '&',
                    BitOr => '|',
                    _ => '^',
                };
                Some(int::bitwise(c, x, y))
            } else if let (Value::Set(a), Value::Set(b)) = (x, y) {
                Some(set_op(op, a, b)?)
            } else if let (BitOr, Value::Dict(a), Value::Dict(b)) = (op, x, y) {
                Some(dict_union(a, b)?)
            } else {
                None
            }
        }
        Shl | Shr => {
            if is_int(x) {
                if !is_int(y) {
                    return Err(EvalError::new(format!("got {}, want int", y.type_name())));
                }
                Some(int::shift(op == Shl, x, y)?)
            } else {
                None
            }
        }
        And | Or => None,
    };
    if let Some(v) = r {
        return Ok(v);
    }
    if let Some(v) = native_binary(op, x, y, native)? {
        return Ok(v);
    }
    Err(unknown_binary(op, x, y))
}

/// `x op y` as defined by a native operand, left operand first.
fn native_binary(
    op: BinaryOp,
    x: &Value,
    y: &Value,
    native: NativeBinary<'_>,
) -> Result<Option<Value>> {
    if let Value::Native(n) = x {
        if let Some(v) = native(n.as_ref().as_ref(), op, y, true)? {
            return Ok(Some(v));
        }
    }
    if let Value::Native(n) = y {
        if let Some(v) = native(n.as_ref().as_ref(), op, x, false)? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

fn float_op(x: &Value, y: &Value, f: impl Fn(f64, f64) -> Result<f64>) -> Result<Option<Value>> {
    if !is_number(x) || !is_number(y) {
        return Ok(None);
    }
    match (as_float(x)?, as_float(y)?) {
        (Some(a), Some(b)) => Ok(Some(Value::Float(f(a, b)?))),
        _ => Ok(None),
    }
}

fn add(x: &Value, y: &Value) -> Result<Option<Value>> {
    Ok(match (x, y) {
        (Value::Int(_) | Value::BigInt(_), Value::Int(_) | Value::BigInt(_)) => {
            Some(int::add(x, y))
        }
        (Value::Str(a), Value::Str(b)) => {
            let mut v = try_vec(a.len() + b.len())?;
            v.extend_from_slice(a.as_bytes());
            v.extend_from_slice(b.as_bytes());
            Some(Value::str_bytes(v))
        }
        (Value::Bytes(a), Value::Bytes(b)) => {
            let mut v = try_vec(a.len() + b.len())?;
            v.extend_from_slice(a);
            v.extend_from_slice(b);
            Some(Value::Bytes(Rc::new(v)))
        }
        (Value::List(a), Value::List(b)) => {
            let (a, b) = (a.items(), b.items());
            let mut v = try_vec(a.len() + b.len())?;
            v.extend(a.iter().cloned());
            v.extend(b.iter().cloned());
            Some(Value::list(v))
        }
        (Value::Tuple(a), Value::Tuple(b)) => {
            let mut v = try_vec(a.len() + b.len())?;
            v.extend(a.iter().cloned());
            v.extend(b.iter().cloned());
            Some(Value::tuple(v))
        }
        (Value::Struct(a), Value::Struct(b)) => {
            // starlarkstruct: fields merge, the right operand's win.
            if a.constructor != b.constructor {
                return Err(EvalError::new(format!(
                    "cannot add structs of different constructors: {} + {}",
                    a.constructor_name(),
                    b.constructor_name()
                )));
            }
            let mut fields = a.fields.clone();
            fields.extend(b.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            Some(Value::Struct(Rc::new(super::Struct {
                constructor: a.constructor.clone(),
                fields,
            })))
        }
        _ => float_op(x, y, |a, b| Ok(a + b))?,
    })
}

fn repeat_count(n: &Value, len: usize) -> Result<usize> {
    // starlark-go takes the count as an int32.
    let i = match n {
        Value::Int(i) if i32::try_from(*i).is_ok() => *i,
        _ => {
            return Err(EvalError::new(format!(
                "repeat count {} too large",
                int::to_string(n)
            )))
        }
    };
    if i < 1 || len == 0 {
        return Ok(0);
    }
    let i = usize::try_from(i).unwrap_or(usize::MAX);
    match len.checked_mul(i) {
        Some(sz) if sz < MAX_ALLOC => Ok(i),
        _ => Err(EvalError::new(format!(
            "excessive repeat ({len} * {i} elements)"
        ))),
    }
}

fn mul(x: &Value, y: &Value) -> Result<Option<Value>> {
    if is_int(x) && is_int(y) {
        return Ok(Some(int::mul(x, y)));
    }
    let (seq, n) = if is_int(x) { (y, x) } else { (x, y) };
    if !is_int(n) {
        return float_op(x, y, |a, b| Ok(a * b));
    }
    Ok(match seq {
        Value::Str(s) => {
            let k = repeat_count(n, s.len())?;
            Some(Value::str_bytes(repeat_fallible(s.as_bytes(), k)?))
        }
        Value::Bytes(b) => {
            let k = repeat_count(n, b.len())?;
            Some(Value::Bytes(Rc::new(repeat_fallible(b, k)?)))
        }
        Value::List(l) => {
            let items = l.items();
            let k = repeat_count(n, items.len())?;
            Some(Value::list(repeat_fallible(&items, k)?))
        }
        Value::Tuple(t) => {
            let k = repeat_count(n, t.len())?;
            Some(Value::tuple(repeat_fallible(t, k)?))
        }
        _ => float_op(x, y, |a, b| Ok(a * b))?,
    })
}

/// `a | b` on dicts: a new dict with the keys of `a` then the new keys of
/// `b`, each with the value of the rightmost operand that has it.
fn dict_union(a: &Dict, b: &Dict) -> Result<Value> {
    let out = Dict::with_capacity(a.len() + b.len());
    for (k, v) in a.entries().iter().chain(b.entries().iter()) {
        out.insert_key(k.clone(), v.clone())?;
    }
    Ok(Value::Dict(Rc::new(out)))
}

/// `a op b` on sets: `|` union, `&` intersection, `-` difference and `^`
/// symmetric difference, each keeping the left operand's order first.
fn set_op(op: BinaryOp, a: &Set, b: &Set) -> Result<Value> {
    let out = Set::default();
    match op {
        BinaryOp::Sub => {
            for k in a.elems().iter() {
                if !b.contains(k)? {
                    out.insert(k.value.clone())?;
                }
            }
        }
        BinaryOp::BitOr => {
            for k in a.elems().iter().chain(b.elems().iter()) {
                out.insert(k.value.clone())?;
            }
        }
        BinaryOp::BitAnd => {
            for k in a.elems().iter() {
                if b.contains(k)? {
                    out.insert(k.value.clone())?;
                }
            }
        }
        _ => {
            for k in a.elems().iter() {
                if !b.contains(k)? {
                    out.insert(k.value.clone())?;
                }
            }
            for k in b.elems().iter() {
                if !a.contains(k)? {
                    out.insert(k.value.clone())?;
                }
            }
        }
    }
    Ok(Value::Set(Rc::new(out)))
}

/// `x op= y`: like [`binary`], except that `list += iterable` extends the
/// list and `dict |= dict` updates the dict, in place.
pub fn inplace_binary(op: BinaryOp, x: &Value, y: &Value) -> Result<Value> {
    inplace_binary_with(op, x, y, &mut ask_native)
}

/// [`inplace_binary`], asking native operands through `native`.
pub(crate) fn inplace_binary_with(
    op: BinaryOp,
    x: &Value,
    y: &Value,
    native: NativeBinary<'_>,
) -> Result<Value> {
    if op == BinaryOp::BitOr {
        if let (Value::Dict(d), Value::Dict(other)) = (x, y) {
            d.guard.check("apply |= to", "hash table")?;
            // Copy first: `d |= d` must not borrow the map twice.
            let entries: Vec<_> = other
                .entries()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (k, v) in entries {
                d.insert_key(k, v)?;
            }
            return Ok(x.clone());
        }
    }
    if op == BinaryOp::Add {
        if let Value::List(l) = x {
            if let Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::Range(_) = y
            {
                let mut items = l.items_mut("apply += to")?;
                let n = len(y).unwrap_or(0);
                items.try_reserve(n).map_err(|_| {
                    EvalError::with_kind(
                        crate::error::ErrorKind::Memory,
                        format!("memory limit exceeded: cannot grow list by {n} elements"),
                    )
                })?;
                drop(items);
                let extra = collect(y)?;
                l.items_mut("apply += to")?.extend(extra);
                return Ok(x.clone());
            }
            if let Value::Native(n) = y {
                if let Some(it) = n.iterate() {
                    let items: Vec<Value> = it.collect();
                    l.items_mut("apply += to")?.extend(items);
                    return Ok(x.clone());
                }
            }
        }
    }
    binary_with(op, x, y, native)
}

/// `y in x`: whether container `x` holds `y`.
pub fn contains(x: &Value, y: &Value) -> Result<bool> {
    match x {
        Value::List(l) => {
            for e in l.items().iter() {
                if equals(e, y)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Tuple(t) => {
            for e in t.iter() {
                if equals(e, y)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Dict(d) => Ok(d.get(y).ok().flatten().is_some()),
        Value::Set(s) => s.contains(y),
        Value::Str(s) => match y {
            Value::Str(n) => Ok(find(s.as_bytes(), n.as_bytes()).is_some()),
            _ => Err(EvalError::new(format!(
                "'in <string>' requires string as left operand, not {}",
                y.type_name()
            ))),
        },
        Value::Bytes(b) => match y {
            Value::Bytes(n) => Ok(find(b, n).is_some()),
            Value::Int(i) if (0..=255).contains(i) => Ok(b.contains(&(*i as u8))),
            Value::Int(i) => Err(EvalError::new(format!("int in bytes: {i} out of range"))),
            _ => Err(EvalError::new(format!(
                "'in bytes' requires bytes or int as left operand, not {}",
                y.type_name()
            ))),
        },
        Value::Range(r) => {
            let i = match y {
                Value::Int(i) => *i,
                Value::BigInt(_) => return Ok(false),
                Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => *f as i64,
                Value::Float(_) => return Ok(false),
                _ => {
                    return Err(EvalError::new(format!(
                        "'in <range>' requires integer as left operand, not {}",
                        y.type_name()
                    )))
                }
            };
            Ok(range_contains(r, i))
        }
        Value::Native(n) => match n.binary(BinaryOp::In, y, false)? {
            Some(v) => Ok(v.truth()),
            None => Err(unknown_binary(BinaryOp::In, y, x)),
        },
        _ => Err(unknown_binary(BinaryOp::In, y, x)),
    }
}

fn range_contains(r: &RangeValue, i: i64) -> bool {
    if r.step > 0 {
        i >= r.start && i < r.stop && (i - r.start) % r.step == 0
    } else {
        i <= r.start && i > r.stop && (r.start - i) % (-r.step) == 0
    }
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    if needle.len() > hay.len() {
        return None;
    }
    match needle {
        [b] => memchr::memchr(*b, hay),
        _ => memchr::memmem::find(hay, needle),
    }
}

/// Evaluates `op x`.
pub fn unary(op: UnaryOp, x: &Value) -> Result<Value> {
    match (op, x) {
        (UnaryOp::Not, _) => return Ok(Value::Bool(!x.truth())),
        (UnaryOp::Minus, Value::Int(_) | Value::BigInt(_)) => return Ok(int::neg(x)),
        (UnaryOp::Minus, Value::Float(f)) => return Ok(Value::Float(-f)),
        (UnaryOp::Plus, Value::Int(_) | Value::BigInt(_) | Value::Float(_)) => return Ok(x.clone()),
        (UnaryOp::Tilde, Value::Int(_) | Value::BigInt(_)) => return Ok(int::invert(x)),
        (_, Value::Native(n)) => {
            if let Some(v) = n.unary(op)? {
                return Ok(v);
            }
        }
        _ => {}
    }
    let sym = match op {
        UnaryOp::Minus => "-",
        UnaryOp::Plus => "+",
        UnaryOp::Tilde => "~",
        UnaryOp::Not => "not",
    };
    Err(EvalError::new(format!(
        "unknown unary op: {sym} {}",
        x.type_name()
    )))
}

/// An index as an i64 ("got T, want int" otherwise).
pub fn as_index_int(v: &Value) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::BigInt(_) => Err(EvalError::new(format!(
            "{} out of range",
            int::to_string(v)
        ))),
        _ => Err(EvalError::new(format!("got {}, want int", v.type_name()))),
    }
}

fn out_of_range(i: i64, n: usize, x: &Value) -> EvalError {
    if n == 0 {
        EvalError::new(format!("index {i} out of range: empty {}", x.type_name()))
    } else {
        EvalError::new(format!(
            "{} index {i} out of range [{}:{}]",
            x.type_name(),
            -(n as i64),
            n as i64 - 1
        ))
    }
}

/// Normalises a possibly negative index into `0..n`.
pub fn resolve_index(x: &Value, key: &Value, n: usize) -> Result<usize> {
    let i = as_index_int(key)
        .map_err(|e| EvalError::new(format!("{} index: {}", x.type_name(), e.msg)))?;
    let j = if i < 0 { i + n as i64 } else { i };
    if j < 0 || j >= n as i64 {
        return Err(out_of_range(i, n, x));
    }
    Ok(j as usize)
}

/// Evaluates `x[key]`.
pub fn index(x: &Value, key: &Value) -> Result<Value> {
    match x {
        Value::List(l) => {
            let items = l.items();
            let i = resolve_index(x, key, items.len())?;
            Ok(items[i].clone())
        }
        Value::Tuple(t) => {
            let i = resolve_index(x, key, t.len())?;
            Ok(t[i].clone())
        }
        Value::Str(s) => {
            let i = resolve_index(x, key, s.len())?;
            Ok(Value::str_bytes(vec![s.as_bytes()[i]]))
        }
        Value::Bytes(b) => {
            // A one-byte bytes value, as starlark-go (`b.elems()` gives ints).
            let i = resolve_index(x, key, b.len())?;
            Ok(Value::Bytes(Rc::new(vec![b[i]])))
        }
        Value::Range(r) => {
            let n = r.len() as usize;
            let i = resolve_index(x, key, n)?;
            Ok(Value::Int(r.at(i as i64)))
        }
        Value::Dict(d) => match d.get(key)? {
            Some(v) => Ok(v),
            None => Err(EvalError::new(format!(
                "key {} not in dict",
                super::repr(key)
            ))),
        },
        Value::Native(n) => n.index(key),
        _ => Err(EvalError::new(format!(
            "unhandled index operation {}[{}]",
            x.type_name(),
            key.type_name()
        ))),
    }
}

/// Evaluates `x[key] = v`.
pub fn set_index(x: &Value, key: &Value, v: Value) -> Result<()> {
    match x {
        Value::Dict(d) => d.insert(key.clone(), v),
        Value::List(l) => {
            let n = l.len();
            let i = as_index_int(key)?;
            let j = if i < 0 { i + n as i64 } else { i };
            if j < 0 || j >= n as i64 {
                return Err(out_of_range(i, n, x));
            }
            let mut items = l.items_mut("assign to element of")?;
            items[j as usize] = v;
            Ok(())
        }
        Value::Native(n) => n.set_index(key, v),
        _ => Err(EvalError::new(format!(
            "{} value does not support item assignment",
            x.type_name()
        ))),
    }
}

fn slice_index(v: &Value, n: i64, default: i64, what: &str) -> Result<i64> {
    match v {
        Value::None => Ok(default),
        _ => {
            let i = as_index_int(v)
                .map_err(|e| EvalError::new(format!("invalid {what} index: {}", e.msg)))?;
            Ok(if i < 0 { i + n } else { i })
        }
    }
}

/// What `[lo:hi:step]` selects from a sequence of length `n`, without
/// listing it: the first index, the step and the number of indices.
pub fn slice_bounds(n: usize, lo: &Value, hi: &Value, step: &Value) -> Result<(i64, i64, usize)> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let step = match step {
        Value::None => 1,
        _ => as_index_int(step)
            .map_err(|e| EvalError::new(format!("invalid slice step: {}", e.msg)))?,
    };
    if step == 0 {
        return Err(EvalError::new("zero is not a valid slice step"));
    }
    let (start, count) = if step > 0 {
        let start = slice_index(lo, n, 0, "start")?.clamp(0, n);
        let end = slice_index(hi, n, n, "end")?.clamp(0, n);
        let count = if start < end {
            (end as i128 - start as i128 + step as i128 - 1) / step as i128
        } else {
            0
        };
        (start, count)
    } else {
        let start = slice_index(lo, n, n - 1, "start")?.min(n - 1);
        let end = slice_index(hi, n, -1, "end")?.max(-1);
        let count = if start > end {
            (start as i128 - end as i128 - step as i128 - 1) / -(step as i128)
        } else {
            0
        };
        (start, count)
    };
    Ok((start, step, usize::try_from(count).unwrap_or(0)))
}

/// The indices selected by `[lo:hi:step]` over a sequence of length `n`.
pub fn slice_indices(n: usize, lo: &Value, hi: &Value, step: &Value) -> Result<Vec<usize>> {
    let (start, step, count) = slice_bounds(n, lo, hi, step)?;
    Ok((0..count)
        .map(|k| (start as i128 + k as i128 * step as i128) as usize)
        .collect())
}

/// Evaluates `x[lo:hi:step]`.
pub fn slice(x: &Value, lo: &Value, hi: &Value, step: &Value) -> Result<Value> {
    match x {
        Value::List(l) => {
            let items = l.items();
            let idx = slice_indices(items.len(), lo, hi, step)?;
            Ok(Value::list(
                idx.into_iter().map(|i| items[i].clone()).collect(),
            ))
        }
        Value::Tuple(t) => {
            let idx = slice_indices(t.len(), lo, hi, step)?;
            Ok(Value::tuple(
                idx.into_iter().map(|i| t[i].clone()).collect(),
            ))
        }
        Value::Str(s) => {
            let b = s.as_bytes();
            if let (Value::None, true) = (step, true) {
                // Contiguous fast path.
                let idx = slice_indices(b.len(), lo, hi, step)?;
                return Ok(match (idx.first(), idx.last()) {
                    (Some(&a), Some(&z)) => Value::str_bytes(b[a..=z].to_vec()),
                    _ => Value::str(""),
                });
            }
            let idx = slice_indices(b.len(), lo, hi, step)?;
            Ok(Value::str_bytes(
                idx.into_iter().map(|i| b[i]).collect::<Vec<u8>>(),
            ))
        }
        Value::Bytes(b) => {
            let idx = slice_indices(b.len(), lo, hi, step)?;
            Ok(Value::Bytes(Rc::new(
                idx.into_iter().map(|i| b[i]).collect(),
            )))
        }
        Value::Range(r) => Ok(Value::Range(Rc::new(slice_range(r, lo, hi, step)?))),
        _ => Err(EvalError::new(format!(
            "invalid slice operand {}",
            x.type_name()
        ))),
    }
}

/// `r[lo:hi:step]`: a new range, computed without listing the elements.
fn slice_range(r: &RangeValue, lo: &Value, hi: &Value, step: &Value) -> Result<RangeValue> {
    let n = usize::try_from(r.len()).unwrap_or(usize::MAX);
    let (first, stepv, count) = slice_bounds(n, lo, hi, step)?;
    if count == 0 {
        return Ok(RangeValue {
            start: r.start,
            stop: r.start,
            step: r.step.saturating_mul(stepv),
        });
    }
    let start = r.start as i128 + first as i128 * r.step as i128;
    let new_step = r.step as i128 * stepv as i128;
    let last = start + (count as i128 - 1) * new_step;
    let too_large = || EvalError::new("range slice too large");
    let new_step = if count == 1 {
        i64::try_from(new_step).unwrap_or(if new_step > 0 { i64::MAX } else { i64::MIN })
    } else {
        i64::try_from(new_step).map_err(|_| too_large())?
    };
    // The stop after the last element, as `start + count * step` when it fits.
    let stop = i64::try_from(start + count as i128 * new_step as i128)
        .or_else(|_| i64::try_from(last + new_step.signum() as i128))
        .map_err(|_| too_large())?;
    Ok(RangeValue {
        start: i64::try_from(start).map_err(|_| too_large())?,
        stop,
        step: new_step,
    })
}

/// `len(x)`, or None if `x` has no length.
pub fn len(x: &Value) -> Option<usize> {
    Some(match x {
        Value::Str(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.len(),
        Value::Set(s) => s.len(),
        Value::Range(r) => r.len() as usize,
        Value::Native(n) => return n.len(),
        _ => return None,
    })
}

/// An active iteration over a value. Mutable containers are guarded against
/// mutation until the iterator is dropped.
pub enum ValueIter {
    /// Over a list, by index.
    List(Rc<List>, usize),
    /// Over a tuple.
    Tuple(Rc<Vec<Value>>, usize),
    /// Over a dict's keys.
    Dict(Rc<Dict>, usize),
    /// Over a set.
    Set(Rc<Set>, usize),
    /// Over a range: the range, the next index, and the length.
    Range(RangeValue, i64, i64),
    /// Over a native value's iterator.
    Native(super::NativeIter),
}

impl ValueIter {
    /// The next element.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> Option<Value> {
        match self {
            ValueIter::List(l, i) => {
                let v = l.get(*i)?;
                *i += 1;
                Some(v)
            }
            ValueIter::Tuple(t, i) => {
                let v = t.get(*i)?.clone();
                *i += 1;
                Some(v)
            }
            ValueIter::Dict(d, i) => {
                let v = d.entries().get_index(*i).map(|(k, _)| k.value.clone())?;
                *i += 1;
                Some(v)
            }
            ValueIter::Set(s, i) => {
                let v = s.elems().get_index(*i).map(|k| k.value.clone())?;
                *i += 1;
                Some(v)
            }
            ValueIter::Range(r, i, len) => {
                if *i >= *len {
                    return None;
                }
                let v = r.at(*i);
                *i += 1;
                Some(Value::Int(v))
            }
            ValueIter::Native(it) => it.next(),
        }
    }
}

impl Drop for ValueIter {
    fn drop(&mut self) {
        match self {
            ValueIter::List(l, _) => l.guard.end_iter(),
            ValueIter::Dict(d, _) => d.guard.end_iter(),
            ValueIter::Set(s, _) => s.guard.end_iter(),
            _ => {}
        }
    }
}

/// Starts iterating over `x`, or None if it is not iterable.
pub fn iterate(x: &Value) -> Option<ValueIter> {
    Some(match x {
        Value::List(l) => {
            l.guard.begin_iter();
            ValueIter::List(l.clone(), 0)
        }
        Value::Tuple(t) => ValueIter::Tuple(t.clone(), 0),
        Value::Dict(d) => {
            d.guard.begin_iter();
            ValueIter::Dict(d.clone(), 0)
        }
        Value::Set(s) => {
            s.guard.begin_iter();
            ValueIter::Set(s.clone(), 0)
        }
        Value::Range(r) => ValueIter::Range((**r).clone(), 0, r.len()),
        Value::Native(n) => ValueIter::Native(n.iterate()?),
        _ => return None,
    })
}

/// Starts iterating, or fails with "T value is not iterable".
pub fn iterate_or_err(x: &Value) -> Result<ValueIter> {
    iterate(x).ok_or_else(|| EvalError::new(format!("{} value is not iterable", x.type_name())))
}

/// All elements of an iterable, or an error if it is not iterable.
pub fn collect(x: &Value) -> Result<Vec<Value>> {
    match x {
        Value::List(l) => Ok(l.items().clone()),
        Value::Tuple(t) => Ok((**t).clone()),
        _ => {
            let mut it = iterate_or_err(x)?;
            let mut out = try_vec(len(x).unwrap_or(0))?;
            while let Some(v) = it.next() {
                out.push(v);
            }
            Ok(out)
        }
    }
}
