//! Strings: immutable byte sequences (usually UTF-8), indexed by byte as in starlark-go.

use std::borrow::Cow;
use std::cell::Cell;

/// The payload of a string value. The hash is computed once, on first use.
#[derive(Debug)]
pub struct StrValue {
    bytes: Box<[u8]>,
    hash: Cell<Option<u64>>,
}

impl StrValue {
    /// A string from raw bytes.
    pub fn from_bytes(bytes: Box<[u8]>) -> StrValue {
        StrValue {
            bytes,
            hash: Cell::new(None),
        }
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The text, if the bytes are valid UTF-8.
    pub fn as_utf8(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// The text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// A fast internal hash (not the `hash()` builtin's Java-compatible one).
    pub fn fast_hash(&self) -> u64 {
        if let Some(h) = self.hash.get() {
            return h;
        }
        let h = bytes_hash(&self.bytes);
        self.hash.set(Some(h));
        h
    }
}

/// The internal hash of a string with these bytes ([`StrValue::fast_hash`]).
pub(crate) fn bytes_hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(bytes);
    hasher.write_u8(0xff);
    hasher.finish()
}

impl From<&str> for StrValue {
    fn from(s: &str) -> StrValue {
        StrValue::from_bytes(s.as_bytes().into())
    }
}

impl PartialEq for StrValue {
    fn eq(&self, other: &StrValue) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for StrValue {}
