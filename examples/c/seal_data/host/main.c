/* seal_data host: the enclave seals a secret, unseals it, and returns it. */
#include <stdio.h>

#include "enclave.h"
#include "seal_data_u.h"

#define BUF_LEN 32

int main(void)
{
    int retval = 0;
    char *path = PATH;
    char buf[BUF_LEN];
    cc_enclave_t context = {0};
    cc_enclave_result_t res;

    printf("Create secgear enclave\n");
    res = cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context);
    if (res != CC_SUCCESS) {
        printf("Create enclave error\n");
        return res;
    }

    res = seal_data_test_func(&context, &retval, buf, BUF_LEN);
    if (res != CC_SUCCESS || retval != (int)CC_SUCCESS) {
        printf("Ecall enclave error\n");
    } else {
        printf("%s\n", buf);
    }

    res = cc_enclave_destroy(&context);
    if (res != CC_SUCCESS) {
        printf("Destroy enclave error\n");
    }
    return res;
}
