//! The `re` module (Qri's `re.star`): regular expressions with Go's RE2
//! syntax over Starlark (byte) strings, with Qri's return shapes.
//!
//! - `re.compile(pattern, flags=0)` → a `regexp` value with the methods
//!   below (without the `pattern` argument).
//! - `re.search(pattern, string, flags=0)` → `[start, end]` (byte offsets)
//!   of the first match, or `None`.
//! - `re.match(pattern, string, flags=0)` → a list with one tuple per match
//!   anywhere in the string: the whole match, then each group (`""` for a
//!   group that did not take part).
//! - `re.split(pattern, string, maxsplit=0, flags=0)` → a tuple of the
//!   pieces between matches (Go's `Regexp.Split`: `maxsplit` > 0 is the
//!   number of pieces at most).
//! - `re.findall(pattern, string, flags=0)` → a tuple of whole matches.
//! - `re.sub(pattern, repl, string, count=0, flags=0)` → the string with
//!   matches replaced by `repl`, where `$1`, `${name}` and `$$` expand as in
//!   Go; `count` > 0 replaces only the first `count` matches.
//!
//! `flags` is accepted and ignored, as in Qri. As in Go, `\d`, `\s`, `\w`
//! and `\b` are ASCII-only, while `.`, `(?i)` and `\pL` are Unicode-aware.

use crate::util::{err, module as make_module, native_ref, str_cost};
use engine::args::{optional, required};
use engine::error::Result;
use engine::values::{Builtin, MethodFn, NativeValue};
use engine::{Args, Thread, Value};
use regex::bytes::Regex;
use std::any::Any;
use std::rc::Rc;

/// The largest compiled program a pattern may make (bytes).
const SIZE_LIMIT: usize = 8 << 20;

/// The `re` module value.
pub fn module() -> Value {
    make_module(
        "re",
        vec![
            ("compile", Builtin::func("re.compile", compile)),
            ("search", Builtin::func("re.search", search)),
            ("match", Builtin::func("re.match", match_)),
            ("split", Builtin::func("re.split", split)),
            ("findall", Builtin::func("re.findall", findall)),
            ("sub", Builtin::func("re.sub", sub)),
        ],
    )
}

/// A compiled regular expression (`type` "regexp").
pub struct Regexp {
    pattern: String,
    re: Regex,
}

impl Regexp {
    /// Compiles `pattern` (Go RE2 syntax), naming `fname` in errors.
    pub fn new(fname: &str, pattern: &str) -> Result<Regexp> {
        let re = regex::bytes::RegexBuilder::new(&go_syntax(pattern))
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| {
                let msg = match e {
                    regex::Error::CompiledTooBig(n) => {
                        format!("pattern {pattern:?} is too large (over {n} bytes compiled)")
                    }
                    other => format!("invalid pattern {pattern:?}: {other}"),
                };
                err(fname, msg)
            })?;
        Ok(Regexp {
            pattern: pattern.to_string(),
            re,
        })
    }

    /// The pattern it was compiled from.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

const METHODS: &[(&str, MethodFn)] = &[
    ("findall", m_findall),
    ("match", m_match),
    ("search", m_search),
    ("split", m_split),
    ("sub", m_sub),
];

impl NativeValue for Regexp {
    fn type_name(&self) -> &str {
        "regexp"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&self.pattern);
    }
    fn truth(&self) -> bool {
        !self.pattern.is_empty()
    }
    fn hash(&self) -> Result<u64> {
        // FNV-1a over the pattern, as Qri hashes it.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.pattern.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        Ok(h)
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

/// Rewrites Go's ASCII-only Perl classes (`\d`, `\s`, `\w`, `\b` and their
/// negations) into explicit ASCII classes, and escapes the characters that
/// are literal inside a Go class but operators inside a Rust one (`[`, `&`,
/// `~`), so the pattern means in Rust what it means in Go.
fn go_syntax(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 16);
    let mut chars = p.chars().peekable();
    let mut in_class = false;
    // At the first position of a class, where `]` is a literal.
    let mut class_first = false;
    while let Some(c) = chars.next() {
        if c == '\\' {
            let Some(e) = chars.next() else {
                out.push('\\');
                break;
            };
            let class = |neg: bool, body: &str, in_class: bool| -> String {
                match (in_class, neg) {
                    (true, false) => body.to_string(),
                    (_, true) => format!("[^{body}]"),
                    (false, false) => format!("[{body}]"),
                }
            };
            const D: &str = "0-9";
            const S: &str = "\\t\\n\\f\\r ";
            const W: &str = "0-9A-Za-z_";
            match e {
                'd' => out.push_str(&class(false, D, in_class)),
                'D' => out.push_str(&class(true, D, in_class)),
                's' => out.push_str(&class(false, S, in_class)),
                'S' => out.push_str(&class(true, S, in_class)),
                'w' => out.push_str(&class(false, W, in_class)),
                'W' => out.push_str(&class(true, W, in_class)),
                'b' if !in_class => out.push_str("(?-u:\\b)"),
                'B' if !in_class => out.push_str("(?-u:\\B)"),
                _ => {
                    out.push('\\');
                    out.push(e);
                }
            }
            class_first = false;
            continue;
        }
        if in_class {
            match c {
                ']' if !class_first => {
                    in_class = false;
                    out.push(']');
                }
                '[' if chars.peek() == Some(&':') => {
                    // A POSIX class such as [:alpha:], copied whole.
                    out.push('[');
                    for d in chars.by_ref() {
                        out.push(d);
                        if d == ']' {
                            break;
                        }
                    }
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
            class_first = false;
            continue;
        }
        out.push(c);
        if c == '[' {
            in_class = true;
            class_first = true;
            if chars.peek() == Some(&'^') {
                out.push('^');
                chars.next();
            }
        }
    }
    out
}

/// The compiled pattern: the receiver of a method, or the `pattern`
/// argument of a module function.
enum Pattern {
    Given(Rc<Box<dyn NativeValue>>),
    Compiled(Regexp),
}

impl Pattern {
    fn re(&self) -> &Regexp {
        match self {
            Pattern::Compiled(r) => r,
            Pattern::Given(n) => n
                .as_any()
                .downcast_ref::<Regexp>()
                .expect("receiver checked to be a regexp"),
        }
    }
}

fn receiver(fname: &str, recv: &Value) -> Result<Pattern> {
    match recv {
        Value::Native(n) if native_ref::<Regexp>(recv).is_some() => Ok(Pattern::Given(n.clone())),
        _ => Err(err(fname, "receiver is not a regexp")),
    }
}

fn compile_arg(fname: &str, pattern: &Option<Value>) -> Result<Pattern> {
    if let Some(v @ Value::Native(_)) = pattern {
        return receiver(fname, v);
    }
    let p = required::<String>(fname, "pattern", pattern)?;
    Ok(Pattern::Compiled(Regexp::new(fname, &p)?))
}

fn flags_arg(fname: &str, flags: &Option<Value>) -> Result<()> {
    optional::<i64>(fname, "flags", flags, 0).map(|_| ())
}

fn compile(_thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "re.compile";
    let [pattern, flags] = args.bind(F, &["pattern", "flags?"])?;
    flags_arg(F, &flags)?;
    let p = required::<String>(F, "pattern", &pattern)?;
    Ok(Value::native(Regexp::new(F, &p)?))
}

// ---- the operations, shared by module functions and methods ----

fn do_search(re: &Regex, s: &[u8]) -> Value {
    match re.find(s) {
        Some(m) => Value::list(vec![
            Value::Int(m.start() as i64),
            Value::Int(m.end() as i64),
        ]),
        None => Value::None,
    }
}

fn do_match(thread: &mut Thread, fname: &str, re: &Regex, s: &[u8]) -> Result<Value> {
    let stop = crate::budget::Interrupt::of(thread);
    let mut out = Vec::new();
    for (i, caps) in re.captures_iter(s).enumerate() {
        stop.every(i)?;
        let groups: Vec<&[u8]> = caps
            .iter()
            .map(|g| g.map_or(&b""[..], |m| m.as_bytes()))
            .collect();
        let cost: usize = groups.iter().map(|g| str_cost(g.len())).sum::<usize>() + 48;
        crate::budget::charge(thread, fname, cost)?;
        out.push(Value::tuple(
            groups.into_iter().map(Value::str_bytes).collect(),
        ));
    }
    Ok(Value::list(out))
}

/// Pieces as Go's `Regexp.Split(s, n)` cuts them (`n` < 0: all).
fn go_split<'a>(re: &Regex, s: &'a [u8], n: i64) -> Vec<&'a [u8]> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![&s[..0]];
    }
    let mut pieces = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    let limit = if n > 0 { n as usize } else { usize::MAX };
    for (i, m) in re.find_iter(s).enumerate() {
        if i >= limit {
            break;
        }
        if n > 0 && pieces.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            pieces.push(&s[beg..end]);
        }
        beg = m.end();
    }
    if end != s.len() {
        pieces.push(&s[beg..]);
    }
    pieces
}

fn strings_tuple(thread: &mut Thread, fname: &str, pieces: Vec<&[u8]>) -> Result<Value> {
    let cost: usize = pieces.iter().map(|p| str_cost(p.len())).sum::<usize>() + 16;
    crate::budget::charge(thread, fname, cost)?;
    Ok(Value::tuple(
        pieces.into_iter().map(Value::str_bytes).collect(),
    ))
}

fn do_split(thread: &mut Thread, fname: &str, re: &Regex, s: &[u8], max: i64) -> Result<Value> {
    let n = if max == 0 { -1 } else { max };
    let pieces = go_split(re, s, n);
    strings_tuple(thread, fname, pieces)
}

fn do_findall(thread: &mut Thread, fname: &str, re: &Regex, s: &[u8]) -> Result<Value> {
    let stop = crate::budget::Interrupt::of(thread);
    let mut pieces = Vec::new();
    for (i, m) in re.find_iter(s).enumerate() {
        stop.every(i)?;
        pieces.push(m.as_bytes());
    }
    strings_tuple(thread, fname, pieces)
}

fn do_sub(
    thread: &mut Thread,
    fname: &str,
    re: &Regex,
    repl: &[u8],
    s: &[u8],
    count: i64,
) -> Result<Value> {
    let limit = if count > 0 { count as usize } else { 0 };
    let stop = crate::budget::Interrupt::of(thread);
    let mut out: Vec<u8> = Vec::new();
    let mut last = 0;
    let mut charged = 0usize;
    for (i, caps) in re.captures_iter(s).enumerate() {
        if limit > 0 && i >= limit {
            break;
        }
        stop.every(i)?;
        let Some(m) = caps.get(0) else { continue };
        out.extend_from_slice(&s[last..m.start()]);
        caps.expand(repl, &mut out);
        last = m.end();
        if out.len() > charged + (1 << 16) {
            crate::budget::charge(thread, fname, out.len() - charged)?;
            charged = out.len();
        }
    }
    out.extend_from_slice(&s[last..]);
    crate::budget::charge(thread, fname, str_cost(out.len()).saturating_sub(charged))?;
    Ok(Value::str_bytes(out))
}

// ---- module functions ----

fn search(_thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "re.search";
    let [pattern, string, flags] = args.bind(F, &["pattern", "string", "flags?"])?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    flags_arg(F, &flags)?;
    Ok(do_search(&compile_arg(F, &pattern)?.re().re, &s))
}

fn match_(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "re.match";
    let [pattern, string, flags] = args.bind(F, &["pattern", "string", "flags?"])?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    flags_arg(F, &flags)?;
    do_match(thread, F, &compile_arg(F, &pattern)?.re().re, &s)
}

fn split(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "re.split";
    let [pattern, string, maxsplit, flags] =
        args.bind(F, &["pattern", "string", "maxsplit?", "flags?"])?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    let max = optional::<i64>(F, "maxsplit", &maxsplit, 0)?;
    flags_arg(F, &flags)?;
    do_split(thread, F, &compile_arg(F, &pattern)?.re().re, &s, max)
}

fn findall(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "re.findall";
    let [pattern, string, flags] = args.bind(F, &["pattern", "string", "flags?"])?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    flags_arg(F, &flags)?;
    do_findall(thread, F, &compile_arg(F, &pattern)?.re().re, &s)
}

fn sub(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "re.sub";
    let [pattern, repl, string, count, flags] =
        args.bind(F, &["pattern", "repl", "string", "count?", "flags?"])?;
    let repl = required::<Vec<u8>>(F, "repl", &repl)?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    let count = optional::<i64>(F, "count", &count, 0)?;
    flags_arg(F, &flags)?;
    do_sub(
        thread,
        F,
        &compile_arg(F, &pattern)?.re().re,
        &repl,
        &s,
        count,
    )
}

// ---- methods of a compiled regexp ----

fn m_search(_thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "regexp.search";
    let [string, flags] = args.bind(F, &["string", "flags?"])?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    flags_arg(F, &flags)?;
    Ok(do_search(&receiver(F, recv)?.re().re, &s))
}

fn m_match(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "regexp.match";
    let [string, flags] = args.bind(F, &["string", "flags?"])?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    flags_arg(F, &flags)?;
    do_match(thread, F, &receiver(F, recv)?.re().re, &s)
}

fn m_split(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "regexp.split";
    let [string, maxsplit, flags] = args.bind(F, &["string", "maxsplit?", "flags?"])?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    let max = optional::<i64>(F, "maxsplit", &maxsplit, 0)?;
    flags_arg(F, &flags)?;
    do_split(thread, F, &receiver(F, recv)?.re().re, &s, max)
}

fn m_findall(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "regexp.findall";
    let [string, flags] = args.bind(F, &["string", "flags?"])?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    flags_arg(F, &flags)?;
    do_findall(thread, F, &receiver(F, recv)?.re().re, &s)
}

fn m_sub(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const F: &str = "regexp.sub";
    let [repl, string, count, flags] = args.bind(F, &["repl", "string", "count?", "flags?"])?;
    let repl = required::<Vec<u8>>(F, "repl", &repl)?;
    let s = required::<Vec<u8>>(F, "string", &string)?;
    let count = optional::<i64>(F, "count", &count, 0)?;
    flags_arg(F, &flags)?;
    do_sub(thread, F, &receiver(F, recv)?.re().re, &repl, &s, count)
}

#[cfg(test)]
mod tests {
    use super::go_syntax;

    #[test]
    fn perl_classes_become_ascii() {
        assert_eq!(go_syntax(r"\w+"), "[0-9A-Za-z_]+");
        assert_eq!(go_syntax(r"[\d.]"), "[0-9.]");
        assert_eq!(go_syntax(r"[\W]"), "[[^0-9A-Za-z_]]");
        assert_eq!(go_syntax(r"\bx"), r"(?-u:\b)x");
        assert_eq!(go_syntax(r"[]a[&]"), r"[]a\[\&]");
        assert_eq!(go_syntax(r"[[:alpha:]]"), "[[:alpha:]]");
        assert_eq!(go_syntax(r"\(\w{2}\)"), r"\([0-9A-Za-z_]{2}\)");
    }
}
