//! Methods of dicts: clear, get, items, keys, pop, popitem, setdefault,
//! update, values.

use super::unpack::{charge_elems, name_err, positional};
use super::MethodTable;
use crate::args::Args;
use crate::error::Result;
use crate::eval::Thread;
use crate::values::{Dict, Value};
use std::rc::Rc;

/// The method table, sorted by name.
pub const METHODS: MethodTable = &[
    ("clear", clear),
    ("get", get),
    ("items", items),
    ("keys", keys),
    ("pop", pop),
    ("popitem", popitem),
    ("setdefault", setdefault),
    ("update", update),
    ("values", values),
];

fn recv_dict<'a>(recv: &'a Value, fname: &str) -> Result<&'a Rc<Dict>> {
    match recv {
        Value::Dict(d) => Ok(d),
        _ => Err(name_err(
            fname,
            format!("got {}, want dict", recv.type_name()),
        )),
    }
}

fn clear(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("clear", args, 0, 0)?;
    recv_dict(recv, "clear")?.clear()?;
    Ok(Value::None)
}

fn get(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("get", args, 1, 2)?;
    let d = recv_dict(recv, "get")?;
    match d.get(&a[0]).map_err(|e| name_err("get", e))? {
        Some(v) => Ok(v),
        None => Ok(a.get(1).cloned().unwrap_or(Value::None)),
    }
}

fn items(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("items", args, 0, 0)?;
    let d = recv_dict(recv, "items")?;
    charge_elems(thread, "items", d.len() * 3)?;
    let items = d
        .entries()
        .iter()
        .map(|(k, v)| Value::tuple(vec![k.value.clone(), v.clone()]))
        .collect();
    Ok(Value::list(items))
}

fn keys(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("keys", args, 0, 0)?;
    let d = recv_dict(recv, "keys")?;
    charge_elems(thread, "keys", d.len())?;
    Ok(Value::list(d.keys()))
}

fn pop(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("pop", args, 1, 2)?;
    let d = recv_dict(recv, "pop")?;
    d.guard
        .check("delete from", "hash table")
        .map_err(|e| name_err("pop", e))?;
    if d.is_empty() {
        // As starlark-go, which looks nothing up (and hashes nothing) in an empty table.
        return match a.get(1) {
            Some(dflt) => Ok(dflt.clone()),
            None => Err(name_err("pop", "missing key")),
        };
    }
    match d.remove(&a[0]).map_err(|e| name_err("pop", e))? {
        Some(v) => Ok(v),
        None => match a.get(1) {
            Some(dflt) => Ok(dflt.clone()),
            None => Err(name_err("pop", "missing key")),
        },
    }
}

fn popitem(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("popitem", args, 0, 0)?;
    let d = recv_dict(recv, "popitem")?;
    if d.is_empty() {
        return Err(name_err("popitem", "empty dict"));
    }
    match d.pop_first().map_err(|e| name_err("popitem", e))? {
        Some((k, v)) => Ok(Value::tuple(vec![k, v])),
        None => Err(name_err("popitem", "empty dict")),
    }
}

fn setdefault(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("setdefault", args, 1, 2)?;
    let d = recv_dict(recv, "setdefault")?;
    if let Some(v) = d.get(&a[0]).map_err(|e| name_err("setdefault", e))? {
        return Ok(v);
    }
    let dflt = a.get(1).cloned().unwrap_or(Value::None);
    thread.account(crate::eval::DICT_ENTRY)?;
    d.insert(a[0].clone(), dflt.clone())
        .map_err(|e| name_err("setdefault", e))?;
    Ok(dflt)
}

fn update(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    if args.positional.len() > 1 {
        return Err(name_err(
            "update",
            format!("got {} arguments, want at most 1", args.positional.len()),
        ));
    }
    let d = recv_dict(recv, "update")?;
    let before = d.len();
    super::universe::update_dict(d, args.positional.first(), &args.named)
        .map_err(|e| name_err("update", e))?;
    thread.account_slots(d.len().saturating_sub(before), crate::eval::DICT_ENTRY)?;
    Ok(Value::None)
}

fn values(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("values", args, 0, 0)?;
    let d = recv_dict(recv, "values")?;
    charge_elems(thread, "values", d.len())?;
    Ok(Value::list(d.entries().values().cloned().collect()))
}
