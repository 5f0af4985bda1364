//! Result codes compatible with the original secGear `cc_enclave_result_t`.
//!
//! Only the codes this project can produce or must understand are named; any
//! other value read off the wire is kept as [`ErrorCode::Other`] so nothing is
//! lost when it is passed on.

use std::borrow::Cow;
use std::fmt;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $name:ident = $value:expr, $text:expr; )*) => {
        /// A `cc_enclave_result_t` value other than `CC_SUCCESS`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $name, )*
            /// A code this crate has no name for, kept verbatim.
            Other(u32),
        }

        impl ErrorCode {
            /// The numeric value of the original `cc_enclave_result_t`.
            pub const fn code(self) -> u32 {
                match self {
                    $( Self::$name => $value, )*
                    Self::Other(v) => v,
                }
            }

            /// Maps a numeric code back; `0` (success) is not an error and maps to `Other(0)`.
            pub const fn from_code(code: u32) -> Self {
                match code {
                    $( $value => Self::$name, )*
                    other => Self::Other(other),
                }
            }

            /// The English description the original SDK prints for this code.
            pub const fn description(self) -> &'static str {
                match self {
                    $( Self::$name => $text, )*
                    Self::Other(_) => "unrecognised error code",
                }
            }

            /// Every named code.
            pub const NAMED: &'static [ErrorCode] = &[$( Self::$name, )*];
        }
    };
}

error_codes! {
    InvalidCmd = 0x1, "invalid command";
    SecChlInvalidConn = 0x40, "secure channel: invalid connection kit";
    SecChlLenNotEnough = 0x41, "secure channel: output buffer too short";
    SecChlEncryptedLenInvalid = 0x42, "secure channel: invalid ciphertext length";
    SecChlDecryptSessionIdInvalid = 0x43, "secure channel: ciphertext of another session";
    SecChlSendMsg = 0x45, "secure channel: sending a message failed";
    SecChlWaitingRecvMsg = 0x46, "secure channel: no reply in time";
    SecChlRecvMsgLenInvalid = 0x47, "secure channel: invalid received message";
    SecChlGetSvrPubkey = 0x48, "secure channel: the server refused the handshake";
    SecChlGetPeerExchParam = 0x4A, "secure channel: invalid handshake message";
    SecChlEncrypt = 0x52, "secure channel: encryption failed";
    SecChlDecrypt = 0x53, "secure channel: decryption failed";
    SecChlSvrInit = 0x55, "secure channel: server not initialised";
    SecChlNotReady = 0x56, "secure channel: not established";
    SecChlCliNumExceedMaxLimit = 0x57, "secure channel: too many clients";
    SecChlInitVerifyReport = 0x5A, "secure channel: cannot set up evidence verification";
    SecChlInvalidReport = 0x5B, "secure channel: the enclave's evidence was refused";
    SecChlInvalidSession = 0x5D, "secure channel: unknown session";
    ServiceNotExist = 0x2, "service does not exist";
    EnclaveLost = 0x3, "enclave lost";
    EnclaveMaximum = 0x4, "maximum number of enclaves reached";
    InvalidEnclave = 0xD, "invalid enclave";
    InvalidPath = 0xE, "invalid enclave path";
    InvalidType = 0xF, "invalid enclave type";
    OutOfTcs = 0x10, "no free call slot (TCS) in the enclave";
    EcallNotAllowed = 0x11, "ECALL not allowed in this context";
    OcallNotAllowed = 0x12, "OCALL not allowed in this context";
    InvalidEnclaveId = 0x13, "invalid enclave id";
    NdebugEnclave = 0x14, "enclave is not a debug enclave";
    OutOfEpc = 0x15, "out of enclave memory";
    NoDevice = 0x16, "TEE device not present";
    Generic = 0xFFFF_0000, "generic error";
    AccessDenied = 0xFFFF_0001, "access denied";
    Cancel = 0xFFFF_0002, "operation cancelled";
    AccessConflict = 0xFFFF_0003, "access conflict";
    ExcessData = 0xFFFF_0004, "excess data";
    BadFormat = 0xFFFF_0005, "bad format";
    BadParameters = 0xFFFF_0006, "bad parameters";
    BadState = 0xFFFF_0007, "bad state";
    ItemNotFound = 0xFFFF_0008, "item not found";
    NotImplemented = 0xFFFF_0009, "not implemented";
    NotSupported = 0xFFFF_000A, "not supported";
    NoData = 0xFFFF_000B, "no data";
    OutOfMemory = 0xFFFF_000C, "out of memory";
    Busy = 0xFFFF_000D, "busy";
    Communication = 0xFFFF_000E, "communication error";
    Security = 0xFFFF_000F, "security error";
    ShortBuffer = 0xFFFF_0010, "buffer too short";
    Timeout = 0xFFFF_3001, "timeout";
    Overflow = 0xFFFF_300F, "overflow";
    EnclaveDead = 0xFFFF_3024, "enclave is dead";
    MacInvalid = 0xFFFF_3071, "MAC check failed";
    SignatureInvalid = 0xFFFF_3072, "signature invalid";
    Fail = 0xFFFF_5002, "operation failed";
    Unexpected = 0xFFFF_9113, "unexpected error";
    InvalidHandle = 0xFFFF_9114, "invalid handle";
    FeatureFuncNotExist = 0xFFFF_9200, "feature does not exist";
    SwitchlessDisabled = 0xFFFF_9220, "switchless calls are disabled";
    SwitchlessTaskPoolFull = 0xFFFF_9221, "switchless task pool is full";
    SwitchlessInvalidArgNum = 0xFFFF_9222, "invalid number of switchless arguments";
    SwitchlessInvalidFunctionId = 0xFFFF_9223, "invalid switchless function id";
    SwitchlessFunctionNotExist = 0xFFFF_9224, "switchless function does not exist";
    SwitchlessReinit = 0xFFFF_9225, "switchless already initialised";
    TswitchlessInitFailed = 0xFFFF_9226, "enclave switchless initialisation failed";
    SharedMemoryRepeatRegister = 0xFFFF_9227, "shared memory registered twice";
    SharedMemoryStartAddrInvalid = 0xFFFF_9228, "invalid shared memory address";
    SharedMemoryNotRegistered = 0xFFFF_9229, "shared memory not registered";
    AddressUnaccessable = 0xFFFF_922A, "address not accessible";
    SwitchlessInvalidTaskId = 0xFFFF_922B, "invalid switchless task id";
    SwitchlessAsyncTaskUnfinished = 0xFFFF_922C, "switchless async task unfinished";
    SwitchlessRollback2Common = 0xFFFF_922D, "switchless call rolled back to a normal call";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:#010x})", self.description(), self.code())
    }
}

/// An error of a call across the enclave boundary: a result code and, where
/// the side that raised it knows more, a detail for humans.
///
/// Only the code crosses the boundary; the detail stays on the side that
/// produced it (a peer's prose is not trusted input worth carrying).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}{}", if detail.is_empty() { String::new() } else { format!(": {detail}") })]
pub struct Error {
    code: ErrorCode,
    detail: Cow<'static, str>,
}

impl Error {
    pub fn new(code: ErrorCode, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }

    /// An error reported by the peer with nothing but its code.
    pub fn from_code(code: u32) -> Self {
        Self {
            code: ErrorCode::from_code(code),
            detail: Cow::Borrowed(""),
        }
    }

    pub fn kind(&self) -> ErrorCode {
        self.code
    }

    /// The numeric `cc_enclave_result_t` value.
    pub fn code(&self) -> u32 {
        self.code.code()
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn malformed(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::BadFormat, detail)
    }

    pub fn bad_parameters(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::BadParameters, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_the_original_values() {
        for (code, value) in [
            (ErrorCode::OutOfTcs, 0x10),
            (ErrorCode::EnclaveDead, 0xFFFF_3024),
            (ErrorCode::BadParameters, 0xFFFF_0006),
            (ErrorCode::SwitchlessRollback2Common, 0xFFFF_922D),
        ] {
            assert_eq!(code.code(), value);
            assert_eq!(ErrorCode::from_code(value), code);
        }
        assert_eq!(
            ErrorCode::from_code(0x1234_5678),
            ErrorCode::Other(0x1234_5678)
        );
    }

    #[test]
    fn display_names_code_and_detail() {
        let e = Error::bad_parameters("buf: length 3 exceeds 2");
        assert_eq!(
            e.to_string(),
            "bad parameters (0xffff0006): buf: length 3 exceeds 2"
        );
        assert_eq!(
            Error::from_code(0x10).to_string(),
            "no free call slot (TCS) in the enclave (0x00000010)"
        );
    }
}
