//! Strings: immutable byte sequences (usually UTF-8), indexed by byte as in starlark-go.

use std::borrow::Cow;
use std::cell::Cell;

/// The payload of a string value. The hash is computed once, on first use.
#[derive(Debug)]
pub struct StrValue {
    bytes: Bytes,
    /// The internal hash, or 0 until it is first needed (never 0 once computed).
    hash: Cell<u64>,
}

/// Longest string kept inside the value itself.
const INLINE: usize = 22;

/// A string's bytes: short ones (most keys, fields and labels) inline, so
/// that such a string is one allocation; longer ones in their own buffer.
#[derive(Debug)]
enum Bytes {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl StrValue {
    /// A string from raw bytes.
    pub fn from_bytes(bytes: Box<[u8]>) -> StrValue {
        if bytes.len() <= INLINE {
            return StrValue::from_slice(&bytes);
        }
        StrValue {
            bytes: Bytes::Heap(bytes),
            hash: Cell::new(0),
        }
    }

    /// A string from raw bytes, taking over the vector's buffer when the
    /// string is too long to be kept inline.
    pub fn from_vec(bytes: Vec<u8>) -> StrValue {
        if bytes.len() <= INLINE {
            return StrValue::from_slice(&bytes);
        }
        StrValue::from_bytes(bytes.into_boxed_slice())
    }

    /// A string copied from raw bytes.
    pub fn from_slice(bytes: &[u8]) -> StrValue {
        let bytes = if bytes.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..bytes.len()].copy_from_slice(bytes);
            Bytes::Inline {
                len: bytes.len() as u8,
                buf,
            }
        } else {
            Bytes::Heap(bytes.into())
        };
        StrValue {
            bytes,
            hash: Cell::new(0),
        }
    }

    /// The raw bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Inline { len, buf } => buf.get(..*len as usize).unwrap_or_default(),
            Bytes::Heap(b) => b,
        }
    }

    /// The text, if the bytes are valid UTF-8.
    pub fn as_utf8(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// The text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// A fast internal hash (not the `hash()` builtin's Java-compatible one).
    pub fn fast_hash(&self) -> u64 {
        let h = self.hash.get();
        if h != 0 {
            return h;
        }
        let h = bytes_hash(self.as_bytes());
        self.hash.set(h);
        h
    }
}

/// The internal hash of a string with these bytes ([`StrValue::fast_hash`]).
pub(crate) fn bytes_hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(bytes);
    hasher.write_u8(0xff);
    // Never 0: that marks a hash not yet computed.
    hasher.finish().max(1)
}

/// Bytes a string value can be made from: borrowed ones are copied (inline
/// when short), owned buffers are taken over when long.
pub trait IntoStrValue {
    /// The string value holding these bytes.
    fn into_str_value(self) -> StrValue;
}

impl IntoStrValue for Vec<u8> {
    fn into_str_value(self) -> StrValue {
        StrValue::from_vec(self)
    }
}

impl IntoStrValue for Box<[u8]> {
    fn into_str_value(self) -> StrValue {
        StrValue::from_bytes(self)
    }
}

impl IntoStrValue for &[u8] {
    fn into_str_value(self) -> StrValue {
        StrValue::from_slice(self)
    }
}

impl From<&str> for StrValue {
    fn from(s: &str) -> StrValue {
        StrValue::from_slice(s.as_bytes())
    }
}

impl PartialEq for StrValue {
    fn eq(&self, other: &StrValue) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for StrValue {}
