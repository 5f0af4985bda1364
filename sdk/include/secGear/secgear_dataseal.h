/*
 * secgear-rs: sealing inside an enclave (libsecgear_tee.a). data_body holds
 * this project's sealed blob (signer policy): a C enclave and a Rust
 * enclave of the same signer unseal each other's data.
 */
#ifndef SECGEAR_DATASEAL_H
#define SECGEAR_DATASEAL_H

#include <stdint.h>
#include <stdio.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _enclave_sealed_data_t {
    uint32_t data_body_len; /* the whole structure, these 20 header bytes included */
    uint8_t reserved[16];   /* zero */
    uint8_t data_body[];
} cc_enclave_sealed_data_t;

/* Bytes cc_enclave_seal_data needs; UINT32_MAX when too large. */
uint32_t cc_enclave_get_sealed_data_size(const uint32_t add_len, const uint32_t seal_data_len);
/* Lengths of the data and of the additional text inside; UINT32_MAX for NULL or bad input. */
uint32_t cc_enclave_get_encrypted_text_size(const cc_enclave_sealed_data_t *sealed_data);
uint32_t cc_enclave_get_add_text_size(const cc_enclave_sealed_data_t *sealed_data);

cc_enclave_result_t cc_enclave_seal_data(uint8_t *seal_data, uint32_t seal_data_len,
                                         cc_enclave_sealed_data_t *sealed_data, uint32_t sealed_data_len,
                                         uint8_t *additional_text, uint32_t additional_text_len);

cc_enclave_result_t cc_enclave_unseal_data(cc_enclave_sealed_data_t *sealed_data, uint8_t *decrypted_data,
                                           uint32_t *decrypted_data_len, uint8_t *additional_text,
                                           uint32_t *additional_text_len);

#ifdef __cplusplus
}
#endif

#endif
