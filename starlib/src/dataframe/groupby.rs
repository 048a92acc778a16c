//! `df.groupby(by)` and `df.groupby(by)[column]`: rows grouped by the
//! values of key columns (groups in sorted key order), and per-group
//! aggregates (`count`, `sum`, `mean`, `min`, `max`) or `apply(f)`.

use super::column::{Col, Key};
use super::frame::Frame;
use super::index::Index;
use super::series::Series;
use super::{as_series, method_not_implemented};
use crate::budget;
use crate::util::err;
use arrow_array::{Array, Float64Array, Int64Array};
use engine::error::{EvalError, Result};
use engine::values::{MethodFn, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::collections::HashMap;

/// A grouped frame.
#[derive(Clone, Debug)]
pub struct GroupBy {
    /// The frame.
    pub frame: Frame,
    /// The key column names.
    pub by: Vec<String>,
}

impl NativeValue for GroupBy {
    fn type_name(&self) -> &str {
        "dataframe.GroupByResult"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&format!("<GroupByResult by {}>", self.by.join(", ")));
    }
    fn index(&self, key: &Value) -> Result<Value> {
        const F: &str = "groupby";
        let Value::Str(s) = key else {
            return Err(err(
                F,
                format!("want a column name, got {}", key.type_name()),
            ));
        };
        let name = s.to_str_lossy().into_owned();
        let j = self.frame.col_pos(F, &name)?;
        let keys: Vec<usize> = self
            .by
            .iter()
            .map(|b| self.frame.col_pos(F, b))
            .collect::<Result<_>>()?;
        // Groups, sorted by key.
        let mut map: HashMap<Vec<Key>, Vec<usize>> = HashMap::new();
        let mut first: HashMap<Vec<Key>, usize> = HashMap::new();
        for i in 0..self.frame.nrows {
            let k: Vec<Key> = keys.iter().map(|&c| self.frame.cols[c].key_at(i)).collect();
            // Rows with a missing key belong to no group, as in pandas.
            if k.iter().any(Key::is_missing) {
                continue;
            }
            first.entry(k.clone()).or_insert(i);
            map.entry(k).or_default().push(i);
        }
        let mut ks: Vec<Vec<Key>> = map.keys().cloned().collect();
        ks.sort_by(|a, b| {
            a.iter()
                .zip(b)
                .map(|(x, y)| x.cmp_values(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let label_rows: Vec<usize> = ks.iter().map(|k| first[k]).collect();
        let labels = self.frame.cols[keys[0]].take_all(F, &label_rows)?;
        let groups = ks.iter().map(|k| map[k].clone()).collect();
        Ok(Value::native(SeriesGroupBy {
            series: self.frame.series(j),
            labels,
            label_name: self.by[0].clone(),
            groups,
        }))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One column of a grouped frame.
#[derive(Clone, Debug)]
pub struct SeriesGroupBy {
    /// The column.
    pub series: Series,
    /// One label per group (the first key's value).
    pub labels: Col,
    /// The name of the first key column.
    pub label_name: String,
    /// Each group's row positions.
    pub groups: Vec<Vec<usize>>,
}

const GROUP_METHODS: &[(&str, MethodFn)] = &[
    ("apply", g_apply),
    ("count", g_count),
    ("max", g_max),
    ("mean", g_mean),
    ("min", g_min),
    ("sum", g_sum),
];

impl SeriesGroupBy {
    fn result(&self, col: Col) -> Series {
        Series {
            col,
            index: Index {
                len: self.groups.len(),
                labels: Some(self.labels.clone()),
                name: self.label_name.clone(),
            },
            name: self.series.name.clone(),
        }
    }
}

impl NativeValue for SeriesGroupBy {
    fn type_name(&self) -> &str {
        "dataframe.SeriesGroupByResult"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&format!("<SeriesGroupByResult {}>", self.series.name));
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        if let Some(m) = crate::util::bound_method(GROUP_METHODS, this, name) {
            return Ok(Some(m));
        }
        Ok(method_not_implemented(name))
    }
    fn attr_names(&self) -> Vec<String> {
        GROUP_METHODS.iter().map(|(n, _)| n.to_string()).collect()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn recv(r: &Value) -> Result<&SeriesGroupBy> {
    match r {
        Value::Native(n) => n.as_any().downcast_ref::<SeriesGroupBy>(),
        _ => None,
    }
    .ok_or_else(|| EvalError::new("method called on a value that is not a grouped series"))
}

fn g_count(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("count")?;
    let g = recv(r)?;
    let c = &g.series.col;
    let counts: Int64Array = g
        .groups
        .iter()
        .map(|rows| Some(rows.iter().filter(|&&i| !c.is_missing(i)).count() as i64))
        .collect();
    Ok(Value::native(g.result(Col::Int(counts))))
}

fn aggregate(r: &Value, args: &Args, fname: &str) -> Result<Value> {
    args.none(fname)?;
    let g = recv(r)?;
    let c = &g.series.col;
    match (c, fname) {
        (Col::Int(a), "sum" | "min" | "max") => {
            let out: Int64Array = g
                .groups
                .iter()
                .map(|rows| {
                    let vals = rows.iter().filter(|&&i| a.is_valid(i)).map(|&i| a.value(i));
                    Some(match fname {
                        "sum" => vals.fold(0i64, i64::wrapping_add),
                        "min" => vals.min().unwrap_or(0),
                        _ => vals.max().unwrap_or(0),
                    })
                })
                .collect();
            Ok(Value::native(g.result(Col::Int(out))))
        }
        (c, _) if c.is_numeric() || matches!(c, Col::Bool(_)) => {
            let f = c.floats();
            let out: Float64Array = g
                .groups
                .iter()
                .map(|rows| {
                    let vals: Vec<f64> = rows
                        .iter()
                        .map(|&i| f.value(i))
                        .filter(|x| !x.is_nan())
                        .collect();
                    Some(match fname {
                        "sum" => vals.iter().fold(0.0, |a, b| a + b),
                        "mean" => vals.iter().fold(0.0, |a, b| a + b) / vals.len() as f64,
                        "min" => vals.iter().cloned().fold(f64::NAN, f64::min),
                        _ => vals.iter().cloned().fold(f64::NAN, f64::max),
                    })
                })
                .collect();
            Ok(Value::native(g.result(Col::Float(out))))
        }
        (c, "sum") if matches!(c, Col::Str { .. }) => {
            let out: Vec<Value> = g
                .groups
                .iter()
                .map(|rows| Value::from(rows.iter().map(|&i| c.str_at(i)).collect::<String>()))
                .collect();
            Ok(Value::native(
                g.result(Col::from_values(fname, &out, None)?),
            ))
        }
        (c, _) => Err(err(
            fname,
            format!("cannot aggregate a column of dtype {}", c.dtype()),
        )),
    }
}

fn g_sum(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    aggregate(r, args, "sum")
}
fn g_mean(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    aggregate(r, args, "mean")
}
fn g_min(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    aggregate(r, args, "min")
}
fn g_max(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    aggregate(r, args, "max")
}

/// `apply(f)`: calls `f` with each group's series (named by the group's
/// key). Scalars make a series indexed by the keys; series are put back in
/// the rows they came from.
fn g_apply(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "apply";
    let [func] = args.bind(F, &["func"])?;
    let func = func.unwrap_or(Value::None);
    let g = recv(r)?.clone();
    let stop = budget::Interrupt::of(thread);
    let mut results = Vec::with_capacity(g.groups.len());
    for (k, rows) in g.groups.iter().enumerate() {
        stop.check()?;
        let part = Series {
            col: g.series.col.take_all(F, rows)?,
            index: g.series.index.take(F, rows)?,
            name: g.labels.str_at(k),
        };
        results.push(thread.call(&func, &Args::positional(vec![Value::native(part)]))?);
    }
    if !results.is_empty() && results.iter().all(|v| as_series(v).is_some()) {
        let n = g.series.len();
        let mut cells = vec![Value::None; n];
        for (rows, res) in g.groups.iter().zip(&results) {
            let s = as_series(res).ok_or_else(|| err(F, "want a series"))?;
            if s.len() != rows.len() {
                return Err(err(
                    F,
                    "a series returned by f must keep its group's length",
                ));
            }
            for (p, &i) in rows.iter().enumerate() {
                cells[i] = s.col.value_at(p);
            }
        }
        return Ok(Value::native(Series {
            col: Col::from_values(F, &cells, None)?,
            index: g.series.index.clone(),
            name: g.series.name.clone(),
        }));
    }
    Ok(Value::native(
        g.result(Col::from_values(F, &results, None)?),
    ))
}
