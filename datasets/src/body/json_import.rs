//! JSON import: a JSON array of objects (or, as Qri stored bodies, of
//! arrays) or NDJSON (one object or array per line),
//! with the schema inferred from the records and errors that name the
//! record, line and field.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use serde_json::Value;

use super::parquet::CHUNK_ROWS;
use super::{Format, ImportOptions};
use crate::error::{DatasetError, Result};
use crate::model::Body;

/// Import a JSON array or NDJSON text.
pub(super) fn import_json_bytes(data: &[u8], format: Format, opts: &ImportOptions) -> Result<Body> {
    let fmt_name = format.as_str();
    let syntax = |e: serde_json::Error, line_base: Option<u64>, record: u64| DatasetError::Import {
        format: fmt_name.into(),
        record,
        line: Some(line_base.unwrap_or(e.line() as u64)),
        column: Some(format!("character {}", e.column())),
        msg: format!("invalid JSON: {e}"),
    };
    // (record value, 1-based line where known)
    let mut records: Vec<(Value, Option<u64>)> = Vec::new();
    match format {
        Format::Json => {
            let v: Value = serde_json::from_slice(data).map_err(|e| syntax(e, None, 0))?;
            match v {
                Value::Array(items) => records.extend(items.into_iter().map(|v| (v, None))),
                _ => {
                    return Err(DatasetError::Import {
                        format: fmt_name.into(),
                        record: 0,
                        line: Some(1),
                        column: None,
                        msg: "expected a JSON array of objects or of arrays".into(),
                    })
                }
            }
        }
        _ => {
            let mut record = 0u64;
            for (i, line) in data.split(|&b| b == b'\n').enumerate() {
                let line_no = i as u64 + 1;
                let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
                if trimmed.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                record += 1;
                let v: Value = serde_json::from_slice(trimmed)
                    .map_err(|e| syntax(e, Some(line_no), record))?;
                records.push((v, Some(line_no)));
            }
        }
    }
    rows_to_records(&mut records, opts, fmt_name)?;
    for (i, (v, line)) in records.iter().enumerate() {
        if !v.is_object() {
            return Err(DatasetError::Import {
                format: fmt_name.into(),
                record: i as u64 + 1,
                line: *line,
                column: None,
                msg: format!("expected an object, found {}", json_kind(v)),
            });
        }
    }
    let inferred = opts.schema.is_none();
    let schema = match &opts.schema {
        Some(s) => s.clone(),
        None => Arc::new(
            arrow_json::reader::infer_json_schema_from_iterator(
                records
                    .iter()
                    .take(opts.infer_records.max(1))
                    .map(|(v, _)| Ok(v)),
            )
            .map_err(|e| DatasetError::Import {
                format: fmt_name.into(),
                record: 0,
                line: None,
                column: None,
                msg: format!("cannot infer a schema: {e}"),
            })?,
        ),
    };
    let decode =
        |slice: &[(Value, Option<u64>)]| -> std::result::Result<Vec<RecordBatch>, ArrowError> {
            let mut dec = arrow_json::ReaderBuilder::new(schema.clone())
                .with_batch_size(CHUNK_ROWS)
                .with_coerce_primitive(inferred)
                .build_decoder()?;
            let mut out = Vec::new();
            for chunk in slice.chunks(CHUNK_ROWS) {
                let vals: Vec<&Value> = chunk.iter().map(|(v, _)| v).collect();
                dec.serialize(&vals)?;
                if let Some(b) = dec.flush()? {
                    out.push(b);
                }
            }
            Ok(out)
        };
    match decode(&records) {
        Ok(batches) => Body::new(schema.clone(), batches),
        Err(e) => {
            // Find the first record that fails on its own, for the message.
            let mut at = None;
            for (i, r) in records.iter().enumerate() {
                if let Err(e1) = decode(std::slice::from_ref(r)) {
                    at = Some((i, r.1, e1));
                    break;
                }
            }
            let (record, line, err) = match at {
                Some((i, line, e1)) => (i as u64 + 1, line, e1),
                None => (0, None, e),
            };
            let msg = match &err {
                ArrowError::JsonError(m) => m.clone(),
                other => other.to_string(),
            };
            let column = msg
                .strip_prefix("whilst decoding field '")
                .and_then(|r| r.split_once('\''))
                .map(|(name, _)| format!("'{name}'"));
            Err(DatasetError::Import {
                format: fmt_name.into(),
                record,
                line,
                column,
                msg,
            })
        }
    }
}

/// Qri's JSON bodies are arrays of arrays: when the first record is an
/// array, every record must be an array of the same width, and each becomes
/// an object whose keys are the given schema's names (when as wide) or
/// `field_1`, `field_2`, ...
fn rows_to_records(
    records: &mut [(Value, Option<u64>)],
    opts: &ImportOptions,
    fmt_name: &str,
) -> Result<()> {
    let Some(Value::Array(first)) = records.first().map(|r| &r.0) else {
        return Ok(());
    };
    let width = first.len();
    let names: Vec<String> = match &opts.schema {
        Some(s) if s.fields().len() == width => {
            s.fields().iter().map(|f| f.name().clone()).collect()
        }
        _ => (1..=width).map(|i| format!("field_{i}")).collect(),
    };
    for (i, (v, line)) in records.iter_mut().enumerate() {
        let Value::Array(items) = v else {
            return Err(DatasetError::Import {
                format: fmt_name.into(),
                record: i as u64 + 1,
                line: *line,
                column: None,
                msg: format!("expected an array like record 1, found {}", json_kind(v)),
            });
        };
        if items.len() != width {
            return Err(DatasetError::Import {
                format: fmt_name.into(),
                record: i as u64 + 1,
                line: *line,
                column: None,
                msg: format!("has {} values, record 1 has {width}", items.len()),
            });
        }
        let object: serde_json::Map<String, Value> =
            names.iter().cloned().zip(std::mem::take(items)).collect();
        *v = Value::Object(object);
    }
    Ok(())
}

/// What kind of JSON value `v` is, for messages ("a number").
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
