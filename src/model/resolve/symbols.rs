//! The plan's one namespace: every declared name and what it stands for.

use compact_str::CompactString;
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// Names and their symbols, held in hash tables themselves: lowering looks up about
/// three names per declaration, and on a large plan each look-up misses the cache (a
/// table of positions in a separate list cost a third miss per look-up). The names
/// are spread over shards by their hash, so that the shards fill on every core.
pub(super) struct Symbols<T> {
    shards: Box<[Shard<T>]>,
}

type Shard<T> = HashTable<(CompactString, T)>;

/// Enough shards to keep every core busy, few enough that each is worth a thread.
const SHARDS: usize = 16;

impl<T> Default for Symbols<T> {
    fn default() -> Self {
        Symbols {
            shards: (0..SHARDS).map(|_| HashTable::new()).collect(),
        }
    }
}

fn hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

/// A name's shard: from the middle of its hash, as the tables use the top bits as
/// tags and the low bits as positions.
fn shard(hash: u64) -> usize {
    (hash >> 32) as usize % SHARDS
}

/// A name declared again: its place among the names declared, and what it first
/// stood for.
pub(super) type Repeat<T> = (usize, T);

impl<T: Copy + Send + Sync> Symbols<T> {
    /// The table of every name `declared`, in declaration order, and the names declared
    /// again, in that order: each stands for what it was first declared as.
    pub(super) fn declare(declared: &[(&str, T)]) -> (Self, Vec<Repeat<T>>) {
        let hashes: Vec<u64> = declared.par_iter().map(|(name, _)| hash(name)).collect();
        let mut places: Vec<Vec<u32>> = vec![Vec::new(); SHARDS];
        for (place, &hash) in hashes.iter().enumerate() {
            places[shard(hash)].push(place as u32);
        }
        let filled: Vec<(Shard<T>, Vec<Repeat<T>>)> = places
            .into_par_iter()
            .map(|places| {
                let mut table = HashTable::with_capacity(places.len());
                let mut repeats = Vec::new();
                for place in places {
                    let (name, value) = declared[place as usize];
                    let entry = table.entry(
                        hashes[place as usize],
                        |(entry, _): &(CompactString, T)| entry == name,
                        |(entry, _)| hash(entry),
                    );
                    match entry {
                        Entry::Occupied(first) => repeats.push((place as usize, first.get().1)),
                        Entry::Vacant(slot) => {
                            slot.insert((name.into(), value));
                        }
                    }
                }
                (table, repeats)
            })
            .collect();
        let mut all_repeats = Vec::new();
        let shards = filled
            .into_iter()
            .map(|(table, repeats)| {
                all_repeats.extend(repeats);
                table
            })
            .collect();
        all_repeats.sort_unstable_by_key(|&(place, _)| place);
        (Symbols { shards }, all_repeats)
    }
}

impl<T> Symbols<T> {
    pub(super) fn get(&self, name: &str) -> Option<&T> {
        let hash = hash(name);
        self.shards[shard(hash)]
            .find(hash, |(entry, _)| entry == name)
            .map(|(_, value)| value)
    }

    /// Every name, in no set order (sort what is shown).
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.shards
            .iter()
            .flat_map(HashTable::iter)
            .map(|(name, value)| (name.as_str(), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_once_and_repeats_listed_in_order() {
        let names: Vec<String> = (0..1000).map(|i| format!("svc-{i}")).collect();
        let mut declared: Vec<(&str, usize)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        declared.extend([("svc-9", 1000), ("svc-7", 1001), ("svc-9", 1002)]);
        let (symbols, repeats) = Symbols::declare(&declared);
        assert_eq!(repeats, [(1000, 9), (1001, 7), (1002, 9)]);
        assert_eq!(symbols.get("svc-0"), Some(&0));
        assert_eq!(symbols.get("svc-999"), Some(&999));
        assert_eq!(symbols.get("svc-1000"), None);
        let mut listed: Vec<(&str, usize)> = symbols.iter().map(|(n, &i)| (n, i)).collect();
        listed.sort_unstable_by_key(|&(_, i)| i);
        assert_eq!(listed, declared[..1000]);
    }
}
