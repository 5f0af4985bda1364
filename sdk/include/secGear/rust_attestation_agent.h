/* secgear-rs: the attestation agent's C API (libattestation_agent.so), with
 * the original rust_attestation_agent.h's names and layouts.
 *
 * get_report returns this machine's TEE evidence bound to the challenge, as
 * JSON {"tee": ..., "evidence": base64}; verify_report appraises such a
 * report locally and returns the appraisal as JSON when it is affirming.
 * Failure is an empty vector (len == 0) and a log line on stderr saying why.
 * Both read the agent's TOML configuration named by SECGEAR_AA_CONFIG
 * (default /etc/secgear/attestation_agent.toml): `enclave` (a signed sim
 * enclave image; without it, configfs-tsm) says what attests, its [local]
 * section (anchors, references, mode) what verify_report trusts.
 *
 * Every returned vector has a NUL byte at ptr[len], inside its allocation,
 * and must be released with free_rust_vec exactly once. */
#ifndef __RUST_ATTESTATION_AGENT__
#define __RUST_ATTESTATION_AGENT__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Vec_uint8 {
    uint8_t *ptr;
    size_t len;
    size_t cap;
} Vec_uint8_t;

/* An optional bool: _1 counts only when _0 is true. */
typedef struct Tuple2_bool_bool {
    bool _0;
    bool _1;
} Tuple2_bool_bool_t;

void free_rust_vec(Vec_uint8_t vec);

/* c_ima: whether to include IMA measurements (NULL: no). c_uuid: the
 * trusted application on iTrustee; other TEEs do not use it (may be NULL). */
Vec_uint8_t get_report(Vec_uint8_t const *c_challenge, Tuple2_bool_bool_t const *c_ima,
                       Vec_uint8_t const *c_uuid);

/* "error", "warn", "info", "debug", "trace"; RUST_LOG, if set, wins. */
void init_env_logger(Vec_uint8_t const *c_level);

Vec_uint8_t verify_report(Vec_uint8_t const *c_challenge, Vec_uint8_t const *report);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* __RUST_ATTESTATION_AGENT__ */
