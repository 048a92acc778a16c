//! Tables from and to text: `csv.read` / `table.from_csv` (arrow-csv, with
//! types inferred or given), `csv.write` and `t.to_csv()`, `json.read` /
//! `table.from_json` (a JSON array of objects, or NDJSON) and `t.to_json()`.

use super::convert::{arrow_err, parse_type};
use super::{table_arg, Table};
use crate::util::err;
use arrow_schema::{Field, Schema};
use engine::args::{optional, required, type_error};
use engine::error::Result;
use engine::{Args, Thread, Value};
use std::io::Cursor;
use std::sync::Arc;

/// Records read to infer column types before the full read; if a later
/// record does not fit, the read is retried with types inferred from all.
const INFER_RECORDS: usize = 10_000;
const BATCH_ROWS: usize = 64 * 1024;

fn read_csv_bytes(
    fname: &str,
    data: &[u8],
    header: bool,
    delimiter: u8,
    schema: Option<Arc<Schema>>,
) -> std::result::Result<Table, String> {
    let format = arrow_csv::reader::Format::default()
        .with_header(header)
        .with_delimiter(delimiter);
    let read = |schema: Arc<Schema>| -> std::result::Result<Table, arrow_schema::ArrowError> {
        let reader = arrow_csv::ReaderBuilder::new(schema)
            .with_format(format.clone())
            .with_batch_size(BATCH_ROWS)
            .build(Cursor::new(data))?;
        let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
        Table::from_batches(&batches)
    };
    if let Some(s) = schema {
        return read(s).map_err(|e| e.to_string());
    }
    let (inferred, _) = format
        .infer_schema(Cursor::new(data), Some(INFER_RECORDS))
        .map_err(|e| e.to_string())?;
    match read(Arc::new(inferred)) {
        Ok(t) => Ok(t),
        Err(first) => {
            let (full, n) = format
                .infer_schema(Cursor::new(data), None)
                .map_err(|e| e.to_string())?;
            if n <= INFER_RECORDS {
                return Err(first.to_string());
            }
            let _ = fname;
            read(Arc::new(full)).map_err(|e| e.to_string())
        }
    }
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
        Value::Str(s) => read_csv_bytes(F, s.as_bytes(), header, delimiter, schema),
        Value::Bytes(b) => read_csv_bytes(F, b, header, delimiter, schema),
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
