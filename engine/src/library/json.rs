//! The `json` module, as starlark-go's `go.starlark.net/lib/json`:
//! `encode(x)`, `decode(x[, default])`, `indent(str, *, prefix="",
//! indent="\t")` and `encode_indent(x, *, prefix="", indent="\t")`, with the
//! same encodings and error messages (those of Go's `encoding/json` where
//! starlark-go relies on it).

use crate::args::Args;
use crate::builtins::text::{decode_rune, push_char, quote_byte, REPLACEMENT};
use crate::builtins::unpack::{as_str, charge_bytes, charge_elems, count, name_err, param_err, pname, positional, unpack};
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::values::{ops, repr, Builtin, Dict, Module, Value};
use num_bigint::BigInt;
use std::collections::BTreeMap;
use std::rc::Rc;

/// How deeply a value may nest for `encode` and `decode` (deeper values are
/// refused rather than risking the native stack).
const MAX_DEPTH: usize = 1000;

/// The `json` module value.
pub fn module() -> Value {
    let mut members = BTreeMap::new();
    members.insert("decode".to_string(), Builtin::func("json.decode", decode));
    members.insert("encode".to_string(), Builtin::func("json.encode", encode));
    members.insert(
        "encode_indent".to_string(),
        Builtin::func("json.encode_indent", encode_indent),
    );
    members.insert("indent".to_string(), Builtin::func("json.indent", indent));
    Value::Module(Rc::new(Module::new("json", members)))
}

// ---- encode ----

/// An encoding failure: a message to be wrapped with context, or a fatal
/// error (budget, depth) passed through unwrapped.
enum EncodeError {
    Msg(String),
    Fatal(EvalError),
}

struct Encoder<'t> {
    thread: &'t mut Thread,
    out: Vec<u8>,
    charged: usize,
    path: Vec<*const ()>,
}

/// Appends `s` quoted as a JSON string, as starlark-go does: printable ASCII
/// as Go's `strconv.Quote`, anything else as Go's `json.Marshal` (HTML
/// characters, U+2028/U+2029 and controls escaped, invalid UTF-8 as U+FFFD).
fn quote(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    let mut i = 0;
    let printable_ascii = s.iter().all(|&b| (0x20..0x80).contains(&b));
    while i < s.len() {
        let b = s[i];
        if b < 0x80 {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'<' | b'>' | b'&' if !printable_ascii => {
                    out.extend_from_slice(format!("\\u{:04x}", b).as_bytes())
                }
                0x00..=0x1f => out.extend_from_slice(format!("\\u{:04x}", b).as_bytes()),
                _ => out.push(b),
            }
            i += 1;
            continue;
        }
        let (c, size) = decode_rune(&s[i..]);
        if c == REPLACEMENT && size == 1 {
            out.extend_from_slice(b"\\ufffd");
        } else if c == '\u{2028}' || c == '\u{2029}' {
            out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
        } else {
            out.extend_from_slice(&s[i..i + size]);
        }
        i += size.max(1);
    }
    out.push(b'"');
}

fn addr(v: &Value) -> Option<*const ()> {
    match v {
        Value::List(l) => Some(Rc::as_ptr(l) as *const ()),
        Value::Dict(d) => Some(Rc::as_ptr(d) as *const ()),
        Value::Tuple(t) => Some(Rc::as_ptr(t) as *const ()),
        Value::Set(s) => Some(Rc::as_ptr(s) as *const ()),
        Value::Struct(s) => Some(Rc::as_ptr(s) as *const ()),
        Value::Module(m) => Some(Rc::as_ptr(m) as *const ()),
        Value::Native(n) => Some(Rc::as_ptr(n) as *const ()),
        _ => None,
    }
}

impl Encoder<'_> {
    fn charge(&mut self) -> std::result::Result<(), EncodeError> {
        if self.out.len() - self.charged > 1 << 16 {
            let n = self.out.len() - self.charged;
            self.charged = self.out.len();
            charge_bytes(self.thread, "json.encode", n).map_err(EncodeError::Fatal)?;
        }
        Ok(())
    }

    fn emit(&mut self, x: &Value) -> std::result::Result<(), EncodeError> {
        self.charge()?;
        if self.path.len() > MAX_DEPTH {
            return Err(EncodeError::Fatal(EvalError::new(format!(
                "json.encode: value is nested more than {MAX_DEPTH} levels deep"
            ))));
        }
        let ptr = addr(x);
        if let Some(p) = ptr {
            if self.path.contains(&p) {
                return Err(EncodeError::Msg("cycle in JSON structure".into()));
            }
            self.path.push(p);
        }
        let r = self.emit_inner(x);
        if ptr.is_some() {
            self.path.pop();
        }
        r
    }

    fn emit_inner(&mut self, x: &Value) -> std::result::Result<(), EncodeError> {
        match x {
            Value::None => self.out.extend_from_slice(b"null"),
            Value::Bool(true) => self.out.extend_from_slice(b"true"),
            Value::Bool(false) => self.out.extend_from_slice(b"false"),
            Value::Int(i) => self.out.extend_from_slice(i.to_string().as_bytes()),
            Value::BigInt(b) => self.out.extend_from_slice(b.to_string().as_bytes()),
            Value::Float(f) => {
                if !f.is_finite() {
                    return Err(EncodeError::Msg(format!(
                        "cannot encode non-finite float {}",
                        repr(x)
                    )));
                }
                self.out.extend_from_slice(repr(x).as_bytes());
            }
            Value::Str(s) => quote(&mut self.out, s.as_bytes()),
            Value::Dict(d) => {
                let mut items: Vec<(Value, Value)> = d
                    .entries()
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.clone()))
                    .collect();
                for (k, _) in &items {
                    if !matches!(k, Value::Str(_)) {
                        return Err(EncodeError::Msg(format!(
                            "{} has {} key, want string",
                            x.type_name(),
                            k.type_name()
                        )));
                    }
                }
                let key_bytes = |k: &Value| match k {
                    Value::Str(s) => s.as_bytes().to_vec(),
                    _ => Vec::new(),
                };
                items.sort_by_key(|(k, _)| key_bytes(k));
                self.out.push(b'{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    quote(&mut self.out, &key_bytes(k));
                    self.out.push(b':');
                    self.emit(v).map_err(|e| match e {
                        EncodeError::Msg(m) => EncodeError::Msg(format!(
                            "in {} key {}: {m}",
                            x.type_name(),
                            repr(k)
                        )),
                        fatal => fatal,
                    })?;
                }
                self.out.push(b'}');
            }
            Value::List(_) | Value::Tuple(_) | Value::Set(_) | Value::Range(_) => self.emit_array(x)?,
            Value::Native(n) if n.iterate().is_some() => self.emit_array(x)?,
            Value::Struct(_) | Value::Module(_) | Value::Native(_) => {
                let names = crate::builtins::attr_names(x);
                if names.is_empty() && matches!(x, Value::Native(_)) {
                    return Err(EncodeError::Msg(format!(
                        "cannot encode {} as JSON",
                        x.type_name()
                    )));
                }
                self.out.push(b'{');
                for (i, name) in names.iter().enumerate() {
                    let v = match crate::builtins::try_get_attr(x, name) {
                        Ok(Some(v)) => v,
                        Ok(None) => {
                            return Err(EncodeError::Msg(format!(
                                "missing attribute {}.{name} (despite {} appearing in dir()",
                                x.type_name(),
                                repr(&Value::str(name))
                            )))
                        }
                        Err(e) => {
                            return Err(EncodeError::Msg(format!(
                                "cannot access attribute {}.{name}: {e}",
                                x.type_name()
                            )))
                        }
                    };
                    if i > 0 {
                        self.out.push(b',');
                    }
                    quote(&mut self.out, name.as_bytes());
                    self.out.push(b':');
                    self.emit(&v).map_err(|e| match e {
                        EncodeError::Msg(m) => EncodeError::Msg(format!("in field .{name}: {m}")),
                        fatal => fatal,
                    })?;
                }
                self.out.push(b'}');
            }
            _ => {
                return Err(EncodeError::Msg(format!(
                    "cannot encode {} as JSON",
                    x.type_name()
                )))
            }
        }
        Ok(())
    }

    fn emit_array(&mut self, x: &Value) -> std::result::Result<(), EncodeError> {
        self.out.push(b'[');
        let mut it = ops::iterate_or_err(x).map_err(EncodeError::Fatal)?;
        let mut i = 0usize;
        while let Some(elem) = it.next() {
            if i > 0 {
                self.out.push(b',');
            }
            self.emit(&elem).map_err(|e| match e {
                EncodeError::Msg(m) => EncodeError::Msg(format!("at {} index {i}: {m}", x.type_name())),
                fatal => fatal,
            })?;
            i += 1;
        }
        self.out.push(b']');
        Ok(())
    }
}

/// Encodes `x` as JSON text, or fails with a "json.encode: ..." error
/// (`fname` names the built-in in messages).
fn encode_value(thread: &mut Thread, fname: &str, x: &Value) -> Result<Vec<u8>> {
    let mut enc = Encoder {
        thread,
        out: Vec::new(),
        charged: 0,
        path: Vec::new(),
    };
    match enc.emit(x) {
        Ok(()) => {}
        Err(EncodeError::Msg(m)) => return Err(name_err(fname, m)),
        Err(EncodeError::Fatal(e)) => return Err(e),
    }
    let rest = enc.out.len() - enc.charged;
    charge_bytes(enc.thread, fname, rest)?;
    Ok(enc.out)
}

fn encode(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("json.encode", args, 1, 1)?;
    Ok(Value::str_bytes(encode_value(thread, "json.encode", &a[0])?))
}

/// The keyword-only `prefix` and `indent` arguments of `indent` and `encode_indent`.
fn indent_options(fname: &str, args: &Args) -> Result<(Vec<u8>, Vec<u8>)> {
    let [prefix, indent] = unpack(fname, &[], &args.named, ["prefix?", "indent?"])?;
    let prefix = match &prefix {
        Some(v) => as_str(v).map_err(|e| param_err(fname, pname(&args.named, "prefix"), e))?.as_bytes().to_vec(),
        None => Vec::new(),
    };
    let indent = match &indent {
        Some(v) => as_str(v).map_err(|e| param_err(fname, pname(&args.named, "indent"), e))?.as_bytes().to_vec(),
        None => b"\t".to_vec(),
    };
    Ok((prefix, indent))
}

fn encode_indent(thread: &mut Thread, args: &Args) -> Result<Value> {
    const NAME: &str = "json.encode_indent";
    let (prefix, ind) = indent_options(NAME, args)?;
    let a = count(NAME, &args.positional, 1, 1)?;
    let text = encode_value(thread, NAME, &a[0])?;
    let out = indent_text(thread, NAME, &text, &prefix, &ind)?;
    Ok(Value::str_bytes(out))
}

fn indent(thread: &mut Thread, args: &Args) -> Result<Value> {
    const NAME: &str = "json.indent";
    let (prefix, ind) = indent_options(NAME, args)?;
    let a = count(NAME, &args.positional, 1, 1)?;
    let s = as_str(&a[0]).map_err(|e| param_err(NAME, 1, e))?;
    let out = indent_text(thread, NAME, s.as_bytes(), &prefix, &ind)?;
    Ok(Value::str_bytes(out))
}

// ---- Go's encoding/json scanner, for indent and string validation ----

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Continue,
    BeginLiteral,
    BeginObject,
    ObjectKey,
    ObjectValue,
    EndObject,
    BeginArray,
    ArrayValue,
    EndArray,
    SkipSpace,
    End,
    Error,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    Literal(&'static [u8], usize),
    Error,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// Go's JSON scanner: a byte-at-a-time state machine that validates JSON
/// and classifies each byte, with Go's error messages.
struct Scanner {
    state: State,
    parse: Vec<Parse>,
    err: Option<String>,
    end_top: bool,
}

const MAX_NESTING: usize = 10000;

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl Scanner {
    fn new() -> Scanner {
        Scanner {
            state: State::BeginValue,
            parse: Vec::new(),
            err: None,
            end_top: false,
        }
    }

    fn error(&mut self, c: u8, context: &str) -> Op {
        self.state = State::Error;
        self.err = Some(format!("invalid character {} {context}", quote_byte(c)));
        Op::Error
    }

    fn push(&mut self, c: u8, p: Parse, ok: Op) -> Op {
        self.parse.push(p);
        if self.parse.len() <= MAX_NESTING {
            ok
        } else {
            self.error(c, "exceeded max depth")
        }
    }

    fn pop(&mut self) {
        self.parse.pop();
        if self.parse.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    fn eof(&mut self) -> Op {
        if self.err.is_some() {
            return Op::Error;
        }
        if self.end_top {
            return Op::End;
        }
        self.step(b' ');
        if self.end_top {
            return Op::End;
        }
        if self.err.is_none() {
            self.err = Some("unexpected end of JSON input".into());
        }
        Op::Error
    }

    fn begin_value(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::SkipSpace;
        }
        match c {
            b'{' => {
                self.state = State::BeginStringOrEmpty;
                self.push(c, Parse::ObjectKey, Op::BeginObject)
            }
            b'[' => {
                self.state = State::BeginValueOrEmpty;
                self.push(c, Parse::ArrayValue, Op::BeginArray)
            }
            b'"' => {
                self.state = State::InString;
                Op::BeginLiteral
            }
            b'-' => {
                self.state = State::Neg;
                Op::BeginLiteral
            }
            b'0' => {
                self.state = State::Zero;
                Op::BeginLiteral
            }
            b't' => {
                self.state = State::Literal(b"true", 1);
                Op::BeginLiteral
            }
            b'f' => {
                self.state = State::Literal(b"false", 1);
                Op::BeginLiteral
            }
            b'n' => {
                self.state = State::Literal(b"null", 1);
                Op::BeginLiteral
            }
            b'1'..=b'9' => {
                self.state = State::One;
                Op::BeginLiteral
            }
            _ => self.error(c, "looking for beginning of value"),
        }
    }

    fn end_value(&mut self, c: u8) -> Op {
        let n = self.parse.len();
        if n == 0 {
            self.state = State::EndTop;
            self.end_top = true;
            return self.end_top_state(c);
        }
        if is_space(c) {
            self.state = State::EndValue;
            return Op::SkipSpace;
        }
        match self.parse[n - 1] {
            Parse::ObjectKey => {
                if c == b':' {
                    self.parse[n - 1] = Parse::ObjectValue;
                    self.state = State::BeginValue;
                    return Op::ObjectKey;
                }
                self.error(c, "after object key")
            }
            Parse::ObjectValue => {
                if c == b',' {
                    self.parse[n - 1] = Parse::ObjectKey;
                    self.state = State::BeginString;
                    return Op::ObjectValue;
                }
                if c == b'}' {
                    self.pop();
                    return Op::EndObject;
                }
                self.error(c, "after object key:value pair")
            }
            Parse::ArrayValue => {
                if c == b',' {
                    self.state = State::BeginValue;
                    return Op::ArrayValue;
                }
                if c == b']' {
                    self.pop();
                    return Op::EndArray;
                }
                self.error(c, "after array element")
            }
        }
    }

    fn end_top_state(&mut self, c: u8) -> Op {
        if !is_space(c) {
            self.error(c, "after top-level value");
        }
        Op::End
    }

    fn step(&mut self, c: u8) -> Op {
        let hex = |c: u8| c.is_ascii_hexdigit();
        match self.state {
            State::Error => Op::Error,
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    Op::SkipSpace
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    return Op::SkipSpace;
                }
                if c == b'}' {
                    if let Some(last) = self.parse.last_mut() {
                        *last = Parse::ObjectValue;
                    }
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => self.end_top_state(c),
            State::InString => {
                if c == b'"' {
                    self.state = State::EndValue;
                    Op::Continue
                } else if c == b'\\' {
                    self.state = State::InStringEsc;
                    Op::Continue
                } else if c < 0x20 {
                    self.error(c, "in string literal")
                } else {
                    Op::Continue
                }
            }
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = State::InString;
                    Op::Continue
                }
                b'u' => {
                    self.state = State::InStringEscU(0);
                    Op::Continue
                }
                _ => self.error(c, "in string escape code"),
            },
            State::InStringEscU(k) => {
                if hex(c) {
                    self.state = if k == 3 {
                        State::InString
                    } else {
                        State::InStringEscU(k + 1)
                    };
                    Op::Continue
                } else {
                    self.error(c, "in \\u hexadecimal character escape")
                }
            }
            State::Neg => match c {
                b'0' => {
                    self.state = State::Zero;
                    Op::Continue
                }
                b'1'..=b'9' => {
                    self.state = State::One;
                    Op::Continue
                }
                _ => self.error(c, "in numeric literal"),
            },
            State::One => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else {
                    self.zero(c)
                }
            }
            State::Zero => self.zero(c),
            State::Dot => {
                if c.is_ascii_digit() {
                    self.state = State::Dot0;
                    Op::Continue
                } else {
                    self.error(c, "after decimal point in numeric literal")
                }
            }
            State::Dot0 => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else if c == b'e' || c == b'E' {
                    self.state = State::E;
                    Op::Continue
                } else {
                    self.end_value(c)
                }
            }
            State::E => {
                if c == b'+' || c == b'-' {
                    self.state = State::ESign;
                    Op::Continue
                } else {
                    self.e_sign(c)
                }
            }
            State::ESign => self.e_sign(c),
            State::E0 => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else {
                    self.end_value(c)
                }
            }
            State::Literal(word, k) => {
                if word.get(k) == Some(&c) {
                    self.state = if k + 1 == word.len() {
                        State::EndValue
                    } else {
                        State::Literal(word, k + 1)
                    };
                    Op::Continue
                } else {
                    let name = String::from_utf8_lossy(word);
                    let want = word.get(k).map_or('?', |&b| b as char);
                    self.error(c, &format!("in literal {name} (expecting '{want}')"))
                }
            }
        }
    }

    fn begin_string(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::SkipSpace;
        }
        if c == b'"' {
            self.state = State::InString;
            return Op::BeginLiteral;
        }
        self.error(c, "looking for beginning of object key string")
    }

    fn zero(&mut self, c: u8) -> Op {
        if c == b'.' {
            self.state = State::Dot;
            Op::Continue
        } else if c == b'e' || c == b'E' {
            self.state = State::E;
            Op::Continue
        } else {
            self.end_value(c)
        }
    }

    fn e_sign(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            self.state = State::E0;
            Op::Continue
        } else {
            self.error(c, "in exponent of numeric literal")
        }
    }
}

/// Checks that `s` is valid JSON (Go's `checkValid`), returning Go's message otherwise.
fn check_valid(s: &[u8]) -> std::result::Result<(), String> {
    let mut scan = Scanner::new();
    for &c in s {
        if scan.step(c) == Op::Error {
            return Err(scan.err.unwrap_or_default());
        }
    }
    if scan.eof() == Op::Error {
        return Err(scan.err.unwrap_or_default());
    }
    Ok(())
}

fn newline(out: &mut Vec<u8>, prefix: &[u8], indent: &[u8], depth: usize) {
    out.push(b'\n');
    out.extend_from_slice(prefix);
    for _ in 0..depth {
        out.extend_from_slice(indent);
    }
}

/// Go's `json.Indent`: re-indents valid JSON text.
fn indent_text(thread: &mut Thread, fname: &str, src: &[u8], prefix: &[u8], ind: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(src.len());
    let mut scan = Scanner::new();
    let mut need_indent = false;
    let mut depth = 0usize;
    let mut charged = 0usize;
    for &c in src {
        let v = scan.step(c);
        if v == Op::SkipSpace {
            continue;
        }
        if v == Op::Error {
            break;
        }
        if need_indent && v != Op::EndObject && v != Op::EndArray {
            need_indent = false;
            depth += 1;
            newline(&mut out, prefix, ind, depth);
        }
        if v == Op::Continue {
            out.push(c);
            continue;
        }
        match c {
            b'{' | b'[' => {
                need_indent = true;
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(&mut out, prefix, ind, depth);
            }
            b':' => {
                out.push(c);
                out.push(b' ');
            }
            b'}' | b']' => {
                if need_indent {
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, prefix, ind, depth);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
        if out.len() - charged > 1 << 16 {
            charge_bytes(thread, fname, out.len() - charged)?;
            charged = out.len();
        }
    }
    if scan.eof() == Op::Error {
        return Err(name_err(fname, scan.err.unwrap_or_default()));
    }
    charge_bytes(thread, fname, out.len() - charged)?;
    Ok(out)
}

// ---- decode ----

/// A decoding failure: a syntax error (replaced by the default if there is
/// one) or a refusal (depth, budget) that is always an error.
enum DecodeError {
    Syntax(String),
    Refused(EvalError),
}

struct Decoder<'a, 't> {
    s: &'a [u8],
    i: usize,
    depth: usize,
    thread: &'t mut Thread,
}

fn getu4(s: &[u8]) -> Option<u32> {
    if s.len() < 6 || s[0] != b'\\' || s[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&s[2..6]).ok()?;
    u32::from_str_radix(hex, 16).ok()
}

/// Go's `json.Unmarshal` of a quoted string literal (already validated).
fn unquote(lit: &[u8]) -> Vec<u8> {
    let s = &lit[1..lit.len().saturating_sub(1).max(1)];
    let mut out = Vec::with_capacity(s.len());
    let mut r = 0;
    while r < s.len() {
        let c = s[r];
        if c == b'\\' {
            match s.get(r + 1) {
                Some(b'u') => {
                    let rr = match getu4(&s[r..]) {
                        Some(rr) => rr,
                        None => break,
                    };
                    r += 6;
                    if (0xd800..0xe000).contains(&rr) {
                        if let Some(rr1) = getu4(&s[r..]) {
                            if (0xd800..0xdc00).contains(&rr) && (0xdc00..0xe000).contains(&rr1) {
                                let cp = 0x10000 + ((rr - 0xd800) << 10) + (rr1 - 0xdc00);
                                push_char(&mut out, char::from_u32(cp).unwrap_or(REPLACEMENT));
                                r += 6;
                                continue;
                            }
                        }
                        push_char(&mut out, REPLACEMENT);
                    } else {
                        push_char(&mut out, char::from_u32(rr).unwrap_or(REPLACEMENT));
                    }
                    continue;
                }
                Some(&e) => {
                    out.push(match e {
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    });
                    r += 2;
                }
                None => break,
            }
        } else if c < 0x80 {
            out.push(c);
            r += 1;
        } else {
            let (ch, size) = decode_rune(&s[r..]);
            if ch == REPLACEMENT && size == 1 {
                push_char(&mut out, REPLACEMENT);
            } else {
                out.extend_from_slice(&s[r..r + size]);
            }
            r += size.max(1);
        }
    }
    out
}

type DResult<T> = std::result::Result<T, DecodeError>;

impl Decoder<'_, '_> {
    fn fail<T>(&self, msg: String) -> DResult<T> {
        Err(DecodeError::Syntax(msg))
    }

    /// Skips white space; whether there is more input.
    fn skip_space(&mut self) -> bool {
        while self.i < self.s.len() {
            if !is_space(self.s[self.i]) {
                return true;
            }
            self.i += 1;
        }
        false
    }

    fn next(&mut self) -> DResult<u8> {
        if self.skip_space() {
            Ok(self.s[self.i])
        } else {
            self.fail("unexpected end of file".into())
        }
    }

    fn charge(&mut self, n: usize) -> DResult<()> {
        charge_bytes(self.thread, "json.decode", n).map_err(DecodeError::Refused)
    }

    fn enter(&mut self) -> DResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(DecodeError::Refused(EvalError::new(format!(
                "json.decode: value is nested more than {MAX_DEPTH} levels deep"
            ))));
        }
        Ok(())
    }

    fn parse(&mut self) -> DResult<Value> {
        let b = self.next()?;
        match b {
            b'"' => {
                let s = self.s;
                let mut safe = true;
                let mut closed = false;
                let mut j = self.i + 1;
                while j < s.len() {
                    let c = s[j];
                    if c == b'\\' {
                        safe = false;
                        j += 1;
                    } else if c == b'"' {
                        closed = true;
                        j += 1;
                        break;
                    } else if c >= 0x80 {
                        safe = false;
                    }
                    j += 1;
                }
                if !closed {
                    return self.fail("unclosed string literal".into());
                }
                let lit = &s[self.i..j.min(s.len())];
                self.i = j;
                let text = if safe {
                    lit[1..lit.len() - 1].to_vec()
                } else {
                    check_valid(lit).map_err(DecodeError::Syntax)?;
                    unquote(lit)
                };
                self.charge(text.len())?;
                Ok(Value::str_bytes(text))
            }
            b'n' if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Value::None)
            }
            b't' if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Value::Bool(true))
            }
            b'f' if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Value::Bool(false))
            }
            b'[' => {
                self.i += 1;
                self.enter()?;
                let mut elems = Vec::new();
                if self.next()? != b']' {
                    loop {
                        elems.push(self.parse()?);
                        if elems.len() % 1024 == 0 {
                            charge_elems(self.thread, "json.decode", 1024).map_err(DecodeError::Refused)?;
                        }
                        let b = self.next()?;
                        if b != b',' {
                            if b != b']' {
                                return self.fail(format!("got {}, want ',' or ']'", quote_byte(b)));
                            }
                            break;
                        }
                        self.i += 1;
                    }
                }
                self.i += 1;
                self.depth -= 1;
                Ok(Value::list(elems))
            }
            b'{' => {
                self.i += 1;
                self.enter()?;
                let dict = Dict::default();
                if self.next()? != b'}' {
                    loop {
                        let key = self.parse()?;
                        if !matches!(key, Value::Str(_)) {
                            return self.fail(format!("got {} for object key, want string", key.type_name()));
                        }
                        let b = self.next()?;
                        if b != b':' {
                            return self.fail(format!("after object key, got {}, want ':' ", quote_byte(b)));
                        }
                        self.i += 1;
                        let value = self.parse()?;
                        dict.insert(key, value).map_err(DecodeError::Refused)?;
                        if dict.len() % 1024 == 0 {
                            charge_elems(self.thread, "json.decode", 2048).map_err(DecodeError::Refused)?;
                        }
                        let b = self.next()?;
                        if b != b',' {
                            if b != b'}' {
                                return self.fail(format!("in object, got {}, want ',' or '}}'", quote_byte(b)));
                            }
                            break;
                        }
                        self.i += 1;
                    }
                }
                self.i += 1;
                self.depth -= 1;
                Ok(Value::Dict(Rc::new(dict)))
            }
            b'0'..=b'9' | b'-' => {
                let s = self.s;
                let mut is_float = false;
                let mut j = self.i + 1;
                while j < s.len() {
                    let c = s[j];
                    if c.is_ascii_digit() {
                    } else if matches!(c, b'.' | b'e' | b'E' | b'+' | b'-') {
                        is_float = true;
                    } else {
                        break;
                    }
                    j += 1;
                }
                let num = &s[self.i..j];
                self.i = j;
                let text = String::from_utf8_lossy(num).into_owned();
                let digits = num.strip_prefix(b"-").unwrap_or(num);
                if digits.is_empty() || (digits[0] == b'0' && digits.len() > 1 && digits[1].is_ascii_digit()) {
                    return self.fail(format!("invalid number: {text}"));
                }
                if is_float {
                    match text.parse::<f64>() {
                        Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                        _ => self.fail(format!("invalid number: {text}")),
                    }
                } else {
                    self.charge(num.len())?;
                    match BigInt::parse_bytes(num, 10) {
                        Some(n) if digits.iter().all(|c| c.is_ascii_digit()) => Ok(Value::from_bigint(n)),
                        _ => self.fail(format!("invalid number: {text}")),
                    }
                }
            }
            _ => self.fail(format!("unexpected character {}", quote_byte(b))),
        }
    }
}

fn decode(thread: &mut Thread, args: &Args) -> Result<Value> {
    const NAME: &str = "json.decode";
    let [x, default] = unpack(NAME, &args.positional, &args.named, ["x", "default?"])?;
    let x = x.unwrap_or(Value::None);
    let s = as_str(&x).map_err(|e| param_err(NAME, pname(&args.named, "x"), e))?;
    if args.positional.is_empty() {
        return Err(name_err(NAME, "unexpected keyword argument x"));
    }
    let mut d = Decoder {
        s: s.as_bytes(),
        i: 0,
        depth: 0,
        thread,
    };
    let r = d.parse().and_then(|v| {
        if d.skip_space() {
            let c = d.s[d.i];
            d.fail(format!("unexpected character {} after value", quote_byte(c)))
        } else {
            Ok(v)
        }
    });
    match r {
        Ok(v) => Ok(v),
        Err(DecodeError::Refused(e)) => Err(e),
        Err(DecodeError::Syntax(msg)) => match default {
            Some(dflt) => Ok(dflt),
            None => Err(EvalError::new(format!("json.decode: at offset {}, {msg}", d.i))),
        },
    }
}
