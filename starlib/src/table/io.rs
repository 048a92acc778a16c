//! Tables from and to text: `csv.read` / `table.from_csv` (`tabular`'s CSV
//! reader, with types inferred or given), `csv.write` and `t.to_csv()`,
//! `json.read` / `table.from_json` (a JSON array of objects, or NDJSON) and
//! `t.to_json()`. Decoders charge what they make to the run's budget
//! before or as they make it (`crate::budget`), a batch at a time.

use super::convert::{arrow_err, parse_type};
use super::types::concat_columnwise;
use super::{table_arg, Table};
use crate::budget;
use crate::util::err;
use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema};
use engine::args::{optional, required, type_error};
use engine::error::{EvalError, Result};
use engine::{Args, Thread, Value};
use std::sync::Arc;

/// Reads CSV bytes into a table with `tabular`, the one CSV reader of the
/// workspace (the same types as `quarry save --body file.csv` and
/// `set_body(parse_as="csv")`): types inferred from a sample, and again
/// from every record when a later one does not fit, unless `schema` is
/// given. An input without records keeps its columns.
///
/// Memory is charged before the table is made: an estimate from the
/// input's size, lines and column types when a pass starts, then each
/// batch as it is parsed (the larger of the two counts); cancellation is
/// polled per batch.
pub(crate) fn read_csv_bytes(
    thread: &mut Thread,
    fname: &str,
    data: &[u8],
    opts: tabular::CsvOptions,
) -> Result<Table> {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let stop = budget::Interrupt::of(thread);
    let mut charged: Option<budget::Reservation> = None;
    let mut pass_bytes = 0usize;
    let mut failure: Option<EvalError> = None;
    let mut watch = |event: tabular::ReadEvent<'_>| -> std::result::Result<(), tabular::CsvError> {
        let step = match event {
            tabular::ReadEvent::Pass(schema) => {
                pass_bytes = 0;
                let types: Vec<_> = schema
                    .fields()
                    .iter()
                    .map(|f| f.data_type().clone())
                    .collect();
                let estimate = budget::csv_estimate(data.len(), lines, &types);
                match charged.as_mut() {
                    Some(r) => r.cover(thread, estimate),
                    None => budget::Reservation::new(thread, fname, estimate).map(|r| {
                        charged = Some(r);
                    }),
                }
            }
            tabular::ReadEvent::Batch(b) => {
                pass_bytes = pass_bytes.saturating_add(b.get_array_memory_size());
                let total = pass_bytes;
                stop.check()
                    .and_then(|()| thread.step())
                    .and_then(|()| match charged.as_mut() {
                        Some(r) => r.cover(thread, total),
                        None => budget::charge(thread, fname, total),
                    })
            }
        };
        step.map_err(|e| {
            let msg = e.msg.clone();
            failure = Some(e);
            tabular::CsvError::Stopped(msg)
        })
    };
    let read = tabular::read_slice_watched(data, &opts, &mut watch);
    if let Some(e) = failure {
        return Err(e);
    }
    let read = read.map_err(|e| err(fname, e))?;
    if read.batches.is_empty() {
        return Ok(Table {
            batch: RecordBatch::new_empty(read.schema),
        });
    }
    // Concatenating column by column holds one column twice at most.
    let widest = (0..read.schema.fields().len())
        .map(|i| {
            read.batches
                .iter()
                .map(|b| budget::array_bytes(b.column(i).as_ref()))
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    budget::charge(thread, fname, widest)?;
    let batch = concat_columnwise(read.schema, read.batches).map_err(|e| arrow_err(fname, e))?;
    Ok(Table { batch })
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
    let opts = tabular::CsvOptions {
        has_header: header,
        delimiter,
        schema,
        ..Default::default()
    };
    let t = match &source {
        Value::Str(s) => read_csv_bytes(thread, F, s.as_bytes(), opts)?,
        Value::Bytes(b) => read_csv_bytes(thread, F, b, opts)?,
        v => return Err(type_error(F, "source", v, "string or bytes")),
    };
    Ok(Value::native(t))
}

/// How many rows text encoders write between two charges.
const ENCODE_ROWS: usize = 4096;

/// Writes a table as CSV text, a chunk of rows at a time, charging the
/// text as it grows (and polling for cancellation).
pub fn write_csv(
    thread: &mut Thread,
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
    let stop = budget::Interrupt::of(thread);
    // At least the table's bytes: numbers are about as long as text.
    let mut charged = budget::Reservation::new(thread, fname, budget::batch_bytes(&t.batch))?;
    let mut buf = Vec::new();
    let n = t.num_rows();
    let mut off = 0;
    loop {
        let len = ENCODE_ROWS.min(n - off);
        let mut w = arrow_csv::WriterBuilder::new()
            .with_header(header && off == 0)
            .with_delimiter(delimiter)
            .build(&mut buf);
        w.write(&t.batch.slice(off, len))
            .map_err(|e| arrow_err(fname, e))?;
        drop(w);
        // The string value is a copy of the text.
        charged.cover(thread, 2 * buf.capacity())?;
        stop.check()?;
        off += len;
        if off >= n {
            break;
        }
    }
    Ok(Value::str_bytes(buf))
}

/// `csv.write(table, delimiter=",", header=True)`.
pub fn csv_write(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "csv.write";
    let [table, delimiter, header] = args.bind(F, &["table", "delimiter?", "header?"])?;
    let tv = table.unwrap_or(Value::None);
    let t = table_arg(F, "table", &tv)?;
    write_csv(thread, F, t, &delimiter, &header)
}

/// Writes a table as a JSON array of objects (nulls written as null), a
/// chunk of rows at a time, charging the text as it grows.
pub fn write_json(thread: &mut Thread, fname: &str, t: &Table) -> Result<Value> {
    let stop = budget::Interrupt::of(thread);
    let mut charged = budget::Reservation::new(thread, fname, budget::batch_bytes(&t.batch))?;
    let mut buf = Vec::new();
    {
        let mut w = arrow_json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, arrow_json::writer::JsonArray>(&mut buf);
        let n = t.num_rows();
        let mut off = 0;
        while off < n {
            let len = ENCODE_ROWS.min(n - off);
            w.write(&t.batch.slice(off, len))
                .map_err(|e| arrow_err(fname, e))?;
            charged.cover(thread, 2 * w.get_ref().capacity())?;
            stop.check()?;
            off += len;
        }
        w.finish().map_err(|e| arrow_err(fname, e))?;
    }
    if buf.is_empty() {
        buf.extend_from_slice(b"[]");
    }
    charged.cover(thread, 2 * buf.capacity())?;
    Ok(Value::str_bytes(buf))
}

/// The records of JSON text, parsed one at a time (so that no more than
/// one record is held as `serde_json` values): the elements of an array,
/// or the non-empty lines of NDJSON.
struct Records<'a> {
    text: &'a str,
    pos: usize,
    ndjson: bool,
    /// Lines (NDJSON) or elements (array) read so far.
    count: usize,
    started: bool,
    done: bool,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, ndjson: bool) -> Records<'a> {
        Records {
            text,
            pos: 0,
            ndjson,
            count: 0,
            started: false,
            done: false,
        }
    }

    fn skip_space(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// "invalid JSON: ... at line L column C", at byte `at` of the text
    /// plus the position serde reports within the part parsed from there.
    fn invalid(&self, at: usize, e: Option<&serde_json::Error>) -> String {
        let before = &self.text[..at.min(self.text.len())];
        let line0 = before.matches('\n').count() + 1;
        let col0 = before.len() - before.rfind('\n').map_or(0, |p| p + 1);
        match e {
            Some(e) => {
                let full = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                let msg = full.strip_suffix(&suffix).unwrap_or(&full);
                let (line, col) = if e.line() <= 1 {
                    (line0, col0 + e.column())
                } else {
                    (line0 + e.line() - 1, e.column())
                };
                format!("invalid JSON: {msg} at line {line} column {col}")
            }
            None => format!(
                "invalid JSON: expected `,` or `]` at line {line0} column {}",
                col0 + 1
            ),
        }
    }

    fn next_line(&mut self) -> Option<std::result::Result<serde_json::Value, String>> {
        while self.pos < self.text.len() {
            let rest = &self.text[self.pos..];
            let end = rest.find('\n').unwrap_or(rest.len());
            let line = &rest[..end];
            self.pos += end + 1;
            self.count += 1;
            if line.trim().is_empty() {
                continue;
            }
            return Some(
                serde_json::from_str(line)
                    .map_err(|e| format!("line {}: invalid JSON: {e}", self.count)),
            );
        }
        None
    }

    fn next_element(&mut self) -> Option<std::result::Result<serde_json::Value, String>> {
        if !self.started {
            self.started = true;
            self.skip_space();
            // The caller checked the text starts with '['.
            self.pos += 1;
            self.skip_space();
            if self.text[self.pos..].starts_with(']') {
                self.pos += 1;
                return self.end();
            }
        }
        let start = self.pos;
        let mut values = serde_json::Deserializer::from_str(&self.text[start..])
            .into_iter::<serde_json::Value>();
        let v = match values.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Some(Err(self.invalid(start, Some(&e)))),
            None => return Some(Err(self.invalid(start, None))),
        };
        self.pos = start + values.byte_offset();
        self.count += 1;
        self.skip_space();
        match self.text[self.pos..].chars().next() {
            Some(',') => self.pos += 1,
            Some(']') => {
                self.pos += 1;
                if let Some(Err(e)) = self.end() {
                    return Some(Err(e));
                }
            }
            _ => return Some(Err(self.invalid(self.pos, None))),
        }
        Some(Ok(v))
    }

    /// After the closing `]`: only whitespace may follow.
    fn end(&mut self) -> Option<std::result::Result<serde_json::Value, String>> {
        self.done = true;
        self.skip_space();
        if self.pos < self.text.len() {
            let msg = self.invalid(self.pos, None);
            return Some(Err(
                msg.replace("expected `,` or `]`", "trailing characters")
            ));
        }
        None
    }
}

impl Iterator for Records<'_> {
    type Item = std::result::Result<serde_json::Value, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = if self.ndjson {
            self.next_line()
        } else {
            self.next_element()
        };
        if matches!(r, None | Some(Err(_))) {
            self.done = true;
        }
        r
    }
}

/// How many records `json.read` decodes into a batch at a time.
const JSON_BATCH: usize = 4096;

/// `json.read(source, ndjson=None)`: a JSON array of objects, or one object
/// per line (NDJSON; detected when `ndjson` is None), as a table.
///
/// The text is read twice, one record at a time: once to infer the
/// columns, once to decode batches of records, each charged as it is made
/// (after an up-front charge the size of the text).
pub fn json_read(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "json.read";
    let [source, ndjson] = args.bind(F, &["source", "ndjson?"])?;
    let source = source.unwrap_or(Value::None);
    let data: &[u8] = match &source {
        Value::Str(s) => s.as_bytes(),
        Value::Bytes(b) => b,
        v => return Err(type_error(F, "source", v, "string or bytes")),
    };
    let text =
        std::str::from_utf8(data).map_err(|e| err(F, format!("source is not valid UTF-8: {e}")))?;
    let trimmed = text.trim_start();
    let nd = match ndjson {
        None | Some(Value::None) => !trimmed.starts_with('['),
        v => optional::<bool>(F, "ndjson", &v, false)?,
    };
    if !nd && !trimmed.starts_with('[') {
        // Not an array: say what it is (it is one value, or invalid).
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err(F, format!("invalid JSON: {e}")))?;
        return Err(err(
            F,
            format!("want a JSON array of objects, got a JSON {}", json_kind(&v)),
        ));
    }
    let stop = budget::Interrupt::of(thread);
    let mut charged = budget::Reservation::new(thread, F, text.len())?;
    // Pass 1: check every record and infer the columns from the objects.
    let mut syntax: Option<String> = None;
    let mut not_object: Option<String> = None;
    let mut records = 0usize;
    let objects = Records::new(text, nd).filter_map(|r| match r {
        Ok(v) if v.is_object() => {
            records += 1;
            if stop.every(records).is_err() {
                syntax = Some("cancelled".into());
                return None;
            }
            Some(Ok(v))
        }
        Ok(v) => {
            records += 1;
            if not_object.is_none() {
                not_object = Some(format!(
                    "record {records}: want a JSON object, got a JSON {}",
                    json_kind(&v)
                ));
            }
            None
        }
        Err(e) => {
            syntax = Some(e);
            None
        }
    });
    let schema = arrow_json::reader::infer_json_schema_from_iterator(objects);
    stop.check()?;
    if let Some(e) = syntax.or(not_object) {
        return Err(err(F, e));
    }
    let schema = Arc::new(schema.map_err(|e| arrow_err(F, e))?);
    if records == 0 {
        return Ok(Value::native(
            Table::from_batches(&[]).map_err(|e| arrow_err(F, e))?,
        ));
    }
    // Pass 2: decode a batch of records at a time.
    let mut decoder = arrow_json::ReaderBuilder::new(schema.clone())
        .with_batch_size(JSON_BATCH)
        .build_decoder()
        .map_err(|e| arrow_err(F, e))?;
    let mut batches = Vec::new();
    let mut total = 0usize;
    let mut chunk = Vec::with_capacity(JSON_BATCH);
    let mut all = Records::new(text, nd).peekable();
    while all.peek().is_some() {
        chunk.clear();
        for r in all.by_ref().take(JSON_BATCH) {
            chunk.push(r.map_err(|e| err(F, e))?);
        }
        decoder.serialize(&chunk).map_err(|e| arrow_err(F, e))?;
        if let Some(b) = decoder.flush().map_err(|e| arrow_err(F, e))? {
            total = total.saturating_add(b.get_array_memory_size());
            charged.cover(thread, total)?;
            stop.check()?;
            batches.push(b);
        }
    }
    drop(chunk);
    let widest = (0..schema.fields().len())
        .map(|i| {
            batches
                .iter()
                .map(|b| budget::array_bytes(b.column(i).as_ref()))
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    budget::charge(thread, F, widest)?;
    let batch = concat_columnwise(schema, batches).map_err(|e| arrow_err(F, e))?;
    Ok(Value::native(Table { batch }))
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
