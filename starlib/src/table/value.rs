//! How tables, columns and group_bys behave as Starlark values: repr,
//! attributes, indexing, iteration, equality, and column operators
//! (arithmetic, boolean masks, comparisons giving masks).

use super::args::{as_column, as_table};
use super::column_methods::COLUMN_METHODS;
use super::convert::{self, arrow_err, cell_value, scalar_array, type_name};
use super::preview::preview;
use super::table_methods::{g_agg, TABLE_METHODS};
use super::types::{col_value, Column, GroupBy, Table};
use crate::budget::Reservation;
use crate::util::bound_method;
use crate::util::err;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Scalar};
use arrow_schema::DataType;
use engine::error::{EvalError, Result};
use engine::syntax::ast::{BinaryOp, UnaryOp};
use engine::values::{Builtin, MethodFn, NativeIter, NativeValue};
use engine::{Thread, Value};
use std::any::Any;
use std::cmp::Ordering;
use std::sync::Arc;

impl NativeValue for Table {
    fn type_name(&self) -> &str {
        "table"
    }
    fn repr(&self, out: &mut String) {
        let title = format!(
            "<table {} rows x {} columns>",
            self.num_rows(),
            self.batch.num_columns()
        );
        preview(
            out,
            &self.names(),
            self.batch.columns(),
            self.num_rows(),
            &title,
        );
    }
    fn truth(&self) -> bool {
        self.num_rows() > 0
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(Some(match name {
            "columns" => Value::list(self.names().into_iter().map(Value::from).collect()),
            "schema" => crate::util::dict(
                self.schema()
                    .fields()
                    .iter()
                    .map(|f| {
                        (
                            Value::from(f.name().as_str()),
                            Value::from(type_name(f.data_type())),
                        )
                    })
                    .collect(),
            )?,
            "num_rows" => Value::Int(self.num_rows() as i64),
            "num_columns" => Value::Int(self.batch.num_columns() as i64),
            "nbytes" => Value::Int(self.batch.get_array_memory_size() as i64),
            _ => return Ok(bound_method(TABLE_METHODS, this, name)),
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        sorted_attr_names(
            &["columns", "schema", "num_rows", "num_columns", "nbytes"],
            TABLE_METHODS,
        )
    }
    fn index(&self, key: &Value) -> Result<Value> {
        match key {
            Value::Str(s) => {
                let name = s.to_str_lossy().into_owned();
                let a = self.column("table index", &name)?;
                Ok(Value::native(Column { name, array: a }))
            }
            _ => Err(EvalError::new(format!(
                "table index: got {}, want a column name (use t.row(i) for rows)",
                key.type_name()
            ))),
        }
    }
    fn len(&self) -> Option<usize> {
        Some(self.num_rows())
    }
    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(as_table(other).is_some_and(|o| o.batch == self.batch))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The operands of a column operation: the column and the other side (a
/// column of equal length, or a scalar), coerced to a common type.
fn operands(
    fname: &str,
    col: &Column,
    other: &Value,
    arith: bool,
    div: bool,
) -> Result<(ArrayRef, ArrayRef, bool)> {
    let (r, scalar) = match as_column(other) {
        Some(c) => {
            if c.array.len() != col.array.len() {
                return Err(err(
                    fname,
                    format!(
                        "columns have different lengths: {} and {}",
                        col.array.len(),
                        c.array.len()
                    ),
                ));
            }
            (c.array.clone(), false)
        }
        None => (scalar_array(fname, other, None)?, true),
    };
    let (lt, rt) = (col.array.data_type().clone(), r.data_type().clone());
    let target = if div && lt.is_numeric() && rt.is_numeric() {
        DataType::Float64
    } else if lt.is_numeric() && rt.is_numeric() {
        if lt.is_floating() || rt.is_floating() {
            DataType::Float64
        } else {
            DataType::Int64
        }
    } else if convert::is_string(&lt) && convert::is_string(&rt) && !arith {
        lt.clone()
    } else if (lt == rt || rt == DataType::Null || lt == DataType::Null) && !arith {
        if lt == DataType::Null {
            rt.clone()
        } else {
            lt.clone()
        }
    } else {
        return Err(err(
            fname,
            format!(
                "unsupported operand types: column of {} and {}",
                type_name(&lt),
                if scalar {
                    other.type_name().to_string()
                } else {
                    format!("column of {}", type_name(&rt))
                }
            ),
        ));
    };
    let cast = |a: &ArrayRef| -> Result<ArrayRef> {
        if a.data_type() == &target {
            Ok(a.clone())
        } else {
            arrow_cast::cast::cast(a, &target).map_err(|e| arrow_err(fname, e))
        }
    };
    Ok((cast(&col.array)?, cast(&r)?, scalar))
}

fn datum_pair<'a>(
    l: &'a ArrayRef,
    r: &'a ArrayRef,
    scalar: bool,
    holder: &'a mut Option<Scalar<ArrayRef>>,
) -> (&'a dyn arrow_array::Datum, &'a dyn arrow_array::Datum) {
    if scalar {
        *holder = Some(Scalar::new(r.clone()));
        (
            l as &dyn arrow_array::Datum,
            holder.as_ref().expect("set above") as &dyn arrow_array::Datum,
        )
    } else {
        (l as &dyn arrow_array::Datum, r as &dyn arrow_array::Datum)
    }
}

impl Column {
    fn arith(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        let sym = op.symbol();
        let fname = &format!("column {sym}");
        if matches!(op, BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor) {
            let Some(o) = as_column(other) else {
                return Ok(None);
            };
            let (DataType::Boolean, DataType::Boolean) =
                (self.array.data_type(), o.array.data_type())
            else {
                return Err(err(
                    fname,
                    "& | ^ combine boolean masks; got other column types",
                ));
            };
            if o.array.len() != self.array.len() {
                return Err(err(fname, "masks have different lengths"));
            }
            let (a, b) = (self.array.as_boolean(), o.array.as_boolean());
            let r = match op {
                BinaryOp::BitAnd => arrow_arith::boolean::and_kleene(a, b),
                BinaryOp::BitOr => arrow_arith::boolean::or_kleene(a, b),
                _ => arrow_arith::boolean::and_not(a, b).and_then(|x| {
                    arrow_arith::boolean::and_not(b, a)
                        .and_then(|y| arrow_arith::boolean::or(&x, &y))
                }),
            }
            .map_err(|e| arrow_err(fname, e))?;
            return Ok(Some(col_value("", Arc::new(r))));
        }
        let kernel = match op {
            BinaryOp::Add => arrow_arith::numeric::add,
            BinaryOp::Sub => arrow_arith::numeric::sub,
            BinaryOp::Mul => arrow_arith::numeric::mul,
            BinaryOp::Div | BinaryOp::FloorDiv => arrow_arith::numeric::div,
            BinaryOp::Mod => arrow_arith::numeric::rem,
            _ => return Ok(None),
        };
        if as_column(other).is_none()
            && !matches!(other, Value::Int(_) | Value::Float(_) | Value::None)
        {
            return Ok(None);
        }
        let (l, r, scalar) = operands(fname, self, other, true, op == BinaryOp::Div)?;
        let mut holder = None;
        let (a, b) = datum_pair(&l, &r, scalar, &mut holder);
        let res =
            if left { kernel(a, b) } else { kernel(b, a) }.map_err(|e| arrow_err(fname, e))?;
        let res = if op == BinaryOp::FloorDiv && res.data_type().is_floating() {
            let f = res.as_primitive::<arrow_array::types::Float64Type>();
            Arc::new(arrow_arith::arity::unary::<
                _,
                _,
                arrow_array::types::Float64Type,
            >(f, |x| x.floor())) as ArrayRef
        } else {
            res
        };
        Ok(Some(col_value("", res)))
    }
}

impl NativeValue for Column {
    fn type_name(&self) -> &str {
        "column"
    }
    fn repr(&self, out: &mut String) {
        let title = format!(
            "<column {:?} {} x {}>",
            self.name,
            type_name(self.array.data_type()),
            self.array.len()
        );
        let name = if self.name.is_empty() {
            "value".to_string()
        } else {
            self.name.clone()
        };
        preview(
            out,
            &[name],
            std::slice::from_ref(&self.array),
            self.array.len(),
            &title,
        );
    }
    fn truth(&self) -> bool {
        !self.array.is_empty()
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(Some(match name {
            "name" => Value::from(self.name.as_str()),
            "dtype" => Value::from(type_name(self.array.data_type())),
            "null_count" => Value::Int(self.array.null_count() as i64),
            _ => return Ok(bound_method(COLUMN_METHODS, this, name)),
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        sorted_attr_names(&["name", "dtype", "null_count"], COLUMN_METHODS)
    }
    fn index(&self, key: &Value) -> Result<Value> {
        let n = self.array.len();
        let Value::Int(i) = key else {
            return Err(EvalError::new(format!(
                "column index: got {}, want int",
                key.type_name()
            )));
        };
        let j = if *i < 0 { *i + n as i64 } else { *i };
        if j < 0 || j >= n as i64 {
            return Err(EvalError::new(format!(
                "column index {i} out of range: column has {n} values"
            )));
        }
        let i = j as usize;
        Ok(cell_value(self.array.as_ref(), i))
    }
    fn len(&self) -> Option<usize> {
        Some(self.array.len())
    }
    fn iterate(&self) -> Option<NativeIter> {
        let a = self.array.clone();
        Some(Box::new(
            (0..a.len()).map(move |i| cell_value(a.as_ref(), i)),
        ))
    }
    fn binary(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        // Without a thread (a host's comparison): charged at the next charge.
        let r = self.binary_op(op, other, left)?;
        owe_result(&r);
        Ok(r)
    }
    fn binary_in(
        &self,
        thread: &mut Thread,
        op: BinaryOp,
        other: &Value,
        left: bool,
    ) -> Result<Option<Value>> {
        // Charged before: the larger operand's size (an element-wise result
        // is as long, and as wide unless the type widens); then the rest.
        let other_size = as_column(other).map_or(0, |o| o.array.get_array_memory_size());
        let estimate = self.array.get_array_memory_size().max(other_size);
        let fname = format!("column {}", op.symbol());
        charged_op(thread, &fname, estimate, || self.binary_op(op, other, left))
    }
    fn unary_in(&self, thread: &mut Thread, op: UnaryOp) -> Result<Option<Value>> {
        let estimate = self.array.get_array_memory_size();
        charged_op(thread, "column unary operator", estimate, || {
            self.unary_op(op)
        })
    }
    fn unary(&self, op: UnaryOp) -> Result<Option<Value>> {
        let r = self.unary_op(op)?;
        owe_result(&r);
        Ok(r)
    }
    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(as_column(other).is_some_and(|o| o.array.as_ref() == self.array.as_ref()))
    }
    fn compare(&self, _other: &Value) -> Result<Option<Ordering>> {
        Err(EvalError::new(
            "columns are not ordered: c < x compares element-wise and gives a mask",
        ))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Column {
    /// `x op y` element-wise (comparisons give masks), uncharged.
    fn binary_op(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        // Comparisons give masks; with the column on the right the order flips.
        let cmp = match (op, left) {
            (BinaryOp::Lt, true) | (BinaryOp::Gt, false) => Some("lt"),
            (BinaryOp::Le, true) | (BinaryOp::Ge, false) => Some("le"),
            (BinaryOp::Gt, true) | (BinaryOp::Lt, false) => Some("gt"),
            (BinaryOp::Ge, true) | (BinaryOp::Le, false) => Some("ge"),
            (BinaryOp::Eq, _) => Some("eq"),
            (BinaryOp::Ne, _) => Some("ne"),
            _ => None,
        };
        match cmp {
            Some(name) => cmp_mask(self, other, name).map(Some),
            None => self.arith(op, other, left),
        }
    }
}

/// Runs a column operator charged to `thread`: `estimate` before it builds,
/// the rest of its result's size after.
fn charged_op(
    thread: &mut Thread,
    fname: &str,
    estimate: usize,
    op: impl FnOnce() -> Result<Option<Value>>,
) -> Result<Option<Value>> {
    let mut reserved = Reservation::new(thread, fname, estimate)?;
    let r = op()?;
    if let Some(c) = r.as_ref().and_then(as_column) {
        reserved.cover(thread, c.array.get_array_memory_size())?;
    }
    Ok(r)
}

/// Charges a column operator's result to the run once a thread is at hand,
/// for the callers that have none (see `crate::budget::owe`).
fn owe_result(r: &Option<Value>) {
    if let Some(c) = r.as_ref().and_then(as_column) {
        crate::budget::owe(c.array.get_array_memory_size());
    }
}

impl Column {
    /// `-c`, `+c` and `~c`.
    fn unary_op(&self, op: UnaryOp) -> Result<Option<Value>> {
        match op {
            UnaryOp::Minus => arrow_arith::numeric::neg(self.array.as_ref())
                .map(|a| Some(col_value(&self.name, a)))
                .map_err(|e| arrow_err("column -", e)),
            UnaryOp::Plus => Ok(Some(Value::native(self.clone()))),
            UnaryOp::Tilde => match self.array.data_type() {
                DataType::Boolean => arrow_arith::boolean::not(self.array.as_boolean())
                    .map(|a| Some(col_value(&self.name, Arc::new(a))))
                    .map_err(|e| arrow_err("column ~", e)),
                _ => Err(EvalError::new("column ~: want a boolean mask")),
            },
            UnaryOp::Not => Ok(None),
        }
    }
}

impl NativeValue for GroupBy {
    fn type_name(&self) -> &str {
        "group_by"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&format!("<group_by {}>", self.keys.join(", ")));
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(match name {
            "agg" => Some(Builtin::method("agg", this.clone(), g_agg)),
            _ => None,
        })
    }
    fn attr_names(&self) -> Vec<String> {
        vec!["agg".into()]
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The boolean mask of comparing a column element-wise with a scalar or a
/// column: `op` is one of eq, ne, lt, le, gt, ge. Shared by the comparison
/// methods and operators.
pub(super) fn cmp_mask(c: &Column, other: &Value, op: &str) -> Result<Value> {
    let (l, r, scalar) = operands(op, c, other, false, false)?;
    let mut holder = None;
    let (x, y) = datum_pair(&l, &r, scalar, &mut holder);
    let res = match op {
        "eq" => arrow_ord::cmp::eq(x, y),
        "ne" => arrow_ord::cmp::neq(x, y),
        "lt" => arrow_ord::cmp::lt(x, y),
        "le" => arrow_ord::cmp::lt_eq(x, y),
        "gt" => arrow_ord::cmp::gt(x, y),
        _ => arrow_ord::cmp::gt_eq(x, y),
    }
    .map_err(|e| arrow_err(op, e))?;
    Ok(col_value(&c.name, Arc::new(res)))
}

/// The field names and method names of a value, sorted.
fn sorted_attr_names(fields: &[&str], methods: &[(&str, MethodFn)]) -> Vec<String> {
    let mut v: Vec<String> = fields
        .iter()
        .map(|s| s.to_string())
        .chain(methods.iter().map(|(n, _)| n.to_string()))
        .collect();
    v.sort();
    v
}
