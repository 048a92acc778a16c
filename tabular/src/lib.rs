//! # tabular: CSV text to Arrow, one reader and one type inference
//!
//! Every path that turns CSV into Arrow goes through this crate, so one
//! file gets the same column types wherever it is read: the store's import
//! (`quarry save --body file.csv`), starlib's `csv.read` and the host's
//! `ds.set_body(text, parse_as="csv")`.
//!
//! - Types are inferred by arrow-csv from a sample: the first
//!   [`CsvOptions::infer_records`] records within the first
//!   [`SAMPLE_BYTES`] (whole lines only). Columns are `Boolean`, `Int64`,
//!   `Float64` (ints and floats mixed), `Date32`, `Timestamp` (ISO 8601,
//!   the unit from the most precise fraction seen), `Null` (no value in the
//!   sample) or `Utf8`.
//! - When a later record does not fit the sampled types, the types are
//!   inferred again from every record and the input is read once more
//!   ([`read_slice`], [`read_file`], [`FileJob`]); a stream that cannot be
//!   read twice ([`read_stream`]) reports the error instead.
//! - [`read_slice_watched`] tells a watcher of each pass and batch as it
//!   reads, so a caller (starlib's `csv.read`) can charge memory and poll
//!   for cancellation per batch, and stop the read.
//! - Timestamp columns are read as text and converted here, with a fast
//!   path for `YYYY-MM-DD[T ]HH:MM:SS` (same results as arrow's parser).
//! - Errors are [`CsvError`]: malformed input names its record, line and
//!   column; a quote never closed names the line it opened on (arrow-csv
//!   alone would end it at the end of the input, one cell swallowing the
//!   records after it); a column name given twice is refused.
//! - Batches hold at most [`BATCH_FIELDS`] fields, so memory follows the
//!   data, not the column count times a fixed number of rows.
//!
//! Modules: `options` (the dialect and limits), `error` ([`CsvError`] and
//! turning arrow-csv's messages into positions), `infer` (sampling and
//! inference), `batches` (the batch reader with timestamp conversion),
//! `timestamps` (timestamp parsing), `quotes` (finding a quote never
//! closed), `types` ([`type_name`], the one vocabulary of column types
//! shown to users), `read` (whole inputs in memory, with
//! the retry) and `file` (a file parsed on a background thread).

#![warn(missing_docs)]

mod batches;
mod error;
mod file;
mod infer;
mod options;
mod quotes;
mod read;
mod timestamps;
mod types;

pub use batches::CsvBatches;
pub use error::{position, Column, CsvError};
pub use file::{read_file, FileJob};
pub use infer::{infer_schema, SAMPLE_BYTES};
pub use options::{CsvOptions, BATCH_FIELDS, BATCH_ROWS, INFER_RECORDS};
pub use read::{read_slice, read_slice_watched, read_stream, CsvData, ReadEvent, Watcher};
pub use types::{type_name, type_name_of};
