//! Fuzzes the scanner and parser: any input must give a tree or a SyntaxError, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = engine::syntax::parse_file("fuzz.star", src);
        let _ = engine::syntax::parse_expr("fuzz.star", src);
    }
});
