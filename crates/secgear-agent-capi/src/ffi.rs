//! The exported functions. Every pointer from C is checked for null and
//! every string for UTF-8 before use; nothing here panics across the
//! boundary (a panic would abort: the crate is built with unwinding into C
//! forbidden by `extern "C"`), and every failure sets the thread's last error.

use crate::{SgAgent, SgStatus};
use secgear_agent::AgentError;
use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_error(message: &str) {
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = text);
}

fn fail(status: SgStatus, message: &str) -> SgStatus {
    set_error(message);
    status
}

fn agent_fail(e: &AgentError) -> SgStatus {
    fail(SgStatus::from(e), &e.to_string())
}

/// Runs an entry point's body; a panic becomes `fallback` and a message
/// instead of unwinding into C (which would abort the process).
fn guarded<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or_else(|_| {
        set_error("internal error (a panic in the agent)");
        fallback
    })
}

/// Bytes the library allocated.
#[repr(C)]
pub struct SgBuffer {
    pub data: *mut u8,
    pub len: usize,
}

/// A C string argument as UTF-8; `None` for null.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string that stays valid for `'a`.
unsafe fn text<'a>(ptr: *const c_char) -> Result<Option<&'a str>, SgStatus> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str()
        .map(Some)
        .map_err(|_| fail(SgStatus::InvalidArgument, "a string argument is not UTF-8"))
}

/// The last error of this thread, or "" (valid until the next call on this thread).
#[unsafe(no_mangle)]
pub extern "C" fn sg_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Creates an agent attesting the sim enclave `enclave_image`; `service_url`
/// may be null (evidence only). Null on failure (see `sg_last_error`).
///
/// # Safety
/// Both arguments are null or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_agent_new(
    service_url: *const c_char,
    enclave_image: *const c_char,
) -> *mut SgAgent {
    guarded(std::ptr::null_mut(), || {
        // SAFETY: forwarded caller contract.
        let (url, image) = match unsafe { (text(service_url), text(enclave_image)) } {
            (Ok(url), Ok(Some(image))) => (url, image),
            (Ok(_), Ok(None)) => {
                set_error("enclave_image is null");
                return std::ptr::null_mut();
            }
            _ => return std::ptr::null_mut(),
        };
        match SgAgent::new(url, image) {
            Ok(agent) => Box::into_raw(Box::new(agent)),
            Err(e) => {
                agent_fail(&e);
                std::ptr::null_mut()
            }
        }
    })
}

/// Frees an agent (null is ignored).
///
/// # Safety
/// `agent` is null or came from `sg_agent_new` and is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_agent_free(agent: *mut SgAgent) {
    if !agent.is_null() {
        // SAFETY: it came from Box::into_raw in sg_agent_new, once.
        let agent = unsafe { Box::from_raw(agent) };
        guarded((), move || drop(agent));
    }
}

/// # Safety
/// `agent` is null or a live agent from `sg_agent_new`.
unsafe fn agent_ref<'a>(agent: *const SgAgent) -> Result<&'a SgAgent, SgStatus> {
    // SAFETY: null or a live Box<SgAgent> the caller owns.
    unsafe { agent.as_ref() }.ok_or_else(|| fail(SgStatus::InvalidArgument, "agent is null"))
}

/// Hands `text` to C through `out` (freed with `sg_string_free`).
///
/// # Safety
/// `out` is non-null, aligned and valid for writing one `*mut c_char`.
unsafe fn into_c_string(text: String, out: *mut *mut c_char) -> SgStatus {
    match CString::new(text) {
        Ok(c) => {
            // SAFETY: the caller promises `out` is valid for this write.
            unsafe { *out = c.into_raw() };
            SgStatus::Ok
        }
        Err(_) => fail(SgStatus::Internal, "result contains a NUL byte"),
    }
}

/// Evidence over 64 bytes of report data, into `out` (free with `sg_buffer_free`).
///
/// # Safety
/// `agent` is a live agent, `report_data` points to 64 readable bytes, and
/// `out` points to a writable `SgBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_agent_evidence(
    agent: *const SgAgent,
    report_data: *const u8,
    out: *mut SgBuffer,
) -> SgStatus {
    guarded(SgStatus::Internal, || {
        // SAFETY: caller contract.
        let agent = match unsafe { agent_ref(agent) } {
            Ok(a) => a,
            Err(s) => return s,
        };
        if report_data.is_null() || out.is_null() {
            return fail(
                SgStatus::InvalidArgument,
                "report_data and out must not be null",
            );
        }
        let mut data = [0u8; 64];
        // SAFETY: non-null and the caller promises 64 readable bytes.
        data.copy_from_slice(unsafe { std::slice::from_raw_parts(report_data, 64) });
        match agent.evidence(&data) {
            Ok(evidence) => {
                let boxed = evidence.into_boxed_slice();
                let len = boxed.len();
                let ptr = Box::into_raw(boxed).cast::<u8>();
                // SAFETY: `out` is non-null and writable.
                unsafe { *out = SgBuffer { data: ptr, len } };
                SgStatus::Ok
            }
            Err(e) => agent_fail(&e),
        }
    })
}

/// Frees a buffer from `sg_agent_evidence` and empties it.
///
/// # Safety
/// `buffer` is null or an `SgBuffer` filled by this library and not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_buffer_free(buffer: *mut SgBuffer) {
    // SAFETY: null or a buffer this library filled.
    let Some(buf) = (unsafe { buffer.as_mut() }) else {
        return;
    };
    if !buf.data.is_null() {
        let slice = std::ptr::slice_from_raw_parts_mut(buf.data, buf.len);
        // SAFETY: data/len are exactly the Box<[u8]> leaked in sg_agent_evidence.
        drop(unsafe { Box::from_raw(slice) });
    }
    buf.data = std::ptr::null_mut();
    buf.len = 0;
}

/// Attests through the service; the token (JWT) into `*token` (free with
/// `sg_string_free`). `runtime_data` may be null when `len` is 0.
///
/// # Safety
/// `agent` is live, `runtime_data` points to `len` readable bytes (or is
/// null with `len` 0), `token` points to a writable `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_agent_attest(
    agent: *const SgAgent,
    runtime_data: *const u8,
    len: usize,
    token: *mut *mut c_char,
) -> SgStatus {
    guarded(SgStatus::Internal, || {
        // SAFETY: caller contract.
        let agent = match unsafe { agent_ref(agent) } {
            Ok(a) => a,
            Err(s) => return s,
        };
        if token.is_null() || (runtime_data.is_null() && len != 0) || len > 1 << 20 {
            return fail(
                SgStatus::InvalidArgument,
                "token must not be null; runtime_data needs len <= 1 MiB",
            );
        }
        let runtime = if runtime_data.is_null() {
            None
        } else {
            // SAFETY: non-null with `len` readable bytes, per the contract.
            Some(unsafe { std::slice::from_raw_parts(runtime_data, len) })
        };
        match agent.attest(runtime) {
            // SAFETY: `token` is non-null (checked above) and writable, per
            // this function's contract.
            Ok(t) => unsafe { into_c_string(t, token) },
            Err(e) => agent_fail(&e),
        }
    })
}

/// Checks a token against the service's keys; its claims as JSON into
/// `*claims` (free with `sg_string_free`). Non-affirming tokens give
/// `SG_STATUS_NOT_AFFIRMING`.
///
/// # Safety
/// `agent` is live, `token` a NUL-terminated string, `claims` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_agent_verify_token(
    agent: *const SgAgent,
    token: *const c_char,
    claims: *mut *mut c_char,
) -> SgStatus {
    guarded(SgStatus::Internal, || {
        // SAFETY: caller contract.
        let agent = match unsafe { agent_ref(agent) } {
            Ok(a) => a,
            Err(s) => return s,
        };
        // SAFETY: caller contract.
        let token = match unsafe { text(token) } {
            Ok(Some(t)) => t,
            Ok(None) => return fail(SgStatus::InvalidArgument, "token is null"),
            Err(s) => return s,
        };
        if claims.is_null() {
            return fail(SgStatus::InvalidArgument, "claims must not be null");
        }
        match agent.verify_token(token) {
            // SAFETY: `claims` is non-null (checked above) and writable, per
            // this function's contract.
            Ok(json) => unsafe { into_c_string(json, claims) },
            Err(e) => agent_fail(&e),
        }
    })
}

/// Frees a string from this library (null is ignored).
///
/// # Safety
/// `text` is null or a string this library returned, not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_string_free(text: *mut c_char) {
    if !text.is_null() {
        // SAFETY: it came from CString::into_raw in this library.
        drop(unsafe { CString::from_raw(text) });
    }
}
