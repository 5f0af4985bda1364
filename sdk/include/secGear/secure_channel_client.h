/* secgear-rs: the secure channel's client (libcsecure_channel.so).
 *
 * cc_sec_chl_client_init runs the whole handshake: it sends through
 * ctx->conn_kit.send and waits for the replies the application passes to
 * cc_sec_chl_client_callback (from inside send, or from a receiving
 * thread). It returns CC_SUCCESS only after the enclave's evidence was
 * verified against the client configuration: a TOML file named by the
 * environment variable SECGEAR_SEC_CHL_CLIENT_CONFIG (default
 * /etc/secgear/secure_channel_client.toml) with trust_anchor, measurement
 * and allow_simulation. Failures: CC_ERROR_SEC_CHL_INIT_VERIFY_REPORT (the
 * configuration), CC_ERROR_SEC_CHL_INVALID_REPORT (the enclave is not the
 * expected one), CC_ERROR_SEC_CHL_WAITING_RECV_MSG (no reply in time), with
 * a log line on stderr saying why. After a failed init, call fini. */
#ifndef SECURE_CHANNEL_CLIENT_H
#define SECURE_CHANNEL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "secure_channel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_sec_chl_handle cc_sec_chl_handle_t;

typedef struct cc_sec_chl_ctx {
    size_t session_id;           /* set by init; the server side's session_id */
    cc_conn_kit_t conn_kit;      /* set by the application */
    cc_sec_chl_handle_t *handle; /* the library's state */
    char *uuid;                  /* unused: expectations come from the configuration file */
} cc_sec_chl_ctx_t;

typedef enum {
    CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM,
    CC_SEC_CHL_ALGO_MAX
} cc_sec_chl_algo_t;

cc_enclave_result_t cc_sec_chl_client_init(cc_sec_chl_algo_t algo, cc_sec_chl_ctx_t *ctx);
void cc_sec_chl_client_fini(cc_sec_chl_ctx_t *ctx);
cc_enclave_result_t cc_sec_chl_client_callback(cc_sec_chl_ctx_t *ctx, void *buf, size_t len);
/* encrypt == NULL or *encrypt_len too small: CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH,
 * and *encrypt_len is the length needed. */
cc_enclave_result_t cc_sec_chl_client_encrypt(cc_sec_chl_ctx_t *ctx, void *plain, size_t plain_len,
                                              void *encrypt, size_t *encrypt_len);
/* plain == NULL or *plain_len too small: CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH,
 * and *plain_len is the length needed. */
cc_enclave_result_t cc_sec_chl_client_decrypt(cc_sec_chl_ctx_t *ctx, void *encrypt, size_t encrypt_len,
                                              void *plain, size_t *plain_len);

#ifdef __cplusplus
}
#endif

#endif
