//! The `base64` module (Qri's `encoding/base64.star`):
//! `base64.encode(data, encoding="standard")` and
//! `base64.decode(data, encoding="standard")`, where `encoding` is one of
//! `"standard"`, `"standard_raw"` (no padding), `"url"` and `"url_raw"`
//! (RFC 4648's URL-safe alphabet), as Go's `encoding/base64`. Decoding
//! ignores line breaks, as Go's does.

use crate::util::{err, module as make_module};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::engine::GeneralPurpose;
use base64::Engine;
use engine::args::{optional, required};
use engine::error::Result;
use engine::values::Builtin;
use engine::{Args, Thread, Value};

/// The `base64` module value.
pub fn module() -> Value {
    make_module(
        "base64",
        vec![
            ("encode", Builtin::func("base64.encode", encode)),
            ("decode", Builtin::func("base64.decode", decode)),
        ],
    )
}

/// The engine for an `encoding` name ("" is "standard").
fn engine_for(fname: &str, name: &str) -> Result<&'static GeneralPurpose> {
    match name {
        "" | "standard" => Ok(&STANDARD),
        "standard_raw" => Ok(&STANDARD_NO_PAD),
        "url" => Ok(&URL_SAFE),
        "url_raw" => Ok(&URL_SAFE_NO_PAD),
        other => Err(err(
            fname,
            format!(
                "unsupported encoding format: {other:?} (want \"standard\", \"standard_raw\", \"url\" or \"url_raw\")"
            ),
        )),
    }
}

/// The (data, engine) the arguments give.
fn read_args(fname: &str, args: &Args) -> Result<(Vec<u8>, &'static GeneralPurpose)> {
    let [data, encoding] = args.bind(fname, &["data", "encoding?"])?;
    let data = required::<Vec<u8>>(fname, "data", &data)?;
    let encoding = optional(fname, "encoding", &encoding, String::new())?;
    Ok((data, engine_for(fname, &encoding)?))
}

fn encode(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "base64.encode";
    let (data, eng) = read_args(F, args)?;
    crate::budget::charge(thread, F, data.len() / 3 * 4 + 4)?;
    Ok(Value::str(&eng.encode(&data)))
}

fn decode(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "base64.decode";
    let (data, eng) = read_args(F, args)?;
    crate::budget::charge(thread, F, data.len() / 4 * 3 + 3)?;
    // Go's decoder ignores line breaks.
    let data: Vec<u8> = data
        .into_iter()
        .filter(|b| *b != b'\r' && *b != b'\n')
        .collect();
    let out = eng
        .decode(&data)
        .map_err(|e| err(F, format!("illegal base64 data: {e}")))?;
    Ok(Value::str_bytes(out))
}
