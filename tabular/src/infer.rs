//! Type inference: arrow-csv's, from a sample (the first records within
//! [`SAMPLE_BYTES`], whole lines only) or from every record of an input.

use std::io::{Cursor, Read};
use std::sync::Arc;

use arrow_schema::{Schema, SchemaRef};

use crate::error::{from_arrow, CsvError};
use crate::options::CsvOptions;

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
        sample.len()
    };
    let (schema, _) = opts
        .format()
        .infer_schema(Cursor::new(&sample[..end]), Some(opts.infer_records.max(1)))
        .map_err(|e| from_arrow(e, &header_schema(sample, opts), opts.has_header))?;
    Ok(Arc::new(schema))
}

/// Infer a schema from every record of `input`; `names` (the sampled
/// schema) names the columns in errors.
pub(crate) fn infer_all<R: Read>(
    input: R,
    opts: &CsvOptions,
    names: &SchemaRef,
) -> Result<SchemaRef, CsvError> {
    let (schema, _) = opts
        .format()
        .infer_schema(input, None)
        .map_err(|e| from_arrow(e, names, opts.has_header))?;
    Ok(Arc::new(schema))
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
