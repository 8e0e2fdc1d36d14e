//! Stable sorting with one compiled copy of the sort for the whole library.
//!
//! `slice::sort_by` is compiled anew for every element type and comparator: the three dozen
//! sorts of lists the front ends show cost about 5 KB each in the mobile library. These
//! helpers sort a permutation of indices with a comparator behind `&dyn` (one copy of the
//! standard stable sort, for `usize`) and then move the elements into place; the order is the
//! one `slice::sort_by` gives (stable: equal elements keep their order). The lists they sort
//! are the ones a screen shows (hundreds to a few thousand items), where the indirect
//! comparison costs nothing measurable.
//!
//! [`map_from`] and [`set_from`] build ordered collections for the same reason:
//! `collect::<BTreeMap<_, _>>()` first sorts its input with a stable sort compiled per element
//! type (5–9 KB each); inserting one by one reuses the map's own code.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `v` by `compare`, stably (like `slice::sort_by`).
pub(crate) fn sort_by<T>(v: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = sorted_order(v.len(), &|a, b| compare(&v[a], &v[b]));
    permute(v, order);
}

/// Sorts `v` by the key `key` gives, stably (like `slice::sort_by_key`).
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` in ascending order, stably (like `slice::sort`).
pub(crate) fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Collects `(key, value)` pairs into a map like `collect::<BTreeMap<_, _>>()` (a later pair
/// with an equal key replaces the value; the first equal key object is the one kept),
/// inserting one by one instead of sorting first.
pub(crate) fn map_from<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// Collects items into a set like `collect::<BTreeSet<_>>()`, inserting one by one.
pub(crate) fn set_from<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// The indices `0..len` in the order `compare` puts the elements at those indices (stable).
fn sorted_order(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Rearranges `v` so that position `i` holds the element that was at `order[i]`.
fn permute<T>(v: &mut [T], order: Vec<usize>) {
    // `target[j]`: where the element now at position j must go. Each swap puts one element
    // in its final place, so this is at most `len` swaps.
    let mut target = vec![0usize; order.len()];
    for (to, &from) in order.iter().enumerate() {
        target[from] = to;
    }
    for i in 0..v.len() {
        while target[i] != i {
            let to = target[i];
            v.swap(i, to);
            target.swap(i, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_and_empty() {
        let mut empty: Vec<u8> = Vec::new();
        sort(&mut empty);
        assert!(empty.is_empty());
        let mut one = vec![3];
        sort(&mut one);
        assert_eq!(one, [3]);
        let mut v = vec![3, 1, 2];
        sort(&mut v);
        assert_eq!(v, [1, 2, 3]);
    }

    proptest! {
        /// The same map and set as `collect`, duplicate keys included (the last value wins).
        #[test]
        fn collections_match_collect(pairs in proptest::collection::vec((0u8..16, any::<u16>()), 0..100)) {
            let collected: BTreeMap<u8, u16> = pairs.iter().copied().collect();
            prop_assert_eq!(map_from(pairs.iter().copied()), collected);
            let keys: BTreeSet<u8> = pairs.iter().map(|p| p.0).collect();
            prop_assert_eq!(set_from(pairs.iter().map(|p| p.0)), keys);
        }

        /// Same order as the standard stable sort, equal keys included.
        #[test]
        fn matches_the_standard_stable_sort(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..300)) {
            let mut ours = items.clone();
            sort_by_key(&mut ours, |(k, _)| *k);
            let mut std_sorted = items.clone();
            std_sorted.sort_by_key(|(k, _)| *k);
            prop_assert_eq!(&ours, &std_sorted);

            let mut desc = items.clone();
            sort_by(&mut desc, |a, b| b.0.cmp(&a.0));
            let mut std_desc = items;
            std_desc.sort_by_key(|b| std::cmp::Reverse(b.0));
            prop_assert_eq!(desc, std_desc);
        }
    }
}
