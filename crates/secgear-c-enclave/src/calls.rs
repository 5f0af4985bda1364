//! ECALLs into C code and OCALLs out of it: the generated `X_t.c` gives
//! its tables to [`sg_enclave_main`], which serves them on the enclave
//! runtime Rust enclaves use.

use secgear_abi::{
    CallKind, EcallContext, Error, ErrorCode, FunctionInfo, OwnedReader, Transport, Writer,
};
use secgear_c_abi::{SgReader, SgWriter, reader_to_c, writer_from_c, writer_to_c};
use std::ffi::{CStr, c_char, c_int, c_void};

/// An ECALL wrapper of the generated code: reads the arguments, calls the
/// application's function, writes the results.
pub type SgEcallFn = unsafe extern "C" fn(request: *mut SgReader, reply: *mut SgWriter) -> u32;

/// `sg_ecall_table_t`.
#[repr(C)]
pub struct SgEcallTable {
    pub count: u32,
    pub functions: *const Option<SgEcallFn>,
    pub public_flags: *const u8,
    pub switchless: *const u8,
}

/// `sg_allow_list_t`: the private ECALLs one OCALL may make.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SgAllowList {
    pub count: u32,
    pub ids: *const u32,
}

/// `sg_ocall_info_t`.
#[repr(C)]
pub struct SgOcallInfo {
    pub count: u32,
    pub switchless: *const u8,
    pub propagate_errno: *const u8,
    pub allow: *const SgAllowList,
}

/// The ECALLs of a C enclave, copied out of its tables at start.
struct CEnclave {
    functions: Vec<Option<SgEcallFn>>,
    infos: Vec<FunctionInfo>,
}

/// `count` entries of a generated table (empty for none).
///
/// # Safety
/// `ptr` is null or points to `count` entries that live for the program.
unsafe fn table<T: Copy>(ptr: *const T, count: u32, what: &str) -> Result<Vec<T>, String> {
    match (ptr.is_null(), count) {
        (_, 0) => Ok(Vec::new()),
        (true, n) => Err(format!("{what}: NULL table of {n} entries")),
        // SAFETY: non-null; the generated code defines `count` entries.
        (false, n) => Ok(unsafe { std::slice::from_raw_parts(ptr, n as usize) }.to_vec()),
    }
}

/// What the generated tables hold, copied out.
type Tables = (
    Vec<Option<SgEcallFn>>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<&'static [u32]>,
);

/// # Safety
/// The tables' arrays hold their counts of entries and live for the program.
unsafe fn read_tables(ecalls: &SgEcallTable, ocalls: &SgOcallInfo) -> Result<Tables, String> {
    // SAFETY: forwarded contract, for each array.
    unsafe {
        let allow = table(ocalls.allow, ocalls.count, "OCALL allow lists")?;
        let mut allowed = Vec::with_capacity(allow.len());
        for (i, list) in allow.iter().enumerate() {
            let ids = table(list.ids, list.count, "OCALL allow list")
                .map_err(|e| format!("OCALL {i}: {e}"))?;
            allowed.push(&*ids.leak());
        }
        Ok((
            table(ecalls.functions, ecalls.count, "ECALL functions")?,
            table(ecalls.public_flags, ecalls.count, "ECALL public flags")?,
            table(ecalls.switchless, ecalls.count, "ECALL switchless flags")?,
            table(ocalls.switchless, ocalls.count, "OCALL switchless flags")?,
            table(ocalls.propagate_errno, ocalls.count, "OCALL errno flags")?,
            allowed,
        ))
    }
}

fn serve(enclave: &CEnclave, ctx: &EcallContext<'_>, request: &[u8]) -> Result<Vec<u8>, Error> {
    let (header, reader) = OwnedReader::request(request.to_vec())?;
    let id = header.function_id as usize;
    let unknown = || Error::new(ErrorCode::InvalidCmd, format!("no ECALL with id {id}"));
    if header.kind != CallKind::Ecall {
        return Err(Error::new(ErrorCode::InvalidCmd, "not an ECALL"));
    }
    let info = enclave.infos.get(id).ok_or_else(unknown)?;
    let function = enclave
        .functions
        .get(id)
        .copied()
        .flatten()
        .ok_or_else(unknown)?;
    if !ctx.permits(info) {
        return Err(Error::new(
            ErrorCode::EcallNotAllowed,
            format!("ECALL {id} is private and no OCALL in progress allows it"),
        ));
    }
    let reader = reader_to_c(reader);
    let reply = writer_to_c(Writer::reply());
    // SAFETY: the generated wrapper takes a live reader and writer, which
    // we free below and nothing else keeps.
    let status = unsafe { function(reader, reply) };
    // SAFETY: made above, used once.
    unsafe {
        secgear_c_abi::sg_reader_free(reader);
    }
    // SAFETY: made above, taken once.
    let reply = unsafe { writer_from_c(reply) }.ok_or_else(unknown)?;
    match status {
        0 => Ok(reply.into_message()),
        code => Err(Error::from_code(code)),
    }
}

fn dispatch(enclave: &CEnclave, ctx: &EcallContext<'_>, request: &[u8]) -> Vec<u8> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        serve(enclave, ctx, request)
    })) {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => Writer::error_reply(&e),
        Err(_) => Writer::error_reply(&Error::new(
            ErrorCode::Unexpected,
            "panic in the C enclave runtime",
        )),
    }
}

/// The enclave's `main` (called by the generated `X_t.c`): serves the
/// ECALLs of `ecalls` until the host destroys the enclave. Returns only if
/// the tables are unusable.
///
/// # Safety
/// `ecalls` and `ocalls` are null or point to the generated tables, which
/// live for the program.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_enclave_main(
    _argc: c_int,
    _argv: *const *const c_char,
    ecalls: *const SgEcallTable,
    ocalls: *const SgOcallInfo,
) -> c_int {
    if ecalls.is_null() || ocalls.is_null() {
        eprintln!("secgear enclave: the generated ECALL or OCALL table is missing");
        return 2;
    }
    // SAFETY: non-null generated tables, per the contract.
    let (ecalls, ocalls) = unsafe { (&*ecalls, &*ocalls) };
    // SAFETY: the tables' arrays live for the program.
    let tables = unsafe { read_tables(ecalls, ocalls) };
    let (functions, public, switchless, ocall_switchless, ocall_errno, allowed) = match tables {
        Ok(t) => t,
        Err(e) => {
            eprintln!("secgear enclave: {e}");
            return 2;
        }
    };
    let infos = (0..functions.len())
        .map(|i| FunctionInfo {
            id: i as u32,
            name: "",
            public: public[i] != 0,
            switchless: switchless[i] != 0,
            propagate_errno: false,
            allow: &[],
        })
        .collect();
    let ocall_infos: &'static [FunctionInfo] = (0..ocall_switchless.len())
        .map(|i| FunctionInfo {
            id: i as u32,
            name: "",
            public: true,
            switchless: ocall_switchless[i] != 0,
            propagate_errno: ocall_errno[i] != 0,
            allow: allowed[i],
        })
        .collect::<Vec<_>>()
        .leak();
    secgear_enclave::sim::run(CEnclave { functions, infos }, dispatch, ocall_infos)
}

/// Sends an OCALL request (consumed) to the host; on success `*reply` is a
/// reader at the reply's body.
///
/// # Safety
/// `request` is null or a writer from this library, not used afterwards;
/// `reply` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_ocall(
    request: *mut SgWriter,
    switchless: c_int,
    reply: *mut *mut SgReader,
) -> u32 {
    // SAFETY: forwarded contract: taken once here.
    let request = unsafe { writer_from_c(request) };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let request = request.ok_or_else(|| Error::bad_parameters("NULL request"))?;
        if reply.is_null() || !reply.is_aligned() {
            return Err(Error::bad_parameters("NULL reply"));
        }
        let host = secgear_enclave::host();
        let message = request.into_message();
        let answer = if switchless != 0 {
            host.call_switchless(message)?
        } else {
            host.call(message)?
        };
        let reader = OwnedReader::reply(answer)?;
        // SAFETY: checked non-null and aligned, writable per the contract.
        unsafe { reply.write(reader_to_c(reader)) };
        Ok(())
    }));
    match result {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => e.code(),
        Err(_) => ErrorCode::Unexpected.code(),
    }
}

/// `PrintInfo`'s sink: the message reaches the host's log at the level's
/// counterpart (PRINT_ERROR 0, PRINT_WARNING 1, PRINT_STRACE 2, PRINT_DEBUG 3).
///
/// # Safety
/// `message` is null or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_print_info(level: c_int, message: *const c_char) {
    if message.is_null() {
        return;
    }
    // SAFETY: non-null, NUL-terminated per the contract.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy();
    match level {
        0 => tracing::error!(target: "enclave", "{text}"),
        1 => tracing::warn!(target: "enclave", "{text}"),
        2 => tracing::info!(target: "enclave", "{text}"),
        _ => tracing::debug!(target: "enclave", "{text}"),
    }
}

/// The enclave's mapping of `len` bytes at arena `address`, or NULL.
#[unsafe(no_mangle)]
pub extern "C" fn sg_enclave_shared_region(address: u64, len: usize) -> *mut c_void {
    let resolve = || {
        secgear_enclave::shared(secgear_abi::UserPtr(address), len)
            .ok()
            .and_then(|view| view.as_mut_ptr())
    };
    match std::panic::catch_unwind(resolve) {
        Ok(Some(ptr)) => ptr.cast(),
        _ => std::ptr::null_mut(),
    }
}
