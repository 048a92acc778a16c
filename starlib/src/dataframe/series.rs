//! `dataframe.Series`: one labelled column. Construction from a list, a
//! dict or a scalar; element access by label or position; boolean
//! selection; comparisons giving boolean series; `+`/`-` (columnar, with
//! Arrow kernels for numbers); `astype`, `shift`, `notnull`, `unique`,
//! `to_frame`, `reset_index` and the `.str` accessor.

use super::column::{go_fmt, Col};
use super::frame::{DataFrame, Frame};
use super::index::Index;
use super::strings::StrAccessor;
use super::{as_index, as_series, list_values, method_not_implemented, opt_str, SERIES_METHODS};
use crate::util::err;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, BooleanArray, DurationNanosecondArray, Float64Array, Int64Array};
use engine::error::{EvalError, Result};
use engine::syntax::ast::{BinaryOp, UnaryOp};
use engine::values::{NativeIter, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::rc::Rc;

/// A labelled column.
#[derive(Clone, Debug)]
pub struct Series {
    /// The cells.
    pub col: Col,
    /// Row labels.
    pub index: Index,
    /// The series' name (empty for none).
    pub name: String,
}

impl Series {
    /// A series with a range index.
    pub fn new(col: Col, name: &str) -> Series {
        Series {
            index: Index::range(col.len()),
            col,
            name: name.to_string(),
        }
    }

    /// Whether the series has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.col.len()
    }

    /// Booleans of a bool series (missing is false).
    pub fn bools(&self) -> Option<Vec<bool>> {
        match &self.col {
            Col::Bool(a) => Some((0..a.len()).map(|i| a.is_valid(i) && a.value(i)).collect()),
            Col::Obj(v) if v.iter().all(|x| matches!(x, Value::Bool(_))) => {
                Some(v.iter().map(|x| x.truth()).collect())
            }
            _ => None,
        }
    }

    /// The cells where `mask` is true, keeping their labels.
    pub fn select(&self, fname: &str, mask: &[bool]) -> Result<Series> {
        if mask.len() != self.len() {
            return Err(EvalError::new(format!(
                "Item wrong length {} instead of {}",
                mask.len(),
                self.len()
            )));
        }
        let idx: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
        Ok(Series {
            col: self.col.filter(fname, mask)?,
            index: self.index.take(fname, &idx)?,
            name: self.name.clone(),
        })
    }

    /// Qri's printed form.
    pub fn stringify(&self) -> String {
        super::stringify::series_text(self)
    }

    fn with_col(&self, col: Col) -> Series {
        Series {
            col,
            index: self.index.clone(),
            name: self.name.clone(),
        }
    }

    /// `op` applied by an Arrow kernel, for typed columns against a scalar
    /// of their kind; `None` when no kernel fits.
    fn kernel_mask(&self, fname: &str, op: &str, other: &Value) -> Option<Result<Vec<bool>>> {
        use arrow_array::{Datum, Float64Array, StringArray};
        let (arr, scalar): (Box<dyn Datum>, Box<dyn Datum>) = match (&self.col, other) {
            (Col::Int(a), Value::Int(x)) => {
                (Box::new(a.clone()), Box::new(Int64Array::new_scalar(*x)))
            }
            (c, Value::Int(_) | Value::Float(_)) if c.is_numeric() => {
                let x = match other {
                    Value::Int(i) => *i as f64,
                    Value::Float(f) => *f,
                    _ => return None,
                };
                (Box::new(c.floats()), Box::new(Float64Array::new_scalar(x)))
            }
            (Col::Str { array, .. }, Value::Str(s)) => (
                Box::new(array.clone()),
                Box::new(StringArray::new_scalar(s.to_str_lossy())),
            ),
            _ => return None,
        };
        let (l, r) = (arr.as_ref(), scalar.as_ref());
        let res = match op {
            "==" => arrow_ord::cmp::eq(l, r),
            "!=" => arrow_ord::cmp::neq(l, r),
            "<" => arrow_ord::cmp::lt(l, r),
            "<=" => arrow_ord::cmp::lt_eq(l, r),
            ">" => arrow_ord::cmp::gt(l, r),
            ">=" => arrow_ord::cmp::gt_eq(l, r),
            _ => return Some(Err(err(fname, format!("unknown comparison {op:?}")))),
        };
        Some(res.map_err(|e| err(fname, e)).map(|m| {
            // Missing cells (nulls, NaN) compare false, except with !=.
            (0..m.len())
                .map(|i| {
                    if m.is_null(i) || self.col.is_missing(i) {
                        op == "!="
                    } else {
                        m.value(i)
                    }
                })
                .collect()
        }))
    }

    fn cmp_mask(&self, fname: &str, op: &str, other: &Value) -> Result<Series> {
        use std::cmp::Ordering::*;
        if let Some(mask) = self.kernel_mask(fname, op, other) {
            return Ok(self.with_col(Col::Bool(BooleanArray::from(mask?))));
        }
        let n = self.len();
        let mut out = Vec::with_capacity(n);
        let cmp_text = |i: usize| -> Option<std::cmp::Ordering> {
            match other {
                Value::Str(s) => {
                    if self.col.is_missing(i) {
                        None
                    } else {
                        Some(self.col.str_at(i).as_str().cmp(&*s.to_str_lossy()))
                    }
                }
                _ => None,
            }
        };
        let floats = if self.col.is_numeric() {
            Some(self.col.floats())
        } else {
            None
        };
        for i in 0..n {
            let o = match (&floats, other) {
                (Some(f), Value::Int(x)) => f.value(i).partial_cmp(&(*x as f64)),
                (Some(f), Value::Float(x)) => f.value(i).partial_cmp(x),
                _ => cmp_text(i),
            };
            out.push(match (op, o) {
                (_, None) => op == "!=",
                ("==", Some(o)) => o == Equal,
                ("!=", Some(o)) => o != Equal,
                ("<", Some(o)) => o == Less,
                ("<=", Some(o)) => o != Greater,
                (">", Some(o)) => o == Greater,
                (">=", Some(o)) => o != Less,
                _ => return Err(err(fname, format!("unknown comparison {op:?}"))),
            });
        }
        Ok(self.with_col(Col::Bool(BooleanArray::from(out))))
    }

    fn arith(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        let sym = match op {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            _ => return Ok(None),
        };
        let fname = format!("Series {sym}");
        let n = self.len();
        // The other side as a column of the same length (or a scalar).
        let rhs: Col = match other {
            Value::Native(_) => match as_series(other) {
                Some(s) => {
                    if s.len() != n {
                        return Err(err(
                            &fname,
                            format!("series have different lengths: {} and {}", n, s.len()),
                        ));
                    }
                    s.col.clone()
                }
                None => return Ok(None),
            },
            Value::Int(_) | Value::Float(_) | Value::Str(_) => Col::repeat(&fname, other, n)?,
            _ => return Ok(None),
        };
        let (a, b) = if left {
            (&self.col, &rhs)
        } else {
            (&rhs, &self.col)
        };
        let col = match (a, b) {
            (Col::Int(x), Col::Int(y)) if op != BinaryOp::Div => {
                let k = match op {
                    BinaryOp::Add => arrow_arith::numeric::add_wrapping,
                    BinaryOp::Sub => arrow_arith::numeric::sub_wrapping,
                    _ => arrow_arith::numeric::mul_wrapping,
                };
                let r = k(x, y).map_err(|e| err(&fname, e))?;
                Col::Int(r.as_primitive::<arrow_array::types::Int64Type>().clone())
            }
            (x, y) if x.is_numeric() && y.is_numeric() => {
                let (fx, fy) = (x.floats(), y.floats());
                let k = match op {
                    BinaryOp::Add => arrow_arith::numeric::add,
                    BinaryOp::Sub => arrow_arith::numeric::sub,
                    BinaryOp::Mul => arrow_arith::numeric::mul,
                    _ => arrow_arith::numeric::div,
                };
                let r = k(&fx, &fy).map_err(|e| err(&fname, e))?;
                Col::Float(r.as_primitive::<Float64Type>().clone())
            }
            (Col::Time(x), Col::Time(y)) if op == BinaryOp::Sub => {
                let d: DurationNanosecondArray = x
                    .iter()
                    .zip(y.iter())
                    .map(|(p, q)| match (p, q) {
                        (Some(p), Some(q)) => Some(p.wrapping_sub(q)),
                        _ => None,
                    })
                    .collect();
                Col::Delta(d)
            }
            (x, y)
                if op == BinaryOp::Add
                    && matches!(x, Col::Str { .. } | Col::Obj(_))
                    && matches!(y, Col::Str { .. } | Col::Obj(_)) =>
            {
                let vals: Vec<Option<String>> = (0..n)
                    .map(|i| {
                        if x.is_missing(i) || y.is_missing(i) {
                            None
                        } else {
                            Some(format!("{}{}", x.str_at(i), y.str_at(i)))
                        }
                    })
                    .collect();
                Col::Str {
                    array: vals.into_iter().collect(),
                    string_dtype: false,
                    none: false,
                }
            }
            _ => {
                return Err(err(
                    &fname,
                    format!(
                        "can not {} Series of {} with {}",
                        if op == BinaryOp::Add {
                            "add"
                        } else {
                            "subtract"
                        },
                        a.dtype(),
                        b.dtype()
                    ),
                ))
            }
        };
        Ok(Some(Value::native(self.with_col(col))))
    }

    /// What an element-wise operator on this Series may build: one value
    /// slot a row.
    fn op_cost(&self) -> usize {
        self.len().saturating_mul(16)
    }

    /// `x op y` element-wise (comparisons give masks), uncharged.
    fn binary_op(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        let cmp = match (op, left) {
            (BinaryOp::Lt, true) | (BinaryOp::Gt, false) => Some("<"),
            (BinaryOp::Le, true) | (BinaryOp::Ge, false) => Some("<="),
            (BinaryOp::Gt, true) | (BinaryOp::Lt, false) => Some(">"),
            (BinaryOp::Ge, true) | (BinaryOp::Le, false) => Some(">="),
            _ => None,
        };
        if let Some(c) = cmp {
            return Ok(Some(Value::native(self.cmp_mask("Series", c, other)?)));
        }
        if matches!(op, BinaryOp::BitAnd | BinaryOp::BitOr) {
            let (Some(a), Some(b)) = (self.bools(), as_series(other).and_then(|s| s.bools()))
            else {
                return Ok(None);
            };
            if a.len() != b.len() {
                return Err(EvalError::new("Series &/|: masks have different lengths"));
            }
            let r: Vec<bool> = a
                .iter()
                .zip(&b)
                .map(|(x, y)| {
                    if op == BinaryOp::BitAnd {
                        *x && *y
                    } else {
                        *x || *y
                    }
                })
                .collect();
            return Ok(Some(Value::native(self.with_col(Col::Bool(r.into())))));
        }
        self.arith(op, other, left)
    }
}

impl NativeValue for Series {
    fn type_name(&self) -> &str {
        "dataframe.Series"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&self.stringify());
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(Some(match name {
            "dtype" => Value::str(self.col.dtype()),
            "index" => Value::native(self.index.clone()),
            "name" => Value::str(&self.name),
            "size" => Value::Int(self.len() as i64),
            "str" => Value::native(StrAccessor {
                subject: this.clone(),
            }),
            _ => {
                if let Some(m) = crate::util::bound_method(SERIES_METHODS, this, name) {
                    return Ok(Some(m));
                }
                return Ok(method_not_implemented(name));
            }
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        let mut v: Vec<String> = ["dtype", "index", "name", "size", "str"]
            .iter()
            .map(|s| s.to_string())
            .chain(SERIES_METHODS.iter().map(|(n, _)| n.to_string()))
            .collect();
        v.sort();
        v
    }
    fn len(&self) -> Option<usize> {
        Some(self.len())
    }
    fn iterate(&self) -> Option<NativeIter> {
        let c = self.col.clone();
        Some(Box::new((0..c.len()).map(move |i| c.value_at(i))))
    }
    fn index(&self, key: &Value) -> Result<Value> {
        match key {
            Value::Str(s) => {
                let k = s.to_str_lossy();
                match self.index.find(&k) {
                    Some(i) => Ok(self.col.value_at(i)),
                    None => Err(EvalError::new(format!("Series.Get: not found: {k:?}"))),
                }
            }
            Value::Int(i) => {
                let n = self.len() as i64;
                let j = if *i < 0 { *i + n } else { *i };
                if j < 0 || j >= n {
                    return Err(EvalError::new(format!(
                        "Series index {i} out of range: series has {n} values"
                    )));
                }
                Ok(self.col.value_at(j as usize))
            }
            other => {
                let mask = super::mask_of("Series", other)?;
                Ok(Value::native(self.select("Series", &mask)?))
            }
        }
    }
    fn binary(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        // Without a thread (a host's comparison): charged at the next charge.
        let r = self.binary_op(op, other, left)?;
        if r.is_some() {
            crate::budget::owe(self.op_cost());
        }
        Ok(r)
    }
    fn binary_in(
        &self,
        thread: &mut Thread,
        op: BinaryOp,
        other: &Value,
        left: bool,
    ) -> Result<Option<Value>> {
        crate::budget::charge(thread, &format!("Series {}", op.symbol()), self.op_cost())?;
        self.binary_op(op, other, left)
    }
    fn unary_in(&self, thread: &mut Thread, op: UnaryOp) -> Result<Option<Value>> {
        crate::budget::charge(thread, "Series unary operator", self.op_cost())?;
        self.unary(op)
    }
    fn unary(&self, op: UnaryOp) -> Result<Option<Value>> {
        match op {
            UnaryOp::Tilde => {
                let r: Vec<bool> = (0..self.len())
                    .map(|i| matches!(self.col.value_at(i), Value::Bool(false)))
                    .collect();
                Ok(Some(Value::native(self.with_col(Col::Bool(r.into())))))
            }
            UnaryOp::Minus if self.col.is_numeric() => {
                Ok(Some(Value::native(self.with_col(match &self.col {
                    Col::Int(a) => {
                        Col::Int(a.iter().map(|v| v.map(|x| x.wrapping_neg())).collect())
                    }
                    c => Col::Float(c.floats().iter().map(|v| v.map(|x| -x)).collect()),
                }))))
            }
            _ => Ok(None),
        }
    }
    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(as_series(other).is_some_and(|o| {
            o.len() == self.len()
                && o.name == self.name
                && o.col.dtype() == self.col.dtype()
                && (0..self.len()).all(|i| o.col.str_at(i) == self.col.str_at(i))
        }))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn recv(recv: &Value) -> Result<&Series> {
    as_series(recv).ok_or_else(|| EvalError::new("method called on a value that is not a Series"))
}

/// `s.equals(x)`: a bool series, true where the cell equals `x`.
pub(super) fn s_equals(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let [x] = args.bind("equals", &["other"])?;
    let s = recv(r)?;
    Ok(Value::native(s.cmp_mask(
        "equals",
        "==",
        &x.unwrap_or(Value::None),
    )?))
}

/// `s.notequals(x)`.
pub(super) fn s_notequals(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let [x] = args.bind("notequals", &["other"])?;
    let s = recv(r)?;
    Ok(Value::native(s.cmp_mask(
        "notequals",
        "!=",
        &x.unwrap_or(Value::None),
    )?))
}

/// `s.cmp(op, x)`: op is one of `< <= > >= == !=`.
pub(super) fn s_cmp(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let [op, x] = args.bind("cmp", &["op", "other"])?;
    let op = opt_str("cmp", "op", &op)?.unwrap_or_default();
    let s = recv(r)?;
    Ok(Value::native(s.cmp_mask(
        "cmp",
        &op,
        &x.unwrap_or(Value::None),
    )?))
}

/// `s.get(key)`: by label (a string) or position.
pub(super) fn s_get(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let [k] = args.bind("get", &["key"])?;
    recv(r)?.index(&k.unwrap_or(Value::None))
}

/// `s.notnull()`.
pub(super) fn s_notnull(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("notnull")?;
    let s = recv(r)?;
    let v: Vec<bool> = (0..s.len()).map(|i| !s.col.is_missing(i)).collect();
    Ok(Value::native(Series {
        col: Col::Bool(v.into()),
        index: s.index.clone(),
        name: s.name.clone(),
    }))
}

/// `s.unique()`: the distinct values in order of appearance, as a list.
pub(super) fn s_unique(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("unique")?;
    let s = recv(r)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for i in 0..s.len() {
        if seen.insert(s.col.key_at(i)) {
            out.push(s.col.value_at(i));
        }
    }
    Ok(Value::list(out))
}

/// `s.to_frame()`.
pub(super) fn s_to_frame(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("to_frame")?;
    let s = recv(r)?;
    let names = if s.name.is_empty() {
        None
    } else {
        Some(vec![s.name.clone()])
    };
    Ok(DataFrame::value(Frame {
        nrows: s.len(),
        cols: vec![s.col.clone()],
        names,
        index: s.index.clone(),
    }))
}

/// `s.reset_index()`: a frame of the index (named by the index's name, or
/// `index`) and the values (named by the series' name, or `0`).
pub(super) fn s_reset_index(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    args.none("reset_index")?;
    let s = recv(r)?;
    let idx_col = match &s.index.labels {
        Some(c) => c.clone(),
        None => Col::Int(Int64Array::from_iter_values(0..s.len() as i64)),
    };
    let iname = if s.index.name.is_empty() {
        "index".to_string()
    } else {
        s.index.name.clone()
    };
    let vname = if s.name.is_empty() {
        "0".to_string()
    } else {
        s.name.clone()
    };
    Ok(DataFrame::value(Frame {
        nrows: s.len(),
        cols: vec![idx_col, s.col.clone()],
        names: Some(vec![iname, vname]),
        index: Index::range(s.len()),
    }))
}

/// `s.shift(n=1)`: cells moved down by `n` (up if negative), NaN filling.
pub(super) fn s_shift(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    let [n] = args.bind("shift", &["periods?"])?;
    let n = match n {
        Some(Value::Int(n)) => n,
        None => 1,
        Some(v) => return Err(engine::args::type_error("shift", "periods", &v, "int")),
    };
    let s = recv(r)?;
    let idx = shifted(s.len(), n);
    Ok(Value::native(Series {
        col: s.col.take("shift", &idx)?,
        index: s.index.clone(),
        name: String::new(),
    }))
}

/// Positions for shifting `len` cells by `n`.
pub(super) fn shifted(len: usize, n: i64) -> Vec<Option<usize>> {
    (0..len as i64)
        .map(|i| {
            i.checked_sub(n)
                .filter(|&j| j >= 0 && j < len as i64)
                .map(|j| j as usize)
        })
        .collect()
}

/// `s.astype(dtype)`.
pub(super) fn s_astype(_t: &mut Thread, r: &Value, args: &Args) -> Result<Value> {
    const F: &str = "astype";
    let [dt] = args.bind(F, &["dtype"])?;
    let dt = opt_str(F, "dtype", &dt)?.unwrap_or_default();
    let s = recv(r)?;
    let col = astype(&s.col, &dt)?;
    Ok(Value::native(s.with_col(col)))
}

/// A column converted to `dtype`.
pub(super) fn astype(c: &Col, dt: &str) -> Result<Col> {
    const F: &str = "astype";
    let not_impl = || {
        err(
            F,
            format!("conversion type not implemented: {} to {dt}", c.dtype()),
        )
    };
    Ok(match (c, dt) {
        (Col::Time(a), "int64" | "int") => Col::Int(a.iter().collect()),
        (Col::Delta(a), "int64" | "int") => Col::Int(a.iter().collect()),
        (Col::Float(a), "int64" | "int") => {
            if a.iter().any(|v| v.is_none_or(|f| !f.is_finite())) {
                return Err(err(
                    F,
                    "Cannot convert non-finite values (NA or inf) to integer",
                ));
            }
            Col::Int(a.iter().map(|v| v.map(|f| f as i64)).collect())
        }
        (Col::Float(a), "Int64") => Col::Int(
            a.iter()
                .map(|v| v.filter(|f| f.is_finite()).map(|f| f as i64))
                .collect(),
        ),
        (Col::Int(a), "Int64") => Col::Int(a.clone()),
        (Col::Int(a), "float64" | "float") => Col::Float(
            a.iter()
                .map(|v| Some(v.map(|x| x as f64).unwrap_or(f64::NAN)))
                .collect(),
        ),
        (Col::Int(a), "datetime64[ns]") => Col::Time(a.iter().collect()),
        (Col::Time(_), "datetime64[ns]") => c.clone(),
        (Col::Delta(a), unit) if unit.starts_with("timedelta64[") => {
            let per: f64 = match unit {
                "timedelta64[D]" => 86_400e9,
                "timedelta64[M]" => 2_629_746e9,
                "timedelta64[Y]" => 31_556_952e9,
                "timedelta64[h]" => 3_600e9,
                "timedelta64[m]" => 60e9,
                "timedelta64[s]" => 1e9,
                "timedelta64[ns]" => return Ok(c.clone()),
                _ => return Err(not_impl()),
            };
            let f: Float64Array = a
                .iter()
                .map(|v| Some(v.map(|x| (x as f64 / per).floor()).unwrap_or(f64::NAN)))
                .collect();
            Col::Float(f)
        }
        (
            Col::Str { .. } | Col::Obj(_),
            "int64" | "int" | "float64" | "float" | "string" | "str" | "object" | "datetime64[ns]",
        ) => Col::from_values(F, &c.values(), Some(dt))?,
        (_, "object") => Col::Obj(Rc::new(c.values())),
        (_, "string" | "str") => Col::from_values(F, &c.values(), Some("string"))?,
        (Col::Float(_), "float64" | "float") | (Col::Int(_), "int64" | "int") => c.clone(),
        (Col::Bool(_), "int64" | "int" | "float64" | "float") => {
            Col::from_values(F, &c.values(), Some(dt))?
        }
        _ => return Err(not_impl()),
    })
}

/// `dataframe.Series(data=None, index=None, dtype=None, name=None)`.
pub fn new_series(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "Series";
    let [data, index, dtype, name] = args.bind(F, &["data?", "index?", "dtype?", "name?"])?;
    let dtype = opt_str(F, "dtype", &dtype)?;
    let name = opt_str(F, "name", &name)?.unwrap_or_default();
    let given_index: Option<Index> = match &index {
        None | Some(Value::None) => None,
        Some(v) => Some(match as_index(v) {
            Some(i) => i.clone(),
            None => Index::from_values(F, &list_values(F, "index", v)?, "")?,
        }),
    };
    let (values, dict_index): (Vec<Value>, Option<Index>) = match &data {
        None | Some(Value::None) => (Vec::new(), None),
        Some(Value::Dict(d)) => {
            let entries = d.entries();
            let keys: Vec<Value> = entries.iter().map(|(k, _)| k.value.clone()).collect();
            let vals: Vec<Value> = entries.iter().map(|(_, v)| v.clone()).collect();
            (vals, Some(Index::from_values(F, &keys, "")?))
        }
        Some(v @ (Value::List(_) | Value::Tuple(_))) => (list_values(F, "data", v)?, None),
        Some(v) => match as_series(v) {
            Some(s) => (s.col.values(), Some(s.index.clone())),
            None => {
                let n = given_index.as_ref().map(|i| i.len()).unwrap_or(1);
                (vec![v.clone(); n], None)
            }
        },
    };
    crate::budget::charge(thread, F, crate::budget::values_bytes(&values))?;
    let col = Col::from_values(F, &values, dtype.as_deref())?;
    let index = match given_index.or(dict_index) {
        Some(i) => {
            if i.len() != col.len() {
                return Err(err(
                    F,
                    format!(
                        "Length of values ({}) does not match length of index ({})",
                        col.len(),
                        i.len()
                    ),
                ));
            }
            i
        }
        None => Index::range(col.len()),
    };
    Ok(Value::native(Series { col, index, name }))
}

/// `dataframe.abs(series)`.
pub fn math_abs(_t: &mut Thread, args: &Args) -> Result<Value> {
    let [x] = args.bind("abs", &["x"])?;
    let x = x.unwrap_or(Value::None);
    match (&x, as_series(&x)) {
        (_, Some(s)) => {
            let col = match &s.col {
                Col::Int(a) => Col::Int(a.iter().map(|v| v.map(|x| x.wrapping_abs())).collect()),
                Col::Float(a) => Col::Float(a.iter().map(|v| v.map(f64::abs)).collect()),
                c => return Err(err("abs", format!("bad operand dtype {}", c.dtype()))),
            };
            Ok(Value::native(s.with_col(col)))
        }
        (Value::Int(i), _) => Ok(Value::Int(i.wrapping_abs())),
        (Value::Float(f), _) => Ok(Value::Float(f.abs())),
        _ => Err(err("abs", format!("bad operand {}", go_fmt(&x)))),
    }
}
