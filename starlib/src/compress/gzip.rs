//! The `gzip` module (Qri's `compress/gzip.star`):
//! `gzip.decompress(data)` takes gzip-compressed string or bytes (one or
//! more concatenated members, as Go's reader) and returns the
//! decompressed bytes. The output is charged to the run's memory budget as
//! it is inflated, so a decompression bomb fails cleanly.

use crate::util::{err, module as make_module, read_charged};
use engine::error::Result;
use engine::values::Builtin;
use engine::{Args, Thread, Value};

/// The `gzip` module value.
pub fn module() -> Value {
    make_module(
        "gzip",
        vec![("decompress", Builtin::func("gzip.decompress", decompress))],
    )
}

fn decompress(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "gzip.decompress";
    let [data] = args.bind(F, &["data"])?;
    let data = data.unwrap_or(Value::None);
    let bytes: &[u8] = match &data {
        Value::Str(s) => s.as_bytes(),
        Value::Bytes(b) => b.as_slice(),
        _ => return Err(err(F, "data must be string or bytes")),
    };
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Err(err(F, "gzip: invalid header"));
    }
    let out = read_charged(thread, F, flate2::read::MultiGzDecoder::new(bytes), "gzip")?;
    Ok(Value::Bytes(std::rc::Rc::new(out)))
}
