//! The `sg_*` message functions of `secgear_wire.h`, which C code generated
//! by `secgear edl gen --lang c` calls: secgear-abi's [`Writer`] and
//! [`OwnedReader`] behind opaque pointers, so C and Rust bindings share one
//! wire format and one checker. Linked into `libsecgear.so` (host) and
//! `libsecgear_tee.a` (enclave).
//!
//! Every function accepts NULL handles (writes are dropped, reads fail with
//! `CC_ERROR_BAD_PARAMETERS`), checks every pointer and length it is given,
//! and never unwinds into C.

use secgear_abi::{CallKind, Error, ErrorCode, OwnedReader, Writer};
use std::ffi::c_void;

/// An opaque writer (`sg_writer_t`).
pub struct SgWriter(Writer);

/// An opaque reader (`sg_reader_t`).
pub struct SgReader(OwnedReader);

type Status = u32;
const OK: Status = 0;

impl SgWriter {
    pub fn into_message(self) -> Vec<u8> {
        self.0.finish()
    }
}

impl SgReader {
    pub fn new(reader: OwnedReader) -> Self {
        Self(reader)
    }

    pub fn reader(&self) -> &OwnedReader {
        &self.0
    }
}

/// Hands a writer to C.
pub fn writer_to_c(writer: Writer) -> *mut SgWriter {
    Box::into_raw(Box::new(SgWriter(writer)))
}

/// Hands a reader to C.
pub fn reader_to_c(reader: OwnedReader) -> *mut SgReader {
    Box::into_raw(Box::new(SgReader(reader)))
}

/// Takes back a writer C was given (NULL: none).
///
/// # Safety
/// `writer` is null or came from [`writer_to_c`] and is not used afterwards.
pub unsafe fn writer_from_c(writer: *mut SgWriter) -> Option<Box<SgWriter>> {
    // SAFETY: per the contract, made by Box::into_raw and taken once.
    (!writer.is_null()).then(|| unsafe { Box::from_raw(writer) })
}

fn guarded(body: impl FnOnce() -> Result<(), Error>) -> Status {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(())) => OK,
        Ok(Err(e)) => e.code(),
        Err(_) => ErrorCode::Unexpected.code(),
    }
}

/// `len` bytes at `ptr` (any pointer for zero bytes).
///
/// # Safety
/// For `len > 0`, `ptr` is null or points to `len` readable bytes.
unsafe fn bytes<'a>(ptr: *const c_void, len: usize) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || len > isize::MAX as usize {
        return Err(Error::bad_parameters(format!(
            "NULL or oversized buffer of {len} bytes"
        )));
    }
    // SAFETY: non-null, and the caller promises `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// `len` writable bytes at `ptr`.
///
/// # Safety
/// For `len > 0`, `ptr` is null or points to `len` writable bytes.
unsafe fn bytes_mut<'a>(ptr: *mut c_void, len: usize) -> Result<&'a mut [u8], Error> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() || len > isize::MAX as usize {
        return Err(Error::bad_parameters(format!(
            "NULL or oversized output of {len} bytes"
        )));
    }
    // SAFETY: non-null, and the caller promises `len` writable bytes.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) })
}

fn byte_len(count: u64, elem_size: usize) -> Result<usize, Error> {
    usize::try_from(count)
        .ok()
        .and_then(|c| c.checked_mul(elem_size))
        .filter(|b| *b <= isize::MAX as usize)
        .ok_or_else(|| {
            Error::bad_parameters(format!("{count} elements of {elem_size} bytes overflow"))
        })
}

/// # Safety
/// `reader` is null or a live reader from this library.
unsafe fn reader_mut<'a>(reader: *mut SgReader) -> Result<&'a mut OwnedReader, Error> {
    if reader.is_null() {
        return Err(Error::bad_parameters("NULL reader"));
    }
    // SAFETY: non-null and live, per the contract; C uses a reader from one thread.
    Ok(unsafe { &mut (*reader).0 })
}

/// A request of `kind` (1 ECALL, 2 OCALL) for `function_id`.
#[unsafe(no_mangle)]
pub extern "C" fn sg_writer_request(kind: u32, function_id: u32) -> *mut SgWriter {
    let kind = match kind {
        1 => CallKind::Ecall,
        2 => CallKind::Ocall,
        _ => return std::ptr::null_mut(),
    };
    std::panic::catch_unwind(|| writer_to_c(Writer::request(kind, function_id)))
        .unwrap_or(std::ptr::null_mut())
}

/// A success reply.
#[unsafe(no_mangle)]
pub extern "C" fn sg_writer_reply() -> *mut SgWriter {
    std::panic::catch_unwind(|| writer_to_c(Writer::reply())).unwrap_or(std::ptr::null_mut())
}

/// # Safety
/// `writer` is null or a writer from this library, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_writer_free(writer: *mut SgWriter) {
    // SAFETY: forwarded contract.
    drop(unsafe { writer_from_c(writer) });
}

/// # Safety
/// `writer` is null or live; `data` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_put(writer: *mut SgWriter, data: *const c_void, len: usize) {
    if writer.is_null() {
        return;
    }
    // SAFETY: forwarded contract.
    if let Ok(data) = unsafe { bytes(data, len) } {
        // SAFETY: non-null and live.
        unsafe { (*writer).0.put_bytes(data) };
    }
}

/// # Safety
/// `writer` is null or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_put_u64(writer: *mut SgWriter, value: u64) {
    if !writer.is_null() {
        // SAFETY: non-null and live.
        unsafe { (*writer).0.put(&value) };
    }
}

/// # Safety
/// `writer` is null or live; `elems` points to `count * elem_size` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_put_seq(
    writer: *mut SgWriter,
    elems: *const c_void,
    count: u64,
    elem_size: usize,
) {
    if writer.is_null() {
        return;
    }
    let Ok(len) = byte_len(count, elem_size) else {
        return;
    };
    // SAFETY: forwarded contract.
    if let Ok(data) = unsafe { bytes(elems, len) } {
        // SAFETY: non-null and live.
        let w = unsafe { &mut (*writer).0 };
        w.put(&count);
        w.put_bytes(data);
    }
}

/// # Safety
/// `reader` is null or live; `out` points to `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_get(reader: *mut SgReader, out: *mut c_void, len: usize) -> Status {
    guarded(|| {
        // SAFETY: forwarded contract.
        let (r, out) = unsafe { (reader_mut(reader)?, bytes_mut(out, len)?) };
        // Straight into the caller's memory: a failed read writes nothing.
        r.read(|r| {
            out.copy_from_slice(r.take(len)?);
            Ok(())
        })
    })
}

/// # Safety
/// `reader` is null or live; `value` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_get_u64(reader: *mut SgReader, value: *mut u64) -> Status {
    guarded(|| {
        if value.is_null() || !value.is_aligned() {
            return Err(Error::bad_parameters("NULL output"));
        }
        // SAFETY: forwarded contract.
        let v: u64 = unsafe { reader_mut(reader)? }.read(|r| r.get())?;
        // SAFETY: non-null, aligned and writable per the contract.
        unsafe { value.write(v) };
        Ok(())
    })
}

/// # Safety
/// `reader` is null or live; `out` points to `count * elem_size` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_get_seq_into(
    reader: *mut SgReader,
    out: *mut c_void,
    count: u64,
    elem_size: usize,
) -> Status {
    guarded(|| {
        let len = byte_len(count, elem_size)?;
        // SAFETY: forwarded contract.
        let (r, out) = unsafe { (reader_mut(reader)?, bytes_mut(out, len)?) };
        r.read(|r| {
            let found: u64 = r.get()?;
            if found != count {
                return Err(Error::malformed(format!(
                    "peer sent {found} elements for a region of {count}"
                )));
            }
            out.copy_from_slice(r.take(len)?);
            Ok(())
        })
    })
}

/// # Safety
/// `reader` is null or live; `out` and `count` are null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_get_seq_alloc(
    reader: *mut SgReader,
    elem_size: usize,
    extra: usize,
    out: *mut *mut c_void,
    count: *mut u64,
) -> Status {
    guarded(|| {
        if out.is_null() || count.is_null() || !out.is_aligned() || !count.is_aligned() {
            return Err(Error::bad_parameters("NULL output"));
        }
        // SAFETY: forwarded contract.
        let r = unsafe { reader_mut(reader)? };
        // Copied once, from the message into the malloc'd buffer; a failure
        // (malformed count, no memory) consumes nothing.
        let (found, buf) = r.read(|r| {
            let found: u64 = r.get()?;
            // A count the message cannot hold is malformed, as the Rust
            // reader says, whatever its size in bytes.
            if found > (r.remaining() / elem_size.max(1)) as u64 {
                return Err(Error::malformed(format!(
                    "sequence claims {found} elements but only {} bytes remain",
                    r.remaining()
                )));
            }
            let len = byte_len(found, elem_size)?;
            let total = len
                .checked_add(extra)
                .ok_or_else(|| Error::bad_parameters("sequence too large"))?;
            let data = r.take(len)?;
            // SAFETY: malloc of at least one byte; checked below.
            let buf = unsafe { libc::malloc(total.max(1)) }.cast::<u8>();
            if buf.is_null() {
                return Err(Error::new(ErrorCode::OutOfMemory, "malloc failed"));
            }
            // SAFETY: `buf` holds `total` bytes: the data, then `extra` zeroed.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), buf, len);
                std::ptr::write_bytes(buf.add(len), 0, extra);
            }
            Ok((found, buf))
        })?;
        // SAFETY: both outputs checked non-null and aligned, writable per the contract.
        unsafe {
            out.write(buf.cast());
            count.write(found);
        }
        Ok(())
    })
}

/// # Safety
/// `reader` is null or live; `count` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_get_out_count(
    reader: *mut SgReader,
    elem_size: usize,
    count: *mut u64,
) -> Status {
    guarded(|| {
        if count.is_null() || !count.is_aligned() {
            return Err(Error::bad_parameters("NULL output"));
        }
        // SAFETY: forwarded contract.
        let n = unsafe { reader_mut(reader)? }.read(|r| r.get_out_count_of(elem_size))?;
        // SAFETY: non-null, aligned, writable.
        unsafe { count.write(n as u64) };
        Ok(())
    })
}

/// # Safety
/// `reader` is null or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_reader_finish(reader: *const SgReader) -> Status {
    guarded(|| {
        if reader.is_null() {
            return Err(Error::bad_parameters("NULL reader"));
        }
        // SAFETY: non-null and live.
        match unsafe { (*reader).0.remaining() } {
            0 => Ok(()),
            n => Err(Error::malformed(format!("{n} unexpected trailing bytes"))),
        }
    })
}

/// # Safety
/// `reader` is null or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_reader_remaining(reader: *const SgReader) -> usize {
    if reader.is_null() {
        return 0;
    }
    // SAFETY: non-null and live.
    unsafe { (*reader).0.remaining() }
}

/// # Safety
/// `writer` is null or live; `len` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_writer_data(writer: *const SgWriter, len: *mut usize) -> *const u8 {
    let (ptr, n) = if writer.is_null() {
        (std::ptr::null(), 0)
    } else {
        // SAFETY: non-null and live.
        let bytes = unsafe { (*writer).0.as_bytes() };
        (bytes.as_ptr(), bytes.len())
    };
    if !len.is_null() && len.is_aligned() {
        // SAFETY: non-null, aligned, writable per the contract.
        unsafe { len.write(n) };
    }
    ptr
}

/// Copies `len` bytes at `message` into a new owned message.
///
/// # Safety
/// `message` points to `len` readable bytes.
unsafe fn message_copy(message: *const c_void, len: usize) -> Result<Vec<u8>, Error> {
    // SAFETY: forwarded contract.
    unsafe { bytes(message, len) }.map(<[u8]>::to_vec)
}

/// # Safety
/// `message` points to `len` readable bytes; the outputs are null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_reader_request(
    message: *const c_void,
    len: usize,
    kind: *mut u32,
    function_id: *mut u32,
    reader: *mut *mut SgReader,
) -> Status {
    guarded(|| {
        let outputs_ok = [kind.is_null(), function_id.is_null(), reader.is_null()]
            .iter()
            .all(|null| !null)
            && kind.is_aligned()
            && function_id.is_aligned()
            && reader.is_aligned();
        if !outputs_ok {
            return Err(Error::bad_parameters("NULL output"));
        }
        // SAFETY: forwarded contract.
        let (header, owned) = OwnedReader::request(unsafe { message_copy(message, len) }?)?;
        // SAFETY: non-null, aligned and writable per the contract.
        unsafe {
            kind.write(header.kind as u32);
            function_id.write(header.function_id);
            reader.write(reader_to_c(owned));
        }
        Ok(())
    })
}

/// # Safety
/// `message` points to `len` readable bytes; `reader` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_reader_reply(
    message: *const c_void,
    len: usize,
    reader: *mut *mut SgReader,
) -> Status {
    guarded(|| {
        if reader.is_null() || !reader.is_aligned() {
            return Err(Error::bad_parameters("NULL output"));
        }
        // SAFETY: forwarded contract.
        let owned = OwnedReader::reply(unsafe { message_copy(message, len) }?)?;
        // SAFETY: non-null, aligned and writable.
        unsafe { reader.write(reader_to_c(owned)) };
        Ok(())
    })
}

/// # Safety
/// `reader` is null or a reader from this library, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_reader_free(reader: *mut SgReader) {
    if !reader.is_null() {
        // SAFETY: made by Box::into_raw, taken once.
        drop(unsafe { Box::from_raw(reader) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_c_writes_rust_reads_and_bad_reads_consume_nothing() {
        let w = sg_writer_request(1, 7);
        let n: i32 = -5;
        let data = *b"abc";
        // SAFETY: live writer, valid buffers.
        unsafe {
            sg_put(w, (&raw const n).cast(), 4);
            sg_put_seq(w, data.as_ptr().cast(), 3, 1);
            sg_put_u64(w, 32);
        }
        // SAFETY: made above, used once.
        let message = unsafe { writer_from_c(w) }.expect("writer").into_message();
        let (header, mut rust) = secgear_abi::Reader::request(&message).expect("request");
        assert_eq!(header.function_id, 7);
        assert_eq!(rust.get::<i32>().expect("n"), -5);
        assert_eq!(rust.get_vec::<u8>().expect("seq"), b"abc");
        assert_eq!(rust.get_out_count::<u8>().expect("out"), 32);

        let (_, owned) = OwnedReader::request(message).expect("owned");
        let r = reader_to_c(owned);
        let (mut got, mut seq, mut big) = (0i32, [0u8; 3], [0u8; 2]);
        let mut count = 0u64;
        // SAFETY: live reader, valid outputs.
        unsafe {
            assert_eq!(sg_get(r, (&raw mut got).cast(), 4), OK);
            assert_eq!(got, -5);
            // Wrong count: refused, nothing consumed, the right read then works.
            assert_eq!(
                sg_get_seq_into(r, big.as_mut_ptr().cast(), 2, 1),
                ErrorCode::BadFormat.code()
            );
            assert_eq!(sg_get_seq_into(r, seq.as_mut_ptr().cast(), 3, 1), OK);
            assert_eq!(&seq, b"abc");
            assert_eq!(
                sg_get_out_count(r, 1 << 30, &mut count),
                ErrorCode::ExcessData.code()
            );
            assert_eq!(sg_get_out_count(r, 1, &mut count), OK);
            assert_eq!(count, 32);
            assert_eq!(sg_reader_finish(r), OK);
            assert_eq!(
                sg_get(r, (&raw mut got).cast(), 1),
                ErrorCode::BadFormat.code()
            );
            assert_eq!(
                sg_get(std::ptr::null_mut(), (&raw mut got).cast(), 1),
                ErrorCode::BadParameters.code()
            );
            sg_reader_free(r);
        }
    }

    #[test]
    fn runtimes_see_the_message_and_make_readers_from_bytes() {
        let w = sg_writer_request(2, 9);
        // SAFETY: live writer.
        unsafe { sg_put_u64(w, 5) };
        let mut len = 0usize;
        // SAFETY: live writer; the bytes are copied before it changes.
        let bytes = unsafe {
            let p = sg_writer_data(w, &mut len);
            std::slice::from_raw_parts(p, len).to_vec()
        };
        assert_eq!(bytes.len(), 16);
        let (mut kind, mut id, mut r) = (0u32, 0u32, std::ptr::null_mut());
        // SAFETY: valid buffers and outputs.
        unsafe {
            assert_eq!(
                sg_reader_request(
                    bytes.as_ptr().cast(),
                    bytes.len(),
                    &mut kind,
                    &mut id,
                    &mut r
                ),
                OK
            );
            assert_eq!((kind, id, sg_reader_remaining(r)), (2, 9, 8));
            sg_reader_free(r);
            sg_writer_free(w);
        }
        let failed = Writer::error_reply(&Error::bad_parameters("x"));
        let mut r = std::ptr::null_mut();
        // SAFETY: valid buffer and output.
        unsafe {
            assert_eq!(
                sg_reader_reply(failed.as_ptr().cast(), failed.len(), &mut r),
                ErrorCode::BadParameters.code()
            );
            assert!(r.is_null());
            assert_eq!(sg_reader_remaining(std::ptr::null()), 0);
        }
    }
}
