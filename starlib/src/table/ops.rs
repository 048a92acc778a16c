//! Table kernels beyond what arrow-rs offers directly: grouping rows by key
//! columns, aggregating per group, hash joins and distinct rows. All loops
//! run over Arrow buffers in Rust; none call back into Starlark. Each
//! charges what it makes to the run's budget first (`crate::budget`) and
//! polls for cancellation as it goes.

use super::convert::arrow_err;
use crate::budget;
use crate::util::err;
use arrow_array::builder::UInt32Builder;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, StringArray, UInt32Array};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType;
use engine::error::Result;
use engine::Thread;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Group membership of every row.
pub struct Groups {
    /// Group id of each row.
    pub ids: Vec<u32>,
    /// First row of each group, in order of first appearance.
    pub first: Vec<u32>,
    /// Last row of each group.
    pub last: Vec<u32>,
}

impl Groups {
    /// Number of groups.
    pub fn len(&self) -> usize {
        self.first.len()
    }

    /// True when there are no groups (no rows).
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }
}

fn push_group(g: &mut Groups, row: u32, id: Option<u32>) -> u32 {
    match id {
        Some(id) => {
            g.last[id as usize] = row;
            g.ids.push(id);
            id
        }
        None => {
            let id = g.first.len() as u32;
            g.first.push(row);
            g.last.push(row);
            g.ids.push(id);
            id
        }
    }
}

/// Assigns each row a group id by the values of `cols` (nulls form their own group).
/// Its memory (the ids, the hash table and the keys as rows) is charged
/// before it is made.
pub fn group_ids(thread: &mut Thread, fname: &str, cols: &[ArrayRef]) -> Result<Groups> {
    let n = cols.first().map(|c| c.len()).unwrap_or(0);
    let keys: usize = cols.iter().map(|c| budget::array_bytes(c.as_ref())).sum();
    // ids (4 bytes a row), first/last and the map (about 40 bytes a group,
    // at most a group a row), and the keys as rows when they are compound.
    budget::charge(thread, fname, n.saturating_mul(44).saturating_add(2 * keys))?;
    let stop = budget::Interrupt::of(thread);
    let mut g = Groups {
        ids: Vec::with_capacity(n),
        first: Vec::new(),
        last: Vec::new(),
    };
    if n > u32::MAX as usize {
        return Err(err(fname, "too many rows to group"));
    }
    if cols.len() == 1 {
        let c = &cols[0];
        match c.data_type() {
            DataType::Int64 => {
                let a = c.as_primitive::<Int64Type>();
                let mut map: FxHashMap<i64, u32> = FxHashMap::default();
                let mut null_id: Option<u32> = None;
                for i in 0..n {
                    stop.every(i)?;
                    if a.is_null(i) {
                        let id = push_group(&mut g, i as u32, null_id);
                        null_id = Some(id);
                        continue;
                    }
                    let v = a.value(i);
                    let id = push_group(&mut g, i as u32, map.get(&v).copied());
                    map.entry(v).or_insert(id);
                }
                return Ok(g);
            }
            DataType::Utf8 => {
                let a = c.as_string::<i32>();
                let mut map: FxHashMap<&str, u32> = FxHashMap::default();
                let mut null_id: Option<u32> = None;
                for i in 0..n {
                    stop.every(i)?;
                    if a.is_null(i) {
                        let id = push_group(&mut g, i as u32, null_id);
                        null_id = Some(id);
                        continue;
                    }
                    let v = a.value(i);
                    let id = push_group(&mut g, i as u32, map.get(v).copied());
                    map.entry(v).or_insert(id);
                }
                return Ok(g);
            }
            _ => {}
        }
    }
    let conv = RowConverter::new(
        cols.iter()
            .map(|c| SortField::new(c.data_type().clone()))
            .collect(),
    )
    .map_err(|e| arrow_err(fname, e))?;
    let rows = conv
        .convert_columns(cols)
        .map_err(|e| arrow_err(fname, e))?;
    let mut map: FxHashMap<&[u8], u32> = FxHashMap::default();
    for i in 0..n {
        stop.every(i)?;
        let key: &[u8] = rows.row(i).data();
        let id = push_group(&mut g, i as u32, map.get(key).copied());
        map.entry(key).or_insert(id);
    }
    Ok(g)
}

/// What [`aggregate`] of `col` with `func` allocates: a value (and a count)
/// per group, the column cast to a number when it is not one, and for
/// strings the text of the values kept (at most the column's).
pub fn aggregate_bytes(col: &ArrayRef, g: &Groups, func: &str) -> usize {
    let ng = g.len();
    let n = col.len();
    match func {
        "count" => ng * 8,
        "first" | "last" => {
            let idx = UInt32Array::from(if func == "first" {
                g.first.clone()
            } else {
                g.last.clone()
            });
            ng * 4 + budget::take_bytes(col.as_ref(), &idx)
        }
        _ if super::convert::is_string(col.data_type()) => {
            ng * 16 + budget::convert_bytes(col.as_ref(), &DataType::Utf8)
        }
        _ => ng * 24 + n * 8,
    }
}

/// Aggregates `col` per group with `func`.
pub fn aggregate(
    fname: &str,
    name: &str,
    col: &ArrayRef,
    g: &Groups,
    func: &str,
) -> Result<ArrayRef> {
    let ng = g.len();
    match func {
        "count" => {
            let mut counts = vec![0i64; ng];
            for (i, &id) in g.ids.iter().enumerate() {
                if col.is_valid(i) {
                    counts[id as usize] += 1;
                }
            }
            Ok(Arc::new(Int64Array::from(counts)))
        }
        "first" | "last" => {
            let idx = UInt32Array::from(if func == "first" { g.first.clone() } else { g.last.clone() });
            arrow_select::take::take(col.as_ref(), &idx, None).map_err(|e| arrow_err(fname, e))
        }
        "sum" | "mean" | "min" | "max" => {
            let dt = col.data_type();
            if super::convert::is_string(dt) && (func == "min" || func == "max") {
                let s = arrow_cast::cast::cast(col, &DataType::Utf8).map_err(|e| arrow_err(fname, e))?;
                let s = s.as_string::<i32>();
                let mut best: Vec<Option<&str>> = vec![None; ng];
                for (i, &id) in g.ids.iter().enumerate() {
                    if s.is_null(i) {
                        continue;
                    }
                    let v = s.value(i);
                    let b = &mut best[id as usize];
                    *b = match *b {
                        None => Some(v),
                        Some(cur) if (func == "min") == (v < cur) => Some(v),
                        keep => keep,
                    };
                }
                return Ok(Arc::new(best.into_iter().collect::<StringArray>()));
            }
            let is_int = matches!(
                dt,
                DataType::Int8
                    | DataType::Int16
                    | DataType::Int32
                    | DataType::Int64
                    | DataType::UInt8
                    | DataType::UInt16
                    | DataType::UInt32
                    | DataType::UInt64
            );
            if !dt.is_numeric() && *dt != DataType::Null {
                return Err(err(
                    fname,
                    format!("cannot {func} column {name:?} of type {}", super::convert::type_name(dt)),
                ));
            }
            if is_int && func != "mean" {
                let c = arrow_cast::cast::cast(col, &DataType::Int64).map_err(|e| arrow_err(fname, e))?;
                let a = c.as_primitive::<Int64Type>();
                let vals = a.values();
                if func == "sum" {
                    let mut sums = vec![0i64; ng];
                    let mut overflow = false;
                    for (i, &id) in g.ids.iter().enumerate() {
                        if a.is_valid(i) {
                            let s = &mut sums[id as usize];
                            let (r, o) = s.overflowing_add(vals[i]);
                            *s = r;
                            overflow |= o;
                        }
                    }
                    if overflow {
                        return Err(err(fname, format!("integer overflow summing column {name:?}")));
                    }
                    return Ok(Arc::new(Int64Array::from(sums)));
                }
                let best = group_extremes(g, ng, vals, |i| a.is_valid(i), func == "min", i64::min, i64::max);
                return Ok(Arc::new(Int64Array::from(best)));
            }
            let c = arrow_cast::cast::cast(col, &DataType::Float64).map_err(|e| arrow_err(fname, e))?;
            let a = c.as_primitive::<Float64Type>();
            let vals = a.values();
            let no_nulls = a.null_count() == 0;
            match func {
                "sum" | "mean" => {
                    let mut sums = vec![0f64; ng];
                    let mut counts = vec![0u64; ng];
                    if no_nulls {
                        for (&id, &v) in g.ids.iter().zip(vals.iter()) {
                            sums[id as usize] += v;
                            counts[id as usize] += 1;
                        }
                    } else {
                        for (i, &id) in g.ids.iter().enumerate() {
                            if a.is_valid(i) {
                                sums[id as usize] += vals[i];
                                counts[id as usize] += 1;
                            }
                        }
                    }
                    if func == "sum" {
                        Ok(Arc::new(Float64Array::from(sums)))
                    } else {
                        Ok(Arc::new(
                            sums.iter()
                                .zip(counts.iter())
                                .map(|(s, &c)| if c == 0 { None } else { Some(s / c as f64) })
                                .collect::<Float64Array>(),
                        ))
                    }
                }
                _ => {
                    let best = group_extremes(g, ng, vals, |i| a.is_valid(i), func == "min", f64::min, f64::max);
                    Ok(Arc::new(Float64Array::from(best)))
                }
            }
        }
        other => Err(err(
            fname,
            format!("unknown aggregation {other:?} for column {name:?}: want one of sum, mean, min, max, count, first, last"),
        )),
    }
}

/// Row indices of a hash join: row `k` of the result takes row
/// `left[k]` of the left table and `right[k]` of the right one (null: no
/// matching row on that side).
pub struct JoinIndices {
    /// Rows of the left table.
    pub left: UInt32Array,
    /// Rows of the right table.
    pub right: UInt32Array,
}

/// Bytes of a row of `cols` that is all nulls (an unmatched side).
fn null_row_bytes(cols: &[ArrayRef]) -> usize {
    cols.iter()
        .map(|c| budget::row_width(c.data_type()))
        .sum::<usize>()
        + cols.len() / 8
        + 1
}

/// Converts key columns to comparable rows, charging their bytes first.
fn key_rows(
    thread: &mut Thread,
    fname: &str,
    conv: &RowConverter,
    cols: &[ArrayRef],
) -> Result<arrow_row::Rows> {
    let n = cols.first().map(|c| c.len()).unwrap_or(0);
    let bytes = cols
        .iter()
        .map(|c| budget::array_bytes(c.as_ref()) + 2 * c.len())
        .sum::<usize>()
        + 8 * n;
    budget::charge(thread, fname, bytes)?;
    conv.convert_columns(cols).map_err(|e| arrow_err(fname, e))
}

/// Matches rows of `left` and `right` key columns (same types) for `how`.
/// The result's size (its rows times the bytes of the columns it copies,
/// `lcols` and `rcols`) is counted from the matches and charged before any
/// of it is made; a join too big for the budget fails without making it.
pub fn join_indices(
    thread: &mut Thread,
    fname: &str,
    keys: (&[ArrayRef], &[ArrayRef]),
    cols: (&[ArrayRef], &[ArrayRef]),
    how: &str,
) -> Result<JoinIndices> {
    let (left, right) = keys;
    let (lcols, rcols) = cols;
    let stop = budget::Interrupt::of(thread);
    let fields: Vec<SortField> = left
        .iter()
        .map(|c| SortField::new(c.data_type().clone()))
        .collect();
    let conv = RowConverter::new(fields).map_err(|e| arrow_err(fname, e))?;
    let lrows = key_rows(thread, fname, &conv, left)?;
    let rrows = key_rows(thread, fname, &conv, right)?;
    let nl = left.first().map(|c| c.len()).unwrap_or(0);
    let nr = right.first().map(|c| c.len()).unwrap_or(0);
    let has_null = |cols: &[ArrayRef], i: usize| cols.iter().any(|c| c.is_null(i));
    // The right rows of each key, and how many left rows have that key.
    budget::charge(thread, fname, nr.saturating_mul(48))?;
    let mut map: FxHashMap<&[u8], (Vec<u32>, u64)> = FxHashMap::default();
    for j in 0..nr {
        stop.every(j)?;
        if has_null(right, j) {
            continue;
        }
        let key: &[u8] = rrows.row(j).data();
        map.entry(key).or_default().0.push(j as u32);
    }
    // Count the result before making it: its rows and their bytes.
    let keep_unmatched = how != "inner";
    let (lnull, rnull) = (null_row_bytes(lcols), null_row_bytes(rcols));
    let mut rows: u64 = 0;
    let mut bytes: u128 = 0;
    for i in 0..nl {
        stop.every(i)?;
        let hits = if has_null(left, i) {
            None
        } else {
            map.get_mut(lrows.row(i).data())
        };
        let lb = budget::row_bytes(lcols, i) as u128;
        match hits {
            Some((js, count)) => {
                *count += 1;
                rows += js.len() as u64;
                bytes += js.len() as u128 * lb;
            }
            None if keep_unmatched => {
                rows += 1;
                bytes += lb + rnull as u128;
            }
            None => {}
        }
    }
    for (k, (js, count)) in map.values().enumerate() {
        stop.every(k)?;
        let rb: u128 = js
            .iter()
            .map(|&j| budget::row_bytes(rcols, j as usize) as u128)
            .sum();
        if *count > 0 {
            bytes += *count as u128 * rb;
        } else if how == "outer" {
            rows += js.len() as u64;
            bytes += rb + js.len() as u128 * lnull as u128;
        }
    }
    if how == "outer" {
        // Right rows with a null key match nothing and are kept.
        for j in (0..nr).filter(|&j| has_null(right, j)) {
            rows += 1;
            bytes += (budget::row_bytes(rcols, j) + lnull) as u128;
        }
    }
    // Two index arrays of `rows` u32s (and their validity).
    bytes += rows as u128 * 9;
    if rows > u32::MAX as u64 {
        return Err(err(
            fname,
            format!("the join would make {rows} rows, more than a table holds"),
        ));
    }
    let bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
    budget::charge(thread, fname, bytes).map_err(|mut e| {
        e.msg = format!("{} (the join would make {rows} rows)", e.msg);
        e
    })?;
    let rows = rows as usize;
    let mut li = UInt32Builder::with_capacity(rows);
    let mut ri = UInt32Builder::with_capacity(rows);
    let mut matched = vec![false; if how == "outer" { nr } else { 0 }];
    for i in 0..nl {
        stop.every(i)?;
        let hits = if has_null(left, i) {
            None
        } else {
            map.get(lrows.row(i).data())
        };
        match hits {
            Some((js, _)) => {
                for &j in js {
                    li.append_value(i as u32);
                    ri.append_value(j);
                    if let Some(m) = matched.get_mut(j as usize) {
                        *m = true;
                    }
                }
            }
            None if keep_unmatched => {
                li.append_value(i as u32);
                ri.append_null();
            }
            None => {}
        }
    }
    if how == "outer" {
        for (j, m) in matched.iter().enumerate() {
            if !m {
                li.append_null();
                ri.append_value(j as u32);
            }
        }
    }
    Ok(JoinIndices {
        left: li.finish(),
        right: ri.finish(),
    })
}

/// The minimum (or maximum) valid value of each of `ng` groups; `None` for
/// a group with no valid value.
fn group_extremes<T: Copy>(
    g: &Groups,
    ng: usize,
    vals: &[T],
    valid: impl Fn(usize) -> bool,
    min: bool,
    smaller: fn(T, T) -> T,
    larger: fn(T, T) -> T,
) -> Vec<Option<T>> {
    let pick = if min { smaller } else { larger };
    let mut best: Vec<Option<T>> = vec![None; ng];
    for (i, &id) in g.ids.iter().enumerate() {
        if valid(i) {
            let b = &mut best[id as usize];
            *b = Some(match *b {
                None => vals[i],
                Some(c) => pick(c, vals[i]),
            });
        }
    }
    best
}
