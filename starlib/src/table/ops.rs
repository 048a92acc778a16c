//! Table kernels beyond what arrow-rs offers directly: grouping rows by key
//! columns, aggregating per group, hash joins and distinct rows. All loops
//! run over Arrow buffers in Rust; none call back into Starlark.

use super::convert::arrow_err;
use crate::util::err;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, StringArray, UInt32Array};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType;
use engine::error::Result;
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
pub fn group_ids(fname: &str, cols: &[ArrayRef]) -> Result<Groups> {
    let n = cols.first().map(|c| c.len()).unwrap_or(0);
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
        let key: &[u8] = rows.row(i).data();
        let id = push_group(&mut g, i as u32, map.get(key).copied());
        map.entry(key).or_insert(id);
    }
    Ok(g)
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

/// Row index pairs of a hash join (None: no matching row on that side).
pub struct JoinIndices {
    /// Rows of the left table.
    pub left: Vec<Option<u32>>,
    /// Rows of the right table.
    pub right: Vec<Option<u32>>,
}

/// Matches rows of `left` and `right` key columns (same types) for `how`.
pub fn join_indices(
    fname: &str,
    left: &[ArrayRef],
    right: &[ArrayRef],
    how: &str,
) -> Result<JoinIndices> {
    let fields: Vec<SortField> = left
        .iter()
        .map(|c| SortField::new(c.data_type().clone()))
        .collect();
    let conv = RowConverter::new(fields).map_err(|e| arrow_err(fname, e))?;
    let lrows = conv
        .convert_columns(left)
        .map_err(|e| arrow_err(fname, e))?;
    let rrows = conv
        .convert_columns(right)
        .map_err(|e| arrow_err(fname, e))?;
    let nl = left.first().map(|c| c.len()).unwrap_or(0);
    let nr = right.first().map(|c| c.len()).unwrap_or(0);
    let has_null = |cols: &[ArrayRef], i: usize| cols.iter().any(|c| c.is_null(i));
    let mut map: FxHashMap<&[u8], Vec<u32>> = FxHashMap::default();
    for j in 0..nr {
        if has_null(right, j) {
            continue;
        }
        let key: &[u8] = rrows.row(j).data();
        map.entry(key).or_default().push(j as u32);
    }
    let mut out = JoinIndices {
        left: Vec::new(),
        right: Vec::new(),
    };
    let mut matched = vec![false; nr];
    for i in 0..nl {
        let key: &[u8] = lrows.row(i).data();
        let hits = if has_null(left, i) {
            None
        } else {
            map.get(key)
        };
        match hits {
            Some(js) => {
                for &j in js {
                    out.left.push(Some(i as u32));
                    out.right.push(Some(j));
                    matched[j as usize] = true;
                }
            }
            None => {
                if how != "inner" {
                    out.left.push(Some(i as u32));
                    out.right.push(None);
                }
            }
        }
    }
    if how == "outer" {
        for (j, m) in matched.iter().enumerate() {
            if !m {
                out.left.push(None);
                out.right.push(Some(j as u32));
            }
        }
    }
    Ok(out)
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
