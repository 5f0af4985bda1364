/*
 * secgear-rs: the host API of secGear, over the Rust implementation
 * (libsecgear.so). Same names, layouts and values as the original headers.
 */
#ifndef SECGEAR_ENCLAVE_H
#define SECGEAR_ENCLAVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run the enclave in debug mode (the image must be signed as debuggable). */
#define SECGEAR_DEBUG_FLAG 0x1

typedef enum {
    SGX_ENCLAVE_TYPE = 0,
    GP_ENCLAVE_TYPE,
    PENGLAI_ENCLAVE_TYPE,
    /* The machine's TEE; the simulation TEE where there is none. */
    AUTO_ENCLAVE_TYPE,
    ENCLAVE_TYPE_MAX
} enclave_type_t;

/* Allocated by the application, zeroed: cc_enclave_t context = {0}; */
typedef struct {
    enclave_type_t type;
    char *path;
    uint32_t flags;
    pthread_rwlock_t rwlock;
    bool used_flag;
    void *private_data;
    struct list_ops_desc *list_ops_node;
} cc_enclave_t;

typedef enum {
    ENCLAVE_FEATURE_SWITCHLESS = 1,
    ENCLAVE_FEATURE_PROTECTED_CODE_LOADER
} enclave_features_type_t;

typedef struct {
    uint32_t setting_type;
    void *feature_desc; /* ENCLAVE_FEATURE_SWITCHLESS: a cc_sl_config_t */
} enclave_features_t;

cc_enclave_result_t cc_enclave_create(const char *path, enclave_type_t type, uint32_t version,
                                      uint32_t flags, const enclave_features_t *features,
                                      const uint32_t features_count, cc_enclave_t *enclave);

cc_enclave_result_t cc_enclave_destroy(cc_enclave_t *context);

/* The result of an asynchronous switchless ECALL (f_async) once it has finished;
 * CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED while it runs. */
cc_enclave_result_t cc_sl_get_async_result(cc_enclave_t *enclave, int task_id, void *retval);

#ifdef __cplusplus
}
#endif

#endif
