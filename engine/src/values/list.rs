//! Lists: mutable sequences with a frozen flag and an iteration guard.

use super::{MutGuard, Value};
use crate::error::Result;
use std::cell::{Ref, RefCell, RefMut};

/// The payload of a list value.
#[derive(Default)]
pub struct List {
    items: RefCell<Vec<Value>>,
    /// Frozen flag and active-iteration count.
    pub(crate) guard: MutGuard,
}

impl List {
    /// A list holding `items`.
    pub fn new(items: Vec<Value>) -> List {
        List {
            items: RefCell::new(items),
            guard: MutGuard::default(),
        }
    }

    /// The elements, for reading.
    pub fn items(&self) -> Ref<'_, Vec<Value>> {
        self.items.borrow()
    }

    /// The elements, for writing, after checking the list may be mutated.
    /// `verb` words the error: "cannot {verb} frozen list".
    pub fn items_mut(&self, verb: &str) -> Result<RefMut<'_, Vec<Value>>> {
        self.guard.check(verb, "list")?;
        Ok(self.items.borrow_mut())
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.borrow().len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The i-th element, if in range.
    pub fn get(&self, i: usize) -> Option<Value> {
        self.items.borrow().get(i).cloned()
    }

    /// Appends (checking mutability).
    pub fn push(&self, v: Value) -> Result<()> {
        self.items_mut("append to")?.push(v);
        Ok(())
    }
}

impl List {
    /// Takes every element out (for freeing without recursion).
    pub(crate) fn take_items(&mut self) -> Vec<Value> {
        std::mem::take(self.items.get_mut())
    }
}
