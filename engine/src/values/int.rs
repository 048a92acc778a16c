//! Ints: arbitrary precision, with an allocation-free fast path for values
//! that fit in 64 bits. Every operation here normalises its result.

use super::Value;
use crate::error::{EvalError, Result};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};
use std::rc::Rc;

/// An int of either width, for arithmetic outside the VM's fast paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Int {
    /// Fits in i64.
    Small(i64),
    /// Does not fit in i64 (or not yet normalised).
    Big(Rc<BigInt>),
}

impl From<BigInt> for Int {
    fn from(b: BigInt) -> Int {
        match b.to_i64() {
            Some(i) => Int::Small(i),
            None => Int::Big(Rc::new(b)),
        }
    }
}

impl From<i64> for Int {
    fn from(i: i64) -> Int {
        Int::Small(i)
    }
}

impl Int {
    /// As a big integer.
    pub fn to_big(&self) -> BigInt {
        match self {
            Int::Small(i) => BigInt::from(*i),
            Int::Big(b) => (**b).clone(),
        }
    }

    /// As a value (normalised).
    pub fn into_value(self) -> Value {
        match self {
            Int::Small(i) => Value::Int(i),
            Int::Big(b) => match b.to_i64() {
                Some(i) => Value::Int(i),
                None => Value::BigInt(b),
            },
        }
    }

    /// As i64 if it fits.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Int::Small(i) => Some(*i),
            Int::Big(b) => b.to_i64(),
        }
    }

    /// Sign: -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match self {
            Int::Small(i) => i.signum() as i32,
            Int::Big(b) => {
                if b.is_negative() {
                    -1
                } else if b.is_zero() {
                    0
                } else {
                    1
                }
            }
        }
    }

    /// Nearest float; error if too large, as starlark-go reports it.
    pub fn to_f64(&self) -> Result<f64> {
        match self {
            Int::Small(i) => Ok(*i as f64),
            Int::Big(b) => {
                let f = b.to_f64().unwrap_or(f64::INFINITY);
                if f.is_finite() {
                    Ok(f)
                } else {
                    Err(EvalError::new("int too large to convert to float"))
                }
            }
        }
    }
}

fn big(v: &Value) -> BigInt {
    match v {
        Value::Int(i) => BigInt::from(*i),
        Value::BigInt(b) => (**b).clone(),
        _ => BigInt::zero(),
    }
}

/// `x + y` on ints.
pub fn add(x: &Value, y: &Value) -> Value {
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        if let Some(r) = a.checked_add(*b) {
            return Value::Int(r);
        }
    }
    Value::from_bigint(big(x) + big(y))
}

/// `x - y` on ints.
pub fn sub(x: &Value, y: &Value) -> Value {
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        if let Some(r) = a.checked_sub(*b) {
            return Value::Int(r);
        }
    }
    Value::from_bigint(big(x) - big(y))
}

/// `x * y` on ints.
pub fn mul(x: &Value, y: &Value) -> Value {
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        if let Some(r) = a.checked_mul(*b) {
            return Value::Int(r);
        }
    }
    Value::from_bigint(big(x) * big(y))
}

/// `x // y` on ints (floored).
pub fn floor_div(x: &Value, y: &Value) -> Result<Value> {
    if is_zero(y) {
        return Err(EvalError::new("floored division by zero"));
    }
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        if !(*a == i64::MIN && *b == -1) {
            return Ok(Value::Int(a.div_floor(b)));
        }
    }
    Ok(Value::from_bigint(big(x).div_floor(&big(y))))
}

/// `x % y` on ints (sign of the divisor, as Python).
pub fn modulo(x: &Value, y: &Value) -> Result<Value> {
    if is_zero(y) {
        return Err(EvalError::new("integer modulo by zero"));
    }
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        if !(*a == i64::MIN && *b == -1) {
            return Ok(Value::Int(a.mod_floor(b)));
        }
    }
    Ok(Value::from_bigint(big(x).mod_floor(&big(y))))
}

/// True if the int value is zero.
pub fn is_zero(v: &Value) -> bool {
    matches!(v, Value::Int(0))
}

/// `-x`
pub fn neg(x: &Value) -> Value {
    if let Value::Int(a) = x {
        if let Some(r) = a.checked_neg() {
            return Value::Int(r);
        }
    }
    Value::from_bigint(-big(x))
}

/// `~x`
pub fn invert(x: &Value) -> Value {
    if let Value::Int(a) = x {
        return Value::Int(!a);
    }
    Value::from_bigint(-big(x) - 1)
}

/// `&`, `|`, `^` on ints.
pub fn bitwise(op: char, x: &Value, y: &Value) -> Value {
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        return Value::Int(match op {
            '&' => a & b,
            '|' => a | b,
            _ => a ^ b,
        });
    }
    let (a, b) = (big(x), big(y));
    Value::from_bigint(match op {
        '&' => a & b,
        '|' => a | b,
        _ => a ^ b,
    })
}

/// `x << y` and `x >> y` on ints; `left` selects the direction.
pub fn shift(left: bool, x: &Value, y: &Value) -> Result<Value> {
    let n = match y {
        Value::Int(n) => *n,
        _ => return Err(EvalError::new("shift count too large")),
    };
    if n < 0 {
        return Err(EvalError::new(format!("negative shift count: {n}")));
    }
    if left {
        if n >= 512 {
            return Err(EvalError::new(format!("shift count too large: {n}")));
        }
        if let Value::Int(a) = x {
            if n < 63 {
                if let Some(r) = a.checked_mul(1i64 << n) {
                    return Ok(Value::Int(r));
                }
            }
        }
        Ok(Value::from_bigint(big(x) << (n as usize)))
    } else {
        if let Value::Int(a) = x {
            return Ok(Value::Int(if n >= 64 {
                if *a < 0 {
                    -1
                } else {
                    0
                }
            } else {
                a >> n
            }));
        }
        Ok(Value::from_bigint(
            big(x) >> (n.min(u32::MAX as i64) as usize),
        ))
    }
}

/// Compares two int values.
pub fn cmp(x: &Value, y: &Value) -> std::cmp::Ordering {
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        return a.cmp(b);
    }
    big(x).cmp(&big(y))
}

/// Decimal text of an int value.
pub fn to_string(x: &Value) -> String {
    match x {
        Value::Int(i) => i.to_string(),
        Value::BigInt(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Exact float comparison of an int with a float (used by ==, < between int and float).
pub fn cmp_with_float(x: &Value, f: f64) -> Option<std::cmp::Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        });
    }
    // Compare exactly: floor(f) as a big integer, then the fractional part.
    let fl = f.floor();
    let fi = num_bigint::BigInt::from_f64_exact(fl);
    let xi = big(x);
    match xi.cmp(&fi) {
        std::cmp::Ordering::Equal => {
            if f > fl {
                Some(std::cmp::Ordering::Less)
            } else {
                Some(std::cmp::Ordering::Equal)
            }
        }
        o => Some(o),
    }
}

/// Converting a float that is integral to a BigInt exactly.
trait FromF64Exact {
    fn from_f64_exact(f: f64) -> BigInt;
}

impl FromF64Exact for BigInt {
    fn from_f64_exact(f: f64) -> BigInt {
        use num_traits::FromPrimitive;
        BigInt::from_f64(f).unwrap_or_default()
    }
}

/// The value of a big int as a float, or an error if it overflows.
pub fn big_to_f64(b: &BigInt) -> Result<f64> {
    Int::Big(Rc::new(b.clone())).to_f64()
}

/// Whether a float holds an integral value, and that value as an int.
pub fn float_to_int(f: f64) -> Result<Value> {
    if f.is_nan() {
        return Err(EvalError::new("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(EvalError::new("cannot convert float infinity to integer"));
    }
    let t = f.trunc();
    if t.abs() < 9.2e18 {
        return Ok(Value::Int(t as i64));
    }
    Ok(Value::from_bigint(BigInt::from_f64_exact(t)))
}
