//! Methods of strings and bytes.

use super::MethodTable;

/// String methods, sorted by name.
pub const STRING_METHODS: MethodTable = &[];

/// Bytes methods, sorted by name.
pub const BYTES_METHODS: MethodTable = &[];
