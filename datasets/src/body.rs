//! Body I/O: Parquet (the stored form), CSV, JSON and NDJSON import/export.
//!
//! Bodies are stored as Parquet with zstd, written in one streamed pass
//! through a hashing blob writer. The bytes are deterministic for a given
//! schema and rows, whatever the input batch sizes, so an unchanged body
//! hashes to the same blob and is stored once.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use serde_json::Value;

use crate::blob::{BlobStore, BlobWriter, BlobWritten};
use crate::error::{DatasetError, IoContext, Result};
use crate::model::Body;

/// Rows per call into the Parquet writer (and per batch read back).
pub const CHUNK_ROWS: usize = 64 * 1024;
/// Rows per Parquet row group (a multiple of [`CHUNK_ROWS`]).
pub const ROW_GROUP_ROWS: usize = 4 * CHUNK_ROWS;
/// The zstd level bodies are written with.
pub const ZSTD_LEVEL: i32 = 1;
/// The largest dictionary page before a column falls back to plain encoding.
pub const DICTIONARY_PAGE_LIMIT: usize = 64 * 1024;

/// A body file format for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The lowercase name (`csv`, `json`, `ndjson`, `parquet`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Parquet => "parquet",
        }
    }

    /// Guess the format from a file extension (`.csv`, `.json`, `.ndjson`/`.jsonl`, `.parquet`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = DatasetError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "parquet" => Ok(Format::Parquet),
            _ => Err(DatasetError::Invalid(format!(
                "unknown body format '{s}'; expected csv, json, ndjson or parquet"
            ))),
        }
    }
}

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

/// The Parquet properties every stored body is written with.
pub fn writer_properties() -> Result<WriterProperties> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(ZSTD_LEVEL)?))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        // Give up on dictionaries early for high-cardinality columns: much
        // faster, and smaller files (low-cardinality columns stay dictionary-encoded).
        .set_dictionary_page_size_limit(DICTIONARY_PAGE_LIMIT)
        .build())
}

/// The schema a body is stored with: types Parquet cannot annotate are
/// widened so every reader sees the same type (`Timestamp(s)` becomes
/// `Timestamp(ms)`, `Time32(s)` becomes `Time32(ms)`, `Date64` becomes
/// `Date32`, as pyarrow does). Other types are kept as they are.
pub fn storage_schema(schema: &Schema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            f.as_ref()
                .clone()
                .with_data_type(storage_type(f.data_type()))
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

fn storage_type(t: &DataType) -> DataType {
    match t {
        DataType::Timestamp(TimeUnit::Second, tz) => {
            DataType::Timestamp(TimeUnit::Millisecond, tz.clone())
        }
        DataType::Time32(TimeUnit::Second) => DataType::Time32(TimeUnit::Millisecond),
        DataType::Date64 => DataType::Date32,
        other => other.clone(),
    }
}

/// Streams record batches into a Parquet blob, re-chunking them to
/// [`CHUNK_ROWS`] so the bytes do not depend on how the input was batched.
pub(crate) struct ParquetBlobWriter {
    writer: ArrowWriter<BlobWriter>,
    /// The schema batches arrive with.
    input: SchemaRef,
    /// The schema they are stored with (see [`storage_schema`]).
    schema: SchemaRef,
    /// Whether any column needs a cast to its storage type.
    cast: bool,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    rows: u64,
}

impl ParquetBlobWriter {
    pub(crate) fn new(blobs: &BlobStore, input: SchemaRef) -> Result<Self> {
        if input.fields().is_empty() {
            return Err(DatasetError::Invalid(
                "a body needs at least one column (was the input empty?)".into(),
            ));
        }
        let schema = storage_schema(&input);
        let cast = schema.fields() != input.fields();
        let sink = blobs.writer()?;
        let writer = ArrowWriter::try_new(sink, schema.clone(), Some(writer_properties()?))?;
        Ok(ParquetBlobWriter {
            writer,
            input,
            schema,
            cast,
            pending: Vec::new(),
            pending_rows: 0,
            rows: 0,
        })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.schema().fields() != self.input.fields() {
            return Err(DatasetError::Invalid(format!(
                "record batch has schema {:?}, expected {:?}",
                batch.schema().fields(),
                self.input.fields()
            )));
        }
        let n = batch.num_rows();
        self.rows += n as u64;
        let mut offset = 0;
        while offset < n {
            let take = (CHUNK_ROWS - self.pending_rows).min(n - offset);
            let piece = batch.slice(offset, take);
            offset += take;
            if self.pending_rows == 0 && take == CHUNK_ROWS {
                self.write_chunk(&piece)?;
                continue;
            }
            self.pending.push(piece);
            self.pending_rows += take;
            if self.pending_rows == CHUNK_ROWS {
                self.flush_pending()?;
            }
        }
        Ok(())
    }

    fn write_chunk(&mut self, batch: &RecordBatch) -> Result<()> {
        let columns: Vec<ArrayRef> = if self.cast {
            batch
                .columns()
                .iter()
                .zip(self.schema.fields())
                .map(|(c, f)| {
                    if c.data_type() == f.data_type() {
                        Ok(c.clone())
                    } else {
                        arrow_cast::cast(c, f.data_type())
                    }
                })
                .collect::<Result<_, ArrowError>>()?
        } else {
            batch.columns().to_vec()
        };
        // Also normalises the schema-level metadata of the batch to the writer's.
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        self.writer.write(&batch)?;
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<()> {
        if self.pending_rows == 0 {
            return Ok(());
        }
        let batch = arrow_select::concat::concat_batches(&self.input, &self.pending)?;
        self.pending.clear();
        self.pending_rows = 0;
        self.write_chunk(&batch)
    }

    /// Write the footer and make the blob durable. Returns the blob, the row
    /// count and the schema stored.
    pub(crate) fn finish(mut self) -> Result<(BlobWritten, u64, SchemaRef)> {
        self.flush_pending()?;
        let sink = self.writer.into_inner()?;
        Ok((sink.finish()?, self.rows, self.schema))
    }
}

/// Encode a body as a Parquet blob in `blobs`.
pub(crate) fn store_body(blobs: &BlobStore, body: &Body) -> Result<(BlobWritten, u64, SchemaRef)> {
    let mut w = ParquetBlobWriter::new(blobs, body.schema.clone())?;
    for b in &body.batches {
        w.write(b)?;
    }
    w.finish()
}

/// Decode a Parquet file held in memory into a body, using up to two
/// threads (by row group).
pub fn read_parquet(bytes: Bytes) -> Result<Body> {
    let meta = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new())?;
    let schema = meta.schema().clone();
    let groups = meta.metadata().num_row_groups();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(groups)
        .max(1);
    let read_groups = |gs: Vec<usize>| -> Result<Vec<RecordBatch>> {
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(bytes.clone(), meta.clone())
                .with_batch_size(CHUNK_ROWS)
                .with_row_groups(gs)
                .build()?;
        Ok(reader.collect::<Result<Vec<_>, ArrowError>>()?)
    };
    if threads <= 1 {
        let batches = read_groups((0..groups).collect())?;
        return Body::new(schema, batches);
    }
    // Contiguous ranges of row groups, one per thread, joined in order.
    let per = groups.div_ceil(threads);
    let ranges: Vec<Vec<usize>> = (0..threads)
        .map(|t| (t * per..((t + 1) * per).min(groups)).collect())
        .filter(|r: &Vec<usize>| !r.is_empty())
        .collect();
    let results: Vec<Result<Vec<RecordBatch>>> = std::thread::scope(|s| {
        let handles: Vec<_> = ranges
            .into_iter()
            .map(|r| {
                let f = &read_groups;
                s.spawn(move || f(r))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(DatasetError::Invalid(
                        "parquet reader thread panicked".into(),
                    ))
                })
            })
            .collect()
    });
    let mut batches = Vec::new();
    for r in results {
        batches.extend(r?);
    }
    Body::new(schema, batches)
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
        Format::Json => {
            let mut w = arrow_json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, arrow_json::writer::JsonArray>(out);
            for b in &body.batches {
                w.write(b)?;
            }
            w.finish()?;
            let mut out = w.into_inner();
            out.write_all(b"\n").ctx(|| "writing json output".into())?;
            out.flush().ctx(|| "flushing json output".into())?;
        }
        Format::Ndjson => {
            let mut w = arrow_json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, arrow_json::writer::LineDelimited>(out);
            for b in &body.batches {
                w.write(b)?;
            }
            w.finish()?;
            let mut out = w.into_inner();
            out.flush().ctx(|| "flushing ndjson output".into())?;
        }
        Format::Parquet => {
            let schema = storage_schema(&body.schema);
            let mut w = ArrowWriter::try_new(out, schema.clone(), Some(writer_properties()?))?;
            for b in &body.batches {
                let columns = b
                    .columns()
                    .iter()
                    .zip(schema.fields())
                    .map(|(c, f)| arrow_cast::cast(c, f.data_type()))
                    .collect::<Result<Vec<_>, ArrowError>>()?;
                w.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
            }
            let mut out = w.into_inner()?;
            out.flush().ctx(|| "flushing parquet output".into())?;
        }
    }
    Ok(())
}

/// Import a body file into memory.
pub fn import_file(path: &Path, format: Format, opts: &ImportOptions) -> Result<Body> {
    match format {
        Format::Csv => {
            let (schema, rx, handle) = spawn_csv_file(path, opts)?;
            let mut batches = Vec::new();
            for b in rx {
                batches.push(b?);
            }
            let schema = match handle.join() {
                Ok(Ok(Some(retry_schema))) => {
                    // The sampled schema did not fit: read again with the full one.
                    return import_file(
                        path,
                        format,
                        &ImportOptions {
                            schema: Some(retry_schema),
                            ..opts.clone()
                        },
                    );
                }
                Ok(Ok(None)) => schema,
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(DatasetError::Invalid("csv reader thread panicked".into())),
            };
            Body::new(schema, batches)
        }
        Format::Parquet => {
            let data = std::fs::read(path).ctx(|| format!("reading {}", path.display()))?;
            read_parquet(Bytes::from(data)).map_err(|e| parquet_import_error(e, path))
        }
        Format::Json | Format::Ndjson => {
            let data = std::fs::read(path).ctx(|| format!("reading {}", path.display()))?;
            import_json_bytes(&data, format, opts)
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
        Format::Csv => {
            let (schema, sample) = match &opts.schema {
                Some(s) => (s.clone(), Vec::new()),
                None => {
                    let sample = read_sample(&mut reader)?;
                    (infer_csv_schema(&sample, opts)?, sample)
                }
            };
            let input = Cursor::new(sample).chain(reader);
            let mut batches = Vec::new();
            for b in CsvBatches::new(input, schema.clone(), opts)? {
                batches.push(b.map_err(|f| f.err)?);
            }
            Body::new(schema, batches)
        }
        Format::Parquet | Format::Json | Format::Ndjson => {
            let mut data = Vec::new();
            reader
                .read_to_end(&mut data)
                .ctx(|| format!("reading {format} input"))?;
            if format == Format::Parquet {
                return read_parquet(Bytes::from(data)).map_err(|e| match e {
                    DatasetError::Parquet(p) => DatasetError::Import {
                        format: "parquet".into(),
                        record: 0,
                        line: None,
                        column: None,
                        msg: p.to_string(),
                    },
                    other => other,
                });
            }
            import_json_bytes(&data, format, opts)
        }
    }
}

fn parquet_import_error(e: DatasetError, path: &Path) -> DatasetError {
    match e {
        DatasetError::Parquet(p) => DatasetError::Import {
            format: "parquet".into(),
            record: 0,
            line: None,
            column: None,
            msg: format!("{}: {p}", path.display()),
        },
        other => other,
    }
}

const SAMPLE_BYTES: usize = 4 << 20;

fn read_sample<R: Read>(reader: &mut R) -> Result<Vec<u8>> {
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    reader
        .by_ref()
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .ctx(|| "reading csv input".into())?;
    Ok(sample)
}

fn csv_format(opts: &ImportOptions) -> arrow_csv::reader::Format {
    arrow_csv::reader::Format::default()
        .with_header(opts.has_header)
        .with_delimiter(opts.delimiter)
}

/// Infer a CSV schema from the whole records at the start of `sample`.
fn infer_csv_schema(sample: &[u8], opts: &ImportOptions) -> Result<SchemaRef> {
    // Only infer from whole lines: a cut-off last field could look like another type.
    let end = if sample.len() >= SAMPLE_BYTES {
        sample
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|p| p + 1)
            .unwrap_or(sample.len())
    } else {
        sample.len()
    };
    let (schema, _) = csv_format(opts)
        .infer_schema(Cursor::new(&sample[..end]), Some(opts.infer_records.max(1)))
        .map_err(|e| csv_error(e, &header_schema(sample, opts), opts))?;
    Ok(Arc::new(rename_headerless(schema, opts)))
}

/// The column names of the header line alone (for error messages when
/// inference fails).
fn header_schema(sample: &[u8], opts: &ImportOptions) -> SchemaRef {
    let end = sample
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(sample.len());
    match csv_format(opts).infer_schema(Cursor::new(&sample[..end]), Some(0)) {
        Ok((s, _)) if opts.has_header => Arc::new(s),
        _ => Arc::new(Schema::empty()),
    }
}

fn rename_headerless(schema: Schema, opts: &ImportOptions) -> Schema {
    if opts.has_header {
        return schema;
    }
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| f.as_ref().clone().with_name(format!("column_{}", i + 1)))
        .collect();
    Schema::new(fields)
}

fn infer_csv_schema_full(path: &Path, opts: &ImportOptions) -> Result<SchemaRef> {
    let f = File::open(path).ctx(|| format!("opening {}", path.display()))?;
    let (schema, _) = csv_format(opts)
        .infer_schema(BufReader::with_capacity(1 << 20, f), None)
        .map_err(|e| {
            let mut sample = Vec::new();
            let _ = File::open(path).and_then(|f| f.take(1 << 16).read_to_end(&mut sample));
            csv_error(e, &header_schema(&sample, opts), opts)
        })?;
    Ok(Arc::new(rename_headerless(schema, opts)))
}

fn csv_reader<R: Read>(
    input: R,
    schema: SchemaRef,
    opts: &ImportOptions,
) -> Result<arrow_csv::reader::Reader<R>> {
    Ok(arrow_csv::ReaderBuilder::new(schema)
        .with_format(csv_format(opts))
        .with_batch_size(CHUNK_ROWS)
        .build(input)?)
}

/// A CSV file being parsed on its own thread: its schema, the batches, and
/// a handle that ends with `Some(schema)` when the file must be read again
/// with a schema inferred from the whole file.
type CsvJob = (
    SchemaRef,
    Receiver<Result<RecordBatch>>,
    std::thread::JoinHandle<Result<Option<SchemaRef>>>,
);

/// Parse a CSV file on a background thread, sending batches through a
/// bounded channel (so parsing overlaps with encoding).
pub(crate) fn spawn_csv_file(path: &Path, opts: &ImportOptions) -> Result<CsvJob> {
    let mut file = File::open(path).ctx(|| format!("opening {}", path.display()))?;
    let inferred = opts.schema.is_none();
    let (schema, sample) = match &opts.schema {
        Some(s) => (s.clone(), Vec::new()),
        None => {
            let sample = read_sample(&mut file)?;
            (infer_csv_schema(&sample, opts)?, sample)
        }
    };
    let (tx, rx) = sync_channel::<Result<RecordBatch>>(4);
    let path = path.to_path_buf();
    let opts = opts.clone();
    let thread_schema = schema.clone();
    let handle = std::thread::Builder::new()
        .name("quarry-csv".into())
        .spawn(move || -> Result<Option<SchemaRef>> {
            let input = Cursor::new(sample).chain(BufReader::with_capacity(1 << 20, file));
            for b in CsvBatches::new(input, thread_schema.clone(), &opts)? {
                match b {
                    Ok(b) => {
                        if tx.send(Ok(b)).is_err() {
                            return Ok(None); // receiver gave up
                        }
                    }
                    Err(fail) => {
                        if inferred && fail.type_error {
                            // The sample misled inference: infer from everything.
                            let full = infer_csv_schema_full(&path, &opts)?;
                            if full.fields() != thread_schema.fields() {
                                return Ok(Some(full));
                            }
                        }
                        let _ = tx.send(Err(fail.err));
                        return Ok(None);
                    }
                }
            }
            Ok(None)
        })
        .map_err(|e| DatasetError::io("starting the csv reader thread", e))?;
    Ok((schema, rx, handle))
}

/// A failed CSV batch: the error, and whether it is a value that does not
/// fit its column's type (which a better-inferred schema might fix).
pub(crate) struct CsvFail {
    pub(crate) type_error: bool,
    pub(crate) err: DatasetError,
}

/// Record batches of a CSV input with `schema`. Timestamp columns are read
/// as text and converted here: the common `YYYY-MM-DD[T ]HH:MM:SS` form is
/// parsed directly (several times faster than the general parser), anything
/// else by arrow's own parser, with the same results.
pub(crate) struct CsvBatches<R: Read> {
    reader: arrow_csv::reader::Reader<R>,
    schema: SchemaRef,
    timestamps: Vec<(usize, TimeUnit, Option<Arc<str>>)>,
    rows: u64,
    opts: ImportOptions,
}

impl<R: Read> CsvBatches<R> {
    pub(crate) fn new(input: R, schema: SchemaRef, opts: &ImportOptions) -> Result<Self> {
        let mut timestamps = Vec::new();
        let read_fields: Vec<Field> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| match f.data_type() {
                DataType::Timestamp(unit, tz) => {
                    timestamps.push((i, *unit, tz.clone()));
                    f.as_ref().clone().with_data_type(DataType::Utf8)
                }
                _ => f.as_ref().clone(),
            })
            .collect();
        let read_schema = Arc::new(Schema::new(read_fields));
        Ok(CsvBatches {
            reader: csv_reader(input, read_schema, opts)?,
            schema,
            timestamps,
            rows: 0,
            opts: opts.clone(),
        })
    }

    fn convert(&self, batch: RecordBatch) -> std::result::Result<RecordBatch, CsvFail> {
        let mut columns = batch.columns().to_vec();
        for (i, unit, tz) in &self.timestamps {
            let text = batch
                .column(*i)
                .as_any()
                .downcast_ref::<arrow_array::StringArray>();
            let Some(text) = text else { continue };
            let converted = parse_timestamps(text, *unit, tz.clone()).map_err(|(row, msg)| {
                let record = self.rows + row as u64 + 1;
                CsvFail {
                    type_error: true,
                    err: DatasetError::Import {
                        format: "csv".into(),
                        record,
                        line: Some(record + u64::from(self.opts.has_header)),
                        column: Some(format!("'{}' (#{})", self.schema.field(*i).name(), i + 1)),
                        msg,
                    },
                }
            })?;
            columns[*i] = converted;
        }
        RecordBatch::try_new(self.schema.clone(), columns).map_err(|e| CsvFail {
            type_error: false,
            err: e.into(),
        })
    }
}

impl<R: Read> Iterator for CsvBatches<R> {
    type Item = std::result::Result<RecordBatch, CsvFail>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = match self.reader.next()? {
            Ok(b) => b,
            Err(e) => {
                let type_error = matches!(e, ArrowError::ParseError(_));
                return Some(Err(CsvFail {
                    type_error,
                    err: csv_error(e, &self.schema, &self.opts),
                }));
            }
        };
        let n = batch.num_rows() as u64;
        let out = if self.timestamps.is_empty() {
            RecordBatch::try_new(self.schema.clone(), batch.columns().to_vec()).map_err(|e| {
                CsvFail {
                    type_error: false,
                    err: e.into(),
                }
            })
        } else {
            self.convert(batch)
        };
        self.rows += n;
        Some(out)
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS` (or a space for `T`),
/// read as UTC; None for anything else (including invalid dates).
pub(crate) fn fast_timestamp_secs(s: &[u8]) -> Option<i64> {
    if s.len() != 19
        || s[4] != b'-'
        || s[7] != b'-'
        || !(s[10] == b'T' || s[10] == b' ')
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    let num = |a: usize, b: usize| -> Option<i64> {
        let mut v = 0i64;
        for &c in &s[a..b] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d < 1 || d > dim || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + sec)
}

/// Parse a text column as timestamps of `unit` in `tz` (None: naive, as UTC),
/// as arrow-csv does. On failure: (row, message).
fn parse_timestamps(
    text: &arrow_array::StringArray,
    unit: TimeUnit,
    tz: Option<Arc<str>>,
) -> std::result::Result<ArrayRef, (usize, String)> {
    use arrow_array::types::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    use arrow_array::PrimitiveArray;
    let zone: Option<arrow_array::timezone::Tz> = match &tz {
        Some(z) => Some(z.parse().map_err(|e: ArrowError| (0, e.to_string()))?),
        None => None,
    };
    let scale: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let slow = |s: &str| -> std::result::Result<i64, String> {
        let r = match &zone {
            Some(z) => arrow_cast::parse::string_to_datetime(z, s).map(|d| d.naive_utc()),
            None => arrow_cast::parse::string_to_datetime(&chrono::Utc, s).map(|d| d.naive_utc()),
        };
        let dt = r
            .map_err(|e| format!("cannot parse '{s}' as a timestamp: {e}"))?
            .and_utc();
        let v = match unit {
            TimeUnit::Second => Some(dt.timestamp()),
            TimeUnit::Millisecond => Some(dt.timestamp_millis()),
            TimeUnit::Microsecond => Some(dt.timestamp_micros()),
            TimeUnit::Nanosecond => dt.timestamp_nanos_opt(),
        };
        v.ok_or_else(|| format!("'{s}' is out of range for a timestamp in {unit:?}s"))
    };
    let mut values = Vec::with_capacity(text.len());
    for i in 0..text.len() {
        if text.is_null(i) {
            values.push(0);
            continue;
        }
        let s = text.value(i);
        let fast = if zone.is_none() {
            fast_timestamp_secs(s.as_bytes()).and_then(|v| v.checked_mul(scale))
        } else {
            None
        };
        match fast {
            Some(v) => values.push(v),
            None => values.push(slow(s).map_err(|m| (i, m))?),
        }
    }
    let nulls = text.nulls().cloned();
    let values = arrow_buffer::ScalarBuffer::from(values);
    let arr: ArrayRef = match unit {
        TimeUnit::Second => Arc::new(
            PrimitiveArray::<TimestampSecondType>::new(values, nulls).with_timezone_opt(tz),
        ),
        TimeUnit::Millisecond => Arc::new(
            PrimitiveArray::<TimestampMillisecondType>::new(values, nulls).with_timezone_opt(tz),
        ),
        TimeUnit::Microsecond => Arc::new(
            PrimitiveArray::<TimestampMicrosecondType>::new(values, nulls).with_timezone_opt(tz),
        ),
        TimeUnit::Nanosecond => Arc::new(
            PrimitiveArray::<TimestampNanosecondType>::new(values, nulls).with_timezone_opt(tz),
        ),
    };
    Ok(arr)
}

/// Find `word <number>` in an arrow error message.
fn number_after(msg: &str, word: &str) -> Option<u64> {
    let mut rest = msg;
    while let Some(i) = rest.find(word) {
        rest = &rest[i + word.len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() {
            return digits.parse().ok();
        }
    }
    None
}

/// Turn an arrow-csv error into [`DatasetError::Import`] with the record,
/// line and column name.
fn csv_error(e: ArrowError, schema: &SchemaRef, opts: &ImportOptions) -> DatasetError {
    let msg = match &e {
        ArrowError::ParseError(m) | ArrowError::CsvError(m) => m.clone(),
        other => other.to_string(),
    };
    let header = u64::from(opts.has_header);
    let (record, column) =
        if msg.contains("Error while parsing value") || msg.contains("Error parsing column") {
            // arrow-csv value errors count lines from 0 including the header,
            // so with a header the number is the 1-based record.
            let line = number_after(&msg, "at line ").unwrap_or(0);
            let col = number_after(&msg, "for column ")
                .or_else(|| number_after(&msg, "Error parsing column "));
            (if header == 1 { line } else { line + 1 }, col)
        } else if let Some(line) = number_after(&msg, "for line ") {
            // arrow-csv field-count and UTF-8 errors: the 1-based file line,
            // field numbers from 1.
            let col = number_after(&msg, "and field ").map(|f| f.saturating_sub(1));
            (line.saturating_sub(header), col)
        } else if let Some(line) = number_after(&msg, "at line ") {
            // The csv crate (schema inference): the 1-based file line, fields from 0.
            (line.saturating_sub(header), number_after(&msg, "in field "))
        } else {
            (0, None)
        };
    let column = column.map(|c| match schema.fields().get(c as usize) {
        Some(f) => format!("'{}' (#{})", f.name(), c + 1),
        None => format!("#{}", c + 1),
    });
    let short = if msg.contains("unequal lengths") {
        match (
            number_after(&msg, "Expected "),
            number_after(&msg, "found "),
        ) {
            (Some(e), Some(f)) => format!("incorrect number of fields: expected {e}, found {f}"),
            _ => msg,
        }
    } else {
        match msg.find(". Row data:") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        }
    };
    DatasetError::Import {
        format: "csv".into(),
        record,
        line: if record > 0 {
            Some(record + header)
        } else {
            None
        },
        column,
        msg: short,
    }
}

/// Import a JSON array or NDJSON text.
fn import_json_bytes(data: &[u8], format: Format, opts: &ImportOptions) -> Result<Body> {
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
                        msg: "expected a JSON array of objects".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast timestamp path agrees with arrow's parser wherever it answers.
    #[test]
    fn fast_timestamps_match_arrow() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut answered = 0;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let y = 1 + x % 9999;
            let mo = (x >> 14) % 14; // includes invalid 0 and 13
            let d = (x >> 18) % 33; // includes invalid days
            let h = (x >> 24) % 25;
            let mi = (x >> 30) % 61;
            let s = (x >> 36) % 61;
            let sep = if x >> 63 == 0 { 'T' } else { ' ' };
            let text = format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}");
            let arrow =
                arrow_cast::parse::string_to_datetime(&chrono::Utc, &text).map(|d| d.timestamp());
            match fast_timestamp_secs(text.as_bytes()) {
                Some(v) => {
                    answered += 1;
                    assert_eq!(arrow.ok(), Some(v), "{text}");
                }
                None => {
                    // Only declines what is invalid (or a leap second, which
                    // arrow may accept): the slow path decides those.
                    assert!(
                        arrow.is_err() || s == 60,
                        "{text} declined but arrow parsed it"
                    );
                }
            }
        }
        assert!(answered > 50_000);
        assert_eq!(fast_timestamp_secs(b"1970-01-01T00:00:00"), Some(0));
        assert_eq!(
            fast_timestamp_secs(b"2000-02-29 23:59:59"),
            Some(951_868_799)
        );
        assert_eq!(fast_timestamp_secs(b"1900-02-29T00:00:00"), None);
        assert_eq!(fast_timestamp_secs(b"2024-01-01T00:00:00Z"), None);
    }

    #[test]
    fn timestamp_column_with_odd_values_uses_the_general_parser() {
        let text = arrow_array::StringArray::from(vec![
            Some("2024-01-02T03:04:05"),
            None,
            Some("2024-01-02T03:04:05.250"),
            Some("2024-01-02T03:04:05+01:00"),
        ]);
        let arr = parse_timestamps(&text, TimeUnit::Millisecond, None).unwrap();
        let arr = arr
            .as_any()
            .downcast_ref::<arrow_array::TimestampMillisecondArray>()
            .unwrap();
        let base = 1_704_164_645_000i64;
        assert_eq!(arr.value(0), base);
        assert!(arr.is_null(1));
        assert_eq!(arr.value(2), base + 250);
        assert_eq!(arr.value(3), base - 3_600_000);
        let bad =
            arrow_array::StringArray::from(vec![Some("2024-01-02T03:04:05"), Some("yesterday")]);
        let (row, msg) = parse_timestamps(&bad, TimeUnit::Second, None).unwrap_err();
        assert_eq!(row, 1);
        assert!(msg.contains("yesterday"), "{msg}");
    }
}
