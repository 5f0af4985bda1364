/* secgear-rs: randomness inside an enclave (libsecgear_tee.a). */
#ifndef SECGEAR_RANDOM_H
#define SECGEAR_RANDOM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CC_ERROR_BAD_PARAMETERS for NULL or 0, CC_FAIL if the platform fails. */
cc_enclave_result_t cc_enclave_generate_random(void *buffer, size_t size);

#ifdef __cplusplus
}
#endif

#endif
