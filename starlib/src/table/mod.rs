//! The `table` module (2.x): `Table` values backed by an Arrow record
//! batch, and `Column` values backed by an Arrow array. Every operation is
//! an Arrow compute kernel (or a Rust loop over Arrow buffers); Starlark
//! code never runs per row.

pub mod convert;
pub mod io;
pub mod ops;

pub use convert::cell_value;

use crate::util::{err, module as make_module, opt_int, string};
use arrow_array::cast::AsArray;
use arrow_array::{
    new_null_array, Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, Scalar,
    UInt32Array,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, SortOptions};
use convert::{arrow_err, scalar_array, type_name, values_to_array};
use engine::args::type_error;
use engine::error::{EvalError, Result};
use engine::syntax::ast::{BinaryOp, UnaryOp};
use engine::values::{Builtin, MethodFn, NativeIter, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::cmp::Ordering;
use std::sync::Arc;

/// A table: named, typed columns of equal length, held as one Arrow record batch.
#[derive(Debug, Clone)]
pub struct Table {
    /// The data.
    pub batch: RecordBatch,
}

/// A column: a name and an Arrow array.
#[derive(Debug, Clone)]
pub struct Column {
    /// The column's name ("" for computed columns not yet named).
    pub name: String,
    /// The values.
    pub array: ArrayRef,
}

/// The result of `t.group_by(keys)`, awaiting `.agg(...)`.
#[derive(Debug, Clone)]
pub struct GroupBy {
    table: Table,
    keys: Vec<String>,
}

impl Table {
    /// A table from record batches (concatenated into one).
    pub fn from_batches(batches: &[RecordBatch]) -> std::result::Result<Table, ArrowError> {
        match batches {
            [] => Ok(Table {
                batch: RecordBatch::new_empty(Arc::new(Schema::empty())),
            }),
            [b] => Ok(Table { batch: b.clone() }),
            bs => Ok(Table {
                batch: arrow_select::concat::concat_batches(&bs[0].schema(), bs)?,
            }),
        }
    }

    /// A table from named columns of equal length.
    pub fn from_columns(fname: &str, cols: Vec<(String, ArrayRef)>) -> Result<Table> {
        let n = cols.first().map(|(_, a)| a.len()).unwrap_or(0);
        for (name, a) in &cols {
            if a.len() != n {
                return Err(err(
                    fname,
                    format!(
                        "column {name:?} has {} values, want {n} like the others",
                        a.len()
                    ),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (name, _) in &cols {
            if !seen.insert(name.as_str()) {
                return Err(err(fname, format!("duplicate column name {name:?}")));
            }
        }
        let fields: Vec<Field> = cols
            .iter()
            .map(|(name, a)| Field::new(name, a.data_type().clone(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let arrays = cols.into_iter().map(|(_, a)| a).collect();
        let batch = RecordBatch::try_new_with_options(
            schema,
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(n)),
        )
        .map_err(|e| arrow_err(fname, e))?;
        Ok(Table { batch })
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// Column names.
    pub fn names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The schema.
    pub fn schema(&self) -> SchemaRef {
        self.batch.schema()
    }

    /// The column called `name`, or an error listing the columns.
    pub fn column(&self, fname: &str, name: &str) -> Result<ArrayRef> {
        match self.batch.schema().index_of(name) {
            Ok(i) => Ok(self.batch.column(i).clone()),
            Err(_) => Err(err(
                fname,
                format!(
                    "table has no column {name:?}; columns are: {}",
                    self.names().join(", ")
                ),
            )),
        }
    }

    fn columns_vec(&self) -> Vec<(String, ArrayRef)> {
        self.names()
            .into_iter()
            .zip(self.batch.columns().iter().cloned())
            .collect()
    }

    fn take(&self, fname: &str, idx: &UInt32Array) -> Result<Table> {
        let cols = self
            .columns_vec()
            .into_iter()
            .map(|(n, a)| arrow_select::take::take(a.as_ref(), idx, None).map(|a| (n, a)))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| arrow_err(fname, e))?;
        if cols.is_empty() {
            return Ok(Table {
                batch: RecordBatch::try_new_with_options(
                    self.schema(),
                    vec![],
                    &RecordBatchOptions::new().with_row_count(Some(idx.len())),
                )
                .map_err(|e| arrow_err(fname, e))?,
            });
        }
        Table::from_columns(fname, cols)
    }

    /// Rows as dicts.
    pub fn row_dict(&self, i: usize) -> Result<Value> {
        let names = self.names();
        crate::util::dict(
            names
                .into_iter()
                .zip(self.batch.columns())
                .map(|(n, c)| (Value::from(n), cell_value(c.as_ref(), i)))
                .collect(),
        )
    }
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        other => engine::values::to_str(other),
    }
}

fn truncate(s: String, w: usize) -> String {
    if s.chars().count() <= w {
        s
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('~');
        t
    }
}

/// Writes an aligned preview: header, types, up to 10 rows (first and last five).
fn preview(out: &mut String, names: &[String], cols: &[ArrayRef], n: usize, title: &str) {
    out.push_str(title);
    if cols.is_empty() {
        return;
    }
    let rows: Vec<usize> = if n <= 10 {
        (0..n).collect()
    } else {
        (0..5).chain(n - 5..n).collect()
    };
    let mut grid: Vec<Vec<String>> = Vec::new();
    grid.push(names.to_vec());
    grid.push(cols.iter().map(|c| type_name(c.data_type())).collect());
    for (k, &i) in rows.iter().enumerate() {
        if n > 10 && k == 5 {
            grid.push(cols.iter().map(|_| "...".to_string()).collect());
        }
        grid.push(
            cols.iter()
                .map(|c| truncate(cell_text(&cell_value(c.as_ref(), i)), 24))
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..cols.len())
        .map(|j| grid.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &grid {
        out.push('\n');
        let line: Vec<String> = r
            .iter()
            .zip(widths.iter())
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
    }
}

fn as_table(v: &Value) -> Option<&Table> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Table>(),
        _ => None,
    }
}

fn as_column(v: &Value) -> Option<&Column> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Column>(),
        _ => None,
    }
}

fn recv_table(recv: &Value) -> Result<&Table> {
    as_table(recv).ok_or_else(|| EvalError::new("method called on a value that is not a table"))
}

fn recv_column(recv: &Value) -> Result<&Column> {
    as_column(recv).ok_or_else(|| EvalError::new("method called on a value that is not a column"))
}

/// A table argument.
pub fn table_arg<'a>(fname: &str, pname: &str, v: &'a Value) -> Result<&'a Table> {
    as_table(v).ok_or_else(|| type_error(fname, pname, v, "table"))
}

fn names_arg(fname: &str, pname: &str, v: &Value) -> Result<Vec<String>> {
    match v {
        Value::Str(s) => Ok(vec![s.to_str_lossy().into_owned()]),
        Value::List(_) | Value::Tuple(_) => crate::util::sequence(fname, pname, v)?
            .iter()
            .map(|x| string(fname, pname, x))
            .collect(),
        _ => Err(type_error(fname, pname, v, "string or list of strings")),
    }
}

/// Names from `*args` (each a string or list of strings).
fn names_varargs(fname: &str, args: &Args) -> Result<Vec<String>> {
    if !args.named.is_empty() {
        return Err(err(fname, "unexpected keyword arguments"));
    }
    let mut out = Vec::new();
    for v in &args.positional {
        out.extend(names_arg(fname, "columns", v)?);
    }
    Ok(out)
}

const TABLE_METHODS: &[(&str, MethodFn)] = &[
    ("cast", t_cast),
    ("column", t_column),
    ("concat", t_concat),
    ("distinct", t_distinct),
    ("drop", t_drop),
    ("drop_nulls", t_drop_nulls),
    ("fill_null", t_fill_null),
    ("filter", t_filter),
    ("group_by", t_group_by),
    ("head", t_head),
    ("join", t_join),
    ("rename", t_rename),
    ("row", t_row),
    ("rows", t_rows),
    ("select", t_select),
    ("slice", t_slice),
    ("sort_by", t_sort_by),
    ("tail", t_tail),
    ("to_csv", t_to_csv),
    ("to_json", t_to_json),
    ("with_column", t_with_column),
];

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
            _ => match TABLE_METHODS.iter().find(|(n, _)| *n == name) {
                Some((n, f)) => Builtin::method(n, this.clone(), *f),
                None => return Ok(None),
            },
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        let mut v: Vec<String> = ["columns", "schema", "num_rows", "num_columns", "nbytes"]
            .iter()
            .map(|s| s.to_string())
            .chain(TABLE_METHODS.iter().map(|(n, _)| n.to_string()))
            .collect();
        v.sort();
        v
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

const COLUMN_METHODS: &[(&str, MethodFn)] = &[
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

fn col_value(name: &str, array: ArrayRef) -> Value {
    Value::native(Column {
        name: name.to_string(),
        array,
    })
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
            _ => match COLUMN_METHODS.iter().find(|(n, _)| *n == name) {
                Some((n, f)) => Builtin::method(n, this.clone(), *f),
                None => return Ok(None),
            },
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        let mut v: Vec<String> = ["name", "dtype", "null_count"]
            .iter()
            .map(|s| s.to_string())
            .chain(COLUMN_METHODS.iter().map(|(n, _)| n.to_string()))
            .collect();
        v.sort();
        v
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
    fn unary(&self, op: UnaryOp) -> Result<Option<Value>> {
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

// ---- module functions ----

/// The `table` module value.
pub fn module() -> Value {
    make_module(
        "table",
        vec![
            ("from_rows", Builtin::func("table.from_rows", from_rows)),
            (
                "from_columns",
                Builtin::func("table.from_columns", from_columns),
            ),
            ("from_csv", Builtin::func("table.from_csv", io::csv_read)),
            ("from_json", Builtin::func("table.from_json", io::json_read)),
            ("concat", Builtin::func("table.concat", concat)),
            ("column", Builtin::func("table.column", column)),
        ],
    )
}

fn from_rows(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "table.from_rows";
    let [rows, columns] = args.bind(F, &["rows", "columns?"])?;
    let rows = crate::util::sequence(F, "rows", rows.as_ref().unwrap_or(&Value::None))?;
    let names: Option<Vec<String>> = match &columns {
        None | Some(Value::None) => None,
        Some(v) => Some(names_arg(F, "columns", v)?),
    };
    let mut order: Vec<String> = names.clone().unwrap_or_default();
    let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(rows.len()); order.len()];
    for (i, row) in rows.iter().enumerate() {
        match row {
            Value::Dict(d) => {
                for (k, _) in d.entries().iter() {
                    let k = match &k.value {
                        Value::Str(s) => s.to_str_lossy().into_owned(),
                        other => {
                            return Err(err(
                                F,
                                format!("row {i}: keys must be strings, got {}", other.type_name()),
                            ))
                        }
                    };
                    if !order.contains(&k) {
                        if names.is_some() {
                            return Err(err(
                                F,
                                format!("row {i} has column {k:?}, which is not in columns"),
                            ));
                        }
                        order.push(k);
                        cols.push(vec![Value::None; i]);
                    }
                }
                for (j, name) in order.iter().enumerate() {
                    cols[j].push(d.get_str(name).unwrap_or(Value::None));
                }
            }
            Value::List(_) | Value::Tuple(_) => {
                if names.is_none() {
                    return Err(err(F, "rows that are lists need column names: table.from_rows(rows, columns=[...])"));
                }
                let cells = crate::util::sequence(F, "rows", row)?;
                if cells.len() != order.len() {
                    return Err(err(
                        F,
                        format!(
                            "row {i} has {} values, want {} (one per column)",
                            cells.len(),
                            order.len()
                        ),
                    ));
                }
                for (j, c) in cells.into_iter().enumerate() {
                    cols[j].push(c);
                }
            }
            other => {
                return Err(err(
                    F,
                    format!("row {i}: got {}, want dict or list", other.type_name()),
                ))
            }
        }
    }
    let arrays = order
        .iter()
        .zip(cols.iter())
        .map(|(n, vals)| values_to_array(F, n, vals).map(|a| (n.clone(), a)))
        .collect::<Result<Vec<_>>>()?;
    let mut t = Table::from_columns(F, arrays)?;
    if order.is_empty() {
        t = Table::from_batches(&[]).map_err(|e| arrow_err(F, e))?;
    }
    Ok(Value::native(t))
}

fn from_columns(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "table.from_columns";
    let [cols] = args.bind(F, &["columns"])?;
    let cols = cols.unwrap_or(Value::None);
    let Value::Dict(d) = &cols else {
        return Err(type_error(F, "columns", &cols, "dict"));
    };
    let mut out = Vec::new();
    for (k, v) in d.entries().iter() {
        let name = string(F, "columns", &k.value)?;
        let a = match as_column(v) {
            Some(c) => c.array.clone(),
            None => values_to_array(F, &name, &crate::util::sequence(F, "columns", v)?)?,
        };
        out.push((name, a));
    }
    Ok(Value::native(Table::from_columns(F, out)?))
}

fn column(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "table.column";
    let [values, name] = args.bind(F, &["values", "name?"])?;
    let name = crate::util::opt_string(F, "name", &name, "")?;
    let vals = crate::util::sequence(F, "values", values.as_ref().unwrap_or(&Value::None))?;
    Ok(col_value(&name, values_to_array(F, &name, &vals)?))
}

fn concat_tables(fname: &str, tables: &[&Table]) -> Result<Table> {
    let Some(first) = tables.first() else {
        return Err(err(fname, "nothing to concatenate"));
    };
    let schema = first.schema();
    let mut batches = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        if t.names() != first.names() {
            return Err(err(
                fname,
                format!(
                    "table {i} has columns [{}], want [{}]",
                    t.names().join(", "),
                    first.names().join(", ")
                ),
            ));
        }
        let cols = t
            .batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| {
                if c.data_type() == f.data_type() {
                    Ok(c.clone())
                } else {
                    arrow_cast::cast::cast(c, f.data_type()).map_err(|e| {
                        err(
                            fname,
                            format!(
                                "table {i}: column {:?} cannot be made {}: {e}",
                                f.name(),
                                type_name(f.data_type())
                            ),
                        )
                    })
                }
            })
            .collect::<Result<Vec<_>>>()?;
        batches.push(
            RecordBatch::try_new_with_options(
                schema.clone(),
                cols,
                &RecordBatchOptions::new().with_row_count(Some(t.num_rows())),
            )
            .map_err(|e| arrow_err(fname, e))?,
        );
    }
    let batch =
        arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| arrow_err(fname, e))?;
    Ok(Table { batch })
}

fn concat(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "table.concat";
    let [tables] = args.bind(F, &["tables"])?;
    let items = crate::util::sequence(F, "tables", tables.as_ref().unwrap_or(&Value::None))?;
    let ts = items
        .iter()
        .map(|v| table_arg(F, "tables", v))
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::native(concat_tables(F, &ts)?))
}

// ---- table methods ----

fn t_column(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    let a = args.positional_only("column", 1, 1)?;
    let name = string("column", "name", &a[0])?;
    Ok(col_value(&name, t.column("column", &name)?))
}

fn t_concat(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "concat";
    let t = recv_table(recv)?;
    let mut ts = vec![t];
    for v in args.positional_only(F, 1, usize::MAX)? {
        ts.push(table_arg(F, "other", v)?);
    }
    Ok(Value::native(concat_tables(F, &ts)?))
}

fn mask_arg(fname: &str, t: &Table, v: &Value) -> Result<BooleanArray> {
    let arr = match as_column(v) {
        Some(c) => c.array.clone(),
        None => match v {
            Value::List(_) | Value::Tuple(_) => {
                values_to_array(fname, "mask", &crate::util::sequence(fname, "mask", v)?)?
            }
            _ => return Err(type_error(fname, "mask", v, "boolean column")),
        },
    };
    if arr.data_type() != &DataType::Boolean {
        return Err(err(
            fname,
            format!(
                "mask must be a column of bools, got a column of {}",
                type_name(arr.data_type())
            ),
        ));
    }
    if arr.len() != t.num_rows() {
        return Err(err(
            fname,
            format!(
                "mask has {} values, table has {} rows",
                arr.len(),
                t.num_rows()
            ),
        ));
    }
    Ok(arr.as_boolean().clone())
}

fn t_filter(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "filter";
    let t = recv_table(recv)?;
    let a = args.positional_only(F, 1, 1)?;
    let mask = mask_arg(F, t, &a[0])?;
    let batch =
        arrow_select::filter::filter_record_batch(&t.batch, &mask).map_err(|e| arrow_err(F, e))?;
    Ok(Value::native(Table { batch }))
}

fn select_names(fname: &str, t: &Table, names: &[String]) -> Result<Table> {
    let mut cols = Vec::new();
    for n in names {
        cols.push((n.clone(), t.column(fname, n)?));
    }
    if cols.is_empty() {
        return Err(err(fname, "no columns given"));
    }
    Table::from_columns(fname, cols)
}

fn t_select(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    let names = names_varargs("select", args)?;
    Ok(Value::native(select_names("select", t, &names)?))
}

fn t_drop(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "drop";
    let t = recv_table(recv)?;
    let names = names_varargs(F, args)?;
    for n in &names {
        t.column(F, n)?;
    }
    let keep: Vec<(String, ArrayRef)> = t
        .columns_vec()
        .into_iter()
        .filter(|(n, _)| !names.contains(n))
        .collect();
    if keep.is_empty() {
        return Err(err(F, "cannot drop every column"));
    }
    Ok(Value::native(Table::from_columns(F, keep)?))
}

fn t_rename(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "rename";
    let t = recv_table(recv)?;
    let [mapping] = args.bind(F, &["mapping"])?;
    let pairs = crate::util::string_dict(F, "mapping", &mapping)?;
    if matches!(mapping, None | Some(Value::None)) {
        return Err(err(F, "missing argument for mapping"));
    }
    for (old, _) in &pairs {
        t.column(F, old)?;
    }
    let cols = t
        .columns_vec()
        .into_iter()
        .map(|(n, a)| {
            let new = pairs
                .iter()
                .find(|(o, _)| *o == n)
                .map(|(_, nn)| nn.clone())
                .unwrap_or(n);
            (new, a)
        })
        .collect();
    Ok(Value::native(Table::from_columns(F, cols)?))
}

fn broadcast(fname: &str, v: &Value, n: usize) -> Result<ArrayRef> {
    if let Some(c) = as_column(v) {
        if c.array.len() != n {
            return Err(err(
                fname,
                format!("column has {} values, table has {n} rows", c.array.len()),
            ));
        }
        return Ok(c.array.clone());
    }
    match v {
        Value::List(_) | Value::Tuple(_) => {
            let vals = crate::util::sequence(fname, "value", v)?;
            if vals.len() != n {
                return Err(err(
                    fname,
                    format!("list has {} values, table has {n} rows", vals.len()),
                ));
            }
            values_to_array(fname, "value", &vals)
        }
        _ => {
            let s = scalar_array(fname, v, None)?;
            let idx = UInt32Array::from(vec![0u32; n]);
            arrow_select::take::take(s.as_ref(), &idx, None).map_err(|e| arrow_err(fname, e))
        }
    }
}

fn t_with_column(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "with_column";
    let t = recv_table(recv)?;
    let [name, value] = args.bind(F, &["name", "value"])?;
    let name = string(F, "name", name.as_ref().unwrap_or(&Value::None))?;
    let arr = broadcast(F, value.as_ref().unwrap_or(&Value::None), t.num_rows())?;
    let mut cols = t.columns_vec();
    match cols.iter_mut().find(|(n, _)| *n == name) {
        Some(slot) => slot.1 = arr,
        None => cols.push((name, arr)),
    }
    Ok(Value::native(Table::from_columns(F, cols)?))
}

fn t_sort_by(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "sort_by";
    let t = recv_table(recv)?;
    let [keys, descending] = args.bind(F, &["keys", "descending?"])?;
    let keys = names_arg(F, "keys", keys.as_ref().unwrap_or(&Value::None))?;
    let desc: Vec<bool> = match &descending {
        None | Some(Value::None) => vec![false; keys.len()],
        Some(Value::Bool(b)) => vec![*b; keys.len()],
        Some(v @ (Value::List(_) | Value::Tuple(_))) => {
            let d = crate::util::sequence(F, "descending", v)?
                .iter()
                .map(|x| match x {
                    Value::Bool(b) => Ok(*b),
                    o => Err(type_error(F, "descending", o, "bool")),
                })
                .collect::<Result<Vec<_>>>()?;
            if d.len() != keys.len() {
                return Err(err(
                    F,
                    format!(
                        "descending has {} values, want one per key ({})",
                        d.len(),
                        keys.len()
                    ),
                ));
            }
            d
        }
        Some(v) => return Err(type_error(F, "descending", v, "bool or list of bools")),
    };
    let cols = keys
        .iter()
        .zip(desc.iter())
        .map(|(k, d)| {
            Ok(arrow_ord::sort::SortColumn {
                values: t.column(F, k)?,
                options: Some(SortOptions {
                    descending: *d,
                    nulls_first: false,
                }),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if cols.is_empty() {
        return Err(err(F, "no sort keys given"));
    }
    let idx = arrow_ord::sort::lexsort_to_indices(&cols, None).map_err(|e| arrow_err(F, e))?;
    Ok(Value::native(t.take(F, &idx)?))
}

fn count_arg(fname: &str, v: &Option<Value>) -> Result<usize> {
    let n = opt_int(fname, "n", v, 5)?;
    if n < 0 {
        return Err(err(fname, format!("n must be non-negative, got {n}")));
    }
    Ok(n as usize)
}

fn t_head(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    let [n] = args.bind("head", &["n?"])?;
    let n = count_arg("head", &n)?.min(t.num_rows());
    Ok(Value::native(Table {
        batch: t.batch.slice(0, n),
    }))
}

fn t_tail(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    let [n] = args.bind("tail", &["n?"])?;
    let n = count_arg("tail", &n)?.min(t.num_rows());
    Ok(Value::native(Table {
        batch: t.batch.slice(t.num_rows() - n, n),
    }))
}

fn t_slice(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "slice";
    let t = recv_table(recv)?;
    let [offset, length] = args.bind(F, &["offset", "length?"])?;
    let rows = t.num_rows();
    let off = crate::util::int(F, "offset", offset.as_ref().unwrap_or(&Value::None))?;
    if off < 0 {
        return Err(err(F, format!("offset must be non-negative, got {off}")));
    }
    let off = (off as usize).min(rows);
    let len = match length {
        None | Some(Value::None) => rows - off,
        Some(v) => {
            let l = crate::util::int(F, "length", &v)?;
            if l < 0 {
                return Err(err(F, format!("length must be non-negative, got {l}")));
            }
            (l as usize).min(rows - off)
        }
    };
    Ok(Value::native(Table {
        batch: t.batch.slice(off, len),
    }))
}

fn t_group_by(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "group_by";
    let t = recv_table(recv)?;
    let keys = names_varargs(F, args)?;
    if keys.is_empty() {
        return Err(err(F, "no group keys given"));
    }
    for k in &keys {
        t.column(F, k)?;
    }
    Ok(Value::native(GroupBy {
        table: t.clone(),
        keys,
    }))
}

fn g_agg(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "agg";
    let g = match recv {
        Value::Native(n) => n.as_any().downcast_ref::<GroupBy>(),
        _ => None,
    }
    .ok_or_else(|| EvalError::new("agg called on a value that is not a group_by"))?;
    let [spec] = args.bind(F, &["aggregations"])?;
    let spec_v = spec.clone().unwrap_or(Value::None);
    if !matches!(spec_v, Value::Dict(_)) {
        return Err(type_error(F, "aggregations", &spec_v, "dict"));
    }
    let spec = crate::util::string_dict(F, "aggregations", &spec)?;
    let t = &g.table;
    let key_cols = g
        .keys
        .iter()
        .map(|k| t.column(F, k))
        .collect::<Result<Vec<_>>>()?;
    let groups = ops::group_ids(F, &key_cols)?;
    let first = UInt32Array::from(groups.first.clone());
    let mut out = Vec::new();
    for (k, c) in g.keys.iter().zip(key_cols.iter()) {
        out.push((
            k.clone(),
            arrow_select::take::take(c.as_ref(), &first, None).map_err(|e| arrow_err(F, e))?,
        ));
    }
    for (col, func) in &spec {
        let c = t.column(F, col)?;
        let a = ops::aggregate(F, col, &c, &groups, func)?;
        let name = if g.keys.contains(col) {
            format!("{col}_{func}")
        } else {
            col.clone()
        };
        out.push((name, a));
    }
    Ok(Value::native(Table::from_columns(F, out)?))
}

fn t_join(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "join";
    let t = recv_table(recv)?;
    let [other, on, how] = args.bind(F, &["other", "on", "how?"])?;
    let other_v = other.unwrap_or(Value::None);
    let o = table_arg(F, "other", &other_v)?;
    let on = names_arg(F, "on", on.as_ref().unwrap_or(&Value::None))?;
    let how = crate::util::opt_string(F, "how", &how, "inner")?;
    if !matches!(how.as_str(), "inner" | "left" | "outer") {
        return Err(err(
            F,
            format!("how must be \"inner\", \"left\" or \"outer\", got {how:?}"),
        ));
    }
    if on.is_empty() {
        return Err(err(F, "no join keys given"));
    }
    let lk = on
        .iter()
        .map(|k| t.column(F, k))
        .collect::<Result<Vec<_>>>()?;
    let rk = on
        .iter()
        .zip(lk.iter())
        .map(|(k, l)| {
            let r = o.column(F, k)?;
            if r.data_type() == l.data_type() {
                Ok(r)
            } else {
                arrow_cast::cast::cast(&r, l.data_type()).map_err(|e| {
                    err(
                        F,
                        format!(
                            "key {k:?} is {} on the left but {} on the right: {e}",
                            type_name(l.data_type()),
                            type_name(r.data_type())
                        ),
                    )
                })
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let ji = ops::join_indices(F, &lk, &rk, &how)?;
    let li = UInt32Array::from(ji.left);
    let ri = UInt32Array::from(ji.right);
    let take = |a: &ArrayRef, idx: &UInt32Array| {
        arrow_select::take::take(a.as_ref(), idx, None).map_err(|e| arrow_err(F, e))
    };
    let mut out = Vec::new();
    for (name, a) in t.columns_vec() {
        let mut taken = take(&a, &li)?;
        if how == "outer" {
            if let Some(k) = on.iter().position(|x| *x == name) {
                let rt = take(&rk[k], &ri)?;
                let keep = arrow_arith::boolean::is_not_null(taken.as_ref())
                    .map_err(|e| arrow_err(F, e))?;
                taken = arrow_select::zip::zip(&keep, &taken, &rt).map_err(|e| arrow_err(F, e))?;
            }
        }
        out.push((name, taken));
    }
    let left_names = t.names();
    for (name, a) in o.columns_vec() {
        if on.contains(&name) {
            continue;
        }
        let name = if left_names.contains(&name) {
            format!("{name}_right")
        } else {
            name
        };
        out.push((name, take(&a, &ri)?));
    }
    Ok(Value::native(Table::from_columns(F, out)?))
}

fn t_distinct(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "distinct";
    let t = recv_table(recv)?;
    args.none(F)?;
    if t.batch.num_columns() == 0 {
        return Ok(recv.clone());
    }
    let g = ops::group_ids(F, t.batch.columns())?;
    Ok(Value::native(t.take(F, &UInt32Array::from(g.first))?))
}

fn fill(fname: &str, a: &ArrayRef, v: &Value) -> Result<ArrayRef> {
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

fn t_fill_null(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "fill_null";
    let t = recv_table(recv)?;
    let [value] = args.bind(F, &["value"])?;
    let value = value.unwrap_or(Value::None);
    let per: Option<Vec<(String, Value)>> = match &value {
        Value::Dict(d) => Some(
            d.entries()
                .iter()
                .map(|(k, v)| Ok((string(F, "value", &k.value)?, v.clone())))
                .collect::<Result<Vec<_>>>()?,
        ),
        _ => None,
    };
    if let Some(per) = &per {
        for (n, _) in per {
            t.column(F, n)?;
        }
    }
    let cols = t
        .columns_vec()
        .into_iter()
        .map(|(n, a)| {
            let v = match &per {
                Some(p) => p
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Value::None),
                None => value.clone(),
            };
            let filled = match &per {
                // A single value fills only the columns it fits.
                None if !v.is_none() => fill(F, &a, &v).unwrap_or(a.clone()),
                _ => fill(F, &a, &v)?,
            };
            Ok((n, filled))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::native(Table::from_columns(F, cols)?))
}

fn t_drop_nulls(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "drop_nulls";
    let t = recv_table(recv)?;
    let [subset] = args.bind(F, &["subset?"])?;
    let names = match subset {
        None | Some(Value::None) => t.names(),
        Some(v) => names_arg(F, "subset", &v)?,
    };
    let mut mask: Option<BooleanArray> = None;
    for n in &names {
        let c = t.column(F, n)?;
        let m = arrow_arith::boolean::is_not_null(c.as_ref()).map_err(|e| arrow_err(F, e))?;
        mask = Some(match mask {
            None => m,
            Some(prev) => arrow_arith::boolean::and(&prev, &m).map_err(|e| arrow_err(F, e))?,
        });
    }
    let Some(mask) = mask else {
        return Ok(recv.clone());
    };
    let batch =
        arrow_select::filter::filter_record_batch(&t.batch, &mask).map_err(|e| arrow_err(F, e))?;
    Ok(Value::native(Table { batch }))
}

fn cast_array(fname: &str, name: &str, a: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
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

fn t_cast(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "cast";
    let t = recv_table(recv)?;
    let [types] = args.bind(F, &["types"])?;
    if !matches!(types, Some(Value::Dict(_))) {
        return Err(type_error(
            F,
            "types",
            types.as_ref().unwrap_or(&Value::None),
            "dict",
        ));
    }
    let spec = crate::util::string_dict(F, "types", &types)?;
    let mut cols = t.columns_vec();
    for (name, ty) in &spec {
        let to = convert::parse_type(F, ty)?;
        let slot = cols.iter_mut().find(|(n, _)| n == name).ok_or_else(|| {
            err(
                F,
                format!(
                    "table has no column {name:?}; columns are: {}",
                    t.names().join(", ")
                ),
            )
        })?;
        slot.1 = cast_array(F, name, &slot.1, &to)?;
    }
    Ok(Value::native(Table::from_columns(F, cols)?))
}

fn t_rows(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    args.none("rows")?;
    let rows = (0..t.num_rows())
        .map(|i| t.row_dict(i))
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::list(rows))
}

fn t_row(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "row";
    let t = recv_table(recv)?;
    let a = args.positional_only(F, 1, 1)?;
    let i = crate::util::int(F, "i", &a[0])?;
    let n = t.num_rows() as i64;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return Err(err(
            F,
            format!("index {i} out of range: table has {n} rows"),
        ));
    }
    t.row_dict(j as usize)
}

fn t_to_csv(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    let [delimiter, header] = args.bind("to_csv", &["delimiter?", "header?"])?;
    io::write_csv("to_csv", t, &delimiter, &header)
}

fn t_to_json(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let t = recv_table(recv)?;
    args.none("to_json")?;
    io::write_json("to_json", t)
}

// ---- column methods ----

fn c_cmp(_t: &mut Thread, recv: &Value, args: &Args, op: &str) -> Result<Value> {
    let c = recv_column(recv)?;
    let a = args.positional_only(op, 1, 1)?;
    cmp_mask(c, &a[0], op)
}

/// The boolean mask of comparing a column element-wise with a scalar or a
/// column: `op` is one of eq, ne, lt, le, gt, ge. Shared by the comparison
/// methods and operators.
fn cmp_mask(c: &Column, other: &Value, op: &str) -> Result<Value> {
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

fn c_reduce(_t: &mut Thread, recv: &Value, args: &Args, func: &str) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none(func)?;
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

fn c_unique(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("unique")?;
    let g = ops::group_ids("unique", std::slice::from_ref(&c.array))?;
    let a = arrow_select::take::take(c.array.as_ref(), &UInt32Array::from(g.first), None)
        .map_err(|e| arrow_err("unique", e))?;
    Ok(col_value(&c.name, a))
}

fn c_to_list(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("to_list")?;
    Ok(Value::list(
        (0..c.array.len())
            .map(|i| cell_value(c.array.as_ref(), i))
            .collect(),
    ))
}

fn c_is_null(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("is_null")?;
    let m = arrow_arith::boolean::is_null(c.array.as_ref()).map_err(|e| arrow_err("is_null", e))?;
    Ok(col_value(&c.name, Arc::new(m)))
}

fn c_is_not_null(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    args.none("is_not_null")?;
    let m = arrow_arith::boolean::is_not_null(c.array.as_ref())
        .map_err(|e| arrow_err("is_not_null", e))?;
    Ok(col_value(&c.name, Arc::new(m)))
}

fn c_fill_null(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    let a = args.positional_only("fill_null", 1, 1)?;
    Ok(col_value(&c.name, fill("fill_null", &c.array, &a[0])?))
}

fn c_cast(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    let a = args.positional_only("cast", 1, 1)?;
    let ty = string("cast", "type", &a[0])?;
    let to = convert::parse_type("cast", &ty)?;
    Ok(col_value(
        &c.name,
        cast_array("cast", &c.name, &c.array, &to)?,
    ))
}

fn c_rename(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let c = recv_column(recv)?;
    let a = args.positional_only("rename", 1, 1)?;
    let name = string("rename", "name", &a[0])?;
    Ok(col_value(&name, c.array.clone()))
}
