//! Every entry point refuses null pointers and bad strings with
//! `InvalidArgument` and a message, and never crashes.

use secgear_agent_c::SgStatus;
use secgear_agent_c::ffi::*;
use std::ffi::{CStr, CString};

fn last_error() -> String {
    // SAFETY: sg_last_error returns a valid NUL-terminated string owned by this thread.
    unsafe { CStr::from_ptr(sg_last_error()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn null_and_invalid_arguments_are_refused_with_a_message() {
    let image = CString::new(secgear_sim_tests::ENCLAVE_IMAGE).expect("path");
    // SAFETY: null and valid C strings, as the contract allows.
    unsafe {
        assert!(sg_agent_new(std::ptr::null(), std::ptr::null()).is_null());
        assert!(last_error().contains("enclave_image"));
        let bad_utf8 = [0xffu8, 0xfe, 0];
        assert!(sg_agent_new(bad_utf8.as_ptr().cast(), image.as_ptr()).is_null());
        assert!(last_error().contains("UTF-8"));
        let missing = CString::new("/nonexistent/enclave.signed").expect("path");
        assert!(sg_agent_new(std::ptr::null(), missing.as_ptr()).is_null());
        assert!(!last_error().is_empty());

        let mut buffer = SgBuffer {
            data: std::ptr::null_mut(),
            len: 0,
        };
        let mut text: *mut std::ffi::c_char = std::ptr::null_mut();
        assert_eq!(
            sg_agent_evidence(std::ptr::null(), [0u8; 64].as_ptr(), &mut buffer),
            SgStatus::InvalidArgument
        );
        assert_eq!(
            sg_agent_attest(std::ptr::null(), std::ptr::null(), 0, &mut text),
            SgStatus::InvalidArgument
        );
        assert_eq!(
            sg_agent_verify_token(std::ptr::null(), std::ptr::null(), &mut text),
            SgStatus::InvalidArgument
        );
        sg_buffer_free(std::ptr::null_mut());
        sg_buffer_free(&mut buffer);
        sg_string_free(std::ptr::null_mut());
        sg_agent_free(std::ptr::null_mut());

        // A live agent (no service) with bad arguments.
        let state = tempfile::tempdir().expect("dir");
        // SAFETY (env): the test sets it before the agent starts its enclave.
        std::env::set_var("SECGEAR_SIM_STATE_DIR", state.path().join("sim"));
        let agent = sg_agent_new(std::ptr::null(), image.as_ptr());
        assert!(!agent.is_null(), "{}", last_error());
        assert_eq!(
            sg_agent_evidence(agent, std::ptr::null(), &mut buffer),
            SgStatus::InvalidArgument
        );
        assert_eq!(
            sg_agent_evidence(agent, [0u8; 64].as_ptr(), std::ptr::null_mut()),
            SgStatus::InvalidArgument
        );
        assert_eq!(
            sg_agent_evidence(agent, [7u8; 64].as_ptr(), &mut buffer),
            SgStatus::Ok
        );
        assert!(!buffer.data.is_null() && buffer.len > 0);
        sg_buffer_free(&mut buffer);
        assert!(buffer.data.is_null() && buffer.len == 0, "emptied");
        assert_eq!(
            sg_agent_attest(agent, std::ptr::null(), 5, &mut text),
            SgStatus::InvalidArgument
        );
        assert_eq!(
            sg_agent_attest(agent, std::ptr::null(), 0, &mut text),
            SgStatus::InvalidArgument,
            "no service configured"
        );
        assert!(last_error().contains("service"), "{}", last_error());
        let token = CString::new("x").expect("token");
        assert_eq!(
            sg_agent_verify_token(agent, token.as_ptr(), std::ptr::null_mut()),
            SgStatus::InvalidArgument
        );
        sg_agent_free(agent);
    }
}
