//! Runs starlark-go's parser error tests (syntax/testdata/errors.star) against
//! our parser.
//!
//! The file is a "chunked file" (starlark-go's internal/chunkedfile): chunks
//! separated by `---` lines, each parsed on its own; a `### "regexp"` comment
//! marks the line where an error matching the regexp is expected.

use std::collections::BTreeMap;

use engine::syntax::parse_file;
use regex::Regex;

const ERRORS_STAR: &str = "/usr/share/gocode/src/go.starlark.net/syntax/testdata/errors.star";

/// Chunks whose expectations starlark-go checks in its resolver, not its
/// parser: for these the parser must succeed (identified by a line of the
/// chunk). In this vintage of errors.star they carry no `###` annotations,
/// only comments saying the check happens later.
const RESOLVER_CHUNKS: &[&str] = &[
    // Parameter order and duplicates are validated by the resolver.
    "def f(**kwargs, *args, *, b=1, a, **kwargs, *args, *, b=1, a):",
    "def f(**kwargs, *args, b=1, a, **kwargs, *args, b=1, a):",
    // Positional-after-named in load is checked later.
    r#"load("a", x2="x", "y") # => positional-before-named arg check happens later (!)"#,
];

/// One parser input and the errors expected in it, by line.
struct Chunk {
    source: String,
    first_line: usize,
    want: BTreeMap<usize, Regex>,
}

/// Splits a chunked file as starlark-go's chunkedfile.Read does: chunks are
/// padded with newlines so that line numbers match the whole file.
fn read_chunks(data: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut linenum = 1;
    for chunk in data.split("\n---\n") {
        let source = "\n".repeat(linenum - 1) + chunk;
        let first_line = linenum;
        let mut want = BTreeMap::new();
        for line in chunk.split('\n') {
            if let Some(i) = line.find("###") {
                let rest = line[i + 3..].trim();
                let pattern = go_unquote(rest)
                    .unwrap_or_else(|| panic!("line {linenum}: not a quoted regexp: {rest}"));
                let rx = Regex::new(&pattern)
                    .unwrap_or_else(|e| panic!("line {linenum}: bad regexp {pattern:?}: {e}"));
                want.insert(linenum, rx);
            }
            linenum += 1;
        }
        linenum += 1; // the "---" line
        chunks.push(Chunk {
            source,
            first_line,
            want,
        });
    }
    chunks
}

/// Unquotes a Go string literal: `"..."` with escapes, or a raw `` `...` ``.
fn go_unquote(s: &str) -> Option<String> {
    if let Some(raw) = s.strip_prefix('`') {
        return raw.strip_suffix('`').map(str::to_owned);
    }
    let body = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            _ => return None,
        }
    }
    Some(out)
}

#[test]
fn starlark_go_errors_star() {
    let data = std::fs::read_to_string(ERRORS_STAR).unwrap_or_else(|e| {
        panic!("cannot read {ERRORS_STAR} ({e}); install it with `apt-get install golang-starlark-dev`")
    });
    let chunks = read_chunks(&data);
    assert!(chunks.len() > 50, "only {} chunks", chunks.len());

    let mut failures = Vec::new();
    let mut resolver_chunks_seen = 0;
    for chunk in &chunks {
        let is_resolver_chunk = RESOLVER_CHUNKS
            .iter()
            .any(|line| chunk.source.lines().any(|l| l == *line));
        if is_resolver_chunk {
            resolver_chunks_seen += 1;
            assert!(
                chunk.want.is_empty(),
                "resolver chunk at line {} has expectations",
                chunk.first_line
            );
        }
        assert!(
            chunk.want.len() <= 1,
            "chunk at line {} expects several errors",
            chunk.first_line
        );
        match (
            parse_file("errors.star", &chunk.source),
            chunk.want.iter().next(),
        ) {
            (Ok(_), None) => {}
            (Ok(_), Some((line, rx))) => failures.push(format!(
                "line {line}: parse succeeded, want error matching {rx}"
            )),
            (Err(e), None) => failures.push(format!(
                "chunk at line {}: unexpected error: {e}",
                chunk.first_line
            )),
            (Err(e), Some((&line, rx))) => {
                if e.pos.line as usize != line {
                    failures.push(format!("line {line}: error on wrong line: {e} (want {rx})"));
                } else if !rx.is_match(&e.msg) {
                    failures.push(format!(
                        "line {line}: error {:?} does not match {rx}",
                        e.msg
                    ));
                }
            }
        }
    }
    assert_eq!(
        resolver_chunks_seen,
        RESOLVER_CHUNKS.len(),
        "resolver chunks not all found"
    );
    assert!(
        failures.is_empty(),
        "{} of {} chunks failed:\n{}",
        failures.len(),
        chunks.len(),
        failures.join("\n")
    );
}
