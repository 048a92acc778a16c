//! The map behind dicts: insertion-ordered entries in one vector, found by a
//! linear scan while the map is small and through a hash index once it grows.
//!
//! Most dicts a script builds are rows: a handful of string keys. For them
//! the entries vector is the whole map (one allocation beside the dict
//! itself, no index to build or walk); a scan that compares stored hashes
//! first costs less than probing a table. Past [`SMALL`] entries an index of
//! positions by hash is built and kept up to date.

use super::hashkey::{key_eq, HashKey};
use super::Value;
use hashbrown::HashTable;

/// Entries up to which lookups scan instead of keeping an index.
const SMALL: usize = 8;

/// An insertion-ordered map from hashed keys to values.
#[derive(Default)]
pub struct DictMap {
    entries: Vec<(HashKey, Value)>,
    /// Positions in `entries` by key hash, once there are more than [`SMALL`].
    index: Option<Box<HashTable<usize>>>,
}

impl DictMap {
    /// A map with room for `n` entries.
    pub fn with_capacity(n: usize) -> DictMap {
        DictMap {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of the key with hash `hash` equal to `key`.
    #[inline]
    fn find(&self, hash: u64, key: &Value) -> Option<usize> {
        match &self.index {
            None => self
                .entries
                .iter()
                .position(|(k, _)| k.hash() == hash && key_eq(&k.value, key)),
            Some(index) => index
                .find(hash, |&i| {
                    self.entries
                        .get(i)
                        .is_some_and(|(k, _)| k.hash() == hash && key_eq(&k.value, key))
                })
                .copied(),
        }
    }

    /// The value of a key whose hash is already known.
    #[inline]
    pub fn get_hashed(&self, hash: u64, key: &Value) -> Option<&Value> {
        self.find(hash, key)
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The value of the string key with these bytes and hash.
    pub fn find_str(&self, hash: u64, key: &[u8]) -> Option<&Value> {
        let is_key = |k: &HashKey| {
            k.hash() == hash && matches!(&k.value, Value::Str(s) if s.as_bytes() == key)
        };
        let i = match &self.index {
            None => self.entries.iter().position(|(k, _)| is_key(k)),
            Some(index) => index
                .find(hash, |&i| {
                    self.entries.get(i).is_some_and(|(k, _)| is_key(k))
                })
                .copied(),
        };
        i.and_then(|i| self.entries.get(i)).map(|(_, v)| v)
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: &HashKey) -> Option<&Value> {
        self.get_hashed(key.hash(), &key.value)
    }

    /// The entry at position `i`.
    #[inline]
    pub fn get_index(&self, i: usize) -> Option<(&HashKey, &Value)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// Inserts or replaces; returns the replaced value. A new key goes last.
    pub fn insert(&mut self, key: HashKey, value: Value) -> Option<Value> {
        if let Some(i) = self.find(key.hash(), &key.value) {
            return self
                .entries
                .get_mut(i)
                .map(|(_, v)| std::mem::replace(v, value));
        }
        let at = self.entries.len();
        let hash = key.hash();
        self.entries.push((key, value));
        if let Some(index) = &mut self.index {
            let entries = &self.entries;
            index.insert_unique(hash, at, |&i| slot_hash(entries, i));
        } else if self.entries.len() > SMALL {
            self.build_index();
        }
        None
    }

    /// Removes `key`, keeping the order of the others; returns its value.
    pub fn shift_remove(&mut self, key: &HashKey) -> Option<Value> {
        let i = self.find(key.hash(), &key.value)?;
        self.shift_remove_index(i).map(|(_, v)| v)
    }

    /// Removes the entry at position `i`, keeping the order of the others.
    pub fn shift_remove_index(&mut self, i: usize) -> Option<(HashKey, Value)> {
        if i >= self.entries.len() {
            return None;
        }
        let removed = self.entries.remove(i);
        if self.entries.len() <= SMALL {
            self.index = None;
        } else if let Some(index) = &mut self.index {
            // Drop the removed position and renumber the ones after it.
            index.retain(|p| {
                if *p == i {
                    return false;
                }
                if *p > i {
                    *p -= 1;
                }
                true
            });
        }
        Some(removed)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    /// The entries in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&HashKey, &Value)> + '_ {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &HashKey> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in order.
    pub fn values(&self) -> impl Iterator<Item = &Value> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Indexes every entry by its hash.
    fn build_index(&mut self) {
        let mut index = HashTable::with_capacity(self.entries.len() * 2);
        let entries = &self.entries;
        for (i, (k, _)) in entries.iter().enumerate() {
            index.insert_unique(k.hash(), i, |&p| slot_hash(entries, p));
        }
        self.index = Some(Box::new(index));
    }
}

/// The hash of the key at position `i` (for rehashing the index).
#[inline]
fn slot_hash(entries: &[(HashKey, Value)], i: usize) -> u64 {
    entries.get(i).map_or(0, |(k, _)| k.hash())
}

impl IntoIterator for DictMap {
    type Item = (HashKey, Value);
    type IntoIter = std::vec::IntoIter<(HashKey, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: i64) -> HashKey {
        match HashKey::new(Value::Int(i)) {
            Ok(k) => k,
            Err(e) => panic!("int key: {e}"),
        }
    }

    fn keys_of(m: &DictMap) -> Vec<i64> {
        m.keys().filter_map(|k| k.value.as_i64()).collect()
    }

    /// Lookups, replacement, removal and order hold on both sides of the
    /// switch from scanning to an index, and back.
    #[test]
    fn small_and_indexed_maps_agree() {
        for n in [3, SMALL, SMALL + 1, 40] {
            let mut m = DictMap::with_capacity(2);
            for i in 0..n as i64 {
                assert!(m.insert(key(i * 7), Value::Int(i)).is_none());
            }
            assert_eq!(m.index.is_some(), n > SMALL, "index for {n} entries");
            // Replacing keeps the position.
            assert!(m.insert(key(0), Value::Int(-1)).is_some());
            assert_eq!(keys_of(&m)[0], 0);
            // Remove every other key; the rest keep their order and are found.
            for i in (0..n as i64).step_by(2) {
                assert!(m.shift_remove(&key(i * 7)).is_some(), "remove {i} of {n}");
            }
            let want: Vec<i64> = (0..n as i64)
                .filter(|i| i % 2 == 1)
                .map(|i| i * 7)
                .collect();
            assert_eq!(keys_of(&m), want);
            for i in 0..n as i64 {
                let found = m.get(&key(i * 7)).and_then(|v| v.as_i64());
                assert_eq!(found, (i % 2 == 1).then_some(i), "get {i} of {n}");
            }
            assert_eq!(m.index.is_some(), m.len() > SMALL);
            // Inserting after removals still finds everything.
            assert!(m.insert(key(1000), Value::Int(1000)).is_none());
            assert_eq!(m.get(&key(1000)).and_then(|v| v.as_i64()), Some(1000));
            assert_eq!(
                m.get_hashed(key(7).hash(), &Value::Int(7))
                    .and_then(|v| v.as_i64()),
                Some(1)
            );
        }
    }

    #[test]
    fn string_keys_found_by_bytes() {
        let mut m = DictMap::default();
        for i in 0..20 {
            let k = HashKey::new(Value::str(&format!("k{i}"))).unwrap_or_else(|e| panic!("{e}"));
            m.insert(k, Value::Int(i));
        }
        let h = crate::values::str::bytes_hash(b"k13");
        assert_eq!(m.find_str(h, b"k13").and_then(|v| v.as_i64()), Some(13));
        assert!(m
            .find_str(crate::values::str::bytes_hash(b"k99"), b"k99")
            .is_none());
    }
}
