/* secgear-rs: the secure channel inside the enclave (libsecgear_tee.a;
 * libtsecure_channel.a names the same library). session_id is the client's
 * cc_sec_chl_ctx_t::session_id, which the application carries with its
 * messages. Both return 0 on success, -1 for a NULL argument or an unknown
 * session, or a cc_enclave_result_t code; an output buffer that is NULL or
 * too small gets CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH and the length needed. */
#ifndef SECURE_CHANNEL_ENCLAVE_H
#define SECURE_CHANNEL_ENCLAVE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int cc_sec_chl_enclave_encrypt(size_t session_id, void *plain, size_t plain_len, void *encrypt,
                               size_t *encrypt_len);
int cc_sec_chl_enclave_decrypt(size_t session_id, void *encrypt, size_t encrypt_len, void *plain,
                               size_t *plain_len);

#ifdef __cplusplus
}
#endif

#endif
