//! The `json` module, as starlark-go's `go.starlark.net/lib/json`:
//! `encode(x)`, `decode(x[, default])`, `indent(str, *, prefix="",
//! indent="\t")` and `encode_indent(x, *, prefix="", indent="\t")`, with the
//! same encodings and error messages (those of Go's `encoding/json` where
//! starlark-go relies on it).

use crate::args::Args;
use crate::builtins::text::{decode_rune, push_char, quote_byte, REPLACEMENT};
use crate::builtins::unpack::{
    as_str, charge_bytes, charge_elems, count, name_err, param_err, pname, positional, unpack,
};
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
    /// A failure to read a member of the object on top of the stack.
    Member(String),
    Fatal(EvalError),
}

/// A container being written. The encoder keeps these on an explicit stack
/// (not the native one), so deep values cannot overflow it.
enum Frame {
    /// An array: the remaining elements, and the index of the current one.
    Array {
        it: ops::ValueIter,
        index: usize,
        type_name: String,
        ptr: Option<*const ()>,
    },
    /// An object: its members in order (a struct's attributes may fail to
    /// be read; the failure is reported when the member is reached).
    Object {
        members: Vec<(Vec<u8>, std::result::Result<Value, String>)>,
        index: usize,
        context: ObjectKind,
        ptr: Option<*const ()>,
    },
}

/// How an object member is named in an error's context.
enum ObjectKind {
    /// "in dict key \"k\": "
    Dict(String),
    /// "in field .k: "
    Fields,
}

impl Frame {
    /// The context that prefixes an error in the current child.
    fn context(&self) -> String {
        match self {
            Frame::Array {
                index, type_name, ..
            } => {
                format!("at {type_name} index {}: ", index.saturating_sub(1))
            }
            Frame::Object {
                members,
                index,
                context,
                ..
            } => {
                let key = members
                    .get(index.saturating_sub(1))
                    .map(|(k, _)| k.as_slice())
                    .unwrap_or_default();
                match context {
                    ObjectKind::Dict(t) => {
                        format!("in {t} key {}: ", repr(&Value::str_bytes(key.to_vec())))
                    }
                    ObjectKind::Fields => format!("in field .{}: ", String::from_utf8_lossy(key)),
                }
            }
        }
    }

    fn ptr(&self) -> Option<*const ()> {
        match self {
            Frame::Array { ptr, .. } | Frame::Object { ptr, .. } => *ptr,
        }
    }
}

/// Appends `s` quoted as a JSON string, as starlark-go does: printable ASCII
/// as Go's `strconv.Quote` (except that DEL is written as itself, which is
/// valid JSON, where Go writes the invalid `\x7f`), anything else as Go's
/// `json.Marshal` (HTML characters, U+2028/U+2029 and controls escaped,
/// invalid UTF-8 as U+FFFD).
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

struct Encoder<'t> {
    thread: &'t mut Thread,
    fname: &'t str,
    out: Vec<u8>,
    charged: usize,
    stack: Vec<Frame>,
}

impl Encoder<'_> {
    fn charge(&mut self) -> std::result::Result<(), EncodeError> {
        if self.out.len() - self.charged > 1 << 16 {
            let n = self.out.len() - self.charged;
            self.charged = self.out.len();
            charge_bytes(self.thread, self.fname, n).map_err(EncodeError::Fatal)?;
        }
        Ok(())
    }

    /// Writes a scalar, or the opening of a container (pushing its frame).
    fn begin(&mut self, x: &Value) -> std::result::Result<(), EncodeError> {
        self.charge()?;
        let ptr = addr(x);
        if let Some(p) = ptr {
            if self.stack.iter().any(|f| f.ptr() == Some(p)) {
                return Err(EncodeError::Msg("cycle in JSON structure".into()));
            }
            if self.stack.len() >= MAX_DEPTH {
                return Err(EncodeError::Fatal(name_err(
                    self.fname,
                    format!("value is nested more than {MAX_DEPTH} levels deep"),
                )));
            }
        }
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
                let mut members = Vec::with_capacity(d.len());
                for (k, v) in d.entries().iter() {
                    match &k.value {
                        Value::Str(s) => members.push((s.as_bytes().to_vec(), Ok(v.clone()))),
                        other => {
                            return Err(EncodeError::Msg(format!(
                                "{} has {} key, want string",
                                x.type_name(),
                                other.type_name()
                            )))
                        }
                    }
                }
                members.sort_by(|a, b| a.0.cmp(&b.0));
                self.out.push(b'{');
                self.stack.push(Frame::Object {
                    members,
                    index: 0,
                    context: ObjectKind::Dict(x.type_name().to_string()),
                    ptr,
                });
            }
            Value::List(_) | Value::Tuple(_) | Value::Set(_) | Value::Range(_) => {
                self.begin_array(x, ptr)?
            }
            Value::Native(n) if n.iterate().is_some() => self.begin_array(x, ptr)?,
            Value::Struct(_) | Value::Module(_) | Value::Native(_) => {
                // Fields of structs, modules and natives are never filtered.
                let names = crate::builtins::attr_names(x, None);
                if names.is_empty() && matches!(x, Value::Native(_)) {
                    return Err(EncodeError::Msg(format!(
                        "cannot encode {} as JSON",
                        x.type_name()
                    )));
                }
                let members = names
                    .iter()
                    .map(|name| {
                        let v = match crate::builtins::try_get_attr(x, name, None) {
                            Ok(Some(v)) => Ok(v),
                            Ok(None) => Err(format!(
                                "missing attribute {}.{name} (despite {} appearing in dir()",
                                x.type_name(),
                                repr(&Value::str(name))
                            )),
                            Err(e) => Err(format!(
                                "cannot access attribute {}.{name}: {e}",
                                x.type_name()
                            )),
                        };
                        (name.as_bytes().to_vec(), v)
                    })
                    .collect();
                self.out.push(b'{');
                self.stack.push(Frame::Object {
                    members,
                    index: 0,
                    context: ObjectKind::Fields,
                    ptr,
                });
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

    fn begin_array(
        &mut self,
        x: &Value,
        ptr: Option<*const ()>,
    ) -> std::result::Result<(), EncodeError> {
        let it = ops::iterate_or_err(x).map_err(EncodeError::Fatal)?;
        self.out.push(b'[');
        self.stack.push(Frame::Array {
            it,
            index: 0,
            type_name: x.type_name().to_string(),
            ptr,
        });
        Ok(())
    }

    /// The next value to write, or None when the top container is finished
    /// (and has been closed and popped).
    fn next_child(&mut self) -> std::result::Result<Option<Value>, EncodeError> {
        let out = &mut self.out;
        let top = match self.stack.last_mut() {
            Some(t) => t,
            None => return Ok(None),
        };
        match top {
            Frame::Array { it, index, .. } => match it.next() {
                Some(v) => {
                    if *index > 0 {
                        out.push(b',');
                    }
                    *index += 1;
                    Ok(Some(v))
                }
                None => {
                    out.push(b']');
                    self.stack.pop();
                    Ok(None)
                }
            },
            Frame::Object { members, index, .. } => match members.get(*index) {
                Some((key, v)) => {
                    let v = v.clone().map_err(EncodeError::Member)?;
                    if *index > 0 {
                        out.push(b',');
                    }
                    quote(out, key);
                    out.push(b':');
                    *index += 1;
                    Ok(Some(v))
                }
                None => {
                    out.push(b'}');
                    self.stack.pop();
                    Ok(None)
                }
            },
        }
    }

    fn run(&mut self, x: &Value) -> std::result::Result<(), EncodeError> {
        self.begin(x)?;
        while !self.stack.is_empty() {
            if let Some(child) = self.next_child()? {
                self.begin(&child)?;
            }
        }
        Ok(())
    }
}

/// Encodes `x` as JSON text, or fails with a "json.encode: ..." error
/// (`fname` names the built-in in messages).
fn encode_value(thread: &mut Thread, fname: &str, x: &Value) -> Result<Vec<u8>> {
    let mut enc = Encoder {
        thread,
        fname,
        out: Vec::new(),
        charged: 0,
        stack: Vec::new(),
    };
    match enc.run(x) {
        Ok(()) => {}
        Err(EncodeError::Msg(m)) => {
            let ctx: String = enc.stack.iter().map(Frame::context).collect();
            return Err(name_err(fname, format!("{ctx}{m}")));
        }
        Err(EncodeError::Member(m)) => {
            // A member's access failure is reported in the context of the
            // containers around the object, as starlark-go's recursion does.
            let n = enc.stack.len().saturating_sub(1);
            let ctx: String = enc.stack[..n].iter().map(Frame::context).collect();
            return Err(name_err(fname, format!("{ctx}{m}")));
        }
        Err(EncodeError::Fatal(e)) => return Err(e),
    }
    let rest = enc.out.len() - enc.charged;
    charge_bytes(enc.thread, fname, rest)?;
    Ok(enc.out)
}

fn encode(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("json.encode", args, 1, 1)?;
    Ok(Value::str_bytes(encode_value(
        thread,
        "json.encode",
        &a[0],
    )?))
}

/// The keyword-only `prefix` and `indent` arguments of `indent` and `encode_indent`.
fn indent_options(fname: &str, args: &Args) -> Result<(Vec<u8>, Vec<u8>)> {
    let [prefix, indent] = unpack(fname, &[], &args.named, ["prefix?", "indent?"])?;
    let prefix = match &prefix {
        Some(v) => as_str(v)
            .map_err(|e| param_err(fname, pname(&args.named, "prefix"), e))?
            .as_bytes()
            .to_vec(),
        None => Vec::new(),
    };
    let indent = match &indent {
        Some(v) => as_str(v)
            .map_err(|e| param_err(fname, pname(&args.named, "indent"), e))?
            .as_bytes()
            .to_vec(),
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
fn indent_text(
    thread: &mut Thread,
    fname: &str,
    src: &[u8],
    prefix: &[u8],
    ind: &[u8],
) -> Result<Vec<u8>> {
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
    thread: &'t mut Thread,
}

/// An array or object being decoded, kept on an explicit stack.
enum Open {
    List(Vec<Value>),
    /// A dict, and the key whose value is being decoded (None: expecting a key).
    Dict(Dict, Option<Value>),
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

    /// Parses a string literal starting at `self.i`.
    fn string(&mut self) -> DResult<Value> {
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

    /// Parses a number starting at `self.i`.
    fn number(&mut self) -> DResult<Value> {
        let s = self.s;
        let mut is_float = false;
        let mut j = self.i + 1;
        while j < s.len() {
            let c = s[j];
            if matches!(c, b'.' | b'e' | b'E' | b'+' | b'-') {
                is_float = true;
            } else if !c.is_ascii_digit() {
                break;
            }
            j += 1;
        }
        let num = &s[self.i..j];
        self.i = j;
        let text = String::from_utf8_lossy(num).into_owned();
        let digits = num.strip_prefix(b"-").unwrap_or(num);
        if digits.is_empty()
            || (digits[0] == b'0' && digits.len() > 1 && digits[1].is_ascii_digit())
        {
            return self.fail(format!("invalid number: {text}"));
        }
        if is_float {
            return match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                _ => self.fail(format!("invalid number: {text}")),
            };
        }
        self.charge(num.len())?;
        match BigInt::parse_bytes(num, 10) {
            Some(n) if digits.iter().all(|c| c.is_ascii_digit()) => Ok(Value::from_bigint(n)),
            _ => self.fail(format!("invalid number: {text}")),
        }
    }

    /// Parses the JSON value at `self.i`, as starlark-go's recursive `parse`
    /// but with an explicit stack of open arrays and objects.
    fn parse(&mut self) -> DResult<Value> {
        let mut stack: Vec<Open> = Vec::new();
        'value: loop {
            let b = self.next()?;
            let mut v = match b {
                b'"' => self.string()?,
                b'n' if self.s[self.i..].starts_with(b"null") => {
                    self.i += 4;
                    Value::None
                }
                b't' if self.s[self.i..].starts_with(b"true") => {
                    self.i += 4;
                    Value::Bool(true)
                }
                b'f' if self.s[self.i..].starts_with(b"false") => {
                    self.i += 5;
                    Value::Bool(false)
                }
                b'[' | b'{' => {
                    self.i += 1;
                    if stack.len() >= MAX_DEPTH {
                        return Err(DecodeError::Refused(EvalError::new(format!(
                            "json.decode: value is nested more than {MAX_DEPTH} levels deep"
                        ))));
                    }
                    charge_elems(self.thread, "json.decode", 4).map_err(DecodeError::Refused)?;
                    let close = if b == b'[' { b']' } else { b'}' };
                    if self.next()? == close {
                        self.i += 1;
                        if b == b'[' {
                            Value::list(Vec::new())
                        } else {
                            Value::new_dict()
                        }
                    } else {
                        stack.push(if b == b'[' {
                            Open::List(Vec::new())
                        } else {
                            Open::Dict(Dict::default(), None)
                        });
                        continue 'value;
                    }
                }
                b'0'..=b'9' | b'-' => self.number()?,
                _ => return self.fail(format!("unexpected character {}", quote_byte(b))),
            };
            // Add the finished value to the innermost open container,
            // closing containers as they end.
            loop {
                match stack.last_mut() {
                    None => return Ok(v),
                    Some(Open::List(elems)) => {
                        elems.push(v);
                        if elems.len() % 1024 == 0 {
                            charge_elems(self.thread, "json.decode", 1024)
                                .map_err(DecodeError::Refused)?;
                        }
                        let b = self.next()?;
                        if b == b',' {
                            self.i += 1;
                            continue 'value;
                        }
                        if b != b']' {
                            return self.fail(format!("got {}, want ',' or ']'", quote_byte(b)));
                        }
                        self.i += 1;
                        v = match stack.pop() {
                            Some(Open::List(elems)) => Value::list(elems),
                            _ => Value::None,
                        };
                    }
                    Some(Open::Dict(dict, key)) => match key.take() {
                        None => {
                            if !matches!(v, Value::Str(_)) {
                                return self.fail(format!(
                                    "got {} for object key, want string",
                                    v.type_name()
                                ));
                            }
                            *key = Some(v);
                            let b = self.next()?;
                            if b != b':' {
                                return self.fail(format!(
                                    "after object key, got {}, want ':' ",
                                    quote_byte(b)
                                ));
                            }
                            self.i += 1;
                            continue 'value;
                        }
                        Some(k) => {
                            dict.insert(k, v).map_err(DecodeError::Refused)?;
                            if dict.len() % 1024 == 0 {
                                charge_elems(self.thread, "json.decode", 2048)
                                    .map_err(DecodeError::Refused)?;
                            }
                            let b = self.next()?;
                            if b == b',' {
                                self.i += 1;
                                continue 'value;
                            }
                            if b != b'}' {
                                return self.fail(format!(
                                    "in object, got {}, want ',' or '}}'",
                                    quote_byte(b)
                                ));
                            }
                            self.i += 1;
                            v = match stack.pop() {
                                Some(Open::Dict(dict, _)) => Value::Dict(Rc::new(dict)),
                                _ => Value::None,
                            };
                        }
                    },
                }
            }
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
        thread,
    };
    let r = d.parse().and_then(|v| {
        if d.skip_space() {
            let c = d.s[d.i];
            d.fail(format!(
                "unexpected character {} after value",
                quote_byte(c)
            ))
        } else {
            Ok(v)
        }
    });
    match r {
        Ok(v) => Ok(v),
        Err(DecodeError::Refused(e)) => Err(e),
        Err(DecodeError::Syntax(msg)) => match default {
            Some(dflt) => Ok(dflt),
            None => Err(EvalError::new(format!(
                "json.decode: at offset {}, {msg}",
                d.i
            ))),
        },
    }
}
