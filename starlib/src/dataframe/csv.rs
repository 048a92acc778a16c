//! `dataframe.parse_csv(text)` and `dataframe.read_csv(text)`: CSV text
//! (header first) into a frame, read by the workspace's CSV reader
//! (`tabular`, as `csv.read` uses) into Arrow columns. As in Qri, only
//! ints and floats are typed; other columns stay text.

use super::column::Col;
use super::frame::{DataFrame, Frame};
use super::index::Index;
use crate::util::err;
use arrow_schema::{DataType, Field, Schema};
use engine::error::Result;
use engine::{Args, Thread, Value};
use std::sync::Arc;

fn frame_from_csv(thread: &mut Thread, fname: &str, text: &[u8]) -> Result<Frame> {
    let opts = tabular::CsvOptions::default();
    let mut t = crate::table::io::read_csv_bytes(thread, fname, text, opts)?;
    let schema = t.batch.schema();
    let keep = |dt: &DataType| {
        matches!(
            dt,
            DataType::Int64 | DataType::Float64 | DataType::Utf8 | DataType::Null
        )
    };
    if !schema.fields().iter().all(|f| keep(f.data_type())) {
        // Read again with dates, times and bools as text, as Qri keeps them.
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .map(|f| {
                let dt = if keep(f.data_type()) {
                    f.data_type().clone()
                } else {
                    DataType::Utf8
                };
                Field::new(f.name(), dt, true)
            })
            .collect();
        let opts = tabular::CsvOptions {
            schema: Some(Arc::new(Schema::new(fields))),
            ..tabular::CsvOptions::default()
        };
        t = crate::table::io::read_csv_bytes(thread, fname, text, opts)?;
    }
    let names: Vec<String> = t
        .batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let cols = t
        .batch
        .columns()
        .iter()
        .map(|a| Col::from_arrow(fname, a))
        .collect::<Result<Vec<_>>>()?;
    let n = t.batch.num_rows();
    Ok(Frame {
        nrows: n,
        cols,
        names: Some(names),
        index: Index::range(n),
    })
}

fn text_arg(fname: &str, args: &Args) -> Result<Vec<u8>> {
    let [content] = args.bind(fname, &["content"])?;
    match content {
        Some(Value::Str(s)) => Ok(s.as_bytes().to_vec()),
        Some(Value::Bytes(b)) => Ok(b.to_vec()),
        Some(v) => Err(err(fname, format!("not a string: got {}", v.type_name()))),
        None => Err(err(fname, "missing content")),
    }
}

/// `dataframe.parse_csv(content)`.
pub fn parse_csv(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "parse_csv";
    let text = text_arg(F, args)?;
    Ok(DataFrame::value(frame_from_csv(thread, F, &text)?))
}

/// `dataframe.read_csv(content)`: Qri disabled it (it fetched URLs); here
/// it parses CSV text, like `parse_csv`.
pub fn read_csv(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "read_csv";
    let text = text_arg(F, args)?;
    Ok(DataFrame::value(frame_from_csv(thread, F, &text)?))
}
