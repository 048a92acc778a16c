//! The `yaml` module (Qri's `encoding/yaml.star`): `yaml.loads(source)`
//! and `yaml.dumps(value)`, following go-yaml v2 (the library Qri used).
//!
//! `loads` reads the first document and resolves plain scalars as YAML 1.1
//! does in go-yaml v2: `yes`/`no`/`on`/`off`/`y`/`n` are bools, `~` and
//! `null` are `None`, `0x1f`, `010` (octal) and `1_000` are ints,
//! `.inf`/`.nan` are floats; date-like scalars stay strings. Mappings become
//! dicts in document order, merge keys (`<<`) are applied, and an alias
//! is a copy of the value its anchor made (charged to the budget).
//!
//! `dumps` writes block-style YAML as go-yaml v2 does: mapping keys sorted
//! (numbers before strings, digit runs compared as numbers), two-space
//! indentation, sequences inside mappings not indented, strings that would
//! read back as another type double-quoted, multi-line strings
//! single-quoted, long lines folded at 80 columns, and `!!binary` base64 for
//! strings that are not UTF-8.

use crate::budget::Reservation;
use crate::util::{err, module as make_module, str_cost};
use engine::args::required;
use engine::error::Result;
use engine::values::{Builtin, Dict, HashKey};
use engine::{Args, Thread, Value};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

/// How deeply collections may nest, in loads and dumps.
const MAX_DEPTH: usize = 1000;

/// go-yaml v2's line width for folding long scalars.
const WIDTH: usize = 80;

/// The `yaml` module value.
pub fn module() -> Value {
    make_module(
        "yaml",
        vec![
            ("loads", Builtin::func("yaml.loads", loads)),
            ("dumps", Builtin::func("yaml.dumps", dumps)),
        ],
    )
}

// ---------------------------------------------------------------- loads

/// A collection being built while reading events.
enum Open {
    Seq(Vec<Value>, usize),
    Map(Rc<Dict>, Option<Value>, usize),
}

fn loads(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "yaml.loads";
    let [source] = args.bind(F, &["source"])?;
    let source = required::<String>(F, "source", &source)?;
    crate::budget::charge(thread, F, source.len())?;
    let stop = crate::budget::Interrupt::of(thread);
    let mut parser = Parser::new_from_str(&source);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut n = 0usize;
    loop {
        n += 1;
        stop.every(n)?;
        let (ev, mark) = parser
            .next_token()
            .map_err(|e| err(F, format!("invalid YAML: {e}")))?;
        let at = || format!("line {} column {}", mark.line(), mark.col() + 1);
        let done: Value = match ev {
            Event::StreamEnd => return Ok(Value::None),
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue
            }
            Event::Alias(id) => {
                let anchored = anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| err(F, format!("unknown alias at {}", at())))?;
                copy_node(thread, F, &anchored)?
            }
            Event::Scalar(text, style, anchor, tag) => {
                crate::budget::charge(thread, F, str_cost(text.len()))?;
                let v = scalar(F, text, style, tag.as_ref())?;
                if anchor > 0 {
                    anchors.insert(anchor, v.clone());
                }
                v
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        F,
                        format!("nesting deeper than {MAX_DEPTH} at {}", at()),
                    ));
                }
                crate::budget::charge(thread, F, 64)?;
                stack.push(match ev {
                    Event::SequenceStart(..) => Open::Seq(Vec::new(), anchor),
                    _ => Open::Map(Rc::new(Dict::with_capacity(0)), None, anchor),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (v, anchor) = match stack.pop() {
                    Some(Open::Seq(items, a)) => (Value::list(items), a),
                    Some(Open::Map(d, _, a)) => (Value::Dict(d), a),
                    None => return Err(err(F, format!("unbalanced YAML at {}", at()))),
                };
                if anchor > 0 {
                    anchors.insert(anchor, v.clone());
                }
                v
            }
        };
        // A finished node: the document, an item, a key or a value.
        match stack.last_mut() {
            None => return Ok(done),
            Some(Open::Seq(items, _)) => {
                crate::budget::charge(thread, F, 16)?;
                items.push(done);
            }
            Some(Open::Map(d, key, _)) => match key.take() {
                None => *key = Some(done),
                Some(k) => {
                    crate::budget::charge(thread, F, 48)?;
                    set_entry(F, d, k, done)?;
                }
            },
        }
    }
}

/// A copy of an anchored node for an alias (its own lists and dicts, as
/// go-yaml makes; strings are immutable and shared), charged to the budget
/// so that exponential alias expansion ("billion laughs") runs out of
/// budget instead of memory.
fn copy_node(thread: &mut Thread, fname: &str, v: &Value) -> Result<Value> {
    Ok(match v {
        Value::List(l) => {
            let items = l.items().clone();
            crate::budget::charge(thread, fname, 64 + 16 * items.len())?;
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                out.push(copy_node(thread, fname, item)?);
            }
            Value::list(out)
        }
        Value::Dict(d) => {
            let entries = d.items();
            crate::budget::charge(thread, fname, 64 + 48 * entries.len())?;
            let out = Dict::with_capacity(entries.len());
            for (k, val) in entries {
                out.insert(k, copy_node(thread, fname, &val)?)?;
            }
            Value::Dict(Rc::new(out))
        }
        other => other.clone(),
    })
}

/// Adds `k: v` to a mapping; a `<<` key merges the mapping (or list of
/// mappings) it names, without replacing keys already set.
fn set_entry(fname: &str, d: &Dict, k: Value, v: Value) -> Result<()> {
    let is_merge = matches!(&k, Value::Str(s) if s.as_bytes() == b"<<");
    if is_merge {
        let sources = match &v {
            Value::Dict(m) => vec![m.clone()],
            Value::List(l) => {
                let mut out = Vec::new();
                for item in l.items().iter() {
                    match item {
                        Value::Dict(m) => out.push(m.clone()),
                        _ => {
                            return Err(err(
                                fname,
                                "map merge requires map or sequence of maps as the value",
                            ))
                        }
                    }
                }
                out
            }
            _ => {
                return Err(err(
                    fname,
                    "map merge requires map or sequence of maps as the value",
                ))
            }
        };
        for m in sources {
            for key in m.keys() {
                if d.get(&key)?.is_none() {
                    let val = m.get(&key)?.unwrap_or(Value::None);
                    d.insert(key, val)?;
                }
            }
        }
        return Ok(());
    }
    let key = HashKey::new(k).map_err(|e| err(fname, format!("invalid map key: {}", e.msg)))?;
    d.insert_key(key, v)?;
    Ok(())
}

/// A scalar's value: quoted and block scalars are strings; plain ones are
/// resolved as go-yaml v2 resolves them; `!!str`, `!!int`, `!!float`,
/// `!!bool` and `!!null` tags are honoured.
fn scalar(fname: &str, text: String, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value> {
    if let Some(t) = tag {
        if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
            let resolved = resolve_plain(&text);
            let ok = match (t.suffix.as_str(), &resolved) {
                ("str", _) | ("binary", _) => return Ok(Value::str(&text)),
                ("int", Value::Int(_) | Value::BigInt(_))
                | ("float", Value::Float(_))
                | ("bool", Value::Bool(_))
                | ("null", Value::None) => true,
                ("float", Value::Int(i)) => return Ok(Value::Float(*i as f64)),
                ("int" | "float" | "bool" | "null", _) => false,
                _ => true,
            };
            if !ok {
                return Err(err(
                    fname,
                    format!("cannot decode {text:?} as !!{}", t.suffix),
                ));
            }
            return Ok(resolved);
        }
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::str(&text));
    }
    Ok(resolve_plain(&text))
}

/// go-yaml v2's resolution of an untagged plain scalar.
fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::None,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first == b'.' {
        if let Some(f) = go_float(s) {
            return Value::Float(f);
        }
        return Value::str(s);
    }
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return Value::str(s);
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(v) = go_int(&plain) {
        return v;
    }
    if is_yaml_float(&plain) {
        if let Some(f) = go_float(&plain) {
            return Value::Float(f);
        }
    }
    Value::str(s)
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint`: an optional sign,
/// then `0x`, `0o`, `0b`, a leading `0` (octal) or decimal digits.
fn go_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u128 + 1 {
            return Some(Value::Int((mag as i128).wrapping_neg() as i64));
        }
        return None;
    }
    if mag <= i64::MAX as u128 {
        Some(Value::Int(mag as i64))
    } else if mag <= u64::MAX as u128 {
        Some(Value::from_bigint((mag as u64).into()))
    } else {
        None
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A decimal float (Rust's parser, which accepts what Go's does for the
/// shapes [`is_yaml_float`] lets through).
fn go_float(s: &str) -> Option<f64> {
    if !is_yaml_float(s) {
        return None;
    }
    s.parse::<f64>().ok()
}

// ---------------------------------------------------------------- dumps

fn dumps(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "yaml.dumps";
    let [source] = args.bind(F, &["source"])?;
    let source = source.unwrap_or(Value::None);
    let mut e = Emitter {
        out: String::new(),
        reservation: Reservation::new(thread, F, 64)?,
    };
    e.node(thread, F, &source, 0, Ctx::Root, 0)?;
    if !e.out.ends_with('\n') {
        e.out.push('\n');
    }
    let len = e.out.len();
    e.reservation.cover(thread, str_cost(len))?;
    Ok(Value::str(&e.out))
}

/// Where a node is written, which decides how it starts.
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    /// The document itself.
    Root,
    /// After `- ` of a sequence item.
    Item,
    /// After `key:` of a mapping entry.
    Value,
}

struct Emitter {
    out: String,
    reservation: Reservation,
}

/// A value's kind order in go-yaml's key sort (Go's `reflect.Kind`).
fn kind_rank(v: &Value) -> u8 {
    match v {
        Value::None => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::BigInt(_) => 2,
        Value::Float(_) => 14,
        Value::Str(_) | Value::Bytes(_) => 24,
        _ => 23,
    }
}

fn key_float(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Int(i) => Some(*i as f64),
        Value::BigInt(b) => b.to_string().parse().ok(),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// go-yaml v2's key order: numbers (and bools) by value, then strings with
/// letters before other characters and digit runs compared as numbers.
fn key_less(a: &Value, b: &Value) -> Ordering {
    if let (Some(x), Some(y)) = (key_float(a), key_float(b)) {
        return x
            .partial_cmp(&y)
            .unwrap_or(Ordering::Equal)
            .then(kind_rank(a).cmp(&kind_rank(b)));
    }
    let (Value::Str(sa), Value::Str(sb)) = (a, b) else {
        return kind_rank(a).cmp(&kind_rank(b));
    };
    let ar: Vec<char> = sa.to_str_lossy().chars().collect();
    let br: Vec<char> = sb.to_str_lossy().chars().collect();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, with YAML's names for
/// infinities and NaN.
fn go_float_text(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Shortest digits and exponent: "d.ddde±x".
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (h, t) = digits.split_at(1);
        let frac = if t.is_empty() {
            String::new()
        } else {
            format!(".{t}")
        };
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{h}{frac}e{es}{:02}", exp.abs());
    }
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let body = if dp <= 0 {
        format!("0.{}{}", "0".repeat((-dp) as usize), digits)
    } else if dp >= nd {
        format!("{}{}", digits, "0".repeat((dp - nd) as usize))
    } else {
        format!("{}.{}", &digits[..dp as usize], &digits[dp as usize..])
    };
    format!("{sign}{body}")
}

/// Whether a string must be quoted because it would read back as
/// another type (go-yaml v2's `resolve`, plus base-60 floats and
/// timestamps).
fn needs_quotes(s: &str) -> bool {
    if !matches!(resolve_plain(s), Value::Str(_)) || s == "<<" {
        return true;
    }
    is_base60_float(s) || looks_like_timestamp(s)
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() && i - st < 2 {
            i += 1;
        }
        let g = &b[st..i];
        let ok = match g {
            [d] => d.is_ascii_digit(),
            [a, _] => (b'0'..=b'5').contains(a),
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// A `YYYY-MM-DD` date, optionally followed by a time (go-yaml v2 reads
/// these as timestamps, so it quotes such strings).
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 {
        return false;
    }
    let mut i = 0;
    let num = |i: &mut usize, min: usize, max: usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - st < max {
            *i += 1;
        }
        *i - st >= min
    };
    if !(num(&mut i, 4, 4) && b.get(i) == Some(&b'-')) {
        return false;
    }
    i += 1;
    if !(num(&mut i, 1, 2) && b.get(i) == Some(&b'-')) {
        return false;
    }
    i += 1;
    if !num(&mut i, 1, 2) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    // A time part: chrono-free check of the formats go-yaml tries.
    let rest = &s[i..];
    let rest = rest
        .strip_prefix('T')
        .or_else(|| rest.strip_prefix('t'))
        .or_else(|| rest.strip_prefix(' '))
        .unwrap_or("");
    let rest = rest.trim_start_matches([' ', '\t']);
    let rb = rest.as_bytes();
    rb.len() >= 5 && rb[0].is_ascii_digit() && (rb[1] == b':' || rb.get(2) == Some(&b':'))
}

/// What libyaml's scalar analysis allows for a string.
struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single_quoted: bool,
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || u == 0x85
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
        || (0x10000..=0x10FFFF).contains(&u)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

/// libyaml's `yaml_emitter_analyze_scalar`.
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single_quoted: true,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut flow_ind, mut block_ind) = (false, false);
    if s.starts_with("---") || s.starts_with("...") {
        flow_ind = true;
        block_ind = true;
    }
    let mut preceded_ws = true;
    let mut followed_ws = is_blankz(chars.get(1).copied());
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_ind = true;
                block_ind = true;
            }
            if c == '?' || c == ':' {
                flow_ind = true;
                if followed_ws {
                    block_ind = true;
                }
            }
            if c == '-' && followed_ws {
                flow_ind = true;
                block_ind = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_ind = true;
            }
            if c == ':' {
                flow_ind = true;
                if followed_ws {
                    block_ind = true;
                }
            }
            if c == '#' && preceded_ws {
                flow_ind = true;
                block_ind = true;
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == n - 1 {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if i == n - 1 {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_break = true;
            prev_space = false;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = is_blankz(Some(c));
        followed_ws = is_blankz(chars.get(i + 2).copied());
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain: true,
        block_plain: true,
        single_quoted: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_ind {
        a.flow_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
}

impl Emitter {
    fn column(&self) -> usize {
        let line = match self.out.rfind('\n') {
            Some(i) => &self.out[i + 1..],
            None => &self.out[..],
        };
        line.chars().count()
    }

    /// Charges what the output grew to.
    fn charge(&mut self, thread: &mut Thread) -> Result<()> {
        let len = self.out.len();
        self.reservation.cover(thread, len)
    }

    /// A new line indented to `indent`.
    fn newline(&mut self, indent: usize) {
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// Writes `v` in context `ctx`; `indent` is where its block lines start.
    fn node(
        &mut self,
        thread: &mut Thread,
        fname: &str,
        v: &Value,
        indent: usize,
        ctx: Ctx,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(err(
                fname,
                format!("value nested deeper than {MAX_DEPTH} (or it contains itself)"),
            ));
        }
        self.charge(thread)?;
        match v {
            Value::List(_) | Value::Tuple(_) => {
                let items: Vec<Value> = match v {
                    Value::List(l) => l.items().clone(),
                    Value::Tuple(t) => t.as_ref().clone(),
                    _ => Vec::new(),
                };
                if items.is_empty() {
                    self.inline_prefix(ctx);
                    self.out.push_str("[]");
                    return Ok(());
                }
                // A sequence under a key is not indented; under an item it
                // starts on the item's line.
                let seq_indent = match ctx {
                    Ctx::Root => 0,
                    Ctx::Value => indent.saturating_sub(2),
                    Ctx::Item => indent,
                };
                for (i, item) in items.iter().enumerate() {
                    if i > 0 || ctx == Ctx::Value {
                        self.newline(seq_indent);
                    }
                    self.out.push_str("- ");
                    self.node(thread, fname, item, seq_indent + 2, Ctx::Item, depth + 1)?;
                }
                Ok(())
            }
            Value::Dict(d) => {
                let mut entries = d.items();
                if entries.is_empty() {
                    self.inline_prefix(ctx);
                    self.out.push_str("{}");
                    return Ok(());
                }
                entries.sort_by(|a, b| key_less(&a.0, &b.0));
                let map_indent = if ctx == Ctx::Root { 0 } else { indent };
                for (i, (k, val)) in entries.iter().enumerate() {
                    if i > 0 || ctx == Ctx::Value {
                        self.newline(map_indent);
                    }
                    self.key(fname, k)?;
                    self.out.push(':');
                    self.node(thread, fname, val, map_indent + 2, Ctx::Value, depth + 1)?;
                }
                Ok(())
            }
            _ => {
                self.inline_prefix(ctx);
                self.scalar(fname, v, indent, true)
            }
        }
    }

    /// The space between `key:` and an inline value.
    fn inline_prefix(&mut self, ctx: Ctx) {
        if ctx == Ctx::Value {
            self.out.push(' ');
        }
    }

    fn key(&mut self, fname: &str, k: &Value) -> Result<()> {
        match k {
            Value::Str(_)
            | Value::Int(_)
            | Value::BigInt(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::None => self.scalar(fname, k, 0, false),
            other => Err(err(
                fname,
                format!("unsupported map key type: {}", other.type_name()),
            )),
        }
    }

    /// A scalar; `block` is false for keys (no line folding, no multi-line).
    fn scalar(&mut self, fname: &str, v: &Value, indent: usize, block: bool) -> Result<()> {
        match v {
            Value::None => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => self.out.push_str(&i.to_string()),
            Value::BigInt(b) => self.out.push_str(&b.to_string()),
            Value::Float(f) => self.out.push_str(&go_float_text(*f)),
            Value::Str(s) => match s.as_utf8() {
                Some(text) => self.string(text, indent, block),
                None => {
                    use base64::Engine;
                    self.out.push_str("!!binary ");
                    let enc = base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
                    self.out.push_str(&enc);
                }
            },
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(text) => self.string(text, indent, block),
                Err(_) => {
                    use base64::Engine;
                    self.out.push_str("!!binary ");
                    let enc = base64::engine::general_purpose::STANDARD.encode(b.as_slice());
                    self.out.push_str(&enc);
                }
            },
            other => {
                return Err(err(
                    fname,
                    format!("unsupported type: {}", other.type_name()),
                ))
            }
        }
        Ok(())
    }

    fn string(&mut self, s: &str, indent: usize, block: bool) {
        let a = analyze(s);
        let mut style = if needs_quotes(s) {
            Style::Double
        } else {
            Style::Plain
        };
        if style == Style::Plain && (!a.block_plain || (s.is_empty() && !block)) {
            style = Style::Single;
        }
        if style == Style::Single && (!a.single_quoted || (!block && a.multiline)) {
            style = Style::Double;
        }
        match style {
            Style::Plain => self.plain(s, indent, block),
            Style::Single => self.single(s, indent, block),
            Style::Double => self.double(s, indent, block),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if breaks && !spaces && self.column() > WIDTH && chars.get(i + 1) != Some(&' ') {
                    self.newline(indent);
                } else {
                    self.out.push(c);
                }
                spaces = true;
            } else {
                self.out.push(c);
                spaces = false;
            }
        }
    }

    fn single(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.out.push('\'');
        let chars: Vec<char> = s.chars().collect();
        let n = chars.len();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column() > WIDTH
                    && i != 0
                    && i != n - 1
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.newline(indent);
                } else {
                    self.out.push(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.out.push('\n');
                }
                self.out.push('\n');
                breaks = true;
            } else {
                if breaks {
                    self.out.extend(std::iter::repeat_n(' ', indent));
                }
                if c == '\'' {
                    self.out.push_str("''");
                } else {
                    self.out.push(c);
                }
                spaces = false;
                breaks = false;
            }
        }
        if breaks {
            self.out.extend(std::iter::repeat_n(' ', indent));
        }
        self.out.push('\'');
    }

    fn double(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.out.push('"');
        let chars: Vec<char> = s.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            let u = c as u32;
            if !is_printable(c) || u == 0xFEFF || is_break(c) || c == '"' || c == '\\' {
                self.out.push('\\');
                match c {
                    '\0' => self.out.push('0'),
                    '\u{7}' => self.out.push('a'),
                    '\u{8}' => self.out.push('b'),
                    '\t' => self.out.push('t'),
                    '\n' => self.out.push('n'),
                    '\u{b}' => self.out.push('v'),
                    '\u{c}' => self.out.push('f'),
                    '\r' => self.out.push('r'),
                    '\u{1b}' => self.out.push('e'),
                    '"' => self.out.push('"'),
                    '\\' => self.out.push('\\'),
                    '\u{85}' => self.out.push('N'),
                    '\u{a0}' => self.out.push('_'),
                    '\u{2028}' => self.out.push('L'),
                    '\u{2029}' => self.out.push('P'),
                    _ if u <= 0xFF => self.out.push_str(&format!("x{u:02X}")),
                    _ if u <= 0xFFFF => self.out.push_str(&format!("u{u:04X}")),
                    _ => self.out.push_str(&format!("U{u:08X}")),
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column() > WIDTH && i != 0 && i != n - 1 {
                    self.newline(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.out.push('\\');
                    }
                } else {
                    self.out.push(c);
                }
                spaces = true;
            } else {
                self.out.push(c);
                spaces = false;
            }
        }
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_go_formats_them() {
        assert_eq!(go_float_text(1.5), "1.5");
        assert_eq!(go_float_text(1.0), "1");
        assert_eq!(go_float_text(1e6), "1e+06");
        assert_eq!(go_float_text(123456.0), "123456");
        assert_eq!(go_float_text(0.0001), "0.0001");
        assert_eq!(go_float_text(0.00001), "1e-05");
        assert_eq!(go_float_text(-2.5e-10), "-2.5e-10");
    }

    #[test]
    fn keys_sort_as_go_yaml() {
        let mut k: Vec<Value> = ["b", "a10", "a2", "A", "1", "_x"]
            .iter()
            .map(|s| Value::str(s))
            .collect();
        k.push(Value::Int(3));
        k.sort_by(key_less);
        let got: Vec<String> = k.iter().map(engine::values::to_str).collect();
        // "_" and "1": neither a letter, so digit runs compare ("_" is 0).
        assert_eq!(got, ["3", "_x", "1", "A", "a2", "a10", "b"]);
    }

    #[test]
    fn scalars_resolve_as_yaml_1_1() {
        assert!(matches!(resolve_plain("yes"), Value::Bool(true)));
        assert!(matches!(resolve_plain("0x1f"), Value::Int(31)));
        assert!(matches!(resolve_plain("010"), Value::Int(8)));
        assert!(matches!(resolve_plain("1_000"), Value::Int(1000)));
        assert!(matches!(resolve_plain("1.5e3"), Value::Float(f) if f == 1500.0));
        assert!(matches!(resolve_plain("2001-12-14"), Value::Str(_)));
        assert!(needs_quotes("2001-12-14"));
        assert!(needs_quotes("1:20"));
        assert!(!needs_quotes("hello"));
    }
}
