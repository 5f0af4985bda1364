/* The C side of benches/c_vs_rust.rs's secure-channel row: a client
 * (libcsecure_channel.so) and the server relay (libusecure_channel.so) in
 * one process, each side's send calling the other's callback. Each round
 * seals a record of RECORD bytes, hands it to the enclave (channel_sum
 * opens it and seals its answer), and opens the answer. Prints
 * "channel_p50_ns=N". Usage: channel_bench ENCLAVE_IMAGE ROUNDS; the client
 * configuration comes from SECGEAR_SEC_CHL_CLIENT_CONFIG. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enclave.h"
#include "secure_channel_client.h"
#include "secure_channel_host.h"
#include "tests_u.h"
#include "bench_common.h"

#define RECORD 16384


static cc_sec_chl_ctx_t client;
static cc_sec_chl_conn_ctx_t connection;

static int to_server(void *conn, void *buf, size_t count)
{
    (void)conn;
    return cc_sec_chl_svr_callback(&connection, buf, count) == CC_SUCCESS ? (int)count : -1;
}

static int to_client(void *conn, void *buf, size_t count)
{
    (void)conn;
    return cc_sec_chl_client_callback(&client, buf, count) == CC_SUCCESS ? (int)count : -1;
}



static uint8_t message[RECORD], sealed[RECORD + 1024], reply[4096], answer[256];

/* One round; 0 when the enclave's answer is the expected sum. */
static int round_trip(cc_enclave_t *context, const char *expected)
{
    size_t sealed_len = sizeof(sealed), reply_len = 0, answer_len = sizeof(answer) - 1;
    int status = -1;
    if (cc_sec_chl_client_encrypt(&client, message, sizeof(message), sealed, &sealed_len) != CC_SUCCESS ||
        channel_sum(context, &status, sealed, sealed_len, reply, sizeof(reply), &reply_len) != CC_SUCCESS ||
        status != 0 ||
        cc_sec_chl_client_decrypt(&client, reply, reply_len, answer, &answer_len) != CC_SUCCESS) {
        return 1;
    }
    answer[answer_len] = '\0';
    return strcmp((const char *)answer, expected) != 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        return 2;
    }
    int n = atoi(argv[2]);
    uint64_t *samples = calloc((size_t)n, sizeof *samples);
    cc_enclave_t context = {0};
    if (samples == NULL ||
        cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context) != CC_SUCCESS) {
        return 1;
    }
    cc_sec_chl_svr_ctx_t server = {0};
    server.enclave_ctx = &context;
    connection.svr_ctx = &server;
    connection.conn_kit.send = to_client;
    connection.conn_kit.conn = &client;
    client.conn_kit.send = to_server;
    client.conn_kit.conn = &connection;
    if (cc_sec_chl_svr_init(&server) != CC_SUCCESS ||
        cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &client) != CC_SUCCESS) {
        return 4;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < RECORD / 8; i++) {
        uint64_t v = i * 7 + 1;
        memcpy(message + i * 8, &v, 8);
        sum += v;
    }
    char expected[64];
    snprintf(expected, sizeof(expected), "sum=%llu", (unsigned long long)sum);
    for (int i = 0; i < n / 10; i++) {
        if (round_trip(&context, expected) != 0) {
            return 5;
        }
    }
    for (int i = 0; i < n; i++) {
        uint64_t t = now_ns();
        if (round_trip(&context, expected) != 0) {
            return 5;
        }
        samples[i] = now_ns() - t;
    }
    printf("channel_p50_ns=%llu\n", (unsigned long long)median(samples, n));
    cc_sec_chl_client_fini(&client);
    cc_sec_chl_svr_fini(&server);
    cc_enclave_destroy(&context);
    free(samples);
    return 0;
}
