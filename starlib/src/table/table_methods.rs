//! The methods of a table value (`t.filter`, `t.join`, `t.group_by`, ...)
//! and of the group_by it returns (`.agg`).

use super::args::{as_column, names_arg, names_varargs, recv_table, table_arg};
use super::column_methods::{cast_array, fill};
use super::convert::{self, arrow_err, scalar_array, type_name, values_to_array};
use super::types::{col_value, concat_tables, GroupBy, Table};
use super::{io, ops};
use crate::budget;
use crate::util::err;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, UInt32Array};
use arrow_schema::{DataType, SortOptions};
use engine::args::type_error;
use engine::args::{convert, optional, required};
use engine::error::{EvalError, Result};
use engine::values::MethodFn;
use engine::{Args, Thread, Value};

/// A table's methods, by name.
pub(super) const TABLE_METHODS: &[(&str, MethodFn)] = &[
    ("cast", t_cast),
    ("column", t_column),
    ("concat", t_concat),
    ("distinct", t_distinct),
    ("drop", t_drop),
    ("drop_nulls", t_drop_nulls),
    ("fill_null", t_fill_null),
    ("filter", t_filter),
    ("group_by", t_group_by),
    ("head", t_head),
    ("join", t_join),
    ("rename", t_rename),
    ("row", t_row),
    ("rows", t_rows),
    ("select", t_select),
    ("slice", t_slice),
    ("sort_by", t_sort_by),
    ("tail", t_tail),
    ("to_csv", t_to_csv),
    ("to_json", t_to_json),
    ("with_column", t_with_column),
];

fn t_column(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    let a = args.positional_only("column", 1, 1)?;
    let name = convert::<String>("column", "name", &a[0])?;
    Ok(col_value(&name, t.column("column", &name)?))
}

fn t_concat(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "concat";
    let t = recv_table(recv)?;
    let mut ts = vec![t];
    for v in args.positional_only(F, 1, usize::MAX)? {
        ts.push(table_arg(F, "other", v)?);
    }
    Ok(Value::native(concat_tables(thread, F, &ts)?))
}

fn mask_arg(fname: &str, t: &Table, v: &Value) -> Result<BooleanArray> {
    let arr = match as_column(v) {
        Some(c) => c.array.clone(),
        None => match v {
            Value::List(_) | Value::Tuple(_) => {
                values_to_array(fname, "mask", &convert::<Vec<Value>>(fname, "mask", v)?)?
            }
            _ => return Err(type_error(fname, "mask", v, "boolean column")),
        },
    };
    if arr.data_type() != &DataType::Boolean {
        return Err(err(
            fname,
            format!(
                "mask must be a column of bools, got a column of {}",
                type_name(arr.data_type())
            ),
        ));
    }
    if arr.len() != t.num_rows() {
        return Err(err(
            fname,
            format!(
                "mask has {} values, table has {} rows",
                arr.len(),
                t.num_rows()
            ),
        ));
    }
    Ok(arr.as_boolean().clone())
}

fn t_filter(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "filter";
    let t = recv_table(recv)?;
    let a = args.positional_only(F, 1, 1)?;
    let mask = mask_arg(F, t, &a[0])?;
    let bytes = t
        .batch
        .columns()
        .iter()
        .map(|c| budget::filter_bytes(c.as_ref(), &mask))
        .sum();
    budget::charge(thread, F, bytes)?;
    let batch =
        arrow_select::filter::filter_record_batch(&t.batch, &mask).map_err(|e| arrow_err(F, e))?;
    Ok(Value::native(Table { batch }))
}

fn select_names(fname: &str, t: &Table, names: &[String]) -> Result<Table> {
    let mut cols = Vec::new();
    for n in names {
        cols.push((n.clone(), t.column(fname, n)?));
    }
    if cols.is_empty() {
        return Err(err(fname, "no columns given"));
    }
    Table::from_columns(fname, cols)
}

fn t_select(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    let names = names_varargs("select", args)?;
    budget::charge(thread, "select", budget::table_header(names.len()))?;
    Ok(Value::native(select_names("select", t, &names)?))
}

fn t_drop(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "drop";
    let t = recv_table(recv)?;
    budget::charge(thread, F, budget::table_header(t.batch.num_columns()))?;
    let names = names_varargs(F, args)?;
    for n in &names {
        t.column(F, n)?;
    }
    let keep: Vec<(String, ArrayRef)> = t
        .columns_vec()
        .into_iter()
        .filter(|(n, _)| !names.contains(n))
        .collect();
    if keep.is_empty() {
        return Err(err(F, "cannot drop every column"));
    }
    Ok(Value::native(Table::from_columns(F, keep)?))
}

fn t_rename(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "rename";
    let t = recv_table(recv)?;
    budget::charge(thread, F, budget::table_header(t.batch.num_columns()))?;
    let [mapping] = args.bind(F, &["mapping"])?;
    let pairs = required::<Vec<(String, String)>>(F, "mapping", &mapping)?;
    if matches!(mapping, None | Some(Value::None)) {
        return Err(err(F, "missing argument for mapping"));
    }
    for (old, _) in &pairs {
        t.column(F, old)?;
    }
    let cols = t
        .columns_vec()
        .into_iter()
        .map(|(n, a)| {
            let new = pairs
                .iter()
                .find(|(o, _)| *o == n)
                .map(|(_, nn)| nn.clone())
                .unwrap_or(n);
            (new, a)
        })
        .collect();
    Ok(Value::native(Table::from_columns(F, cols)?))
}

/// `v` as a column of `n` rows (a column as it is, a list's values, or a
/// scalar repeated), its memory charged first.
fn broadcast(thread: &mut Thread, fname: &str, v: &Value, n: usize) -> Result<ArrayRef> {
    if let Some(c) = as_column(v) {
        if c.array.len() != n {
            return Err(err(
                fname,
                format!("column has {} values, table has {n} rows", c.array.len()),
            ));
        }
        return Ok(c.array.clone());
    }
    match v {
        Value::List(_) | Value::Tuple(_) => {
            let vals = convert::<Vec<Value>>(fname, "value", v)?;
            if vals.len() != n {
                return Err(err(
                    fname,
                    format!("list has {} values, table has {n} rows", vals.len()),
                ));
            }
            budget::charge(thread, fname, budget::values_bytes(&vals))?;
            values_to_array(fname, "value", &vals)
        }
        _ => {
            let s = scalar_array(fname, v, None)?;
            // The index and n copies of the scalar.
            let one = budget::array_bytes(s.as_ref());
            budget::charge(thread, fname, n.saturating_mul(4 + one))?;
            let idx = UInt32Array::from(vec![0u32; n]);
            arrow_select::take::take(s.as_ref(), &idx, None).map_err(|e| arrow_err(fname, e))
        }
    }
}

fn t_with_column(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "with_column";
    let t = recv_table(recv)?;
    let [name, value] = args.bind(F, &["name", "value"])?;
    let name = required::<String>(F, "name", &name)?;
    budget::charge(thread, F, budget::table_header(t.batch.num_columns() + 1))?;
    let arr = broadcast(
        thread,
        F,
        value.as_ref().unwrap_or(&Value::None),
        t.num_rows(),
    )?;
    let mut cols = t.columns_vec();
    match cols.iter_mut().find(|(n, _)| *n == name) {
        Some(slot) => slot.1 = arr,
        None => cols.push((name, arr)),
    }
    Ok(Value::native(Table::from_columns(F, cols)?))
}

fn t_sort_by(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "sort_by";
    let t = recv_table(recv)?;
    let [keys, descending] = args.bind(F, &["keys", "descending?"])?;
    let keys = names_arg(F, "keys", keys.as_ref().unwrap_or(&Value::None))?;
    let desc: Vec<bool> = match &descending {
        None | Some(Value::None) => vec![false; keys.len()],
        Some(Value::Bool(b)) => vec![*b; keys.len()],
        Some(v @ (Value::List(_) | Value::Tuple(_))) => {
            let d = convert::<Vec<Value>>(F, "descending", v)?
                .iter()
                .map(|x| match x {
                    Value::Bool(b) => Ok(*b),
                    o => Err(type_error(F, "descending", o, "bool")),
                })
                .collect::<Result<Vec<_>>>()?;
            if d.len() != keys.len() {
                return Err(err(
                    F,
                    format!(
                        "descending has {} values, want one per key ({})",
                        d.len(),
                        keys.len()
                    ),
                ));
            }
            d
        }
        Some(v) => return Err(type_error(F, "descending", v, "bool or list of bools")),
    };
    let cols = keys
        .iter()
        .zip(desc.iter())
        .map(|(k, d)| {
            Ok(arrow_ord::sort::SortColumn {
                values: t.column(F, k)?,
                options: Some(SortOptions {
                    descending: *d,
                    nulls_first: false,
                }),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if cols.is_empty() {
        return Err(err(F, "no sort keys given"));
    }
    // The sort's index and scratch (16 bytes a row), then the rows in
    // their new order: a permutation, as big as the table.
    let n = t.num_rows();
    budget::charge(
        thread,
        F,
        n.saturating_mul(16)
            .saturating_add(budget::batch_bytes(&t.batch)),
    )?;
    let stop = budget::Interrupt::of(thread);
    let idx = stop
        .run(move || arrow_ord::sort::lexsort_to_indices(&cols, None))?
        .map_err(|e| arrow_err(F, e))?;
    stop.check()?;
    let out = t.take(F, &idx)?;
    stop.check()?;
    Ok(Value::native(out))
}

fn count_arg(fname: &str, v: &Option<Value>) -> Result<usize> {
    let n = optional::<i64>(fname, "n", v, 5)?;
    if n < 0 {
        return Err(err(fname, format!("n must be non-negative, got {n}")));
    }
    Ok(n as usize)
}

fn t_head(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    budget::charge(thread, "head", budget::table_header(t.batch.num_columns()))?;
    let [n] = args.bind("head", &["n?"])?;
    let n = count_arg("head", &n)?.min(t.num_rows());
    Ok(Value::native(Table {
        batch: t.batch.slice(0, n),
    }))
}

fn t_tail(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    budget::charge(thread, "tail", budget::table_header(t.batch.num_columns()))?;
    let [n] = args.bind("tail", &["n?"])?;
    let n = count_arg("tail", &n)?.min(t.num_rows());
    Ok(Value::native(Table {
        batch: t.batch.slice(t.num_rows() - n, n),
    }))
}

fn t_slice(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "slice";
    let t = recv_table(recv)?;
    budget::charge(thread, F, budget::table_header(t.batch.num_columns()))?;
    let [offset, length] = args.bind(F, &["offset", "length?"])?;
    let rows = t.num_rows();
    let off = required::<i64>(F, "offset", &offset)?;
    if off < 0 {
        return Err(err(F, format!("offset must be non-negative, got {off}")));
    }
    let off = (off as usize).min(rows);
    let len = match length {
        None | Some(Value::None) => rows - off,
        Some(v) => {
            let l = convert::<i64>(F, "length", &v)?;
            if l < 0 {
                return Err(err(F, format!("length must be non-negative, got {l}")));
            }
            (l as usize).min(rows - off)
        }
    };
    Ok(Value::native(Table {
        batch: t.batch.slice(off, len),
    }))
}

fn t_group_by(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "group_by";
    let t = recv_table(recv)?;
    budget::charge(thread, F, budget::table_header(t.batch.num_columns()))?;
    let keys = names_varargs(F, args)?;
    if keys.is_empty() {
        return Err(err(F, "no group keys given"));
    }
    for k in &keys {
        t.column(F, k)?;
    }
    Ok(Value::native(GroupBy {
        table: t.clone(),
        keys,
    }))
}

/// `g.agg(aggregations)`: one row per group, the keys then each aggregate.
pub(super) fn g_agg(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "agg";
    let g = match recv {
        Value::Native(n) => n.as_any().downcast_ref::<GroupBy>(),
        _ => None,
    }
    .ok_or_else(|| EvalError::new("agg called on a value that is not a group_by"))?;
    let [spec] = args.bind(F, &["aggregations"])?;
    let spec_v = spec.clone().unwrap_or(Value::None);
    if !matches!(spec_v, Value::Dict(_)) {
        return Err(type_error(F, "aggregations", &spec_v, "dict"));
    }
    let spec = required::<Vec<(String, String)>>(F, "aggregations", &spec)?;
    let t = &g.table;
    let key_cols = g
        .keys
        .iter()
        .map(|k| t.column(F, k))
        .collect::<Result<Vec<_>>>()?;
    let groups = ops::group_ids(thread, F, &key_cols)?;
    let first = UInt32Array::from(groups.first.clone());
    let keys_bytes = budget::take_columns_bytes(&key_cols, &first);
    budget::charge(thread, F, keys_bytes)?;
    let mut out = Vec::new();
    for (k, c) in g.keys.iter().zip(key_cols.iter()) {
        out.push((
            k.clone(),
            arrow_select::take::take(c.as_ref(), &first, None).map_err(|e| arrow_err(F, e))?,
        ));
    }
    for (col, func) in &spec {
        let c = t.column(F, col)?;
        budget::charge(thread, F, ops::aggregate_bytes(&c, &groups, func))?;
        let a = ops::aggregate(F, col, &c, &groups, func)?;
        let name = if g.keys.contains(col) {
            format!("{col}_{func}")
        } else {
            col.clone()
        };
        out.push((name, a));
    }
    Ok(Value::native(Table::from_columns(F, out)?))
}

fn t_join(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "join";
    let t = recv_table(recv)?;
    let [other, on, how] = args.bind(F, &["other", "on", "how?"])?;
    let other_v = other.unwrap_or(Value::None);
    let o = table_arg(F, "other", &other_v)?;
    let on = names_arg(F, "on", on.as_ref().unwrap_or(&Value::None))?;
    let how = optional(F, "how", &how, "inner".to_string())?;
    if !matches!(how.as_str(), "inner" | "left" | "outer") {
        return Err(err(
            F,
            format!("how must be \"inner\", \"left\" or \"outer\", got {how:?}"),
        ));
    }
    if on.is_empty() {
        return Err(err(F, "no join keys given"));
    }
    let lk = on
        .iter()
        .map(|k| t.column(F, k))
        .collect::<Result<Vec<_>>>()?;
    let rk = on
        .iter()
        .zip(lk.iter())
        .map(|(k, l)| {
            let r = o.column(F, k)?;
            if r.data_type() == l.data_type() {
                Ok(r)
            } else {
                budget::charge(thread, F, budget::convert_bytes(r.as_ref(), l.data_type()))?;
                arrow_cast::cast::cast(&r, l.data_type()).map_err(|e| {
                    err(
                        F,
                        format!(
                            "key {k:?} is {} on the left but {} on the right: {e}",
                            type_name(l.data_type()),
                            type_name(r.data_type())
                        ),
                    )
                })
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let lcols: Vec<ArrayRef> = t.batch.columns().to_vec();
    let rcols: Vec<ArrayRef> = o
        .columns_vec()
        .into_iter()
        .filter(|(n, _)| !on.contains(n))
        .map(|(_, a)| a)
        .collect();
    let ji = ops::join_indices(thread, F, (&lk, &rk), (&lcols, &rcols), &how)?;
    let (li, ri) = (ji.left, ji.right);
    let take = |a: &ArrayRef, idx: &UInt32Array| {
        arrow_select::take::take(a.as_ref(), idx, None).map_err(|e| arrow_err(F, e))
    };
    let mut out = Vec::new();
    for (name, a) in t.columns_vec() {
        let mut taken = take(&a, &li)?;
        if how == "outer" {
            if let Some(k) = on.iter().position(|x| *x == name) {
                // The key from whichever side has it: two more key columns.
                budget::charge(thread, F, 2 * budget::take_bytes(rk[k].as_ref(), &ri))?;
                let rt = take(&rk[k], &ri)?;
                let keep = arrow_arith::boolean::is_not_null(taken.as_ref())
                    .map_err(|e| arrow_err(F, e))?;
                taken = arrow_select::zip::zip(&keep, &taken, &rt).map_err(|e| arrow_err(F, e))?;
            }
        }
        out.push((name, taken));
    }
    let left_names = t.names();
    for (name, a) in o.columns_vec() {
        if on.contains(&name) {
            continue;
        }
        let name = if left_names.contains(&name) {
            format!("{name}_right")
        } else {
            name
        };
        out.push((name, take(&a, &ri)?));
    }
    Ok(Value::native(Table::from_columns(F, out)?))
}

fn t_distinct(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "distinct";
    let t = recv_table(recv)?;
    args.none(F)?;
    if t.batch.num_columns() == 0 {
        return Ok(recv.clone());
    }
    let g = ops::group_ids(thread, F, t.batch.columns())?;
    let idx = UInt32Array::from(g.first);
    budget::charge(
        thread,
        F,
        budget::take_columns_bytes(t.batch.columns(), &idx),
    )?;
    Ok(Value::native(t.take(F, &idx)?))
}

fn t_fill_null(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "fill_null";
    let t = recv_table(recv)?;
    let [value] = args.bind(F, &["value"])?;
    let value = value.unwrap_or(Value::None);
    let per: Option<Vec<(String, Value)>> = match &value {
        Value::Dict(d) => Some(
            d.entries()
                .iter()
                .map(|(k, v)| Ok((convert::<String>(F, "value", &k.value)?, v.clone())))
                .collect::<Result<Vec<_>>>()?,
        ),
        _ => None,
    };
    if let Some(per) = &per {
        for (n, _) in per {
            t.column(F, n)?;
        }
    }
    // Each column with nulls is made again (a mask and the filled copy).
    let bytes: usize = t
        .batch
        .columns()
        .iter()
        .filter(|c| c.null_count() > 0)
        .map(|c| budget::convert_bytes(c.as_ref(), c.data_type()) + c.len() / 8 + 1)
        .sum();
    budget::charge(
        thread,
        F,
        bytes + budget::table_header(t.batch.num_columns()),
    )?;
    let cols = t
        .columns_vec()
        .into_iter()
        .map(|(n, a)| {
            let v = match &per {
                Some(p) => p
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Value::None),
                None => value.clone(),
            };
            let filled = match &per {
                // A single value fills only the columns it fits.
                None if !v.is_none() => fill(F, &a, &v).unwrap_or(a.clone()),
                _ => fill(F, &a, &v)?,
            };
            Ok((n, filled))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::native(Table::from_columns(F, cols)?))
}

fn t_drop_nulls(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "drop_nulls";
    let t = recv_table(recv)?;
    let [subset] = args.bind(F, &["subset?"])?;
    let names = match subset {
        None | Some(Value::None) => t.names(),
        Some(v) => names_arg(F, "subset", &v)?,
    };
    let mut mask: Option<BooleanArray> = None;
    for n in &names {
        let c = t.column(F, n)?;
        let m = arrow_arith::boolean::is_not_null(c.as_ref()).map_err(|e| arrow_err(F, e))?;
        mask = Some(match mask {
            None => m,
            Some(prev) => arrow_arith::boolean::and(&prev, &m).map_err(|e| arrow_err(F, e))?,
        });
    }
    let Some(mask) = mask else {
        return Ok(recv.clone());
    };
    let bytes = t
        .batch
        .columns()
        .iter()
        .map(|c| budget::filter_bytes(c.as_ref(), &mask))
        .sum::<usize>()
        + 2 * names.len() * (t.num_rows() / 8 + 1);
    budget::charge(thread, F, bytes)?;
    let batch =
        arrow_select::filter::filter_record_batch(&t.batch, &mask).map_err(|e| arrow_err(F, e))?;
    Ok(Value::native(Table { batch }))
}

fn t_cast(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "cast";
    let t = recv_table(recv)?;
    let [types] = args.bind(F, &["types"])?;
    if !matches!(types, Some(Value::Dict(_))) {
        return Err(type_error(
            F,
            "types",
            types.as_ref().unwrap_or(&Value::None),
            "dict",
        ));
    }
    let spec = required::<Vec<(String, String)>>(F, "types", &types)?;
    let mut cols = t.columns_vec();
    for (name, ty) in &spec {
        let to = convert::parse_type(F, ty)?;
        let slot = cols.iter_mut().find(|(n, _)| n == name).ok_or_else(|| {
            err(
                F,
                format!(
                    "table has no column {name:?}; columns are: {}",
                    t.names().join(", ")
                ),
            )
        })?;
        budget::charge(thread, F, budget::convert_bytes(slot.1.as_ref(), &to))?;
        slot.1 = cast_array(F, name, &slot.1, &to)?;
    }
    Ok(Value::native(Table::from_columns(F, cols)?))
}

fn t_rows(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    args.none("rows")?;
    let n = t.num_rows();
    let per_row = budget::dict_row(t.batch.num_columns()) + 16;
    let bytes = budget::cells_bytes(t.batch.columns(), n, per_row);
    budget::charge(thread, "rows", bytes)?;
    let stop = budget::Interrupt::of(thread);
    let rows = (0..n)
        .map(|i| stop.every(i).and_then(|()| t.row_dict(i)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::list(rows))
}

fn t_row(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "row";
    let t = recv_table(recv)?;
    let a = args.positional_only(F, 1, 1)?;
    let i = convert::<i64>(F, "i", &a[0])?;
    let n = t.num_rows() as i64;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return Err(err(
            F,
            format!("index {i} out of range: table has {n} rows"),
        ));
    }
    t.row_dict(j as usize)
}

fn t_to_csv(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    let [delimiter, header] = args.bind("to_csv", &["delimiter?", "header?"])?;
    io::write_csv(thread, "to_csv", t, &delimiter, &header)
}

fn t_to_json(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    args.none("to_json")?;
    io::write_json(thread, "to_json", t)
}
