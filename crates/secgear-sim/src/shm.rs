//! A shared-memory region backed by a memfd, mapped in both processes.
//!
//! Every access goes through atomics: the peer process may write any byte
//! at any time, and atomics are the only way to read such memory without a
//! data race. Bulk copies move 8-byte words with relaxed ordering (plain
//! loads and stores on every supported CPU); the state words that publish a
//! message use acquire/release.

use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{
    MemfdFlags, SealFlags, fcntl_add_seals, fcntl_get_seals, fstat, ftruncate, memfd_create,
};
use rustix::mm::{MapFlags, ProtFlags, mmap, munmap};
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};

pub struct SharedRegion {
    base: NonNull<u8>,
    len: usize,
    fd: OwnedFd,
}

// SAFETY: the mapping is only reached through atomics (see the module docs),
// so sharing the handle between threads cannot race in Rust's memory model.
unsafe impl Send for SharedRegion {}
// SAFETY: as above.
unsafe impl Sync for SharedRegion {}

impl SharedRegion {
    /// Creates a zero-filled region of `len` bytes whose size is sealed:
    /// neither side can shrink it under the other's mapping (which would
    /// turn the other's next access into SIGBUS).
    pub fn create(name: &str, len: usize) -> io::Result<Self> {
        let fd = memfd_create(name, MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)?;
        ftruncate(&fd, len as u64)?;
        fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)?;
        Self::map_fd(fd, len)
    }

    /// Maps a region the peer created, refusing one whose size is not
    /// sealed (the peer could shrink it under us).
    pub fn attach(fd: OwnedFd) -> io::Result<Self> {
        let seals = fcntl_get_seals(&fd)?;
        if !seals.contains(SealFlags::SHRINK | SealFlags::GROW) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "shared region size is not sealed",
            ));
        }
        Self::attach_trusted(fd)
    }

    /// Maps a file a cooperating process shares, without requiring seals.
    pub fn attach_trusted(fd: OwnedFd) -> io::Result<Self> {
        let len = usize::try_from(fstat(&fd)?.st_size)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "negative memfd size"))?;
        Self::map_fd(fd, len)
    }

    fn map_fd(fd: OwnedFd, len: usize) -> io::Result<Self> {
        if len == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "empty shared region",
            ));
        }
        // SAFETY: a fresh shared mapping of a memfd we own; nothing else in
        // this process aliases it, and it stays mapped until `drop`.
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                &fd,
                0,
            )?
        };
        let base =
            NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(Self { base, len, fd })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where the region is mapped in this process. Using the pointer is
    /// the caller's business (and `unsafe`): the peer writes it concurrently.
    pub fn as_ptr(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    fn check(&self, offset: usize, size: usize, align: usize) {
        // Offsets come from this crate's layout, never from the peer: a bad
        // one is a bug here, so it stops the process rather than corrupt memory.
        assert!(
            offset.is_multiple_of(align)
                && offset.checked_add(size).is_some_and(|end| end <= self.len),
            "layout bug"
        );
    }

    pub fn u32_at(&self, offset: usize) -> &AtomicU32 {
        self.check(offset, 4, 4);
        // SAFETY: in bounds and aligned (checked), mapped for the life of
        // `self`, and `AtomicU32` has the layout of `u32`.
        unsafe { &*self.base.as_ptr().add(offset).cast::<AtomicU32>() }
    }

    pub fn u64_at(&self, offset: usize) -> &AtomicU64 {
        self.check(offset, 8, 8);
        // SAFETY: as in `u32_at`.
        unsafe { &*self.base.as_ptr().add(offset).cast::<AtomicU64>() }
    }

    fn u8_at(&self, offset: usize) -> &AtomicU8 {
        self.check(offset, 1, 1);
        // SAFETY: as in `u32_at`.
        unsafe { &*self.base.as_ptr().add(offset).cast::<AtomicU8>() }
    }

    /// Bytes before the first 8-aligned offset at or after `offset`, at most `len`.
    fn unaligned_head(offset: usize, len: usize) -> usize {
        (offset.next_multiple_of(8) - offset).min(len)
    }

    /// Copies `src` into the region at `offset`.
    pub fn write(&self, offset: usize, src: &[u8]) {
        self.check(offset, src.len(), 1);
        let (head, src) = src.split_at(Self::unaligned_head(offset, src.len()));
        for (i, b) in head.iter().enumerate() {
            self.u8_at(offset + i).store(*b, Ordering::Relaxed);
        }
        let mut chunks = src.chunks_exact(8);
        let mut at = offset + head.len();
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.u64_at(at)
                .store(u64::from_ne_bytes(word), Ordering::Relaxed);
            at += 8;
        }
        for b in chunks.remainder() {
            self.u8_at(at).store(*b, Ordering::Relaxed);
            at += 1;
        }
    }

    /// Copies `dst.len()` bytes out of the region at `offset`.
    pub fn read(&self, offset: usize, dst: &mut [u8]) {
        self.check(offset, dst.len(), 1);
        let head_len = Self::unaligned_head(offset, dst.len());
        let (head, dst) = dst.split_at_mut(head_len);
        for (i, b) in head.iter_mut().enumerate() {
            *b = self.u8_at(offset + i).load(Ordering::Relaxed);
        }
        let mut at = offset + head_len;
        let mut chunks = dst.chunks_exact_mut(8);
        for chunk in &mut chunks {
            chunk.copy_from_slice(&self.u64_at(at).load(Ordering::Relaxed).to_ne_bytes());
            at += 8;
        }
        for b in chunks.into_remainder() {
            *b = self.u8_at(at).load(Ordering::Relaxed);
            at += 1;
        }
    }

    /// Replaces `out`'s contents with the `len` bytes of the region at
    /// `offset`, reusing its allocation. (Filled from empty: a zeroed one
    /// would be glibc's `calloc`, which bypasses its per-thread cache and
    /// costs a small message several times its copy.)
    pub fn read_into(&self, offset: usize, len: usize, out: &mut Vec<u8>) {
        self.check(offset, len, 1);
        out.clear();
        out.reserve(len);
        let head_len = Self::unaligned_head(offset, len);
        out.extend((0..head_len).map(|i| self.u8_at(offset + i).load(Ordering::Relaxed)));
        let mut at = offset + head_len;
        let end = offset + len;
        while at + 8 <= end {
            out.extend_from_slice(&self.u64_at(at).load(Ordering::Relaxed).to_ne_bytes());
            at += 8;
        }
        out.extend((at..end).map(|i| self.u8_at(i).load(Ordering::Relaxed)));
    }
}

impl Drop for SharedRegion {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` are the mapping made in `map_fd`; references
        // into it borrow `self`, so none outlive this call.
        let _ = unsafe { munmap(self.base.as_ptr().cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_at_every_length() {
        let r = SharedRegion::create("t", 4096).expect("region");
        for offset in 60..70 {
            for len in 0..100 {
                let src: Vec<u8> = (0..len as u8).collect();
                r.write(offset, &src);
                let mut dst = vec![0u8; len];
                r.read(offset, &mut dst);
                assert_eq!(dst, src, "offset {offset} len {len}");
                let mut reused = vec![9; 200 - len];
                r.read_into(offset, len, &mut reused);
                assert_eq!(reused, src, "offset {offset} len {len}");
            }
        }
    }

    #[test]
    fn a_second_mapping_sees_the_same_memory() {
        let a = SharedRegion::create("t", 8192).expect("region");
        let fd = a.fd().try_clone_to_owned().expect("dup");
        let b = SharedRegion::attach(fd).expect("attach");
        assert!(
            rustix::fs::ftruncate(a.fd(), 0).is_err(),
            "the size is sealed"
        );
        assert_eq!(b.len(), 8192);
        a.write(4096, b"shared!");
        let mut out = [0u8; 7];
        b.read(4096, &mut out);
        assert_eq!(&out, b"shared!");
        b.u32_at(0).store(7, Ordering::Release);
        assert_eq!(a.u32_at(0).load(Ordering::Acquire), 7);
    }
}
