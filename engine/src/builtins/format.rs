//! String formatting: the `%` operator, `str.format`, and Go-style float
//! formatting (`%e`, `%f`, `%g` as Go's `strconv.FormatFloat` writes them).

use super::text::{decode_rune, push_char, REPLACEMENT};
use crate::args::Args;
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::values::{repr, Int, StrValue, Value};
use num_bigint::BigInt;
use num_traits::FromPrimitive;

/// Largest string, in bytes, that a formatting operation may build.
const MAX_RESULT: usize = 1 << 30;

/// Largest formatting buffer kept for the next `%` on this thread.
const SCRATCH_KEEP: usize = 1 << 16;

thread_local! {
    /// The buffer `%` formats into, reused from one call to the next.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn excessive() -> EvalError {
    EvalError::new("formatting result too large")
}

/// Formats a float as starlark-go does for a conversion: `e`, `E`, `f`, `F`
/// with 6 digits of precision (Go's `FormatFloat(f, conv, 6, 64)`), and `g`,
/// `G` with the shortest exact precision and a `.0` added when the result
/// would otherwise look like an int (as `str(float)`). Non-finite values are
/// `+inf`, `-inf` and `nan` for every conversion.
pub fn format_float(f: f64, conv: u8) -> String {
    if !f.is_finite() {
        return crate::values::format_float_g(f);
    }
    match conv {
        b'e' | b'E' => {
            let s = format!("{f:.6e}");
            let s = go_exponent(&s);
            if conv == b'E' {
                s.to_ascii_uppercase()
            } else {
                s
            }
        }
        b'f' | b'F' => format!("{f:.6}"),
        _ => {
            let s = repr(&Value::Float(f));
            if conv == b'G' {
                s.replace('e', "E")
            } else {
                s
            }
        }
    }
}

/// Rewrites Rust's exponent (`1.5e2`, `1.5e-7`) as Go's (`1.5e+02`, `1.5e-07`).
fn go_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((mant, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            let pad = if digits.len() < 2 { "0" } else { "" };
            format!("{mant}e{sign}{pad}{digits}")
        }
        None => s.to_string(),
    }
}

/// starlark-go's `NumberToInt`: ints unchanged, floats truncated toward zero.
pub(crate) fn number_to_int(x: &Value) -> std::result::Result<Value, String> {
    match x {
        Value::Int(_) | Value::BigInt(_) => Ok(x.clone()),
        Value::Float(f) => float_to_int(*f),
        _ => Err(format!("cannot convert {} to int", x.type_name())),
    }
}

/// Truncates a float to an int value, or the error text for NaN and infinities.
pub(crate) fn float_to_int(f: f64) -> std::result::Result<Value, String> {
    if f.is_nan() {
        return Err("cannot convert float NaN to integer".into());
    }
    if f.is_infinite() {
        return Err("cannot convert float infinity to integer".into());
    }
    let t = f.trunc();
    if t.abs() < 9.2e18 {
        return Ok(Value::Int(t as i64));
    }
    Ok(BigInt::from_f64(t).map_or(Value::Int(0), Value::from_bigint))
}

/// The value of an int or float as a float (Go's `AsFloat`: a huge int is ±inf).
pub(crate) fn as_float(x: &Value) -> Option<f64> {
    match x {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::BigInt(b) => Some(Int::Big(b.clone()).to_f64().unwrap_or_else(|_| {
            if num_traits::Signed::is_negative(&**b) {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        })),
        _ => None,
    }
}

/// Appends the decimal digits of `n` (with its sign) without going
/// through the formatting machinery: `%d` of an int is the commonest
/// conversion in row-building code.
fn push_decimal(out: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut mag = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (mag % 10) as u8;
        mag /= 10;
        if mag == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

fn int_in_radix(v: &Value, radix: u32, upper: bool) -> String {
    let s = match v {
        Value::Int(i) => {
            let mag = i.unsigned_abs();
            let digits = match radix {
                8 => format!("{mag:o}"),
                16 => format!("{mag:x}"),
                _ => mag.to_string(),
            };
            if *i < 0 {
                format!("-{digits}")
            } else {
                digits
            }
        }
        Value::BigInt(b) => b.to_str_radix(radix),
        _ => String::new(),
    };
    if upper {
        s.to_ascii_uppercase()
    } else {
        s
    }
}

/// Appends `str(x)` for `%s`/`!s` (a string's own bytes) or `repr(x)` to
/// `out`, unless the result would pass `limit` bytes (false then, with
/// nothing large built).
fn write_value(out: &mut Vec<u8>, x: &Value, as_str: bool, limit: usize) -> bool {
    let room = limit.saturating_sub(out.len());
    match x {
        Value::Str(s) if as_str => {
            if s.len() > room {
                return false;
            }
            out.extend_from_slice(s.as_bytes());
        }
        _ => match crate::values::repr_limited(x, room) {
            Some(r) => out.extend_from_slice(r.as_bytes()),
            None => return false,
        },
    }
    true
}

/// Evaluates `format % args` for a string `format`, as starlark-go's
/// `interpolate`: conversions `%s %r %d %i %o %x %X %e %E %f %F %g %G %c %%`,
/// `%(name)s` keys into a dict, a tuple of arguments or a single value.
pub fn percent(format: &Value, args: &Value) -> Result<Value> {
    percent_limited(format, args, MAX_RESULT)?.ok_or_else(excessive)
}

/// [`percent`], giving up (None) as soon as the result would pass `limit`
/// bytes: an interpreter passes what is left of its memory budget, so a
/// result too large for it is refused before it is built.
pub fn percent_limited(format: &Value, args: &Value, limit: usize) -> Result<Option<Value>> {
    let limit = limit.min(MAX_RESULT);
    let fmt = match format {
        Value::Str(s) => s.as_bytes(),
        _ => {
            return Err(EvalError::new(format!(
                "unknown binary op: {} % {}",
                format.type_name(),
                args.type_name()
            )))
        }
    };
    let (nargs, tuple) = match args {
        Value::Tuple(t) => (t.len(), Some(t)),
        _ => (1, None),
    };
    // Formatted into a reused buffer: the result is then one allocation
    // (none beside the string value when it is short).
    let mut out = SCRATCH.with(|b| b.take());
    out.clear();
    let mut index = 0usize;
    let mut i = 0usize;
    loop {
        let rest = &fmt[i..];
        let pos = match rest.iter().position(|&c| c == b'%') {
            Some(p) => p,
            None => {
                out.extend_from_slice(rest);
                break;
            }
        };
        out.extend_from_slice(&rest[..pos]);
        i += pos + 1;
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        let arg = if fmt.get(i) == Some(&b'(') {
            i += 1;
            let close = fmt[i..]
                .iter()
                .position(|&c| c == b')')
                .ok_or_else(|| EvalError::new("incomplete format key"))?;
            let key = &fmt[i..i + close];
            let dict = match args {
                Value::Dict(d) => d,
                _ => return Err(EvalError::new("format requires a mapping")),
            };
            let v = dict.get(&Value::str_bytes(key.to_vec())).ok().flatten();
            i += close + 1;
            match v {
                Some(v) => v,
                None => {
                    return Err(EvalError::new(format!(
                        "key not found: {}",
                        String::from_utf8_lossy(key)
                    )))
                }
            }
        } else {
            if index >= nargs {
                return Err(EvalError::new("not enough arguments for format string"));
            }
            match tuple {
                Some(t) => t[index].clone(),
                None => args.clone(),
            }
        };
        let c = *fmt
            .get(i)
            .ok_or_else(|| EvalError::new("incomplete format"))?;
        match c {
            b's' | b'r' => {
                if !write_value(&mut out, &arg, c == b's', limit) {
                    return Ok(None);
                }
            }
            b'd' | b'i' if matches!(arg, Value::Int(_)) => {
                if let Value::Int(n) = arg {
                    push_decimal(&mut out, n);
                }
            }
            b'd' | b'i' | b'o' | b'x' | b'X' => {
                let n = number_to_int(&arg).map_err(|e| {
                    EvalError::new(format!("%{} format requires integer: {e}", c as char))
                })?;
                let s = match c {
                    b'o' => int_in_radix(&n, 8, false),
                    b'x' => int_in_radix(&n, 16, false),
                    b'X' => int_in_radix(&n, 16, true),
                    _ => int_in_radix(&n, 10, false),
                };
                out.extend_from_slice(s.as_bytes());
            }
            b'e' | b'f' | b'g' | b'E' | b'F' | b'G' => {
                let f = as_float(&arg).ok_or_else(|| {
                    EvalError::new(format!(
                        "%{} format requires float, not {}",
                        c as char,
                        arg.type_name()
                    ))
                })?;
                out.extend_from_slice(format_float(f, c).as_bytes());
            }
            b'c' => match &arg {
                Value::Int(_) | Value::BigInt(_) => {
                    let r = match &arg {
                        Value::Int(r) if (0..=0x10ffff).contains(r) => *r as u32,
                        _ => {
                            return Err(EvalError::new(format!(
                                "%c format requires a valid Unicode code point, got {}",
                                repr(&arg)
                            )))
                        }
                    };
                    push_char(&mut out, char::from_u32(r).unwrap_or(REPLACEMENT));
                }
                Value::Str(s) => {
                    let b = s.as_bytes();
                    let (r, size) = decode_rune(b);
                    if size != b.len() || b.is_empty() {
                        return Err(EvalError::new(
                            "%c format requires a single-character string",
                        ));
                    }
                    push_char(&mut out, r);
                }
                _ => {
                    return Err(EvalError::new(format!(
                        "%c format requires int or single-character string, not {}",
                        arg.type_name()
                    )))
                }
            },
            b'%' => out.push(b'%'),
            _ => return Err(EvalError::new(format!("unknown conversion %{}", c as char))),
        }
        if out.len() > limit {
            return Ok(None);
        }
        i += 1;
        index += 1;
    }
    if index < nargs {
        return Err(EvalError::new("too many arguments for format string"));
    }
    let v = Value::str_bytes(out.as_slice());
    if out.capacity() <= SCRATCH_KEEP {
        SCRATCH.with(|b| b.replace(out));
    }
    Ok(Some(v))
}

/// Interprets `s` as a decimal number (digits only), as starlark-go's `decimal`.
fn decimal(s: &[u8]) -> Option<usize> {
    let mut x: usize = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        x = x.checked_mul(10)?.checked_add((c - b'0') as usize)?;
        if x > i64::MAX as usize {
            return None;
        }
    }
    Some(x)
}

fn fmt_err(msg: impl std::fmt::Display) -> EvalError {
    EvalError::new(format!("format: {msg}"))
}

/// `s.format(*args, **kwargs)`, as starlark-go's `string·format`: `{}`,
/// `{0}`, `{name}`, `{{`, `}}` and the conversions `!s` and `!r`.
pub(crate) fn format_method(thread: &mut Thread, recv: &StrValue, args: &Args) -> Result<Value> {
    let mut format = recv.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(format.len());
    let (mut auto, mut manual) = (false, false);
    let mut index = 0usize;
    let mut charged = 0usize;
    loop {
        let brace = format.iter().position(|&c| c == b'{');
        let mut literal = match brace {
            Some(i) => &format[..i],
            None => format,
        };
        // Replace "}}" with "}" in the literal part, rejecting a lone '}'.
        loop {
            match literal.iter().position(|&c| c == b'}') {
                None => {
                    out.extend_from_slice(literal);
                    break;
                }
                Some(j) => {
                    if literal.get(j + 1) != Some(&b'}') {
                        return Err(fmt_err("single '}' in format"));
                    }
                    out.extend_from_slice(&literal[..=j]);
                    literal = &literal[j + 2..];
                }
            }
        }
        let i = match brace {
            Some(i) => i,
            None => break,
        };
        if format.get(i + 1) == Some(&b'{') {
            out.push(b'{');
            format = &format[i + 2..];
            continue;
        }
        format = &format[i + 1..];
        let close = format
            .iter()
            .position(|&c| c == b'}')
            .ok_or_else(|| fmt_err("unmatched '{' in format"))?;
        let field = &format[..close];
        format = &format[close + 1..];

        let (name, conv, spec): (&[u8], &[u8], &[u8]) = match field.iter().position(|&c| c == b'!')
        {
            None => match field.iter().position(|&c| c == b':') {
                None => (field, b"s", b""),
                Some(k) => (&field[..k], b"s", &field[k + 1..]),
            },
            Some(k) => {
                let rest = &field[k + 1..];
                match rest.iter().position(|&c| c == b':') {
                    None => (&field[..k], rest, b""),
                    Some(m) => (&field[..k], &rest[..m], &rest[m + 1..]),
                }
            }
        };
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();

        let arg = if name.is_empty() {
            if manual {
                return Err(fmt_err(
                    "cannot switch from manual field specification to automatic field numbering",
                ));
            }
            auto = true;
            let a = args
                .positional
                .get(index)
                .cloned()
                .ok_or_else(|| fmt_err("tuple index out of range"))?;
            index += 1;
            a
        } else if let Some(num) = decimal(name) {
            if auto {
                return Err(fmt_err(
                    "cannot switch from automatic field numbering to manual field specification",
                ));
            }
            manual = true;
            args.positional
                .get(num)
                .cloned()
                .ok_or_else(|| fmt_err("tuple index out of range"))?
        } else {
            match args.named.iter().find(|(k, _)| k.as_bytes() == name) {
                Some((_, v)) => v.clone(),
                None => {
                    let n = lossy(name);
                    if name.contains(&b'.') {
                        return Err(fmt_err(format!(
                            "attribute syntax x.y is not supported in replacement fields: {n}"
                        )));
                    }
                    if name.contains(&b'[') {
                        return Err(fmt_err(format!(
                            "element syntax a[i] is not supported in replacement fields: {n}"
                        )));
                    }
                    if name.contains(&b'{') {
                        return Err(fmt_err("nested replacement fields not supported"));
                    }
                    return Err(fmt_err(format!("keyword {n} not found")));
                }
            }
        };
        if !spec.is_empty() {
            return Err(EvalError::new(format!(
                "format spec features not supported in replacement fields: {}",
                lossy(spec)
            )));
        }
        // What is not yet charged may use what is left of the budget.
        let limit = charged
            .saturating_add(thread.memory_remaining())
            .min(MAX_RESULT);
        let written = match conv {
            b"s" => write_value(&mut out, &arg, true, limit),
            b"r" => write_value(&mut out, &arg, false, limit),
            _ => {
                return Err(fmt_err(format!(
                    "unknown conversion {}",
                    repr(&Value::str_bytes(conv.to_vec()))
                )))
            }
        };
        if !written {
            return Err(if limit == MAX_RESULT {
                excessive()
            } else {
                thread.memory_error()
            });
        }
        if out.len() > MAX_RESULT {
            return Err(excessive());
        }
        if out.len() - charged > 1 << 16 {
            thread.account(out.len() - charged)?;
            charged = out.len();
        }
    }
    thread.account(out.len() - charged)?;
    Ok(Value::str_bytes(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formats() {
        assert_eq!(format_float(0.0, b'e'), "0.000000e+00");
        assert_eq!(format_float(123.0, b'e'), "1.230000e+02");
        assert_eq!(format_float(-1.23e-45, b'e'), "-1.230000e-45");
        assert_eq!(format_float(1.5e300, b'E'), "1.500000E+300");
        assert_eq!(format_float(-0.0, b'f'), "-0.000000");
        assert_eq!(format_float(1e6, b'g'), "1e+06");
        assert_eq!(format_float(1e-7, b'G'), "1E-07");
        assert_eq!(format_float(f64::NEG_INFINITY, b'f'), "-inf");
    }

    #[test]
    fn decimal_fields() {
        assert_eq!(decimal(b"012"), Some(12));
        assert_eq!(decimal(b"-1"), None);
        assert_eq!(decimal(b"99999999999999999999999"), None);
    }
}
