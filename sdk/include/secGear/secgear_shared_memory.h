/* secgear-rs: memory the host and the enclave share (needs ENCLAVE_FEATURE_SWITCHLESS). */
#ifndef SECGEAR_SHARED_MEMORY_H
#define SECGEAR_SHARED_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "enclave.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* size bytes, zeroed, that the application reads and writes directly; NULL on error. */
void *cc_malloc_shared_memory(cc_enclave_t *enclave, size_t size);
/* CC_ERROR_SHARED_MEMORY_NOT_REGISTERED for a pointer it did not give out. */
cc_enclave_result_t cc_free_shared_memory(cc_enclave_t *enclave, void *ptr);

#ifdef __cplusplus
}
#endif

#endif
