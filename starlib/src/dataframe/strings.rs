//! The `.str` accessor of a series or index: element-wise string methods
//! (`lower`, `upper`, `strip`, `replace`, `startswith`, `endswith`,
//! `contains`, `len`) and `s.str[i]` (the i-th character of each).

use super::column::Col;
use super::index::Index;
use super::series::Series;
use super::{as_index, as_series, method_not_implemented, opt_str};
use crate::util::err;
use arrow_array::{BooleanArray, Int64Array, StringArray};
use engine::error::{EvalError, Result};
use engine::values::{MethodFn, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;

/// `x.str` for a series or index `x`.
#[derive(Debug)]
pub struct StrAccessor {
    /// The series or index.
    pub subject: Value,
}

const STR_METHODS: &[(&str, MethodFn)] = &[
    ("contains", str_contains),
    ("endswith", str_endswith),
    ("len", str_len),
    ("lower", str_lower),
    ("replace", str_replace),
    ("startswith", str_startswith),
    ("strip", str_strip),
    ("upper", str_upper),
];

impl StrAccessor {
    fn texts(&self) -> Result<Vec<Option<String>>> {
        let col = match (as_series(&self.subject), as_index(&self.subject)) {
            (Some(s), _) => s.col.clone(),
            (_, Some(i)) => match &i.labels {
                Some(c) => c.clone(),
                None => return Ok((0..i.len()).map(|k| Some(k.to_string())).collect()),
            },
            _ => return Err(EvalError::new("str: not a series or index")),
        };
        Ok((0..col.len())
            .map(|i| {
                if col.is_missing(i) {
                    None
                } else {
                    Some(col.str_at(i))
                }
            })
            .collect())
    }

    /// A series or index like the subject, holding `col`.
    fn wrap(&self, col: Col) -> Value {
        if let Some(s) = as_series(&self.subject) {
            return Value::native(Series {
                col,
                index: s.index.clone(),
                name: s.name.clone(),
            });
        }
        let name = as_index(&self.subject)
            .map(|i| i.name.clone())
            .unwrap_or_default();
        Value::native(Index {
            len: col.len(),
            labels: Some(col),
            name,
        })
    }

    fn map_str(&self, f: impl Fn(&str) -> String) -> Result<Value> {
        let out: StringArray = self.texts()?.iter().map(|t| t.as_deref().map(&f)).collect();
        Ok(self.wrap(Col::Str {
            array: out,
            string_dtype: false,
            none: false,
        }))
    }

    fn map_bool(&self, f: impl Fn(&str) -> bool) -> Result<Value> {
        let out: BooleanArray = self
            .texts()?
            .iter()
            .map(|t| Some(t.as_deref().is_some_and(&f)))
            .collect();
        Ok(self.wrap(Col::Bool(out)))
    }
}

impl NativeValue for StrAccessor {
    fn type_name(&self) -> &str {
        "dataframe.StringMethods"
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        if let Some(m) = crate::util::bound_method(STR_METHODS, this, name) {
            return Ok(Some(m));
        }
        Ok(method_not_implemented(name))
    }
    fn attr_names(&self) -> Vec<String> {
        STR_METHODS.iter().map(|(n, _)| n.to_string()).collect()
    }
    fn index(&self, key: &Value) -> Result<Value> {
        let Value::Int(k) = key else {
            return Err(err(
                "str[]",
                format!("want an int, got {}", key.type_name()),
            ));
        };
        let k = *k;
        let out: StringArray = self
            .texts()?
            .iter()
            .map(|t| {
                let t = t.as_deref()?;
                let n = t.len() as i64;
                let j = if k < 0 { k + n } else { k };
                if j < 0 || j >= n {
                    None
                } else {
                    t.get(j as usize..j as usize + 1).map(str::to_string)
                }
            })
            .collect();
        Ok(self.wrap(Col::Str {
            array: out,
            string_dtype: false,
            none: false,
        }))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn recv(r: &Value) -> Result<&StrAccessor> {
    match r {
        Value::Native(n) => n.as_any().downcast_ref::<StrAccessor>(),
        _ => None,
    }
    .ok_or_else(|| EvalError::new("method called on a value that is not a .str accessor"))
}

fn one_str(fname: &str, args: &Args) -> Result<String> {
    let [x] = args.bind(fname, &["pat"])?;
    Ok(opt_str(fname, "pat", &x)?.unwrap_or_default())
}

fn str_lower(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("str.lower")?;
    recv(r)?.map_str(|s| s.to_lowercase())
}
fn str_upper(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("str.upper")?;
    recv(r)?.map_str(|s| s.to_uppercase())
}
fn str_strip(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("str.strip")?;
    recv(r)?.map_str(|s| s.trim().to_string())
}
fn str_replace(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "str.replace";
    let [a, b] = args.bind(F, &["pat", "repl"])?;
    let a = opt_str(F, "pat", &a)?.unwrap_or_default();
    let b = opt_str(F, "repl", &b)?.unwrap_or_default();
    recv(r)?.map_str(|s| s.replace(&a, &b))
}
fn str_startswith(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let p = one_str("str.startswith", args)?;
    recv(r)?.map_bool(|s| s.starts_with(&p))
}
fn str_endswith(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let p = one_str("str.endswith", args)?;
    recv(r)?.map_bool(|s| s.ends_with(&p))
}
fn str_contains(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let p = one_str("str.contains", args)?;
    recv(r)?.map_bool(|s| s.contains(&p))
}
fn str_len(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("str.len")?;
    let a = recv(r)?;
    let out: Int64Array = a
        .texts()?
        .iter()
        .map(|t| Some(t.as_ref().map(|s| s.len() as i64).unwrap_or(0)))
        .collect();
    Ok(a.wrap(Col::Int(out)))
}
