/* secgear-rs: the secure channel's server side on the untrusted host
 * (libusecure_channel.so, which calls into libsecgear.so: link both).
 * The host relays handshake messages to the enclave and holds no keys.
 * cc_sec_chl_svr_callback sends exactly one answer through
 * ctx->conn_kit.send for every message it is given (an empty one for a
 * client's close); application data goes to the application's ECALLs. */
#ifndef SECURE_CHANNEL_HOST_H
#define SECURE_CHANNEL_HOST_H

#include <stdbool.h>

#include "enclave.h"
#include "status.h"
#include "secure_channel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int timerfd;
    int eventfd;
} sec_chl_timer_t;

typedef struct {
    cc_enclave_t *enclave_ctx; /* set by the application: a created enclave */
    sec_chl_timer_t timer;     /* unused: sessions expire inside the enclave */
    bool is_init;
} cc_sec_chl_svr_ctx_t;

typedef struct {
    cc_sec_chl_svr_ctx_t *svr_ctx;
    cc_conn_kit_t conn_kit;    /* one per client connection */
} cc_sec_chl_conn_ctx_t;

cc_enclave_result_t cc_sec_chl_svr_init(cc_sec_chl_svr_ctx_t *ctx);
cc_enclave_result_t cc_sec_chl_svr_fini(cc_sec_chl_svr_ctx_t *ctx);
cc_enclave_result_t cc_sec_chl_svr_callback(cc_sec_chl_conn_ctx_t *ctx, void *buf, size_t buf_len);

#ifdef __cplusplus
}
#endif

#endif
