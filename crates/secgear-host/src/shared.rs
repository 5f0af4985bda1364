//! Zero-copy buffers: ranges of an arena the host and the enclave both map,
//! handed out by a first-fit allocator on the host. The enclave checks every
//! pointer and length it is given against the arena, so a buffer address is
//! only ever a claim it verifies.

use crate::enclave::Enclave;
use secgear_abi::{Error, ErrorCode, UserPtr};
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

/// Memory shared with the enclave, from [`Enclave::alloc_shared`]: pass
/// [`SharedBuf::ptr`] as a `[user_check]` pointer argument of a switchless
/// call and the enclave reads and writes it in place, with no marshalling
/// copy. Freed when dropped.
///
/// The enclave may write it at any time while it holds the pointer, so
/// reads here are copies, never references. Keep a buffer alive until every
/// call given its pointer has finished (an asynchronous call included):
/// freed memory is handed to the next allocation.
pub struct SharedBuf<'e> {
    enclave: &'e Enclave,
    offset: u64,
    len: usize,
    reserved: u64,
}

impl std::fmt::Debug for SharedBuf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedBuf")
            .field("offset", &self.offset)
            .field("len", &self.len)
            .finish()
    }
}

impl<'e> SharedBuf<'e> {
    pub(crate) fn new(enclave: &'e Enclave, offset: u64, len: usize, reserved: u64) -> Self {
        Self {
            enclave,
            offset,
            len,
            reserved,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address the enclave resolves to this buffer.
    pub fn ptr(&self) -> UserPtr {
        self.enclave.backend().arena_pointer(self.offset)
    }

    fn range(&self, at: usize, len: usize) -> Result<u64, Error> {
        match at.checked_add(len) {
            Some(end) if end <= self.len => Ok(self.offset + at as u64),
            _ => Err(Error::new(
                ErrorCode::AddressUnaccessable,
                format!(
                    "{len} bytes at {at} exceed the {}-byte shared buffer",
                    self.len
                ),
            )),
        }
    }

    /// Copies `src` into the buffer at byte `at`.
    pub fn write(&self, at: usize, src: &[u8]) -> Result<(), Error> {
        let offset = self.range(at, src.len())?;
        self.enclave.backend().arena_write(offset, src)
    }

    /// Copies bytes out of the buffer at `at`.
    pub fn read(&self, at: usize, dst: &mut [u8]) -> Result<(), Error> {
        let offset = self.range(at, dst.len())?;
        self.enclave.backend().arena_read(offset, dst)
    }

    /// The whole buffer, copied out.
    pub fn to_vec(&self) -> Result<Vec<u8>, Error> {
        let mut out = vec![0; self.len];
        self.read(0, &mut out)?;
        Ok(out)
    }
}

impl Drop for SharedBuf<'_> {
    fn drop(&mut self) {
        self.enclave.release_shared(self.offset, self.reserved);
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
