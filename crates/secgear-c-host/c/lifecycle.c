/* Creates and destroys enclaves through the secGear C API the way secGear
 * host programs do, and checks the failures of bad calls. Exit status 0:
 * every check held. Usage: lifecycle ENCLAVE_IMAGE */
#include <stdio.h>
#include <string.h>

#include "enclave.h"
#include "enclave_log.h"
#include "secgear_shared_memory.h"
#include "secgear_urts.h"
#include "secgear_uswitchless.h"
#include "status.h"

static int failures = 0;

#define EXPECT(what, got, want)                                                              \
    do {                                                                                     \
        cc_enclave_result_t got_ = (got);                                                    \
        if (got_ != (want)) {                                                                \
            fprintf(stderr, "FAIL %s: got %#x (%s), want %#x\n", what, got_,                 \
                    cc_enclave_res2_str(got_), (unsigned)(want));                            \
            failures++;                                                                      \
        } else {                                                                             \
            printf("ok %s: %s\n", what, cc_enclave_res2_str(got_));                         \
        }                                                                                    \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s ENCLAVE_IMAGE\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];

    cc_enclave_t context = {0};
    EXPECT("NULL path", cc_enclave_create(NULL, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context),
           CC_ERROR_INVALID_PATH);
    EXPECT("NULL context", cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, NULL),
           CC_ERROR_INVALID_ENCLAVE_ID);
    EXPECT("reserved flag", cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, 0x2, NULL, 0, &context),
           CC_ERROR_NOT_SUPPORTED);
    EXPECT("version 1", cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 1, SECGEAR_DEBUG_FLAG, NULL, 0, &context),
           CC_ERROR_BAD_PARAMETERS);
    EXPECT("missing image", cc_enclave_create("/nonexistent/enclave.signed.so", AUTO_ENCLAVE_TYPE, 0,
                                              SECGEAR_DEBUG_FLAG, NULL, 0, &context),
           CC_ERROR_INVALID_PATH);
    EXPECT("unknown type", cc_enclave_create(path, ENCLAVE_TYPE_MAX, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context),
           CC_ERROR_INVALID_TYPE);
    EXPECT("features announced, none given",
           cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 1, &context),
           CC_ERROR_BAD_PARAMETERS);
    EXPECT("destroy never created", cc_enclave_destroy(&context), CC_ERROR_BAD_PARAMETERS);
    EXPECT("destroy NULL", cc_enclave_destroy(NULL), CC_ERROR_BAD_PARAMETERS);

    EXPECT("create", cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context),
           CC_SUCCESS);
    if (!context.used_flag || context.type != AUTO_ENCLAVE_TYPE || context.path == NULL ||
        strcmp(context.path, path) != 0 || context.flags != SECGEAR_DEBUG_FLAG) {
        fprintf(stderr, "FAIL the context does not describe the enclave\n");
        failures++;
    }
    EXPECT("create on a live context",
           cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context),
           CC_ERROR_INVALID_ENCLAVE_ID);
    EXPECT("destroy", cc_enclave_destroy(&context), CC_SUCCESS);
    EXPECT("destroy twice", cc_enclave_destroy(&context), CC_ERROR_BAD_PARAMETERS);
    if (context.used_flag || context.private_data != NULL || context.path != NULL) {
        fprintf(stderr, "FAIL a destroyed context still holds the enclave\n");
        failures++;
    }

    cc_sl_config_t config = CC_USWITCHLESS_CONFIG_INITIALIZER;
    config.sl_call_pool_size_qwords = 9;
    enclave_features_t feature = {ENCLAVE_FEATURE_SWITCHLESS, &config};
    cc_enclave_t switchless = {0};
    EXPECT("pool of 9 x 64 tasks",
           cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &feature, 1, &switchless),
           CC_ERROR_BAD_PARAMETERS);
    config.sl_call_pool_size_qwords = 2;
    config.workers_policy = WORKERS_POLICY_WAKEUP;
    EXPECT("switchless create",
           cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &feature, 1, &switchless),
           CC_SUCCESS);
    EXPECT("switchless destroy", cc_enclave_destroy(&switchless), CC_SUCCESS);

    print_log(SECGEAR_LOG_LEVEL_NOTICE, "print_log %s\n", "reaches stdout");
    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
