//! [`CsvBatches`]: record batches of a CSV input with a known schema.
//! Timestamp columns are read as text and converted by `timestamps`;
//! columns typed `Null` (no value in the inference sample) are read as text
//! and checked to be empty, so a value past the sample is an error (and a
//! reason to infer again) rather than silently dropped.

use std::io::Read;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, NullArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::error::{from_arrow, Column, CsvError};
use crate::infer::check_names;
use crate::options::CsvOptions;
use crate::quotes::{flagged, QuoteCheck};
use crate::timestamps::parse_timestamps;

/// How a column read as text becomes its real type.
enum Convert {
    /// Parse timestamps of this unit and zone.
    Timestamp(TimeUnit, Option<Arc<str>>),
    /// Check the column is empty.
    Null,
}

/// Record batches of a CSV input with a known schema, in batches of
/// [`CsvOptions::rows_per_batch`] rows. Errors are [`CsvError::Parse`] with
/// the record, line and column; a quote never closed is an error naming
/// the line it opened on.
pub struct CsvBatches<R: Read> {
    reader: arrow_csv::reader::Reader<QuoteCheck<R>>,
    /// Set to the line of a quote never closed when the input ends.
    unterminated: Arc<AtomicU64>,
    /// An error was returned: no more batches.
    done: bool,
    schema: SchemaRef,
    /// Columns read as text, by index, and what they become.
    converts: Vec<(usize, Convert)>,
    /// Data records read so far (for positions in conversion errors).
    rows: u64,
    has_header: bool,
}

impl<R: Read> CsvBatches<R> {
    /// Read `input` (from its first byte, header included) as `schema`.
    pub fn new(input: R, schema: SchemaRef, opts: &CsvOptions) -> Result<Self, CsvError> {
        check_names(&schema, None)?;
        let mut converts = Vec::new();
        for (i, f) in schema.fields().iter().enumerate() {
            match f.data_type() {
                DataType::Timestamp(unit, tz) => {
                    converts.push((i, Convert::Timestamp(*unit, tz.clone())))
                }
                DataType::Null => converts.push((i, Convert::Null)),
                _ => {}
            }
        }
        let read_schema = if converts.is_empty() {
            schema.clone()
        } else {
            let fields: Vec<Field> = schema
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let text = converts.iter().any(|(c, _)| *c == i);
                    let f = f.as_ref().clone();
                    if text {
                        f.with_data_type(DataType::Utf8).with_nullable(true)
                    } else {
                        f
                    }
                })
                .collect();
            Arc::new(Schema::new(fields))
        };
        let input = QuoteCheck::new(input, opts.delimiter);
        let unterminated = input.flag();
        let reader = arrow_csv::ReaderBuilder::new(read_schema)
            .with_format(opts.format())
            .with_batch_size(opts.rows_per_batch(schema.fields().len()))
            .build(input)?;
        Ok(CsvBatches {
            reader,
            unterminated,
            done: false,
            schema,
            converts,
            rows: 0,
            has_header: opts.has_header,
        })
    }

    /// The schema of the batches.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// A conversion error at `row` of the current batch, in column `col`.
    fn mismatch(&self, row: usize, col: usize, msg: String) -> CsvError {
        let record = self.rows + row as u64 + 1;
        CsvError::Parse {
            record,
            line: Some(record + u64::from(self.has_header)),
            column: Some(Column::of(&self.schema, col)),
            msg,
            type_mismatch: true,
        }
    }

    /// Convert the columns of a batch read as text.
    fn convert(&self, batch: RecordBatch) -> Result<RecordBatch, CsvError> {
        let mut columns = batch.columns().to_vec();
        for (i, how) in &self.converts {
            let Some(text) = batch.column(*i).as_any().downcast_ref::<StringArray>() else {
                continue;
            };
            columns[*i] = match how {
                Convert::Timestamp(unit, tz) => parse_timestamps(text, *unit, tz.clone())
                    .map_err(|(row, msg)| self.mismatch(row, *i, msg))?,
                Convert::Null => match (0..text.len()).find(|&r| text.is_valid(r)) {
                    Some(row) => {
                        let msg = format!(
                            "value '{}' in a column with no values in the records types were inferred from",
                            text.value(row)
                        );
                        return Err(self.mismatch(row, *i, msg));
                    }
                    None => Arc::new(NullArray::new(text.len())) as ArrayRef,
                },
            };
        }
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }
}

impl<R: Read> Iterator for CsvBatches<R> {
    type Item = Result<RecordBatch, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.reader.next();
        // A quote never closed swallowed the records after it: that, not
        // what the reader made of them, is the error.
        if let Some(e) = flagged(&self.unterminated) {
            self.done = true;
            return Some(Err(e));
        }
        let batch = match next? {
            Ok(b) => b,
            Err(e) => {
                self.done = true;
                return Some(Err(from_arrow(e, &self.schema, self.has_header)));
            }
        };
        let n = batch.num_rows() as u64;
        let out = if self.converts.is_empty() {
            Ok(batch)
        } else {
            self.convert(batch)
        };
        self.rows += n;
        Some(out)
    }
}
