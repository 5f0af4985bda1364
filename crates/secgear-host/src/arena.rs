//! The host's allocator for the shared-buffer arena: first fit over free
//! ranges, kept coalesced. It hands out offsets only; the enclave checks
//! every pointer and length it is given against the arena itself.

use std::collections::BTreeMap;

/// Allocation granularity: a cache line, so buffers never share one.
const GRAIN: u64 = 64;

/// Free ranges of the arena, offset → length, kept coalesced.
#[derive(Debug)]
pub(crate) struct FreeList {
    free: BTreeMap<u64, u64>,
}

impl FreeList {
    pub(crate) fn new(len: u64) -> Self {
        let usable = len / GRAIN * GRAIN;
        let free = if usable == 0 {
            BTreeMap::new()
        } else {
            BTreeMap::from([(0, usable)])
        };
        Self { free }
    }

    /// Reserves `len` bytes (rounded up to the grain); the offset and the
    /// reserved length.
    pub(crate) fn alloc(&mut self, len: u64) -> Option<(u64, u64)> {
        let want = len.max(1).checked_next_multiple_of(GRAIN)?;
        let (&offset, &size) = self.free.iter().find(|(_, size)| **size >= want)?;
        self.free.remove(&offset);
        if size > want {
            self.free.insert(offset + want, size - want);
        }
        Some((offset, want))
    }

    pub(crate) fn release(&mut self, offset: u64, len: u64) {
        let (mut start, mut size) = (offset, len);
        if let Some((&prev, &prev_len)) = self.free.range(..offset).next_back()
            && prev + prev_len == offset
        {
            self.free.remove(&prev);
            start = prev;
            size += prev_len;
        }
        if let Some(next_len) = self.free.remove(&(offset + len)) {
            size += next_len;
        }
        self.free.insert(start, size);
    }

    #[cfg(test)]
    fn ranges(&self) -> Vec<(u64, u64)> {
        self.free.iter().map(|(o, l)| (*o, *l)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Live allocations never overlap, stay inside the arena, and
        /// freeing everything gives back one range of the whole arena.
        #[test]
        fn allocations_are_disjoint_and_coalesce(
            ops in proptest::collection::vec((1u64..5000, any::<bool>()), 1..200)
        ) {
            let arena = 64 * 1024;
            let mut list = FreeList::new(arena);
            let mut live: Vec<(u64, u64)> = Vec::new();
            for (len, free_one) in ops {
                if free_one && !live.is_empty() {
                    let (o, l) = live.swap_remove(len as usize % live.len());
                    list.release(o, l);
                } else if let Some((o, l)) = list.alloc(len) {
                    prop_assert!(l >= len && o + l <= arena);
                    for (lo, ll) in &live {
                        prop_assert!(o + l <= *lo || lo + ll <= o, "overlap");
                    }
                    live.push((o, l));
                }
            }
            for (o, l) in live.drain(..) {
                list.release(o, l);
            }
            prop_assert_eq!(list.ranges(), vec![(0, arena)]);
        }
    }

    #[test]
    fn an_arena_too_small_refuses() {
        let mut list = FreeList::new(128);
        assert_eq!(list.alloc(100), Some((0, 128)));
        assert_eq!(list.alloc(1), None);
        assert_eq!(FreeList::new(0).alloc(1), None);
    }
}
