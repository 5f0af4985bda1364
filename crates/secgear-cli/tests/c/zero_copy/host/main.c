/* Buffers from cc_malloc_shared_memory in switchless ECALLs reach the
 * enclave without a copy; other buffers, and normal ECALLs, are copied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enclave.h"
#include "secgear_shared_memory.h"
#include "secgear_uswitchless.h"
#include "zero_copy_u.h"

#define LEN 64

static const char *seen(const uint8_t *buf)
{
    return buf[0] == 0xA5 ? "used in place" : "copied";
}

int main(void)
{
    cc_sl_config_t config = CC_USWITCHLESS_CONFIG_INITIALIZER;
    enclave_features_t feature = {ENCLAVE_FEATURE_SWITCHLESS, &config};
    cc_enclave_t context = {0};
    if (cc_enclave_create(PATH, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &feature, 1, &context) != CC_SUCCESS) {
        printf("create failed\n");
        return 1;
    }
    uint8_t *shared = cc_malloc_shared_memory(&context, LEN);
    uint8_t *heap = calloc(1, LEN);
    if (shared == NULL || heap == NULL) {
        printf("allocation failed\n");
        return 1;
    }
    uint64_t sum = 0;
    shared[1] = 2;
    cc_enclave_result_t res = mark(&context, &sum, shared, LEN);
    printf("switchless, shared memory: %s (sum %llu, %s)\n", seen(shared), (unsigned long long)sum,
           cc_enclave_res2_str(res));
    heap[1] = 2;
    res = mark(&context, &sum, heap, LEN);
    printf("switchless, heap memory: %s (sum %llu, %s)\n", seen(heap), (unsigned long long)sum,
           cc_enclave_res2_str(res));
    /* Inside a shared buffer, at an offset. */
    memset(shared, 0, LEN);
    res = mark(&context, &sum, shared + LEN / 2, LEN / 2);
    printf("switchless, second half of a shared buffer: %s (%s)\n", seen(shared + LEN / 2),
           cc_enclave_res2_str(res));

    int ret = 0;
    memset(shared, 0, LEN);
    res = fill(&context, &ret, (char *)shared, LEN);
    printf("fill: %s (%d)\n", (const char *)shared, ret);
    int task = -2;
    memset(shared, 0, LEN);
    res = fill_async(&context, &task, &ret, (char *)shared, LEN);
    if (res == CC_SUCCESS && task >= 0) {
        do {
            res = cc_sl_get_async_result(&context, task, &ret);
        } while (res == CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED);
    }
    printf("fill_async: %s (%s)\n", (const char *)shared, cc_enclave_res2_str(res));
    memset(shared, 0, LEN);
    res = fill_normal(&context, &ret, (char *)shared, LEN);
    printf("fill_normal: %s\n", (const char *)shared);

    free(heap);
    cc_free_shared_memory(&context, shared);
    cc_enclave_destroy(&context);
    return 0;
}
