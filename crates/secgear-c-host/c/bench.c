/* The C side of benches/c_vs_rust.rs: empty ECALLs, normal and switchless,
 * through the generated stubs of tests.edl. Prints "normal_p50_ns=N" and
 * "switchless_p50_ns=N". Usage: bench ENCLAVE_IMAGE CALLS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "enclave.h"
#include "secgear_uswitchless.h"
#include "tests_u.h"

int host_double(int x) { return 2 * x; }
uint64_t host_thread_id(void) { return 0; }
void host_empty(void) {}
uint64_t host_thread_id_sw(void) { return 0; }
void host_empty_sw(void) {}

static int compare(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

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
    qsort(samples, (size_t)n, sizeof *samples, compare);
    return samples[n / 2];
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
