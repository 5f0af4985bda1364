//! `libsecgear_tee.a`: the runtime of enclaves written in C. The generated
//! `X_t.c` defines the ECALL table and `main`, which hands both tables to
//! [`sg_enclave_main`]; from there the enclave runs on the same runtime as a
//! Rust enclave (sandbox, slots, switchless workers, sealing). The
//! application's enclave code gets the original's enclave API: sealing
//! (`secgear_dataseal.h`), randomness (`secgear_random.h`), memory checks
//! (`memory_check.h`), `PrintInfo`, and the enclave's end of the secure
//! channel (`secure_channel_enclave.h`).
//!
//! Every entry point checks its pointers and never unwinds into C.

mod calls;
mod channel;
mod memory;
mod seal;

pub use calls::{sg_enclave_main, sg_ocall, sg_print_info};
pub use channel::{cc_sec_chl_enclave_decrypt, cc_sec_chl_enclave_encrypt};
pub use memory::{
    cc_enclave_generate_random, cc_enclave_memory_in_enclave, cc_enclave_memory_out_enclave,
};
pub use seal::{
    cc_enclave_get_add_text_size, cc_enclave_get_encrypted_text_size,
    cc_enclave_get_sealed_data_size, cc_enclave_seal_data, cc_enclave_unseal_data,
};
