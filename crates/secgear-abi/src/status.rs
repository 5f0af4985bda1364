//! Every `cc_enclave_result_t` of the original `status.h`, in declaration
//! order: its C name, its value, and the text the original
//! `cc_enclave_res2_str` gives it (`None`: it has none, and gets
//! [`UNKNOWN_TEXT`]). The C headers are checked against this table.

use crate::ErrorCode;

/// The C name of a code, if the original has one.
pub fn c_name(code: u32) -> Option<&'static str> {
    C_CODES
        .iter()
        .find(|(_, v, _)| *v == code)
        .map(|(n, _, _)| *n)
}

/// What the original `cc_enclave_res2_str` returns for `code`.
pub fn c_text(code: u32) -> &'static std::ffi::CStr {
    C_CODES
        .iter()
        .find(|(_, v, _)| *v == code)
        .and_then(|(_, _, t)| *t)
        .unwrap_or(UNKNOWN_TEXT)
}

impl ErrorCode {
    /// The `CC_ERROR_*` name of this code in the original `status.h`.
    pub fn c_name(self) -> Option<&'static str> {
        c_name(self.code())
    }
}

/// What the original prints for a code it has no text for.
pub const UNKNOWN_TEXT: &std::ffi::CStr =
    c"Unknown reason! Can not find this error number in system!";

/// `(name, value, text)` of each code.
pub const C_CODES: &[(&str, u32, Option<&std::ffi::CStr>)] = &[
    ("CC_SUCCESS", 0x00000000, Some(c"Operation successful.")),
    (
        "CC_ERROR_INVALID_CMD",
        0x00000001,
        Some(c"Invalid command."),
    ),
    (
        "CC_ERROR_SERVICE_NOT_EXIST",
        0x00000002,
        Some(c"Service not exist."),
    ),
    (
        "CC_ERROR_ENCLAVE_LOST",
        0x00000003,
        Some(c"Enclave not exist."),
    ),
    (
        "CC_ERROR_ENCLAVE_MAXIMUM",
        0x00000004,
        Some(c"The number of connections or enclave reaches the maximum."),
    ),
    (
        "CC_ERROR_REGISTER_EXIST_SERVICE",
        0x00000005,
        Some(c"Registering an Existing Service."),
    ),
    (
        "CC_ERROR_TARGET_DEAD_FATAL",
        0x00000006,
        Some(c"The target is crashed."),
    ),
    ("CC_ERROR_READ_DATA", 0x00000007, Some(c"Read file error.")),
    (
        "CC_ERROR_WRITE_DATA",
        0x00000008,
        Some(c"Write file error."),
    ),
    (
        "CC_ERROR_TRUNCATE_OBJECT",
        0x00000009,
        Some(c"File truncation error."),
    ),
    (
        "CC_ERROR_SEEK_DATA",
        0x0000000A,
        Some(c"Failed to find the file."),
    ),
    (
        "CC_ERROR_SYNC_DATA",
        0x0000000B,
        Some(c"File synchronization error."),
    ),
    (
        "CC_ERROR_RENAME_OBJECT",
        0x0000000C,
        Some(c"An error occurred when renaming the file."),
    ),
    (
        "CC_ERROR_INVALID_ENCLAVE",
        0x0000000D,
        Some(c"Invalid enclave."),
    ),
    ("CC_ERROR_INVALID_PATH", 0x0000000E, Some(c"Invalid path.")),
    (
        "CC_ERROR_INVALID_TYPE",
        0x0000000F,
        Some(c"Trust framwork sdk is not recognized."),
    ),
    ("CC_ERROR_OUT_OF_TCS", 0x00000010, Some(c"Out of TCS.")),
    (
        "CC_ERROR_ECALL_NOT_ALLOWED",
        0x00000011,
        Some(c"Ecall function is not available."),
    ),
    (
        "CC_ERROR_OCALL_NOT_ALLOWED",
        0x00000012,
        Some(c"Ocall function is not available."),
    ),
    (
        "CC_ERROR_INVALID_ENCLAVE_ID",
        0x00000013,
        Some(c"Invalid enclave ID."),
    ),
    (
        "CC_ERROR_NDEBUG_ENCLAVE",
        0x00000014,
        Some(c"Cc_enclave is not in debug mode."),
    ),
    (
        "CC_ERROR_OUT_OF_EPC",
        0x00000015,
        Some(c"Not enough EPC is available to load the enclave."),
    ),
    (
        "CC_ERROR_NO_DEVICE",
        0x00000016,
        Some(c"Can't find enclave device."),
    ),
    (
        "CC_ERROR_MEMORY_MAP_FAIL",
        0x00000017,
        Some(c"Page mapping failed in driver."),
    ),
    (
        "CC_ERROR_INVALID_METADATA",
        0x00000018,
        Some(c"The metadata is incorrect."),
    ),
    (
        "CC_ERROR_INVALID_VERSION",
        0x00000019,
        Some(c"Metadata version is inconsistent."),
    ),
    (
        "CC_ERROR_INVALID_MISC",
        0x0000001A,
        Some(c"The MiscSelct/MiscMask settings are not correct."),
    ),
    (
        "CC_ERROR_INVALID_ATTRIBUTE",
        0x0000001B,
        Some(c"The enclave is not authorized."),
    ),
    (
        "CC_ERROR_INVALID_CPUSVN",
        0x0000001C,
        Some(c"The cpu svn is beyond platform's cpu svn value."),
    ),
    (
        "CC_ERROR_INVALID_ISVSVN",
        0x0000001D,
        Some(c"The isv svn is greater than the enclave's isv svn."),
    ),
    (
        "CC_ERROR_INVALID_KEYNAME",
        0x0000001E,
        Some(c"The key name is an unsupported value."),
    ),
    (
        "CC_ERROR_AE_INVALID_EPIDBLOB",
        0x0000001F,
        Some(c"Indicates epid blob verification error."),
    ),
    (
        "CC_ERROR_SERVICE_INVALID_PRIVILEGE",
        0x00000020,
        Some(c"Enclave not authorized to run."),
    ),
    (
        "CC_ERROR_EPID_MEMBER_REVOKED",
        0x00000021,
        Some(c"The EPID group membership is revoked."),
    ),
    (
        "CC_ERROR_UPDATE_NEEDED",
        0x00000022,
        Some(c"SDK needs to be updated."),
    ),
    (
        "CC_ERROR_MC_NOT_FOUND",
        0x00000023,
        Some(c"The Monotonic Counter doesn't exist or has been invalided."),
    ),
    (
        "CC_ERROR_MC_NO_ACCESS_RIGHT",
        0x00000024,
        Some(c"Caller doesn't have the access right to specified VMC."),
    ),
    (
        "CC_ERROR_MC_USED_UP",
        0x00000025,
        Some(c"Monotonic counters are used out."),
    ),
    (
        "CC_ERROR_MC_OVER_QUOTA",
        0x00000026,
        Some(c"Monotonic counters exceeds quota limitation."),
    ),
    (
        "CC_ERROR_KDF_MISMATCH",
        0x00000027,
        Some(c"Key derivation function doesn't match during key exchange."),
    ),
    (
        "CC_ERROR_UNRECOGNIZED_PLATFORM",
        0x00000028,
        Some(c"EPID Provisioning failed due to platform not recognized by backend."),
    ),
    (
        "CC_ERROR_UNSUPPORTED_CONFIG",
        0x00000029,
        Some(c"The config is invalid."),
    ),
    (
        "CC_ERROR_PCL_ENCRYPTED",
        0x0000002A,
        Some(c"Trying to encrypt an already encrypted enclave."),
    ),
    (
        "CC_ERROR_PCL_NOT_ENCRYPTED",
        0x0000002B,
        Some(c"PCL enclave is not encrypted."),
    ),
    (
        "CC_ERROR_PCL_MAC_MISMATCH",
        0x0000002C,
        Some(c"Section mac result does not match build time mac."),
    ),
    (
        "CC_ERROR_PCL_SHA_MISMATCH",
        0x0000002D,
        Some(c"Unsealed key MAC does not match MAC of key hardcoded in enclave binary."),
    ),
    (
        "CC_ERROR_PCL_GUID_MISMATCH",
        0x0000002E,
        Some(c"GUID in sealed blob does not match GUID hardcoded in enclave binary."),
    ),
    (
        "CC_ERROR_UNSUPPORTED_ATT_KEY_ID",
        0x0000002F,
        Some(c"Platform quoting infrastructure does not support the key."),
    ),
    (
        "CC_ERROR_ATT_KEY_CERTIFICATION_FAILURE",
        0x00000030,
        Some(c"Failed to generate and certify the attestation key."),
    ),
    (
        "CC_ERROR_ATT_KEY_UNINITIALIZED",
        0x00000031,
        Some(c"Attestation key is not initialized."),
    ),
    (
        "CC_ERROR_INVALID_ATT_KEY_CERT_DATA",
        0x00000032,
        Some(c"Attestation data is not valid."),
    ),
    (
        "CC_ERROR_PLATFORM_CERT_UNAVAILABLE",
        0x00000033,
        Some(c"Cert is not available."),
    ),
    ("CC_ERROR_RA_PRE_ENV_INVALID_SCENARIO", 0x00000034, None),
    ("CC_ERROR_RA_MEMORY", 0x00000035, None),
    ("CC_ERROR_RA_PROVISION_NO_AS", 0x00000036, None),
    ("CC_ERROR_RA_GET_REPORT", 0x00000037, None),
    ("CC_ERROR_RA_REPORT_VERIFY_NONCE", 0x00000038, None),
    ("CC_ERROR_RA_REPORT_VERIFY_SIGNATURE", 0x00000039, None),
    ("CC_ERROR_RA_REPORT_VERIFY_HASH", 0x0000003A, None),
    ("CC_ERROR_RA_REPORT_VERIFY_INVALID_TYPE", 0x0000003B, None),
    ("CC_ERROR_RA_AGENT_NOT_INIT", 0x0000003C, None),
    ("CC_ERROR_RA_VERIFY_AGENT_NOT_INIT", 0x0000003D, None),
    ("CC_ERROR_LOCAL_REPORT_INVALID", 0x0000003E, None),
    ("CC_ERROR_LOCAL_REPORT_HASH_MISMATCH", 0x0000003F, None),
    ("CC_ERROR_SEC_CHL_INVALID_CONN", 0x00000040, None),
    ("CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH", 0x00000041, None),
    ("CC_ERROR_SEC_CHL_ENCRYPTED_LEN_INVALID", 0x00000042, None),
    (
        "CC_ERROR_SEC_CHL_DECRYPT_SESSIONID_INVALID",
        0x00000043,
        None,
    ),
    ("CC_ERROR_SEC_CHL_GEN_RANDOM", 0x00000044, None),
    ("CC_ERROR_SEC_CHL_SEND_MSG", 0x00000045, None),
    ("CC_ERROR_SEC_CHL_WAITING_RECV_MSG", 0x00000046, None),
    ("CC_ERROR_SEC_CHL_RECV_MSG_LEN_INVALID", 0x00000047, None),
    ("CC_ERROR_SEC_CHL_GET_SVR_PUBKEY", 0x00000048, None),
    ("CC_ERROR_SEC_CHL_PARSE_SVR_PUBKEY", 0x00000049, None),
    ("CC_ERROR_SEC_CHL_GET_PEER_EXCH_PARAM", 0x0000004A, None),
    (
        "CC_ERROR_SEC_CHL_VERIFY_PEER_EXCH_BUF_SIGNATURE",
        0x0000004B,
        None,
    ),
    ("CC_ERROR_SEC_CHL_INVALID_EXCH_BUF", 0x0000004C, None),
    ("CC_ERROR_SEC_CHL_GEN_LOCAL_EXCH_PARAM", 0x0000004D, None),
    ("CC_ERROR_DRIVE_SESSIONKEY", 0x0000004E, None),
    ("CC_ERROR_SEC_CHL_MEMORY", 0x0000004F, None),
    ("CC_ERROR_SEC_CHL_SET_PARAM_TO_PEER", 0x00000050, None),
    ("CC_ERROR_SEC_CHL_DESTROY_SVR", 0x00000051, None),
    ("CC_ERROR_SEC_CHL_ENCRYPT", 0x00000052, None),
    ("CC_ERROR_SEC_CHL_DECRYPT", 0x00000053, None),
    ("CC_ERROR_SEC_CHL_SVR_ALREADY_INIT", 0x00000054, None),
    ("CC_ERROR_SEC_CHL_SVR_INIT", 0x00000055, None),
    ("CC_ERROR_SEC_CHL_NOTREADY", 0x00000056, None),
    (
        "CC_ERROR_SEC_CHL_CLI_NUM_EXCEED_MAX_LIMIT",
        0x00000057,
        None,
    ),
    ("CC_ERROR_SEC_CHL_INIT_GET_TAID", 0x00000058, None),
    ("CC_ERROR_SEC_CHL_GET_RA_REPORT", 0x00000059, None),
    ("CC_ERROR_SEC_CHL_INIT_VERIFY_REPORT", 0x0000005A, None),
    ("CC_ERROR_SEC_CHL_INVALID_REPORT", 0x0000005B, None),
    ("CC_ERROR_SEC_CHL_ENCLAVE_UNSEAL_ENC_KEY", 0x0000005C, None),
    ("CC_ERROR_SEC_CHL_INVALID_SESSION", 0x0000005D, None),
    ("CC_ERROR_SEC_CHL_INIT_SESSEION", 0x0000005E, None),
    (
        "CC_ERROR_OTRP_BASE",
        0x80000100,
        Some(c"OTRP base error num."),
    ),
    (
        "CC_ERROR_STORAGE_EIO",
        0x80001001,
        Some(c"Secure storage I/O error."),
    ),
    (
        "CC_ERROR_STORAGE_EAGAIN",
        0x80001002,
        Some(c"Secure storage partition is unavailable, try again."),
    ),
    (
        "CC_ERROR_STORAGE_ENOTDIR",
        0x80001003,
        Some(c"Operation object is not a directory."),
    ),
    (
        "CC_ERROR_STORAGE_EISDIR",
        0x80001004,
        Some(c"Operation object is a directory."),
    ),
    (
        "CC_ERROR_STORAGE_ENFILE",
        0x80001005,
        Some(c"The number of open files reaches the maximum of system."),
    ),
    (
        "CC_ERROR_STORAGE_EMFILE",
        0x80001006,
        Some(c"The number of open files reaches the maximum of process."),
    ),
    (
        "CC_ERROR_STORAGE_EROFS",
        0x80001007,
        Some(c"Secure storage partition is read-only."),
    ),
    (
        "CC_ERROR_STORAGE_INSE_NOTSUPPORT",
        0x80001008,
        Some(c"SFS inse not supported."),
    ),
    (
        "CC_ERROR_STORAGE_INSE_ERROR",
        0x80001009,
        Some(c"SFS inse encrypto/decrypto error."),
    ),
    (
        "CC_ERROR_STORAGE_NOT_FOUND",
        0x8000100A,
        Some(c"Secure storage file not found."),
    ),
    (
        "CC_ERROR_MSG_QUEUE_OVERFLOW",
        0x8000100B,
        Some(c"Service msg queue overflow."),
    ),
    (
        "CC_ERROR_STORAGE_NO_KEY_ID",
        0x8000100C,
        Some(c"Storage key id not found."),
    ),
    (
        "CC_ERROR_FILE_FLUSH_FAILED",
        0x8000100D,
        Some(c"Storage file flush fail."),
    ),
    (
        "CC_ERROR_FILE_CLOSE_FAILED",
        0x8000100E,
        Some(c"Storage file close fail."),
    ),
    (
        "CC_ERROR_CORRUPT_OBJECT",
        0xF0100001,
        Some(c"Object is damaged."),
    ),
    (
        "CC_ERROR_STORAGE_NOT_AVAILABLE",
        0xF0100003,
        Some(c"Secure storage partition is unavailable."),
    ),
    (
        "CC_ERROR_CIPHERTEXT_INVALID",
        0xF0100006,
        Some(c"ciphertext is incorrect."),
    ),
    (
        "CC_ISOCKET_ERROR_PROTOCOL",
        0xF1007001,
        Some(c"Isocket error protocol."),
    ),
    (
        "CC_ISOCKET_ERROR_REMOTE_CLOSED",
        0xF1007002,
        Some(c"Isocket remote closed."),
    ),
    (
        "CC_ISOCKET_ERROR_TIMEOUT",
        0xF1007003,
        Some(c"Isocket timeout."),
    ),
    (
        "CC_ISOCKET_ERROR_OUT_OF_RESOURCES",
        0xF1007004,
        Some(c"Isocket out of resources,"),
    ),
    (
        "CC_ISOCKET_ERROR_LARGE_BUFFER",
        0xF1007005,
        Some(c"Isocket large buffer,"),
    ),
    (
        "CC_ISOCKET_WARNING_PROTOCOL",
        0xF1007006,
        Some(c"Isocket warning protocol."),
    ),
    ("CC_ERROR_GENERIC", 0xFFFF0000, Some(c"generic error.")),
    (
        "CC_ERROR_ACCESS_DENIED",
        0xFFFF0001,
        Some(c"Permission denied."),
    ),
    ("CC_ERROR_CANCEL", 0xFFFF0002, Some(c"Operation cancelled.")),
    (
        "CC_ERROR_ACCESS_CONFLICT",
        0xFFFF0003,
        Some(c"Concurrent access causes conflicts."),
    ),
    (
        "CC_ERROR_EXCESS_DATA",
        0xFFFF0004,
        Some(c"The operation contains too much data."),
    ),
    (
        "CC_ERROR_BAD_FORMAT",
        0xFFFF0005,
        Some(c"The format is incorrect."),
    ),
    (
        "CC_ERROR_BAD_PARAMETERS",
        0xFFFF0006,
        Some(c"Invalid parameter."),
    ),
    ("CC_ERROR_BAD_STATE", 0xFFFF0007, Some(c"Bad state.")),
    (
        "CC_ERROR_ITEM_NOT_FOUND",
        0xFFFF0008,
        Some(c"The requested item is not found."),
    ),
    (
        "CC_ERROR_NOT_IMPLEMENTED",
        0xFFFF0009,
        Some(c"operation is not implemented."),
    ),
    (
        "CC_ERROR_NOT_SUPPORTED",
        0xFFFF000A,
        Some(c"feature or type is not support."),
    ),
    ("CC_ERROR_NO_DATA", 0xFFFF000B, Some(c"There is no data.")),
    (
        "CC_ERROR_OUT_OF_MEMORY",
        0xFFFF000C,
        Some(c"Out of memory."),
    ),
    ("CC_ERROR_BUSY", 0xFFFF000D, Some(c"Busy system.")),
    (
        "CC_ERROR_COMMUNICATION",
        0xFFFF000E,
        Some(c"communication failed."),
    ),
    (
        "CC_ERROR_SECURITY",
        0xFFFF000F,
        Some(c"Security error detected."),
    ),
    (
        "CC_ERROR_SHORT_BUFFER",
        0xFFFF0010,
        Some(c"Buffer is too short."),
    ),
    (
        "CC_ERROR_EXTERNAL_CANCEL",
        0xFFFF0011,
        Some(c"Operation is interrupted by external event."),
    ),
    ("CC_PENDING", 0xFFFF2000, Some(c"service is pending.")),
    ("CC_PENDING2", 0xFFFF2001, Some(c"service is pending2.")),
    ("CC_PENDING3", 0xFFFF2002, Some(c"service is pending3.")),
    ("CC_ERROR_TIMEOUT", 0xFFFF3001, Some(c"Request timed out.")),
    (
        "CC_ERROR_OVERFLOW",
        0xFFFF300F,
        Some(c"Calculation overflow."),
    ),
    (
        "CC_ERROR_ENCLAVE_DEAD",
        0xFFFF3024,
        Some(c"Enclave crashed."),
    ),
    (
        "CC_ERROR_STORAGE_NO_SPACE",
        0xFFFF3041,
        Some(c"Insufficient space to store files."),
    ),
    (
        "CC_ERROR_MAC_INVALID",
        0xFFFF3071,
        Some(c"MAC value verification error."),
    ),
    (
        "CC_ERROR_SIGNATURE_INVALID",
        0xFFFF3072,
        Some(c"signature verification error."),
    ),
    (
        "CC_CLIENT_INTR",
        0xFFFF4000,
        Some(c"Interrupted by CFC. Broken control flow is detected."),
    ),
    (
        "CC_ERROR_TIME_NOT_SET",
        0xFFFF5000,
        Some(c"Time is not set."),
    ),
    (
        "CC_ERROR_TIME_NEEDS_RESET",
        0xFFFF5001,
        Some(c"Time needs reset."),
    ),
    ("CC_FAIL", 0xFFFF5002, Some(c"Operation fail.")),
    ("CC_ERROR_TIMER", 0xFFFF6000, Some(c"Error timer.")),
    (
        "CC_ERROR_TIMER_CREATE_FAILED",
        0xFFFF6001,
        Some(c"Timer create failed."),
    ),
    (
        "CC_ERROR_TIMER_DESTORY_FAILED",
        0xFFFF6002,
        Some(c"Timer destroy failed."),
    ),
    (
        "CC_ERROR_TIMER_NOT_FOUND",
        0xFFFF6003,
        Some(c"Timer not found."),
    ),
    (
        "CC_ERROR_RPMB_BASE",
        0xFFFF7000,
        Some(c"RPMB base error number."),
    ),
    (
        "CC_ERROR_TUI_BASE",
        0xFFFF7110,
        Some(c"Tui base error number."),
    ),
    (
        "CC_ERROR_SEC_FLASH_NOT_AVAILABLE",
        0xFFFF7111,
        Some(c"Sec flash is not available."),
    ),
    (
        "CC_ERROR_SESRV_NOT_AVAILABLE",
        0xFFFF7112,
        Some(c"Sesrv is not available."),
    ),
    (
        "CC_ERROR_BIOSRV_NOT_AVAILABLE",
        0xFFFF7113,
        Some(c"Biosrv is not available."),
    ),
    (
        "CC_ERROR_ROTSRV_NOT_AVAILABLE",
        0xFFFF7114,
        Some(c"Rotsrv is not available."),
    ),
    (
        "CC_ERROR_ARTSRV_NOT_AVAILABLE",
        0xFFFF7115,
        Some(c"Artsrv is not available."),
    ),
    (
        "CC_ERROR_ANTIROOT_RSP_FAIL",
        0xFFFF9110,
        Some(c"Antiroot rsp failed."),
    ),
    (
        "CC_ERROR_ANTIROOT_INVOKE_ERROR",
        0xFFFF9111,
        Some(c"Antiroot invoke error."),
    ),
    ("CC_ERROR_AUDIT_FAIL", 0xFFFF9112, Some(c"Audit fail.")),
    (
        "CC_ERROR_UNEXPECTED",
        0xFFFF9113,
        Some(c"Unexpected value."),
    ),
    (
        "CC_ERROR_INVALID_HANDLE",
        0xFFFF9114,
        Some(c"Invalid sdk or engine handler."),
    ),
    (
        "CC_ERROR_NO_FIND_REGFUNC",
        0xFFFF9115,
        Some(c"Can't find register function."),
    ),
    (
        "CC_ERROR_NO_FIND_UNREGFUNC",
        0xFFFF9116,
        Some(c"Can't find unregister function."),
    ),
    ("CC_ERROR_FEATURE_FUNC_NOT_EXIST", 0xFFFF9200, None),
    ("CC_ERROR_SWITCHLESS_DISABLED", 0xFFFF9220, None),
    ("CC_ERROR_SWITCHLESS_TASK_POOL_FULL", 0xFFFF9221, None),
    ("CC_ERROR_SWITCHLESS_INVALID_ARG_NUM", 0xFFFF9222, None),
    ("CC_ERROR_SWITCHLESS_INVALID_FUNCTION_ID", 0xFFFF9223, None),
    ("CC_ERROR_SWITCHLESS_FUNCTION_NOT_EXIST", 0xFFFF9224, None),
    ("CC_ERROR_SWITCHLESS_REINIT", 0xFFFF9225, None),
    ("CC_ERROR_TSWITCHLESS_INIT_FAILED", 0xFFFF9226, None),
    ("CC_ERROR_SHARED_MEMORY_REPEAT_REGISTER", 0xFFFF9227, None),
    (
        "CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID",
        0xFFFF9228,
        None,
    ),
    ("CC_ERROR_SHARED_MEMORY_NOT_REGISTERED", 0xFFFF9229, None),
    ("CC_ERROR_ADDRESS_UNACCESSABLE", 0xFFFF922A, None),
    ("CC_ERROR_SWITCHLESS_INVALID_TASK_ID", 0xFFFF922B, None),
    (
        "CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED",
        0xFFFF922C,
        None,
    ),
    ("CC_ERROR_SWITCHLESS_ROLLBACK2COMMON", 0xFFFF922D, None),
    ("CC_MAXIMUM_ERROR", 0xFFFF922E, Some(c"Maximum number.")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_code_is_one_of_the_original_codes() {
        for code in ErrorCode::NAMED {
            assert!(
                code.c_name().is_some(),
                "{code:?} ({:#x}) is not in status.h",
                code.code()
            );
        }
        assert_eq!(C_CODES.len(), 184);
        assert_eq!(c_name(0xFFFF_0006), Some("CC_ERROR_BAD_PARAMETERS"));
        assert_eq!(c_text(0xFFFF_0006), c"Invalid parameter.");
        assert_eq!(c_text(0xFFFF_9221), UNKNOWN_TEXT);
    }

    #[test]
    fn values_are_unique_and_in_declaration_order_within_each_run() {
        let mut seen = std::collections::HashSet::new();
        for (name, value, _) in C_CODES {
            assert!(seen.insert(value), "{name} repeats {value:#x}");
        }
    }
}
