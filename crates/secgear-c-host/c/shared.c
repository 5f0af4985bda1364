/* Shared memory from C: cc_malloc_shared_memory gives memory the host
 * writes and reads directly, which a switchless ECALL fills in place
 * (sw_fill_shared, ECALL 28: `int sw_fill_shared([user_check] uint8_t *buf,
 * size_t len, uint8_t value) transition_using_threads`), and bad frees get
 * the original's code. Usage: shared ENCLAVE_IMAGE */
#include <stdio.h>
#include <string.h>

#include "enclave.h"
#include "secgear_shared_memory.h"
#include "secgear_uswitchless.h"
#include "secgear_wire.h"

cc_enclave_result_t sg_ecall(cc_enclave_t *enclave, sg_writer_t *request, int switchless, const void *ocalls,
                             sg_reader_t **reply);
uint64_t sg_user_ptr(cc_enclave_t *enclave, const void *ptr);

static cc_enclave_result_t sw_fill_shared(cc_enclave_t *enclave, int *retval, uint8_t *buf, size_t len, uint8_t value)
{
    sg_writer_t *w = sg_writer_request(SG_KIND_ECALL, 28);
    sg_put_u64(w, sg_user_ptr(enclave, buf));
    sg_put_u64(w, len);
    sg_put(w, &value, 1);
    sg_reader_t *r = NULL;
    cc_enclave_result_t res = sg_ecall(enclave, w, 1, NULL, &r);
    if (res != CC_SUCCESS) {
        return res;
    }
    res = sg_get(r, retval, sizeof *retval);
    if (res == CC_SUCCESS) {
        res = sg_reader_finish(r);
    }
    sg_reader_free(r);
    return res;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    int failures = 0;
    cc_enclave_t plain = {0};
    if (cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &plain) != CC_SUCCESS) {
        return 1;
    }
    failures += cc_malloc_shared_memory(&plain, 32) != NULL; /* no switchless feature: no arena */
    cc_enclave_destroy(&plain);

    cc_sl_config_t config = CC_USWITCHLESS_CONFIG_INITIALIZER;
    enclave_features_t feature = {ENCLAVE_FEATURE_SWITCHLESS, &config};
    cc_enclave_t context = {0};
    if (cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &feature, 1, &context) != CC_SUCCESS) {
        return 1;
    }
    uint8_t *buf = cc_malloc_shared_memory(&context, 4096);
    if (buf == NULL) {
        fprintf(stderr, "cc_malloc_shared_memory failed\n");
        return 1;
    }
    for (int i = 0; i < 4096; i++) {
        failures += buf[i] != 0;
    }
    memset(buf, 1, 4096);
    int ret = -1;
    cc_enclave_result_t res = sw_fill_shared(&context, &ret, buf + 16, 100, 0x5a);
    printf("sw_fill_shared -> %s, %d\n", cc_enclave_res2_str(res), ret);
    failures += res != CC_SUCCESS || ret != 0;
    /* The enclave wrote the host's memory in place: exactly the 100 bytes asked. */
    for (int i = 0; i < 4096; i++) {
        uint8_t want = (i >= 16 && i < 116) ? 0x5a : 1;
        if (buf[i] != want) {
            fprintf(stderr, "byte %d is %#x, want %#x\n", i, buf[i], want);
            failures++;
            break;
        }
    }
    failures += cc_malloc_shared_memory(&context, 0) != NULL;
    failures += cc_free_shared_memory(&context, buf) != CC_SUCCESS;
    failures += cc_free_shared_memory(&context, buf) != CC_ERROR_SHARED_MEMORY_NOT_REGISTERED;
    failures += cc_free_shared_memory(&context, NULL) != CC_ERROR_SHARED_MEMORY_NOT_REGISTERED;
    failures += cc_free_shared_memory(NULL, buf) != CC_ERROR_INVALID_ENCLAVE_ID;
    cc_enclave_destroy(&context);
    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
