//! Dicts: insertion-ordered hash maps with a frozen flag and an iteration guard.

use super::hashkey::{hash_value, HashKey};
use super::{MutGuard, Value};
use crate::error::Result;
use std::cell::{Ref, RefCell};

pub use super::dict_map::DictMap;

/// The payload of a dict value.
#[derive(Default)]
pub struct Dict {
    map: RefCell<DictMap>,
    /// Frozen flag and active-iteration count.
    pub(crate) guard: MutGuard,
}

impl Dict {
    /// A dict with room for `n` entries.
    pub fn with_capacity(n: usize) -> Dict {
        Dict {
            map: RefCell::new(DictMap::with_capacity(n)),
            guard: MutGuard::default(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries, for reading.
    pub fn entries(&self) -> Ref<'_, DictMap> {
        self.map.borrow()
    }

    /// Looks up a key (an error if it is unhashable).
    pub fn get(&self, key: &Value) -> Result<Option<Value>> {
        let hash = hash_value(key)?;
        Ok(self.map.borrow().get_hashed(hash, key).cloned())
    }

    /// Looks up a string key.
    pub fn get_str(&self, key: &str) -> Option<Value> {
        let map = self.map.borrow();
        let found = map
            .find_str(super::str::bytes_hash(key.as_bytes()), key.as_bytes())
            .cloned();
        found
    }

    /// Inserts or replaces (checking mutability).
    pub fn insert(&self, key: Value, value: Value) -> Result<()> {
        let k = HashKey::new(key)?;
        self.guard.check("insert into", "hash table")?;
        self.map.borrow_mut().insert(k, value);
        Ok(())
    }

    /// Inserts a pre-hashed key (checking mutability); returns the old value.
    pub fn insert_key(&self, key: HashKey, value: Value) -> Result<Option<Value>> {
        self.guard.check("insert into", "hash table")?;
        Ok(self.map.borrow_mut().insert(key, value))
    }

    /// Removes a key, keeping the order of the others (checking mutability).
    pub fn remove(&self, key: &Value) -> Result<Option<Value>> {
        let k = HashKey::new(key.clone())?;
        self.guard.check("delete from", "hash table")?;
        Ok(self.map.borrow_mut().shift_remove(&k))
    }

    /// Removes every entry (checking mutability).
    pub fn clear(&self) -> Result<()> {
        self.guard.check("clear", "hash table")?;
        self.map.borrow_mut().clear();
        Ok(())
    }

    /// Removes and returns the first entry (checking mutability).
    pub fn pop_first(&self) -> Result<Option<(Value, Value)>> {
        self.guard.check("delete from", "hash table")?;
        Ok(self
            .map
            .borrow_mut()
            .shift_remove_index(0)
            .map(|(k, v)| (k.value, v)))
    }

    /// The keys, in order.
    pub fn keys(&self) -> Vec<Value> {
        self.map.borrow().keys().map(|k| k.value.clone()).collect()
    }

    /// The entries as (key, value) pairs, in order: a snapshot, so the dict
    /// may change while they are used.
    pub fn items(&self) -> Vec<(Value, Value)> {
        self.map
            .borrow()
            .iter()
            .map(|(k, v)| (k.value.clone(), v.clone()))
            .collect()
    }

    /// The entry at position `i`, if any.
    pub fn get_index(&self, i: usize) -> Option<(Value, Value)> {
        self.map
            .borrow()
            .get_index(i)
            .map(|(k, v)| (k.value.clone(), v.clone()))
    }
}

impl Dict {
    /// Takes every entry out (for freeing without recursion).
    pub(crate) fn take_map(&mut self) -> DictMap {
        std::mem::take(self.map.get_mut())
    }
}
