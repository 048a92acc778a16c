//! Methods of lists: append, clear, extend, index, insert, pop, remove.

use super::unpack::{
    as_int, as_int32, check_iterable, collect_param, name_err, param_err, positional,
};
use super::MethodTable;
use crate::args::Args;
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::values::{equals, List, Value};
use std::rc::Rc;

/// The method table, sorted by name.
pub const METHODS: MethodTable = &[
    ("append", append),
    ("clear", clear),
    ("extend", extend),
    ("index", index),
    ("insert", insert),
    ("pop", pop),
    ("remove", remove),
];

fn recv_list<'a>(recv: &'a Value, fname: &str) -> Result<&'a Rc<List>> {
    match recv {
        Value::List(l) => Ok(l),
        _ => Err(name_err(
            fname,
            format!("got {}, want list", recv.type_name()),
        )),
    }
}

/// starlark-go's `indices`: optional start and end arguments of a method
/// over a sequence of length `len`, negative values counted from the end,
/// then clamped to `[0, len]`. Start may exceed end.
pub(crate) fn indices(
    start: Option<&Value>,
    end: Option<&Value>,
    len: usize,
) -> std::result::Result<(usize, usize), String> {
    let n = len as i64;
    let conv =
        |v: Option<&Value>, default: i64, what: &str| -> std::result::Result<usize, String> {
            let i = match v {
                None | Some(Value::None) => default,
                Some(v) => {
                    let i = as_int32(v).map_err(|e| format!("invalid {what} index: {e}"))?;
                    if i < 0 {
                        i.saturating_add(n)
                    } else {
                        i
                    }
                }
            };
            Ok(i.clamp(0, n) as usize)
        };
    Ok((conv(start, 0, "start")?, conv(end, n, "end")?))
}

/// The error for an index outside a sequence, as starlark-go's `outOfRange`.
pub(crate) fn out_of_range(i: i64, n: usize, type_name: &str) -> String {
    if n == 0 {
        format!("index {i} out of range: empty {type_name}")
    } else {
        format!(
            "{type_name} index {i} out of range [{}:{}]",
            -(n as i64),
            n as i64 - 1
        )
    }
}

fn append(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("append", args, 1, 1)?;
    let l = recv_list(recv, "append")?;
    thread.account(crate::eval::SLOT)?;
    l.items_mut("append to")
        .map_err(|e| name_err("append", e))?
        .push(a[0].clone());
    Ok(Value::None)
}

fn clear(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("clear", args, 0, 0)?;
    let l = recv_list(recv, "clear")?;
    l.items_mut("clear")
        .map_err(|e| name_err("clear", e))?
        .clear();
    Ok(Value::None)
}

fn extend(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("extend", args, 1, 1)?;
    let l = recv_list(recv, "extend")?;
    check_iterable(&a[0]).map_err(|e| param_err("extend", 1, e))?;
    l.guard
        .check("extend", "list")
        .map_err(|e| name_err("extend", e))?;
    let items = collect_param(thread, "extend", 1, &a[0])?;
    l.items_mut("extend")
        .map_err(|e| name_err("extend", e))?
        .extend(items);
    Ok(Value::None)
}

fn index(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("index", args, 1, 3)?;
    let l = recv_list(recv, "index")?;
    let (start, end) = indices(a.get(1), a.get(2), l.len()).map_err(|e| name_err("index", e))?;
    let mut i = start;
    while i < end {
        let x = match l.get(i) {
            Some(x) => x,
            None => break,
        };
        if equals(&x, &a[0]).map_err(|e| name_err("index", e))? {
            return Ok(Value::Int(i as i64));
        }
        i += 1;
    }
    Err(name_err("index", "value not in list"))
}

fn insert(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("insert", args, 2, 2)?;
    let l = recv_list(recv, "insert")?;
    thread.account(crate::eval::SLOT)?;
    let index = as_int(&a[0]).map_err(|e| param_err("insert", 1, e))?;
    let mut items = l
        .items_mut("insert into")
        .map_err(|e| name_err("insert", e))?;
    let n = items.len() as i64;
    let i = if index < 0 {
        index.saturating_add(n)
    } else {
        index
    };
    let i = i.clamp(0, n) as usize;
    items.insert(i, a[1].clone());
    Ok(Value::None)
}

fn pop(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("pop", args, 0, 1)?;
    let l = recv_list(recv, "pop")?;
    let n = l.len();
    let orig = match a.first() {
        Some(v) => as_int(v).map_err(|e| param_err("pop", 1, e))?,
        None => n as i64 - 1,
    };
    let i = if orig < 0 {
        orig.saturating_add(n as i64)
    } else {
        orig
    };
    if i < 0 || i >= n as i64 {
        return Err(name_err("pop", out_of_range(orig, n, "list")));
    }
    let mut items = l.items_mut("pop from").map_err(|e| name_err("pop", e))?;
    Ok(items.remove(i as usize))
}

fn remove(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("remove", args, 1, 1)?;
    let l = recv_list(recv, "remove")?;
    l.guard
        .check("remove from", "list")
        .map_err(|e| name_err("remove", e))?;
    let n = l.len();
    for i in 0..n {
        let x = match l.get(i) {
            Some(x) => x,
            None => break,
        };
        if equals(&x, &a[0]).map_err(|e| name_err("remove", e))? {
            let mut items = l
                .items_mut("remove from")
                .map_err(|e| name_err("remove", e))?;
            if i < items.len() {
                items.remove(i);
            }
            return Ok(Value::None);
        }
    }
    Err(EvalError::new("remove: element not found"))
}
