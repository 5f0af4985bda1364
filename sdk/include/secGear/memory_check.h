/* secgear-rs: where a pointer an enclave was given points (libsecgear_tee.a). */
#ifndef SECGEAR_MEMORY_CHECK_H
#define SECGEAR_MEMORY_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* (NULL, 0) is in both; NULL or a size of 0 alone is in neither. Host
 * memory is the shared memory the host allocated with cc_malloc_shared_memory. */
bool cc_enclave_memory_in_enclave(const void *addr, size_t size);
bool cc_enclave_memory_out_enclave(const void *addr, size_t size);

#ifdef __cplusplus
}
#endif

#endif
