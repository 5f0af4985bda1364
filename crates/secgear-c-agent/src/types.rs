//! The header's types (`rust_attestation_agent.h`, made by safer_ffi in
//! the original) and the only raw-pointer work of the library.
#![allow(non_camel_case_types)]

use crate::report::ReportError;

/// `Vec_uint8_t`: bytes with the capacity Rust allocated.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Vec_uint8_t {
    pub ptr: *mut u8,
    pub len: usize,
    pub cap: usize,
}

/// `Tuple2_bool_bool_t`: an optional bool, `_0` saying whether `_1` is set.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Tuple2_bool_bool_t {
    pub _0: bool,
    pub _1: bool,
}

impl Vec_uint8_t {
    /// Hands `bytes` to C with a NUL after them, inside the allocation,
    /// so `v.ptr[v.len] = '\0'` (the original's example) stays in bounds.
    pub fn from_vec(mut bytes: Vec<u8>) -> Self {
        let len = bytes.len();
        bytes.push(0);
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        Self {
            ptr: bytes.as_mut_ptr(),
            len,
            cap: bytes.capacity(),
        }
    }

    /// Releases a vector made by [`Vec_uint8_t::from_vec`].
    ///
    /// # Safety
    /// `self` is exactly as `from_vec` made it and not freed before (a NULL
    /// `ptr` is a no-op).
    pub unsafe fn free(self) {
        if self.ptr.is_null() || self.len > self.cap {
            return;
        }
        // SAFETY: from_vec's allocation with its own length and capacity.
        drop(unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) });
    }
}

/// The bytes `v` describes: `None` for a NULL `v`.
///
/// # Safety
/// `v` is NULL or points to a `Vec_uint8_t` whose `ptr` is NULL or readable
/// for `len` bytes while the result is used.
pub unsafe fn borrow<'a>(v: *const Vec_uint8_t) -> Result<Option<&'a [u8]>, ReportError> {
    if v.is_null() {
        return Ok(None);
    }
    if !v.is_aligned() {
        return Err(ReportError::BadPointer(
            "a Vec_uint8_t pointer is misaligned",
        ));
    }
    // SAFETY: non-null and aligned; readable per the contract.
    let v = unsafe { v.read() };
    if v.len > isize::MAX as usize {
        return Err(ReportError::BadPointer(
            "a Vec_uint8_t length is out of range",
        ));
    }
    if v.ptr.is_null() {
        return if v.len == 0 {
            Ok(Some(&[]))
        } else {
            Err(ReportError::BadPointer(
                "a Vec_uint8_t has a NULL ptr and a length",
            ))
        };
    }
    // SAFETY: non-null, `len` readable bytes per the contract, len ≤ isize::MAX.
    Ok(Some(unsafe { std::slice::from_raw_parts(v.ptr, v.len) }))
}

/// The optional bool `t` holds; `None` for a NULL `t` or an unset `_0`.
///
/// # Safety
/// `t` is NULL or points to a readable `Tuple2_bool_bool_t`.
pub unsafe fn read_option_bool(t: *const Tuple2_bool_bool_t) -> Result<Option<bool>, ReportError> {
    if t.is_null() {
        return Ok(None);
    }
    // Read as bytes: a C bool other than 0 or 1 must not become a Rust bool.
    // SAFETY: non-null, two readable bytes per the contract (alignment 1).
    let [set, value] = unsafe { t.cast::<[u8; 2]>().read() };
    match (set, value) {
        (0, _) => Ok(None),
        (1, 0) => Ok(Some(false)),
        (1, 1) => Ok(Some(true)),
        _ => Err(ReportError::BadPointer(
            "a Tuple2_bool_bool_t holds a value that is not a bool",
        )),
    }
}

/// (name, value) of every size and offset the header must agree with.
pub fn layout_facts() -> Vec<(&'static str, u64)> {
    use std::mem::{offset_of, size_of};
    vec![
        ("sizeof(Vec_uint8_t)", size_of::<Vec_uint8_t>() as u64),
        (
            "offsetof(Vec_uint8_t, ptr)",
            offset_of!(Vec_uint8_t, ptr) as u64,
        ),
        (
            "offsetof(Vec_uint8_t, len)",
            offset_of!(Vec_uint8_t, len) as u64,
        ),
        (
            "offsetof(Vec_uint8_t, cap)",
            offset_of!(Vec_uint8_t, cap) as u64,
        ),
        (
            "sizeof(Tuple2_bool_bool_t)",
            size_of::<Tuple2_bool_bool_t>() as u64,
        ),
        (
            "offsetof(Tuple2_bool_bool_t, _0)",
            offset_of!(Tuple2_bool_bool_t, _0) as u64,
        ),
        (
            "offsetof(Tuple2_bool_bool_t, _1)",
            offset_of!(Tuple2_bool_bool_t, _1) as u64,
        ),
    ]
}
