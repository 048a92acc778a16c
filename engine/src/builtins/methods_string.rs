//! Methods of strings and bytes, with starlark-go's semantics: strings are
//! byte sequences; methods that work on characters decode UTF-8 as Go does
//! (each invalid byte is U+FFFD).

use super::iterables::{BytesElems, StrView, StrViewKind};
use super::methods_list::indices;
use super::text::{self, decode_last_rune, decode_rune, is_cased, is_space, runes};
use super::unpack::{
    as_bool, as_int, as_str, charge_bytes, charge_elems, check_iterable, name_err, param_err,
    positional,
};
use super::MethodTable;
use crate::args::Args;
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::surface::ApiSurface;
use crate::values::{ops, StrValue, Value};
use std::borrow::Cow;
use std::rc::Rc;

/// String methods, sorted by name.
pub const STRING_METHODS: MethodTable = &[
    ("capitalize", capitalize),
    ("codepoint_ords", codepoint_ords),
    ("codepoints", codepoints),
    ("count", count),
    ("elem_ords", elem_ords),
    ("elems", elems),
    ("endswith", endswith),
    ("find", find),
    ("format", format),
    ("index", index),
    ("isalnum", isalnum),
    ("isalpha", isalpha),
    ("isdigit", isdigit),
    ("islower", islower),
    ("isspace", isspace),
    ("istitle", istitle),
    ("isupper", isupper),
    ("join", join),
    ("lower", lower),
    ("lstrip", lstrip),
    ("partition", partition),
    ("removeprefix", removeprefix),
    ("removesuffix", removesuffix),
    ("replace", replace),
    ("rfind", rfind),
    ("rindex", rindex),
    ("rpartition", rpartition),
    ("rsplit", rsplit),
    ("rstrip", rstrip),
    ("split", split),
    ("splitlines", splitlines),
    ("startswith", startswith),
    ("strip", strip),
    ("title", title),
    ("upper", upper),
];

/// Bytes methods, sorted by name.
pub const BYTES_METHODS: MethodTable = &[("elems", bytes_elems)];

fn recv_str<'a>(recv: &'a Value, fname: &str) -> Result<&'a Rc<StrValue>> {
    match recv {
        Value::Str(s) => Ok(s),
        _ => Err(name_err(
            fname,
            format!("got {}, want string", recv.type_name()),
        )),
    }
}

fn str_param<'a>(fname: &str, i: usize, v: &'a Value) -> Result<&'a [u8]> {
    as_str(v)
        .map(|s| s.as_bytes())
        .map_err(|e| param_err(fname, i, e))
}

fn new_str(b: &[u8]) -> Value {
    Value::str_bytes(b.to_vec())
}

/// Position of the last occurrence of `needle` in `hay` (Go's `strings.LastIndex`).
fn rfind_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(hay.len());
    }
    if needle.len() > hay.len() {
        return None;
    }
    match needle {
        [b] => memchr::memrchr(*b, hay),
        _ => memchr::memmem::rfind(hay, needle),
    }
}

/// Go's `strings.Count`: non-overlapping occurrences; an empty `sub` counts
/// the positions between characters.
fn count_bytes(s: &[u8], sub: &[u8]) -> usize {
    if sub.is_empty() {
        return text::rune_count(s) + 1;
    }
    let mut n = 0;
    let mut i = 0;
    while let Some(j) = ops::find(&s[i..], sub) {
        n += 1;
        i += j + sub.len();
    }
    n
}

fn view(t: &Thread, recv: &Value, args: &Args, fname: &str, kind: StrViewKind) -> Result<Value> {
    positional(fname, args, 0, 0)?;
    let s = recv_str(recv, fname)?;
    Ok(Value::native(StrView::new(
        s.clone(),
        kind,
        ApiSurface::of(t),
    )))
}

fn elems(t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    view(t, recv, args, "elems", StrViewKind::Elems)
}

fn elem_ords(t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    view(t, recv, args, "elem_ords", StrViewKind::ElemOrds)
}

fn codepoints(t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    view(t, recv, args, "codepoints", StrViewKind::Codepoints)
}

fn codepoint_ords(t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    view(t, recv, args, "codepoint_ords", StrViewKind::CodepointOrds)
}

fn bytes_elems(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("elems", args, 0, 0)?;
    match recv {
        Value::Bytes(b) => Ok(Value::native(BytesElems::new(b.clone()))),
        _ => Err(name_err(
            "elems",
            format!("got {}, want bytes", recv.type_name()),
        )),
    }
}

fn capitalize(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("capitalize", args, 0, 0)?;
    let s = recv_str(recv, "capitalize")?;
    Ok(Value::str_bytes(text::map_chars(s.as_bytes(), |i, c| {
        if i == 0 {
            text::to_title(c)
        } else {
            text::to_lower(c)
        }
    })))
}

fn count(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("count", args, 1, 3)?;
    let s = recv_str(recv, "count")?.as_bytes();
    let sub = str_param("count", 1, &a[0])?;
    let (start, end) = indices(a.get(1), a.get(2), s.len()).map_err(|e| name_err("count", e))?;
    let slice = if start < end { &s[start..end] } else { &[][..] };
    Ok(Value::Int(count_bytes(slice, sub) as i64))
}

fn starts_ends(recv: &Value, args: &Args, fname: &str, ends: bool) -> Result<Value> {
    let a = positional(fname, args, 1, 3)?;
    let s = recv_str(recv, fname)?.as_bytes();
    let (start, end) = indices(a.get(1), a.get(2), s.len()).map_err(|e| name_err(fname, e))?;
    let s = &s[start..end.max(start)];
    let test = |p: &[u8]| {
        if ends {
            s.ends_with(p)
        } else {
            s.starts_with(p)
        }
    };
    match &a[0] {
        Value::Tuple(t) => {
            for (i, x) in t.iter().enumerate() {
                match x {
                    Value::Str(p) => {
                        if test(p.as_bytes()) {
                            return Ok(Value::Bool(true));
                        }
                    }
                    _ => {
                        return Err(name_err(
                            fname,
                            format!("want string, got {}, for element {i}", x.type_name()),
                        ))
                    }
                }
            }
            Ok(Value::Bool(false))
        }
        Value::Str(p) => Ok(Value::Bool(test(p.as_bytes()))),
        x => Err(name_err(
            fname,
            format!("got {}, want string or tuple of string", x.type_name()),
        )),
    }
}

fn startswith(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    starts_ends(recv, args, "startswith", false)
}

fn endswith(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    starts_ends(recv, args, "endswith", true)
}

fn find_impl(
    recv: &Value,
    args: &Args,
    fname: &str,
    allow_missing: bool,
    last: bool,
) -> Result<Value> {
    let a = positional(fname, args, 1, 3)?;
    let s = recv_str(recv, fname)?.as_bytes();
    let sub = str_param(fname, 1, &a[0])?;
    let (start, end) = indices(a.get(1), a.get(2), s.len()).map_err(|e| name_err(fname, e))?;
    let slice = if start < end { &s[start..end] } else { &[][..] };
    let i = if last {
        rfind_bytes(slice, sub)
    } else {
        ops::find(slice, sub)
    };
    match i {
        Some(i) => Ok(Value::Int((i + start) as i64)),
        None if allow_missing => Ok(Value::Int(-1)),
        None => Err(name_err(fname, "substring not found")),
    }
}

fn find(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    find_impl(recv, args, "find", true, false)
}

fn rfind(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    find_impl(recv, args, "rfind", true, true)
}

fn index(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    find_impl(recv, args, "index", false, false)
}

fn rindex(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    find_impl(recv, args, "rindex", false, true)
}

fn format(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let s = recv_str(recv, "format")?;
    super::format::format_method(thread, s, args)
}

fn predicate(recv: &Value, args: &Args, fname: &str, f: impl Fn(&[u8]) -> bool) -> Result<Value> {
    positional(fname, args, 0, 0)?;
    let s = recv_str(recv, fname)?;
    Ok(Value::Bool(f(s.as_bytes())))
}

fn all_chars(s: &[u8], f: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && runes(s).all(|(_, c, _)| f(c))
}

fn isalnum(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    predicate(recv, args, "isalnum", |s| {
        all_chars(s, |c| text::is_letter(c) || text::is_digit(c))
    })
}

fn isalpha(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    predicate(recv, args, "isalpha", |s| all_chars(s, text::is_letter))
}

fn isdigit(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    predicate(recv, args, "isdigit", |s| all_chars(s, text::is_digit))
}

fn isspace(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    predicate(recv, args, "isspace", |s| all_chars(s, is_space))
}

fn is_cased_string(s: &[u8]) -> bool {
    runes(s).any(|(_, c, _)| is_cased(c))
}

fn islower(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    predicate(recv, args, "islower", |s| {
        is_cased_string(s) && text::lower(s) == s
    })
}

fn isupper(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    predicate(recv, args, "isupper", |s| {
        is_cased_string(s) && text::upper(s) == s
    })
}

fn istitle(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    predicate(recv, args, "istitle", |s| {
        // Uppercase characters may only follow uncased characters, and
        // lowercase characters only cased ones.
        let (mut cased, mut prev_cased) = (false, false);
        for (_, c, _) in runes(s) {
            if c.is_ascii_uppercase() || text::is_title(c) {
                if prev_cased {
                    return false;
                }
                prev_cased = true;
                cased = true;
            } else if text::is_lower(c) {
                if !prev_cased {
                    return false;
                }
                prev_cased = true;
                cased = true;
            } else if text::is_upper(c) {
                return false;
            } else {
                prev_cased = false;
            }
        }
        cased
    })
}

fn join(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("join", args, 1, 1)?;
    let sep = recv_str(recv, "join")?.as_bytes();
    check_iterable(&a[0]).map_err(|e| param_err("join", 1, e))?;
    let mut it = ops::iterate_or_err(&a[0])?;
    let mut out: Vec<u8> = Vec::new();
    let mut charged = 0usize;
    let mut i = 0usize;
    while let Some(x) = it.next() {
        thread.step()?;
        if let Value::Str(s) = &x {
            // Charged before it is copied, in chunks of 64 KiB.
            let grown = out.len() + sep.len() + s.len();
            if grown - charged > 1 << 16 {
                charge_bytes(thread, "join", grown - charged)?;
                charged = grown;
            }
        }
        if i > 0 {
            out.extend_from_slice(sep);
        }
        match &x {
            Value::Str(s) => out.extend_from_slice(s.as_bytes()),
            _ => {
                return Err(EvalError::new(format!(
                    "join: in list, want string, got {}",
                    x.type_name()
                )))
            }
        }
        i += 1;
    }
    charge_bytes(thread, "join", out.len().saturating_sub(charged))?;
    Ok(Value::str_bytes(out))
}

fn lower(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("lower", args, 0, 0)?;
    let s = recv_str(recv, "lower")?;
    charge_bytes(thread, "lower", s.len())?;
    Ok(Value::str_bytes(text::lower(s.as_bytes())))
}

fn upper(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("upper", args, 0, 0)?;
    let s = recv_str(recv, "upper")?;
    charge_bytes(thread, "upper", s.len())?;
    Ok(Value::str_bytes(text::upper(s.as_bytes())))
}

fn title(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("title", args, 0, 0)?;
    let s = recv_str(recv, "title")?;
    charge_bytes(thread, "title", s.len())?;
    let mut prev_cased = false;
    Ok(Value::str_bytes(text::map_chars(s.as_bytes(), |_, c| {
        let r = if prev_cased {
            text::to_lower(c)
        } else {
            text::to_title(c)
        };
        prev_cased = is_cased(r);
        r
    })))
}

/// Trims from the left the characters for which `cut` holds (decoded as Go does).
fn trim_left<'a>(mut s: &'a [u8], cut: &dyn Fn(char) -> bool) -> &'a [u8] {
    while !s.is_empty() {
        let (c, n) = decode_rune(s);
        if !cut(c) {
            break;
        }
        s = &s[n.max(1)..];
    }
    s
}

/// Trims from the right the characters for which `cut` holds.
fn trim_right<'a>(mut s: &'a [u8], cut: &dyn Fn(char) -> bool) -> &'a [u8] {
    while !s.is_empty() {
        let (c, n) = decode_last_rune(s);
        if !cut(c) {
            break;
        }
        s = &s[..s.len() - n.max(1)];
    }
    s
}

fn strip_impl(recv: &Value, args: &Args, fname: &str, left: bool, right: bool) -> Result<Value> {
    let a = positional(fname, args, 0, 1)?;
    let s = recv_str(recv, fname)?.as_bytes();
    fn trim<'a>(s: &'a [u8], left: bool, right: bool, cut: &dyn Fn(char) -> bool) -> &'a [u8] {
        let mut r = s;
        if left {
            r = trim_left(r, cut);
        }
        if right {
            r = trim_right(r, cut);
        }
        r
    }
    let chars: Vec<char> = match a.first() {
        Some(v) => runes(str_param(fname, 1, v)?).map(|(_, c, _)| c).collect(),
        None => Vec::new(),
    };
    // No characters given (or ""): white space.
    let r = if chars.is_empty() {
        trim(s, left, right, &is_space)
    } else {
        trim(s, left, right, &|c| chars.contains(&c))
    };
    // Nothing to strip: the string itself, not a copy.
    if r.len() == s.len() {
        return Ok(recv.clone());
    }
    Ok(new_str(r))
}

fn strip(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    strip_impl(recv, args, "strip", true, true)
}

fn lstrip(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    strip_impl(recv, args, "lstrip", true, false)
}

fn rstrip(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    strip_impl(recv, args, "rstrip", false, true)
}

fn partition_impl(recv: &Value, args: &Args, fname: &str, last: bool) -> Result<Value> {
    let a = positional(fname, args, 1, 1)?;
    let s = recv_str(recv, fname)?.as_bytes();
    let sep = str_param(fname, 1, &a[0])?;
    if sep.is_empty() {
        return Err(name_err(fname, "empty separator"));
    }
    let i = if last {
        rfind_bytes(s, sep)
    } else {
        ops::find(s, sep)
    };
    let parts = match i {
        Some(i) => [new_str(&s[..i]), new_str(sep), new_str(&s[i + sep.len()..])],
        None if last => [Value::str(""), Value::str(""), new_str(s)],
        None => [new_str(s), Value::str(""), Value::str("")],
    };
    Ok(Value::tuple(parts.to_vec()))
}

fn partition(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    partition_impl(recv, args, "partition", false)
}

fn rpartition(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    partition_impl(recv, args, "rpartition", true)
}

fn removeprefix(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("removeprefix", args, 1, 1)?;
    let s = recv_str(recv, "removeprefix")?.as_bytes();
    let fix = str_param("removeprefix", 1, &a[0])?;
    Ok(new_str(s.strip_prefix(fix).unwrap_or(s)))
}

fn removesuffix(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("removesuffix", args, 1, 1)?;
    let s = recv_str(recv, "removesuffix")?.as_bytes();
    let fix = str_param("removesuffix", 1, &a[0])?;
    Ok(new_str(s.strip_suffix(fix).unwrap_or(s)))
}

fn replace(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("replace", args, 2, 3)?;
    let s = recv_str(recv, "replace")?.as_bytes();
    let old = str_param("replace", 1, &a[0])?;
    let new = str_param("replace", 2, &a[1])?;
    let limit = match a.get(2) {
        Some(v) => as_int(v).map_err(|e| param_err("replace", 3, e))?,
        None => -1,
    };
    // As Go's strings.Replace.
    if old == new || limit == 0 {
        return Ok(recv.clone());
    }
    let m = count_bytes(s, old);
    if m == 0 {
        return Ok(recv.clone());
    }
    let n = if limit < 0 || (m as u64) < limit as u64 {
        m
    } else {
        limit as usize
    };
    let size = (s.len() as u128 + n as u128 * new.len() as u128)
        .saturating_sub(n as u128 * old.len() as u128);
    charge_bytes(
        thread,
        "replace",
        usize::try_from(size).unwrap_or(usize::MAX),
    )?;
    let mut out = Vec::with_capacity(size as usize);
    let mut start = 0usize;
    for i in 0..n {
        let mut j = start;
        if old.is_empty() {
            if i > 0 {
                let (_, w) = decode_rune(&s[start..]);
                j += w;
            }
        } else {
            match ops::find(&s[start..], old) {
                Some(k) => j += k,
                None => break,
            }
        }
        out.extend_from_slice(&s[start..j]);
        out.extend_from_slice(new);
        start = j + old.len();
    }
    out.extend_from_slice(&s[start.min(s.len())..]);
    Ok(Value::str_bytes(out))
}

/// Go's `strings.Fields`: the runs of non-space characters.
fn fields(s: &[u8]) -> Vec<&[u8]> {
    splitspace(s, usize::MAX)
}

/// Splits on runs of white space, at most `max` times, the last field
/// running to the end (starlark-go's `splitspace`).
fn splitspace(s: &[u8], max: usize) -> Vec<&[u8]> {
    let mut res = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c, _) in runes(s) {
        if is_space(c) {
            if let Some(st) = start {
                if res.len() == max {
                    break;
                }
                res.push(&s[st..i]);
                start = None;
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        res.push(&s[st..]);
    }
    res
}

/// Like [`splitspace`] from the right (starlark-go's `rsplitspace`).
fn rsplitspace(s: &[u8], max: usize) -> Vec<&[u8]> {
    let mut res = Vec::new();
    let mut end: Option<usize> = None;
    let mut i = s.len();
    while i > 0 {
        let (c, sz) = decode_last_rune(&s[..i]);
        if is_space(c) {
            if let Some(e) = end {
                if res.len() == max {
                    break;
                }
                res.push(&s[i..e]);
                end = None;
            }
        } else if end.is_none() {
            end = Some(i);
        }
        i -= sz.max(1);
    }
    if let Some(e) = end {
        res.push(&s[..e]);
    }
    res.reverse();
    res
}

/// Go's `strings.Split` (and `SplitN` when `n` is given: at most `n` pieces).
fn split_sep<'a>(s: &'a [u8], sep: &[u8], n: Option<usize>) -> Vec<&'a [u8]> {
    let mut res = Vec::new();
    let mut rest = s;
    loop {
        if n.is_some_and(|n| res.len() + 1 >= n) {
            break;
        }
        match ops::find(rest, sep) {
            Some(i) => {
                res.push(&rest[..i]);
                rest = &rest[i + sep.len()..];
            }
            None => break,
        }
    }
    res.push(rest);
    res
}

fn split_impl(thread: &mut Thread, recv: &Value, args: &Args, fname: &str) -> Result<Value> {
    let a = positional(fname, args, 0, 2)?;
    let s = recv_str(recv, fname)?.as_bytes();
    let maxsplit = match a.get(1) {
        Some(v) => as_int(v).map_err(|e| param_err(fname, 2, e))?,
        None => -1,
    };
    let rsplit = fname == "rsplit";
    // Parts borrow from the string (only rsplit's joined head is new).
    let parts: Vec<Cow<'_, [u8]>> = match a.first() {
        None | Some(Value::None) => {
            let r = if maxsplit < 0 {
                fields(s)
            } else if !rsplit {
                splitspace(s, maxsplit as usize)
            } else {
                rsplitspace(s, maxsplit as usize)
            };
            r.into_iter().map(Cow::Borrowed).collect()
        }
        Some(Value::Str(sep)) => {
            let sep = sep.as_bytes();
            if sep.is_empty() {
                return Err(EvalError::new("split: empty separator"));
            }
            if maxsplit < 0 {
                split_sep(s, sep, None)
                    .into_iter()
                    .map(Cow::Borrowed)
                    .collect()
            } else if !rsplit {
                let n = (maxsplit as usize).saturating_add(1);
                split_sep(s, sep, Some(n))
                    .into_iter()
                    .map(Cow::Borrowed)
                    .collect()
            } else {
                let all = split_sep(s, sep, None);
                let excess = all.len().saturating_sub(maxsplit as usize);
                if excess > 0 {
                    let first = all[..excess].join(sep);
                    std::iter::once(Cow::Owned(first))
                        .chain(all[excess..].iter().map(|p| Cow::Borrowed(*p)))
                        .collect()
                } else {
                    all.into_iter().map(Cow::Borrowed).collect()
                }
            }
        }
        Some(x) => {
            return Err(EvalError::new(format!(
                "split: got {} for separator, want string",
                x.type_name()
            )))
        }
    };
    charge_elems(thread, fname, parts.len())?;
    charge_bytes(thread, fname, s.len())?;
    Ok(Value::list(
        parts.iter().map(|p| Value::str_bytes(p.as_ref())).collect(),
    ))
}

fn split(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    split_impl(thread, recv, args, "split")
}

fn rsplit(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    split_impl(thread, recv, args, "rsplit")
}

fn splitlines(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("splitlines", args, 0, 1)?;
    let s = recv_str(recv, "splitlines")?.as_bytes();
    let keepends = match a.first() {
        Some(v) => as_bool(v).map_err(|e| param_err("splitlines", 1, e))?,
        None => false,
    };
    let mut lines: Vec<&[u8]> = Vec::new();
    if !s.is_empty() {
        let mut start = 0;
        for (i, &c) in s.iter().enumerate() {
            if c == b'\n' {
                lines.push(if keepends {
                    &s[start..=i]
                } else {
                    &s[start..i]
                });
                start = i + 1;
            }
        }
        if start < s.len() {
            lines.push(&s[start..]);
        }
    }
    charge_elems(thread, "splitlines", lines.len())?;
    Ok(Value::list(lines.into_iter().map(new_str).collect()))
}
