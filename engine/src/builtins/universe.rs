//! The universe's functions, with starlark-go's semantics and messages.

use super::format::number_to_int;
use super::text;
use super::unpack::{
    as_bool, as_int, as_int32, as_str, charge_bytes, charge_elems, check_iterable, collect_param,
    is_callable, is_iterable, name_err, param_err, pname, positional, unpack, unpack_args,
};
use crate::args::Args;
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::syntax::ast::BinaryOp;
use crate::values::{ops, repr, BuiltinFn, Dict, RangeValue, Set, Value};
use num_bigint::BigInt;
use num_traits::Signed;
use std::rc::Rc;

/// Every universe function, by name.
pub const FUNCTIONS: &[(&str, BuiltinFn)] = &[
    ("abs", abs),
    ("all", all),
    ("any", any),
    ("bool", bool_),
    ("bytes", bytes),
    ("chr", chr),
    ("dict", dict),
    ("dir", dir),
    ("enumerate", enumerate),
    ("fail", fail),
    ("float", float),
    ("getattr", getattr),
    ("hasattr", hasattr),
    ("hash", hash),
    ("int", int),
    ("len", len),
    ("list", list),
    ("max", max),
    ("min", min),
    ("ord", ord),
    ("print", print),
    ("range", range),
    ("repr", repr_),
    ("reversed", reversed),
    ("set", set),
    ("sorted", sorted),
    ("str", str_),
    ("tuple", tuple),
    ("type", type_),
    ("zip", zip),
];

/// Fails unless the call has no keyword arguments and exactly one positional
/// argument, worded as starlark-go's hand-written checks ("f does not accept
/// keyword arguments", "f: got N arguments, want {want}").
fn exactly_one<'a>(fname: &str, args: &'a Args, want: &str) -> Result<&'a Value> {
    if !args.named.is_empty() {
        return Err(EvalError::new(format!(
            "{fname} does not accept keyword arguments"
        )));
    }
    match args.positional.as_slice() {
        [x] => Ok(x),
        a => Err(name_err(
            fname,
            format!("got {} arguments, want {want}", a.len()),
        )),
    }
}

/// Appends `str(x)` (a string's bytes, otherwise its repr) to `out`.
fn write_str(out: &mut Vec<u8>, x: &Value) {
    match x {
        Value::Str(s) => out.extend_from_slice(s.as_bytes()),
        _ => out.extend_from_slice(repr(x).as_bytes()),
    }
}

fn abs(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("abs", args, 1, 1)?;
    match &a[0] {
        Value::Float(f) => Ok(Value::Float(f.abs())),
        Value::Int(i) => Ok(match i.checked_abs() {
            Some(r) => Value::Int(r),
            None => Value::from_bigint(BigInt::from(*i).abs()),
        }),
        Value::BigInt(b) => Ok(Value::from_bigint(b.abs())),
        x => Err(EvalError::new(format!(
            "got {}, want int or float",
            x.type_name()
        ))),
    }
}

fn all_any(thread: &mut Thread, fname: &str, args: &Args, want: bool) -> Result<Value> {
    let a = positional(fname, args, 1, 1)?;
    check_iterable(&a[0]).map_err(|e| param_err(fname, 1, e))?;
    let mut it = ops::iterate_or_err(&a[0])?;
    while let Some(x) = it.next() {
        thread.step()?;
        if x.truth() == want {
            return Ok(Value::Bool(want));
        }
    }
    Ok(Value::Bool(!want))
}

fn all(t: &mut Thread, args: &Args) -> Result<Value> {
    all_any(t, "all", args, false)
}

fn any(t: &mut Thread, args: &Args) -> Result<Value> {
    all_any(t, "any", args, true)
}

fn bool_(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("bool", args, 0, 1)?;
    Ok(Value::Bool(a.first().is_some_and(|x| x.truth())))
}

fn bytes(thread: &mut Thread, args: &Args) -> Result<Value> {
    let x = exactly_one("bytes", args, "exactly 1")?;
    match x {
        Value::Bytes(_) => Ok(x.clone()),
        Value::Str(s) => {
            let b = if s.as_utf8().is_some() {
                s.as_bytes().to_vec()
            } else {
                text::map_chars(s.as_bytes(), |_, c| c)
            };
            Ok(Value::Bytes(Rc::new(b)))
        }
        _ if is_iterable(x) => {
            let elems = collect_param(thread, "bytes", 1, x)?;
            let mut out = Vec::with_capacity(elems.len());
            for (i, e) in elems.iter().enumerate() {
                let b = match e {
                    Value::Int(n) if (0..=255).contains(n) => *n as u8,
                    Value::Int(_) | Value::BigInt(_) => {
                        return Err(name_err(
                            "bytes",
                            format!(
                            "at index {i}, {} out of range (want value in unsigned 8-bit range)",
                            repr(e)
                        ),
                        ))
                    }
                    _ => {
                        return Err(name_err(
                            "bytes",
                            format!("at index {i}, got {}, want int", e.type_name()),
                        ))
                    }
                };
                out.push(b);
            }
            Ok(Value::Bytes(Rc::new(out)))
        }
        _ => Err(name_err(
            "bytes",
            format!(
                "got {}, want string, bytes, or iterable of ints",
                x.type_name()
            ),
        )),
    }
}

fn chr(_t: &mut Thread, args: &Args) -> Result<Value> {
    let x = exactly_one("chr", args, "1")?;
    let i = as_int32(x).map_err(|e| name_err("chr", e))?;
    if i < 0 {
        return Err(name_err(
            "chr",
            format!("Unicode code point {i} out of range (<0)"),
        ));
    }
    if i > 0x10ffff {
        return Err(name_err(
            "chr",
            format!("Unicode code point U+{i:X} out of range (>0x10FFFF)"),
        ));
    }
    let c = char::from_u32(i as u32).unwrap_or(text::REPLACEMENT);
    Ok(Value::str(c.encode_utf8(&mut [0u8; 4])))
}

/// Adds the entries of `updates` (a dict, or an iterable of pairs) and then
/// `kwargs` to `dict`: the common part of `dict(...)` and `dict.update(...)`.
/// Errors are unprefixed; callers add "dict: " or "update: ".
pub(crate) fn update_dict(
    dict: &Dict,
    updates: Option<&Value>,
    kwargs: &[(Rc<str>, Value)],
) -> Result<()> {
    if let Some(u) = updates {
        match u {
            Value::Dict(d) => {
                let items = d.items();
                for (k, v) in items {
                    dict.insert(k, v)?;
                }
            }
            _ => {
                let mut it = ops::iterate(u).ok_or_else(|| {
                    EvalError::new(format!("got {}, want iterable", u.type_name()))
                })?;
                let mut i = 0usize;
                while let Some(pair) = it.next() {
                    if !is_iterable(&pair) {
                        return Err(EvalError::new(format!(
                            "dictionary update sequence element #{i} is not iterable ({})",
                            pair.type_name()
                        )));
                    }
                    let n = match ops::len(&pair) {
                        Some(n) => n,
                        None => {
                            return Err(EvalError::new(format!(
                                "dictionary update sequence element #{i} has unknown length ({})",
                                pair.type_name()
                            )))
                        }
                    };
                    if n != 2 {
                        return Err(EvalError::new(format!(
                            "dictionary update sequence element #{i} has length {n}, want 2"
                        )));
                    }
                    let mut kv = ops::iterate_or_err(&pair)?;
                    let k = kv.next().unwrap_or(Value::None);
                    let v = kv.next().unwrap_or(Value::None);
                    drop(kv);
                    dict.insert(k, v)?;
                    i += 1;
                }
            }
        }
    }
    let before = dict.len();
    for (k, v) in kwargs {
        dict.insert(Value::str(k), v.clone())?;
    }
    if dict.len() < before + kwargs.len() {
        let mut seen = std::collections::HashSet::new();
        for (k, _) in kwargs {
            if !seen.insert(k.clone()) {
                return Err(EvalError::new(format!(
                    "duplicate keyword arg: {}",
                    repr(&Value::str(k))
                )));
            }
        }
    }
    Ok(())
}

fn dict(_t: &mut Thread, args: &Args) -> Result<Value> {
    if args.positional.len() > 1 {
        return Err(name_err(
            "dict",
            format!("got {} arguments, want at most 1", args.positional.len()),
        ));
    }
    let d = Dict::default();
    update_dict(&d, args.positional.first(), &args.named).map_err(|e| name_err("dict", e))?;
    Ok(Value::Dict(Rc::new(d)))
}

fn dir(t: &mut Thread, args: &Args) -> Result<Value> {
    let x = exactly_one("dir", args, "1")?;
    let names = super::attr_names(x, t.attr_filter());
    Ok(Value::list(names.into_iter().map(Value::from).collect()))
}

fn enumerate(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("enumerate", args, 1, 2)?;
    check_iterable(&a[0]).map_err(|e| param_err("enumerate", 1, e))?;
    let start = match a.get(1) {
        Some(s) => as_int(s).map_err(|e| param_err("enumerate", 2, e))?,
        None => 0,
    };
    let elems = collect_param(thread, "enumerate", 1, &a[0])?;
    charge_elems(thread, "enumerate", elems.len().saturating_mul(3))?;
    let pairs = elems
        .into_iter()
        .enumerate()
        .map(|(i, x)| {
            let n = match start.checked_add(i as i64) {
                Some(n) => Value::Int(n),
                None => Value::from_bigint(BigInt::from(start) + i),
            };
            Value::tuple(vec![n, x])
        })
        .collect();
    Ok(Value::list(pairs))
}

fn fail(_t: &mut Thread, args: &Args) -> Result<Value> {
    let [sep] = unpack("fail", &[], &args.named, ["sep?"])?;
    let sep = match &sep {
        Some(v) => as_str(v)
            .map_err(|e| param_err("fail", pname(&args.named, "sep"), e))?
            .as_bytes()
            .to_vec(),
        None => b" ".to_vec(),
    };
    let mut out = b"fail: ".to_vec();
    for (i, v) in args.positional.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&sep);
        }
        write_str(&mut out, v);
    }
    Err(EvalError::new(String::from_utf8_lossy(&out).into_owned()))
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &[u8]) -> bool {
    let s = match s.first() {
        Some(b'+' | b'-') => &s[1..],
        _ => s,
    };
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Parses a hexadecimal float body (after `0x`): hex digits with an optional
/// point, then a mandatory binary exponent `p±N`.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once(['p', 'P'])?;
    let exp: i32 = exp.parse().ok()?;
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut m = 0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        m = m * 16.0 + c.to_digit(16)? as f64;
    }
    let shift = (exp as i64 - 4 * frac_part.len() as i64).clamp(-4000, 4000) as i32;
    // Scale in two steps so that an intermediate power of two cannot overflow.
    Some(m * 2f64.powi(shift / 2) * 2f64.powi(shift - shift / 2))
}

/// Go's `strconv.ParseFloat(s, 64)`: `Ok(±inf)` means out of range.
fn go_parse_float(s: &str) -> Option<f64> {
    if !underscore_ok(s.as_bytes()) {
        return None;
    }
    let t: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        parse_hex_float(h)?
    } else {
        let ok = body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && body
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
        if !ok {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Parses a float the way starlark-go's `float(string)` does.
fn parse_float(s: &str) -> std::result::Result<f64, String> {
    if s.is_empty() {
        return Err("float: empty string".into());
    }
    match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => return Ok(f64::INFINITY),
        "-inf" | "-infinity" => return Ok(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => return Ok(f64::NAN),
        _ => {}
    }
    match go_parse_float(s) {
        Some(f) if f.is_infinite() => Err("floating-point number too large".into()),
        Some(f) => Ok(f),
        None => Err(format!("invalid float literal: {s}")),
    }
}

fn float(_t: &mut Thread, args: &Args) -> Result<Value> {
    if !args.named.is_empty() {
        return Err(EvalError::new("float does not accept keyword arguments"));
    }
    let x = match args.positional.as_slice() {
        [] => return Ok(Value::Float(0.0)),
        [x] => x,
        a => {
            return Err(EvalError::new(format!(
                "float got {} arguments, wants 1",
                a.len()
            )))
        }
    };
    match x {
        Value::Bool(b) => Ok(Value::Float(if *b { 1.0 } else { 0.0 })),
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::BigInt(b) => crate::values::Int::Big(b.clone())
            .to_f64()
            .map(Value::Float),
        Value::Float(_) => Ok(x.clone()),
        Value::Str(s) => {
            let text = s.to_str_lossy();
            parse_float(&text).map(Value::Float).map_err(EvalError::new)
        }
        _ => Err(EvalError::new(format!(
            "float got {}, want number or string",
            x.type_name()
        ))),
    }
}

/// The "no such attribute" message of a struct, as starlarkstruct words it.
pub(crate) fn struct_no_attr(s: &crate::values::Struct, name: &str) -> String {
    match &s.constructor {
        Some(c) => format!("{c} struct has no .{name} attribute"),
        None => format!("struct has no .{name} attribute"),
    }
}

fn getattr(t: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("getattr", args, 2, 3)?;
    let name = as_str(&a[1]).map_err(|e| param_err("getattr", 2, e))?;
    let name = name.to_str_lossy();
    let dflt = a.get(2);
    match super::try_get_attr(&a[0], &name, t.attr_filter()) {
        Ok(Some(v)) => return Ok(v),
        Ok(None) => {}
        Err(e) => {
            return match dflt {
                Some(d) => Ok(d.clone()),
                None => Err(name_err("getattr", e)),
            }
        }
    }
    if let Some(d) = dflt {
        return Ok(d.clone());
    }
    if let Value::Struct(s) = &a[0] {
        return Err(name_err("getattr", struct_no_attr(s, &name)));
    }
    Err(name_err(
        "getattr",
        format!("{} has no .{name} field or method", a[0].type_name()),
    ))
}

fn hasattr(t: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("hasattr", args, 2, 2)?;
    let name = as_str(&a[1]).map_err(|e| param_err("hasattr", 2, e))?;
    let name = name.to_str_lossy();
    Ok(Value::Bool(
        match super::try_get_attr(&a[0], &name, t.attr_filter()) {
            Ok(v) => v.is_some(),
            Err(_) => super::attr_names(&a[0], t.attr_filter())
                .iter()
                .any(|n| *n == *name),
        },
    ))
}

fn hash(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("hash", args, 1, 1)?;
    match &a[0] {
        Value::Str(s) => Ok(Value::Int(text::java_string_hash(s.as_bytes()) as i64)),
        Value::Bytes(b) => Ok(Value::Int(text::fnv32a(b) as i64)),
        x => Err(name_err(
            "hash",
            format!("got {}, want string or bytes", x.type_name()),
        )),
    }
}

/// Parses `int(s, base)` as starlark-go's `parseInt`; `None` if invalid.
fn parse_int(s: &[u8], base: u32) -> Option<Value> {
    let (neg, mut s) = match s.first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let mut base = base;
    if s.len() > 1 && s[0] == b'0' {
        let prefix = if s.len() > 2 {
            match s[1] {
                b'o' | b'O' => 8,
                b'x' | b'X' => 16,
                b'b' | b'B' => 2,
                _ => 0,
            }
        } else {
            0
        };
        if prefix != 0 {
            if base == 0 || base == prefix {
                base = prefix;
                s = &s[2..];
            }
        } else if base == 0 {
            // With automatic base detection, a leading zero means all zeros.
            return if s[1..].iter().all(|&c| c == b'0') {
                Some(Value::Int(0))
            } else {
                None
            };
        }
    }
    if base == 0 {
        base = 10;
    }
    if s.is_empty() || !s.iter().all(|&c| (c as char).is_digit(base)) {
        return None;
    }
    // Up to 18 decimal digits (or fewer in a larger base) fit an i64:
    // accumulate without a big integer.
    if (s.len() <= 18 && base <= 10) || s.len() <= 12 {
        let mut n: i64 = 0;
        for &c in s {
            n = n * i64::from(base) + i64::from((c as char).to_digit(base)?);
        }
        return Some(Value::Int(if neg { -n } else { n }));
    }
    let mag = BigInt::parse_bytes(s, base)?;
    Some(Value::from_bigint(if neg { -mag } else { mag }))
}

fn int(thread: &mut Thread, args: &Args) -> Result<Value> {
    let [x, base] = unpack_args("int", args, ["x", "base?"])?;
    let x = x.unwrap_or(Value::Int(0));
    if let Value::Str(s) = &x {
        let b = match &base {
            None => 10,
            Some(bv) => {
                let b = as_int32(bv).map_err(|_| {
                    name_err("int", format!("for base, got {}, want int", bv.type_name()))
                })?;
                if b != 0 && !(2..=36).contains(&b) {
                    return Err(name_err("int", "base must be an integer >= 2 && <= 36"));
                }
                b as u32
            }
        };
        charge_bytes(thread, "int", s.len())?;
        if s.len() as u64 > crate::eval::MAX_INT_BITS {
            return Err(name_err(
                "int",
                format!("string too long to convert ({} bytes)", s.len()),
            ));
        }
        return parse_int(s.as_bytes(), b).ok_or_else(|| {
            name_err(
                "int",
                format!("invalid literal with base {b}: {}", s.to_str_lossy()),
            )
        });
    }
    if base.is_some() {
        return Err(name_err(
            "int",
            "can't convert non-string with explicit base",
        ));
    }
    if let Value::Bool(b) = x {
        return Ok(Value::Int(b as i64));
    }
    number_to_int(&x).map_err(|e| name_err("int", e))
}

fn len(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("len", args, 1, 1)?;
    match ops::len(&a[0]) {
        Some(n) => Ok(Value::Int(n as i64)),
        None => Err(name_err(
            "len",
            format!("value of type {} has no len", a[0].type_name()),
        )),
    }
}

fn list(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("list", args, 0, 1)?;
    match a.first() {
        Some(x) => Ok(Value::list(collect_param(thread, "list", 1, x)?)),
        None => Ok(Value::list(Vec::new())),
    }
}

fn min_max(thread: &mut Thread, args: &Args, fname: &str, op: BinaryOp) -> Result<Value> {
    if args.positional.is_empty() {
        return Err(EvalError::new(format!(
            "{fname} requires at least one positional argument"
        )));
    }
    let [key] = unpack(fname, &[], &args.named, ["key?"])?;
    if let Some(k) = &key {
        if !is_callable(k) {
            return Err(param_err(
                fname,
                pname(&args.named, "key"),
                format!("got {}, want callable", k.type_name()),
            ));
        }
    }
    let seq;
    let iterable = if args.positional.len() == 1 {
        &args.positional[0]
    } else {
        seq = Value::tuple(args.positional.clone());
        &seq
    };
    let mut it = ops::iterate(iterable).ok_or_else(|| {
        name_err(
            fname,
            format!("{} value is not iterable", iterable.type_name()),
        )
    })?;
    let mut extremum = it
        .next()
        .ok_or_else(|| name_err(fname, "argument is an empty sequence"))?;
    let keyed = |thread: &mut Thread, x: &Value| -> Result<Value> {
        match &key {
            Some(k) => thread.call1(k, x.clone()),
            None => Ok(x.clone()),
        }
    };
    let mut extreme_key = keyed(thread, &extremum)?;
    while let Some(x) = it.next() {
        thread.step()?;
        let k = keyed(thread, &x)?;
        let better = ops::binary(op, &k, &extreme_key).map_err(|e| name_err(fname, e))?;
        if better.truth() {
            extremum = x;
            extreme_key = k;
        }
    }
    Ok(extremum)
}

fn max(thread: &mut Thread, args: &Args) -> Result<Value> {
    min_max(thread, args, "max", BinaryOp::Gt)
}

fn min(thread: &mut Thread, args: &Args) -> Result<Value> {
    min_max(thread, args, "min", BinaryOp::Lt)
}

fn ord(_t: &mut Thread, args: &Args) -> Result<Value> {
    let x = exactly_one("ord", args, "1")?;
    match x {
        Value::Str(s) => {
            let b = s.as_bytes();
            let (c, size) = text::decode_rune(b);
            if size == 0 || size != b.len() {
                return Err(name_err(
                    "ord",
                    format!(
                        "string encodes {} Unicode code points, want 1",
                        text::rune_count(b)
                    ),
                ));
            }
            Ok(Value::Int(c as i64))
        }
        Value::Bytes(b) => match b.as_slice() {
            [c] => Ok(Value::Int(*c as i64)),
            _ => Err(name_err(
                "ord",
                format!("bytes has length {}, want 1", b.len()),
            )),
        },
        _ => Err(name_err(
            "ord",
            format!("got {}, want string or bytes", x.type_name()),
        )),
    }
}

fn print(thread: &mut Thread, args: &Args) -> Result<Value> {
    let [sep] = unpack("print", &[], &args.named, ["sep?"])?;
    let sep = match &sep {
        Some(v) => as_str(v)
            .map_err(|e| param_err("print", pname(&args.named, "sep"), e))?
            .as_bytes()
            .to_vec(),
        None => b" ".to_vec(),
    };
    let mut out = Vec::new();
    for (i, v) in args.positional.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&sep);
        }
        match v {
            Value::Bytes(b) => out.extend_from_slice(b),
            _ => write_str(&mut out, v),
        }
    }
    thread.print(&String::from_utf8_lossy(&out));
    Ok(Value::None)
}

fn range(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("range", args, 1, 3)?;
    let mut ints = [0i64; 3];
    for (i, v) in a.iter().enumerate() {
        ints[i] = as_int(v).map_err(|e| param_err("range", i + 1, e))?;
    }
    let (start, stop, step) = match a.len() {
        1 => (0, ints[0], 1),
        2 => (ints[0], ints[1], 1),
        _ => (ints[0], ints[1], ints[2]),
    };
    if step == 0 {
        return Err(name_err("range", "step argument must not be zero"));
    }
    let r = RangeValue { start, stop, step };
    let (lo, hi) = if step > 0 {
        (start, stop)
    } else {
        (stop, start)
    };
    let span = (hi as i128 - lo as i128).max(0);
    if span / (step as i128).abs() >= i64::MAX as i128 {
        return Err(name_err("range", "too many elements"));
    }
    Ok(Value::Range(Rc::new(r)))
}

fn repr_(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("repr", args, 1, 1)?;
    Ok(Value::from(thread.repr_charged(&a[0], false)?))
}

fn reversed(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("reversed", args, 1, 1)?;
    let mut elems = collect_param(thread, "reversed", 1, &a[0])?;
    elems.reverse();
    Ok(Value::list(elems))
}

fn set(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("set", args, 0, 1)?;
    let s = Set::default();
    if let Some(x) = a.first() {
        for v in collect_param(thread, "set", 1, x)? {
            s.insert(v).map_err(|e| name_err("set", e))?;
        }
    }
    Ok(Value::Set(Rc::new(s)))
}

/// Sorts `v` stably as Go's `sort.Stable` does (insertion sort of blocks of
/// 20, then in-place symmetric merges), so that the comparisons made, and
/// hence the error reported for unordered values, are starlark-go's: a
/// failed comparison counts as "not less" and the last error is returned.
struct StableSort<'a, T> {
    v: &'a mut [T],
    less: &'a mut dyn FnMut(&T, &T) -> Result<bool>,
    err: Option<EvalError>,
}

impl<T> StableSort<'_, T> {
    fn less(&mut self, i: usize, j: usize) -> bool {
        match (self.less)(&self.v[i], &self.v[j]) {
            Ok(b) => b,
            Err(e) => {
                self.err = Some(e);
                false
            }
        }
    }

    fn insertion_sort(&mut self, a: usize, b: usize) {
        for i in a + 1..b {
            let mut j = i;
            while j > a && self.less(j, j - 1) {
                self.v.swap(j, j - 1);
                j -= 1;
            }
        }
    }

    fn swap_range(&mut self, a: usize, b: usize, n: usize) {
        for i in 0..n {
            self.v.swap(a + i, b + i);
        }
    }

    fn rotate(&mut self, a: usize, m: usize, b: usize) {
        let mut i = m - a;
        let mut j = b - m;
        while i != j {
            if i > j {
                self.swap_range(m - i, m, j);
                i -= j;
            } else {
                self.swap_range(m - i, m + j - i, i);
                j -= i;
            }
        }
        self.swap_range(m - i, m, i);
    }

    fn sym_merge(&mut self, a: usize, m: usize, b: usize) {
        if m - a == 1 {
            let (mut i, mut j) = (m, b);
            while i < j {
                let h = (i + j) / 2;
                if self.less(h, a) {
                    i = h + 1;
                } else {
                    j = h;
                }
            }
            for k in a..i.saturating_sub(1) {
                self.v.swap(k, k + 1);
            }
            return;
        }
        if b - m == 1 {
            let (mut i, mut j) = (a, m);
            while i < j {
                let h = (i + j) / 2;
                if !self.less(m, h) {
                    i = h + 1;
                } else {
                    j = h;
                }
            }
            let mut k = m;
            while k > i {
                self.v.swap(k, k - 1);
                k -= 1;
            }
            return;
        }
        let mid = (a + b) / 2;
        let n = mid + m;
        let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
        let p = n - 1;
        while start < r {
            let c = (start + r) / 2;
            if !self.less(p - c, c) {
                start = c + 1;
            } else {
                r = c;
            }
        }
        let end = n - start;
        if start < m && m < end {
            self.rotate(start, m, end);
        }
        if a < start && start < mid {
            self.sym_merge(a, start, mid);
        }
        if mid < end && end < b {
            self.sym_merge(mid, end, b);
        }
    }

    fn run(&mut self) {
        let n = self.v.len();
        let mut block = 20;
        let (mut a, mut b) = (0, block);
        while b <= n {
            self.insertion_sort(a, b);
            a = b;
            b += block;
        }
        self.insertion_sort(a, n);
        while block < n {
            a = 0;
            b = 2 * block;
            while b <= n {
                self.sym_merge(a, a + block, b);
                a = b;
                b += 2 * block;
            }
            let m = a + block;
            if m < n {
                self.sym_merge(a, m, n);
            }
            block *= 2;
        }
    }
}

/// Sorts `v` stably with a fallible "less than", as Go's `sort.Stable`.
fn stable_sort<T>(v: &mut [T], less: &mut dyn FnMut(&T, &T) -> Result<bool>) -> Result<()> {
    let mut s = StableSort { v, less, err: None };
    s.run();
    match s.err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A stable O(n log n) merge sort; false if a comparison failed (the
/// order of `v` is then unspecified).
fn merge_sort<T: Clone>(v: &mut Vec<T>, less: &mut dyn FnMut(&T, &T) -> Result<bool>) -> bool {
    let n = v.len();
    let mut ok = true;
    let mut lt = |a: &T, b: &T| match less(a, b) {
        Ok(r) => r,
        Err(_) => {
            ok = false;
            false
        }
    };
    const RUN: usize = 16;
    let mut start = 0;
    while start < n {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            let mut j = i;
            while j > start && lt(&v[j], &v[j - 1]) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        start = end;
    }
    let mut width = RUN;
    let mut buf: Vec<T> = Vec::with_capacity(n);
    while width < n {
        buf.clear();
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            while i < mid && j < hi {
                // Take from the right run only if strictly less: stability.
                if lt(&v[j], &v[i]) {
                    buf.push(v[j].clone());
                    j += 1;
                } else {
                    buf.push(v[i].clone());
                    i += 1;
                }
            }
            buf.extend_from_slice(&v[i..mid]);
            buf.extend_from_slice(&v[j..hi]);
            lo = hi;
        }
        std::mem::swap(v, &mut buf);
        width *= 2;
    }
    ok
}

/// Sorts stably. The result of a stable sort is unique, so a fast merge
/// sort gives starlark-go's result; only if a comparison fails is the sort
/// redone with Go's algorithm, to report the error starlark-go reports.
fn sort_values<T: Clone>(
    v: &mut Vec<T>,
    less: &mut dyn FnMut(&T, &T) -> Result<bool>,
) -> Result<()> {
    let original = v.clone();
    if merge_sort(v, less) {
        return Ok(());
    }
    *v = original;
    stable_sort(v, less)
}

/// Sorts (key, value) pairs stably when every key has the first key's
/// [`OrderShape`](crate::values::OrderShape) (all numbers, all strings,
/// tuples of one layout, ...): such keys have a total order that cannot
/// fail, so the standard library's stable sort gives the result the generic
/// path would, without dispatching each comparison. False (pairs untouched)
/// for any other mix of keys.
fn sort_same_shape_keys(pairs: &mut [(Value, Value)], reverse: bool) -> bool {
    use crate::values::{has_shape, order_shape, total_cmp};
    let Some(first) = pairs.first() else {
        return true;
    };
    let Some(shape) = order_shape(&first.0) else {
        return false;
    };
    if !pairs.iter().all(|p| has_shape(&p.0, &shape)) {
        return false;
    }
    if reverse {
        pairs.sort_by(|a, b| total_cmp(&b.0, &a.0));
    } else {
        pairs.sort_by(|a, b| total_cmp(&a.0, &b.0));
    }
    true
}

fn sorted(thread: &mut Thread, args: &Args) -> Result<Value> {
    let [iterable, key, reverse] = unpack_args("sorted", args, ["iterable", "key?", "reverse?"])?;
    let iterable = iterable.unwrap_or(Value::None);
    check_iterable(&iterable)
        .map_err(|e| param_err("sorted", pname(&args.named, "iterable"), e))?;
    if let Some(k) = &key {
        if !is_callable(k) {
            return Err(param_err(
                "sorted",
                pname(&args.named, "key"),
                format!("got {}, want callable", k.type_name()),
            ));
        }
    }
    let reverse = match &reverse {
        Some(r) => as_bool(r).map_err(|e| param_err("sorted", pname(&args.named, "reverse"), e))?,
        None => false,
    };
    let values = collect_param(thread, "sorted", "iterable", &iterable)?;
    let mut pairs: Vec<(Value, Value)> = Vec::with_capacity(values.len());
    for v in values {
        let k = match &key {
            Some(f) => thread.call1(f, v.clone())?,
            None => v.clone(),
        };
        pairs.push((k, v));
    }
    if !sort_same_shape_keys(&mut pairs, reverse) {
        let mut less = |a: &(Value, Value), b: &(Value, Value)| -> Result<bool> {
            // Each comparison is a step: long sorts obey the budget and cancellation.
            thread.step()?;
            let (x, y) = if reverse { (&b.0, &a.0) } else { (&a.0, &b.0) };
            Ok(ops::binary(BinaryOp::Lt, x, y)?.truth())
        };
        sort_values(&mut pairs, &mut less)?;
    }
    // Into a vector of its own size: collecting in place would keep the
    // pairs' buffer, twice the list's size, for the list's lifetime.
    let mut sorted = Vec::with_capacity(pairs.len());
    sorted.extend(pairs.into_iter().map(|(_, v)| v));
    Ok(Value::list(sorted))
}

fn str_(thread: &mut Thread, args: &Args) -> Result<Value> {
    let x = exactly_one("str", args, "exactly 1")?;
    match x {
        Value::Str(_) => Ok(x.clone()),
        Value::Bytes(b) => {
            thread.account(super::super::eval::HEADER + b.len())?;
            Ok(Value::str_bytes(text::map_chars(b, |_, c| c)))
        }
        _ => Ok(Value::from(thread.repr_charged(x, false)?)),
    }
}

fn tuple(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("tuple", args, 0, 1)?;
    match a.first() {
        Some(x) => Ok(Value::tuple(collect_param(thread, "tuple", 1, x)?)),
        None => Ok(Value::tuple(Vec::new())),
    }
}

fn type_(_t: &mut Thread, args: &Args) -> Result<Value> {
    let x = exactly_one("type", args, "exactly 1")?;
    Ok(Value::str(x.type_name()))
}

fn zip(thread: &mut Thread, args: &Args) -> Result<Value> {
    if !args.named.is_empty() {
        return Err(EvalError::new("zip does not accept keyword arguments"));
    }
    let cols = args.positional.len();
    let mut rows: Option<usize> = None;
    let mut known = true;
    for (i, seq) in args.positional.iter().enumerate() {
        if !is_iterable(seq) {
            return Err(name_err(
                "zip",
                format!("argument #{} is not iterable: {}", i + 1, seq.type_name()),
            ));
        }
        match ops::len(seq) {
            Some(n) => rows = Some(rows.map_or(n, |r| r.min(n))),
            None => known = false,
        }
    }
    let mut iters = Vec::with_capacity(cols);
    for seq in &args.positional {
        iters.push(ops::iterate_or_err(seq)?);
    }
    if cols == 0 {
        return Ok(Value::list(Vec::new()));
    }
    if known {
        charge_elems(thread, "zip", rows.unwrap_or(0).saturating_mul(cols + 1))?;
    }
    let mut result = Vec::new();
    'rows: loop {
        if known && Some(result.len()) == rows {
            break;
        }
        thread.step()?;
        let mut t = Vec::with_capacity(cols);
        for it in iters.iter_mut() {
            match it.next() {
                Some(v) => t.push(v),
                None => break 'rows,
            }
        }
        result.push(Value::tuple(t));
        if !known && result.len() % 1024 == 0 {
            charge_elems(thread, "zip", 1024 * (cols + 1))?;
        }
    }
    Ok(Value::list(result))
}
