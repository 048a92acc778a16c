//! Qri's extra starlib modules (hash, base64, re, yaml, gzip, zipfile,
//! html, bsoup, xlsx, geo): the values Qri's own tests document, in both
//! majors, and one error case each.

mod common;
use common::*;

/// Runs `src` under 1.x and 2.x; both must pass.
#[track_caller]
fn both(src: &str) {
    ok("^1", src);
    ok("^2", src);
}

#[test]
fn hash_digests() {
    both(
        r#"
load("hash.star", "hash")
assert_eq(hash.md5("helloworld"), "fc5e038d38a57032085441e7fe7010b0")
assert_eq(hash.sha1("helloworld"), "6adfb183a4a2c94a2f92dab5ade762a47889a5a1")
assert_eq(hash.sha256("helloworld"), "936a185caaa266bb9cbe981e9e05cb78cd732b0b3280eb944412bb6f8f8f07af")
assert_eq(hash.md5(""), "d41d8cd98f00b204e9800998ecf8427e")
assert_eq(hash.sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
"#,
    );
}

#[test]
fn hash_wants_a_string() {
    fails(
        "^1",
        r#"load("hash.star", "hash")
hash.md5(1)"#,
        "hash.md5: for parameter s: got int",
    );
}

#[test]
fn base64_variants() {
    both(
        r#"
load("encoding/base64.star", "base64")
assert_eq(base64.encode("hello"), "aGVsbG8=")
assert_eq(base64.encode("hello", encoding="standard_raw"), "aGVsbG8")
assert_eq(base64.encode("hello friend!", encoding="url"), "aGVsbG8gZnJpZW5kIQ==")
assert_eq(base64.encode("hello friend!", encoding="url_raw"), "aGVsbG8gZnJpZW5kIQ")
assert_eq(base64.decode("aGVsbG8="), "hello")
assert_eq(base64.decode("aGVsbG8", encoding="standard_raw"), "hello")
assert_eq(base64.decode("aGVsbG8gZnJpZW5kIQ==", encoding="url"), "hello friend!")
assert_eq(base64.decode("aGVsbG8gZnJpZW5kIQ", encoding="url_raw"), "hello friend!")
# the two alphabets differ in 62 and 63
assert_eq(base64.encode("\xfb\xff", encoding="standard"), "+/8=")
assert_eq(base64.encode("\xfb\xff", encoding="url"), "-_8=")
"#,
    );
}

#[test]
fn base64_errors() {
    fails(
        "^1",
        r#"load("encoding/base64.star", "base64")
base64.decode("not base64!!")"#,
        "base64.decode: illegal base64 data",
    );
    fails(
        "^1",
        r#"load("encoding/base64.star", "base64")
base64.encode("x", encoding="hex")"#,
        "base64.encode: unsupported encoding format",
    );
}
