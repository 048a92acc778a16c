//! Whole CSV inputs read into memory: [`read_slice`] (bytes in memory,
//! inferred again from every record when the sample misled inference) and
//! [`read_stream`] (any reader, sample only).

use std::io::{Cursor, Read};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

/// What [`read_slice_watched`] tells its watcher as it reads.
#[derive(Debug)]
pub enum ReadEvent<'a> {
    /// A pass over the input starts, reading it with this schema. There is
    /// a second pass when the sample misled inference; the first pass's
    /// batches are dropped before it starts.
    Pass(&'a SchemaRef),
    /// A batch was read (at most [`CsvOptions::rows_per_batch`] rows).
    Batch(&'a RecordBatch),
}

/// A watcher of a read: returning an error (say [`CsvError::Stopped`])
/// stops the read with that error.
pub type Watcher<'w> = dyn FnMut(ReadEvent<'_>) -> Result<(), CsvError> + 'w;

use crate::batches::CsvBatches;
use crate::error::CsvError;
use crate::infer::{infer_all, infer_schema, sample_of, start};
use crate::options::CsvOptions;

/// A CSV input read into Arrow: its schema and its record batches (none
/// for an input without records; the schema still has the columns).
#[derive(Debug, Clone)]
pub struct CsvData {
    /// The columns and their types.
    pub schema: SchemaRef,
    /// The records, in batches of [`CsvOptions::batch_rows`].
    pub batches: Vec<RecordBatch>,
}

/// Read every batch of `input` as `schema`.
pub(crate) fn collect<R: Read>(
    input: R,
    schema: SchemaRef,
    opts: &CsvOptions,
) -> Result<CsvData, CsvError> {
    collect_watched(input, schema, opts, &mut |_| Ok(()))
}

/// Read every batch of `input` as `schema`, telling `watch` of the pass
/// and of each batch.
fn collect_watched<R: Read>(
    input: R,
    schema: SchemaRef,
    opts: &CsvOptions,
    watch: &mut Watcher<'_>,
) -> Result<CsvData, CsvError> {
    watch(ReadEvent::Pass(&schema))?;
    let mut batches = Vec::new();
    for b in CsvBatches::new(input, schema.clone(), opts)? {
        let b = b?;
        watch(ReadEvent::Batch(&b))?;
        batches.push(b);
    }
    Ok(CsvData { schema, batches })
}

/// After `err` reading with the `sampled` schema: the schema inferred from
/// every record (`infer_all`) when the error is a type mismatch and that
/// schema differs, else None (the error stands).
pub(crate) fn full_schema(
    err: &CsvError,
    sampled: &SchemaRef,
    infer_all: impl FnOnce() -> Result<SchemaRef, CsvError>,
) -> Result<Option<SchemaRef>, CsvError> {
    if !err.is_type_mismatch() {
        return Ok(None);
    }
    let full = infer_all()?;
    Ok((full.fields() != sampled.fields()).then_some(full))
}

/// Read CSV bytes. Types are inferred from a sample (unless
/// [`CsvOptions::schema`] is given); when a later record does not fit,
/// they are inferred again from every record and the bytes read again.
pub fn read_slice(data: &[u8], opts: &CsvOptions) -> Result<CsvData, CsvError> {
    read_slice_watched(data, opts, &mut |_| Ok(()))
}

/// [`read_slice`], telling `watch` when a pass over the input starts (with
/// its schema, before any batch is made) and of every batch as it is read,
/// so a caller can charge memory and poll for cancellation as the input is
/// parsed; an error from `watch` stops the read.
pub fn read_slice_watched(
    data: &[u8],
    opts: &CsvOptions,
    watch: &mut Watcher<'_>,
) -> Result<CsvData, CsvError> {
    if let Some(schema) = &opts.schema {
        return collect_watched(data, schema.clone(), opts, watch);
    }
    let sampled = infer_schema(sample_of(data), opts)?;
    match collect_watched(data, sampled.clone(), opts, watch) {
        Ok(read) => Ok(read),
        Err(e) => match full_schema(&e, &sampled, || infer_all(data, opts, &sampled))? {
            Some(full) => collect_watched(data, full, opts, watch),
            None => Err(e),
        },
    }
}

/// Read CSV from any reader. Types are inferred from a sample only (the
/// input cannot be read twice): a later record that does not fit is an
/// error.
pub fn read_stream<R: Read>(mut reader: R, opts: &CsvOptions) -> Result<CsvData, CsvError> {
    let (schema, sample) = start(&mut reader, opts)?;
    collect(Cursor::new(sample).chain(reader), schema, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, TimeUnit};

    fn types(d: &CsvData) -> Vec<DataType> {
        d.schema
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect()
    }

    #[test]
    fn infers_every_kind_of_column() {
        let text = "i,f,s,b,d,t,n,m\n1,1.5,\"a, \"\"b\"\"\",true,2024-01-02,2024-01-02T03:04:05,,1\n-2,2,x,False,2024-01-03,2024-01-02 03:04:05,,2.5\n";
        let d = read_slice(text.as_bytes(), &CsvOptions::default()).unwrap();
        assert_eq!(
            types(&d),
            [
                DataType::Int64,
                DataType::Float64,
                DataType::Utf8,
                DataType::Boolean,
                DataType::Date32,
                DataType::Timestamp(TimeUnit::Second, None),
                DataType::Null,
                DataType::Float64,
            ]
        );
        let s = d.batches[0]
            .column(2)
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        assert_eq!(s.value(0), "a, \"b\"");
    }

    #[test]
    fn a_late_misfit_infers_again_from_everything() {
        let opts = CsvOptions {
            infer_records: 3,
            batch_rows: 2,
            ..Default::default()
        };
        let text = "x,y,z\n1,2024-01-01T00:00:00,\n2,2024-01-01T00:00:01,\n3,2024-01-01T00:00:02,\n4.5,soon,here\n";
        let d = read_slice(text.as_bytes(), &opts).unwrap();
        assert_eq!(
            types(&d),
            [DataType::Float64, DataType::Utf8, DataType::Utf8]
        );
        // A stream cannot be read twice: the misfit is an error at its place.
        let e = read_stream(text.as_bytes(), &opts).unwrap_err();
        assert!(e.is_type_mismatch(), "{e}");
        assert!(
            e.to_string()
                .starts_with("record 4 (line 5), column 'x' (#1)"),
            "{e}"
        );
    }

    #[test]
    fn a_value_in_an_empty_column_is_never_dropped() {
        let opts = CsvOptions {
            infer_records: 1,
            batch_rows: 1,
            ..Default::default()
        };
        let e = read_stream("a,b\n1,\n2,x\n".as_bytes(), &opts).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("record 2 (line 3), column 'b' (#2): value 'x'"),
            "{e}"
        );
        let d = read_slice("a,b\n1,\n2,x\n".as_bytes(), &opts).unwrap();
        assert_eq!(types(&d), [DataType::Int64, DataType::Utf8]);
    }

    #[test]
    fn an_unterminated_quote_names_its_line() {
        let text = "a,b\n1,x\n2,\"open\n3,y\n4,z\n";
        let opts = CsvOptions {
            infer_records: 1,
            batch_rows: 1,
            ..Default::default()
        };
        for o in [CsvOptions::default(), opts] {
            let e = read_slice(text.as_bytes(), &o).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("line 3: unterminated quoted field"),
                "{e}"
            );
            let e = read_stream(text.as_bytes(), &o).unwrap_err();
            assert!(e.to_string().starts_with("line 3: unterminated"), "{e}");
        }
        // Given a schema (no inference), the reader still catches it.
        let given = CsvOptions {
            schema: Some(
                read_slice(b"a,b\n1,x\n", &CsvOptions::default())
                    .unwrap()
                    .schema,
            ),
            ..Default::default()
        };
        let e = read_slice(text.as_bytes(), &given).unwrap_err();
        assert!(e.to_string().starts_with("line 3: unterminated"), "{e}");
        // Closed quotes spanning lines are fine.
        let d = read_slice(b"a,b\n1,\"x\ny\"\n2,z\n", &CsvOptions::default()).unwrap();
        assert_eq!(d.batches[0].num_rows(), 2);
    }

    #[test]
    fn duplicate_column_names_are_refused() {
        let e = read_slice(b"a,a,b\n1,2,3\n", &CsvOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1, column 'a' (#2): duplicate column name 'a': every column needs its own name"
        );
        assert!(read_stream(&b"x,b,x\n1,2,3\n"[..], &CsvOptions::default())
            .unwrap_err()
            .to_string()
            .contains("duplicate column name 'x'"));
    }

    #[test]
    fn wide_inputs_get_short_batches() {
        let cols = 5_000;
        let header: Vec<String> = (0..cols).map(|i| format!("c{i}")).collect();
        let row = vec!["1"; cols].join(",");
        let text = format!("{}\n{row}\n{row}\n{row}\n", header.join(","));
        let opts = CsvOptions::default();
        assert_eq!(opts.rows_per_batch(cols), crate::BATCH_FIELDS / cols);
        assert_eq!(opts.rows_per_batch(10 * crate::BATCH_FIELDS), 1);
        assert_eq!(opts.rows_per_batch(3), crate::BATCH_ROWS);
        let d = read_slice(text.as_bytes(), &opts).unwrap();
        assert_eq!(d.schema.fields().len(), cols);
        assert_eq!(d.batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
    }

    #[test]
    fn a_watcher_sees_every_pass_and_batch_and_can_stop_the_read() {
        let opts = CsvOptions {
            infer_records: 1,
            batch_rows: 1,
            ..Default::default()
        };
        let text = b"a,b\n1,x\n2,y\n3.5,z\n";
        let mut events = Vec::new();
        let d = read_slice_watched(text, &opts, &mut |e| {
            events.push(match e {
                ReadEvent::Pass(s) => format!("pass {}", s.field(0).data_type()),
                ReadEvent::Batch(b) => format!("batch {}", b.num_rows()),
            });
            Ok(())
        })
        .unwrap();
        assert_eq!(d.batches.len(), 3);
        // The sample said int; the third record says float: a second pass.
        assert_eq!(
            events,
            [
                "pass Int64",
                "batch 1",
                "batch 1",
                "pass Float64",
                "batch 1",
                "batch 1",
                "batch 1"
            ]
        );
        let mut seen = 0;
        let e = read_slice_watched(text, &opts, &mut |e| match e {
            ReadEvent::Batch(_) if seen == 1 => Err(CsvError::Stopped("enough".into())),
            ReadEvent::Batch(_) => {
                seen += 1;
                Ok(())
            }
            ReadEvent::Pass(_) => Ok(()),
        })
        .unwrap_err();
        assert!(
            matches!(e, CsvError::Stopped(ref m) if m == "enough"),
            "{e}"
        );
        assert_eq!(seen, 1);
    }

    #[test]
    fn headerless_and_header_only_inputs() {
        let opts = CsvOptions {
            has_header: false,
            delimiter: b';',
            ..Default::default()
        };
        let d = read_slice(b"1;x\n2;y\n", &opts).unwrap();
        assert_eq!(d.schema.field(0).name(), "column_1");
        assert_eq!(d.schema.field(1).name(), "column_2");
        let d = read_slice(b"a,b\n", &CsvOptions::default()).unwrap();
        assert_eq!(d.schema.fields().len(), 2);
        assert!(d.batches.is_empty());
    }
}
