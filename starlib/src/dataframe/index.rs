//! `dataframe.Index`: row labels of a frame or series, and a frame's column
//! labels. A range index (0..n, pandas' `RangeIndex`) stores nothing; other
//! labels are a column (`Col`), with an optional name.

use super::column::{go_fmt, Col};
use super::strings::StrAccessor;
use super::{as_index, method_not_implemented};
use crate::util::err;
use engine::error::{EvalError, Result};
use engine::values::{Builtin, NativeIter, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;

/// Row or column labels.
#[derive(Clone, Debug)]
pub struct Index {
    /// `None`: the range 0..len.
    pub labels: Option<Col>,
    /// The number of labels (for a range index).
    pub len: usize,
    /// The index's name (empty for none).
    pub name: String,
}

impl Index {
    /// The range index 0..n.
    pub fn range(n: usize) -> Index {
        Index {
            labels: None,
            len: n,
            name: String::new(),
        }
    }

    /// Labels from values.
    pub fn from_values(fname: &str, values: &[Value], name: &str) -> Result<Index> {
        let col = if values.iter().all(|v| matches!(v, Value::Str(_)))
            || values.iter().all(|v| matches!(v, Value::Int(_)))
        {
            Col::from_values(fname, values, None)?
        } else {
            Col::Obj(std::rc::Rc::new(values.to_vec()))
        };
        Ok(Index {
            len: values.len(),
            labels: Some(col),
            name: name.to_string(),
        })
    }

    /// Labels of strings.
    pub fn from_strings(names: &[String]) -> Index {
        let vals: Vec<Value> = names.iter().map(|s| Value::str(s)).collect();
        Index {
            len: names.len(),
            labels: Some(Col::Obj(std::rc::Rc::new(vals))),
            name: String::new(),
        }
        .normalized()
    }

    fn normalized(self) -> Index {
        match &self.labels {
            Some(Col::Obj(v)) if v.iter().all(|x| matches!(x, Value::Str(_))) => Index {
                labels: Col::from_values("Index", v, None).ok(),
                ..self
            },
            _ => self,
        }
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is a range index.
    pub fn is_range(&self) -> bool {
        self.labels.is_none()
    }

    /// Label `i` as text.
    pub fn text(&self, i: usize) -> String {
        match &self.labels {
            None => i.to_string(),
            Some(c) => c.str_at(i),
        }
    }

    /// Label `i` as a value.
    pub fn value(&self, i: usize) -> Value {
        match &self.labels {
            None => Value::Int(i as i64),
            Some(c) => c.value_at(i),
        }
    }

    /// All labels as values.
    pub fn values(&self) -> Vec<Value> {
        (0..self.len).map(|i| self.value(i)).collect()
    }

    /// The position of the label whose text is `key`.
    pub fn find(&self, key: &str) -> Option<usize> {
        (0..self.len).find(|&i| self.text(i) == key)
    }

    /// The labels at positions `idx`.
    pub fn take(&self, fname: &str, idx: &[usize]) -> Result<Index> {
        Ok(match &self.labels {
            None => {
                let vals: Vec<Value> = idx.iter().map(|&i| Value::Int(i as i64)).collect();
                Index::from_values(fname, &vals, &self.name)?
            }
            Some(c) => Index {
                labels: Some(c.take_all(fname, idx)?),
                len: idx.len(),
                name: self.name.clone(),
            },
        })
    }

    /// These labels followed by `other`'s.
    pub fn concat(&self, fname: &str, other: &Index) -> Result<Index> {
        let mut v = self.values();
        v.extend(other.values());
        Index::from_values(fname, &v, &self.name)
    }

    /// pandas' repr: `RangeIndex(...)`, `Int64Index([...])` or `Index([...])`.
    pub fn repr_text(&self) -> String {
        let Some(c) = &self.labels else {
            return format!("RangeIndex(start=0, stop={}, step=1)", self.len);
        };
        let name = if self.name.is_empty() {
            String::new()
        } else {
            format!(", name='{}'", self.name)
        };
        let items: Vec<String> = (0..self.len)
            .map(|i| match c.value_at(i) {
                Value::Str(s) => format!("'{}'", s.to_str_lossy()),
                other => go_fmt(&other),
            })
            .collect();
        if matches!(c, Col::Int(_)) {
            format!("Int64Index([{}], dtype='int64'{name})", items.join(", "))
        } else if matches!(c, Col::Bool(_)) {
            format!("Index([{}], dtype='bool'{name})", items.join(", "))
        } else {
            format!("Index([{}], dtype='object'{name})", items.join(", "))
        }
    }

    /// Labels as strings (for column names).
    pub fn texts(&self) -> Vec<String> {
        (0..self.len).map(|i| self.text(i)).collect()
    }
}

impl NativeValue for Index {
    fn type_name(&self) -> &str {
        "dataframe.Index"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&self.repr_text());
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(Some(match name {
            "name" => Value::str(&self.name),
            "str" => Value::native(StrAccessor {
                subject: this.clone(),
            }),
            "eq" => Builtin::method("eq", this.clone(), index_eq),
            "size" => Value::Int(self.len as i64),
            "to_list" | "tolist" => Builtin::method(name, this.clone(), index_to_list),
            _ => return Ok(method_not_implemented(name)),
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        ["eq", "name", "size", "str", "to_list", "tolist"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }
    fn len(&self) -> Option<usize> {
        Some(self.len)
    }
    fn iterate(&self) -> Option<NativeIter> {
        let me = self.clone();
        Some(Box::new((0..me.len).map(move |i| me.value(i))))
    }
    fn index(&self, key: &Value) -> Result<Value> {
        match key {
            Value::Int(i) if *i >= 0 && (*i as usize) < self.len => Ok(self.value(*i as usize)),
            _ => Err(EvalError::new(format!(
                "Index: index {} out of range",
                go_fmt(key)
            ))),
        }
    }
    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(as_index(other)
            .is_some_and(|o| o.len == self.len && o.name == self.name && o.texts() == self.texts()))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn index_eq(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "Index.eq";
    let [x] = args.bind(F, &["other"])?;
    let me = as_index(recv).ok_or_else(|| err(F, "not an Index"))?;
    let x = x.unwrap_or(Value::None);
    let want = go_fmt(&x);
    let vals: Vec<Value> = (0..me.len)
        .map(|i| Value::Bool(me.text(i) == want))
        .collect();
    Ok(Value::native(Index::from_values(F, &vals, &me.name)?))
}

fn index_to_list(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    args.none("Index.to_list")?;
    let me = as_index(recv).ok_or_else(|| err("Index.to_list", "not an Index"))?;
    Ok(Value::list(me.values()))
}

/// `dataframe.Index(data=None, name='')`.
pub fn new_index(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "Index";
    let [data, name] = args.bind(F, &["data?", "name?"])?;
    let name = match &name {
        Some(Value::Str(s)) => s.to_str_lossy().into_owned(),
        _ => String::new(),
    };
    let vals = match &data {
        None | Some(Value::None) => Vec::new(),
        Some(v) => super::list_values(F, "data", v)?,
    };
    Ok(Value::native(Index::from_values(F, &vals, &name)?))
}
