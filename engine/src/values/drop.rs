//! Freeing values without recursion: a list nested 200 000 deep must not
//! overflow the native stack when its last reference goes away.
//!
//! Lists, dicts, sets and structs free their contents through [`dispose`]
//! (their `Drop`). The outermost disposal frees in a loop, taking apart
//! every container it holds the last reference to (tuples included) and
//! queueing the pieces on a thread-local work list, so the native stack
//! never grows with the nesting depth. Tuples have no `Drop` of their own
//! (they are a plain `Rc<Vec<Value>>`), so the interpreter releases the
//! values it discards through [`drop_value`], which takes a tuple apart the
//! same way.

use super::dict::DictMap;
use super::set::SetMap;
use super::{Closure, Dict, List, Set, Struct, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Children taken out of a container that is being freed.
pub(crate) enum Children {
    /// Elements of a list or tuple.
    Seq(Vec<Value>),
    /// Entries of a dict.
    Map(DictMap),
    /// Elements of a set.
    Set(SetMap),
    /// Fields of a struct.
    Fields(BTreeMap<String, Value>),
}

thread_local! {
    /// Whether a disposal loop is running on this thread.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// Children waiting to be freed by the running disposal loop.
    static PENDING: RefCell<Vec<Children>> = const { RefCell::new(Vec::new()) };
}

/// Takes the children out of `v` when it holds the last reference to a
/// non-empty container, so that freeing the container itself cannot recurse.
fn take_children(v: &mut Value) -> Option<Children> {
    match v {
        Value::List(l) => {
            let items = Rc::get_mut(l)?.take_items();
            (!items.is_empty()).then_some(Children::Seq(items))
        }
        Value::Tuple(t) => {
            let t = Rc::get_mut(t)?;
            (!t.is_empty()).then(|| Children::Seq(std::mem::take(t)))
        }
        Value::Dict(d) => {
            let m = Rc::get_mut(d)?.take_map();
            (!m.is_empty()).then_some(Children::Map(m))
        }
        Value::Set(s) => {
            let m = Rc::get_mut(s)?.take_set();
            (!m.is_empty()).then_some(Children::Set(m))
        }
        Value::Struct(s) => {
            let s = Rc::get_mut(s)?;
            (!s.fields.is_empty()).then(|| Children::Fields(std::mem::take(&mut s.fields)))
        }
        Value::Function(f) => {
            let items = Rc::get_mut(f)?.take_captured();
            (!items.is_empty()).then_some(Children::Seq(items))
        }
        _ => None,
    }
}

/// Frees `v`, taking it apart first when it is the last reference to a
/// tuple (the one container without a `Drop` of its own).
#[inline]
pub(crate) fn drop_value(mut v: Value) {
    if let Value::Tuple(t) = &v {
        if t.is_empty() || Rc::strong_count(t) > 1 {
            return;
        }
        if let Some(c) = take_children(&mut v) {
            dispose(c);
        }
    }
}

/// Frees one value inside the disposal loop: its children are queued.
fn free_one(mut v: Value, queue: &mut Vec<Children>) {
    if let Some(c) = take_children(&mut v) {
        queue.push(c);
    }
}

/// Frees the values of `c`, queueing the children of each.
fn free_children(c: Children, queue: &mut Vec<Children>) {
    match c {
        Children::Seq(items) => items.into_iter().for_each(|v| free_one(v, queue)),
        Children::Map(m) => m.into_iter().for_each(|(k, v)| {
            free_one(k.value, queue);
            free_one(v, queue);
        }),
        Children::Set(m) => m.into_iter().for_each(|k| free_one(k.value, queue)),
        Children::Fields(f) => f.into_values().for_each(|v| free_one(v, queue)),
    }
}

/// Frees `children`: in a loop when no disposal is running, else by
/// queueing them for the running one (further up this thread's stack).
pub(crate) fn dispose(children: Children) {
    if ACTIVE.with(|a| a.replace(true)) {
        let rest = PENDING.with(|p| match p.try_borrow_mut() {
            Ok(mut p) => {
                p.push(children);
                None
            }
            Err(_) => Some(children),
        });
        // Only when the queue is busy (never in practice): free directly.
        if let Some(c) = rest {
            free_children(c, &mut Vec::new());
        }
        return;
    }
    // Ends the loop even if a drop unwinds, so later drops are not queued forever.
    struct Active;
    impl Drop for Active {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.set(false));
        }
    }
    let _active = Active;
    let mut queue = vec![children];
    loop {
        while let Some(c) = queue.pop() {
            free_children(c, &mut queue);
        }
        // Containers freed by `Drop` while this loop ran queued their children here.
        let more = PENDING.with(|p| p.try_borrow_mut().ok().map(|mut p| std::mem::take(&mut *p)));
        match more {
            Some(m) if !m.is_empty() => queue = m,
            _ => break,
        }
    }
}

/// Whether freeing `v` can free other containers (and so recurse). Strings
/// and numbers cannot nest; functions hold what they captured; host values
/// hold at most one level.
#[inline]
fn may_nest(v: &Value) -> bool {
    matches!(
        v,
        Value::List(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::Tuple(_)
            | Value::Struct(_)
            | Value::Function(_)
    )
}

impl Drop for List {
    fn drop(&mut self) {
        // The common case, a list of scalars and strings, frees directly:
        // no work list, no thread-local.
        if !self.items().iter().any(may_nest) {
            return;
        }
        let items = self.take_items();
        if !items.is_empty() {
            dispose(Children::Seq(items));
        }
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        if !self
            .entries()
            .iter()
            .any(|(k, v)| may_nest(&k.value) || may_nest(v))
        {
            return;
        }
        let m = self.take_map();
        if !m.is_empty() {
            dispose(Children::Map(m));
        }
    }
}

impl Drop for Set {
    fn drop(&mut self) {
        let m = self.take_set();
        if !m.is_empty() {
            dispose(Children::Set(m));
        }
    }
}

impl Drop for Closure {
    fn drop(&mut self) {
        let nests = self.defaults.iter().flatten().any(may_nest)
            || self
                .freevars
                .iter()
                .any(|c| Rc::strong_count(c) == 1 && c.borrow().as_ref().is_some_and(may_nest));
        if !nests {
            return;
        }
        let items = self.take_captured();
        if !items.is_empty() {
            dispose(Children::Seq(items));
        }
    }
}

impl Drop for Struct {
    fn drop(&mut self) {
        if !self.fields.is_empty() {
            dispose(Children::Fields(std::mem::take(&mut self.fields)));
        }
    }
}
