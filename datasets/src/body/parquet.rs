//! Parquet, the stored form of a body: the writer properties and storage
//! schema every body is written with, the streaming blob writer, decoding
//! (stored or imported) Parquet, and exporting a body as Parquet.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::blob::{BlobStore, BlobWriter, BlobWritten};
use crate::error::{DatasetError, IoContext, Result};
use crate::model::Body;

/// Rows per call into the Parquet writer (and per batch read back).
pub const CHUNK_ROWS: usize = 64 * 1024;
/// Rows per Parquet row group (a multiple of [`CHUNK_ROWS`]).
pub const ROW_GROUP_ROWS: usize = 4 * CHUNK_ROWS;
/// The most columns a stored body may have: the Parquet writer keeps a
/// compressor and page buffers per column, so 200,000 columns would need
/// many gigabytes whatever the rows; more is refused up front.
pub const MAX_COLUMNS: usize = 10_000;
/// The zstd level bodies are written with.
pub const ZSTD_LEVEL: i32 = 1;
/// The largest dictionary page before a column falls back to plain encoding.
pub const DICTIONARY_PAGE_LIMIT: usize = 64 * 1024;

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

/// The type a column of type `t` is stored with (see [`storage_schema`]).
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
    /// Start a blob for batches of schema `input`. A body may have no
    /// columns (a dataset of meta alone, as Qri allowed); Parquet stores it.
    pub(crate) fn new(blobs: &BlobStore, input: SchemaRef) -> Result<Self> {
        if input.fields().len() > MAX_COLUMNS {
            return Err(DatasetError::Invalid(format!(
                "a body has {} columns; at most {MAX_COLUMNS} can be stored",
                input.fields().len()
            )));
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

    /// Add a batch (it must have the input schema).
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

    /// Write one chunk, cast to the storage schema.
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

    /// Write the rows held back so far as one chunk.
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

/// Decode an imported Parquet file held in memory; a Parquet error, in the
/// footer or in a page (which arrow's reader wraps), becomes one
/// [`DatasetError::Import`] naming `path` when there is one.
pub(super) fn read_imported_parquet(bytes: Bytes, path: Option<&Path>) -> Result<Body> {
    read_parquet(bytes).map_err(|e| {
        let msg = match e {
            DatasetError::Parquet(p) => p.to_string(),
            DatasetError::Arrow(ArrowError::ParquetError(m)) => m,
            DatasetError::Arrow(ArrowError::ExternalError(x)) => x.to_string(),
            other => return other,
        };
        DatasetError::Import {
            format: "parquet".into(),
            record: 0,
            line: None,
            column: None,
            msg: match path {
                Some(path) => format!("{}: {msg}", path.display()),
                None => msg,
            },
        }
    })
}

/// Write a body to `out` as a Parquet file, with the properties and
/// storage schema of a stored body.
pub(super) fn write_parquet<W: Write + Send>(body: &Body, out: W) -> Result<()> {
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
    Ok(())
}
