//! `cc_enclave_create` and `cc_enclave_destroy`.

use crate::ffi::{guarded, slice, text};
use crate::lock;
use crate::ocalls::CallerOcalls;
use crate::types::*;
use secgear_abi::{Error, ErrorCode};
use secgear_host::{Enclave, SwitchlessConfig, TeeType, WorkersPolicy};
use std::ffi::{CString, c_char, c_void};
use std::sync::Arc;

/// What `private_data` points to.
pub(crate) struct Context {
    pub(crate) enclave: Enclave,
    pub(crate) ocalls: Arc<CallerOcalls>,
    pub(crate) pending: crate::tables::Pending,
    pub(crate) shared: crate::tables::SharedBuffers,
}

/// Which backend an `enclave_type_t` asks for. `AUTO_ENCLAVE_TYPE` is the
/// machine's TEE, or the simulator where there is none (the simulator is
/// this release's only loader, so existing programs run unchanged).
fn tee_for(kind: enclave_type_t) -> Result<TeeType, Error> {
    match kind {
        SGX_ENCLAVE_TYPE => Ok(TeeType::Sgx),
        GP_ENCLAVE_TYPE => Ok(TeeType::Itrustee),
        PENGLAI_ENCLAVE_TYPE => Ok(TeeType::Penglai),
        AUTO_ENCLAVE_TYPE => Ok(match secgear_host::Registry::builtin().auto() {
            Ok(backend) => backend.tee(),
            Err(e) => {
                tracing::info!(target: "secgear::c", "{e}; AUTO_ENCLAVE_TYPE uses the simulation TEE");
                TeeType::Sim
            }
        }),
        other => Err(Error::new(
            ErrorCode::InvalidType,
            format!("enclave type {other} is not one of SGX (0), GP (1), PENGLAI (2), AUTO (3)"),
        )),
    }
}

/// `cc_sl_config_t` in this project's terms, refused with the field named
/// when out of range (`SwitchlessConfig::validate`, as for Rust callers).
pub(crate) fn switchless_config(c: &cc_sl_config_t) -> Result<SwitchlessConfig, Error> {
    let defaults = SwitchlessConfig::default();
    let workers_policy = match c.workers_policy {
        WORKERS_POLICY_BUSY => WorkersPolicy::Busy,
        WORKERS_POLICY_WAKEUP => WorkersPolicy::Wakeup,
        other => {
            return Err(Error::bad_parameters(format!(
                "switchless.workers_policy = {other} is neither WORKERS_POLICY_BUSY (0) nor WORKERS_POLICY_WAKEUP (1)"
            )));
        }
    };
    let or_default = |value: u32, default: u32| if value == 0 { default } else { value };
    let cores = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: CPU_ISSET reads one bit of a valid cpu_set_t below CPU_SETSIZE.
        .filter(|&core| unsafe { libc::CPU_ISSET(core, &c.tworkers_cores) })
        .collect();
    let config = SwitchlessConfig {
        num_uworkers: c.num_uworkers,
        num_tworkers: or_default(c.num_tworkers, defaults.num_tworkers),
        pool_size: or_default(c.sl_call_pool_size_qwords, defaults.pool_size),
        retries_before_fallback: or_default(
            c.retries_before_fallback,
            defaults.retries_before_fallback,
        ),
        retries_before_sleep: or_default(c.retries_before_sleep, defaults.retries_before_sleep),
        parameter_num: c.num_max_params,
        workers_policy,
        rollback_to_common: c.rollback_to_common != 0,
        cores,
        shared_memory: defaults.shared_memory,
    };
    config.validate()?;
    Ok(config)
}

/// The switchless settings among `features`, if any.
///
/// # Safety
/// Each feature's `feature_desc` is null or points to what its
/// `setting_type` says (a `cc_sl_config_t` for the switchless feature).
unsafe fn features_config(
    features: &[enclave_features_t],
) -> Result<Option<SwitchlessConfig>, Error> {
    let mut switchless = None;
    for feature in features {
        match feature.setting_type {
            ENCLAVE_FEATURE_SWITCHLESS => {
                let desc = feature.feature_desc.cast::<cc_sl_config_t>();
                if desc.is_null() || !desc.is_aligned() {
                    return Err(Error::bad_parameters(
                        "ENCLAVE_FEATURE_SWITCHLESS needs a cc_sl_config_t in feature_desc",
                    ));
                }
                if switchless.is_some() {
                    return Err(Error::bad_parameters(
                        "ENCLAVE_FEATURE_SWITCHLESS given twice",
                    ));
                }
                // SAFETY: non-null and aligned; the caller promises a cc_sl_config_t.
                switchless = Some(switchless_config(unsafe { &*desc })?);
            }
            ENCLAVE_FEATURE_PROTECTED_CODE_LOADER => {
                return Err(Error::new(
                    ErrorCode::NotSupported,
                    "ENCLAVE_FEATURE_PROTECTED_CODE_LOADER (SGX PCL) is not supported",
                ));
            }
            other => {
                return Err(Error::new(
                    ErrorCode::FeatureFuncNotExist,
                    format!("unknown enclave feature {other}"),
                ));
            }
        }
    }
    Ok(switchless)
}

/// Creates an enclave from the signed image at `path` into the
/// application's zeroed `enclave` context.
///
/// # Safety
/// `path` is null or a NUL-terminated string; `features` is null or points
/// to `features_count` features; `enclave` is null or points to a writable
/// `cc_enclave_t` that no other thread uses during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_enclave_create(
    path: *const c_char,
    r#type: enclave_type_t,
    version: u32,
    flags: u32,
    features: *const enclave_features_t,
    features_count: u32,
    enclave: *mut cc_enclave_t,
) -> cc_enclave_result_t {
    crate::logging::init();
    guarded(|| {
        // The checks, and their codes, in the original's order.
        if enclave.is_null() || !enclave.is_aligned() {
            return Err(Error::new(
                ErrorCode::InvalidEnclaveId,
                "the cc_enclave_t context is NULL",
            ));
        }
        // SAFETY: checked non-null and aligned; the caller gives us the context.
        if unsafe { (*enclave).used_flag } {
            return Err(Error::new(
                ErrorCode::InvalidEnclaveId,
                "the cc_enclave_t context holds a live enclave: destroy it first",
            ));
        }
        if path.is_null() {
            return Err(Error::new(ErrorCode::InvalidPath, "path is NULL"));
        }
        // SAFETY: forwarded caller contracts.
        let features = unsafe { slice(features, features_count as usize, "features") }?;
        if flags & !SECGEAR_DEBUG_FLAG != 0 {
            return Err(Error::new(
                ErrorCode::NotSupported,
                format!(
                    "unknown flags {:#x} (only SECGEAR_DEBUG_FLAG is defined)",
                    flags & !SECGEAR_DEBUG_FLAG
                ),
            ));
        }
        // SAFETY: non-null, and the caller promises a NUL-terminated string.
        let image = unsafe { text(path, "path") }
            .map_err(|e| Error::new(ErrorCode::InvalidPath, e.detail().to_owned()))?;
        let tee = tee_for(r#type)?;
        if version != 0 {
            return Err(Error::bad_parameters(format!("version {version} is not 0")));
        }
        // SAFETY: forwarded caller contract.
        let switchless = unsafe { features_config(features) }?;
        let uworkers = switchless.as_ref().is_some_and(|c| c.num_uworkers > 0);
        let ocalls = Arc::new(CallerOcalls::new(uworkers));
        let mut builder = Enclave::builder(image)
            .tee(tee)
            .debug(flags & SECGEAR_DEBUG_FLAG != 0)
            .ocalls(ocalls.clone());
        if let Some(config) = switchless {
            builder = builder.switchless(config);
        }
        let created = builder.create()?;
        let copy = CString::new(image).map_err(|_| Error::bad_parameters("path"))?;
        let context = Box::new(Context {
            enclave: created,
            ocalls,
            pending: Default::default(),
            shared: Default::default(),
        });
        // SAFETY: the context is the caller's, exclusively, for this call.
        unsafe {
            lock::init(enclave)?;
            (*enclave).r#type = r#type;
            (*enclave).path = copy.into_raw();
            (*enclave).flags = flags;
            (*enclave).private_data = Box::into_raw(context).cast::<c_void>();
            (*enclave).list_ops_node = std::ptr::null_mut();
            (*enclave).used_flag = true;
        }
        Ok(())
    })
}

/// Destroys the enclave of a context made by `cc_enclave_create`, after
/// any call in progress on it. A second destroy fails with
/// `CC_ERROR_BAD_PARAMETERS`.
///
/// # Safety
/// `context` is null or points to a `cc_enclave_t` that is zeroed or was
/// passed to `cc_enclave_create`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_enclave_destroy(context: *mut cc_enclave_t) -> cc_enclave_result_t {
    guarded(|| {
        if context.is_null() || !context.is_aligned() {
            return Err(Error::bad_parameters("the cc_enclave_t context is NULL"));
        }
        // SAFETY: a zeroed or created context, per the caller; the guard
        // excludes every call on it while we tear it down.
        let _held = unsafe { lock::take(context, true) }?;
        // SAFETY: as above, under the write lock.
        let (used, data, path) = unsafe {
            let c = &mut *context;
            let taken = (c.used_flag, c.private_data, c.path);
            c.used_flag = false;
            c.private_data = std::ptr::null_mut();
            c.path = std::ptr::null_mut();
            taken
        };
        if !used || data.is_null() {
            return Err(Error::bad_parameters(
                "the cc_enclave_t context holds no enclave (never created, or destroyed already)",
            ));
        }
        if !path.is_null() {
            // SAFETY: made by `CString::into_raw` in create, taken once.
            drop(unsafe { CString::from_raw(path) });
        }
        // SAFETY: made by `Box::into_raw` in create, taken once under the lock.
        let context = unsafe { Box::from_raw(data.cast::<Context>()) };
        context.enclave.destroy()
    })
}

/// Runs `body` with the live enclave of `context`, holding its read lock
/// (so a concurrent destroy waits for the call).
///
/// # Safety
/// `context` is null or points to a zeroed or created `cc_enclave_t`.
pub(crate) unsafe fn with_enclave<T>(
    context: *mut cc_enclave_t,
    body: impl FnOnce(&Context) -> Result<T, Error>,
) -> Result<T, Error> {
    if context.is_null() || !context.is_aligned() {
        return Err(Error::new(
            ErrorCode::InvalidEnclaveId,
            "the cc_enclave_t context is NULL",
        ));
    }
    // SAFETY: forwarded caller contract.
    let _held = unsafe { lock::take(context, false) }?;
    // SAFETY: under the read lock, destroy cannot free it meanwhile.
    let (used, data) = unsafe { ((*context).used_flag, (*context).private_data) };
    if !used || data.is_null() {
        return Err(Error::new(
            ErrorCode::InvalidEnclave,
            "the cc_enclave_t context holds no enclave (never created, or destroyed)",
        ));
    }
    // SAFETY: made by create, freed only by destroy under the write lock.
    body(unsafe { &*data.cast::<Context>() })
}
