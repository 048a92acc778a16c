//! Deep copies of values, for hosts that keep a module's state and restore
//! it later (a notebook re-running from a cell): mutable containers (lists,
//! dicts, sets, and host values that say so) are copied, everything
//! immutable is shared. Aliasing and cycles are preserved: a value reached
//! twice is copied once.

use super::{Dict, List, Set, Struct, Value};
use crate::stack;
use rustc_hash::FxHashMap;
use std::rc::Rc;

/// Copies values, remembering what it copied so shared values stay shared.
#[derive(Default)]
pub struct DeepCopier {
    /// Copies made so far, by the address of the original.
    seen: FxHashMap<usize, Value>,
}

impl DeepCopier {
    /// A copier with no memory of earlier copies.
    pub fn new() -> DeepCopier {
        DeepCopier::default()
    }

    /// A copy of `v` whose mutable parts are new.
    pub fn copy(&mut self, v: &Value) -> Value {
        stack::guard(|| self.copy_inner(v))
    }

    fn copy_inner(&mut self, v: &Value) -> Value {
        let key = match v {
            Value::List(l) => Rc::as_ptr(l) as usize,
            Value::Dict(d) => Rc::as_ptr(d) as usize,
            Value::Set(s) => Rc::as_ptr(s) as usize,
            Value::Tuple(t) => Rc::as_ptr(t) as *const () as usize,
            Value::Struct(s) => Rc::as_ptr(s) as usize,
            Value::Native(n) => Rc::as_ptr(n) as *const () as usize,
            _ => return v.clone(),
        };
        if let Some(done) = self.seen.get(&key) {
            return done.clone();
        }
        match v {
            Value::List(l) => {
                // Registered before its items are copied: a list may hold itself.
                let out = Rc::new(List::new(Vec::new()));
                self.seen.insert(key, Value::List(out.clone()));
                let originals: Vec<Value> = l.items().clone();
                let items: Vec<Value> = originals.iter().map(|x| self.copy(x)).collect();
                // A new list is neither frozen nor iterated: this cannot fail.
                if let Ok(mut slot) = out.items_mut("copy") {
                    *slot = items;
                }
                Value::List(out)
            }
            Value::Dict(d) => {
                let out = Rc::new(Dict::with_capacity(d.len()));
                self.seen.insert(key, Value::Dict(out.clone()));
                let entries: Vec<_> = d
                    .entries()
                    .iter()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                for (k, x) in entries {
                    let x = self.copy(&x);
                    // A new dict is neither frozen nor iterated: this cannot fail.
                    let _ = out.insert_key(k, x);
                }
                Value::Dict(out)
            }
            Value::Set(s) => {
                // Elements are hashable, hence immutable: shared.
                let out = Set::from_values(s.to_vec())
                    .map(|s| Value::Set(Rc::new(s)))
                    .unwrap_or_else(|_| v.clone());
                self.seen.insert(key, out.clone());
                out
            }
            Value::Tuple(t) => {
                let items: Vec<Value> = t.iter().map(|x| self.copy(x)).collect();
                let out = Value::Tuple(Rc::new(items));
                self.seen.insert(key, out.clone());
                out
            }
            Value::Struct(s) => {
                let fields = s
                    .fields
                    .iter()
                    .map(|(k, x)| (k.clone(), self.copy(x)))
                    .collect();
                let out = Value::Struct(Rc::new(Struct {
                    constructor: s.constructor.clone(),
                    fields,
                }));
                self.seen.insert(key, out.clone());
                out
            }
            Value::Native(n) => {
                let out = n
                    .deep_copy(&mut |x: &Value| self.copy(x))
                    .unwrap_or_else(|| v.clone());
                self.seen.insert(key, out.clone());
                out
            }
            _ => v.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_independent_and_keep_sharing_and_cycles() {
        let inner = Value::list(vec![Value::Int(1)]);
        let outer = Value::list(vec![inner.clone(), inner.clone()]);
        if let Value::List(l) = &outer {
            l.push(outer.clone()).unwrap();
        }
        let copy = DeepCopier::new().copy(&outer);
        let (Value::List(c), Value::List(i)) = (&copy, &inner) else {
            panic!("not lists")
        };
        i.push(Value::Int(2)).unwrap();
        let items = c.items();
        // The copy's inner list did not see the push, both slots share one
        // copy, and the cycle points at the copy itself.
        let Value::List(c0) = &items[0] else { panic!() };
        assert_eq!(c0.len(), 1);
        assert!(
            matches!((&items[0], &items[1]), (Value::List(a), Value::List(b)) if Rc::ptr_eq(a, b))
        );
        assert!(matches!(&items[2], Value::List(x) if Rc::ptr_eq(x, c)));
    }
}
