//! Regions of switchless ECALLs that stay in the shared arena.
//!
//! A C host's switchless ECALL may pass a buffer from
//! `cc_malloc_shared_memory` for an `[in]`/`[out]` parameter of plain
//! elements (see `secgear_edl`'s `shareable`): then the request carries
//! the buffer's arena address instead of its bytes, and the reply does not
//! carry them back. Each such region starts with a tag, [`INLINE`] (the
//! usual encoding follows) or [`IN_ARENA`] (the address follows, then the
//! element count when the region is not of fixed size).
//!
//! A C enclave uses the memory in place. Rust code never holds a reference
//! into memory the host may change under it, so a Rust enclave reads the
//! region into its own copy before the call and writes it back after,
//! through the [`Arena`] its runtime installed.

use crate::wire::{Reader, Wire, Writer};
use crate::{Error, ErrorCode};
use std::sync::OnceLock;

/// The region's bytes follow, as without the tag.
pub const INLINE: u8 = 0;
/// The region stays at an arena address (a u64 follows).
pub const IN_ARENA: u8 = 1;

/// Access to the arena from inside the enclave: ranges are checked by the
/// implementation (a range outside the arena is an error).
pub trait Arena: Send + Sync {
    fn read(&self, address: u64, out: &mut [u8]) -> Result<(), Error>;
    fn write(&self, address: u64, bytes: &[u8]) -> Result<(), Error>;
}

static ARENA: OnceLock<Box<dyn Arena>> = OnceLock::new();

/// Called once by the enclave runtime; later calls are ignored (`false`).
pub fn install(arena: Box<dyn Arena>) -> bool {
    ARENA.set(arena).is_ok()
}

fn arena() -> Result<&'static dyn Arena, Error> {
    ARENA.get().map(|a| a.as_ref()).ok_or_else(|| {
        Error::new(
            ErrorCode::NotSupported,
            "a region in shared memory reached a side without the shared arena",
        )
    })
}

/// Reads a region's tag: `None` inline, else its arena address.
pub fn get_tag(r: &mut Reader<'_>) -> Result<Option<u64>, Error> {
    match r.get::<u8>()? {
        INLINE => Ok(None),
        IN_ARENA => Ok(Some(r.get::<u64>()?)),
        _ => Err(Error::malformed("unknown region tag")),
    }
}

/// The bytes `count` plain elements occupy (their wire size is their size).
fn region_len<T: Wire>(count: usize) -> Result<usize, Error> {
    count
        .checked_mul(T::MIN_WIRE_LEN)
        .ok_or_else(|| Error::bad_parameters("a shared region's size overflows"))
}

/// A copy of the `count` elements at `address`.
pub fn read_vec<T: Wire>(address: u64, count: usize) -> Result<Vec<T>, Error> {
    let mut bytes = vec![0u8; region_len::<T>(count)?];
    arena()?.read(address, &mut bytes)?;
    let mut r = Reader::new(&bytes);
    let out = T::decode_vec(&mut r, count)?;
    r.finish()?;
    Ok(out)
}

/// A copy of the value at `address`.
pub fn read_one<T: Wire>(address: u64) -> Result<T, Error> {
    read_vec(address, 1)?
        .pop()
        .ok_or_else(|| Error::malformed("a shared region held no value"))
}

/// Writes `items` back to `address`.
pub fn write_slice<T: Wire>(address: u64, items: &[T]) -> Result<(), Error> {
    let mut w = Writer::bare();
    T::encode_slice(items, &mut w);
    arena()?.write(address, w.as_bytes())
}

/// Writes `value` back to `address`.
pub fn write_one<T: Wire>(address: u64, value: &T) -> Result<(), Error> {
    write_slice(address, std::slice::from_ref(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_strictly_and_an_arena_region_needs_an_arena() {
        let mut inline = Reader::new(&[INLINE]);
        assert_eq!(get_tag(&mut inline).ok(), Some(None));
        let mut bytes = vec![IN_ARENA];
        bytes.extend_from_slice(&0x1000u64.to_le_bytes());
        assert_eq!(get_tag(&mut Reader::new(&bytes)).ok(), Some(Some(0x1000)));
        assert!(get_tag(&mut Reader::new(&[2])).is_err());
        assert!(get_tag(&mut Reader::new(&[IN_ARENA, 1, 2])).is_err());
        // No runtime installed one in this process (a host).
        let err = read_vec::<u8>(0x1000, 4).expect_err("no arena");
        assert_eq!(err.kind(), ErrorCode::NotSupported);
        assert!(write_one(0x1000, &7u32).is_err());
        assert!(region_len::<u64>(usize::MAX).is_err());
    }
}
