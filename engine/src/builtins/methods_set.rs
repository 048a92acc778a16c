//! Methods of sets: those of today's starlark-go (add, clear, difference,
//! discard, intersection, issubset, issuperset, pop, remove,
//! symmetric_difference, union, update), plus Python's difference_update,
//! intersection_update, isdisjoint and symmetric_difference_update, which
//! starlark-go does not have.

use super::unpack::{collect_param, name_err, positional};
use super::MethodTable;
use crate::args::Args;
use crate::error::Result;
use crate::eval::Thread;
use crate::values::{Set, Value};
use std::rc::Rc;

/// The method table, sorted by name.
pub const METHODS: MethodTable = &[
    ("add", add),
    ("clear", clear),
    ("difference", difference),
    ("difference_update", difference_update),
    ("discard", discard),
    ("intersection", intersection),
    ("intersection_update", intersection_update),
    ("isdisjoint", isdisjoint),
    ("issubset", issubset),
    ("issuperset", issuperset),
    ("pop", pop),
    ("remove", remove),
    ("symmetric_difference", symmetric_difference),
    ("symmetric_difference_update", symmetric_difference_update),
    ("union", union),
    ("update", update),
];

fn recv_set<'a>(recv: &'a Value, fname: &str) -> Result<&'a Rc<Set>> {
    match recv {
        Value::Set(s) => Ok(s),
        _ => Err(name_err(
            fname,
            format!("got {}, want set", recv.type_name()),
        )),
    }
}

/// The elements of each argument (each must be iterable).
fn others(thread: &mut Thread, fname: &str, a: &[Value]) -> Result<Vec<Vec<Value>>> {
    a.iter()
        .enumerate()
        .map(|(i, x)| collect_param(thread, fname, i + 1, x))
        .collect()
}

/// A set of the given elements, with "fname: unhashable type: T" on failure.
fn set_of(fname: &str, elems: Vec<Value>) -> Result<Set> {
    Set::from_values(elems).map_err(|e| name_err(fname, e))
}

/// A new set value, its entries charged to the thread.
fn new_set(thread: &mut Thread, s: Set) -> Result<Value> {
    thread.account_slots(s.len(), crate::eval::SET_ENTRY)?;
    Ok(Value::Set(Rc::new(s)))
}

/// Charges the entries `s` gained since it had `before` of them.
fn charge_growth(thread: &mut Thread, s: &Set, before: usize) -> Result<()> {
    thread.account_slots(s.len().saturating_sub(before), crate::eval::SET_ENTRY)
}

fn add(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("add", args, 1, 1)?;
    let s = recv_set(recv, "add")?;
    s.guard
        .check("insert into", "hash table")
        .map_err(|e| name_err("add", e))?;
    if s.insert(a[0].clone()).map_err(|e| name_err("add", e))? {
        thread.account(crate::eval::SET_ENTRY)?;
    }
    Ok(Value::None)
}

fn clear(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("clear", args, 0, 0)?;
    let s = recv_set(recv, "clear")?;
    if !s.is_empty() {
        s.clear().map_err(|e| name_err("clear", e))?;
    }
    Ok(Value::None)
}

fn difference(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("difference", args, 0, usize::MAX)?;
    let s = recv_set(recv, "difference")?;
    let mut rest = Vec::new();
    for o in others(thread, "difference", a)? {
        rest.push(set_of("difference", o)?);
    }
    let out = Set::default();
    for x in s.to_vec() {
        let mut keep = true;
        for o in &rest {
            if o.contains(&x)? {
                keep = false;
                break;
            }
        }
        if keep {
            out.insert(x)?;
        }
    }
    new_set(thread, out)
}

fn difference_update(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("difference_update", args, 0, usize::MAX)?;
    let s = recv_set(recv, "difference_update")?;
    let lists = others(thread, "difference_update", a)?;
    s.guard
        .check("delete from", "hash table")
        .map_err(|e| name_err("difference_update", e))?;
    for o in lists {
        for x in o {
            s.remove(&x).map_err(|e| name_err("difference_update", e))?;
        }
    }
    Ok(Value::None)
}

fn discard(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("discard", args, 1, 1)?;
    let s = recv_set(recv, "discard")?;
    s.guard
        .check("delete from", "hash table")
        .map_err(|e| name_err("discard", e))?;
    s.remove(&a[0]).map_err(|e| name_err("discard", e))?;
    Ok(Value::None)
}

fn intersect(thread: &mut Thread, s: &Set, fname: &str, a: &[Value]) -> Result<Vec<Value>> {
    let mut rest = Vec::new();
    for o in others(thread, fname, a)? {
        rest.push(set_of(fname, o)?);
    }
    let mut out = Vec::new();
    'elems: for x in s.to_vec() {
        for o in &rest {
            if !o.contains(&x)? {
                continue 'elems;
            }
        }
        out.push(x);
    }
    Ok(out)
}

fn intersection(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("intersection", args, 0, usize::MAX)?;
    let s = recv_set(recv, "intersection")?;
    let elems = intersect(thread, s, "intersection", a)?;
    new_set(thread, set_of("intersection", elems)?)
}

fn intersection_update(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("intersection_update", args, 0, usize::MAX)?;
    let s = recv_set(recv, "intersection_update")?;
    let keep = intersect(thread, s, "intersection_update", a)?;
    s.guard
        .check("delete from", "hash table")
        .map_err(|e| name_err("intersection_update", e))?;
    let keep = set_of("intersection_update", keep)?;
    for x in s.to_vec() {
        if !keep.contains(&x)? {
            s.remove(&x)
                .map_err(|e| name_err("intersection_update", e))?;
        }
    }
    Ok(Value::None)
}

fn isdisjoint(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("isdisjoint", args, 0, 1)?;
    let s = recv_set(recv, "isdisjoint")?;
    for o in others(thread, "isdisjoint", a)? {
        for x in o {
            if s.contains(&x).map_err(|e| name_err("isdisjoint", e))? {
                return Ok(Value::Bool(false));
            }
        }
    }
    Ok(Value::Bool(true))
}

fn issubset(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("issubset", args, 0, 1)?;
    let s = recv_set(recv, "issubset")?;
    let other = set_of(
        "issubset",
        others(thread, "issubset", a)?
            .into_iter()
            .flatten()
            .collect(),
    )?;
    for x in s.to_vec() {
        if !other.contains(&x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn issuperset(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("issuperset", args, 0, 1)?;
    let s = recv_set(recv, "issuperset")?;
    for o in others(thread, "issuperset", a)? {
        for x in o {
            if !s.contains(&x).map_err(|e| name_err("issuperset", e))? {
                return Ok(Value::Bool(false));
            }
        }
    }
    Ok(Value::Bool(true))
}

fn pop(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    positional("pop", args, 0, 0)?;
    let s = recv_set(recv, "pop")?;
    if s.is_empty() {
        return Err(name_err("pop", "empty set"));
    }
    match s.pop_first().map_err(|e| name_err("pop", e))? {
        Some(x) => Ok(x),
        None => Err(name_err("pop", "empty set")),
    }
}

fn remove(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("remove", args, 1, 1)?;
    let s = recv_set(recv, "remove")?;
    s.guard
        .check("delete from", "hash table")
        .map_err(|e| name_err("remove", e))?;
    if s.is_empty() {
        return Err(name_err("remove", "missing key"));
    }
    if s.remove(&a[0]).map_err(|e| name_err("remove", e))? {
        Ok(Value::None)
    } else {
        Err(name_err("remove", "missing key"))
    }
}

fn symmetric_difference(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("symmetric_difference", args, 1, 1)?;
    let s = recv_set(recv, "symmetric_difference")?;
    let other = set_of(
        "symmetric_difference",
        collect_param(thread, "symmetric_difference", 1, &a[0])?,
    )?;
    let out = Set::default();
    for x in s.to_vec() {
        if !other.contains(&x)? {
            out.insert(x)?;
        }
    }
    for x in other.to_vec() {
        if !s.contains(&x)? {
            out.insert(x)?;
        }
    }
    new_set(thread, out)
}

fn symmetric_difference_update(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    const NAME: &str = "symmetric_difference_update";
    let a = positional(NAME, args, 1, 1)?;
    let s = recv_set(recv, NAME)?;
    let other = set_of(NAME, collect_param(thread, NAME, 1, &a[0])?)?;
    s.guard
        .check("insert into", "hash table")
        .map_err(|e| name_err(NAME, e))?;
    let before = s.len();
    for x in other.to_vec() {
        if s.contains(&x)? {
            s.remove(&x).map_err(|e| name_err(NAME, e))?;
        } else {
            s.insert(x).map_err(|e| name_err(NAME, e))?;
        }
    }
    charge_growth(thread, s, before)?;
    Ok(Value::None)
}

fn union(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("union", args, 0, usize::MAX)?;
    let s = recv_set(recv, "union")?;
    let lists = others(thread, "union", a)?;
    let out = set_of("union", s.to_vec())?;
    for x in lists.into_iter().flatten() {
        out.insert(x).map_err(|e| name_err("union", e))?;
    }
    new_set(thread, out)
}

fn update(thread: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = positional("update", args, 0, usize::MAX)?;
    let s = recv_set(recv, "update")?;
    let lists = others(thread, "update", a)?;
    s.guard
        .check("insert into", "hash table")
        .map_err(|e| name_err("update", e))?;
    let before = s.len();
    for x in lists.into_iter().flatten() {
        s.insert(x).map_err(|e| name_err("update", e))?;
    }
    charge_growth(thread, s, before)?;
    Ok(Value::None)
}
