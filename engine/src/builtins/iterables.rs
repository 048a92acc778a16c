//! The iterable views returned by `s.elems()`, `s.codepoints()`,
//! `s.elem_ords()`, `s.codepoint_ords()` and `b.elems()`, as today's
//! starlark-go has them: the element views of a string (`string.elems`) have
//! a length and can be indexed; the code-point views (`string.codepoints`)
//! and `bytes.elems` are only iterable. The code-point views decode invalid
//! UTF-8 one byte at a time, each to U+FFFD.

use super::text::{decode_rune, REPLACEMENT};
use crate::error::{EvalError, Result};
use crate::surface::ApiSurface;
use crate::values::{ops, repr, NativeIter, NativeValue, StrValue, Value};
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

impl StrViewKind {
    /// Whether the view yields one item per byte.
    fn per_byte(self) -> bool {
        matches!(self, StrViewKind::Elems | StrViewKind::ElemOrds)
    }
}

/// A string's element or code point view.
pub struct StrView {
    s: Rc<StrValue>,
    kind: StrViewKind,
    surface: ApiSurface,
}

impl StrView {
    /// A view of `s`, as the given API surface presents it.
    pub(crate) fn new(s: Rc<StrValue>, kind: StrViewKind, surface: ApiSurface) -> StrView {
        StrView { s, kind, surface }
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

/// The item an element view of kind `kind` yields for byte `b`.
fn elem(kind: StrViewKind, b: u8) -> Value {
    match kind {
        StrViewKind::ElemOrds => Value::Int(i64::from(b)),
        _ => Value::str_bytes(vec![b]),
    }
}

impl NativeValue for StrView {
    fn type_name(&self) -> &str {
        match (self.surface, self.kind.per_byte()) {
            (ApiSurface::Current, true) => "string.elems",
            (ApiSurface::Current, false) => "string.codepoints",
            (ApiSurface::Legacy2021, true) => "elems",
            (ApiSurface::Legacy2021, false) => "codepoints",
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

    fn len(&self) -> Option<usize> {
        self.kind.per_byte().then(|| self.s.len())
    }

    fn index(&self, key: &Value) -> Result<Value> {
        if !self.kind.per_byte() {
            return Err(EvalError::new(format!(
                "unhandled index operation {}[{}]",
                self.type_name(),
                key.type_name()
            )));
        }
        let this = Value::native(StrView::new(self.s.clone(), self.kind, self.surface));
        let i = ops::resolve_index(&this, key, self.s.len())?;
        Ok(elem(self.kind, self.s.as_bytes()[i]))
    }

    fn iterate(&self) -> Option<NativeIter> {
        let s = self.s.clone();
        let kind = self.kind;
        let legacy = self.surface == ApiSurface::Legacy2021;
        let mut i = 0usize;
        Some(Box::new(std::iter::from_fn(move || {
            let b = s.as_bytes().get(i..).filter(|b| !b.is_empty())?;
            if kind.per_byte() {
                i += 1;
                return Some(elem(kind, b[0]));
            }
            let (c, width) = decode_rune(b);
            let width = width.clamp(1, b.len());
            let piece = &b[..width];
            i += width;
            Some(match kind {
                StrViewKind::CodepointOrds => Value::Int(i64::from(u32::from(c))),
                // 2021 yielded an invalid byte as a one-byte string.
                _ if legacy || c != REPLACEMENT || piece == "\u{FFFD}".as_bytes() => {
                    Value::str_bytes(piece.to_vec())
                }
                _ => Value::str("\u{FFFD}"),
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
