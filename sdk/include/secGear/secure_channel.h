/* secgear-rs: what the secure channel's client and server share: the
 * connection kit through which the library sends; the application owns
 * the connection and does all receiving. */
#ifndef SECURE_CHANNEL_H
#define SECURE_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sends count bytes of buf on conn. Returns a negative value on failure. */
typedef int (*cc_conn_opt_funcptr_t)(void *conn, void *buf, size_t count);

typedef struct cc_connection_kit {
    cc_conn_opt_funcptr_t send;
    void *conn;
} cc_conn_kit_t;

static inline bool is_valid_conn_kit(cc_conn_kit_t *conn_kit)
{
    return conn_kit != NULL && conn_kit->send != NULL && conn_kit->conn != NULL;
}

#ifdef __cplusplus
}
#endif

#endif
