/*
 * secgear-rs: switchless settings of secGear (ENCLAVE_FEATURE_SWITCHLESS).
 */
#ifndef SECGEAR_USWITCHLESS_H
#define SECGEAR_USWITCHLESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    WORKERS_POLICY_BUSY,   /* idle workers spin */
    WORKERS_POLICY_WAKEUP, /* idle workers sleep after retries_before_sleep */
    WORKERS_POLICY_MAX
} cc_workers_policy_t;

/* Ranges are checked by cc_enclave_create, which names a bad field in its log line.
 * retries_before_fallback and retries_before_sleep are microseconds here
 * (0: 1000 and 100). */
typedef struct {
    uint32_t num_uworkers;             /* host workers for switchless OCALLs, 0..64 */
    uint32_t num_tworkers;             /* enclave workers, 1..64 (0: 1) */
    uint32_t sl_call_pool_size_qwords; /* tasks = 64 x this, 1..8 (0: 1) */
    uint32_t num_max_params;           /* 1..16 */
    uint32_t retries_before_fallback;
    uint32_t retries_before_sleep;
    uint32_t workers_policy;           /* cc_workers_policy_t */
    uint32_t rollback_to_common;       /* async calls on a full pool run as normal calls */
    cpu_set_t tworkers_cores;          /* enclave worker affinity (empty: any core) */
} cc_sl_config_t;

#define CC_USWITCHLESS_CONFIG_INITIALIZER {1, 1, 1, 16, 0, 0, WORKERS_POLICY_BUSY, 0, {{0}}}

#ifdef __cplusplus
}
#endif

#endif
