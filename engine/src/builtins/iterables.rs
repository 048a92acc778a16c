//! The iterable views returned by `s.elems()`, `s.codepoints()`,
//! `s.elem_ords()`, `s.codepoint_ords()` and `b.elems()`: not sequences (no
//! len, no indexing), only iterable, as in starlark-go.

use super::text::decode_rune;
use crate::error::{EvalError, Result};
use crate::values::{repr, NativeIter, NativeValue, StrValue, Value};
use std::any::Any;
use std::rc::Rc;

/// What a string view yields.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StrViewKind {
    /// One-byte substrings (`elems`).
    Elems,
    /// Byte values (`elem_ords`).
    ElemOrds,
    /// One-character substrings (`codepoints`).
    Codepoints,
    /// Code point values (`codepoint_ords`).
    CodepointOrds,
}

/// A string's element or code point view.
pub struct StrView {
    s: Rc<StrValue>,
    kind: StrViewKind,
}

impl StrView {
    /// A view of `s`.
    pub fn new(s: Rc<StrValue>, kind: StrViewKind) -> StrView {
        StrView { s, kind }
    }

    fn method(&self) -> &'static str {
        match self.kind {
            StrViewKind::Elems => "elems",
            StrViewKind::ElemOrds => "elem_ords",
            StrViewKind::Codepoints => "codepoints",
            StrViewKind::CodepointOrds => "codepoint_ords",
        }
    }
}

impl NativeValue for StrView {
    fn type_name(&self) -> &str {
        match self.kind {
            StrViewKind::Elems | StrViewKind::ElemOrds => "elems",
            StrViewKind::Codepoints | StrViewKind::CodepointOrds => "codepoints",
        }
    }

    fn repr(&self, out: &mut String) {
        out.push_str(&repr(&Value::Str(self.s.clone())));
        out.push('.');
        out.push_str(self.method());
        out.push_str("()");
    }

    fn hash(&self) -> Result<u64> {
        Err(EvalError::new(format!("unhashable: {}", self.type_name())))
    }

    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(match other {
            Value::Native(n) => n
                .as_any()
                .downcast_ref::<StrView>()
                .is_some_and(|o| o.kind == self.kind && o.s.as_bytes() == self.s.as_bytes()),
            _ => false,
        })
    }

    fn iterate(&self) -> Option<NativeIter> {
        let s = self.s.clone();
        let kind = self.kind;
        let mut i = 0usize;
        Some(Box::new(std::iter::from_fn(move || {
            let b = s.as_bytes().get(i..)?;
            if b.is_empty() {
                return None;
            }
            let (c, width) = match kind {
                StrViewKind::Elems | StrViewKind::ElemOrds => (None, 1),
                _ => {
                    let (c, w) = decode_rune(b);
                    (Some(c), w.max(1))
                }
            };
            let piece = &b[..width.min(b.len())];
            i += width;
            Some(match kind {
                StrViewKind::Elems | StrViewKind::Codepoints => Value::str_bytes(piece.to_vec()),
                StrViewKind::ElemOrds => Value::Int(piece[0] as i64),
                StrViewKind::CodepointOrds => Value::Int(c.map_or(0, |c| c as i64)),
            })
        })))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A bytes value's element view (`b.elems()`), yielding ints.
pub struct BytesElems {
    b: Rc<Vec<u8>>,
}

impl BytesElems {
    /// A view of `b`.
    pub fn new(b: Rc<Vec<u8>>) -> BytesElems {
        BytesElems { b }
    }
}

impl NativeValue for BytesElems {
    fn type_name(&self) -> &str {
        "bytes.elems"
    }

    fn repr(&self, out: &mut String) {
        out.push_str(&repr(&Value::Bytes(self.b.clone())));
        out.push_str(".elems()");
    }

    fn hash(&self) -> Result<u64> {
        Err(EvalError::new("unhashable: bytes.elems"))
    }

    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(match other {
            Value::Native(n) => n
                .as_any()
                .downcast_ref::<BytesElems>()
                .is_some_and(|o| o.b == self.b),
            _ => false,
        })
    }

    fn iterate(&self) -> Option<NativeIter> {
        let b = self.b.clone();
        let mut i = 0usize;
        Some(Box::new(std::iter::from_fn(move || {
            let v = *b.get(i)?;
            i += 1;
            Some(Value::Int(v as i64))
        })))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
