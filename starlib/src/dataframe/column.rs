//! Column storage shared by Series, DataFrame and Index: one typed Arrow
//! array per column (int64, float64, bool, utf8, timestamp[ns],
//! duration[ns]), with pandas' dtype names, Qri's rules for inferring a
//! dtype from Starlark values, and Qri's text form of each cell. Columns
//! mixing types (pandas' `object` columns holding ints and strings, lists,
//! dicts) fall back to a vector of Starlark values.

use crate::util::err;
use arrow_array::cast::AsArray;
use arrow_array::types::{DurationNanosecondType, Float64Type, Int64Type, TimestampNanosecondType};
use arrow_array::{
    Array, ArrayRef, BooleanArray, DurationNanosecondArray, Float64Array, Int64Array, StringArray,
    TimestampNanosecondArray, UInt32Array,
};
use arrow_schema::{DataType, TimeUnit};
use engine::error::Result;
use engine::library::time::{Location, Time};
use engine::Value;
use std::rc::Rc;
use std::sync::Arc;

/// One column's data.
#[derive(Clone, Debug)]
pub enum Col {
    /// `int64`; nulls (only after `astype('Int64')`) make it `Int64`.
    Int(Int64Array),
    /// `float64`; missing values are NaN.
    Float(Float64Array),
    /// `bool`.
    Bool(BooleanArray),
    /// Strings: dtype `object` (or `string` when asked for); a null prints
    /// as `None` when `none` is set (an explicit None), else as `NaN`.
    Str {
        /// The strings.
        array: StringArray,
        /// dtype `string` rather than `object`.
        string_dtype: bool,
        /// Nulls are explicit Nones.
        none: bool,
    },
    /// `datetime64[ns]`.
    Time(TimestampNanosecondArray),
    /// `timedelta64[ns]`.
    Delta(DurationNanosecondArray),
    /// `object` column of mixed values (NaN marks a missing cell).
    Obj(Rc<Vec<Value>>),
}

/// A missing cell, as Qri fills one.
pub fn nan() -> Value {
    Value::Float(f64::NAN)
}

fn is_nan(v: &Value) -> bool {
    matches!(v, Value::Float(f) if f.is_nan())
}

/// The instant inside a `time.time` value, in nanoseconds.
pub fn time_nanos(v: &Value) -> Option<i64> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Time>().map(|t| {
            t.secs
                .saturating_mul(1_000_000_000)
                .saturating_add(t.nsec as i64)
        }),
        _ => None,
    }
}

/// A `time.time` value (UTC) for `nanos` since the epoch.
pub fn time_value(nanos: i64) -> Value {
    match Time::from_unix(0, nanos, Location::Utc) {
        Some(t) => Value::native(t),
        None => Value::None,
    }
}

/// Go's `%v` text of a value (how Qri prints cells of object columns).
pub fn go_fmt(v: &Value) -> String {
    match v {
        Value::None => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        _ => go_inner(v),
    }
}

fn go_inner(v: &Value) -> String {
    match v {
        Value::None => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => go_float(*f),
        Value::Str(s) => s.to_str_lossy().into_owned(),
        Value::List(l) => {
            let items: Vec<String> = l.items().iter().map(go_inner).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Tuple(t) => {
            let items: Vec<String> = t.iter().map(go_inner).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Dict(d) => {
            let mut items: Vec<(String, String)> = d
                .entries()
                .iter()
                .map(|(k, v)| (go_inner(&k.value), go_inner(v)))
                .collect();
            items.sort();
            let parts: Vec<String> = items.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("map[{}]", parts.join(" "))
        }
        other => match time_nanos(other) {
            Some(n) => timestamp_text(n),
            None => other.to_string(),
        },
    }
}

/// Go's shortest `%v` of a float.
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if f == f.trunc() && f.abs() < 1e21 {
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

/// Qri's text of a float cell: one decimal.
pub fn float_text(f: f64) -> String {
    format!("{f:.1}")
}

/// `2021-03-21` or `2021-03-21 18:50:44` (Qri drops a midnight time).
pub fn timestamp_text(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(d) => {
            let s = d.format("%Y-%m-%d %H:%M:%S").to_string();
            s.strip_suffix(" 00:00:00").map(str::to_string).unwrap_or(s)
        }
        None => nanos.to_string(),
    }
}

/// `12 days 03:58:37`.
pub fn timedelta_text(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{days} days {:02}:{:02}:{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Empty,
    Int,
    Float,
    Bool,
    Time,
    Str,
    Obj,
}

fn step(k: Kind, v: &Value) -> Kind {
    use Kind::*;
    let is_time = time_nanos(v).is_some();
    match (k, v) {
        (Obj, _) => Obj,
        (Empty, Value::Int(_)) => Int,
        (Empty, Value::Float(_)) | (Empty, Value::None) => Float,
        (Empty, Value::Str(_)) => Str,
        (Empty, Value::Bool(_)) => Bool,
        (Empty, _) if is_time => Time,
        (Empty, _) => Obj,
        (Int, Value::Int(_)) => Int,
        (Int, Value::Float(_)) | (Int, Value::None) => Float,
        (Float, Value::Int(_)) | (Float, Value::Float(_)) | (Float, Value::None) => Float,
        (Bool, Value::Bool(_)) => Bool,
        (Time, Value::Str(_)) | (Time, Value::None) => Time,
        (Time, _) if is_time => Time,
        (Str, Value::Str(_)) | (Str, Value::None) => Str,
        _ => Obj,
    }
}

/// Parses `2006-01-02 15:04:05` (or a date, or RFC 3339) as nanoseconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return d.and_utc().timestamp_nanos_opt();
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt();
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .and_then(|d| d.timestamp_nanos_opt())
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_str_lossy().into_owned()),
        _ => None,
    }
}

impl Col {
    /// A column from Starlark values, typed the way Qri's builder types it
    /// (ints, then floats if any float or None, strings, bools, times;
    /// anything mixed is `object`), or as `dtype` asks.
    pub fn from_values(fname: &str, values: &[Value], dtype: Option<&str>) -> Result<Col> {
        match dtype {
            None | Some("") => {}
            Some(d) => return Col::from_values_as(fname, values, d),
        }
        let mut k = Kind::Empty;
        for v in values {
            k = step(k, v);
            if k == Kind::Obj {
                break;
            }
        }
        Ok(match k {
            Kind::Empty | Kind::Float => Col::Float(
                values
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => Some(*i as f64),
                        Value::Float(f) => Some(*f),
                        _ => Some(f64::NAN),
                    })
                    .collect(),
            ),
            Kind::Int => Col::Int(
                values
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect(),
            ),
            Kind::Bool => Col::Bool(
                values
                    .iter()
                    .map(|v| match v {
                        Value::Bool(b) => Some(*b),
                        _ => None,
                    })
                    .collect(),
            ),
            Kind::Str => Col::Str {
                array: values.iter().map(str_of).collect(),
                string_dtype: false,
                none: true,
            },
            Kind::Time => {
                let mut out = Vec::with_capacity(values.len());
                for v in values {
                    out.push(match v {
                        Value::Str(s) => {
                            let s = s.to_str_lossy();
                            Some(parse_timestamp(&s).ok_or_else(|| {
                                err(fname, format!("could not parse timestamp from {s}"))
                            })?)
                        }
                        Value::None => None,
                        other => time_nanos(other),
                    });
                }
                Col::Time(TimestampNanosecondArray::from(out))
            }
            Kind::Obj => Col::Obj(Rc::new(values.to_vec())),
        })
    }

    fn from_values_as(fname: &str, values: &[Value], dtype: &str) -> Result<Col> {
        let bad = |v: &Value| {
            err(
                fname,
                format!("cannot store {} {} as {dtype}", v.type_name(), go_fmt(v)),
            )
        };
        Ok(match dtype {
            "int64" | "int" => {
                let mut out = Vec::with_capacity(values.len());
                for v in values {
                    out.push(match v {
                        Value::Int(i) => *i,
                        Value::Bool(b) => *b as i64,
                        Value::Str(s) => s.to_str_lossy().trim().parse().map_err(|_| bad(v))?,
                        _ => return Err(bad(v)),
                    });
                }
                Col::Int(Int64Array::from(out))
            }
            "float64" | "float" => {
                let mut out = Vec::with_capacity(values.len());
                for v in values {
                    out.push(match v {
                        Value::Int(i) => *i as f64,
                        Value::Float(f) => *f,
                        Value::None => f64::NAN,
                        Value::Str(s) => s.to_str_lossy().trim().parse().map_err(|_| bad(v))?,
                        _ => return Err(bad(v)),
                    });
                }
                Col::Float(Float64Array::from(out))
            }
            "bool" => {
                let mut out = Vec::with_capacity(values.len());
                for v in values {
                    out.push(v.truth());
                }
                Col::Bool(BooleanArray::from(out))
            }
            "object" => {
                if values
                    .iter()
                    .all(|v| matches!(v, Value::Str(_) | Value::None))
                {
                    Col::Str {
                        array: values.iter().map(str_of).collect(),
                        string_dtype: false,
                        none: true,
                    }
                } else {
                    Col::Obj(Rc::new(values.to_vec()))
                }
            }
            "string" | "str" => Col::Str {
                array: values
                    .iter()
                    .map(|v| match v {
                        Value::None => None,
                        other => Some(go_fmt(other)),
                    })
                    .collect(),
                string_dtype: true,
                none: true,
            },
            "datetime64[ns]" => {
                let mut out = Vec::with_capacity(values.len());
                for v in values {
                    out.push(match v {
                        Value::Int(i) => Some(*i),
                        Value::None => None,
                        Value::Str(s) => {
                            let s = s.to_str_lossy();
                            Some(parse_timestamp(&s).ok_or_else(|| {
                                err(fname, format!("could not parse timestamp from {s}"))
                            })?)
                        }
                        other => Some(time_nanos(other).ok_or_else(|| bad(other))?),
                    });
                }
                Col::Time(TimestampNanosecondArray::from(out))
            }
            other => return Err(err(fname, format!("invalid dtype: {other:?}"))),
        })
    }

    /// A column holding an Arrow array (other types are cast to the
    /// nearest one the module has; int columns with nulls become float).
    pub fn from_arrow(fname: &str, a: &ArrayRef) -> Result<Col> {
        let cast = |to: &DataType| arrow_cast::cast::cast(a, to).map_err(|e| err(fname, e));
        Ok(match a.data_type() {
            dt if dt.is_integer() => {
                if a.null_count() > 0 {
                    Col::Float(fill_nan(
                        cast(&DataType::Float64)?.as_primitive::<Float64Type>(),
                    ))
                } else {
                    Col::Int(cast(&DataType::Int64)?.as_primitive::<Int64Type>().clone())
                }
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Col::Float(fill_nan(
                cast(&DataType::Float64)?.as_primitive::<Float64Type>(),
            )),
            DataType::Boolean => {
                if a.null_count() > 0 {
                    let b = a.as_boolean();
                    Col::Obj(Rc::new(
                        (0..b.len())
                            .map(|i| {
                                if b.is_null(i) {
                                    nan()
                                } else {
                                    Value::Bool(b.value(i))
                                }
                            })
                            .collect(),
                    ))
                } else {
                    Col::Bool(a.as_boolean().clone())
                }
            }
            DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => Col::Time(
                cast(&DataType::Timestamp(TimeUnit::Nanosecond, None))?
                    .as_primitive::<TimestampNanosecondType>()
                    .clone(),
            ),
            DataType::Duration(_) => Col::Delta(
                cast(&DataType::Duration(TimeUnit::Nanosecond))?
                    .as_primitive::<DurationNanosecondType>()
                    .clone(),
            ),
            DataType::Null => Col::Float(Float64Array::from(vec![f64::NAN; a.len()])),
            _ => Col::Str {
                array: cast(&DataType::Utf8)?.as_string::<i32>().clone(),
                string_dtype: false,
                none: false,
            },
        })
    }

    /// The column as an Arrow array (object columns as their text).
    pub fn to_arrow(&self) -> ArrayRef {
        match self {
            Col::Int(a) => Arc::new(a.clone()),
            Col::Float(a) => Arc::new(
                a.iter()
                    .map(|v| v.filter(|f| !f.is_nan()))
                    .collect::<Float64Array>(),
            ),
            Col::Bool(a) => Arc::new(a.clone()),
            Col::Str { array, .. } => Arc::new(array.clone()),
            Col::Time(a) => Arc::new(a.clone()),
            Col::Delta(a) => Arc::new(a.clone()),
            Col::Obj(v) => obj_to_arrow(v),
        }
    }

    /// What the column's memory costs, as the run's budget counts it.
    pub fn bytes(&self) -> usize {
        match self {
            Col::Int(a) => a.get_array_memory_size(),
            Col::Float(a) => a.get_array_memory_size(),
            Col::Bool(a) => a.get_array_memory_size(),
            Col::Str { array, .. } => array.get_array_memory_size(),
            Col::Time(a) => a.get_array_memory_size(),
            Col::Delta(a) => a.get_array_memory_size(),
            Col::Obj(v) => crate::budget::values_bytes(v),
        }
    }

    /// A float column of NaNs.
    pub fn nans(n: usize) -> Col {
        Col::Float(Float64Array::from(vec![f64::NAN; n]))
    }

    /// A column repeating one value `n` times.
    pub fn repeat(fname: &str, v: &Value, n: usize) -> Result<Col> {
        Col::from_values(fname, &vec![v.clone(); n], None)
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        match self {
            Col::Int(a) => a.len(),
            Col::Float(a) => a.len(),
            Col::Bool(a) => a.len(),
            Col::Str { array, .. } => array.len(),
            Col::Time(a) => a.len(),
            Col::Delta(a) => a.len(),
            Col::Obj(v) => v.len(),
        }
    }

    /// pandas' dtype name.
    pub fn dtype(&self) -> &'static str {
        match self {
            Col::Int(a) if a.null_count() > 0 => "Int64",
            Col::Int(_) => "int64",
            Col::Float(_) => "float64",
            Col::Bool(_) => "bool",
            Col::Str {
                string_dtype: true, ..
            } => "string",
            Col::Str { .. } | Col::Obj(_) => "object",
            Col::Time(_) => "datetime64[ns]",
            Col::Delta(_) => "timedelta64[ns]",
        }
    }

    /// Whether cells are numbers (int or float).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Col::Int(_) | Col::Float(_))
    }

    /// Qri's text of cell `i`.
    pub fn str_at(&self, i: usize) -> String {
        match self {
            Col::Int(a) => {
                if a.is_null(i) {
                    "None".into()
                } else {
                    a.value(i).to_string()
                }
            }
            Col::Float(a) => float_text(a.value(i)),
            Col::Bool(a) => if a.value(i) { "True" } else { "False" }.into(),
            Col::Str { array, none, .. } => {
                if array.is_null(i) {
                    if *none { "None" } else { "NaN" }.into()
                } else {
                    array.value(i).to_string()
                }
            }
            Col::Time(a) => {
                if a.is_null(i) {
                    "NaT".into()
                } else {
                    timestamp_text(a.value(i))
                }
            }
            Col::Delta(a) => {
                if a.is_null(i) {
                    "NaT".into()
                } else {
                    timedelta_text(a.value(i))
                }
            }
            Col::Obj(v) => go_fmt(&v[i]),
        }
    }

    /// Cell `i` as a Starlark value.
    pub fn value_at(&self, i: usize) -> Value {
        match self {
            Col::Int(a) => {
                if a.is_null(i) {
                    Value::None
                } else {
                    Value::Int(a.value(i))
                }
            }
            Col::Float(a) => Value::Float(a.value(i)),
            Col::Bool(a) => Value::Bool(a.value(i)),
            Col::Str { array, none, .. } => {
                if array.is_null(i) {
                    if *none {
                        Value::None
                    } else {
                        nan()
                    }
                } else {
                    Value::str(array.value(i))
                }
            }
            Col::Time(a) => {
                if a.is_null(i) {
                    Value::None
                } else {
                    time_value(a.value(i))
                }
            }
            Col::Delta(a) => {
                if a.is_null(i) {
                    Value::None
                } else {
                    Value::Int(a.value(i))
                }
            }
            Col::Obj(v) => v[i].clone(),
        }
    }

    /// All cells as Starlark values.
    pub fn values(&self) -> Vec<Value> {
        (0..self.len()).map(|i| self.value_at(i)).collect()
    }

    /// Whether cell `i` is missing (None or NaN).
    pub fn is_missing(&self, i: usize) -> bool {
        match self {
            Col::Float(a) => a.value(i).is_nan(),
            Col::Obj(v) => matches!(v[i], Value::None) || is_nan(&v[i]),
            Col::Int(a) => a.is_null(i),
            Col::Str { array, .. } => array.is_null(i),
            Col::Time(a) => a.is_null(i),
            Col::Delta(a) => a.is_null(i),
            Col::Bool(_) => false,
        }
    }

    /// The cells at `idx` in order; `None` gives a missing cell (int
    /// columns become float to hold NaN, as in pandas).
    pub fn take(&self, fname: &str, idx: &[Option<usize>]) -> Result<Col> {
        let has_missing = idx.iter().any(Option::is_none);
        let ix: UInt32Array = idx
            .iter()
            .map(|i| i.and_then(|i| u32::try_from(i).ok()))
            .collect();
        let take =
            |a: &dyn Array| arrow_select::take::take(a, &ix, None).map_err(|e| err(fname, e));
        Ok(match self {
            Col::Int(a) if has_missing => {
                let f: Float64Array = a.iter().map(|v| v.map(|x| x as f64)).collect();
                Col::Float(fill_nan(take(&f)?.as_primitive::<Float64Type>()))
            }
            Col::Int(a) => Col::Int(take(a)?.as_primitive::<Int64Type>().clone()),
            Col::Float(a) => Col::Float(fill_nan(take(a)?.as_primitive::<Float64Type>())),
            Col::Bool(a) if has_missing => Col::Obj(Rc::new(
                idx.iter()
                    .map(|i| i.map(|i| Value::Bool(a.value(i))).unwrap_or_else(nan))
                    .collect(),
            )),
            Col::Bool(a) => Col::Bool(take(a)?.as_boolean().clone()),
            Col::Str {
                array,
                string_dtype,
                none,
            } => Col::Str {
                array: take(array)?.as_string::<i32>().clone(),
                string_dtype: *string_dtype,
                none: *none && !has_missing,
            },
            Col::Time(a) => Col::Time(take(a)?.as_primitive::<TimestampNanosecondType>().clone()),
            Col::Delta(a) => Col::Delta(take(a)?.as_primitive::<DurationNanosecondType>().clone()),
            Col::Obj(v) => Col::Obj(Rc::new(
                idx.iter()
                    .map(|i| i.map(|i| v[i].clone()).unwrap_or_else(nan))
                    .collect(),
            )),
        })
    }

    /// The cells at positions `idx`.
    pub fn take_all(&self, fname: &str, idx: &[usize]) -> Result<Col> {
        let v: Vec<Option<usize>> = idx.iter().map(|&i| Some(i)).collect();
        self.take(fname, &v)
    }

    /// The cells where `mask` is true.
    pub fn filter(&self, fname: &str, mask: &[bool]) -> Result<Col> {
        let idx: Vec<usize> = mask
            .iter()
            .enumerate()
            .filter(|(_, &m)| m)
            .map(|(i, _)| i)
            .collect();
        let out = self.take_all(fname, &idx)?;
        // Qri gives an `object` column when filtering a nullable int one.
        Ok(match (&self, &out) {
            (Col::Int(a), Col::Int(_)) if a.null_count() > 0 => Col::Obj(Rc::new(out.values())),
            _ => out,
        })
    }

    /// `self` followed by `other`, in a type both fit (int and float give
    /// float; otherwise differing types give `object`).
    pub fn concat(&self, fname: &str, other: &Col) -> Result<Col> {
        let cat = |a: &dyn Array, b: &dyn Array| {
            arrow_select::concat::concat(&[a, b]).map_err(|e| err(fname, e))
        };
        Ok(match (self, other) {
            (Col::Int(a), Col::Int(b)) => Col::Int(cat(a, b)?.as_primitive::<Int64Type>().clone()),
            (Col::Float(_) | Col::Int(_), Col::Float(_) | Col::Int(_)) => {
                let (a, b) = (self.floats(), other.floats());
                Col::Float(cat(&a, &b)?.as_primitive::<Float64Type>().clone())
            }
            (Col::Bool(a), Col::Bool(b)) => Col::Bool(cat(a, b)?.as_boolean().clone()),
            (
                Col::Str {
                    array: a,
                    string_dtype,
                    none,
                },
                Col::Str {
                    array: b, none: n2, ..
                },
            ) if none == n2 => Col::Str {
                array: cat(a, b)?.as_string::<i32>().clone(),
                string_dtype: *string_dtype,
                none: *none,
            },
            (Col::Time(a), Col::Time(b)) => {
                Col::Time(cat(a, b)?.as_primitive::<TimestampNanosecondType>().clone())
            }
            _ => {
                let mut v = self.values();
                v.extend(other.values());
                Col::Obj(Rc::new(v))
            }
        })
    }

    /// Numbers as floats (NaN where missing or not a number).
    pub fn floats(&self) -> Float64Array {
        match self {
            Col::Int(a) => a
                .iter()
                .map(|v| Some(v.map(|x| x as f64).unwrap_or(f64::NAN)))
                .collect(),
            Col::Float(a) => a.clone(),
            Col::Bool(a) => a
                .iter()
                .map(|v| Some(if v == Some(true) { 1.0 } else { 0.0 }))
                .collect(),
            _ => (0..self.len())
                .map(|i| match self.value_at(i) {
                    Value::Int(x) => Some(x as f64),
                    Value::Float(f) => Some(f),
                    _ => Some(f64::NAN),
                })
                .collect(),
        }
    }

    /// A key for comparing and hashing cell `i` (sorting, grouping, joins).
    pub fn key_at(&self, i: usize) -> Key {
        match self {
            Col::Int(a) if !a.is_null(i) => Key::Int(a.value(i)),
            Col::Float(a) => Key::Float(a.value(i).to_bits()),
            Col::Bool(a) => Key::Int(a.value(i) as i64),
            Col::Str { array, .. } if !array.is_null(i) => Key::Str(array.value(i).to_string()),
            Col::Time(a) if !a.is_null(i) => Key::Int(a.value(i)),
            Col::Delta(a) if !a.is_null(i) => Key::Int(a.value(i)),
            Col::Obj(v) => match &v[i] {
                Value::Int(x) => Key::Int(*x),
                Value::Str(s) => Key::Str(s.to_str_lossy().into_owned()),
                Value::None => Key::Null,
                Value::Float(f) => Key::Float(f.to_bits()),
                other => Key::Str(go_fmt(other)),
            },
            _ => Key::Null,
        }
    }
}

/// An object column as the narrowest Arrow type its present values fit
/// (bool, int, float), else as text; None and NaN become nulls.
fn obj_to_arrow(v: &[Value]) -> ArrayRef {
    let present = || v.iter().filter(|x| !matches!(x, Value::None) && !is_nan(x));
    let missing = |x: &Value| matches!(x, Value::None) || is_nan(x);
    if present().all(|x| matches!(x, Value::Bool(_))) {
        return Arc::new(
            v.iter()
                .map(|x| match x {
                    Value::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect::<BooleanArray>(),
        );
    }
    if present().all(|x| matches!(x, Value::Int(_))) {
        return Arc::new(
            v.iter()
                .map(|x| match x {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
                .collect::<Int64Array>(),
        );
    }
    if present().all(|x| matches!(x, Value::Int(_) | Value::Float(_))) {
        return Arc::new(
            v.iter()
                .map(|x| match x {
                    Value::Int(i) => Some(*i as f64),
                    Value::Float(f) if !f.is_nan() => Some(*f),
                    _ => None,
                })
                .collect::<Float64Array>(),
        );
    }
    Arc::new(
        v.iter()
            .map(|x| if missing(x) { None } else { Some(go_fmt(x)) })
            .collect::<StringArray>(),
    )
}

/// A hashable, ordered stand-in for a cell.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// Missing.
    Null,
    /// An integer-like cell.
    Int(i64),
    /// A float cell, by its bits.
    Float(u64),
    /// A string-like cell.
    Str(String),
}

impl Key {
    /// Whether the cell was missing (None or NaN).
    pub fn is_missing(&self) -> bool {
        match self {
            Key::Null => true,
            Key::Float(b) => f64::from_bits(*b).is_nan(),
            Key::Str(_) | Key::Int(_) => false,
        }
    }

    /// Orders keys, floats by value.
    pub fn cmp_values(&self, other: &Key) -> std::cmp::Ordering {
        match (self, other) {
            (Key::Float(a), Key::Float(b)) => f64::from_bits(*a).total_cmp(&f64::from_bits(*b)),
            (Key::Int(a), Key::Float(b)) => (*a as f64).total_cmp(&f64::from_bits(*b)),
            (Key::Float(a), Key::Int(b)) => f64::from_bits(*a).total_cmp(&(*b as f64)),
            _ => self.cmp(other),
        }
    }
}

/// Nulls of a float array as NaN.
fn fill_nan(a: &Float64Array) -> Float64Array {
    if a.null_count() == 0 {
        return a.clone();
    }
    a.iter().map(|v| Some(v.unwrap_or(f64::NAN))).collect()
}
