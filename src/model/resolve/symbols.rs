//! The plan's one namespace: every declared name and what it stands for.

use compact_str::CompactString;
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// Names and their symbols in one list, in declaration order, and a table of positions
/// in that list keyed by the name's hash. A map holding the names in its own table
/// keeps an eighth to a half of its slots empty at their full size (44 bytes each);
/// here an empty slot costs 5, which on 345,000 names saves 6 MB of the peak.
pub(super) struct Symbols<T> {
    entries: Vec<(CompactString, T)>,
    table: HashTable<u32>,
}

impl<T> Default for Symbols<T> {
    fn default() -> Self {
        Symbols {
            entries: Vec::new(),
            table: HashTable::new(),
        }
    }
}

fn hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl<T> Symbols<T> {
    pub(super) fn reserve(&mut self, additional: usize) {
        self.entries.reserve_exact(additional);
        let entries = &self.entries;
        self.table
            .reserve(additional, |&i| hash(&entries[i as usize].0));
    }

    pub(super) fn get(&self, name: &str) -> Option<&T> {
        self.table
            .find(hash(name), |&i| self.entries[i as usize].0 == name)
            .map(|&i| &self.entries[i as usize].1)
    }

    /// Add a name, unless it is in the table already: then `Err` with what it stands
    /// for. One look-up either way.
    pub(super) fn insert(&mut self, name: &str, value: T) -> Result<(), &T> {
        let index = self.entries.len() as u32;
        let entries = &self.entries;
        match self.table.entry(
            hash(name),
            |&i| entries[i as usize].0 == name,
            |&i| hash(&entries[i as usize].0),
        ) {
            hashbrown::hash_table::Entry::Occupied(first) => {
                Err(&self.entries[*first.get() as usize].1)
            }
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(index);
                self.entries.push((name.into(), value));
                Ok(())
            }
        }
    }

    /// Every name, in declaration order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries
            .iter()
            .map(|(name, value)| (name.as_str(), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_and_listed_in_declaration_order() {
        let mut symbols = Symbols::default();
        symbols.reserve(2);
        for (i, name) in (0..1000).map(|i| format!("svc-{i}")).enumerate() {
            assert_eq!(symbols.get(&name), None);
            assert_eq!(symbols.insert(&name, i), Ok(()));
        }
        assert_eq!(symbols.insert("svc-7", 0), Err(&7), "declared before");
        assert_eq!(symbols.get("svc-0"), Some(&0));
        assert_eq!(symbols.get("svc-999"), Some(&999));
        assert_eq!(symbols.get("svc-1000"), None);
        let names: Vec<&str> = symbols.iter().map(|(n, _)| n).take(3).collect();
        assert_eq!(names, ["svc-0", "svc-1", "svc-2"]);
    }
}
