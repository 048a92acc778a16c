//! The methods of a column value (`c.sum()`, `c.eq(x)`, `c.cast(t)`, ...),
//! and the per-array null filling and casting the table methods share.

use super::args::recv_column;
use super::convert::{self, arrow_err, cell_value, scalar_array, type_name};
use super::ops;
use super::types::col_value;
use super::value::cmp_mask;
use crate::budget;
use crate::util::err;
use arrow_array::{new_null_array, Array, ArrayRef, Scalar, UInt32Array};
use arrow_schema::DataType;
use engine::args::convert;
use engine::error::Result;
use engine::values::MethodFn;
use engine::{Args, Thread, Value};
use std::sync::Arc;

/// A column's methods, by name.
pub(super) const COLUMN_METHODS: &[(&str, MethodFn)] = &[
    ("cast", c_cast),
    ("count", c_count),
    ("eq", |t, r, a| c_cmp(t, r, a, "eq")),
    ("fill_null", c_fill_null),
    ("ge", |t, r, a| c_cmp(t, r, a, "ge")),
    ("gt", |t, r, a| c_cmp(t, r, a, "gt")),
    ("is_not_null", c_is_not_null),
    ("is_null", c_is_null),
    ("le", |t, r, a| c_cmp(t, r, a, "le")),
    ("lt", |t, r, a| c_cmp(t, r, a, "lt")),
    ("max", |t, r, a| c_reduce(t, r, a, "max")),
    ("mean", |t, r, a| c_reduce(t, r, a, "mean")),
    ("min", |t, r, a| c_reduce(t, r, a, "min")),
    ("ne", |t, r, a| c_cmp(t, r, a, "ne")),
    ("rename", c_rename),
    ("sum", |t, r, a| c_reduce(t, r, a, "sum")),
    ("to_list", c_to_list),
    ("unique", c_unique),
];

fn c_cmp(thread: &mut Thread, recv: &Value, args: &Args, op: &str) -> Result<Value> {
    let c = recv_column(recv)?;
    let a = args.positional_only(op, 1, 1)?;
    budget::charge(
        thread,
        op,
        budget::operator_bytes(&c.array, &a[0], &DataType::Boolean),
    )?;
    cmp_mask(c, &a[0], op)
}

fn c_reduce(thread: &mut Thread, recv: &Value, args: &Args, func: &str) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none(func)?;
    let n = c.array.len();
    budget::charge(
        thread,
        func,
        n.saturating_mul(4)
            .saturating_add(budget::convert_bytes(c.array.as_ref(), &DataType::Float64)),
    )?;
    let g = ops::Groups {
        ids: vec![0; c.array.len()],
        first: vec![0],
        last: vec![c.array.len().saturating_sub(1) as u32],
    };
    if c.array.is_empty() {
        return Ok(match func {
            "sum" => Value::Int(0),
            _ => Value::None,
        });
    }
    let a = ops::aggregate(func, &c.name, &c.array, &g, func)?;
    Ok(cell_value(a.as_ref(), 0))
}

fn c_count(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("count")?;
    Ok(Value::Int((c.array.len() - c.array.null_count()) as i64))
}

fn c_unique(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("unique")?;
    let g = ops::group_ids(thread, "unique", std::slice::from_ref(&c.array))?;
    let idx = UInt32Array::from(g.first);
    budget::charge(thread, "unique", budget::take_bytes(c.array.as_ref(), &idx))?;
    let a = arrow_select::take::take(c.array.as_ref(), &idx, None)
        .map_err(|e| arrow_err("unique", e))?;
    Ok(col_value(&c.name, a))
}

fn c_to_list(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("to_list")?;
    let n = c.array.len();
    let bytes = budget::cells_bytes(std::slice::from_ref(&c.array), n, 16) + 48;
    budget::charge(thread, "to_list", bytes)?;
    Ok(Value::list(
        (0..c.array.len())
            .map(|i| cell_value(c.array.as_ref(), i))
            .collect(),
    ))
}

fn c_is_null(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("is_null")?;
    budget::charge(thread, "is_null", c.array.len() / 8 + 64)?;
    let m = arrow_arith::boolean::is_null(c.array.as_ref()).map_err(|e| arrow_err("is_null", e))?;
    Ok(col_value(&c.name, Arc::new(m)))
}

fn c_is_not_null(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("is_not_null")?;
    budget::charge(thread, "is_not_null", c.array.len() / 8 + 64)?;
    let m = arrow_arith::boolean::is_not_null(c.array.as_ref())
        .map_err(|e| arrow_err("is_not_null", e))?;
    Ok(col_value(&c.name, Arc::new(m)))
}

fn c_fill_null(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    let a = args.positional_only("fill_null", 1, 1)?;
    let bytes = budget::convert_bytes(c.array.as_ref(), c.array.data_type()) + c.array.len() / 8;
    budget::charge(thread, "fill_null", bytes)?;
    Ok(col_value(&c.name, fill("fill_null", &c.array, &a[0])?))
}

fn c_cast(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    let a = args.positional_only("cast", 1, 1)?;
    let ty = convert::<String>("cast", "type", &a[0])?;
    let to = convert::parse_type("cast", &ty)?;
    budget::charge(thread, "cast", budget::convert_bytes(c.array.as_ref(), &to))?;
    Ok(col_value(
        &c.name,
        cast_array("cast", &c.name, &c.array, &to)?,
    ))
}

fn c_rename(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    let a = args.positional_only("rename", 1, 1)?;
    let name = convert::<String>("rename", "name", &a[0])?;
    Ok(col_value(&name, c.array.clone()))
}

/// `a` with its nulls replaced by `v` (an integer column filled with a
/// float becomes float); `None` leaves it as is.
pub(super) fn fill(fname: &str, a: &ArrayRef, v: &Value) -> Result<ArrayRef> {
    if v.is_none() || a.null_count() == 0 {
        return Ok(a.clone());
    }
    let (base, target) = if a.data_type() == &DataType::Null {
        let s = scalar_array(fname, v, None)?;
        let t = s.data_type().clone();
        (new_null_array(&t, a.len()), t)
    } else {
        let t = a.data_type().clone();
        let t = if t.is_integer() && matches!(v, Value::Float(_)) {
            DataType::Float64
        } else {
            t
        };
        let base = if a.data_type() == &t {
            a.clone()
        } else {
            arrow_cast::cast::cast(a, &t).map_err(|e| arrow_err(fname, e))?
        };
        (base, t)
    };
    let s = scalar_array(fname, v, Some(&target))?;
    let keep = arrow_arith::boolean::is_not_null(base.as_ref()).map_err(|e| arrow_err(fname, e))?;
    arrow_select::zip::zip(&keep, &base, &Scalar::new(s)).map_err(|e| arrow_err(fname, e))
}

/// `a` cast to `to`, failing on values that do not fit (no silent nulls).
pub(super) fn cast_array(fname: &str, name: &str, a: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    let opts = arrow_cast::cast::CastOptions {
        safe: false,
        ..Default::default()
    };
    arrow_cast::cast::cast_with_options(a, to, &opts).map_err(|e| {
        err(
            fname,
            format!("cannot cast column {name:?} to {}: {e}", type_name(to)),
        )
    })
}
