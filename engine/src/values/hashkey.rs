//! Hashing for dict keys and set elements: a value paired with its precomputed
//! hash, so that equal ints and floats (`1 == 1.0`) land in the same bucket.

use super::{equals, Value};
use crate::error::{EvalError, Result};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A hashable value with its hash computed once.
#[derive(Clone)]
pub struct HashKey {
    hash: u64,
    /// The key value.
    pub value: Value,
}

impl HashKey {
    /// Hashes `value`, failing with "unhashable type: T" for mutable values.
    pub fn new(value: Value) -> Result<HashKey> {
        let hash = hash_value(&value)?;
        Ok(HashKey { hash, value })
    }

    /// The precomputed hash.
    pub fn hash(&self) -> u64 {
        self.hash
    }
}

impl std::ops::Deref for HashKey {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.value
    }
}

impl Hash for HashKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash)
    }
}

impl PartialEq for HashKey {
    fn eq(&self, other: &HashKey) -> bool {
        self.hash == other.hash && key_eq(&self.value, &other.value)
    }
}

/// Equality of two keys already known to share a hash. The common keys
/// compare directly; the same string constant is often the very same
/// allocation.
#[inline]
pub(crate) fn key_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(a), Value::Str(b)) => std::rc::Rc::ptr_eq(a, b) || a.as_bytes() == b.as_bytes(),
        (Value::Int(a), Value::Int(b)) => a == b,
        (x, y) => equals(x, y).unwrap_or(false),
    }
}

impl Eq for HashKey {}

/// A hasher that passes through the u64 written by [`HashKey`].
#[derive(Default)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The hasher builder for maps keyed by [`HashKey`].
pub type KeyHasher = BuildHasherDefault<PassThroughHasher>;

fn mix(h: u64) -> u64 {
    // A cheap finaliser (from splitmix64) so that small ints spread across buckets.
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Nesting of tuples and structs beyond which a value is not hashed (as
/// comparisons, which stop at the same depth).
const MAX_DEPTH: u32 = 1000;

/// The internal hash of a value, or an error for unhashable values.
pub fn hash_value(v: &Value) -> Result<u64> {
    hash_depth(v, 0)
}

/// [`hash_value`] of a value nested `depth` deep in the key being hashed.
fn hash_depth(v: &Value, depth: u32) -> Result<u64> {
    if let Value::Tuple(_) | Value::Struct(_) | Value::Builtin(_) = v {
        if depth > MAX_DEPTH {
            return Err(EvalError::new(
                "unhashable: value nested too deeply (more than 1000 levels)",
            ));
        }
        return crate::stack::guard(|| hash_inner(v, depth + 1));
    }
    hash_inner(v, depth)
}

fn hash_inner(v: &Value, depth: u32) -> Result<u64> {
    Ok(match v {
        Value::None => mix(0x6e6f6e65),
        Value::Bool(b) => mix(*b as u64 + 0x626f6f6c),
        Value::Int(i) => mix(*i as u64),
        Value::BigInt(b) => {
            let mut h = rustc_hash::FxHasher::default();
            b.hash(&mut h);
            mix(h.finish())
        }
        Value::Float(f) if f.is_nan() => mix(0x6e616e),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.is_finite() {
                if f.abs() < 9.2e18 {
                    mix(*f as i64 as u64)
                } else {
                    return hash_depth(&super::int::float_to_int(*f)?, depth);
                }
            } else {
                mix(f.to_bits())
            }
        }
        Value::Str(s) => s.fast_hash(),
        Value::Bytes(b) => {
            let mut h = rustc_hash::FxHasher::default();
            h.write(b);
            mix(h.finish() ^ 0x6279)
        }
        Value::Tuple(items) => {
            let mut acc: u64 = 0x345678;
            for x in items.iter() {
                acc = (acc ^ hash_depth(x, depth)?).wrapping_mul(1_000_003);
            }
            mix(acc)
        }
        Value::Function(f) => mix(std::rc::Rc::as_ptr(f) as *const u8 as u64),
        Value::Builtin(b) => {
            if let Some(r) = &b.recv {
                hash_depth(r, depth)? ^ mix(b.name.len() as u64)
            } else {
                mix(std::rc::Rc::as_ptr(b) as *const u8 as u64)
            }
        }
        Value::Struct(s) => {
            let mut acc: u64 = 0x7374;
            for (k, x) in s.fields.iter() {
                let mut h = rustc_hash::FxHasher::default();
                h.write(k.as_bytes());
                acc = (acc ^ h.finish() ^ hash_depth(x, depth)?).wrapping_mul(1_000_003);
            }
            mix(acc)
        }
        Value::Native(n) => n.hash()?,
        // starlark-go words these two differently from the containers.
        Value::Range(_) | Value::Module(_) => {
            return Err(EvalError::new(format!("unhashable: {}", v.type_name())))
        }
        other => {
            return Err(EvalError::new(format!(
                "unhashable type: {}",
                other.type_name()
            )))
        }
    })
}
