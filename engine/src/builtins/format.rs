//! String formatting: the `%` operator and `str.format`.

use crate::error::{EvalError, Result};
use crate::values::Value;

/// Evaluates `format % args` for a string `format`.
pub fn percent(format: &Value, args: &Value) -> Result<Value> {
    let _ = (format, args);
    Err(EvalError::new("string % formatting is not implemented yet"))
}
