//! The allocation budget: what each kind of value costs, and the checks that
//! charge an operation to [`Thread::account`] before its result is built.
//!
//! Accounting is cumulative and approximate: every allocation a script
//! causes is charged once, when it is made (never refunded), at a size close
//! to what the allocator really uses, so that the process's peak memory
//! stays near the budget. Operations whose result size is known from their
//! operands (concatenation, repetition, big-int arithmetic, container
//! growth) are charged before they allocate, so a single huge request fails
//! cleanly instead of aborting the process.

use super::Thread;
use crate::error::{ErrorKind, EvalError, Result};
use crate::syntax::ast::BinaryOp;
use crate::values::Value;

/// Bytes charged per list or tuple element (a `Value`).
pub const SLOT: usize = 16;
/// Bytes charged per dict entry (key with its hash, value, index slot, slack for growth).
pub const DICT_ENTRY: usize = 72;
/// Bytes charged per set element (key with its hash, index slot, slack for growth).
pub const SET_ENTRY: usize = 56;
/// Bytes charged for a fresh heap value besides its contents.
pub const HEADER: usize = 48;
/// Largest int, in bits, that arithmetic may produce (about 315 000 decimal
/// digits): bounds the time of one multiplication and of printing the result.
pub const MAX_INT_BITS: u64 = 1 << 20;
/// Results at least this large are followed by a cancellation check.
const POLL_BYTES: usize = 1 << 16;

/// The error for an int result beyond [`MAX_INT_BITS`].
fn int_too_large(bits: u64) -> EvalError {
    EvalError::with_kind(
        ErrorKind::Memory,
        format!("int too large: result would have about {bits} bits (limit {MAX_INT_BITS})"),
    )
}

/// Bits of an int value (0 for anything else).
fn bits(v: &Value) -> u64 {
    match v {
        Value::Int(i) => 64 - i.unsigned_abs().leading_zeros() as u64,
        Value::BigInt(b) => b.bits(),
        _ => 0,
    }
}

/// The bytes of an int of `b` bits, refusing sizes beyond [`MAX_INT_BITS`].
fn int_cost(b: u64) -> Result<usize> {
    if b > MAX_INT_BITS {
        return Err(int_too_large(b));
    }
    Ok(if b <= 64 {
        0
    } else {
        HEADER + (b / 8) as usize
    })
}

/// Elements of a container operand (for repetition and concatenation).
fn elems(v: &Value) -> usize {
    match v {
        Value::List(l) => l.len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.len(),
        Value::Set(s) => s.len(),
        Value::Range(r) => usize::try_from(r.len()).unwrap_or(usize::MAX),
        _ => 0,
    }
}

/// The repeat count of `seq * n` (0 when the operation will fail anyway).
fn count(n: &Value) -> usize {
    match n {
        Value::Int(i) if *i > 0 => usize::try_from(*i).unwrap_or(usize::MAX),
        _ => 0,
    }
}

/// The bytes `x op y` will allocate, computed from the operands before the
/// operation runs; an error for int results beyond [`MAX_INT_BITS`]. Zero
/// for results that are scalars or whose size is unknown (`str % x` is
/// charged after formatting, under the same budget).
pub fn binary_cost(op: BinaryOp, inplace: bool, x: &Value, y: &Value) -> Result<usize> {
    use BinaryOp::*;
    let int = |v: &Value| matches!(v, Value::Int(_) | Value::BigInt(_));
    if int(x) && int(y) {
        let (a, b) = (bits(x), bits(y));
        return match op {
            Mul => int_cost(a + b),
            Add | Sub | BitOr | BitXor | BitAnd => int_cost(a.max(b) + 1),
            FloorDiv | Mod => int_cost(a.max(64)),
            Shl => int_cost(a + u64::try_from(count(y)).unwrap_or(u64::MAX)),
            _ => Ok(0),
        };
    }
    let seq = |v: &Value, k: usize| -> usize {
        match v {
            Value::Str(s) => s.len().saturating_mul(k),
            Value::Bytes(b) => b.len().saturating_mul(k),
            Value::List(_) | Value::Tuple(_) => elems(v).saturating_mul(k).saturating_mul(SLOT),
            _ => 0,
        }
    };
    let body = match (op, x, y) {
        (Mul, _, Value::Int(_)) => seq(x, count(y)),
        (Mul, Value::Int(_), _) => seq(y, count(x)),
        (Add, Value::List(_), _) if inplace => elems(y).saturating_mul(SLOT),
        (Add, _, _) => seq(x, 1).saturating_add(seq(y, 1)),
        (BitOr, Value::Dict(a), Value::Dict(b)) => {
            (a.len() + if inplace { 0 } else { b.len() }).saturating_mul(DICT_ENTRY)
        }
        (BitOr | BitXor, Value::Set(a), Value::Set(b)) => (a.len() + b.len()) * SET_ENTRY,
        (BitAnd | Sub, Value::Set(a), Value::Set(_)) => a.len() * SET_ENTRY,
        _ => 0,
    };
    Ok(if body == 0 {
        0
    } else {
        HEADER.saturating_add(body)
    })
}

/// Approximate bytes held by a freshly built value (not deep), for values
/// charged after they are made.
pub fn fresh_size(v: &Value) -> usize {
    match v {
        Value::Str(s) => HEADER + s.len(),
        Value::Bytes(b) => HEADER + b.len(),
        Value::List(l) => HEADER + SLOT * l.len(),
        Value::Tuple(t) => HEADER + SLOT * t.len(),
        Value::Dict(d) => HEADER + DICT_ENTRY * d.len(),
        Value::Set(s) => HEADER + SET_ENTRY * s.len(),
        Value::BigInt(b) => HEADER + (b.bits() as usize) / 8,
        _ => 0,
    }
}

impl Thread {
    /// Bytes the run may still allocate before the budget is spent.
    pub fn memory_remaining(&self) -> usize {
        self.alloc_limit.saturating_sub(self.allocated)
    }

    /// Charges `n` new container slots of `each` bytes (list elements, dict
    /// entries, set elements) before they are added.
    #[inline]
    pub fn account_slots(&mut self, n: usize, each: usize) -> Result<()> {
        self.account(n.saturating_mul(each))
    }

    /// Fails if the run was cancelled (a cheap check, for long native work
    /// between steps).
    #[inline]
    pub fn check_cancelled(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(EvalError::with_kind(
                ErrorKind::Cancelled,
                "Starlark computation cancelled",
            ));
        }
        Ok(())
    }

    /// After work that produced `bytes` of output: checks for cancellation
    /// when the work was large enough to have taken a while.
    #[inline]
    pub fn after_large_work(&self, bytes: usize) -> Result<()> {
        if bytes >= POLL_BYTES {
            self.check_cancelled()?;
        }
        Ok(())
    }
}

impl Thread {
    /// `repr(v)` (or `str(v)` when `as_str`), charged to the budget: fails
    /// with a memory error, without building the whole text, when it would
    /// not fit in what remains of the budget.
    pub fn repr_charged(&mut self, v: &Value, as_str: bool) -> Result<String> {
        let limit = self.memory_remaining();
        let text = if as_str {
            crate::values::to_str_limited(v, limit)
        } else {
            crate::values::repr_limited(v, limit)
        };
        match text {
            Some(t) => {
                self.account(HEADER + t.len())?;
                self.after_large_work(t.len())?;
                Ok(t)
            }
            None => Err(self.memory_error()),
        }
    }

    /// The error for an allocation beyond the budget.
    pub(crate) fn memory_error(&self) -> EvalError {
        EvalError::with_kind(
            ErrorKind::Memory,
            format!(
                "memory limit exceeded: allocated more than {} bytes",
                self.alloc_limit
            ),
        )
    }
}
