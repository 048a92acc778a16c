//! The `csv` module. 1.x, as Qri's starlib: `read_all(source, comma=",",
//! comment="", lazy_quotes=False, trim_leading_space=False,
//! fields_per_record=0, skip=0)` returning a list of rows (lists of
//! strings), and `write_all(rows, comma=",")`. 2.x adds
//! `read(source, header=True, delimiter=",", schema=None)` returning a
//! `Table` and `write(table, delimiter=",", header=True)`.

use crate::util::{err, module as make_module};
use engine::args::{convert, optional, required};
use engine::error::Result;
use engine::values::Builtin;
use engine::{Args, Thread, Value};

/// The `csv` module for a major release.
pub fn module(major: u64) -> Value {
    let mut members = vec![
        ("read_all", Builtin::func("csv.read_all", read_all)),
        ("write_all", Builtin::func("csv.write_all", write_all)),
    ];
    if major >= 2 {
        members.push((
            "read",
            Builtin::func("csv.read", crate::table::io::csv_read),
        ));
        members.push((
            "write",
            Builtin::func("csv.write", crate::table::io::csv_write),
        ));
    }
    make_module("csv", members)
}

/// A single-byte delimiter parameter.
pub(crate) fn one_byte(fname: &str, pname: &str, s: &str, default: u8) -> Result<u8> {
    match s.as_bytes() {
        [] => Ok(default),
        [b] if b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r' => Ok(*b),
        _ => Err(err(
            fname,
            format!("expected {pname} param to be a single-character string, got {s:?}"),
        )),
    }
}

fn read_all(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "csv.read_all";
    let [source, comma, comment, lazy_quotes, trim_leading_space, fields_per_record, skip] = args
        .bind(
        F,
        &[
            "source",
            "comma?",
            "comment?",
            "lazy_quotes?",
            "trim_leading_space?",
            "fields_per_record?",
            "skip?",
        ],
    )?;
    let data = required::<Vec<u8>>(F, "source", &source)?;
    // The copy of the source just made, then each row as it is made.
    crate::budget::charge(thread, F, data.len())?;
    let stop = crate::budget::Interrupt::of(thread);
    let comma = one_byte(
        F,
        "comma",
        &optional(F, "comma", &comma, ",".to_string())?,
        b',',
    )?;
    let comment = optional(F, "comment", &comment, "".to_string())?;
    let comment = if comment.is_empty() {
        None
    } else {
        Some(one_byte(F, "comment", &comment, b'#')?)
    };
    if comment == Some(comma) {
        return Err(err(F, "comma and comment must differ"));
    }
    let lazy = optional::<bool>(F, "lazy_quotes", &lazy_quotes, false)?;
    let trim = optional::<bool>(F, "trim_leading_space", &trim_leading_space, false)?;
    let fpr = optional::<i64>(F, "fields_per_record", &fields_per_record, 0)?;
    let skip = optional::<i64>(F, "skip", &skip, 0)?;
    if skip < 0 {
        return Err(err(F, format!("skip must be non-negative, got {skip}")));
    }
    let data = if trim {
        strip_leading_space(&data, comma)
    } else {
        data
    };
    if !lazy {
        check_quotes(&data, comma, comment).map_err(|e| err(F, e))?;
    }
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(comma)
        .comment(comment)
        .flexible(true)
        .from_reader(data.as_slice());
    let mut rows = Vec::new();
    let mut want: Option<usize> = if fpr > 0 { Some(fpr as usize) } else { None };
    let mut rec = ::csv::ByteRecord::new();
    let mut n: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let (rno, line) = e
                    .position()
                    .map(|p| (p.record() + 1, p.line()))
                    .unwrap_or((n + 1, 0));
                return Err(err(F, format!("record {rno} (line {line}): {e}")));
            }
        }
        n += 1;
        if n <= skip as u64 {
            continue;
        }
        stop.every(n as usize)?;
        // A list of strings: a slot and a string header per field.
        let row_bytes = 64 + rec.len() * 40 + rec.as_slice().len();
        crate::budget::charge(thread, F, row_bytes)?;
        if fpr >= 0 {
            match want {
                None => want = Some(rec.len()),
                Some(w) if w != rec.len() => {
                    let line = rec.position().map(|p| p.line()).unwrap_or(0);
                    return Err(err(
                        F,
                        format!(
                            "record {n} (line {line}): wrong number of fields: got {}, want {w}",
                            rec.len()
                        ),
                    ));
                }
                _ => {}
            }
        }
        let row: Vec<Value> = rec
            .iter()
            .map(|f| {
                let f = if trim {
                    let start = f
                        .iter()
                        .position(|c| !c.is_ascii_whitespace())
                        .unwrap_or(f.len());
                    &f[start..]
                } else {
                    f
                };
                Value::str_bytes(f)
            })
            .collect();
        rows.push(Value::list(row));
    }
    Ok(Value::list(rows))
}

/// Removes spaces and tabs at the start of every field (outside quotes), as
/// Go's `TrimLeadingSpace` does before it looks for an opening quote.
fn strip_leading_space(data: &[u8], comma: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut in_quotes = false;
    let mut field_start = true;
    for &c in data {
        if in_quotes {
            out.push(c);
            if c == b'"' {
                in_quotes = false;
            }
            continue;
        }
        if field_start && (c == b' ' || c == b'\t') && c != comma {
            continue;
        }
        field_start = c == comma || c == b'\n';
        if c == b'"' {
            in_quotes = true;
        }
        out.push(c);
    }
    out
}

/// Go's strict quoting rules (`lazy_quotes=False`): a quote inside an
/// unquoted field, or a quoted field whose closing quote is followed by
/// anything but a delimiter or line end (or that never closes), is an error
/// naming the record, line and column.
fn check_quotes(data: &[u8], comma: u8, comment: Option<u8>) -> std::result::Result<(), String> {
    let mut i = 0;
    let mut line = 1usize;
    let mut record = 0usize;
    let n = data.len();
    let line_start = |i: usize| {
        data[..i]
            .iter()
            .rposition(|&c| c == b'\n')
            .map(|p| p + 1)
            .unwrap_or(0)
    };
    while i < n {
        // Start of a line: skip comments and empty lines.
        if Some(data[i]) == comment
            || data[i] == b'\n'
            || (data[i] == b'\r' && data.get(i + 1) == Some(&b'\n'))
        {
            while i < n && data[i] != b'\n' {
                i += 1;
            }
            i += 1;
            line += 1;
            continue;
        }
        record += 1;
        // One record: fields until an unquoted line end.
        loop {
            if i < n && data[i] == b'"' {
                let qline = line;
                let qcol = i - line_start(i) + 1;
                i += 1;
                loop {
                    if i >= n {
                        return Err(format!(
                            "record {record} (line {qline}): extraneous or missing \" in quoted-field starting at column {qcol}"
                        ));
                    }
                    match data[i] {
                        b'"' if data.get(i + 1) == Some(&b'"') => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\n' => {
                            line += 1;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                let at_end = i >= n
                    || data[i] == comma
                    || data[i] == b'\n'
                    || (data[i] == b'\r' && (i + 1 >= n || data[i + 1] == b'\n'));
                if !at_end {
                    let col = i - line_start(i) + 1;
                    return Err(format!(
                        "record {record} (line {line}, column {col}): extraneous or missing \" in quoted-field"
                    ));
                }
            } else {
                while i < n && data[i] != comma && data[i] != b'\n' {
                    if data[i] == b'"' {
                        let col = i - line_start(i) + 1;
                        return Err(format!(
                            "record {record} (line {line}, column {col}): bare \" in non-quoted field (use lazy_quotes=True to allow it)"
                        ));
                    }
                    i += 1;
                }
            }
            if i < n && data[i] == comma {
                i += 1;
                continue;
            }
            // Line end (or \r\n) or end of input ends the record.
            while i < n && data[i] != b'\n' {
                i += 1;
            }
            i += 1;
            line += 1;
            break;
        }
    }
    Ok(())
}

/// A cell as text for CSV output: strings as they are, None as "", bools as
/// Go prints them ("true"/"false"), other values as `str()` does.
pub(crate) fn cell_text(v: &Value) -> Vec<u8> {
    match v {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::None => Vec::new(),
        Value::Bool(b) => if *b { "true" } else { "false" }.as_bytes().to_vec(),
        other => engine::values::to_str(other).into_bytes(),
    }
}

fn write_all(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "csv.write_all";
    let [source, comma] = args.bind(F, &["source", "comma?"])?;
    let source = source.unwrap_or(Value::None);
    let comma = one_byte(
        F,
        "comma",
        &optional(F, "comma", &comma, ",".to_string())?,
        b',',
    )?;
    let rows = match &source {
        Value::List(_) | Value::Tuple(_) => convert::<Vec<Value>>(F, "source", &source)?,
        _ => {
            return Err(err(
                F,
                format!(
                    "expected value to be an array type, got {}",
                    source.type_name()
                ),
            ))
        }
    };
    let mut w = ::csv::WriterBuilder::new()
        .delimiter(comma)
        .flexible(true)
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for (i, row) in rows.iter().enumerate() {
        let cells = match row {
            Value::List(_) | Value::Tuple(_) => convert::<Vec<Value>>(F, "source", row)?,
            _ => {
                return Err(err(
                    F,
                    format!("row {i} is not an array type (got {})", row.type_name()),
                ))
            }
        };
        let rec: Vec<Vec<u8>> = cells.iter().map(cell_text).collect();
        // The record's text (and its copy in the result).
        let bytes: usize = rec.iter().map(|c| 2 * (c.len() + 3)).sum();
        crate::budget::charge(thread, F, bytes + 2)?;
        w.write_record(&rec).map_err(|e| err(F, e))?;
    }
    let out = w.into_inner().map_err(|e| err(F, e))?;
    Ok(Value::str_bytes(out))
}
