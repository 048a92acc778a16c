//! CSV import: inferring a schema from a sample (or, when a later record
//! does not fit, from the whole file), parsing on a background thread,
//! converting timestamp columns, and turning arrow-csv errors into
//! messages that name the record, line and column.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};

use super::parquet::CHUNK_ROWS;
use super::timestamps::parse_timestamps;
use super::ImportOptions;
use crate::error::{DatasetError, IoContext, Result};
use crate::model::Body;

/// Import a CSV file into memory, inferring its schema again from the
/// whole file when the sample misled inference.
pub(super) fn import_csv_file(path: &Path, opts: &ImportOptions) -> Result<Body> {
    let (schema, rx, handle) = spawn_csv_file(path, opts)?;
    let mut batches = Vec::new();
    for b in rx {
        batches.push(b?);
    }
    let schema = match handle.join() {
        Ok(Ok(Some(retry_schema))) => {
            // The sampled schema did not fit: read again with the full one.
            return import_csv_file(
                path,
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

/// Import CSV from any reader (the schema is inferred from a sample only;
/// there is no second pass).
pub(super) fn import_csv_reader<R: Read>(mut reader: R, opts: &ImportOptions) -> Result<Body> {
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

/// How much of a CSV input schema inference reads first.
const SAMPLE_BYTES: usize = 4 << 20;

/// Read the first [`SAMPLE_BYTES`] of a CSV input.
fn read_sample<R: Read>(reader: &mut R) -> Result<Vec<u8>> {
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    reader
        .by_ref()
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .ctx(|| "reading csv input".into())?;
    Ok(sample)
}

/// arrow-csv's dialect for `opts` (header, delimiter).
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

/// Name the columns of a headerless CSV `column_1`, `column_2`, ...
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

/// Infer a CSV schema from every record of the file at `path`.
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

/// An arrow-csv reader of `input` with `schema`, in [`CHUNK_ROWS`] batches.
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
    /// Read `input` as `schema` (timestamp columns as text, converted here).
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

    /// Convert the timestamp columns of a batch read as text.
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
