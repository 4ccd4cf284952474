//! The plan's one namespace: every declared name and what it stands for.

use compact_str::CompactString;
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// Names and their symbols, held in the hash table itself. Lowering looks up about
/// three names per declaration, and on a large plan each look-up misses the cache: a
/// table of positions in a separate list cost a third miss per look-up, for 6 MB less
/// at the peak (on 345,000 names).
pub(super) struct Symbols<T> {
    table: HashTable<(CompactString, T)>,
}

impl<T> Default for Symbols<T> {
    fn default() -> Self {
        Symbols {
            table: HashTable::new(),
        }
    }
}

fn hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl<T> Symbols<T> {
    pub(super) fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional, |(name, _)| hash(name));
    }

    pub(super) fn get(&self, name: &str) -> Option<&T> {
        self.table
            .find(hash(name), |(entry, _)| entry == name)
            .map(|(_, value)| value)
    }

    /// Add a name, unless it is in the table already: then `Err` with what it stands
    /// for. One look-up either way.
    pub(super) fn insert(&mut self, name: &str, value: T) -> Result<(), &T> {
        match self
            .table
            .entry(hash(name), |(entry, _)| entry == name, |(n, _)| hash(n))
        {
            Entry::Occupied(first) => Err(&first.into_mut().1),
            Entry::Vacant(slot) => {
                slot.insert((name.into(), value));
                Ok(())
            }
        }
    }

    /// Every name, in no set order (sort what is shown).
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.table
            .iter()
            .map(|(name, value)| (name.as_str(), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_once_and_all_listed() {
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
        let mut names: Vec<(&str, usize)> = symbols.iter().map(|(n, &i)| (n, i)).collect();
        names.sort_unstable_by_key(|&(_, i)| i);
        assert_eq!(names.len(), 1000);
        assert_eq!(names[..2], [("svc-0", 0), ("svc-1", 1)]);
    }
}
