//! The secure channel's C entry points with bad arguments: the original's
//! codes, no crash, and the server still answers a client it cannot serve
//! (a client blocked reading would otherwise wait for ever).

use csecure_channel::types::{cc_conn_kit_t as ClientKit, cc_sec_chl_ctx_t};
use std::ffi::c_void;
use std::sync::Mutex;
use usecure_channel::types::{
    cc_conn_kit_t, cc_sec_chl_conn_ctx_t, cc_sec_chl_svr_ctx_t, sec_chl_timer_t,
};

const BAD_PARAMETERS: u32 = 0xFFFF_0006;
const SEC_CHL_INVALID_CONN: u32 = 0x40;
const SEC_CHL_RECV_MSG_LEN_INVALID: u32 = 0x47;
const SEC_CHL_SVR_INIT: u32 = 0x55;
const SEC_CHL_NOTREADY: u32 = 0x56;

/// libusecure_channel calls libsecgear's relay: keep it in this binary.
#[used]
static RELAY: unsafe extern "C" fn(
    *mut secgear::types::cc_enclave_t,
    i32,
    *const u8,
    usize,
    *mut *mut u8,
    *mut usize,
) -> u32 = secgear::sg_channel_relay;

static SENT: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

unsafe extern "C" fn record(_conn: *mut c_void, buf: *mut c_void, count: usize) -> i32 {
    // SAFETY: the library passes a live buffer of `count` bytes.
    let bytes = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), count) }.to_vec();
    SENT.lock().expect("lock").push(bytes);
    count as i32
}

fn null() -> *mut c_void {
    std::ptr::null_mut()
}

#[test]
fn client_entry_points_refuse_null_and_uninitialised_contexts() {
    let mut ctx = cc_sec_chl_ctx_t {
        session_id: 0,
        conn_kit: ClientKit {
            send: None,
            conn: null(),
        },
        handle: null(),
        uuid: std::ptr::null_mut(),
    };
    let mut len = 64usize;
    let mut buf = [0u8; 64];
    // SAFETY: every pointer is null or a live local.
    unsafe {
        assert_eq!(
            csecure_channel::cc_sec_chl_client_init(0, std::ptr::null_mut()),
            BAD_PARAMETERS
        );
        assert_eq!(
            csecure_channel::cc_sec_chl_client_init(7, &mut ctx),
            BAD_PARAMETERS
        );
        assert_eq!(
            csecure_channel::cc_sec_chl_client_init(0, &mut ctx),
            SEC_CHL_INVALID_CONN
        );
        assert!(ctx.handle.is_null(), "a refused init keeps no state");
        let p = buf.as_mut_ptr().cast();
        assert_eq!(
            csecure_channel::cc_sec_chl_client_callback(&mut ctx, p, 4),
            SEC_CHL_NOTREADY
        );
        assert_eq!(
            csecure_channel::cc_sec_chl_client_callback(std::ptr::null_mut(), p, 4),
            BAD_PARAMETERS
        );
        assert_eq!(
            csecure_channel::cc_sec_chl_client_encrypt(&mut ctx, p, 4, p, &mut len),
            SEC_CHL_NOTREADY
        );
        assert_eq!(
            csecure_channel::cc_sec_chl_client_decrypt(&mut ctx, p, 4, p, &mut len),
            SEC_CHL_NOTREADY
        );
        csecure_channel::cc_sec_chl_client_fini(std::ptr::null_mut());
        csecure_channel::cc_sec_chl_client_fini(&mut ctx);
        csecure_channel::cc_sec_chl_client_fini(&mut ctx);
    }
}

#[test]
fn server_entry_points_refuse_bad_contexts_and_answer_bad_frames_with_a_reject() {
    let mut enclave = [0u8; 256]; // never dereferenced: every call fails before
    let mut svr = cc_sec_chl_svr_ctx_t {
        enclave_ctx: null(),
        timer: sec_chl_timer_t {
            timerfd: 0,
            eventfd: 0,
        },
        is_init: false,
    };
    let mut conn = 0i32;
    let mut ctx = cc_sec_chl_conn_ctx_t {
        svr_ctx: &mut svr,
        conn_kit: cc_conn_kit_t {
            send: Some(record),
            conn: (&mut conn as *mut i32).cast(),
        },
    };
    let mut garbage = *b"not a secure channel frame";
    let g = garbage.as_mut_ptr().cast();
    // SAFETY: every pointer is null or a live local.
    unsafe {
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_init(std::ptr::null_mut()),
            BAD_PARAMETERS
        );
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_init(&mut svr),
            BAD_PARAMETERS,
            "no enclave"
        );
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_callback(&mut ctx, g, garbage.len()),
            SEC_CHL_SVR_INIT
        );
        svr.enclave_ctx = enclave.as_mut_ptr().cast();
        assert_eq!(usecure_channel::cc_sec_chl_svr_init(&mut svr), 0);
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_init(&mut svr),
            0,
            "idempotent"
        );
        assert_eq!((svr.timer.timerfd, svr.timer.eventfd), (-1, -1));
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_callback(&mut ctx, null(), 4),
            BAD_PARAMETERS
        );
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_callback(std::ptr::null_mut(), g, 4),
            BAD_PARAMETERS
        );
        ctx.conn_kit.send = None;
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_callback(&mut ctx, g, garbage.len()),
            SEC_CHL_INVALID_CONN
        );
        ctx.conn_kit.send = Some(record);
        SENT.lock().expect("lock").clear();
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_callback(&mut ctx, g, garbage.len()),
            SEC_CHL_RECV_MSG_LEN_INVALID
        );
        let sent = SENT.lock().expect("lock").clone();
        assert_eq!(sent.len(), 1, "exactly one answer");
        let frame = secgear_channel_wire_parse(&sent[0]);
        assert_eq!(frame, 4, "a REJECT frame");
        assert_eq!(usecure_channel::cc_sec_chl_svr_fini(&mut svr), 0);
        assert_eq!(
            usecure_channel::cc_sec_chl_svr_callback(&mut ctx, g, garbage.len()),
            SEC_CHL_SVR_INIT
        );
    }
}

/// The kind byte of a frame (`secgear-channel`'s wire format: magic, version, kind).
fn secgear_channel_wire_parse(frame: &[u8]) -> u8 {
    assert_eq!(frame.get(..4), Some(&b"SGC1"[..]), "{frame:?}");
    frame[5]
}
