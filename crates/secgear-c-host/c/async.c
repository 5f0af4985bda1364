/* Asynchronous switchless ECALLs from C, through stubs written out in the
 * generator's shape: sw_add (ECALL 19, `int sw_add(int a, int b)
 * transition_using_threads`) submitted many times and collected with
 * cc_sl_get_async_result; a full pool; rollback_to_common; bad task ids.
 * Usage: async ENCLAVE_IMAGE */
#include <stdio.h>
#include <stdlib.h>

#include "enclave.h"
#include "secgear_uswitchless.h"
#include "secgear_wire.h"

typedef cc_enclave_result_t (*sg_complete_fn)(sg_reader_t *reply, void *ctx, void *retval);
cc_enclave_result_t sg_ecall_async(cc_enclave_t *enclave, sg_writer_t *request, const void *ocalls,
                                   sg_complete_fn complete, void *ctx, void (*free_ctx)(void *), int *task_id,
                                   void *retval);

static int freed = 0;
static void free_ctx(void *ctx) { free(ctx); freed++; }

static cc_enclave_result_t complete_int(sg_reader_t *reply, void *ctx, void *retval)
{
    (void)ctx;
    int ret;
    cc_enclave_result_t res = sg_get(reply, &ret, sizeof ret);
    if (res == CC_SUCCESS) {
        res = sg_reader_finish(reply);
    }
    if (res == CC_SUCCESS && retval != NULL) {
        *(int *)retval = ret;
    }
    return res;
}

static cc_enclave_result_t sw_add_async(cc_enclave_t *enclave, int *task_id, int *retval, int a, int b)
{
    sg_writer_t *w = sg_writer_request(SG_KIND_ECALL, 19);
    sg_put(w, &a, sizeof a);
    sg_put(w, &b, sizeof b);
    return sg_ecall_async(enclave, w, NULL, complete_int, malloc(1), free_ctx, task_id, retval);
}

static int run(const char *path, int rollback, int *failures)
{
    cc_sl_config_t config = CC_USWITCHLESS_CONFIG_INITIALIZER;
    config.rollback_to_common = rollback;
    config.workers_policy = WORKERS_POLICY_WAKEUP;
    enclave_features_t feature = {ENCLAVE_FEATURE_SWITCHLESS, &config};
    cc_enclave_t context = {0};
    cc_enclave_result_t res = cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, &feature, 1, &context);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "create: %s\n", cc_enclave_res2_str(res));
        return 1;
    }
    enum { N = 100 };
    int ids[N], rets[N], full = 0, rolled = 0, submitted = 0;
    for (int i = 0; i < N; i++) {
        ids[i] = -2;
        rets[i] = 0;
        res = sw_add_async(&context, &ids[i], &rets[i], i, 1000);
        if (res == CC_ERROR_SWITCHLESS_TASK_POOL_FULL) {
            full++;
        } else if (res != CC_SUCCESS) {
            fprintf(stderr, "submit %d: %#x\n", i, res);
            (*failures)++;
        } else if (ids[i] == -1) {
            rolled++;
            if (rets[i] != i + 1000) {
                fprintf(stderr, "rolled-back call %d returned %d\n", i, rets[i]);
                (*failures)++;
            }
        } else {
            submitted++;
        }
    }
    int collected = 0;
    for (int i = 0; i < N; i++) {
        if (ids[i] < 0) {
            continue;
        }
        int ret = 0;
        do {
            res = cc_sl_get_async_result(&context, ids[i], &ret);
        } while (res == CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED);
        if (res != CC_SUCCESS || ret != i + 1000) {
            fprintf(stderr, "collect %d: %#x ret %d\n", i, res, ret);
            (*failures)++;
        } else {
            collected++;
        }
        if (cc_sl_get_async_result(&context, ids[i], &ret) != CC_ERROR_SWITCHLESS_INVALID_TASK_ID) {
            fprintf(stderr, "a result was handed out twice\n");
            (*failures)++;
        }
    }
    if (cc_sl_get_async_result(&context, 123456, NULL) != CC_ERROR_SWITCHLESS_INVALID_TASK_ID) {
        (*failures)++;
    }
    printf("rollback=%d submitted=%d collected=%d pool_full=%d rolled_back=%d\n", rollback, submitted, collected,
           full, rolled);
    if (collected != submitted || submitted + full + rolled != N || submitted == 0) {
        (*failures)++;
    }
    if (rollback ? full != 0 : rolled != 0) {
        (*failures)++;
    }
    cc_enclave_destroy(&context);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    int failures = 0;
    if (run(argv[1], 0, &failures) || run(argv[1], 1, &failures)) {
        return 1;
    }
    printf("contexts freed: %d\n", freed);
    failures += freed != 200;
    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
