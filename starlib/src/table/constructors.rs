//! The `table.*` functions that make tables and columns: `from_rows`,
//! `from_columns`, `column` and `concat` (`from_csv`/`from_json` are in io).

use super::args::{as_column, names_arg, table_arg};
use super::convert::{arrow_err, values_to_array};
use super::types::{col_value, concat_tables, Table};
use crate::budget;
use crate::util::err;
use engine::args::{convert, optional, required, type_error};
use engine::error::Result;
use engine::{Args, Thread, Value};

/// `table.from_rows(rows, columns=None)`: rows as dicts, or lists with column names.
pub(super) fn from_rows(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "table.from_rows";
    let [rows, columns] = args.bind(F, &["rows", "columns?"])?;
    let rows = required::<Vec<Value>>(F, "rows", &rows)?;
    budget::charge(thread, F, rows.len().saturating_mul(16))?;
    let stop = budget::Interrupt::of(thread);
    let names: Option<Vec<String>> = match &columns {
        None | Some(Value::None) => None,
        Some(v) => Some(names_arg(F, "columns", v)?),
    };
    let mut order: Vec<String> = names.clone().unwrap_or_default();
    let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(rows.len()); order.len()];
    for (i, row) in rows.iter().enumerate() {
        stop.every(i)?;
        match row {
            Value::Dict(d) => {
                for (k, _) in d.entries().iter() {
                    let k = match &k.value {
                        Value::Str(s) => s.to_str_lossy().into_owned(),
                        other => {
                            return Err(err(
                                F,
                                format!("row {i}: keys must be strings, got {}", other.type_name()),
                            ))
                        }
                    };
                    if !order.contains(&k) {
                        if names.is_some() {
                            return Err(err(
                                F,
                                format!("row {i} has column {k:?}, which is not in columns"),
                            ));
                        }
                        order.push(k);
                        cols.push(vec![Value::None; i]);
                    }
                }
                for (j, name) in order.iter().enumerate() {
                    cols[j].push(d.get_str(name).unwrap_or(Value::None));
                }
            }
            Value::List(_) | Value::Tuple(_) => {
                if names.is_none() {
                    return Err(err(F, "rows that are lists need column names: table.from_rows(rows, columns=[...])"));
                }
                let cells = convert::<Vec<Value>>(F, "rows", row)?;
                if cells.len() != order.len() {
                    return Err(err(
                        F,
                        format!(
                            "row {i} has {} values, want {} (one per column)",
                            cells.len(),
                            order.len()
                        ),
                    ));
                }
                for (j, c) in cells.into_iter().enumerate() {
                    cols[j].push(c);
                }
            }
            other => {
                return Err(err(
                    F,
                    format!("row {i}: got {}, want dict or list", other.type_name()),
                ))
            }
        }
    }
    // The cells were gathered per column (a value slot each, charged as
    // they were), then the arrays.
    let cells: usize = cols.iter().map(|c| c.len() * 16).sum();
    let arrays_bytes: usize = cols.iter().map(|c| budget::values_bytes(c)).sum();
    budget::charge(thread, F, cells.saturating_add(arrays_bytes))?;
    let arrays = order
        .iter()
        .zip(cols.iter())
        .map(|(n, vals)| values_to_array(F, n, vals).map(|a| (n.clone(), a)))
        .collect::<Result<Vec<_>>>()?;
    let mut t = Table::from_columns(F, arrays)?;
    if order.is_empty() {
        t = Table::from_batches(&[]).map_err(|e| arrow_err(F, e))?;
    }
    Ok(Value::native(t))
}

/// `table.from_columns(columns)`: a dict of name to column or list.
pub(super) fn from_columns(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "table.from_columns";
    let [cols] = args.bind(F, &["columns"])?;
    let cols = cols.unwrap_or(Value::None);
    let Value::Dict(d) = &cols else {
        return Err(type_error(F, "columns", &cols, "dict"));
    };
    let mut out = Vec::new();
    for (k, v) in d.entries().iter() {
        let name = convert::<String>(F, "columns", &k.value)?;
        let a = match as_column(v) {
            Some(c) => c.array.clone(),
            None => {
                let vals = convert::<Vec<Value>>(F, "columns", v)?;
                budget::charge(thread, F, budget::values_bytes(&vals) + 16 * vals.len())?;
                values_to_array(F, &name, &vals)?
            }
        };
        out.push((name, a));
    }
    Ok(Value::native(Table::from_columns(F, out)?))
}

/// `table.column(values, name="")`: a column from a list.
pub(super) fn column(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "table.column";
    let [values, name] = args.bind(F, &["values", "name?"])?;
    let name = optional(F, "name", &name, "".to_string())?;
    let vals = required::<Vec<Value>>(F, "values", &values)?;
    budget::charge(thread, F, budget::values_bytes(&vals) + 16 * vals.len())?;
    Ok(col_value(&name, values_to_array(F, &name, &vals)?))
}

/// `table.concat(tables)`: tables with the same columns, one after another.
pub(super) fn concat(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "table.concat";
    let [tables] = args.bind(F, &["tables"])?;
    let items = required::<Vec<Value>>(F, "tables", &tables)?;
    let ts = items
        .iter()
        .map(|v| table_arg(F, "tables", v))
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::native(concat_tables(thread, F, &ts)?))
}
