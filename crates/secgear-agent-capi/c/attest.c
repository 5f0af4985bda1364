/* Attests a sim enclave through the attestation service and checks the
 * token, using the agent's C ABI.
 * usage: attest <service-url> <enclave-image>
 * exit 0 affirming, 1 not affirming, 2 error */
#include <stdio.h>
#include <string.h>
#include "secgear_agent.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <service-url> <enclave-image>\n", argv[0]);
        return 2;
    }
    SgAgent *agent = sg_agent_new(argv[1], argv[2]);
    if (agent == NULL) {
        fprintf(stderr, "sg_agent_new: %s\n", sg_last_error());
        return 2;
    }
    uint8_t report_data[64];
    memset(report_data, 0x42, sizeof report_data);
    SgBuffer evidence = {0};
    SgStatus status = sg_agent_evidence(agent, report_data, &evidence);
    if (status != SG_STATUS_OK) {
        fprintf(stderr, "sg_agent_evidence: %d %s\n", status, sg_last_error());
        sg_agent_free(agent);
        return 2;
    }
    printf("evidence: %zu bytes\n", evidence.len);
    sg_buffer_free(&evidence);

    const char *runtime = "{\"app\":\"c-example\"}";
    char *token = NULL;
    status = sg_agent_attest(agent, (const uint8_t *)runtime, strlen(runtime), &token);
    if (status != SG_STATUS_OK) {
        fprintf(stderr, "sg_agent_attest: %d %s\n", status, sg_last_error());
        sg_agent_free(agent);
        return 2;
    }
    char *claims = NULL;
    status = sg_agent_verify_token(agent, token, &claims);
    sg_string_free(token);
    int code;
    if (status == SG_STATUS_OK) {
        printf("affirming: %s\n", claims);
        sg_string_free(claims);
        code = 0;
    } else if (status == SG_STATUS_NOT_AFFIRMING) {
        printf("not affirming: %s\n", sg_last_error());
        code = 1;
    } else {
        fprintf(stderr, "sg_agent_verify_token: %d %s\n", status, sg_last_error());
        code = 2;
    }
    /* Bad arguments are refused with a message, not a crash. */
    if (sg_agent_attest(agent, NULL, 5, &token) != SG_STATUS_INVALID_ARGUMENT || sg_last_error()[0] == '\0') {
        fprintf(stderr, "a null runtime_data with a length was accepted\n");
        code = 2;
    }
    sg_agent_free(agent);
    return code;
}
