//! `dataframe.DataFrame`: labelled columns of equal length. Construction
//! (from rows, dicts of columns, rows as dicts, another frame), column
//! access and assignment, boolean row selection, and the frame methods
//! (`append`, `head`, `drop`, `sort_values`, `merge`, `groupby`, ...).

use super::column::{go_fmt, nan, Col};
use super::groupby::GroupBy;
use super::index::Index;
use super::series::{shifted, Series};
use super::stringify::{frame_text, OutputArea};
use super::{
    as_frame, as_index, as_series, list_values, mask_of, method_not_implemented, opt_str,
    FRAME_METHODS,
};
use crate::budget;
use crate::util::err;
use engine::error::{EvalError, Result};
use engine::syntax::ast::BinaryOp;
use engine::values::{NativeIter, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

/// A frame's contents.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The number of rows.
    pub nrows: usize,
    /// The columns, each `nrows` long.
    pub cols: Vec<Col>,
    /// Column names; `None` for positional columns (0, 1, ...).
    pub names: Option<Vec<String>>,
    /// Row labels.
    pub index: Index,
}

impl Frame {
    /// An empty frame.
    pub fn empty() -> Frame {
        Frame {
            nrows: 0,
            cols: Vec::new(),
            names: None,
            index: Index::range(0),
        }
    }

    /// The column names as text (positions when unnamed).
    pub fn name_texts(&self) -> Vec<String> {
        match &self.names {
            Some(n) => n.clone(),
            None => (0..self.cols.len()).map(|j| j.to_string()).collect(),
        }
    }

    /// The position of the column called `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.name_texts().iter().position(|n| n == name)
    }

    /// The position of a column, erroring with the method's name.
    pub fn col_pos(&self, fname: &str, name: &str) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            err(
                fname,
                format!(
                    "column {name:?} not found; columns are: {}",
                    self.name_texts().join(", ")
                ),
            )
        })
    }

    /// Column `j` as a series.
    pub fn series(&self, j: usize) -> Series {
        Series {
            col: self.cols[j].clone(),
            index: self.index.clone(),
            name: self.name_texts()[j].clone(),
        }
    }

    /// The rows at positions `idx` (keeping labels when `keep_index`).
    pub fn take_rows(&self, fname: &str, idx: &[usize], keep_index: bool) -> Result<Frame> {
        let cols = self
            .cols
            .iter()
            .map(|c| c.take_all(fname, idx))
            .collect::<Result<Vec<_>>>()?;
        Ok(Frame {
            nrows: idx.len(),
            cols,
            names: self.names.clone(),
            index: if keep_index {
                self.index.take(fname, idx)?
            } else {
                Index::range(idx.len())
            },
        })
    }

    /// Sets (or adds) column `name`.
    pub fn set_column(&mut self, fname: &str, name: &str, value: &Value) -> Result<()> {
        let col = match (value, as_series(value)) {
            (_, Some(s)) => s.col.clone(),
            (Value::List(_) | Value::Tuple(_), _) => {
                Col::from_values(fname, &list_values(fname, "value", value)?, None)?
            }
            (v, _) => Col::repeat(fname, v, self.nrows)?,
        };
        budget::owe(col.bytes());
        if self.cols.is_empty() && self.nrows == 0 {
            self.nrows = col.len();
            self.index = Index::range(col.len());
        }
        if col.len() != self.nrows {
            return Err(EvalError::new(format!(
                "{fname}: Length of values ({}) does not match length of index ({})",
                col.len(),
                self.nrows
            )));
        }
        match self.find(name) {
            Some(j) => self.cols[j] = col,
            None => {
                let mut names = self.name_texts();
                names.push(name.to_string());
                self.names = Some(names);
                self.cols.push(col);
            }
        }
        Ok(())
    }

    /// What the frame's columns cost, as the run's budget counts them.
    pub fn bytes(&self) -> usize {
        self.cols.iter().map(Col::bytes).sum::<usize>() + 64 * (self.cols.len() + 1)
    }

    /// Qri's printed form.
    pub fn stringify(&self) -> String {
        frame_text(self, OutputArea::default())
    }

    /// A row as a series labelled by column names.
    pub fn row_series(&self, i: usize) -> Series {
        let vals: Vec<Value> = self.cols.iter().map(|c| c.value_at(i)).collect();
        Series {
            col: Col::Obj(Rc::new(vals)),
            index: Index::from_strings(&self.name_texts()),
            name: self.index.text(i),
        }
    }
}

/// A `dataframe.DataFrame` value (mutable: columns can be set).
#[derive(Debug)]
pub struct DataFrame {
    /// Its contents.
    pub frame: RefCell<Frame>,
    /// Set once frozen (e.g. a module global): no more assignments.
    pub frozen: std::cell::Cell<bool>,
}

impl DataFrame {
    /// A frame value.
    pub fn value(f: Frame) -> Value {
        Value::native(DataFrame {
            frame: RefCell::new(f),
            frozen: std::cell::Cell::new(false),
        })
    }

    /// Fails if the frame is frozen.
    pub fn check_mutable(&self, what: &str) -> Result<()> {
        if self.frozen.get() {
            return Err(EvalError::new(format!(
                "{what}: cannot modify a frozen DataFrame"
            )));
        }
        Ok(())
    }
}

/// Columns from rows (lists) of values; short rows are missing cells.
fn rows_to_cols(fname: &str, rows: &[Vec<Value>]) -> Result<Vec<Col>> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .map(|j| {
            let vals: Vec<Value> = rows
                .iter()
                .map(|r| r.get(j).cloned().unwrap_or_else(nan))
                .collect();
            Col::from_values(fname, &vals, None)
        })
        .collect()
}

/// A frame from Starlark data: a list of rows (lists or dicts), a dict of
/// columns, a list of scalars (one column), a series, or another frame.
pub fn frame_from_data(
    thread: &mut Thread,
    fname: &str,
    data: &Value,
    columns: Option<Vec<String>>,
) -> Result<Frame> {
    if let Some(f) = as_frame(data) {
        return Ok(f.frame.borrow().clone());
    }
    if let Some(s) = as_series(data) {
        return Ok(Frame {
            nrows: s.len(),
            cols: vec![s.col.clone()],
            names: if s.name.is_empty() {
                None
            } else {
                Some(vec![s.name.clone()])
            },
            index: s.index.clone(),
        });
    }
    let stop = budget::Interrupt::of(thread);
    match data {
        Value::None => Ok(Frame {
            names: columns.clone(),
            cols: columns.iter().flatten().map(|_| Col::nans(0)).collect(),
            ..Frame::empty()
        }),
        Value::Dict(d) => {
            let entries = d.items();
            let mut names = Vec::new();
            let mut cols: Vec<Option<Col>> = Vec::new();
            let mut nrows = None;
            let mut index = None;
            for (k, v) in &entries {
                names.push(go_fmt(k));
                let col = match (v, as_series(v)) {
                    (_, Some(s)) => {
                        index.get_or_insert_with(|| s.index.clone());
                        Some(s.col.clone())
                    }
                    (Value::List(_) | Value::Tuple(_), _) => {
                        let vals = list_values(fname, "data", v)?;
                        budget::charge(thread, fname, budget::values_bytes(&vals))?;
                        Some(Col::from_values(fname, &vals, None)?)
                    }
                    _ => None,
                };
                if let Some(c) = &col {
                    match nrows {
                        None => nrows = Some(c.len()),
                        Some(n) if n != c.len() => {
                            return Err(err(fname, "All arrays must be of the same length"))
                        }
                        _ => {}
                    }
                }
                cols.push(col);
            }
            let n = nrows.unwrap_or(usize::from(!entries.is_empty()));
            let mut out = Vec::with_capacity(cols.len());
            for (c, (_, v)) in cols.into_iter().zip(&entries) {
                out.push(match c {
                    Some(c) => c,
                    None => Col::repeat(fname, v, n)?,
                });
            }
            let mut f = Frame {
                nrows: n,
                cols: out,
                names: Some(names),
                index: index.unwrap_or_else(|| Index::range(n)),
            };
            if let Some(want) = columns {
                let mut cols = Vec::with_capacity(want.len());
                for name in &want {
                    cols.push(match f.find(name) {
                        Some(j) => f.cols[j].clone(),
                        None => Col::nans(n),
                    });
                }
                f.cols = cols;
                f.names = Some(want);
            }
            Ok(f)
        }
        Value::List(_) | Value::Tuple(_) => {
            let items = list_values(fname, "data", data)?;
            budget::charge(thread, fname, budget::values_bytes(&items))?;
            let n = items.len();
            if items.iter().all(|v| matches!(v, Value::Dict(_))) && n > 0 {
                let mut order: Vec<String> = Vec::new();
                let mut rows: Vec<Vec<(String, Value)>> = Vec::with_capacity(n);
                for (i, it) in items.iter().enumerate() {
                    stop.every(i)?;
                    let Value::Dict(d) = it else { continue };
                    let row: Vec<(String, Value)> = d
                        .entries()
                        .iter()
                        .map(|(k, v)| (go_fmt(&k.value), v.clone()))
                        .collect();
                    for (k, _) in &row {
                        if !order.contains(k) {
                            order.push(k.clone());
                        }
                    }
                    rows.push(row);
                }
                let mut cols = Vec::with_capacity(order.len());
                for name in &order {
                    let vals: Vec<Value> = rows
                        .iter()
                        .map(|r| {
                            r.iter()
                                .find(|(k, _)| k == name)
                                .map(|(_, v)| v.clone())
                                .unwrap_or_else(nan)
                        })
                        .collect();
                    cols.push(Col::from_values(fname, &vals, None)?);
                }
                let f = Frame {
                    nrows: n,
                    cols,
                    names: Some(order),
                    index: Index::range(n),
                };
                return Ok(match columns {
                    Some(c) => reorder(f, c),
                    None => f,
                });
            }
            let is_rows = n > 0
                && items
                    .iter()
                    .all(|v| matches!(v, Value::List(_) | Value::Tuple(_)));
            let cols = if is_rows {
                let mut rows = Vec::with_capacity(n);
                for (i, it) in items.iter().enumerate() {
                    stop.every(i)?;
                    rows.push(list_values(fname, "data", it)?);
                }
                rows_to_cols(fname, &rows)?
            } else if n > 0 {
                vec![Col::from_values(fname, &items, None)?]
            } else {
                Vec::new()
            };
            if let Some(c) = &columns {
                if c.len() != cols.len() && !cols.is_empty() {
                    return Err(err(
                        fname,
                        format!(
                            "{} columns passed, passed data had {} columns",
                            c.len(),
                            cols.len()
                        ),
                    ));
                }
            }
            let cols = if cols.is_empty() {
                columns.iter().flatten().map(|_| Col::nans(0)).collect()
            } else {
                cols
            };
            Ok(Frame {
                nrows: n,
                cols,
                names: columns,
                index: Index::range(n),
            })
        }
        other => Err(err(
            fname,
            format!(
                "not implemented, constructing DataFrame using {}",
                other.type_name()
            ),
        )),
    }
}

fn reorder(f: Frame, want: Vec<String>) -> Frame {
    let cols = want
        .iter()
        .map(|n| match f.find(n) {
            Some(j) => f.cols[j].clone(),
            None => Col::nans(f.nrows),
        })
        .collect();
    Frame {
        cols,
        names: Some(want),
        ..f
    }
}

fn names_of(fname: &str, pname: &str, v: &Option<Value>) -> Result<Option<Vec<String>>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(vec![s.to_str_lossy().into_owned()])),
        Some(v) => match as_index(v) {
            Some(i) => Ok(Some(i.texts())),
            None => Ok(Some(
                list_values(fname, pname, v)?.iter().map(go_fmt).collect(),
            )),
        },
    }
}

/// `dataframe.DataFrame(data=None, index=None, columns=None, dtype=None)`.
pub fn new_frame(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "DataFrame";
    let [data, index, columns, dtype] = args.bind(F, &["data?", "index?", "columns?", "dtype?"])?;
    let columns = names_of(F, "columns", &columns)?;
    let mut f = frame_from_data(thread, F, &data.unwrap_or(Value::None), columns)?;
    if let Some(dt) = opt_str(F, "dtype", &dtype)? {
        f.cols = f
            .cols
            .iter()
            .map(|c| super::series::astype(c, &dt))
            .collect::<Result<_>>()?;
    }
    match &index {
        None | Some(Value::None) => {}
        Some(v) => {
            let idx = match as_index(v) {
                Some(i) => i.clone(),
                None => Index::from_values(F, &list_values(F, "index", v)?, "")?,
            };
            if idx.len() != f.nrows {
                return Err(err(
                    F,
                    format!(
                        "Length of values ({}) does not match length of index ({})",
                        f.nrows,
                        idx.len()
                    ),
                ));
            }
            f.index = idx;
        }
    }
    Ok(DataFrame::value(f))
}

impl DataFrame {
    /// What `self + other` (frames appended) builds, one value slot a cell;
    /// None when the operator is not that.
    fn append_cost(&self, op: BinaryOp, other: &Value, left: bool) -> Option<usize> {
        if op != BinaryOp::Add || !left {
            return None;
        }
        let o = as_frame(other)?;
        let (a, b) = (self.frame.borrow(), o.frame.borrow());
        let rows = a.nrows.saturating_add(b.nrows);
        Some(
            rows.saturating_mul(a.cols.len().max(b.cols.len()))
                .saturating_mul(16),
        )
    }

    /// `self + other`: the rows of both, indexed afresh.
    fn append(&self, other: &Value) -> Result<Option<Value>> {
        let Some(o) = as_frame(other) else {
            return Ok(None);
        };
        let a = self.frame.borrow().clone();
        let b = o.frame.borrow().clone();
        let mut f = append_frames("DataFrame +", &a, &b)?;
        f.index = Index::range(f.nrows);
        Ok(Some(DataFrame::value(f)))
    }
}

impl NativeValue for DataFrame {
    fn type_name(&self) -> &str {
        "dataframe.DataFrame"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&self.frame.borrow().stringify());
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        let f = self.frame.borrow();
        Ok(Some(match name {
            "columns" => Value::native(match &f.names {
                Some(n) => Index::from_strings(n),
                None => Index::range(f.cols.len()),
            }),
            "index" => Value::native(f.index.clone()),
            "shape" => Value::tuple(vec![
                Value::Int(f.nrows as i64),
                Value::Int(f.cols.len() as i64),
            ]),
            "size" => Value::Int((f.nrows * f.cols.len()) as i64),
            "at" => Value::native(AtIndexer {
                frame: this.clone(),
            }),
            _ => {
                if let Some(m) = crate::util::bound_method(FRAME_METHODS, this, name) {
                    return Ok(Some(m));
                }
                if let Some(j) = f.find(name) {
                    return Ok(Some(Value::native(f.series(j))));
                }
                return Ok(method_not_implemented(name));
            }
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        let mut v: Vec<String> = ["at", "columns", "index", "shape", "size"]
            .iter()
            .map(|s| s.to_string())
            .chain(FRAME_METHODS.iter().map(|(n, _)| n.to_string()))
            .collect();
        v.sort();
        v
    }
    fn freeze(&self) {
        self.frozen.set(true);
    }
    fn set_attr(&self, name: &str, value: Value) -> Result<()> {
        self.check_mutable("DataFrame.columns")?;
        let mut f = self.frame.borrow_mut();
        match name {
            "columns" => {
                let names =
                    names_of("DataFrame.columns", "columns", &Some(value))?.unwrap_or_default();
                if names.len() != f.cols.len() {
                    return Err(EvalError::new(format!(
                        "Length mismatch: Expected axis has {} elements, new values have {} elements",
                        f.cols.len(),
                        names.len()
                    )));
                }
                f.names = Some(names);
                Ok(())
            }
            _ => Err(EvalError::new(format!(
                "can't assign to .{name} field of dataframe.DataFrame"
            ))),
        }
    }
    fn len(&self) -> Option<usize> {
        Some(self.frame.borrow().nrows)
    }
    fn iterate(&self) -> Option<NativeIter> {
        let names = self.frame.borrow().name_texts();
        Some(Box::new(names.into_iter().map(Value::from)))
    }
    fn index(&self, key: &Value) -> Result<Value> {
        const F: &str = "DataFrame";
        let f = self.frame.borrow();
        match key {
            Value::Str(s) => {
                let name = s.to_str_lossy();
                let j = f.col_pos(F, &name)?;
                Ok(Value::native(f.series(j)))
            }
            Value::Int(i) if f.names.is_none() => {
                let j = usize::try_from(*i)
                    .ok()
                    .filter(|&j| j < f.cols.len())
                    .ok_or_else(|| err(F, format!("column {i} not found")))?;
                Ok(Value::native(f.series(j)))
            }
            Value::List(l)
                if !l.is_empty() && l.items().iter().all(|v| matches!(v, Value::Str(_))) =>
            {
                let names: Vec<String> = l.items().iter().map(go_fmt).collect();
                let mut cols = Vec::with_capacity(names.len());
                for n in &names {
                    cols.push(f.cols[f.col_pos(F, n)?].clone());
                }
                Ok(DataFrame::value(Frame {
                    nrows: f.nrows,
                    cols,
                    names: Some(names),
                    index: f.index.clone(),
                }))
            }
            Value::Bool(_) => Err(EvalError::new(
                "cannot call DataFrame.Get with bool. If you are trying `df[df[column] == val], instead use `df[df[column].equals(val)]`",
            )),
            other => {
                let mask = mask_of(F, other)?;
                if mask.len() != f.nrows {
                    return Err(EvalError::new(format!(
                        "Item wrong length {} instead of {}",
                        mask.len(),
                        f.nrows
                    )));
                }
                let idx: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
                Ok(DataFrame::value(f.take_rows(F, &idx, true)?))
            }
        }
    }
    fn set_index(&self, key: &Value, value: Value) -> Result<()> {
        let name = go_fmt(key);
        self.check_mutable("DataFrame setkey")?;
        self.frame
            .borrow_mut()
            .set_column("DataFrame setkey", &name, &value)
    }
    fn binary(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        // Without a thread (a host's comparison): charged at the next charge.
        let Some(cost) = self.append_cost(op, other, left) else {
            return Ok(None);
        };
        budget::owe(cost);
        self.append(other)
    }
    fn binary_in(
        &self,
        thread: &mut Thread,
        op: BinaryOp,
        other: &Value,
        left: bool,
    ) -> Result<Option<Value>> {
        let Some(cost) = self.append_cost(op, other, left) else {
            return Ok(None);
        };
        budget::charge(thread, "DataFrame +", cost)?;
        self.append(other)
    }
    fn deep_copy(&self, _copy: &mut dyn FnMut(&Value) -> Value) -> Option<Value> {
        Some(DataFrame::value(self.frame.borrow().clone()))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Rows of `a` then `b`; columns match by name when both have names,
/// else by position; missing cells are NaN.
pub fn append_frames(fname: &str, a: &Frame, b: &Frame) -> Result<Frame> {
    if a.cols.is_empty() && a.nrows == 0 {
        return Ok(b.clone());
    }
    let by_name = a.names.is_some() && b.names.is_some();
    let mut names = a.name_texts();
    let b_names = b.name_texts();
    let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    if by_name {
        for (j, n) in names.iter().enumerate() {
            pairs.push((Some(j), b_names.iter().position(|x| x == n)));
        }
        for (k, n) in b_names.iter().enumerate() {
            if !names.contains(n) {
                pairs.push((None, Some(k)));
            }
        }
        for (_, k) in pairs.iter().skip(names.len()) {
            if let Some(k) = k {
                names.push(b_names[*k].clone());
            }
        }
    } else {
        let w = a.cols.len().max(b.cols.len());
        for j in 0..w {
            pairs.push((
                (j < a.cols.len()).then_some(j),
                (j < b.cols.len()).then_some(j),
            ));
        }
        let own = a.name_texts();
        names = (0..w)
            .map(|j| own.get(j).cloned().unwrap_or_else(|| j.to_string()))
            .collect();
    }
    let mut cols = Vec::with_capacity(pairs.len());
    for (x, y) in pairs {
        let top = match x {
            Some(j) => a.cols[j].clone(),
            None => Col::nans(a.nrows),
        };
        let bottom = match y {
            Some(k) => b.cols[k].clone(),
            None => Col::nans(b.nrows),
        };
        let col = match (x, y) {
            (Some(_), None) => top.take(fname, &missing_after(a.nrows, b.nrows))?,
            (None, Some(_)) => bottom.take(fname, &missing_before(a.nrows, b.nrows))?,
            _ => top.concat(fname, &bottom)?,
        };
        cols.push(col);
    }
    Ok(Frame {
        nrows: a.nrows + b.nrows,
        cols,
        names: a.names.as_ref().map(|_| names),
        index: a.index.concat(fname, &b.index)?,
    })
}

fn missing_after(n: usize, m: usize) -> Vec<Option<usize>> {
    (0..n).map(Some).chain((0..m).map(|_| None)).collect()
}

fn missing_before(n: usize, m: usize) -> Vec<Option<usize>> {
    (0..n).map(|_| None).chain((0..m).map(Some)).collect()
}

fn recv(r: &Value) -> Result<Frame> {
    as_frame(r)
        .map(|d| d.frame.borrow().clone())
        .ok_or_else(|| EvalError::new("method called on a value that is not a DataFrame"))
}

/// The frame a method was called on, after charging the run for a result
/// as large as it (what most methods make at most).
fn recv_charged(thread: &mut Thread, fname: &str, r: &Value) -> Result<Frame> {
    let f = recv(r)?;
    budget::charge(thread, fname, f.bytes())?;
    Ok(f)
}

/// `df.append(other)`: rows (a list of lists) or a frame, appended.
pub(super) fn f_append(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "append";
    let [other] = args.bind(F, &["other"])?;
    let a = recv(r)?;
    let other = other.unwrap_or(Value::None);
    let b = frame_from_data(thread, F, &other, None)?;
    budget::charge(thread, F, (a.nrows + b.nrows) * a.cols.len().max(1) * 16)?;
    Ok(DataFrame::value(append_frames(F, &a, &b)?))
}

/// `df.head(n=5)`.
pub(super) fn f_head(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let [n] = args.bind("head", &["n?"])?;
    let n = match n {
        Some(Value::Int(n)) => n,
        None => 5,
        Some(v) => return Err(engine::args::type_error("head", "n", &v, "int")),
    };
    let f = recv_charged(thread, "head", r)?;
    let k = if n < 0 {
        f.nrows.saturating_sub(n.unsigned_abs() as usize)
    } else {
        (n as usize).min(f.nrows)
    };
    let idx: Vec<usize> = (0..k).collect();
    Ok(DataFrame::value(f.take_rows("head", &idx, true)?))
}

/// `df.reset_index()`: the labels become a first column `index`.
pub(super) fn f_reset_index(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("reset_index")?;
    let mut f = recv_charged(thread, "reset_index", r)?;
    let col = match &f.index.labels {
        Some(c) => c.clone(),
        None => Col::Int((0..f.nrows as i64).collect()),
    };
    let name = if f.index.name.is_empty() {
        "index".to_string()
    } else {
        f.index.name.clone()
    };
    let mut names = f.name_texts();
    names.insert(0, name);
    f.cols.insert(0, col);
    f.names = Some(names);
    f.index = Index::range(f.nrows);
    Ok(DataFrame::value(f))
}

/// `df.drop(labels=None, axis=0, index=None, columns=None)`.
pub(super) fn f_drop(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "drop";
    let [labels, axis, index, columns] =
        args.bind(F, &["labels?", "axis?", "index?", "columns?"])?;
    let mut f = recv_charged(thread, F, r)?;
    let by_cols = matches!(&axis, Some(Value::Int(1)))
        || matches!(&axis, Some(Value::Str(s)) if s.as_bytes() == b"columns");
    let mut drop_cols = names_of(F, "columns", &columns)?.unwrap_or_default();
    let mut drop_rows: Vec<String> = match &index {
        None | Some(Value::None) => Vec::new(),
        Some(v) => list_or_one(F, v)?.iter().map(go_fmt).collect(),
    };
    if let Some(l) = &labels {
        if !matches!(l, Value::None) {
            let items: Vec<String> = list_or_one(F, l)?.iter().map(go_fmt).collect();
            if by_cols {
                drop_cols.extend(items);
            } else {
                drop_rows.extend(items);
            }
        }
    }
    for c in &drop_cols {
        let j = f.col_pos(F, c)?;
        f.cols.remove(j);
        let mut names = f.name_texts();
        names.remove(j);
        f.names = Some(names);
    }
    if !drop_rows.is_empty() {
        for d in &drop_rows {
            if f.index.find(d).is_none() {
                return Err(err(F, format!("{d} not found in axis")));
            }
        }
        let idx: Vec<usize> = (0..f.nrows)
            .filter(|&i| !drop_rows.contains(&f.index.text(i)))
            .collect();
        f = f.take_rows(F, &idx, !f.index.is_range())?;
    }
    Ok(DataFrame::value(f))
}

fn list_or_one(fname: &str, v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::List(_) | Value::Tuple(_) => list_values(fname, "labels", v),
        other => Ok(vec![other.clone()]),
    }
}

/// `df.drop_duplicates(subset=None)`: first occurrences, renumbered.
pub(super) fn f_drop_duplicates(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "drop_duplicates";
    let [subset] = args.bind(F, &["subset?"])?;
    let f = recv_charged(thread, F, r)?;
    let cols: Vec<usize> = match names_of(F, "subset", &subset)? {
        Some(names) => names
            .iter()
            .map(|n| f.col_pos(F, n))
            .collect::<Result<_>>()?,
        None => (0..f.cols.len()).collect(),
    };
    let stop = budget::Interrupt::of(thread);
    let mut seen = std::collections::HashSet::new();
    let mut keep = Vec::new();
    for i in 0..f.nrows {
        stop.every(i)?;
        let key: Vec<_> = cols.iter().map(|&j| f.cols[j].key_at(i)).collect();
        if seen.insert(key) {
            keep.push(i);
        }
    }
    Ok(DataFrame::value(f.take_rows(F, &keep, false)?))
}

/// `df.sort_values(by, ascending=True)`: a stable sort keeping labels.
pub(super) fn f_sort_values(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "sort_values";
    let [by, ascending] = args.bind(F, &["by", "ascending?"])?;
    let f = recv_charged(thread, F, r)?;
    let asc = ascending.map(|v| v.truth()).unwrap_or(true);
    let cols: Vec<usize> = names_of(F, "by", &by)?
        .unwrap_or_default()
        .iter()
        .map(|n| f.col_pos(F, n))
        .collect::<Result<_>>()?;
    budget::Interrupt::of(thread).check()?;
    let keys: Vec<Vec<_>> = (0..f.nrows)
        .map(|i| cols.iter().map(|&j| f.cols[j].key_at(i)).collect())
        .collect();
    let mut idx: Vec<usize> = (0..f.nrows).collect();
    // Missing cells sort last either way, as in pandas.
    idx.sort_by(|&x, &y| {
        keys[x]
            .iter()
            .zip(&keys[y])
            .map(|(a, b)| match (a.is_missing(), b.is_missing()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ if asc => a.cmp_values(b),
                _ => a.cmp_values(b).reverse(),
            })
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(DataFrame::value(f.take_rows(F, &idx, true)?))
}

/// `df.assign(**columns)`: a copy with columns set.
pub(super) fn f_assign(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let mut f = recv_charged(thread, "assign", r)?;
    if !args.positional.is_empty() {
        return Err(err("assign", "takes only keyword arguments"));
    }
    for (k, v) in &args.named {
        f.set_column("assign", k, v)?;
    }
    Ok(DataFrame::value(f))
}

/// `df.apply(f, axis=1)`: calls `f` with each row (a series labelled by
/// column names); the results make a series.
pub(super) fn f_apply(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "apply";
    let [func, axis] = args.bind(F, &["func", "axis?"])?;
    let func = func.unwrap_or(Value::None);
    let by_rows = matches!(&axis, Some(Value::Int(1)))
        || matches!(&axis, Some(Value::Str(s)) if s.as_bytes() == b"columns");
    if !by_rows {
        return Err(err(F, "only axis=1 (each row) is implemented"));
    }
    let f = recv(r)?;
    let stop = budget::Interrupt::of(thread);
    let mut out = Vec::with_capacity(f.nrows);
    for i in 0..f.nrows {
        stop.every(i)?;
        let row = f.row_series(i);
        out.push(thread.call(&func, &Args::positional(vec![Value::native(row)]))?);
    }
    let col = Col::from_values(F, &out, None)?;
    Ok(Value::native(Series {
        col,
        index: f.index.clone(),
        name: String::new(),
    }))
}

/// `df.shift(periods=1, axis=0)`.
pub(super) fn f_shift(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "shift";
    let [periods, axis] = args.bind(F, &["periods?", "axis?"])?;
    let n = match periods {
        Some(Value::Int(n)) => n,
        None => 1,
        Some(v) => return Err(engine::args::type_error(F, "periods", &v, "int")),
    };
    let by_cols = matches!(&axis, Some(Value::Int(1)))
        || matches!(&axis, Some(Value::Str(s)) if s.as_bytes() == b"columns");
    let mut f = recv_charged(thread, F, r)?;
    if by_cols {
        let old = f.cols.clone();
        let w = old.len() as i64;
        f.cols = (0..w)
            .map(|j| match j.checked_sub(n).filter(|&k| k >= 0 && k < w) {
                Some(k) => old[k as usize].clone(),
                None => Col::nans(f.nrows),
            })
            .collect();
    } else {
        let idx = shifted(f.nrows, n);
        f.cols = f
            .cols
            .iter()
            .map(|c| c.take(F, &idx))
            .collect::<Result<_>>()?;
    }
    Ok(DataFrame::value(f))
}

/// `df.astype(dtype)`: every column converted to `dtype`, or, with a
/// dict `{column: dtype}`, the named columns.
pub(super) fn f_astype(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "astype";
    let [dtype] = args.bind(F, &["dtype"])?;
    let mut f = recv_charged(thread, F, r)?;
    match dtype {
        Some(Value::Dict(d)) => {
            let entries: Vec<(String, Value)> = d
                .entries()
                .iter()
                .map(|(k, v)| (go_fmt(&k.value), v.clone()))
                .collect();
            for (name, dt) in entries {
                let j = f.col_pos(F, &name)?;
                let dt = opt_str(F, "dtype", &Some(dt))?.unwrap_or_default();
                f.cols[j] = super::series::astype(&f.cols[j], &dt)?;
            }
        }
        other => {
            let dt = opt_str(F, "dtype", &other)?.unwrap_or_default();
            f.cols = f
                .cols
                .iter()
                .map(|c| super::series::astype(c, &dt))
                .collect::<Result<_>>()?;
        }
    }
    Ok(DataFrame::value(f))
}

/// `df.notnull()`: a frame of bools, true where a cell is present.
pub(super) fn f_notnull(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("notnull")?;
    let mut f = recv_charged(thread, "notnull", r)?;
    f.cols = f
        .cols
        .iter()
        .map(|c| Col::Bool((0..c.len()).map(|i| Some(!c.is_missing(i))).collect()))
        .collect();
    Ok(DataFrame::value(f))
}

/// `df.groupby(by)`.
pub(super) fn f_groupby(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "groupby";
    let [by] = args.bind(F, &["by"])?;
    let f = recv(r)?;
    let by = names_of(F, "by", &by)?.unwrap_or_default();
    for b in &by {
        f.col_pos(F, b)?;
    }
    if by.is_empty() {
        return Err(err(F, "want at least one column to group by"));
    }
    Ok(Value::native(GroupBy { frame: f, by }))
}

/// `df.merge(right, left_on=, right_on=, on=, how='inner', suffixes=('_x', '_y'))`.
pub(super) fn f_merge(thread: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "merge";
    let [right, left_on, right_on, on, how, suffixes] = args.bind(
        F,
        &["right", "left_on?", "right_on?", "on?", "how?", "suffixes?"],
    )?;
    let a = recv(r)?;
    let right = right.unwrap_or(Value::None);
    let b = as_frame(&right)
        .map(|d| d.frame.borrow().clone())
        .ok_or_else(|| engine::args::type_error(F, "right", &right, "DataFrame"))?;
    let on = opt_str(F, "on", &on)?;
    let lk = opt_str(F, "left_on", &left_on)?
        .or(on.clone())
        .ok_or_else(|| err(F, "want left_on (or on)"))?;
    let rk = opt_str(F, "right_on", &right_on)?
        .or(on)
        .ok_or_else(|| err(F, "want right_on (or on)"))?;
    let how = opt_str(F, "how", &how)?.unwrap_or_else(|| "inner".into());
    let (sx, sy) = match &suffixes {
        None | Some(Value::None) => ("_x".to_string(), "_y".to_string()),
        Some(v) => {
            let s = list_values(F, "suffixes", v)?;
            if s.len() != 2 {
                return Err(err(F, "suffixes: want two strings"));
            }
            (go_fmt(&s[0]), go_fmt(&s[1]))
        }
    };
    let lj = a.col_pos(F, &lk)?;
    let rj = b.col_pos(F, &rk)?;
    let stop = budget::Interrupt::of(thread);
    let mut rmap: std::collections::HashMap<_, Vec<usize>> = std::collections::HashMap::new();
    for i in 0..b.nrows {
        stop.every(i)?;
        rmap.entry(b.cols[rj].key_at(i)).or_default().push(i);
    }
    let mut total = 0usize;
    for i in 0..a.nrows {
        stop.every(i)?;
        let m = rmap.get(&a.cols[lj].key_at(i)).map_or(0, Vec::len);
        total = total.saturating_add(if how == "left" { m.max(1) } else { m });
    }
    budget::charge(
        thread,
        F,
        total
            .saturating_mul(a.cols.len() + b.cols.len() + 1)
            .saturating_mul(16),
    )?;
    let mut pairs: Vec<(usize, Option<usize>)> = Vec::with_capacity(total);
    match how.as_str() {
        "inner" => {
            let mut order: Vec<_> = Vec::new();
            let mut groups: std::collections::HashMap<_, Vec<usize>> =
                std::collections::HashMap::new();
            for i in 0..a.nrows {
                let k = a.cols[lj].key_at(i);
                if !groups.contains_key(&k) {
                    order.push(k.clone());
                }
                groups.entry(k).or_default().push(i);
            }
            for k in order {
                let Some(rs) = rmap.get(&k) else { continue };
                for &i in &groups[&k] {
                    for &j in rs {
                        pairs.push((i, Some(j)));
                    }
                }
            }
        }
        "left" => {
            for i in 0..a.nrows {
                match rmap.get(&a.cols[lj].key_at(i)) {
                    Some(rs) => pairs.extend(rs.iter().map(|&j| (i, Some(j)))),
                    None => pairs.push((i, None)),
                }
            }
        }
        other => return Err(err(F, format!("not implemented: `how` is {other:?}"))),
    }
    let li: Vec<usize> = pairs.iter().map(|p| p.0).collect();
    let ri: Vec<Option<usize>> = pairs.iter().map(|p| p.1).collect();
    let an = a.name_texts();
    let bn = b.name_texts();
    let shared_key = lk == rk;
    let mut names = Vec::new();
    let mut cols = Vec::new();
    for (j, n) in an.iter().enumerate() {
        let clash = bn.contains(n) && !(shared_key && j == lj);
        names.push(if clash { format!("{n}{sx}") } else { n.clone() });
        cols.push(a.cols[j].take_all(F, &li)?);
    }
    for (j, n) in bn.iter().enumerate() {
        if shared_key && j == rj {
            continue;
        }
        let clash = an.contains(n);
        names.push(if clash { format!("{n}{sy}") } else { n.clone() });
        cols.push(b.cols[j].take(F, &ri)?);
    }
    Ok(DataFrame::value(Frame {
        nrows: pairs.len(),
        cols,
        names: Some(names),
        index: Index::range(pairs.len()),
    }))
}

/// `df.at[row, column]`: one cell, by labels, readable and assignable.
#[derive(Debug)]
pub struct AtIndexer {
    /// The frame.
    pub frame: Value,
}

impl AtIndexer {
    fn locate(&self, key: &Value) -> Result<(usize, usize)> {
        const F: &str = "at";
        let parts = list_values(F, "key", key)?;
        if parts.len() != 2 {
            return Err(err(F, "want df.at[row, column]"));
        }
        let d = as_frame(&self.frame).ok_or_else(|| err(F, "not a DataFrame"))?;
        let f = d.frame.borrow();
        let row = f
            .index
            .find(&go_fmt(&parts[0]))
            .ok_or_else(|| err(F, format!("row {} not found", go_fmt(&parts[0]))))?;
        let col = f.col_pos(F, &go_fmt(&parts[1]))?;
        Ok((row, col))
    }
}

impl NativeValue for AtIndexer {
    fn type_name(&self) -> &str {
        "dataframe.AtIndexer"
    }
    fn repr(&self, out: &mut String) {
        out.push_str("AtIndexer()");
    }
    fn index(&self, key: &Value) -> Result<Value> {
        let (i, j) = self.locate(key)?;
        let d = as_frame(&self.frame).ok_or_else(|| err("at", "not a DataFrame"))?;
        let v = d.frame.borrow().cols[j].value_at(i);
        Ok(v)
    }
    fn set_index(&self, key: &Value, value: Value) -> Result<()> {
        let (i, j) = self.locate(key)?;
        let d = as_frame(&self.frame).ok_or_else(|| err("at", "not a DataFrame"))?;
        d.check_mutable("at")?;
        let mut f = d.frame.borrow_mut();
        let mut vals = f.cols[j].values();
        vals[i] = value;
        f.cols[j] = Col::from_values("at", &vals, None)?;
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
