//! The `hash` module (Qri's `hash.star`): `hash.md5(s)`, `hash.sha1(s)` and
//! `hash.sha256(s)`, each returning the lowercase hex digest of the
//! string's bytes.

use crate::util::module as make_module;
use engine::args::required;
use engine::error::Result;
use engine::values::Builtin;
use engine::{Args, Thread, Value};
use sha2::Digest;

/// The `hash` module value.
pub fn module() -> Value {
    make_module(
        "hash",
        vec![
            ("md5", Builtin::func("hash.md5", md5)),
            ("sha1", Builtin::func("hash.sha1", sha1)),
            ("sha256", Builtin::func("hash.sha256", sha256)),
        ],
    )
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Reads the one string (or bytes) argument and hashes it with `D`.
fn digest<D: Digest>(fname: &str, args: &Args) -> Result<Value> {
    let [s] = args.bind(fname, &["s"])?;
    let data = required::<Vec<u8>>(fname, "s", &s)?;
    Ok(Value::str(&hex(&D::digest(&data))))
}

fn md5(_thread: &mut Thread, args: &Args) -> Result<Value> {
    digest::<md5::Md5>("hash.md5", args)
}

fn sha1(_thread: &mut Thread, args: &Args) -> Result<Value> {
    digest::<sha1::Sha1>("hash.sha1", args)
}

fn sha256(_thread: &mut Thread, args: &Args) -> Result<Value> {
    digest::<sha2::Sha256>("hash.sha256", args)
}
