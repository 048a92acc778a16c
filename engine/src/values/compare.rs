//! Equality and ordering between values, as starlark-go defines them:
//! ints and floats compare numerically (exactly), floats are totally ordered
//! with NaN above everything and equal to itself, sequences compare
//! lexicographically, and unrelated types are unequal and unordered.

use super::{int, Value};
use crate::error::{EvalError, Result};
use crate::syntax::ast::BinaryOp;
use std::cmp::Ordering;

const MAX_DEPTH: u32 = 1000;

fn depth_error() -> EvalError {
    EvalError::new("comparison exceeded maximum recursion depth")
}

/// `x == y`.
pub fn equals(x: &Value, y: &Value) -> Result<bool> {
    eq_depth(x, y, 0)
}

/// Total float order: NaN is greater than every number and equal to itself.
pub fn float_cmp(a: f64, b: f64) -> Ordering {
    match a.partial_cmp(&b) {
        Some(o) => o,
        None => match (a.is_nan(), b.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            _ => Ordering::Less,
        },
    }
}

fn int_float_cmp(i: &Value, f: f64) -> Ordering {
    int::cmp_with_float(i, f).unwrap_or(Ordering::Less)
}

fn eq_depth(x: &Value, y: &Value, depth: u32) -> Result<bool> {
    if depth > MAX_DEPTH {
        return Err(depth_error());
    }
    crate::stack::guard(|| eq_inner(x, y, depth))
}

fn eq_inner(x: &Value, y: &Value, depth: u32) -> Result<bool> {
    Ok(match (x, y) {
        (Value::None, Value::None) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::Int(_) | Value::BigInt(_), Value::Int(_) | Value::BigInt(_)) => {
            int::cmp(x, y) == Ordering::Equal
        }
        (Value::Float(a), Value::Float(b)) => float_cmp(*a, *b) == Ordering::Equal,
        (Value::Int(_) | Value::BigInt(_), Value::Float(f))
        | (Value::Float(f), Value::Int(_) | Value::BigInt(_)) => {
            let i = if let Value::Float(_) = x { y } else { x };
            !f.is_nan() && int_float_cmp(i, *f) == Ordering::Equal
        }
        (Value::Str(a), Value::Str(b)) => a.as_bytes() == b.as_bytes(),
        (Value::Bytes(a), Value::Bytes(b)) => a == b,
        (Value::List(a), Value::List(b)) => {
            // No identity shortcut: starlark-go reports cyclic comparisons.
            let (a, b) = (a.items(), b.items());
            seq_eq(&a, &b, depth)?
        }
        (Value::Tuple(a), Value::Tuple(b)) => seq_eq(a, b, depth)?,
        (Value::Dict(a), Value::Dict(b)) => {
            let (a, b) = (a.entries(), b.entries());
            if a.len() != b.len() {
                return Ok(false);
            }
            for (k, v) in a.iter() {
                match b.get(k) {
                    Some(w) => {
                        if !eq_depth(v, w, depth + 1)? {
                            return Ok(false);
                        }
                    }
                    None => return Ok(false),
                }
            }
            true
        }
        (Value::Set(a), Value::Set(b)) => {
            let (a, b) = (a.elems(), b.elems());
            a.len() == b.len() && a.iter().all(|k| b.contains(k))
        }
        (Value::Range(a), Value::Range(b)) => {
            let (n, m) = (a.len(), b.len());
            n == m && (n == 0 || (a.start == b.start && (n == 1 || a.step == b.step)))
        }
        (Value::Struct(a), Value::Struct(b)) => {
            if a.fields.len() != b.fields.len() {
                return Ok(false);
            }
            for ((ka, va), (kb, vb)) in a.fields.iter().zip(b.fields.iter()) {
                if ka != kb || !eq_depth(va, vb, depth + 1)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::Native(a), _) => {
            std::rc::Rc::ptr_eq(
                a,
                match y {
                    Value::Native(b) => b,
                    _ => return a.equals(y),
                },
            ) || a.equals(y)?
        }
        _ => x.ptr_eq(y),
    })
}

fn seq_eq(a: &[Value], b: &[Value], depth: u32) -> Result<bool> {
    if a.len() != b.len() {
        return Ok(false);
    }
    for (x, y) in a.iter().zip(b.iter()) {
        if !eq_depth(x, y, depth + 1)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn not_implemented(op: BinaryOp, x: &Value, y: &Value) -> EvalError {
    EvalError::new(format!(
        "{} {} {} not implemented",
        x.type_name(),
        op.symbol(),
        y.type_name()
    ))
}

/// Evaluates a comparison operator (`==`, `!=`, `<`, `<=`, `>`, `>=`).
pub fn compare_op(op: BinaryOp, x: &Value, y: &Value) -> Result<bool> {
    match op {
        BinaryOp::Eq => return equals(x, y),
        BinaryOp::Ne => return Ok(!equals(x, y)?),
        _ => {}
    }
    let ord = cmp_depth(x, y, 0)?.ok_or_else(|| not_implemented(op, x, y))?;
    Ok(match op {
        BinaryOp::Lt => ord == Ordering::Less,
        BinaryOp::Le => ord != Ordering::Greater,
        BinaryOp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    })
}

fn cmp_depth(x: &Value, y: &Value, depth: u32) -> Result<Option<Ordering>> {
    if depth > MAX_DEPTH {
        return Err(depth_error());
    }
    crate::stack::guard(|| cmp_inner(x, y, depth))
}

fn cmp_inner(x: &Value, y: &Value, depth: u32) -> Result<Option<Ordering>> {
    Ok(Some(match (x, y) {
        (Value::Int(a), Value::Int(b)) => a.cmp(b),
        (Value::Int(_) | Value::BigInt(_), Value::Int(_) | Value::BigInt(_)) => int::cmp(x, y),
        (Value::Float(a), Value::Float(b)) => float_cmp(*a, *b),
        (Value::Int(_) | Value::BigInt(_), Value::Float(f)) => {
            if f.is_nan() {
                Ordering::Less
            } else {
                int_float_cmp(x, *f)
            }
        }
        (Value::Float(f), Value::Int(_) | Value::BigInt(_)) => {
            if f.is_nan() {
                Ordering::Greater
            } else {
                int_float_cmp(y, *f).reverse()
            }
        }
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Str(a), Value::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
        (Value::Bytes(a), Value::Bytes(b)) => a.as_slice().cmp(b.as_slice()),
        (Value::List(a), Value::List(b)) => {
            let (a, b) = (a.items(), b.items());
            return seq_cmp(&a, &b, depth);
        }
        (Value::Tuple(a), Value::Tuple(b)) => return seq_cmp(a, b, depth),
        (Value::Native(a), _) => return a.compare(y),
        _ => return Ok(None),
    }))
}

fn seq_cmp(a: &[Value], b: &[Value], depth: u32) -> Result<Option<Ordering>> {
    for (x, y) in a.iter().zip(b.iter()) {
        // The first unequal pair decides. Where an order is defined it agrees
        // with equality, so one comparison finds both; unordered values
        // (dicts, None, ...) may still be equal and let the scan go on.
        match cmp_depth(x, y, depth + 1)? {
            Some(Ordering::Equal) => {}
            Some(o) => return Ok(Some(o)),
            None if eq_depth(x, y, depth + 1)? => {}
            None => return Err(not_implemented(BinaryOp::Lt, x, y)),
        }
    }
    Ok(Some(a.len().cmp(&b.len())))
}

/// The class of a value under ordering: values of one shape always compare
/// without error and in a total order (numbers of either kind, strings,
/// bytes, bools, and tuples of one length whose elements share shapes), so
/// a sort whose keys share one shape can use [`total_cmp`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OrderShape {
    /// An int or a float.
    Number,
    /// A string.
    Str,
    /// A bytes value.
    Bytes,
    /// A bool.
    Bool,
    /// A tuple, element by element.
    Tuple(Vec<OrderShape>),
}

/// Tuple nesting beyond which [`order_shape`] gives up (the general path then sorts).
const SHAPE_DEPTH: u32 = 4;

/// The ordering shape of `v`, or None when it has none (or nests too deeply).
pub(crate) fn order_shape(v: &Value) -> Option<OrderShape> {
    shape_depth(v, 0)
}

fn shape_depth(v: &Value, depth: u32) -> Option<OrderShape> {
    Some(match v {
        Value::Int(_) | Value::BigInt(_) | Value::Float(_) => OrderShape::Number,
        Value::Str(_) => OrderShape::Str,
        Value::Bytes(_) => OrderShape::Bytes,
        Value::Bool(_) => OrderShape::Bool,
        Value::Tuple(items) if depth < SHAPE_DEPTH => OrderShape::Tuple(
            items
                .iter()
                .map(|x| shape_depth(x, depth + 1))
                .collect::<Option<Vec<_>>>()?,
        ),
        _ => return None,
    })
}

/// True when `v` has exactly `shape`, without building its shape.
pub(crate) fn has_shape(v: &Value, shape: &OrderShape) -> bool {
    match (v, shape) {
        (Value::Int(_) | Value::BigInt(_) | Value::Float(_), OrderShape::Number) => true,
        (Value::Str(_), OrderShape::Str) => true,
        (Value::Bytes(_), OrderShape::Bytes) => true,
        (Value::Bool(_), OrderShape::Bool) => true,
        (Value::Tuple(items), OrderShape::Tuple(shapes)) => {
            items.len() == shapes.len() && items.iter().zip(shapes).all(|(x, s)| has_shape(x, s))
        }
        _ => false,
    }
}

/// The order of two values of one [`OrderShape`]: the order `<` gives them,
/// without the possibility of failure.
pub(crate) fn total_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => float_cmp(*x, *y),
        (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Tuple(x), Value::Tuple(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                match total_cmp(p, q) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            x.len().cmp(&y.len())
        }
        // Mixed numbers, bytes and bools: the general comparison, which
        // cannot fail for them (nor nest).
        _ => cmp_inner(a, b, 0).ok().flatten().unwrap_or(Ordering::Equal),
    }
}
