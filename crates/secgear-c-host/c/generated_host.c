/* A C host driving the simulation tests' Rust enclave through the stubs
 * `secgear edl gen --lang c --side host` writes for its tests.edl: normal,
 * switchless and asynchronous ECALLs, an OCALL served here, [in]/[out]
 * buffers. Usage: generated_host ENCLAVE_IMAGE */
#include <stdio.h>
#include <string.h>

#include "enclave.h"
#include "secgear_shared_memory.h"
#include "secgear_uswitchless.h"
#include "tests_u.h"

/* The OCALLs the enclave may make. */
int host_double(int x) { return 2 * x; }
uint64_t host_thread_id(void) { return 7; }
void host_empty(void) {}
uint64_t host_thread_id_sw(void) { return 8; }
void host_empty_sw(void) {}

int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    int failures = 0;
    cc_sl_config_t config = CC_USWITCHLESS_CONFIG_INITIALIZER;
    enclave_features_t feature = {ENCLAVE_FEATURE_SWITCHLESS, &config};
    cc_enclave_t context = {0};
    cc_enclave_result_t res = cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &feature, 1, &context);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "create: %s\n", cc_enclave_res2_str(res));
        return 1;
    }
    int ret = 0;
    res = add(&context, &ret, 2, 3);
    printf("add(2, 3) = %d\n", ret);
    failures += res != CC_SUCCESS || ret != 5;
    res = call_host(&context, &ret, 21);
    printf("call_host(21) = %d\n", ret);
    failures += res != CC_SUCCESS || ret != 42;
    res = sw_add(&context, &ret, 40, 2);
    printf("sw_add(40, 2) = %d\n", ret);
    failures += res != CC_SUCCESS || ret != 42;
    int task = -2;
    res = sw_add_async(&context, &task, &ret, 100, 23);
    failures += res != CC_SUCCESS;
    if (res == CC_SUCCESS && task >= 0) {
        ret = 0;
        do {
            res = cc_sl_get_async_result(&context, task, &ret);
        } while (res == CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED);
    }
    printf("sw_add_async(100, 23) = %d\n", ret);
    failures += res != CC_SUCCESS || ret != 123;
    uint8_t src[64], dst[64] = {0};
    for (int i = 0; i < 64; i++) {
        src[i] = (uint8_t)(i * 3);
    }
    res = echo(&context, src, dst, sizeof src);
    failures += res != CC_SUCCESS || memcmp(src, dst, sizeof src) != 0;
    printf("echo: %s\n", memcmp(src, dst, sizeof src) == 0 ? "same bytes" : "different");
    /* Switchless calls with regions in shared memory: the Rust enclave
     * reads and writes them through the arena. */
    uint8_t *shared = cc_malloc_shared_memory(&context, 256);
    failures += shared == NULL;
    if (shared != NULL) {
        res = sw_fill_out(&context, shared + 8, 100);
        int in_place = res == CC_SUCCESS && shared[7] == 0 && shared[8] == 0xa5 && shared[107] == 0xa5 &&
                       shared[108] == 0;
        failures += !in_place;
        printf("sw_fill_out into shared memory: %s\n", in_place ? "filled" : "wrong");
        uint64_t *sum = (uint64_t *)(void *)(shared + 128);
        *sum = 1;
        res = sw_sum_shared(&context, &ret, shared + 8, 100, sum);
        failures += res != CC_SUCCESS || ret != 0 || *sum != 100u * 0xa5;
        printf("sw_sum_shared, its [out] sum in shared memory: %llu\n", (unsigned long long)*sum);
        res = sw_fill_out_async(&context, &task, shared, 4);
        if (res == CC_SUCCESS && task >= 0) {
            do {
                res = cc_sl_get_async_result(&context, task, NULL);
            } while (res == CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED);
        }
        failures += res != CC_SUCCESS || shared[0] != 0xa5 || shared[3] != 0xa5;
        printf("sw_fill_out_async into shared memory: %s\n", shared[3] == 0xa5 ? "filled" : "wrong");
        failures += cc_free_shared_memory(&context, shared) != CC_SUCCESS;
    }
    failures += cc_enclave_destroy(&context) != CC_SUCCESS;
    failures += add(&context, &ret, 1, 1) != CC_ERROR_INVALID_ENCLAVE;
    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
