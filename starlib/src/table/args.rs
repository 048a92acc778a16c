//! Reading table arguments: downcasting values to tables and columns, and
//! column-name lists given as a string, a list or `*args`.

use super::types::{Column, Table};
use crate::util::err;
use engine::args::convert;
use engine::args::type_error;
use engine::error::{EvalError, Result};
use engine::{Args, Value};

/// The table inside `v`, if it is one.
pub(super) fn as_table(v: &Value) -> Option<&Table> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Table>(),
        _ => None,
    }
}

/// The column inside `v`, if it is one.
pub(super) fn as_column(v: &Value) -> Option<&Column> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Column>(),
        _ => None,
    }
}

/// The table a method was called on.
pub(super) fn recv_table(recv: &Value) -> Result<&Table> {
    as_table(recv).ok_or_else(|| EvalError::new("method called on a value that is not a table"))
}

/// The column a method was called on.
pub(super) fn recv_column(recv: &Value) -> Result<&Column> {
    as_column(recv).ok_or_else(|| EvalError::new("method called on a value that is not a column"))
}

/// A table argument.
pub fn table_arg<'a>(fname: &str, pname: &str, v: &'a Value) -> Result<&'a Table> {
    as_table(v).ok_or_else(|| type_error(fname, pname, v, "table"))
}

/// Column names given as one string or a list of strings.
pub(super) fn names_arg(fname: &str, pname: &str, v: &Value) -> Result<Vec<String>> {
    match v {
        Value::Str(s) => Ok(vec![s.to_str_lossy().into_owned()]),
        Value::List(_) | Value::Tuple(_) => convert::<Vec<Value>>(fname, pname, v)?
            .iter()
            .map(|x| convert::<String>(fname, pname, x))
            .collect(),
        _ => Err(type_error(fname, pname, v, "string or list of strings")),
    }
}

/// Names from `*args` (each a string or list of strings).
pub(super) fn names_varargs(fname: &str, args: &Args) -> Result<Vec<String>> {
    if !args.named.is_empty() {
        return Err(err(fname, "unexpected keyword arguments"));
    }
    let mut out = Vec::new();
    for v in &args.positional {
        out.extend(names_arg(fname, "columns", v)?);
    }
    Ok(out)
}
