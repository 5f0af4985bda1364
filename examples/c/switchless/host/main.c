/* switchless host: the same ECALL made normally and switchlessly, the
 * switchless one into shared memory. */
#include <linux/limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "enclave.h"
#include "secgear_shared_memory.h"
#include "secgear_uswitchless.h"
#include "switchless_u.h"

#define BUF_LEN 32

int main(void)
{
    int retval = 0;
    char *path = PATH;
    char buf[BUF_LEN];
    char real_p[PATH_MAX];
    cc_enclave_t context = {0};
    cc_enclave_result_t res;

    printf("Create secgear enclave\n");
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

    cc_sl_config_t sl_cfg = CC_USWITCHLESS_CONFIG_INITIALIZER;
    sl_cfg.num_tworkers = 2;
    sl_cfg.sl_call_pool_size_qwords = 2;
    enclave_features_t features = {ENCLAVE_FEATURE_SWITCHLESS, (void *)&sl_cfg};

    res = cc_enclave_create(real_p, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &features, 1, &context);
    if (res != CC_SUCCESS) {
        printf("Create enclave error\n");
        return res;
    }

    char *shared_buf = (char *)cc_malloc_shared_memory(&context, BUF_LEN);
    if (shared_buf == NULL) {
        printf("Malloc shared memory failed.\n");
        goto error;
    }

    res = get_string(&context, &retval, buf);
    if (res != CC_SUCCESS || retval != (int)CC_SUCCESS) {
        printf("Normal ecall error\n");
    } else {
        printf("buf: %s\n", buf);
    }

    res = get_string_switchless(&context, &retval, shared_buf);
    if (res != CC_SUCCESS || retval != (int)CC_SUCCESS) {
        printf("Switchless ecall error\n");
    } else {
        printf("shared_buf: %s\n", shared_buf);
    }

    res = cc_free_shared_memory(&context, shared_buf);
    if (res != CC_SUCCESS) {
        printf("Free shared memory failed:%x.\n", res);
    }

error:
    res = cc_enclave_destroy(&context);
    if (res != CC_SUCCESS) {
        printf("Destroy enclave error\n");
    }
    return res;
}
