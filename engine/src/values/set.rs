//! Sets: insertion-ordered hash sets with a frozen flag and an iteration guard.

use super::hashkey::{HashKey, KeyHasher};
use super::{MutGuard, Value};
use crate::error::Result;
use indexmap::IndexSet;
use std::cell::{Ref, RefCell};

/// The set type behind set values.
pub type SetMap = IndexSet<HashKey, KeyHasher>;

/// The payload of a set value.
#[derive(Default)]
pub struct Set {
    set: RefCell<SetMap>,
    /// Frozen flag and active-iteration count.
    pub(crate) guard: MutGuard,
}

impl Set {
    /// A set of the given elements (each must be hashable).
    pub fn from_values(items: impl IntoIterator<Item = Value>) -> Result<Set> {
        let s = Set::default();
        {
            let mut m = s.set.borrow_mut();
            for v in items {
                m.insert(HashKey::new(v)?);
            }
        }
        Ok(s)
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.set.borrow().len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements, for reading.
    pub fn elems(&self) -> Ref<'_, SetMap> {
        self.set.borrow()
    }

    /// Membership (an error if `v` is unhashable).
    pub fn contains(&self, v: &Value) -> Result<bool> {
        let k = HashKey::new(v.clone())?;
        Ok(self.set.borrow().contains(&k))
    }

    /// Adds an element (checking mutability); returns whether it was new.
    pub fn insert(&self, v: Value) -> Result<bool> {
        let k = HashKey::new(v)?;
        self.guard.check("insert into", "hash table")?;
        Ok(self.set.borrow_mut().insert(k))
    }

    /// Removes an element, keeping order (checking mutability); returns whether it was present.
    pub fn remove(&self, v: &Value) -> Result<bool> {
        let k = HashKey::new(v.clone())?;
        self.guard.check("delete from", "hash table")?;
        Ok(self.set.borrow_mut().shift_remove(&k))
    }

    /// Removes every element (checking mutability).
    pub fn clear(&self) -> Result<()> {
        self.guard.check("clear", "hash table")?;
        self.set.borrow_mut().clear();
        Ok(())
    }

    /// Removes and returns the first element (checking mutability).
    pub fn pop_first(&self) -> Result<Option<Value>> {
        self.guard.check("delete from", "hash table")?;
        Ok(self.set.borrow_mut().shift_remove_index(0).map(|k| k.value))
    }

    /// The elements as a vector, in order.
    pub fn to_vec(&self) -> Vec<Value> {
        self.set.borrow().iter().map(|k| k.value.clone()).collect()
    }
}

impl Set {
    /// Takes every element out (for freeing without recursion).
    pub(crate) fn take_set(&mut self) -> SetMap {
        std::mem::take(self.set.get_mut())
    }
}
