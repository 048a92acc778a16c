//! Conversions between Starlark values, JSON values and Arrow bodies, both
//! directions: [`body_to_value`] and [`value_to_body`] express the one
//! difference between starlib majors ([`BodyForm`], and [`RowLists`] for
//! how a list of lists is read back).

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use datasets::Body;
use engine::error::{EvalError, Result};
use engine::Value;
use starlib::table::convert::values_to_array;
use starlib::table::Table;
use starlib::BodyForm;
use std::sync::Arc;

/// The starlib table inside `v`, if it is one.
pub fn as_table(v: &Value) -> Option<&Table> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Table>(),
        _ => None,
    }
}

fn items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.items().clone()),
        Value::Tuple(t) => Some(t.as_ref().clone()),
        _ => None,
    }
}

fn key_string(v: &Value) -> Option<String> {
    v.as_str().map(|s| s.to_str_lossy().into_owned())
}

/// How a list of lists names its columns.
#[derive(Clone, Debug)]
pub enum RowLists {
    /// The first row is the header (starlib 2.x).
    HeaderFirst,
    /// Every row is data, as in Qri (starlib 1.x): the columns take the
    /// first of these name lists that is as wide as the rows, else
    /// `field_1`, `field_2`, ...
    AllData(Vec<Vec<String>>),
}

impl RowLists {
    /// How columns that mix kinds are made: JSON columns for Qri's rows.
    pub fn mixed(&self) -> Mixed {
        match self {
            RowLists::HeaderFirst => Mixed::Refuse,
            RowLists::AllData(_) => Mixed::Json,
        }
    }

    /// The candidate names of data rows (none when the first row is the
    /// header).
    pub fn data_names(&self) -> &[Vec<String>] {
        match self {
            RowLists::HeaderFirst => &[],
            RowLists::AllData(c) => c,
        }
    }
}

/// The names of `width` columns of data rows: the first candidate that wide,
/// else `field_1`, `field_2`, ...
fn data_row_names(candidates: &[Vec<String>], width: usize) -> Vec<String> {
    match candidates.iter().find(|names| names.len() == width) {
        Some(names) => names.clone(),
        None => (1..=width).map(|i| format!("field_{i}")).collect(),
    }
}

/// A body as one table (a body with no rows keeps its columns).
fn body_table(body: &Body) -> Result<Table> {
    let empty = [RecordBatch::new_empty(body.schema.clone())];
    let batches = if body.batches.is_empty() {
        &empty[..]
    } else {
        &body.batches[..]
    };
    Table::from_batches(batches).map_err(|e| EvalError::new(format!("dataset body: {e}")))
}

/// A body as a release hands it to scripts ([`BodyForm`]): a `Table`, or
/// Qri's list of rows, each a list of values (strings, ints, floats,
/// bools, None). A body with no rows keeps its columns.
pub fn body_to_value(form: BodyForm, body: &Body) -> Result<Value> {
    match form {
        BodyForm::Table => body_table(body).map(Value::native),
        BodyForm::RowLists => {
            let json: Vec<bool> = body
                .schema
                .fields()
                .iter()
                .map(|f| is_json_field(f))
                .collect();
            let mut rows = Vec::with_capacity(body.num_rows());
            for b in &body.batches {
                for i in 0..b.num_rows() {
                    let row: Vec<Value> = b
                        .columns()
                        .iter()
                        .zip(&json)
                        .map(|(c, &is_json)| {
                            let v = starlib::table::cell_value(c.as_ref(), i);
                            match (&v, is_json) {
                                (Value::Str(s), true) => serde_json::from_slice(s.as_bytes())
                                    .map(|j| json_to_value(&j))
                                    .unwrap_or(v),
                                _ => v,
                            }
                        })
                        .collect();
                    rows.push(Value::list(row));
                }
            }
            Ok(Value::list(rows))
        }
    }
}

/// Whether `names` are the positional names Quarry gives columns that have
/// none (`field_1`, `field_2`, ...): Qri's base schema, whose DataFrame
/// columns are labelled 0, 1, ...
fn positional(names: &[String]) -> bool {
    !names.is_empty()
        && names
            .iter()
            .enumerate()
            .all(|(i, n)| *n == format!("field_{}", i + 1))
}

/// A body as Qri's DataFrame (starlib 1.x's `ds.body`): columns named as
/// stored, or labelled by position when the body has positional names.
pub fn body_to_frame(body: &Body) -> Result<Value> {
    let table = body_table(body)?;
    let names: Vec<String> = body
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let frame = starlib::dataframe::dataframe_from_batch(table.batch);
    if positional(&names) {
        if let Some(d) = starlib::dataframe::as_frame(&frame) {
            d.frame.borrow_mut().names = None;
        }
    }
    Ok(frame)
}

/// The body a DataFrame holds (`None` if `v` is not one). Columns labelled
/// by position take the first of `names` as wide (as Qri kept the previous
/// structure's names), else Quarry's positional names (`field_1`, ...).
pub fn frame_to_body(fname: &str, v: &Value, names: &[Vec<String>]) -> Option<Result<Body>> {
    let batch = starlib::dataframe::dataframe_to_batch(v)?;
    let unlabelled =
        starlib::dataframe::as_frame(v).is_some_and(|d| d.frame.borrow().names.is_none());
    Some(
        batch
            .map_err(|e| EvalError::new(format!("{fname}: {e}")))
            .and_then(|b| frame_batch_to_body(fname, b, unlabelled.then_some(names))),
    )
}

/// A frame's batch as a body; with `names`, its columns are positional and
/// take the first of them as wide, else `field_1`, `field_2`, ...
fn frame_batch_to_body(
    fname: &str,
    batch: RecordBatch,
    names: Option<&[Vec<String>]>,
) -> Result<Body> {
    let schema = batch.schema();
    let given = names.map(|n| data_row_names(n, schema.fields().len()));
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = match &given {
                Some(g) => g[i].clone(),
                None => f.name().clone(),
            };
            Field::new(name, f.data_type().clone(), true)
        })
        .collect();
    let field_names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
    check_unique_names(fname, &field_names)?;
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new_with_options(
        schema.clone(),
        batch.columns().to_vec(),
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
    .map_err(|e| EvalError::new(format!("{fname}: {e}")))?;
    Ok(Body {
        schema,
        batches: vec![batch],
    })
}

/// A body from a Starlark value: a table, a DataFrame, a list of dicts, or a list of
/// lists (named as `lists` says).
pub fn value_to_body(fname: &str, v: &Value, lists: &RowLists) -> Result<Body> {
    if let Some(body) = frame_to_body(fname, v, lists.data_names()) {
        return body;
    }
    if let Some(t) = as_table(v) {
        let b = t.batch.clone();
        return Ok(Body {
            schema: b.schema(),
            batches: vec![b],
        });
    }
    let rows = items(v).ok_or_else(|| {
        EvalError::new(format!(
            "{fname}: a body must be a table, a list of dicts or a list of lists, got {}",
            v.type_name()
        ))
    })?;
    let Some(first) = rows.first() else {
        return columns_to_body(fname, Vec::new(), Vec::new());
    };
    if let Value::Dict(_) = first {
        let mut header: Vec<String> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let Value::Dict(d) = row else {
                return Err(EvalError::new(format!(
                    "{fname}: body row {} is a {}, but row 1 is a dict",
                    i + 1,
                    row.type_name()
                )));
            };
            for k in d.keys() {
                let name = key_string(&k).ok_or_else(|| {
                    EvalError::new(format!(
                        "{fname}: body row {} has a {} key; column names must be strings",
                        i + 1,
                        k.type_name()
                    ))
                })?;
                if !header.contains(&name) {
                    header.push(name);
                }
            }
        }
        let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(rows.len()); header.len()];
        for row in &rows {
            if let Value::Dict(d) = row {
                for (c, name) in header.iter().enumerate() {
                    cols[c].push(d.get_str(name).unwrap_or(Value::None));
                }
            }
        }
        return columns_to_body_as(fname, header, cols, lists.mixed());
    }
    if let (RowLists::AllData(candidates), None) = (lists, items(first)) {
        // Qri's one-dimensional body: `[1, 2, 3]` is one column; its values
        // may mix kinds, lists and dicts included (a JSON column).
        let name = data_row_names(candidates, 1).remove(0);
        return columns_to_body_as(fname, vec![name], vec![rows], Mixed::Json);
    }
    let first_row = items(first).ok_or_else(|| {
        let want = match lists {
            RowLists::HeaderFirst => "a list of column names or a dict",
            RowLists::AllData(_) => "a list of values or a dict",
        };
        EvalError::new(format!(
            "{fname}: body row 1 is a {}; want {want}",
            first.type_name()
        ))
    })?;
    let (header, data_from, width_of) = match lists {
        RowLists::HeaderFirst => {
            let mut header = Vec::with_capacity(first_row.len());
            for h in &first_row {
                header.push(key_string(h).ok_or_else(|| {
                    EvalError::new(format!(
                        "{fname}: the header (row 1) holds a {}; column names must be strings",
                        h.type_name()
                    ))
                })?);
            }
            (header, 1, "the header")
        }
        RowLists::AllData(candidates) => (data_row_names(candidates, first_row.len()), 0, "row 1"),
    };
    let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(rows.len()); header.len()];
    for (i, row) in rows.iter().enumerate().skip(data_from) {
        let cells = items(row).ok_or_else(|| {
            EvalError::new(format!(
                "{fname}: body row {} is a {}, want a list",
                i + 1,
                row.type_name()
            ))
        })?;
        if cells.len() != header.len() {
            return Err(EvalError::new(format!(
                "{fname}: body row {} has {} values, {width_of} has {}",
                i + 1,
                cells.len(),
                header.len()
            )));
        }
        for (c, cell) in cells.into_iter().enumerate() {
            cols[c].push(cell);
        }
    }
    columns_to_body_as(fname, header, cols, lists.mixed())
}

/// A body from named columns of Starlark values (types inferred).
pub fn columns_to_body(fname: &str, header: Vec<String>, cols: Vec<Vec<Value>>) -> Result<Body> {
    columns_to_body_as(fname, header, cols, Mixed::Refuse)
}

/// What a column whose values cannot share one type becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mixed {
    /// An error naming the column (typed bodies, starlib 2.x).
    Refuse,
    /// A JSON column (Arrow's `arrow.json` extension: each cell its JSON
    /// text), read back as the values it held: Qri stored any JSON array,
    /// so 1.x bodies may mix ints, strings, lists and dicts in a column.
    Json,
}

/// The extension name Arrow gives JSON text columns.
pub const JSON_EXTENSION: &str = "arrow.json";

/// Whether `field` is a JSON column ([`Mixed::Json`]).
pub fn is_json_field(field: &Field) -> bool {
    field
        .metadata()
        .get("ARROW:extension:name")
        .map(String::as_str)
        == Some(JSON_EXTENSION)
}

/// A JSON column of `values` (None stays null).
fn json_column(fname: &str, name: &str, values: &[Value]) -> Result<(Field, ArrayRef)> {
    let mut texts: Vec<Option<String>> = Vec::with_capacity(values.len());
    for v in values {
        texts.push(match v {
            Value::None => None,
            v => Some(value_to_json(&format!("{fname}: column {name:?}"), v)?.to_string()),
        });
    }
    let array: ArrayRef = Arc::new(arrow_array::StringArray::from(texts));
    let field = Field::new(name, arrow_schema::DataType::Utf8, true).with_metadata(
        [(
            "ARROW:extension:name".to_string(),
            JSON_EXTENSION.to_string(),
        )]
        .into_iter()
        .collect::<std::collections::HashMap<String, String>>(),
    );
    Ok((field, array))
}

/// [`columns_to_body`], with columns that cannot share a type made as
/// `mixed` says.
pub fn columns_to_body_as(
    fname: &str,
    header: Vec<String>,
    cols: Vec<Vec<Value>>,
    mixed: Mixed,
) -> Result<Body> {
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    check_unique_names(fname, &names)?;
    let mut fields = Vec::with_capacity(header.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(header.len());
    for (name, values) in header.into_iter().zip(cols) {
        match values_to_array(fname, &name, &values) {
            Ok(a) => {
                fields.push(Field::new(name, a.data_type().clone(), true));
                arrays.push(a);
            }
            Err(_) if mixed == Mixed::Json => {
                let (f, a) = json_column(fname, &name, &values)?;
                fields.push(f);
                arrays.push(a);
            }
            Err(e) => return Err(e),
        }
    }
    let schema = Arc::new(Schema::new(fields));
    if arrays.is_empty() {
        return Ok(Body {
            schema,
            batches: Vec::new(),
        });
    }
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| EvalError::new(format!("{fname}: {e}")))?;
    Ok(Body {
        schema,
        batches: vec![batch],
    })
}

/// Fails on a column name given twice.
fn check_unique_names(fname: &str, names: &[&str]) -> Result<()> {
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(EvalError::new(format!(
                "{fname}: duplicate column name {name:?}"
            )));
        }
    }
    Ok(())
}

/// How deeply nested a value converted to JSON may be.
pub const MAX_JSON_DEPTH: usize = 128;
/// How many values one conversion to JSON may visit.
const MAX_JSON_NODES: usize = 1_000_000;

/// A Starlark value as JSON (for meta): None, bools, numbers, strings,
/// lists/tuples and dicts with string keys. A cyclic value, one nested
/// deeper than [`MAX_JSON_DEPTH`] or one of more than a million parts is
/// an error, never a crash.
pub fn value_to_json(what: &str, v: &Value) -> Result<serde_json::Value> {
    let mut walk = JsonWalk {
        what,
        path: Vec::new(),
        nodes: 0,
    };
    engine::stack_guard(|| walk.value(v))
}

struct JsonWalk<'a> {
    what: &'a str,
    /// Addresses of the lists and dicts being converted (for cycles).
    path: Vec<usize>,
    nodes: usize,
}

impl JsonWalk<'_> {
    fn err(&self, msg: impl std::fmt::Display) -> EvalError {
        EvalError::new(format!("{}: {msg}", self.what))
    }

    fn enter(&mut self, addr: usize) -> Result<()> {
        if self.path.contains(&addr) {
            return Err(self.err("the value contains itself (a cycle) and cannot be stored"));
        }
        if self.path.len() >= MAX_JSON_DEPTH {
            return Err(self.err(format!("nested deeper than {MAX_JSON_DEPTH} levels")));
        }
        self.path.push(addr);
        Ok(())
    }

    fn value(&mut self, v: &Value) -> Result<serde_json::Value> {
        use serde_json::Value as J;
        self.nodes += 1;
        if self.nodes > MAX_JSON_NODES {
            return Err(self.err(format!("more than {MAX_JSON_NODES} values in one value")));
        }
        Ok(match v {
            Value::None => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .ok_or_else(|| self.err(format!("cannot store {f} in JSON")))?,
            Value::Str(s) => J::String(s.to_str_lossy().into_owned()),
            Value::List(_) | Value::Tuple(_) => {
                let list = items(v).unwrap_or_default();
                self.enter(addr(v))?;
                let out = list
                    .iter()
                    .map(|x| self.value(x))
                    .collect::<Result<Vec<_>>>()?;
                self.path.pop();
                J::Array(out)
            }
            Value::Dict(d) => {
                self.enter(addr(v))?;
                let mut m = serde_json::Map::new();
                let entries: Vec<(Value, Value)> = d
                    .entries()
                    .iter()
                    .map(|(k, x)| (k.value.clone(), x.clone()))
                    .collect();
                for (k, x) in &entries {
                    let key = key_string(k).ok_or_else(|| {
                        self.err(format!("keys must be strings, got {}", k.type_name()))
                    })?;
                    m.insert(key, self.value(x)?);
                }
                self.path.pop();
                J::Object(m)
            }
            Value::BigInt(_) => {
                return Err(self.err(format!(
                    "the int {} is too large to store (stored ints are 64-bit); store it as a string",
                    engine::values::repr(v)
                )))
            }
            other => {
                return Err(self.err(format!(
                    "cannot store a value of type {} (want None, bool, int, float, string, list or dict)",
                    other.type_name()
                )))
            }
        })
    }
}

/// The address of a list, tuple or dict (its identity, for cycle checks).
fn addr(v: &Value) -> usize {
    match v {
        Value::List(l) => std::rc::Rc::as_ptr(l) as *const u8 as usize,
        Value::Tuple(t) => std::rc::Rc::as_ptr(t) as *const u8 as usize,
        Value::Dict(d) => std::rc::Rc::as_ptr(d) as *const u8 as usize,
        _ => 0,
    }
}

/// A JSON value as a Starlark value.
pub fn json_to_value(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::None,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::str(s),
        J::Array(a) => Value::list(a.iter().map(json_to_value).collect()),
        J::Object(m) => {
            let d = Value::new_dict();
            if let Value::Dict(dd) = &d {
                for (k, x) in m {
                    // A fresh dict is unfrozen and string keys hash: cannot fail.
                    let _ = dd.insert(Value::str(k), json_to_value(x));
                }
            }
            d
        }
    }
}

/// Parses text as a body: `json` (an array of objects or of arrays, named
/// as `lists` says) or `csv` (a header row; read by `tabular`, with the
/// same column types as `csv.read` and `quarry save --body file.csv`).
pub fn parse_body(
    thread: &mut engine::Thread,
    fname: &str,
    text: &str,
    parse_as: &str,
    lists: &RowLists,
) -> Result<Body> {
    match parse_as {
        "json" => {
            let j: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| EvalError::new(format!("{fname}: invalid JSON body: {e}")))?;
            value_to_body(fname, &json_to_value(&j), lists)
        }
        "csv" => {
            // Read as `csv.read` reads: charged to the run's budget as it
            // is parsed, and cancellable.
            let table = starlib::table::io::read_csv_bytes(
                thread,
                fname,
                text.as_bytes(),
                tabular::CsvOptions::default(),
            )?;
            let schema = table.batch.schema();
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            check_unique_names(fname, &names)?;
            Ok(Body {
                schema: schema.clone(),
                batches: vec![table.batch],
            })
        }
        other => Err(EvalError::new(format!(
            "{fname}: unknown parse_as {other:?} (want \"json\" or \"csv\")"
        ))),
    }
}
