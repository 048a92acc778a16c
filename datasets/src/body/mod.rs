//! Body I/O: Parquet (the stored form), CSV, JSON and NDJSON import/export.
//!
//! Bodies are stored as Parquet with zstd, written in one streamed pass
//! through a hashing blob writer. The bytes are deterministic for a given
//! schema and rows, whatever the input batch sizes, so an unchanged body
//! hashes to the same blob and is stored once.
//!
//! This file holds the public entry points; the work is split by format:
//! `formats` (the [`Format`] names), `parquet` (the stored form) and
//! `json_import` (JSON and NDJSON). CSV is read by the `tabular` crate, the
//! one CSV reader and type inference of the workspace (starlib's `csv.read`
//! and the host's `parse_as="csv"` use it too); its errors become
//! [`crate::DatasetError::Import`].

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use bytes::Bytes;

use crate::error::{DatasetError, IoContext, Result};
use crate::model::Body;

mod formats;
mod json_import;
mod parquet;

pub use self::formats::Format;
pub use self::parquet::{
    read_parquet, storage_schema, writer_properties, CHUNK_ROWS, DICTIONARY_PAGE_LIMIT,
    MAX_COLUMNS, ROW_GROUP_ROWS, ZSTD_LEVEL,
};
pub(crate) use self::parquet::{store_body, ParquetBlobWriter};

/// How to read an imported body.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// CSV: the first line names the columns (default true). Without a
    /// header, columns are named `column_1`, `column_2`, ...
    pub has_header: bool,
    /// CSV: the field delimiter (default `,`; a `.tsv` file's is a tab,
    /// see [`ImportOptions::for_path`]).
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
            infer_records: tabular::INFER_RECORDS,
        }
    }
}

impl ImportOptions {
    /// The default options for the file at `path`, with `delimiter`, else
    /// the one its extension implies ([`Format::delimiter_of`]), else `,`.
    pub fn for_path(path: &Path, delimiter: Option<u8>) -> ImportOptions {
        ImportOptions {
            delimiter: delimiter
                .or_else(|| Format::delimiter_of(path))
                .unwrap_or(b','),
            ..Default::default()
        }
    }

    /// The options of the CSV reader, in batches of [`CHUNK_ROWS`].
    pub(crate) fn csv(&self) -> tabular::CsvOptions {
        tabular::CsvOptions {
            has_header: self.has_header,
            delimiter: self.delimiter,
            schema: self.schema.clone(),
            infer_records: self.infer_records,
            batch_rows: CHUNK_ROWS,
        }
    }
}

/// A body from what the CSV reader read.
fn csv_body(read: tabular::CsvData) -> Result<Body> {
    Body::new(read.schema, read.batches)
}

/// Write a body in `format` to `out`.
///
/// JSON and NDJSON write every column of every record (nulls as `null`);
/// CSV writes a header row.
pub fn write_body<W: Write + Send>(body: &Body, format: Format, out: W) -> Result<()> {
    match format {
        Format::Csv => write_csv(body, b',', out)?,
        Format::Json => write_json::<_, arrow_json::writer::JsonArray>(body, out, "json", true)?,
        Format::Ndjson => {
            write_json::<_, arrow_json::writer::LineDelimited>(body, out, "ndjson", false)?
        }
        Format::Parquet => self::parquet::write_parquet(body, out)?,
    }
    Ok(())
}

/// Write a body as CSV with a header line, fields separated by `delimiter`
/// (a tab for `.tsv` files).
pub fn write_csv<W: Write>(body: &Body, delimiter: u8, out: W) -> Result<()> {
    let mut w = arrow_csv::WriterBuilder::new()
        .with_header(true)
        .with_delimiter(delimiter)
        .build(out);
    if body.batches.is_empty() {
        w.write(&RecordBatch::new_empty(body.schema.clone()))?;
    }
    for b in &body.batches {
        w.write(b)?;
    }
    let mut out = w.into_inner();
    out.flush().ctx(|| "flushing csv output".into())?;
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

/// Write the file `path` through `write`, all or nothing: the bytes go to
/// a temporary file beside it, which is synced and renamed over `path` only
/// when `write` succeeded, and removed otherwise, so a failure leaves no
/// partial or empty file (and an existing file as it was). A `path` that
/// exists and is not a regular file (a pipe, `/dev/stdout`) is written
/// directly.
pub fn write_file_atomically<E: From<DatasetError>>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let finish = |w: BufWriter<File>| -> Result<File> {
        w.into_inner()
            .map_err(|e| DatasetError::io(format!("writing {}", path.display()), e.into_error()))
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let f = File::create(path).ctx(|| format!("opening {}", path.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        write(&mut w)?;
        finish(w)?;
        return Ok(());
    }
    let name = path
        .file_name()
        .ok_or_else(|| DatasetError::Invalid(format!("{} does not name a file", path.display())))?;
    let temp = path.with_file_name(format!(
        ".{}.{}.partial",
        name.to_string_lossy(),
        std::process::id()
    ));
    /// Removes the temporary file unless it was renamed into place.
    struct Cleanup<'a>(&'a Path, bool);
    impl Drop for Cleanup<'_> {
        fn drop(&mut self) {
            if !self.1 {
                let _ = std::fs::remove_file(self.0);
            }
        }
    }
    let f = File::create(&temp).ctx(|| format!("creating {}", temp.display()))?;
    let mut cleanup = Cleanup(&temp, false);
    let mut w = BufWriter::with_capacity(1 << 20, f);
    write(&mut w)?;
    finish(w)?
        .sync_all()
        .ctx(|| format!("syncing {}", temp.display()))?;
    std::fs::rename(&temp, path).ctx(|| format!("writing {}", path.display()))?;
    cleanup.1 = true;
    Ok(())
}

/// Import a body file into memory.
pub fn import_file(path: &Path, format: Format, opts: &ImportOptions) -> Result<Body> {
    match format {
        Format::Csv => csv_body(tabular::read_file(path, &opts.csv())?),
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
        Format::Csv => csv_body(tabular::read_stream(reader, &opts.csv())?),
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
