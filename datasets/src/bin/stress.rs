//! `quarry-datasets-stress`: a writer process for the crash and concurrency
//! tests of the `datasets` crate (and for trying the store by hand).
//!
//! ```text
//! quarry-datasets-stress save-loop STORE NAME ROWS
//!     save versions forever; print "committed <id>" after each commit
//! quarry-datasets-stress writer STORE NAME COUNT BUSY_MS
//!     save COUNT versions; print "ok <id>" or "busy <message>" for each
//! ```

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use datasets::{Body, NewVersion, Store, StoreOptions};

fn body(rows: usize, salt: u64) -> Result<Body, String> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("label", DataType::Utf8, false),
        Field::new("value", DataType::Float64, false),
    ]));
    let ids: Vec<i64> = (0..rows as i64).collect();
    let labels: Vec<String> = (0..rows).map(|i| format!("row-{i}-{salt}")).collect();
    let values: Vec<f64> = (0..rows).map(|i| (i as f64) * 0.5 + salt as f64).collect();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids)),
        Arc::new(StringArray::from(labels)),
        Arc::new(Float64Array::from(values)),
    ];
    let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|e| e.to_string())?;
    Body::new(schema, vec![batch]).map_err(|e| e.to_string())
}

fn usage() -> ! {
    eprintln!(
        "usage: quarry-datasets-stress save-loop STORE NAME ROWS | writer STORE NAME COUNT BUSY_MS"
    );
    std::process::exit(2)
}

fn num(s: Option<&String>) -> u64 {
    s.and_then(|s| s.parse().ok()).unwrap_or_else(|| usage())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(store), Some(name)) = (args.first(), args.get(1), args.get(2)) else {
        usage()
    };
    let pid = u64::from(std::process::id());
    let mut out = std::io::stdout().lock();
    match mode.as_str() {
        "save-loop" => {
            let rows = num(args.get(3)) as usize;
            let store = Store::open(store).unwrap_or_else(|e| {
                eprintln!("open: {e}");
                std::process::exit(1)
            });
            let mut i = 0u64;
            loop {
                i += 1;
                let b = body(rows, pid * 1_000_000 + i).unwrap_or_else(|e| {
                    eprintln!("body: {e}");
                    std::process::exit(1)
                });
                let mut v = NewVersion::from_body(b, format!("loop {pid} #{i}"));
                v.readme = Some(format!("saved by {pid}, iteration {i}"));
                match store.save(name.as_str(), v) {
                    Ok(o) => {
                        let _ = writeln!(out, "committed {}", o.id);
                        let _ = out.flush();
                    }
                    Err(e) => {
                        eprintln!("save failed: {e}");
                        std::process::exit(1)
                    }
                }
            }
        }
        "writer" => {
            let count = num(args.get(3));
            let busy_ms = num(args.get(4));
            let store = Store::open_with(
                store,
                StoreOptions {
                    busy_timeout: Duration::from_millis(busy_ms),
                },
            )
            .unwrap_or_else(|e| {
                eprintln!("open: {e}");
                std::process::exit(1)
            });
            for i in 0..count {
                let b = body(50, pid * 1_000_000 + i).unwrap_or_else(|e| {
                    eprintln!("body: {e}");
                    std::process::exit(1)
                });
                match store.save(
                    name.as_str(),
                    NewVersion::from_body(b, format!("writer {pid} #{i}")),
                ) {
                    Ok(o) => {
                        let _ = writeln!(out, "ok {}", o.id);
                    }
                    Err(e) if e.is_busy() => {
                        let _ = writeln!(out, "busy {e}");
                    }
                    Err(e) => {
                        let _ = writeln!(out, "error {e}");
                        std::process::exit(1)
                    }
                }
                let _ = out.flush();
            }
        }
        _ => usage(),
    }
}
