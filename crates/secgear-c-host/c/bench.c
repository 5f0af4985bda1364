/* The C side of benches/c_vs_rust.rs: empty ECALLs, normal and switchless,
 * through the generated stubs of tests.edl. Prints "normal_p50_ns=N" and
 * "switchless_p50_ns=N". Usage: bench ENCLAVE_IMAGE CALLS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "enclave.h"
#include "secgear_uswitchless.h"
#include "tests_u.h"
#include "bench_common.h"




/* p50 of `n` timed calls after n/10 untimed ones. */
static uint64_t p50(cc_enclave_t *context, cc_enclave_result_t (*call)(cc_enclave_t *), int n, uint64_t *samples)
{
    for (int i = 0; i < n / 10; i++) {
        if (call(context) != CC_SUCCESS) {
            exit(3);
        }
    }
    for (int i = 0; i < n; i++) {
        uint64_t t = now_ns();
        if (call(context) != CC_SUCCESS) {
            exit(3);
        }
        samples[i] = now_ns() - t;
    }
    return median(samples, n);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        return 2;
    }
    int n = atoi(argv[2]);
    uint64_t *samples = calloc((size_t)n, sizeof *samples);
    cc_sl_config_t config = CC_USWITCHLESS_CONFIG_INITIALIZER;
    enclave_features_t feature = {ENCLAVE_FEATURE_SWITCHLESS, &config};
    cc_enclave_t context = {0};
    if (samples == NULL ||
        cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &feature, 1, &context) != CC_SUCCESS) {
        return 1;
    }
    printf("normal_p50_ns=%llu\n", (unsigned long long)p50(&context, empty, n, samples));
    printf("switchless_p50_ns=%llu\n", (unsigned long long)p50(&context, sw_empty, n, samples));
    cc_enclave_destroy(&context);
    free(samples);
    return 0;
}
