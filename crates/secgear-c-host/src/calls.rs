//! ECALLs from generated C host stubs (`secgear_ucalls.h`).

use crate::enclave::with_enclave;
use crate::ocalls::SgOcallTable;
use crate::types::cc_enclave_t;
use secgear_abi::{Error, OwnedReader, Transport};
use secgear_c_abi::{SgReader, SgWriter, reader_to_c, writer_from_c};
use std::ffi::c_int;

/// Sends `request` (consumed) to the enclave; on success `*reply` is a
/// reader at the reply's body.
///
/// # Safety
/// `enclave` is null or a zeroed or created context; `request` is null or a
/// writer from this library, not used afterwards; `ocalls` is null or a
/// static table; `reply` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_ecall(
    enclave: *mut cc_enclave_t,
    request: *mut SgWriter,
    switchless: c_int,
    ocalls: *const SgOcallTable,
    reply: *mut *mut SgReader,
) -> u32 {
    // SAFETY: forwarded contract: the writer is taken once, here.
    let request = unsafe { writer_from_c(request) };
    crate::ffi::guarded(|| {
        let request =
            request.ok_or_else(|| Error::bad_parameters("NULL request (out of memory?)"))?;
        if reply.is_null() || !reply.is_aligned() {
            return Err(Error::bad_parameters("NULL reply"));
        }
        // SAFETY: forwarded contract.
        let answer = unsafe {
            with_enclave(enclave, |context| {
                context.ocalls.register(ocalls);
                let message = request.into_message();
                if switchless != 0 {
                    context.enclave.call_switchless(message)
                } else {
                    context.enclave.call(message)
                }
            })
        }?;
        let reader = OwnedReader::reply(answer)?;
        // SAFETY: checked non-null and aligned; writable per the contract.
        unsafe { reply.write(reader_to_c(reader)) };
        Ok(())
    })
}
