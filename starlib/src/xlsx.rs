//! The `xlsx` module (Qri's `xlsx.star`): `xlsx.get_url(url)` downloads an
//! Excel workbook through starlib's guarded HTTP client (the host's guard,
//! timeouts, size cap and memory budget apply as for `http.get`) and
//! returns a `File` with `get_sheets()`, a dict from 1-based position to
//! sheet name, and `get_rows(sheet)`, the sheet's rows from A1 to the
//! last non-empty row, each as wide as the widest, as lists of
//! strings (numbers as their shortest text, booleans `"1"`/`"0"`, dates as
//! their serial number, empty cells `""`), as Qri's excelize gave them.
//! Workbooks are read with `calamine`.

use crate::config::HostConfig;
use crate::http::ClientCell;
use crate::util::{err, native_ref, str_cost};
use calamine::{Data, Reader, Xlsx};
use engine::args::required;
use engine::error::Result;
use engine::values::{Builtin, MethodFn, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::cell::RefCell;
use std::io::Cursor;
use std::rc::Rc;

/// What the workbook's parsed cells cost per byte of its unpacked XML.
const PARSE_FACTOR: usize = 2;

/// The `xlsx` module value, configured by the host.
pub fn module(config: &Rc<HostConfig>) -> Value {
    let cell: ClientCell = Rc::new(RefCell::new(None));
    let config = config.clone();
    let get_url = Builtin::host("xlsx.get_url", move |thread, args| {
        get_url(thread, args, &config, &cell)
    });
    crate::util::module("xlsx", vec![("get_url", get_url)])
}

/// An opened workbook (`type` "xlsx.File").
pub struct File {
    book: RefCell<Xlsx<Cursor<Vec<u8>>>>,
    sheets: Vec<String>,
}

fn get_url(
    thread: &mut Thread,
    args: &Args,
    config: &HostConfig,
    cell: &ClientCell,
) -> Result<Value> {
    const F: &str = "xlsx.get_url";
    let [url] = args.bind(F, &["url"])?;
    let url = required::<String>(F, "url", &url)?;
    let (final_url, status, body) = crate::http::get_bytes(thread, F, &url, config, cell)?;
    if !(200..300).contains(&status) {
        return Err(err(F, format!("GET {final_url} returned status {status}")));
    }
    open(thread, F, body)
}

/// Opens workbook bytes, charging what unpacking and parsing them costs
/// (by the sizes the archive declares) before calamine does it.
pub fn open(thread: &mut Thread, fname: &str, body: Vec<u8>) -> Result<Value> {
    let declared = declared_size(&body)
        .ok_or_else(|| err(fname, "not an xlsx workbook (not a zip archive)"))?;
    crate::budget::charge(thread, fname, declared.saturating_mul(PARSE_FACTOR))?;
    let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body))
        .map_err(|e| err(fname, format!("not an xlsx workbook: {e}")))?;
    let sheets = book.sheet_names();
    Ok(Value::native(File {
        book: RefCell::new(book),
        sheets,
    }))
}

/// The total unpacked size the zip archive's directory declares.
fn declared_size(body: &[u8]) -> Option<usize> {
    let mut z = zip::ZipArchive::new(Cursor::new(body)).ok()?;
    let mut total: u64 = 0;
    for i in 0..z.len() {
        let f = z.by_index_raw(i).ok()?;
        total = total.saturating_add(f.size());
    }
    Some(usize::try_from(total).unwrap_or(usize::MAX))
}

const METHODS: &[(&str, MethodFn)] = &[("get_rows", get_rows), ("get_sheets", get_sheets)];

impl NativeValue for File {
    fn type_name(&self) -> &str {
        "xlsx.File"
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(crate::util::bound_method(METHODS, this, name))
    }
    fn attr_names(&self) -> Vec<String> {
        crate::util::method_names(METHODS)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn this<'a>(fname: &str, recv: &'a Value) -> Result<&'a File> {
    native_ref::<File>(recv).ok_or_else(|| err(fname, "receiver is not an xlsx file"))
}

fn get_sheets(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "get_sheets";
    let f = this(F, recv)?;
    args.none(F)?;
    crate::util::dict(
        f.sheets
            .iter()
            .enumerate()
            .map(|(i, n)| (Value::Int(i as i64 + 1), Value::str(n)))
            .collect(),
    )
}

/// A cell as the text excelize gave for it.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Int(i) => i.to_string(),
        Data::Float(x) => x.to_string(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

fn get_rows(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "get_rows";
    let f = this(F, recv)?;
    let [sheet] = args.bind(F, &["sheet"])?;
    let sheet = required::<String>(F, "sheet", &sheet)?;
    if !f.sheets.contains(&sheet) {
        return Err(err(
            F,
            format!(
                "no sheet {sheet:?}; the workbook has {}",
                f.sheets.join(", ")
            ),
        ));
    }
    let range = f
        .book
        .borrow_mut()
        .worksheet_range(&sheet)
        .map_err(|e| err(F, format!("reading sheet {sheet:?}: {e}")))?;
    let Some((end_row, end_col)) = range.end() else {
        return Ok(Value::list(Vec::new()));
    };
    let (rows, cols) = (end_row as usize + 1, end_col as usize + 1);
    crate::budget::charge(
        thread,
        F,
        rows.saturating_mul(cols).saturating_mul(str_cost(0)),
    )?;
    let stop = crate::budget::Interrupt::of(thread);
    let mut out: Vec<Vec<String>> = Vec::with_capacity(rows);
    // As excelize: rows after the last one with a non-empty cell are dropped.
    let mut used = 0;
    for r in 0..rows {
        stop.every(r)?;
        let mut row = Vec::with_capacity(cols);
        let mut bytes = 0;
        for c in 0..cols {
            let text = range
                .get_value((r as u32, c as u32))
                .map(cell_text)
                .unwrap_or_default();
            bytes += text.len();
            row.push(text);
        }
        if bytes > 0 {
            used = r + 1;
        }
        crate::budget::charge(thread, F, bytes)?;
        out.push(row);
    }
    out.truncate(used);
    let out = out
        .into_iter()
        .map(|row| Value::list(row.iter().map(|t| Value::str(t)).collect()))
        .collect();
    Ok(Value::list(out))
}
