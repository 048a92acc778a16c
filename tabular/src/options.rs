//! How to read a CSV input: its dialect (header, delimiter), a schema to
//! use instead of inferring one, and the limits of inference and batches.

use arrow_schema::SchemaRef;

/// How many records types are inferred from by default.
pub const INFER_RECORDS: usize = 10_000;

/// How many rows a record batch holds by default.
pub const BATCH_ROWS: usize = 64 * 1024;

/// At most this many fields (rows × columns) per record batch: the
/// reader reserves about 16 bytes per field of a batch, so a wide input
/// gets batches of fewer rows instead of memory in proportion to its
/// columns (64K rows of 200,000 columns would be 200 GB).
pub const BATCH_FIELDS: usize = 1 << 20;

/// How to read a CSV input.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    /// The first line names the columns (default true). Without a header,
    /// columns are named `column_1`, `column_2`, ...
    pub has_header: bool,
    /// The field delimiter (default `,`).
    pub delimiter: u8,
    /// Use this schema instead of inferring one (no second pass then).
    pub schema: Option<SchemaRef>,
    /// How many records to infer the types from (default [`INFER_RECORDS`]).
    pub infer_records: usize,
    /// Rows per record batch (default [`BATCH_ROWS`]), fewer for wide
    /// inputs (see [`CsvOptions::rows_per_batch`]).
    pub batch_rows: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            has_header: true,
            delimiter: b',',
            schema: None,
            infer_records: INFER_RECORDS,
            batch_rows: BATCH_ROWS,
        }
    }
}

impl CsvOptions {
    /// The same options with `schema` given (for the second pass).
    pub(crate) fn with_schema(&self, schema: SchemaRef) -> CsvOptions {
        CsvOptions {
            schema: Some(schema),
            ..self.clone()
        }
    }

    /// The rows per batch for an input of `columns` columns:
    /// [`CsvOptions::batch_rows`], but at most [`BATCH_FIELDS`] fields
    /// (and at least one row).
    pub fn rows_per_batch(&self, columns: usize) -> usize {
        self.batch_rows.min(BATCH_FIELDS / columns.max(1)).max(1)
    }

    /// arrow-csv's dialect for these options.
    pub(crate) fn format(&self) -> arrow_csv::reader::Format {
        arrow_csv::reader::Format::default()
            .with_header(self.has_header)
            .with_delimiter(self.delimiter)
    }
}
