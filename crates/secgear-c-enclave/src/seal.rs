//! `secgear_dataseal.h` over this project's sealing: `data_body` of a
//! `cc_enclave_sealed_data_t` is the blob `secgear_enclave::seal` makes
//! (signer policy, as the original on SGX), so a C enclave and a Rust
//! enclave of the same signer read each other's sealed data. As in the
//! original, `data_body_len` counts the whole structure, header included,
//! and `reserved` stays zero.

use secgear_abi::{Error, ErrorCode};
use secgear_enclave::SealPolicy;

/// `sizeof(cc_enclave_sealed_data_t)`: `data_body_len` and `reserved[16]`.
const HEADER: usize = 20;

fn code(result: Result<(), Error>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!(target: "secgear::c", "{e}");
            e.code()
        }
    }
}

/// Bytes a sealed structure needs for `seal_data_len` bytes of data and
/// `add_len` of additional text; `UINT32_MAX` when that does not fit.
#[unsafe(no_mangle)]
pub extern "C" fn cc_enclave_get_sealed_data_size(add_len: u32, seal_data_len: u32) -> u32 {
    secgear_enclave::sealed_size(seal_data_len as usize, add_len as usize)
        .and_then(|body| body.checked_add(HEADER))
        .and_then(|total| u32::try_from(total).ok())
        .filter(|total| *total != u32::MAX)
        .unwrap_or(u32::MAX)
}

/// The sealed body of a structure whose header the caller vouches for.
///
/// # Safety
/// `sealed` is null or points to a structure of at least 20 bytes, followed
/// by `data_body_len - 20` readable bytes.
unsafe fn body<'a>(sealed: *const u8) -> Result<&'a [u8], Error> {
    if sealed.is_null() {
        return Err(Error::bad_parameters("sealed_data is NULL"));
    }
    let mut len = [0u8; 4];
    // SAFETY: the structure's first field is readable, per the contract.
    unsafe { std::ptr::copy_nonoverlapping(sealed, len.as_mut_ptr(), 4) };
    let total = u32::from_ne_bytes(len) as usize;
    let body_len = total
        .checked_sub(HEADER)
        .ok_or_else(|| Error::new(ErrorCode::BadFormat, "sealed data shorter than its header"))?;
    // SAFETY: `data_body_len` bytes in all, per the contract.
    Ok(unsafe { std::slice::from_raw_parts(sealed.add(HEADER), body_len) })
}

/// # Safety
/// As [`body`].
unsafe fn lengths(sealed: *const u8) -> Option<(usize, usize)> {
    // SAFETY: forwarded contract.
    secgear_enclave::sealed_lengths(unsafe { body(sealed) }.ok()?).ok()
}

/// The length of the data a sealed structure holds; `UINT32_MAX` if it is
/// NULL or not sealed data.
///
/// # Safety
/// `sealed_data` is null or a structure `cc_enclave_seal_data` filled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_enclave_get_encrypted_text_size(sealed_data: *const u8) -> u32 {
    // SAFETY: forwarded contract.
    unsafe { lengths(sealed_data) }.map_or(u32::MAX, |(data, _)| data as u32)
}

/// The length of the additional text a sealed structure holds; `UINT32_MAX`
/// if it is NULL or not sealed data.
///
/// # Safety
/// As [`cc_enclave_get_encrypted_text_size`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_enclave_get_add_text_size(sealed_data: *const u8) -> u32 {
    // SAFETY: forwarded contract.
    unsafe { lengths(sealed_data) }.map_or(u32::MAX, |(_, aad)| aad as u32)
}

/// Seals `seal_data_len` bytes, with `additional_text_len` bytes of
/// authenticated clear text, into `sealed_data` (`sealed_data_len` bytes).
///
/// # Safety
/// Every pointer is null or points to as many bytes as its length says.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_enclave_seal_data(
    seal_data: *const u8,
    seal_data_len: u32,
    sealed_data: *mut u8,
    sealed_data_len: u32,
    additional_text: *const u8,
    additional_text_len: u32,
) -> u32 {
    code((|| {
        if seal_data.is_null()
            || seal_data_len == 0
            || sealed_data.is_null()
            || sealed_data_len == 0
        {
            return Err(Error::bad_parameters(
                "seal_data and sealed_data must be non-empty",
            ));
        }
        if additional_text.is_null() && additional_text_len != 0 {
            return Err(Error::bad_parameters(
                "additional_text is NULL but its length is not 0",
            ));
        }
        let needed = cc_enclave_get_sealed_data_size(additional_text_len, seal_data_len);
        if needed == u32::MAX {
            return Err(Error::new(ErrorCode::Overflow, "data too large to seal"));
        }
        if sealed_data_len < needed {
            return Err(Error::new(
                ErrorCode::ShortBuffer,
                format!("sealing needs {needed} bytes, sealed_data_len is {sealed_data_len}"),
            ));
        }
        // SAFETY: non-null inputs of the stated lengths, per the contract.
        let (data, aad) = unsafe {
            (
                std::slice::from_raw_parts(seal_data, seal_data_len as usize),
                match additional_text_len {
                    0 => &[][..],
                    n => std::slice::from_raw_parts(additional_text, n as usize),
                },
            )
        };
        let blob = secgear_enclave::seal(data, aad, SealPolicy::Signer)?;
        // SAFETY: `sealed_data` holds `sealed_data_len >= needed` bytes, and
        // `needed` is the header plus the blob.
        let out = unsafe { std::slice::from_raw_parts_mut(sealed_data, needed as usize) };
        out.fill(0);
        out[..4].copy_from_slice(&needed.to_ne_bytes());
        out[HEADER..].copy_from_slice(&blob);
        Ok(())
    })())
}

/// Unseals `sealed_data` into `decrypted_data` (`*decrypted_data_len`
/// bytes) and `additional_text` (`*additional_text_len` bytes), setting both
/// lengths to what was written.
///
/// # Safety
/// `sealed_data` is null or a sealed structure; the outputs are null or
/// hold as many bytes as their lengths say; the lengths are null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_enclave_unseal_data(
    sealed_data: *const u8,
    decrypted_data: *mut u8,
    decrypted_data_len: *mut u32,
    additional_text: *mut u8,
    additional_text_len: *mut u32,
) -> u32 {
    code((|| {
        if decrypted_data.is_null() || decrypted_data_len.is_null() || additional_text_len.is_null()
        {
            return Err(Error::bad_parameters(
                "decrypted_data and both lengths must be given",
            ));
        }
        // SAFETY: forwarded contract.
        let blob = unsafe { body(sealed_data) }?;
        let (data_len, aad_len) = secgear_enclave::sealed_lengths(blob)?;
        // SAFETY: non-null and readable, per the contract.
        let (room, aad_room) = unsafe {
            (
                decrypted_data_len.read_unaligned(),
                additional_text_len.read_unaligned(),
            )
        };
        if aad_len > 0 && additional_text.is_null() {
            return Err(Error::bad_parameters(
                "the sealed data has additional text but additional_text is NULL",
            ));
        }
        if (room as usize) < data_len || (aad_room as usize) < aad_len {
            return Err(Error::new(
                ErrorCode::ShortBuffer,
                format!(
                    "unsealing needs {data_len} bytes of data and {aad_len} of additional text"
                ),
            ));
        }
        let unsealed = secgear_enclave::unseal(blob)?;
        // SAFETY: the outputs hold at least the lengths checked above.
        unsafe {
            std::ptr::copy_nonoverlapping(
                unsealed.data.as_ptr(),
                decrypted_data,
                unsealed.data.len(),
            );
            if !unsealed.aad.is_empty() {
                std::ptr::copy_nonoverlapping(
                    unsealed.aad.as_ptr(),
                    additional_text,
                    unsealed.aad.len(),
                );
            }
            decrypted_data_len.write_unaligned(unsealed.data.len() as u32);
            additional_text_len.write_unaligned(unsealed.aad.len() as u32);
        }
        Ok(())
    })())
}
