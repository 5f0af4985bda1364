/* A C host driving the simulation tests' Rust enclave through the stubs
 * `secgear edl gen --lang c --side host` writes for its tests.edl: normal,
 * switchless and asynchronous ECALLs, an OCALL served here, [in]/[out]
 * buffers. Usage: generated_host ENCLAVE_IMAGE */
#include <stdio.h>
#include <string.h>

#include "enclave.h"
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
    failures += cc_enclave_destroy(&context) != CC_SUCCESS;
    failures += add(&context, &ret, 1, 1) != CC_ERROR_INVALID_ENCLAVE;
    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
