//! Type inference: arrow-csv's, from a sample (the first records within
//! [`SAMPLE_BYTES`], whole lines only) or from every record of an input.

use std::io::{Cursor, Read};
use std::sync::Arc;

use arrow_schema::{Schema, SchemaRef};

use crate::error::{from_arrow, Column, CsvError};
use crate::options::CsvOptions;
use crate::quotes::{check_bytes, flagged, QuoteCheck};

/// How much of a CSV input schema inference reads first.
pub const SAMPLE_BYTES: usize = 4 << 20;

/// Read the first [`SAMPLE_BYTES`] of a CSV input.
fn read_sample<R: Read>(reader: &mut R) -> Result<Vec<u8>, CsvError> {
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    reader
        .by_ref()
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|e| CsvError::io("reading csv input", e))?;
    Ok(sample)
}

/// The schema to read `reader` with, and the sample read from it to infer
/// that schema (empty when [`CsvOptions::schema`] is given): read the
/// sample first, then the rest of `reader`.
pub(crate) fn start<R: Read>(
    reader: &mut R,
    opts: &CsvOptions,
) -> Result<(SchemaRef, Vec<u8>), CsvError> {
    match &opts.schema {
        Some(s) => Ok((s.clone(), Vec::new())),
        None => {
            let sample = read_sample(reader)?;
            Ok((infer_schema(&sample, opts)?, sample))
        }
    }
}

/// The start of `data` that inference samples: at most [`SAMPLE_BYTES`].
pub(crate) fn sample_of(data: &[u8]) -> &[u8] {
    &data[..data.len().min(SAMPLE_BYTES)]
}

/// Infer a schema from the whole records at the start of `sample` (at most
/// [`CsvOptions::infer_records`] of them). A sample of [`SAMPLE_BYTES`] or
/// more is taken to be cut off, and its last partial line is left out.
pub fn infer_schema(sample: &[u8], opts: &CsvOptions) -> Result<SchemaRef, CsvError> {
    // Only infer from whole lines: a cut-off last field could look like another type.
    let end = if sample.len() >= SAMPLE_BYTES {
        sample
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|p| p + 1)
            .unwrap_or(sample.len())
    } else {
        // The whole input: a quote never closed is an error before any other.
        check_bytes(sample, opts.delimiter)?;
        sample.len()
    };
    let (schema, _) = opts
        .format()
        .infer_schema(Cursor::new(&sample[..end]), Some(opts.infer_records.max(1)))
        .map_err(|e| from_arrow(e, &header_schema(sample, opts), opts.has_header))?;
    let schema = Arc::new(schema);
    check_names(&schema, opts.has_header.then_some(1))?;
    Ok(schema)
}

/// Refuse a schema naming a column twice (`a,a,b`): one of the two would
/// be lost on the way to JSON or by name lookups.
pub(crate) fn check_names(schema: &SchemaRef, line: Option<u64>) -> Result<(), CsvError> {
    let mut seen = std::collections::HashSet::new();
    for (i, f) in schema.fields().iter().enumerate() {
        if !seen.insert(f.name().as_str()) {
            return Err(CsvError::Parse {
                record: 0,
                line,
                column: Some(Column::of(schema, i)),
                msg: format!(
                    "duplicate column name '{}': every column needs its own name",
                    f.name()
                ),
                type_mismatch: false,
            });
        }
    }
    Ok(())
}

/// Infer a schema from every record of `input`; `names` (the sampled
/// schema) names the columns in errors.
pub(crate) fn infer_all<R: Read>(
    input: R,
    opts: &CsvOptions,
    names: &SchemaRef,
) -> Result<SchemaRef, CsvError> {
    let mut input = QuoteCheck::new(input, opts.delimiter);
    let flag = input.flag();
    let inferred = opts.format().infer_schema(&mut input, None);
    if let Some(e) = flagged(&flag) {
        return Err(e);
    }
    let (schema, _) = inferred.map_err(|e| from_arrow(e, names, opts.has_header))?;
    let schema = Arc::new(schema);
    check_names(&schema, opts.has_header.then_some(1))?;
    Ok(schema)
}

/// The column names of the header line alone (for error messages when
/// inference fails).
fn header_schema(sample: &[u8], opts: &CsvOptions) -> SchemaRef {
    let end = sample
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(sample.len());
    match opts
        .format()
        .infer_schema(Cursor::new(&sample[..end]), Some(0))
    {
        Ok((s, _)) if opts.has_header => Arc::new(s),
        _ => Arc::new(Schema::empty()),
    }
}
