//! Freeing values without recursion: a list nested 200 000 deep must not
//! overflow the native stack when its last reference goes away.
//!
//! Lists, dicts, sets and structs free their contents through [`dispose`]
//! (their `Drop`). The outermost disposal frees in a loop, depth first,
//! taking apart every container it holds the last reference to (tuples
//! included): its work list holds one iterator over the remaining children
//! of each container being taken apart, so the native stack never grows
//! with the nesting depth, and the work list grows with the depth only, not
//! with the number of containers (freeing a list of a million rows needs a
//! few entries, not a million). Tuples have no `Drop` of their own
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

#[cfg(test)]
thread_local! {
    /// The longest work list a disposal loop has had on this thread.
    static PEAK_WORK: Cell<usize> = const { Cell::new(0) };
}

/// Takes the children out of `v` when it holds the last reference to a
/// container that holds containers, so that freeing the container itself
/// cannot recurse. (A list, tuple or dict of scalars and strings frees its
/// children directly, in one level: they are left in place.)
fn take_children(v: &mut Value) -> Option<Children> {
    match v {
        Value::List(l) => {
            let l = Rc::get_mut(l)?;
            if !seq_nests(&l.items()) {
                return None;
            }
            Some(Children::Seq(l.take_items()))
        }
        Value::Tuple(t) => {
            let t = Rc::get_mut(t)?;
            if !seq_nests(t) {
                return None;
            }
            Some(Children::Seq(std::mem::take(t)))
        }
        Value::Dict(d) => {
            let d = Rc::get_mut(d)?;
            if !map_nests(&d.entries()) {
                return None;
            }
            Some(Children::Map(d.take_map()))
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

impl Children {
    /// The children one at a time (a dict's key, then its value).
    fn into_pieces(self) -> Pieces {
        match self {
            Children::Seq(items) => Pieces::Seq(items.into_iter()),
            Children::Map(m) => Pieces::Map(m.into_iter(), None),
            Children::Set(m) => Pieces::Set(m.into_iter()),
            Children::Fields(f) => Pieces::Fields(f.into_values()),
        }
    }
}

/// The children of a container being taken apart, not yet freed.
enum Pieces {
    Seq(std::vec::IntoIter<Value>),
    /// Entries, and the value of the entry whose key was just given.
    Map(<DictMap as IntoIterator>::IntoIter, Option<Value>),
    Set(<SetMap as IntoIterator>::IntoIter),
    Fields(std::collections::btree_map::IntoValues<String, Value>),
}

impl Iterator for Pieces {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Pieces::Seq(it) => it.next(),
            Pieces::Map(it, value) => value.take().or_else(|| {
                let (k, v) = it.next()?;
                *value = Some(v);
                Some(k.value)
            }),
            Pieces::Set(it) => it.next().map(|k| k.value),
            Pieces::Fields(it) => it.next(),
        }
    }
}

/// Frees `children` and everything only they hold, depth first: the work
/// list holds an iterator per container being taken apart.
/// (The innermost iterator is kept apart from the list, so freeing a
/// container of flat containers allocates no list at all.)
fn free_all(children: Children) {
    let mut top = children.into_pieces();
    let mut work: Vec<Pieces> = Vec::new();
    loop {
        match top.next() {
            Some(mut v) => {
                if let Some(c) = take_children(&mut v) {
                    work.push(std::mem::replace(&mut top, c.into_pieces()));
                    #[cfg(test)]
                    PEAK_WORK.with(|p| p.set(p.get().max(work.len() + 1)));
                }
                // `v` (emptied, flat, or still shared) is released here.
            }
            None => match work.pop() {
                Some(outer) => top = outer,
                // Containers freed by `Drop` while this loop ran queued their
                // children on `PENDING`.
                None => match PENDING.with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop())) {
                    Some(c) => top = c.into_pieces(),
                    None => break,
                },
            },
        }
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
        // Only when the queue is busy (never in practice): free directly
        // (one level; deeper containers queue themselves again).
        if let Some(c) = rest {
            c.into_pieces().for_each(drop);
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
    free_all(children);
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

/// Whether freeing these elements can free other containers.
fn seq_nests(items: &[Value]) -> bool {
    items.iter().any(may_nest)
}

/// Whether freeing these entries can free other containers.
fn map_nests(m: &DictMap) -> bool {
    m.iter().any(|(k, v)| may_nest(&k.value) || may_nest(v))
}

impl Drop for List {
    fn drop(&mut self) {
        // The common case, a list of scalars and strings, frees directly:
        // no work list, no thread-local.
        if !seq_nests(&self.items()) {
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
        if !map_nests(&self.entries()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_values_free_depth_first_with_a_short_work_list() {
        // 10 000 rows, each a list holding a dict and a list shared with the
        // caller: every row is freed, the shared list survives, and the
        // work list never holds more than one row's pieces at a time.
        let shared = Rc::new(List::new(vec![Value::Int(1)]));
        let mut rows = Vec::new();
        let mut dicts = Vec::new();
        let mut lists = Vec::new();
        for i in 0..10_000 {
            let d = Dict::with_capacity(1);
            d.insert(Value::Int(i), Value::List(shared.clone()))
                .expect("an int key hashes");
            let d = Rc::new(d);
            dicts.push(Rc::downgrade(&d));
            let row = Rc::new(List::new(vec![Value::Dict(d), Value::List(shared.clone())]));
            lists.push(Rc::downgrade(&row));
            rows.push(Value::List(row));
        }
        PEAK_WORK.with(|p| p.set(0));
        drop(Value::List(Rc::new(List::new(rows))));
        assert_eq!(Rc::strong_count(&shared), 1);
        assert!(dicts.iter().all(|w| w.upgrade().is_none()));
        assert!(lists.iter().all(|w| w.upgrade().is_none()));
        let peak = PEAK_WORK.with(|p| p.get());
        assert!(peak <= 3, "work list reached {peak}");
    }
}
