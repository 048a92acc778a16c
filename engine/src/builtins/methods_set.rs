//! Methods of the built-in type (see the table).

use super::MethodTable;

/// The method table, sorted by name.
pub const METHODS: MethodTable = &[];
