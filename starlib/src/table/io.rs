//! Tables from and to text: `csv.read` / `table.from_csv` (`tabular`'s CSV
//! reader, with types inferred or given), `csv.write` and `t.to_csv()`,
//! `json.read` / `table.from_json` (a JSON array of objects, or NDJSON) and
//! `t.to_json()`.

use super::convert::{arrow_err, parse_type};
use super::{table_arg, Table};
use crate::util::err;
use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema};
use engine::args::{optional, required, type_error};
use engine::error::Result;
use engine::{Args, Thread, Value};
use std::sync::Arc;

/// Reads CSV bytes into a table with `tabular`, the one CSV reader of the
/// workspace (the same types as `quarry save --body file.csv` and
/// `set_body(parse_as="csv")`): types inferred from a sample, and again
/// from every record when a later one does not fit, unless `schema` is
/// given. An input without records keeps its columns.
fn read_csv_bytes(
    data: &[u8],
    header: bool,
    delimiter: u8,
    schema: Option<Arc<Schema>>,
) -> std::result::Result<Table, String> {
    let opts = tabular::CsvOptions {
        has_header: header,
        delimiter,
        schema,
        ..Default::default()
    };
    let read = tabular::read_slice(data, &opts).map_err(|e| e.to_string())?;
    let batches = match read.batches {
        b if b.is_empty() => vec![RecordBatch::new_empty(read.schema)],
        b => b,
    };
    Table::from_batches(&batches).map_err(|e| e.to_string())
}

/// `csv.read(source, header=True, delimiter=",", schema=None)`.
pub fn csv_read(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "csv.read";
    let [source, header, delimiter, schema] =
        args.bind(F, &["source", "header?", "delimiter?", "schema?"])?;
    let source = source.unwrap_or(Value::None);
    let header = optional::<bool>(F, "header", &header, true)?;
    let delimiter = crate::csv::one_byte(
        F,
        "delimiter",
        &optional(F, "delimiter", &delimiter, ",".to_string())?,
        b',',
    )?;
    let schema = match &schema {
        None | Some(Value::None) => None,
        Some(Value::Dict(_)) => {
            let pairs = required::<Vec<(String, String)>>(F, "schema", &schema)?;
            let fields = pairs
                .iter()
                .map(|(n, t)| Ok(Field::new(n, parse_type(F, t)?, true)))
                .collect::<Result<Vec<_>>>()?;
            Some(Arc::new(Schema::new(fields)))
        }
        Some(v) => return Err(type_error(F, "schema", v, "dict")),
    };
    let r = match &source {
        Value::Str(s) => read_csv_bytes(s.as_bytes(), header, delimiter, schema),
        Value::Bytes(b) => read_csv_bytes(b, header, delimiter, schema),
        v => return Err(type_error(F, "source", v, "string or bytes")),
    };
    let t = r.map_err(|e| err(F, e))?;
    thread.account(t.batch.get_array_memory_size())?;
    Ok(Value::native(t))
}

/// Writes a table as CSV text.
pub fn write_csv(
    fname: &str,
    t: &Table,
    delimiter: &Option<Value>,
    header: &Option<Value>,
) -> Result<Value> {
    let delimiter = crate::csv::one_byte(
        fname,
        "delimiter",
        &optional(fname, "delimiter", delimiter, ",".to_string())?,
        b',',
    )?;
    let header = optional::<bool>(fname, "header", header, true)?;
    let mut buf = Vec::new();
    {
        let mut w = arrow_csv::WriterBuilder::new()
            .with_header(header)
            .with_delimiter(delimiter)
            .build(&mut buf);
        w.write(&t.batch).map_err(|e| arrow_err(fname, e))?;
    }
    Ok(Value::str_bytes(buf))
}

/// `csv.write(table, delimiter=",", header=True)`.
pub fn csv_write(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "csv.write";
    let [table, delimiter, header] = args.bind(F, &["table", "delimiter?", "header?"])?;
    let tv = table.unwrap_or(Value::None);
    let t = table_arg(F, "table", &tv)?;
    write_csv(F, t, &delimiter, &header)
}

/// Writes a table as a JSON array of objects (nulls written as null).
pub fn write_json(fname: &str, t: &Table) -> Result<Value> {
    let mut buf = Vec::new();
    {
        let mut w = arrow_json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, arrow_json::writer::JsonArray>(&mut buf);
        w.write(&t.batch).map_err(|e| arrow_err(fname, e))?;
        w.finish().map_err(|e| arrow_err(fname, e))?;
    }
    if buf.is_empty() {
        buf.extend_from_slice(b"[]");
    }
    Ok(Value::str_bytes(buf))
}

/// `json.read(source, ndjson=None)`: a JSON array of objects, or one object
/// per line (NDJSON; detected when `ndjson` is None), as a table.
pub fn json_read(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "json.read";
    let [source, ndjson] = args.bind(F, &["source", "ndjson?"])?;
    let data = required::<Vec<u8>>(F, "source", &source)?;
    let text = std::str::from_utf8(&data)
        .map_err(|e| err(F, format!("source is not valid UTF-8: {e}")))?;
    let trimmed = text.trim_start();
    let nd = match ndjson {
        None | Some(Value::None) => !trimmed.starts_with('['),
        v => optional::<bool>(F, "ndjson", &v, false)?,
    };
    let values: Vec<serde_json::Value> = if nd {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| err(F, format!("line {}: invalid JSON: {e}", i + 1)))?;
            out.push(v);
        }
        out
    } else {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err(F, format!("invalid JSON: {e}")))?;
        match v {
            serde_json::Value::Array(items) => items,
            other => {
                return Err(err(
                    F,
                    format!(
                        "want a JSON array of objects, got a JSON {}",
                        json_kind(&other)
                    ),
                ))
            }
        }
    };
    for (i, v) in values.iter().enumerate() {
        if !v.is_object() {
            return Err(err(
                F,
                format!(
                    "record {}: want a JSON object, got a JSON {}",
                    i + 1,
                    json_kind(v)
                ),
            ));
        }
    }
    if values.is_empty() {
        return Ok(Value::native(
            Table::from_batches(&[]).map_err(|e| arrow_err(F, e))?,
        ));
    }
    let schema = arrow_json::reader::infer_json_schema_from_iterator(values.iter().map(Ok))
        .map_err(|e| arrow_err(F, e))?;
    let schema = Arc::new(schema);
    let mut decoder = arrow_json::ReaderBuilder::new(schema.clone())
        .with_batch_size(values.len().max(1))
        .build_decoder()
        .map_err(|e| arrow_err(F, e))?;
    decoder.serialize(&values).map_err(|e| arrow_err(F, e))?;
    let batch = decoder.flush().map_err(|e| arrow_err(F, e))?;
    let batches: Vec<_> = batch.into_iter().collect();
    let t = Table::from_batches(&batches).map_err(|e| arrow_err(F, e))?;
    thread.account(t.batch.get_array_memory_size())?;
    Ok(Value::native(t))
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}
