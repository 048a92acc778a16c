//! Body I/O: Parquet (the stored form), CSV, JSON and NDJSON import/export.
//!
//! Bodies are stored as Parquet with zstd, written in one streamed pass
//! through a hashing blob writer. The bytes are deterministic for a given
//! schema and rows, whatever the input batch sizes, so an unchanged body
//! hashes to the same blob and is stored once.
//!
//! This file holds the public entry points; the work is split by format:
//! `formats` (the [`Format`] names), `parquet` (the stored form),
//! `csv_import` (with its type inference), `json_import` (JSON and NDJSON)
//! and `timestamps` (parsing CSV timestamp columns).

use std::io::{Read, Write};
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use bytes::Bytes;

use crate::error::{IoContext, Result};
use crate::model::Body;

mod csv_import;
mod formats;
mod json_import;
mod parquet;
mod timestamps;

pub(crate) use self::csv_import::spawn_csv_file;
pub use self::formats::Format;
pub use self::parquet::{
    read_parquet, storage_schema, writer_properties, CHUNK_ROWS, DICTIONARY_PAGE_LIMIT,
    ROW_GROUP_ROWS, ZSTD_LEVEL,
};
pub(crate) use self::parquet::{store_body, ParquetBlobWriter};

/// How to read an imported body.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// CSV: the first line names the columns (default true). Without a
    /// header, columns are named `column_1`, `column_2`, ...
    pub has_header: bool,
    /// CSV: the field delimiter (default `,`).
    pub delimiter: u8,
    /// Use this schema instead of inferring one.
    pub schema: Option<SchemaRef>,
    /// How many records to infer the schema from (default 10,000). When a
    /// later record does not fit the inferred schema, a file import infers
    /// again from the whole file and retries once.
    pub infer_records: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            has_header: true,
            delimiter: b',',
            schema: None,
            infer_records: 10_000,
        }
    }
}

/// Write a body in `format` to `out`.
///
/// JSON and NDJSON write every column of every record (nulls as `null`);
/// CSV writes a header row.
pub fn write_body<W: Write + Send>(body: &Body, format: Format, out: W) -> Result<()> {
    match format {
        Format::Csv => {
            let mut w = arrow_csv::WriterBuilder::new().with_header(true).build(out);
            if body.batches.is_empty() {
                w.write(&RecordBatch::new_empty(body.schema.clone()))?;
            }
            for b in &body.batches {
                w.write(b)?;
            }
            let mut out = w.into_inner();
            out.flush().ctx(|| "flushing csv output".into())?;
        }
        Format::Json => write_json::<_, arrow_json::writer::JsonArray>(body, out, "json", true)?,
        Format::Ndjson => {
            write_json::<_, arrow_json::writer::LineDelimited>(body, out, "ndjson", false)?
        }
        Format::Parquet => self::parquet::write_parquet(body, out)?,
    }
    Ok(())
}

/// Write a body as JSON in the layout `F` (an array, or one object per
/// line), every column of every record; `name` is the format in messages.
fn write_json<W: Write, F: arrow_json::writer::JsonFormat>(
    body: &Body,
    out: W,
    name: &str,
    trailing_newline: bool,
) -> Result<()> {
    let mut w = arrow_json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, F>(out);
    for b in &body.batches {
        w.write(b)?;
    }
    w.finish()?;
    let mut out = w.into_inner();
    if trailing_newline {
        out.write_all(b"\n")
            .ctx(|| format!("writing {name} output"))?;
    }
    out.flush().ctx(|| format!("flushing {name} output"))
}

/// Import a body file into memory.
pub fn import_file(path: &Path, format: Format, opts: &ImportOptions) -> Result<Body> {
    match format {
        Format::Csv => csv_import::import_csv_file(path, opts),
        Format::Parquet => {
            let data = std::fs::read(path).ctx(|| format!("reading {}", path.display()))?;
            self::parquet::read_imported_parquet(Bytes::from(data), Some(path))
        }
        Format::Json | Format::Ndjson => {
            let data = std::fs::read(path).ctx(|| format!("reading {}", path.display()))?;
            json_import::import_json_bytes(&data, format, opts)
        }
    }
}

/// Import a body from any reader (CSV is inferred from a sample only; there
/// is no second pass).
pub fn import_reader<R: Read + Send + 'static>(
    mut reader: R,
    format: Format,
    opts: &ImportOptions,
) -> Result<Body> {
    match format {
        Format::Csv => csv_import::import_csv_reader(reader, opts),
        Format::Parquet | Format::Json | Format::Ndjson => {
            let mut data = Vec::new();
            reader
                .read_to_end(&mut data)
                .ctx(|| format!("reading {format} input"))?;
            if format == Format::Parquet {
                return self::parquet::read_imported_parquet(Bytes::from(data), None);
            }
            json_import::import_json_bytes(&data, format, opts)
        }
    }
}
