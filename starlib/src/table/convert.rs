//! Conversions between Starlark values and Arrow arrays: cells to values,
//! lists of values to typed arrays, scalars for kernels, type names.

use crate::util::err;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, NullArray, StringArray,
};
use arrow_schema::DataType;
use engine::error::{EvalError, Result};
use engine::Value;
use std::sync::Arc;

/// The short type name a script sees ("int", "float", "string", "bool", ...):
/// `tabular::type_name`, the one vocabulary every command shows.
pub fn type_name(dt: &DataType) -> String {
    tabular::type_name(dt)
}

/// The Arrow type for a script's type name.
pub fn parse_type(fname: &str, name: &str) -> Result<DataType> {
    Ok(match name {
        "int" | "int64" => DataType::Int64,
        "int32" => DataType::Int32,
        "float" | "float64" => DataType::Float64,
        "float32" => DataType::Float32,
        "string" | "str" | "utf8" => DataType::Utf8,
        "bool" | "boolean" => DataType::Boolean,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, None),
        other => {
            return Err(err(
                fname,
                format!(
                    "unknown type {other:?}: want one of int, float, string, bool, date, timestamp"
                ),
            ))
        }
    })
}

/// Row `i` of `array` as a Starlark value (None for null).
pub fn cell_value(array: &dyn Array, i: usize) -> Value {
    if array.is_null(i) {
        return Value::None;
    }
    match array.data_type() {
        DataType::Int8 => Value::Int(array.as_primitive::<Int8Type>().value(i) as i64),
        DataType::Int16 => Value::Int(array.as_primitive::<Int16Type>().value(i) as i64),
        DataType::Int32 => Value::Int(array.as_primitive::<Int32Type>().value(i) as i64),
        DataType::Int64 => Value::Int(array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => Value::Int(array.as_primitive::<UInt8Type>().value(i) as i64),
        DataType::UInt16 => Value::Int(array.as_primitive::<UInt16Type>().value(i) as i64),
        DataType::UInt32 => Value::Int(array.as_primitive::<UInt32Type>().value(i) as i64),
        DataType::UInt64 => {
            let v = array.as_primitive::<UInt64Type>().value(i);
            match i64::try_from(v) {
                Ok(v) => Value::Int(v),
                Err(_) => Value::from_bigint(v.into()),
            }
        }
        DataType::Float32 => Value::Float(array.as_primitive::<Float32Type>().value(i) as f64),
        DataType::Float64 => Value::Float(array.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => Value::Bool(array.as_boolean().value(i)),
        DataType::Utf8 => Value::str(array.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => Value::str(array.as_string::<i64>().value(i)),
        DataType::Utf8View => Value::str(array.as_string_view().value(i)),
        _ => {
            let opts = arrow_cast::display::FormatOptions::default();
            match arrow_cast::display::ArrayFormatter::try_new(array, &opts) {
                Ok(f) => Value::from(f.value(i).to_string()),
                Err(_) => Value::None,
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

fn kind(v: &Value) -> Option<Kind> {
    Some(match v {
        Value::None => Kind::Null,
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => return None,
    })
}

/// A typed array from Starlark values: all ints gives int, ints and floats
/// float, strings string, bools bool; None is null. Mixing others fails.
pub fn values_to_array(fname: &str, column: &str, values: &[Value]) -> Result<ArrayRef> {
    let mut k = Kind::Null;
    for v in values {
        let vk = kind(v).ok_or_else(|| {
            err(
                fname,
                format!("column {column:?}: cannot store a {} in a table (want int, float, string, bool or None)", v.type_name()),
            )
        })?;
        k = match (k, vk) {
            (a, Kind::Null) => a,
            (Kind::Null, b) => b,
            (a, b) if a == b => a,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            (a, b) => {
                return Err(err(
                    fname,
                    format!(
                        "column {column:?} mixes {} and {} values",
                        kind_name(a),
                        kind_name(b)
                    ),
                ))
            }
        };
    }
    Ok(match k {
        Kind::Null => Arc::new(NullArray::new(values.len())),
        Kind::Bool => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    Value::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect::<BooleanArray>(),
        ),
        Kind::Int => Arc::new(values.iter().map(|v| v.as_i64()).collect::<Int64Array>()),
        Kind::Float => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    Value::Int(i) => Some(*i as f64),
                    Value::Float(f) => Some(*f),
                    _ => None,
                })
                .collect::<Float64Array>(),
        ),
        Kind::Str => Arc::new(
            values
                .iter()
                .map(|v| v.as_str().map(|s| s.to_str_lossy().into_owned()))
                .collect::<StringArray>(),
        ),
    })
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Null => "None",
        Kind::Bool => "bool",
        Kind::Int => "int",
        Kind::Float => "float",
        Kind::Str => "string",
    }
}

/// A one-element array holding scalar `v`, cast to `target` when given.
pub fn scalar_array(fname: &str, v: &Value, target: Option<&DataType>) -> Result<ArrayRef> {
    let a = values_to_array(fname, "scalar", std::slice::from_ref(v))?;
    match target {
        Some(t) if a.data_type() != t => arrow_cast::cast::cast(&a, t).map_err(|e| {
            err(
                fname,
                format!(
                    "cannot use {} {} with a {} column: {e}",
                    v.type_name(),
                    engine::values::repr(v),
                    type_name(t)
                ),
            )
        }),
        _ => Ok(a),
    }
}

/// Wraps an Arrow error as a Starlark error naming the function.
pub fn arrow_err(fname: &str, e: arrow_schema::ArrowError) -> EvalError {
    err(fname, e)
}

/// Whether a type is numeric.
pub fn is_numeric(dt: &DataType) -> bool {
    dt.is_numeric()
}

/// Whether a type is a string type.
pub fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}
