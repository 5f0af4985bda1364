/* seal_data enclave: seals a message with additional text, unseals it, and
 * hands the message back to the host. */
#include <stdio.h>
#include <string.h>

#include "seal_data_t.h"
#include "secgear_dataseal.h"
#include "status.h"

uint8_t seal_data[] = "Data to encrypt";
uint8_t additional_text[] = "add mac text";

int seal_data_test_func(char *buf, uint32_t buf_len)
{
    uint32_t ret;
    uint8_t *decrypted = NULL, *mac = NULL;
    cc_enclave_sealed_data_t *sealed = NULL;

    if (buf == NULL || buf_len == 0) {
        return CC_ERROR_BAD_PARAMETERS;
    }
    uint32_t data_len = strlen((const char *)seal_data);
    uint32_t add_len = strlen((const char *)additional_text);
    uint32_t sealed_len = cc_enclave_get_sealed_data_size(add_len, data_len);
    if (sealed_len == UINT32_MAX) {
        return CC_ERROR_OUT_OF_MEMORY;
    }
    sealed = (cc_enclave_sealed_data_t *)malloc(sealed_len);
    if (sealed == NULL) {
        return CC_ERROR_OUT_OF_MEMORY;
    }
    ret = cc_enclave_seal_data(seal_data, data_len, sealed, sealed_len, additional_text, add_len);
    if (ret != CC_SUCCESS) {
        goto done;
    }

    uint32_t encrypt_len = cc_enclave_get_encrypted_text_size(sealed);
    uint32_t mac_len = cc_enclave_get_add_text_size(sealed);
    /* One byte more than the texts: room for their terminators. */
    decrypted = (uint8_t *)calloc(1, encrypt_len + 1);
    mac = (uint8_t *)calloc(1, mac_len + 1);
    if (decrypted == NULL || mac == NULL) {
        ret = CC_ERROR_OUT_OF_MEMORY;
        goto done;
    }
    ret = cc_enclave_unseal_data(sealed, decrypted, &encrypt_len, mac, &mac_len);
    if (ret != CC_SUCCESS) {
        goto done;
    }
    if (strcmp((const char *)mac, (const char *)additional_text) != 0 || encrypt_len >= buf_len) {
        ret = CC_ERROR_GENERIC;
        goto done;
    }
    strncpy(buf, (const char *)decrypted, encrypt_len + 1);

done:
    free(sealed);
    free(decrypted);
    free(mac);
    return (int)ret;
}

int unseal_blob(uint8_t *blob, uint32_t len, char *data, char *add_text)
{
    const uint32_t header = sizeof(cc_enclave_sealed_data_t);
    if (blob == NULL || len == 0 || len > UINT32_MAX - header) {
        return CC_ERROR_BAD_PARAMETERS;
    }
    /* The sealed structure: its 20-byte header, then the sealed body as it came. */
    cc_enclave_sealed_data_t *sealed = (cc_enclave_sealed_data_t *)calloc(1, header + len);
    if (sealed == NULL) {
        return CC_ERROR_OUT_OF_MEMORY;
    }
    sealed->data_body_len = header + len;
    memcpy(sealed->data_body, blob, len);
    /* One byte of each 64 stays for the terminator. */
    uint32_t data_len = 63, add_len = 63;
    uint32_t ret = cc_enclave_unseal_data(sealed, (uint8_t *)data, &data_len, (uint8_t *)add_text, &add_len);
    free(sealed);
    return (int)ret;
}
