//! The host functions an enclave made from C may call. The generated
//! `X_u.c` hands its OCALL table over with each ECALL (the original API has
//! no other place for it); an OCALL that arrives before any ECALL named a
//! table is refused.

use secgear_abi::{CallKind, Error, ErrorCode, OcallDispatch, OwnedReader, Writer};
use secgear_c_abi::{SgReader, SgWriter, reader_to_c, writer_from_c, writer_to_c};
use std::sync::atomic::{AtomicPtr, Ordering};

/// An OCALL wrapper of the generated code.
pub type SgOcallFn = unsafe extern "C" fn(request: *mut SgReader, reply: *mut SgWriter) -> u32;

/// `sg_ocall_table_t`, a static of the generated `X_u.c`.
#[repr(C)]
pub struct SgOcallTable {
    pub count: u32,
    pub functions: *const Option<SgOcallFn>,
    pub switchless: *const u8,
}

/// The OCALL dispatcher of one C-created enclave.
#[derive(Debug)]
pub struct CallerOcalls {
    table: AtomicPtr<SgOcallTable>,
    /// Host workers serve switchless OCALLs (`num_uworkers > 0`).
    switchless_workers: bool,
}

impl CallerOcalls {
    pub fn new(switchless_workers: bool) -> Self {
        Self {
            table: AtomicPtr::new(std::ptr::null_mut()),
            switchless_workers,
        }
    }

    /// Remembers the table an ECALL stub passed (null: keep the one we have).
    pub fn register(&self, table: *const SgOcallTable) {
        if !table.is_null() {
            self.table.store(table.cast_mut(), Ordering::Release);
        }
    }

    /// `(function, switchless)` of OCALL `id`.
    fn entry(&self, id: u32) -> Option<(Option<SgOcallFn>, bool)> {
        let table = self.table.load(Ordering::Acquire);
        if table.is_null() {
            return None;
        }
        // SAFETY: registered tables are statics of the generated code.
        let table = unsafe { &*table };
        if id >= table.count || table.functions.is_null() {
            return None;
        }
        // SAFETY: `id < count`, and the generated arrays hold `count` entries.
        let function = unsafe { *table.functions.add(id as usize) };
        let switchless = !table.switchless.is_null()
            // SAFETY: as above.
            && unsafe { *table.switchless.add(id as usize) } != 0;
        Some((function, switchless))
    }

    fn serve(&self, request: &[u8]) -> Result<Vec<u8>, Error> {
        let (header, reader) = OwnedReader::request(request.to_vec())?;
        let id = header.function_id;
        if header.kind != CallKind::Ocall {
            return Err(Error::new(ErrorCode::InvalidCmd, "not an OCALL"));
        }
        let Some((Some(function), _)) = self.entry(id) else {
            return Err(Error::new(
                ErrorCode::OcallNotAllowed,
                format!("no OCALL {id} in the host's table (or no ECALL registered one yet)"),
            ));
        };
        let reader = reader_to_c(reader);
        let reply = writer_to_c(Writer::reply());
        // SAFETY: the generated wrapper takes a live reader and writer,
        // freed below and kept by nothing else.
        let status = unsafe { function(reader, reply) };
        // SAFETY: made above, used once.
        unsafe { secgear_c_abi::sg_reader_free(reader) };
        // SAFETY: made above, taken once.
        let reply = unsafe { writer_from_c(reply) }
            .ok_or_else(|| Error::new(ErrorCode::Unexpected, "reply lost"))?;
        match status {
            0 => Ok(reply.into_message()),
            code => Err(Error::from_code(code)),
        }
    }
}

impl OcallDispatch for CallerOcalls {
    fn dispatch_ocall(&self, request: &[u8]) -> Vec<u8> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.serve(request))) {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => Writer::error_reply(&e),
            Err(_) => {
                Writer::error_reply(&Error::new(ErrorCode::Unexpected, "panic serving an OCALL"))
            }
        }
    }

    fn has_switchless(&self) -> bool {
        self.switchless_workers
    }

    fn is_switchless(&self, function_id: u32) -> bool {
        self.entry(function_id).is_some_and(|(_, s)| s)
    }
}

// SAFETY: the table pointer is only read, and points to immutable statics.
unsafe impl Send for SgOcallTable {}
// SAFETY: as above.
unsafe impl Sync for SgOcallTable {}
