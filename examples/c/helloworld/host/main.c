/* helloworld host: creates the enclave, asks it for a string, destroys it. */
#include <linux/limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enclave.h"
#include "helloworld_u.h"

#define BUF_LEN 32

int main(void)
{
    int retval = 0;
    char *path = PATH;
    char buf[BUF_LEN];
    char real_p[PATH_MAX];
    cc_enclave_t context = {0};
    cc_enclave_result_t res;

    /* The image path may be relative: resolve it, or look in the working directory. */
    if (realpath(path, real_p) == NULL) {
        if (getcwd(real_p, sizeof(real_p)) == NULL) {
            printf("Cannot find enclave.sign.so");
            return -1;
        }
        if (PATH_MAX - strlen(real_p) <= strlen("/enclave.signed.so")) {
            printf("Failed to strcat enclave.sign.so path");
            return -1;
        }
        (void)strcat(real_p, "/enclave.signed.so");
    }

    res = cc_enclave_create(real_p, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context);
    if (res != CC_SUCCESS) {
        printf("host create enclave error\n");
        return res;
    }
    printf("host create enclave success\n");

    res = get_string(&context, &retval, buf);
    if (res != CC_SUCCESS || retval != (int)CC_SUCCESS) {
        printf("Ecall enclave error\n");
    } else {
        printf("enclave say:%s\n", buf);
    }

    res = cc_enclave_destroy(&context);
    if (res != CC_SUCCESS) {
        printf("host destroy enclave error\n");
    } else {
        printf("host destroy enclave success\n");
    }
    return res;
}
