//! `repr` and `str` of every value, worded and quoted as starlark-go prints them.

use super::{int, Value};

/// `repr(x)`.
pub fn repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v);
    out
}

/// `str(x)`: like repr, except that a string is its own text.
pub fn to_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        _ => repr(v),
    }
}

/// Appends `repr(v)` to `out`.
pub fn write_repr(out: &mut String, v: &Value) {
    let mut ctx = Ctx::new(usize::MAX);
    write(out, v, &mut ctx);
}

/// `repr(x)` if it is at most `limit` bytes long; `None` otherwise (the
/// output stops growing soon after passing the limit).
pub fn repr_limited(v: &Value, limit: usize) -> Option<String> {
    let mut out = String::new();
    let mut ctx = Ctx::new(limit);
    write(&mut out, v, &mut ctx);
    (out.len() <= limit).then_some(out)
}

/// `str(x)` if it is at most `limit` bytes long; `None` otherwise.
pub fn to_str_limited(v: &Value, limit: usize) -> Option<String> {
    match v {
        Value::Str(s) => (s.len() <= limit).then(|| s.to_str_lossy().into_owned()),
        _ => repr_limited(v, limit),
    }
}

/// Nesting beyond which repr prints `...` instead of descending further.
const MAX_DEPTH: usize = 1000;

/// State of one repr: the containers being printed (to spot cycles), the
/// nesting depth, and the length at which to stop.
pub(crate) struct Ctx {
    path: Vec<*const ()>,
    depth: usize,
    limit: usize,
}

impl Ctx {
    fn new(limit: usize) -> Ctx {
        Ctx {
            path: Vec::new(),
            depth: 0,
            limit,
        }
    }
}

fn addr(v: &Value) -> Option<*const ()> {
    match v {
        Value::List(l) => Some(std::rc::Rc::as_ptr(l) as *const ()),
        Value::Dict(d) => Some(std::rc::Rc::as_ptr(d) as *const ()),
        _ => None,
    }
}

fn write(out: &mut String, v: &Value, path: &mut Ctx) {
    if out.len() > path.limit {
        return;
    }
    if let Some(p) = addr(v) {
        if path.path.contains(&p) || path.depth > MAX_DEPTH {
            out.push_str(match v {
                Value::List(_) => "[...]",
                _ => "{...}",
            });
            return;
        }
        path.path.push(p);
        path.depth += 1;
        crate::stack::guard(|| write_inner(out, v, path));
        path.depth -= 1;
        path.path.pop();
    } else if matches!(v, Value::Tuple(_) | Value::Set(_) | Value::Struct(_)) {
        if path.depth > MAX_DEPTH {
            out.push_str("...");
            return;
        }
        path.depth += 1;
        crate::stack::guard(|| write_inner(out, v, path));
        path.depth -= 1;
    } else {
        write_inner(out, v, path);
    }
}

fn write_seq<'a>(
    out: &mut String,
    items: impl Iterator<Item = &'a Value>,
    path: &mut Ctx,
) -> usize {
    let mut n = 0;
    for x in items {
        if out.len() > path.limit {
            break;
        }
        if n > 0 {
            out.push_str(", ");
        }
        write(out, x, path);
        n += 1;
    }
    n
}

fn write_inner(out: &mut String, v: &Value, path: &mut Ctx) {
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(_) | Value::BigInt(_) => out.push_str(&int::to_string(v)),
        Value::Float(f) => out.push_str(&format_float_g(*f)),
        Value::Str(s) => quote_into(out, s.as_bytes()),
        Value::Bytes(b) => {
            // As starlark-go: valid UTF-8 shows as text, like a string's
            // repr; only invalid bytes and unprintable characters escape.
            out.push('b');
            quote_into(out, b)
        }
        Value::List(l) => {
            out.push('[');
            write_seq(out, l.items().iter(), path);
            out.push(']');
        }
        Value::Tuple(t) => {
            out.push('(');
            if write_seq(out, t.iter(), path) == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, x)) in d.entries().iter().enumerate() {
                if out.len() > path.limit {
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                write(out, k, path);
                out.push_str(": ");
                write(out, x, path);
            }
            out.push('}');
        }
        Value::Set(s) => {
            out.push_str("set([");
            write_seq(out, s.elems().iter().map(|k| &k.value), path);
            out.push_str("])");
        }
        Value::Range(r) => {
            if r.step == 1 && r.start == 0 {
                out.push_str(&format!("range({})", r.stop));
            } else if r.step == 1 {
                out.push_str(&format!("range({}, {})", r.start, r.stop));
            } else {
                out.push_str(&format!("range({}, {}, {})", r.start, r.stop, r.step));
            }
        }
        Value::Function(f) => {
            out.push_str("<function ");
            out.push_str(f.name());
            out.push('>');
        }
        Value::Builtin(b) => match &b.recv {
            Some(r) => {
                out.push_str("<built-in method ");
                out.push_str(&b.name);
                out.push_str(" of ");
                out.push_str(r.type_name());
                out.push_str(" value>");
            }
            None => {
                out.push_str("<built-in function ");
                out.push_str(&b.name);
                out.push('>');
            }
        },
        Value::Struct(s) => {
            out.push_str(&s.constructor_name());
            out.push('(');
            for (i, (k, x)) in s.fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(" = ");
                write(out, x, path);
            }
            out.push(')');
        }
        Value::Module(m) => {
            out.push_str("<module \"");
            out.push_str(&m.name);
            out.push_str("\">");
        }
        Value::Native(n) => n.repr(out),
    }
}

/// Formats a float as starlark-go's `str` does: Go's
/// `strconv.FormatFloat(f, 'g', -1, 64)` plus a `.0` when there is neither
/// a point nor an exponent; infinities are `+inf`/`-inf`.
pub fn format_float_g(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+inf".into()
        } else {
            "-inf".into()
        };
    }
    let mut s = go_format_g_shortest(f);
    if !s.contains('.') && !s.contains('e') {
        s.push_str(".0");
    }
    s
}

/// Go's `%g` with shortest precision (`strconv.FormatFloat(f, 'g', -1, 64)`).
pub fn go_format_g_shortest(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-tripping digits: "-1.2345e-7".
    let sci = format!("{:e}", f);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    // Go uses precision 6 for the %e decision when printing the shortest form.
    let eprec = 6;
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let point = (exp + 1) as usize;
        if digits.len() <= point {
            out.push_str(&digits);
            for _ in digits.len()..point {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// Appends a double-quoted literal for `bytes` as starlark-go quotes strings
/// and bytes values: printable UTF-8 as text, `\xNN` for invalid bytes,
/// `\u`/`\U` escapes for unprintable characters.
pub fn quote_into(out: &mut String, bytes: &[u8]) {
    out.push('"');
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\t' => out.push_str("\\t"),
                b'\r' => out.push_str("\\r"),
                0x07 => out.push_str("\\a"),
                0x08 => out.push_str("\\b"),
                0x0c => out.push_str("\\f"),
                0x0b => out.push_str("\\v"),
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{:02x}", b)),
            }
            i += 1;
            continue;
        }
        // Decode one UTF-8 sequence, or escape the invalid byte.
        let end = (i + 4).min(bytes.len());
        let mut decoded = None;
        for j in (i + 2)..=end {
            if let Ok(s) = std::str::from_utf8(&bytes[i..j]) {
                decoded = s.chars().next().map(|c| (c, j));
                break;
            }
        }
        match decoded {
            Some((c, j)) => {
                if is_printable(c) {
                    out.push(c);
                } else if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
                i = j;
            }
            None => {
                out.push_str(&format!("\\x{:02x}", b));
                i += 1;
            }
        }
    }
    out.push('"');
}

/// An approximation of Go's unicode.IsPrint for non-ASCII characters.
fn is_printable(c: char) -> bool {
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c as u32, 0xad | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff))
}
