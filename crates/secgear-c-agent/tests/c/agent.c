/*
 * The original attestation agent API from C: a report for a fresh
 * challenge, verified; then what must be refused. One line per step.
 * Exit status: 0 when the report verified, 1 without a report, 2 when it
 * did not verify.
 */
#include <stdio.h>
#include <string.h>

#include "rust_attestation_agent.h"

static Vec_uint8_t view(const void *p, size_t n)
{
    Vec_uint8_t v = { (uint8_t *)p, n, n };
    return v;
}

static void outcome(const char *what, Vec_uint8_t v)
{
    printf("%s: %s\n", what, v.len != 0 ? "accepted" : "refused");
    free_rust_vec(v);
}

int main(void)
{
    const char *level = "info";
    Vec_uint8_t log_level = view(level, strlen(level));
    init_env_logger(&log_level);

    uint8_t nonce[32];
    FILE *urandom = fopen("/dev/urandom", "rb");
    if (urandom == NULL || fread(nonce, 1, sizeof(nonce), urandom) != sizeof(nonce)) {
        return 3;
    }
    fclose(urandom);
    Vec_uint8_t challenge = view(nonce, sizeof(nonce));
    Tuple2_bool_bool_t no_ima = { ._0 = true, ._1 = false };
    const char *uuid = "3c2a4b8e-0d5f-4e61-9a7b-2f1e0c9d8b7a";
    Vec_uint8_t ta = view(uuid, strlen(uuid));

    Vec_uint8_t report = get_report(&challenge, &no_ima, &ta);
    if (report.len == 0) {
        printf("report: refused\n");
        free_rust_vec(report);
        return 1;
    }
    report.ptr[report.len] = '\0'; /* as the original's example does */
    printf("report: %s\n", (const char *)report.ptr);

    Vec_uint8_t claim = verify_report(&challenge, &report);
    int verified = claim.len != 0;
    if (verified) {
        claim.ptr[claim.len] = '\0';
        printf("claim: %s\n", (const char *)claim.ptr);
    } else {
        printf("claim: refused\n");
    }
    free_rust_vec(claim);

    /* A report is fresh for its own challenge only. */
    uint8_t other[32];
    memcpy(other, nonce, sizeof(other));
    other[0] ^= 1;
    Vec_uint8_t other_challenge = view(other, sizeof(other));
    outcome("other challenge", verify_report(&other_challenge, &report));

    /* One character of the evidence changed. */
    char *evidence = strstr((char *)report.ptr, "\"evidence\":\"");
    if (evidence != NULL) {
        char *c = evidence + strlen("\"evidence\":\"") + 40;
        *c = *c == 'A' ? 'B' : 'A';
        outcome("tampered evidence", verify_report(&challenge, &report));
    }
    free_rust_vec(report);

    Vec_uint8_t junk = view("not a report", 12);
    outcome("junk report", verify_report(&challenge, &junk));
    outcome("null challenge", get_report(NULL, &no_ima, &ta));
    outcome("null report", verify_report(&challenge, NULL));
    Vec_uint8_t dangling = { NULL, 5, 5 };
    outcome("null ptr with a length", get_report(&dangling, &no_ima, NULL));
    Tuple2_bool_bool_t ima = { ._0 = true, ._1 = true };
    outcome("ima", get_report(&challenge, &ima, NULL));
    /* No ima given, no uuid: a report. */
    outcome("defaults", get_report(&challenge, NULL, NULL));
    Vec_uint8_t empty = { NULL, 0, 0 };
    free_rust_vec(empty);
    return verified ? 0 : 2;
}
