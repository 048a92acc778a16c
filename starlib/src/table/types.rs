//! The table types and their Rust-side API: `Table`, `Column`, `GroupBy`,
//! building tables from columns or batches, and concatenating tables.

use super::convert::{arrow_err, cell_value, type_name};
use crate::budget;
use crate::util::err;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_schema::{ArrowError, Field, Schema, SchemaRef};
use engine::error::Result;
use engine::{Thread, Value};
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
    pub(super) table: Table,
    pub(super) keys: Vec<String>,
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

    /// The columns as (name, array) pairs.
    pub(super) fn columns_vec(&self) -> Vec<(String, ArrayRef)> {
        self.names()
            .into_iter()
            .zip(self.batch.columns().iter().cloned())
            .collect()
    }

    /// The rows at `idx`, in that order.
    pub(super) fn take(&self, fname: &str, idx: &UInt32Array) -> Result<Table> {
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

/// The batches as one, concatenated column by column: each column's pieces
/// are dropped as soon as they are copied, so at most one column is held
/// twice (not the whole table, as `concat_batches` would).
pub(crate) fn concat_columnwise(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> std::result::Result<RecordBatch, ArrowError> {
    if batches.len() == 1 {
        return Ok(batches
            .into_iter()
            .next()
            .unwrap_or_else(|| RecordBatch::new_empty(schema)));
    }
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let ncols = schema.fields().len();
    let mut pieces: Vec<Vec<ArrayRef>> = vec![Vec::with_capacity(batches.len()); ncols];
    for b in batches {
        for (i, c) in b.columns().iter().enumerate() {
            if let Some(p) = pieces.get_mut(i) {
                p.push(c.clone());
            }
        }
    }
    let mut columns = Vec::with_capacity(ncols);
    for p in pieces.iter_mut() {
        let parts = std::mem::take(p);
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        let one = match refs.as_slice() {
            [] => arrow_array::new_empty_array(schema.field(columns.len()).data_type()),
            _ => arrow_select::concat::concat(&refs)?,
        };
        drop(refs);
        drop(parts);
        columns.push(one);
    }
    RecordBatch::try_new_with_options(
        schema,
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )
}

/// A column value named `name`.
pub(super) fn col_value(name: &str, array: ArrayRef) -> Value {
    Value::native(Column {
        name: name.to_string(),
        array,
    })
}

/// The tables one after another; later tables are cast to the first
/// one's column types. The result (and any cast) is charged before it is
/// made.
pub(super) fn concat_tables(thread: &mut Thread, fname: &str, tables: &[&Table]) -> Result<Table> {
    let Some(first) = tables.first() else {
        return Err(err(fname, "nothing to concatenate"));
    };
    let schema = first.schema();
    let mut bytes = budget::table_header(schema.fields().len());
    for t in tables {
        for (c, f) in t.batch.columns().iter().zip(schema.fields()) {
            bytes = bytes.saturating_add(budget::array_bytes(c.as_ref()));
            if c.data_type() != f.data_type() {
                bytes = bytes.saturating_add(budget::convert_bytes(c.as_ref(), f.data_type()));
            }
        }
    }
    budget::charge(thread, fname, bytes)?;
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
