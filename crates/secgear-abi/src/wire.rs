//! The flat, versioned call message.
//!
//! ```text
//! request : version:u8  kind:u8 (1 = ECALL, 2 = OCALL)  reserved:u16 = 0  function_id:u32  body
//! reply   : version:u8  kind:u8 (3 = reply)              reserved:u16 = 0  status:u32       body
//! ```
//! All integers are little-endian. A request body holds, in parameter order,
//! each by-value argument, each `[in]`/`[in,out]` payload, and for each
//! `[out]`-only region its element count. A reply body (present only when
//! `status` is 0) holds the return value, then each `[out]`/`[in,out]`
//! payload in parameter order. A sequence is a `u64` element count followed by
//! the elements; a C string travels as a byte sequence without its NUL.
//!
//! Every read is bounds-checked and every count is checked against the bytes
//! that remain before anything is allocated, so a hostile peer can cause an
//! error, never a panic or an outsized allocation.

use crate::error::{Error, ErrorCode};
use std::ffi::{CStr, CString};

/// Version of the message layout; a peer speaking another version is refused.
pub const WIRE_VERSION: u8 = 1;
/// Size of the request and reply headers.
pub const HEADER_LEN: usize = 8;
/// Most `[out]` bytes one message may ask its receiver to allocate, all
/// regions together.
pub const MAX_OUT_BYTES: usize = 256 << 20;

/// Which way a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Ecall = 1,
    Ocall = 2,
    /// A built-in call from the enclave runtime to the (simulated) platform.
    Platform = 4,
    /// A built-in call from the host to the enclave runtime (not to the
    /// EDL's functions): see [`builtin`].
    Builtin = 5,
}

/// Function ids of [`CallKind::Builtin`] calls, served by every enclave's runtime.
pub mod builtin {
    /// `[u8; 64]` report data in; the enclave's evidence over it out (`Vec<u8>`).
    pub const REPORT: u32 = 0;
    /// A nonce (`Vec<u8>`, at most 64 bytes) in; out the runtime data that
    /// carries the enclave's own public key and evidence over
    /// `SHA-256(nonce || runtime_data)` (two `Vec<u8>`). The private key
    /// never leaves the enclave.
    pub const KEY_REPORT: u32 = 1;
    /// A secure-channel handshake frame (`Vec<u8>`) in; the enclave's
    /// answer (`Vec<u8>`, concatenated frames) out. See `secgear-channel`.
    pub const CHANNEL_HANDSHAKE: u32 = 2;
    /// A client's CLOSE record for a secure-channel session (`Vec<u8>`) in;
    /// nothing out. The C server library relays it (the original's DESTROY);
    /// any other record is refused, unopened, since application data goes to
    /// the application's own ECALLs.
    pub const CHANNEL_CLOSE: u32 = 3;
}

const KIND_REPLY: u8 = 3;

/// Builds a request or reply.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn request(kind: CallKind, function_id: u32) -> Self {
        let mut w = Self {
            buf: Vec::with_capacity(64),
        };
        w.header(kind as u8, function_id);
        w
    }

    pub fn reply() -> Self {
        let mut w = Self {
            buf: Vec::with_capacity(64),
        };
        w.header(KIND_REPLY, 0);
        w
    }

    /// Bare values, without a message header.
    pub fn bare() -> Self {
        Self::default()
    }

    /// A reply that carries only a failure code.
    pub fn error_reply(error: &Error) -> Vec<u8> {
        let mut w = Self {
            buf: Vec::with_capacity(HEADER_LEN),
        };
        // Code 0 means success on the wire; an error must never look like one.
        let code = match error.code() {
            0 => ErrorCode::Unexpected.code(),
            c => c,
        };
        w.header(KIND_REPLY, code);
        w.buf
    }

    fn header(&mut self, kind: u8, word: u32) {
        self.buf.extend_from_slice(&[WIRE_VERSION, kind, 0, 0]);
        self.buf.extend_from_slice(&word.to_le_bytes());
    }

    pub fn put_bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub fn put<T: Wire>(&mut self, value: &T) {
        value.encode(self);
    }

    /// A sequence: element count, then the elements.
    pub fn put_slice<T: Wire>(&mut self, items: &[T]) {
        self.put_count(items.len());
        T::encode_slice(items, self);
    }

    /// The element count of an `[out]` region the receiver must provide.
    pub fn put_count(&mut self, count: usize) {
        (count as u64).encode(self);
    }

    /// A C string, without its terminator.
    pub fn put_cstr(&mut self, s: &CStr) {
        self.put_slice(s.to_bytes());
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// The message built so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// A parsed request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestHeader {
    pub kind: CallKind,
    pub function_id: u32,
}

/// Reads a request or reply, refusing anything out of bounds.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
    /// `[out]` bytes this message may still ask for.
    out_budget: usize,
}

impl<'a> Reader<'a> {
    /// Parses a request header; the reader is left at the body.
    pub fn request(message: &'a [u8]) -> Result<(RequestHeader, Self), Error> {
        let (kind, word, body) = split_header(message)?;
        let kind = match kind {
            1 => CallKind::Ecall,
            2 => CallKind::Ocall,
            4 => CallKind::Platform,
            5 => CallKind::Builtin,
            other => {
                return Err(Error::malformed(format!(
                    "message kind {other} is not a request"
                )));
            }
        };
        Ok((
            RequestHeader {
                kind,
                function_id: word,
            },
            Self::new(body),
        ))
    }

    /// Parses a reply header; a failure status becomes the error it names.
    pub fn reply(message: &'a [u8]) -> Result<Self, Error> {
        let (kind, status, body) = split_header(message)?;
        if kind != KIND_REPLY {
            return Err(Error::malformed(format!(
                "message kind {kind} is not a reply"
            )));
        }
        if status != 0 {
            return Err(Error::from_code(status));
        }
        Ok(Self::new(body))
    }

    /// A reader over a bare body, for nested encodings and tests.
    pub fn new(body: &'a [u8]) -> Self {
        Self {
            rest: body,
            out_budget: MAX_OUT_BYTES,
        }
    }

    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.rest.len() {
            return Err(Error::malformed(format!(
                "message truncated: needed {n} more bytes, {} left",
                self.rest.len()
            )));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub fn take_array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub fn get<T: Wire>(&mut self) -> Result<T, Error> {
        T::decode(self)
    }

    /// A sequence count, checked against what the remaining bytes can hold.
    fn sequence_count<T: Wire>(&mut self) -> Result<usize, Error> {
        let count = u64::decode(self)?;
        let fits = (self.rest.len() / T::MIN_WIRE_LEN.max(1)) as u64;
        if count > fits {
            return Err(Error::malformed(format!(
                "sequence claims {count} elements but only {} bytes remain",
                self.rest.len()
            )));
        }
        Ok(count as usize)
    }

    /// A sequence of any length.
    pub fn get_vec<T: Wire>(&mut self) -> Result<Vec<T>, Error> {
        let count = self.sequence_count::<T>()?;
        T::decode_vec(self, count)
    }

    /// A sequence that must have exactly `expected` elements.
    pub fn get_vec_exact<T: Wire>(&mut self, expected: usize) -> Result<Vec<T>, Error> {
        let count = self.sequence_count::<T>()?;
        if count != expected {
            return Err(Error::bad_parameters(format!(
                "sequence has {count} elements, expected {expected}"
            )));
        }
        T::decode_vec(self, count)
    }

    /// A sequence written straight into `out`, whose length it must match.
    pub fn get_into<T: Wire>(&mut self, out: &mut [T]) -> Result<(), Error> {
        let count = self.sequence_count::<T>()?;
        if count != out.len() {
            return Err(Error::malformed(format!(
                "peer returned {count} elements for a region of {}",
                out.len()
            )));
        }
        T::decode_into(self, out)
    }

    /// The element count of an `[out]` region; all regions of one message
    /// together stay within [`MAX_OUT_BYTES`].
    pub fn get_out_count<T>(&mut self) -> Result<usize, Error> {
        self.get_out_count_of(std::mem::size_of::<T>())
    }

    /// [`get_out_count`](Self::get_out_count) for elements of `elem_size` bytes.
    pub fn get_out_count_of(&mut self, elem_size: usize) -> Result<usize, Error> {
        let count = u64::decode(self)?;
        let elem = elem_size.max(1) as u64;
        match count.checked_mul(elem) {
            Some(bytes) if bytes <= self.out_budget as u64 => {
                self.out_budget -= bytes as usize;
                Ok(count as usize)
            }
            _ => Err(Error::new(
                ErrorCode::ExcessData,
                format!("[out] regions exceed the {MAX_OUT_BYTES}-byte limit of one call"),
            )),
        }
    }

    /// A C string sent by [`Writer::put_cstr`]; interior NULs are refused.
    pub fn get_cstring(&mut self) -> Result<CString, Error> {
        let bytes: Vec<u8> = self.get_vec()?;
        CString::new(bytes).map_err(|_| Error::bad_parameters("string contains an interior NUL"))
    }

    /// Succeeds only when every byte was consumed.
    pub fn finish(&self) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::malformed(format!(
                "{} unexpected trailing bytes",
                self.rest.len()
            )))
        }
    }
}

/// A [`Reader`] that owns its message, for callers that cannot hold a
/// borrow across calls (the C bindings). A failed read consumes nothing.
#[derive(Debug, Clone)]
pub struct OwnedReader {
    message: Vec<u8>,
    at: usize,
    out_budget: usize,
}

impl OwnedReader {
    /// A request: its header, and a reader at its body.
    pub fn request(message: Vec<u8>) -> Result<(RequestHeader, Self), Error> {
        let (header, _) = Reader::request(&message)?;
        Ok((header, Self::at_body(message)))
    }

    /// A success reply, at its body; a failure status is the error it names.
    pub fn reply(message: Vec<u8>) -> Result<Self, Error> {
        Reader::reply(&message)?;
        Ok(Self::at_body(message))
    }

    fn at_body(message: Vec<u8>) -> Self {
        Self {
            message,
            at: HEADER_LEN,
            out_budget: MAX_OUT_BYTES,
        }
    }

    /// Runs one read; the position moves only when it succeeds.
    pub fn read<T>(
        &mut self,
        f: impl FnOnce(&mut Reader<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let rest = self.message.get(self.at..).unwrap_or_default();
        let mut reader = Reader {
            rest,
            out_budget: self.out_budget,
        };
        let value = f(&mut reader)?;
        self.at += rest.len() - reader.rest.len();
        self.out_budget = reader.out_budget;
        Ok(value)
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.message.len().saturating_sub(self.at)
    }
}

fn split_header(message: &[u8]) -> Result<(u8, u32, &[u8]), Error> {
    let Some((header, body)) = message.split_first_chunk::<HEADER_LEN>() else {
        return Err(Error::malformed(format!(
            "message of {} bytes has no header",
            message.len()
        )));
    };
    let [version, kind, r0, r1, w0, w1, w2, w3] = *header;
    if version != WIRE_VERSION {
        return Err(Error::new(
            ErrorCode::NotSupported,
            format!("wire version {version}, this side speaks {WIRE_VERSION}"),
        ));
    }
    if r0 != 0 || r1 != 0 {
        return Err(Error::malformed("reserved header bytes are not zero"));
    }
    Ok((kind, u32::from_le_bytes([w0, w1, w2, w3]), body))
}

/// A value that crosses the boundary by copy.
///
/// Implemented for the C base types, fixed arrays, [`UserPtr`], and every
/// type the EDL code generator emits. A foreign type named in an EDL file must
/// implement it too.
pub trait Wire: Sized {
    /// The fewest bytes one encoded value occupies; bounds allocation on decode.
    const MIN_WIRE_LEN: usize;

    fn encode(&self, w: &mut Writer);
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error>;
    /// The value an `[out]` region starts with (all bits zero in C terms).
    fn zeroed() -> Self;

    fn encode_slice(items: &[Self], w: &mut Writer) {
        for item in items {
            item.encode(w);
        }
    }

    fn decode_into(r: &mut Reader<'_>, out: &mut [Self]) -> Result<(), Error> {
        for slot in out {
            *slot = Self::decode(r)?;
        }
        Ok(())
    }

    fn decode_vec(r: &mut Reader<'_>, count: usize) -> Result<Vec<Self>, Error> {
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(Self::decode(r)?);
        }
        Ok(out)
    }
}

macro_rules! wire_number {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            const MIN_WIRE_LEN: usize = std::mem::size_of::<$t>();
            fn encode(&self, w: &mut Writer) {
                w.put_bytes(&self.to_le_bytes());
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
                Ok(<$t>::from_le_bytes(r.take_array()?))
            }
            fn zeroed() -> Self {
                0 as $t
            }
        }
    )*};
}
wire_number!(i16, u16, i32, u32, i64, u64, f32, f64);

// Bytes move as one block: the bulk path of every buffer parameter.
macro_rules! wire_byte {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            const MIN_WIRE_LEN: usize = 1;
            fn encode(&self, w: &mut Writer) {
                w.put_bytes(&self.to_le_bytes());
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
                Ok(<$t>::from_le_bytes(r.take_array()?))
            }
            fn zeroed() -> Self {
                0
            }
            fn encode_slice(items: &[Self], w: &mut Writer) {
                w.buf.extend(items.iter().map(|b| *b as u8));
            }
            fn decode_into(r: &mut Reader<'_>, out: &mut [Self]) -> Result<(), Error> {
                let bytes = r.take(out.len())?;
                for (slot, b) in out.iter_mut().zip(bytes) {
                    *slot = *b as $t;
                }
                Ok(())
            }
            fn decode_vec(r: &mut Reader<'_>, count: usize) -> Result<Vec<Self>, Error> {
                Ok(r.take(count)?.iter().map(|b| *b as $t).collect())
            }
        }
    )*};
}
wire_byte!(u8, i8);

/// `size_t` and friends travel as 64-bit values whatever the host's width.
impl Wire for usize {
    const MIN_WIRE_LEN: usize = 8;
    fn encode(&self, w: &mut Writer) {
        (*self as u64).encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        usize::try_from(u64::decode(r)?)
            .map_err(|_| Error::bad_parameters("size_t value does not fit"))
    }
    fn zeroed() -> Self {
        0
    }
}

impl Wire for bool {
    const MIN_WIRE_LEN: usize = 1;
    fn encode(&self, w: &mut Writer) {
        w.put_bytes(&[u8::from(*self)]);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.take_array::<1>()? {
            [0] => Ok(false),
            [1] => Ok(true),
            [b] => Err(Error::bad_parameters(format!("{b} is not a bool"))),
        }
    }
    fn zeroed() -> Self {
        false
    }
}

impl<T: Wire, const N: usize> Wire for [T; N] {
    const MIN_WIRE_LEN: usize = T::MIN_WIRE_LEN * N;
    fn encode(&self, w: &mut Writer) {
        T::encode_slice(self, w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut out = Self::zeroed();
        T::decode_into(r, &mut out)?;
        Ok(out)
    }
    fn zeroed() -> Self {
        std::array::from_fn(|_| T::zeroed())
    }
}

/// A pointer the EDL marks `user_check` (or a pointer stored inside a
/// structure without deep-copy attributes): its value crosses the boundary,
/// what it points to does not. The receiver must not dereference it unless a
/// shared-memory registration says it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(transparent)]
pub struct UserPtr(pub u64);

impl UserPtr {
    pub const NULL: Self = Self(0);

    pub fn is_null(self) -> bool {
        self.0 == 0
    }
}

impl Wire for UserPtr {
    const MIN_WIRE_LEN: usize = 8;
    fn encode(&self, w: &mut Writer) {
        self.0.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Self(u64::decode(r)?))
    }
    fn zeroed() -> Self {
        Self::NULL
    }
}

/// A zero-filled `[out]` region of `count` elements (a count already bounded
/// by [`Reader::get_out_count`]).
pub fn zeroed_vec<T: Wire>(count: usize) -> Vec<T> {
    (0..count).map(|_| T::zeroed()).collect()
}

/// The length of a NUL-terminated string held in `buf`, terminator included.
pub fn cstr_region_len(buf: &[u8]) -> Result<usize, Error> {
    buf.iter()
        .position(|b| *b == 0)
        .map(|nul| nul + 1)
        .ok_or_else(|| Error::bad_parameters("string buffer has no NUL terminator"))
}

/// The length of a NUL-terminated wide string held in `buf`, terminator included.
pub fn wstr_region_len(buf: &[i32]) -> Result<usize, Error> {
    buf.iter()
        .position(|c| *c == 0)
        .map(|nul| nul + 1)
        .ok_or_else(|| Error::bad_parameters("wide string buffer has no NUL terminator"))
}

/// Checks that a region received for an `[in,out]` string still ends its
/// string where it must: the terminator is the last element and the only one.
pub fn check_terminated<T: Wire + PartialEq>(region: &[T]) -> Result<(), Error> {
    let zero = T::zeroed();
    match region.split_last() {
        Some((last, body)) if *last == zero && !body.contains(&zero) => Ok(()),
        _ => Err(Error::bad_parameters(
            "string region is not exactly one NUL-terminated string",
        )),
    }
}

/// Checks that a returned string region still holds a terminator: the callee
/// may shorten the string, not unterminate it.
pub fn check_has_terminator<T: Wire + PartialEq>(region: &[T]) -> Result<(), Error> {
    if region.contains(&T::zeroed()) {
        Ok(())
    } else {
        Err(Error::bad_parameters(
            "returned string region has no NUL terminator",
        ))
    }
}

/// Checks a byte length given for a typed buffer and converts it to elements.
pub fn bytes_to_count<T>(bytes: u64, what: &'static str) -> Result<usize, Error> {
    let elem = std::mem::size_of::<T>().max(1) as u64;
    if !bytes.is_multiple_of(elem) {
        return Err(Error::bad_parameters(format!(
            "{what}: {bytes} bytes is not a whole number of {elem}-byte elements"
        )));
    }
    usize::try_from(bytes / elem)
        .map_err(|_| Error::bad_parameters(format!("{what}: size too large")))
}

/// Checks that an explicit size argument matches the buffer passed with it.
pub fn check_len(what: &'static str, actual: usize, expected: u64) -> Result<(), Error> {
    if actual as u64 == expected {
        Ok(())
    } else {
        Err(Error::bad_parameters(format!(
            "{what}: buffer holds {actual} elements but its size argument says {expected}"
        )))
    }
}

/// Converts a derived buffer length into the integer type of its EDL parameter.
pub fn length_arg<T: TryFrom<usize>>(what: &'static str, len: usize) -> Result<T, Error> {
    T::try_from(len).map_err(|_| {
        Error::bad_parameters(format!("{what}: length {len} does not fit its parameter"))
    })
}

/// A value an EDL `size=`/`count=` may name: an integer, or (as edger8r
/// allows) a floating-point number, which C converts by truncation.
pub trait SizeArgument: Copy {
    /// `None` for what has no count: negative, too large, NaN or infinite.
    fn to_count(self) -> Option<u64>;
}

macro_rules! integer_size_argument {
    ($($t:ty),*) => {$(
        impl SizeArgument for $t {
            fn to_count(self) -> Option<u64> {
                u64::try_from(self).ok()
            }
        }
    )*};
}
integer_size_argument!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl SizeArgument for f64 {
    fn to_count(self) -> Option<u64> {
        // 2^64 is exact in f64; NaN fails both comparisons.
        (0.0..18_446_744_073_709_551_616.0)
            .contains(&self)
            .then(|| self.trunc() as u64)
    }
}

impl SizeArgument for f32 {
    fn to_count(self) -> Option<u64> {
        f64::from(self).to_count()
    }
}

/// Converts an EDL size or count argument into an element count.
pub fn count_arg<T: SizeArgument>(what: &'static str, value: T) -> Result<u64, Error> {
    value.to_count().ok_or_else(|| {
        Error::bad_parameters(format!(
            "{what}: negative, oversized or not-a-number size argument"
        ))
    })
}

/// What a foreign pointer typedef marked `isptr` (without `size` or
/// `count`) points to: one value of it crosses, as C copies
/// `sizeof(*(T)0)` bytes.
///
/// ```
/// use secgear_abi::wire::PointerTypedef;
/// let () = <*mut u64 as PointerTypedef>::SAME_BYTES_AS_C;
/// ```
///
/// A pointee with padding is refused when the binding is built:
///
/// ```compile_fail
/// use secgear_abi::wire::{PointerTypedef, Reader, Wire, Writer};
/// use secgear_abi::Error;
/// #[repr(C)]
/// struct Padded { tag: u8, value: u32 }
/// impl Wire for Padded {
///     const MIN_WIRE_LEN: usize = 5;
///     fn encode(&self, w: &mut Writer) { w.put(&self.tag); w.put(&self.value); }
///     fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
///         Ok(Self { tag: r.get()?, value: r.get()? })
///     }
///     fn zeroed() -> Self { Self { tag: 0, value: 0 } }
/// }
/// let () = <*mut Padded as PointerTypedef>::SAME_BYTES_AS_C;
/// ```
pub trait PointerTypedef {
    type Pointee: Wire;
    /// Named by the generated code, so evaluated for every such typedef: C
    /// copies the pointee's raw bytes, so its wire form must be exactly
    /// its memory (no padding), or the build fails here.
    const SAME_BYTES_AS_C: () = assert!(
        std::mem::size_of::<Self::Pointee>() == <Self::Pointee as Wire>::MIN_WIRE_LEN,
        "an unsized isptr typedef must point to a type without padding"
    );
}

impl<T: Wire> PointerTypedef for *mut T {
    type Pointee = T;
}

impl<T: Wire> PointerTypedef for *const T {
    type Pointee = T;
}

/// A sequence: the owned form of a deep-copied member.
impl<T: Wire> Wire for Vec<T> {
    const MIN_WIRE_LEN: usize = 8;
    fn encode(&self, w: &mut Writer) {
        w.put_slice(self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.get_vec()
    }
    fn zeroed() -> Self {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::count_arg;

    #[test]
    fn size_arguments_convert_as_c_does_and_refuse_what_c_cannot() {
        assert_eq!(count_arg("n", 7u32).ok(), Some(7));
        assert_eq!(count_arg("n", -1i32).ok(), None);
        assert_eq!(count_arg("n", 3.7f64).ok(), Some(3));
        assert_eq!(count_arg("n", 2.0f32).ok(), Some(2));
        assert_eq!(count_arg("n", -0.5f64).ok(), None);
        for bad in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            18_446_744_073_709_551_616.0,
        ] {
            assert_eq!(count_arg("n", bad).ok(), None, "{bad}");
        }
        assert_eq!(
            count_arg("n", 18_446_744_073_709_549_568.0f64).ok(),
            Some(18_446_744_073_709_549_568)
        );
    }
}
