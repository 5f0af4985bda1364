#include <stdio.h>
#include <string.h>

#include "status.h"
#include "sc_demo_t.h"
#include "secure_channel_enclave.h"
#include "secgear_log.h"

int sec_chl_recv_client_data(size_t session_id, uint8_t *data, size_t data_len)
{
    uint8_t plain[256] = {0};
    size_t plain_len = sizeof(plain) - 1;
    int ret = cc_sec_chl_enclave_decrypt(session_id, data, data_len, plain, &plain_len);
    if (ret != 0) {
        PrintInfo(PRINT_ERROR, "sec_chl_recv_client_data decrypt data failed\n");
        return ret;
    }
    PrintInfo(PRINT_ERROR, "enclave recv secret:%s\n", plain);
    return ret;
}

int sec_chl_get_client_data_handle_result(size_t session_id, uint8_t *data, size_t *data_len)
{
    char enclave_secret[] = "This is client secret handle result from enclave";
    int ret = cc_sec_chl_enclave_encrypt(session_id, enclave_secret, strlen(enclave_secret), data, data_len);
    if (ret != 0) {
        PrintInfo(PRINT_ERROR, "sec_chl_get_client_data_handle_result encrypted data failed\n");
        return ret;
    }
    PrintInfo(PRINT_ERROR, "enclave send secret:%s\n", enclave_secret);
    return ret;
}
