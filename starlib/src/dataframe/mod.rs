//! The `dataframe` module (`load("dataframe.star", "dataframe")`): Qri's
//! pandas-like DataFrame, Series and Index, printed exactly as Qri prints
//! them. Columns are Arrow arrays (see [`column`]); operations work a
//! column at a time.
//!
//! For hosts, [`dataframe_from_batch`] makes a dataset body a DataFrame and
//! [`dataframe_to_batch`] reads one back.

pub mod column;
mod csv;
pub mod frame;
mod groupby;
pub mod index;
pub mod series;
pub mod stringify;
mod strings;

use crate::util::{err, module as make_module};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field, Schema};
use column::Col;
use engine::args::type_error;
use engine::error::{EvalError, Result};
use engine::values::{Builtin, MethodFn};
use engine::{Args, Thread, Value};
use frame::{DataFrame, Frame};
use index::Index;
use series::Series;
use std::sync::Arc;

/// The `dataframe` module value.
pub fn module() -> Value {
    make_module(
        "dataframe",
        vec![
            ("DataFrame", Builtin::func("DataFrame", frame::new_frame)),
            ("Index", Builtin::func("Index", index::new_index)),
            ("Series", Builtin::func("Series", series::new_series)),
            ("abs", Builtin::func("abs", series::math_abs)),
            ("parse_csv", Builtin::func("parse_csv", csv::parse_csv)),
            ("read_csv", Builtin::func("read_csv", csv::read_csv)),
        ],
    )
}

/// A DataFrame value holding a record batch's columns (named as in its
/// schema, rows labelled 0..n). Int columns with nulls become float (NaN),
/// as in pandas; types the module has no dtype for become text.
pub fn dataframe_from_batch(batch: RecordBatch) -> Value {
    let names: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let cols: Vec<Col> = batch
        .columns()
        .iter()
        .map(|a| Col::from_arrow("dataframe_from_batch", a).unwrap_or_else(|_| Col::nans(a.len())))
        .collect();
    DataFrame::value(Frame {
        nrows: batch.num_rows(),
        cols,
        names: Some(names),
        index: Index::range(batch.num_rows()),
    })
}

/// The record batch of a DataFrame value (column names as printed; the row
/// labels are dropped; NaN floats and missing cells become nulls; columns of
/// mixed values become text). `None` if `value` is not a DataFrame.
pub fn dataframe_to_batch(value: &Value) -> Option<std::result::Result<RecordBatch, ArrowError>> {
    let d = as_frame(value)?;
    let f = d.frame.borrow();
    let names = f.name_texts();
    let arrays: Vec<ArrayRef> = f.cols.iter().map(Col::to_arrow).collect();
    let fields: Vec<Field> = names
        .iter()
        .zip(&arrays)
        .map(|(n, a)| Field::new(n, a.data_type().clone(), true))
        .collect();
    let opts = arrow_array::RecordBatchOptions::new().with_row_count(Some(f.nrows));
    Some(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        arrays,
        &opts,
    ))
}

/// The frame inside `v`, if it is one.
pub fn as_frame(v: &Value) -> Option<&DataFrame> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<DataFrame>(),
        _ => None,
    }
}

/// The series inside `v`, if it is one.
pub fn as_series(v: &Value) -> Option<&Series> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Series>(),
        _ => None,
    }
}

/// The index inside `v`, if it is one.
pub fn as_index(v: &Value) -> Option<&Index> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Index>(),
        _ => None,
    }
}

/// The elements of a list, tuple, series or index.
pub(crate) fn list_values(fname: &str, pname: &str, v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::List(l) => Ok(l.items().clone()),
        Value::Tuple(t) => Ok(t.to_vec()),
        _ => {
            if let Some(s) = as_series(v) {
                return Ok(s.col.values());
            }
            if let Some(i) = as_index(v) {
                return Ok(i.values());
            }
            Err(type_error(fname, pname, v, "list"))
        }
    }
}

/// Booleans from a bool series or a list of bools.
pub(crate) fn mask_of(fname: &str, v: &Value) -> Result<Vec<bool>> {
    if let Some(s) = as_series(v) {
        return s.bools().ok_or_else(|| {
            err(
                fname,
                format!("select with a series of {}, want bool", s.col.dtype()),
            )
        });
    }
    match v {
        Value::List(_) | Value::Tuple(_) => list_values(fname, "key", v)?
            .iter()
            .map(|x| match x {
                Value::Bool(b) => Ok(*b),
                other => Err(err(
                    fname,
                    format!("select with a list of {}, want bool", other.type_name()),
                )),
            })
            .collect(),
        other => Err(err(
            fname,
            format!(
                "cannot index with {}; want a column name, a list of names, or a bool series",
                other.type_name()
            ),
        )),
    }
}

/// An optional string argument.
pub(crate) fn opt_str(fname: &str, pname: &str, v: &Option<Value>) -> Result<Option<String>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.to_str_lossy().into_owned())),
        Some(other) => Err(type_error(fname, pname, other, "string")),
    }
}

/// pandas' DataFrame and Series methods Qri names but does not implement.
const PANDAS_NAMES: &[&str] = &[
    "abs",
    "add",
    "add_prefix",
    "add_suffix",
    "agg",
    "aggregate",
    "align",
    "all",
    "any",
    "applymap",
    "argmax",
    "argmin",
    "argsort",
    "asfreq",
    "asof",
    "at_time",
    "attrs",
    "autocorr",
    "axes",
    "backfill",
    "between",
    "between_time",
    "bfill",
    "bool",
    "boxplot",
    "clip",
    "combine",
    "combine_first",
    "compare",
    "convert_dtypes",
    "copy",
    "corr",
    "corrwith",
    "count",
    "cov",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "describe",
    "diff",
    "div",
    "divide",
    "divmod",
    "dot",
    "droplevel",
    "dropna",
    "dtypes",
    "duplicated",
    "empty",
    "eq",
    "eval",
    "ewm",
    "expanding",
    "explode",
    "factorize",
    "ffill",
    "fillna",
    "filter",
    "first",
    "first_valid_index",
    "flags",
    "floordiv",
    "from_dict",
    "from_records",
    "ge",
    "gt",
    "hasnans",
    "hist",
    "iat",
    "idxmax",
    "idxmin",
    "iloc",
    "infer_objects",
    "info",
    "insert",
    "interpolate",
    "isin",
    "isna",
    "isnull",
    "item",
    "items",
    "iteritems",
    "iterrows",
    "itertuples",
    "join",
    "keys",
    "kurt",
    "kurtosis",
    "last",
    "last_valid_index",
    "le",
    "loc",
    "lookup",
    "lt",
    "mad",
    "map",
    "mask",
    "max",
    "mean",
    "median",
    "melt",
    "memory_usage",
    "min",
    "mod",
    "mode",
    "mul",
    "multiply",
    "nbytes",
    "ndim",
    "ne",
    "nlargest",
    "notna",
    "nsmallest",
    "nunique",
    "pad",
    "pct_change",
    "pipe",
    "pivot",
    "pivot_table",
    "plot",
    "pop",
    "pow",
    "prod",
    "product",
    "quantile",
    "query",
    "radd",
    "rank",
    "ravel",
    "rdiv",
    "rdivmod",
    "reindex",
    "reindex_like",
    "rename",
    "rename_axis",
    "reorder_levels",
    "repeat",
    "replace",
    "resample",
    "rfloordiv",
    "rmod",
    "rmul",
    "rolling",
    "round",
    "rpow",
    "rsub",
    "rtruediv",
    "sample",
    "searchsorted",
    "select_dtypes",
    "sem",
    "set_axis",
    "set_flags",
    "set_index",
    "skew",
    "slice_shift",
    "sort_index",
    "sparse",
    "squeeze",
    "stack",
    "std",
    "style",
    "sub",
    "subtract",
    "sum",
    "swapaxes",
    "swaplevel",
    "tail",
    "take",
    "to_clipboard",
    "to_csv",
    "to_dict",
    "to_excel",
    "to_feather",
    "to_gbq",
    "to_hdf",
    "to_html",
    "to_json",
    "to_latex",
    "to_list",
    "to_markdown",
    "to_numpy",
    "to_parquet",
    "to_period",
    "to_pickle",
    "to_records",
    "to_sql",
    "to_stata",
    "to_string",
    "to_timestamp",
    "to_xarray",
    "to_xml",
    "tolist",
    "transform",
    "transpose",
    "truediv",
    "truncate",
    "tshift",
    "tz_convert",
    "tz_localize",
    "unstack",
    "update",
    "value_counts",
    "values",
    "var",
    "view",
    "where",
    "xs",
    "dt",
    "is_monotonic",
    "is_monotonic_decreasing",
    "is_monotonic_increasing",
    "is_unique",
    "array",
];

fn not_implemented(_t: &mut Thread, recv: &Value, _args: &Args) -> Result<Value> {
    let name = match recv {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        _ => "method".into(),
    };
    Err(EvalError::new(format!(
        "dataframe.{name} is not implemented. If you need this functionality to exist, file an issue at 'https://github.com/qri-io/starlib/issues' with the title 'dataframe.{name} needs implementation'. Please first search if an issue exists already"
    )))
}

/// For a pandas name Qri lists but does not implement: a method that fails
/// with Qri's "is not implemented" message when called. `None` otherwise.
pub(crate) fn method_not_implemented(name: &str) -> Option<Value> {
    PANDAS_NAMES
        .contains(&name)
        .then(|| Builtin::method(name, Value::str(name), not_implemented))
}

/// DataFrame methods.
pub(crate) const FRAME_METHODS: &[(&str, MethodFn)] = &[
    ("append", frame::f_append),
    ("apply", frame::f_apply),
    ("assign", frame::f_assign),
    ("astype", frame::f_astype),
    ("drop", frame::f_drop),
    ("drop_duplicates", frame::f_drop_duplicates),
    ("groupby", frame::f_groupby),
    ("head", frame::f_head),
    ("merge", frame::f_merge),
    ("notnull", frame::f_notnull),
    ("reset_index", frame::f_reset_index),
    ("shift", frame::f_shift),
    ("sort_values", frame::f_sort_values),
];

/// Series methods.
pub(crate) const SERIES_METHODS: &[(&str, MethodFn)] = &[
    ("astype", series::s_astype),
    ("cmp", series::s_cmp),
    ("equals", series::s_equals),
    ("get", series::s_get),
    ("notequals", series::s_notequals),
    ("notnull", series::s_notnull),
    ("reset_index", series::s_reset_index),
    ("shift", series::s_shift),
    ("to_frame", series::s_to_frame),
    ("unique", series::s_unique),
];
