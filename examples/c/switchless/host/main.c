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

#define ASYNC_CALLS 300

/* Submits ASYNC_CALLS asynchronous switchless calls, more than the pool
 * holds: a full pool is answered by collecting finished calls and trying
 * again; with rollback_to_common a call that found the pool full ran as a
 * normal ECALL (task_id -1). Every result is checked. */
static int run_async(cc_enclave_t *context)
{
    static char bufs[ASYNC_CALLS][BUF_LEN];
    static int rets[ASYNC_CALLS];
    static int ids[ASYNC_CALLS];
    int submitted = 0, collected = 0, rolled_back = 0, pool_full = 0;
    memset(ids, 0xff, sizeof(ids));
    while (collected + rolled_back < ASYNC_CALLS) {
        if (submitted < ASYNC_CALLS) {
            cc_enclave_result_t res = get_string_switchless_async(context, &ids[submitted], &rets[submitted],
                                                                  bufs[submitted]);
            if (res == CC_SUCCESS) {
                rolled_back += ids[submitted] == -1;
                submitted++;
                continue;
            }
            if (res != CC_ERROR_SWITCHLESS_TASK_POOL_FULL) {
                printf("Asynchronous invocation failed, ret=%x\n", res);
                return -1;
            }
            pool_full++;
        }
        /* Collect what has finished. */
        for (int i = 0; i < submitted; i++) {
            if (ids[i] < 0) {
                continue;
            }
            cc_enclave_result_t res = cc_sl_get_async_result(context, ids[i], &rets[i]);
            if (res == CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED) {
                continue;
            }
            if (res != CC_SUCCESS) {
                printf("get result error:%x, index:%d\n", res, i);
                return -1;
            }
            ids[i] = -2;
            collected++;
        }
    }
    for (int i = 0; i < ASYNC_CALLS; i++) {
        if (rets[i] != 0 || strcmp(bufs[i], "secgear hello world!") != 0) {
            printf("get result buffer err:%s, index:%d\n", bufs[i], i);
            return -1;
        }
    }
    if (pool_full + rolled_back == 0) {
        printf("the pool never filled\n");
        return -1;
    }
    printf("async: %d calls answered (%s)\n", ASYNC_CALLS,
           rolled_back > 0 ? "a full pool ran them as normal calls" : "a full pool made them wait");
    return 0;
}

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

    if (run_async(&context) != 0) {
        printf("Async ecall error\n");
    }

    res = cc_free_shared_memory(&context, shared_buf);
    if (res != CC_SUCCESS) {
        printf("Free shared memory failed:%x.\n", res);
    }

error:
    res = cc_enclave_destroy(&context);
    if (res != CC_SUCCESS) {
        printf("Destroy enclave error\n");
        return res;
    }

    /* Again, with calls on a full pool rolled back to normal ECALLs. */
    sl_cfg.rollback_to_common = 1;
    cc_enclave_t rollback = {0};
    res = cc_enclave_create(real_p, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &features, 1, &rollback);
    if (res != CC_SUCCESS) {
        printf("Create enclave error\n");
        return res;
    }
    if (run_async(&rollback) != 0) {
        printf("Async ecall error\n");
    }
    res = cc_enclave_destroy(&rollback);
    if (res != CC_SUCCESS) {
        printf("Destroy enclave error\n");
    }
    return res;
}
