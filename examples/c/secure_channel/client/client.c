/* The client in the send-then-read style: its send function writes the
 * handshake message, waits for the reply and hands it to the library. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "status.h"
#include "secure_channel_client.h"
#include "rust_attestation_agent.h"
#include "usr_msg.h"

static cc_sec_chl_ctx_t g_ctx = {0};

static int socket_write_and_read(void *conn, void *buf, size_t count)
{
    int ret = socket_write_adpt(conn, buf, count);
    if (ret < 0) {
        return ret;
    }
    uint8_t recv_buf[MAXBUF];
    usr_msg_t *msg = recv_usr_msg(*(int *)conn, recv_buf);
    if (msg == NULL) {
        printf("receive no data\n");
        return -1;
    }
    return (int)cc_sec_chl_client_callback(&g_ctx, msg->data, msg->len);
}

int main(int argc, char **argv)
{
    int status = 1;
    const char *level = "info";
    Vec_uint8_t log_level = { (uint8_t *)level, strlen(level), strlen(level) };
    init_env_logger(&log_level);
    int sockfd = connect_server(argc > 1 ? atoi(argv[1]) : 12306);
    if (sockfd < 0) {
        return 1;
    }
    printf("connect server success\n");

    /* step 1: the handshake, through the registered send function */
    g_ctx.conn_kit.send = socket_write_and_read;
    g_ctx.conn_kit.conn = &sockfd;
    cc_enclave_result_t ret = cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &g_ctx);
    if (ret != CC_SUCCESS) {
        printf("secure channel init failed:0x%x\n", ret);
        goto finish;
    }

    /* step 2: encrypt the secret, asking for the length first */
    char *client_secret = "This is client secret 666";
    printf("client send secret:%s\n", client_secret);
    char *encrypted = NULL;
    size_t encrypt_len = 0;
    ret = cc_sec_chl_client_encrypt(&g_ctx, client_secret, strlen(client_secret), encrypted, &encrypt_len);
    if (ret != CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH) {
        printf("client encrypt did not ask for room:0x%x\n", ret);
        goto finish;
    }
    encrypted = calloc(1, encrypt_len);
    if (encrypted == NULL) {
        goto finish;
    }
    ret = cc_sec_chl_client_encrypt(&g_ctx, client_secret, strlen(client_secret), encrypted, &encrypt_len);
    if (ret != CC_SUCCESS) {
        printf("client encrypt secret failed:0x%x\n", ret);
        free(encrypted);
        goto finish;
    }

    /* step 3: the server passes the records to the enclave, which answers */
    int sent = send_usr_msg(sockfd, MSG_TYPE_TEST, g_ctx.session_id, encrypted, encrypt_len);
    free(encrypted);
    if (sent < 0) {
        printf("send msg error\n");
        goto finish;
    }
    uint8_t recv_buf[MAXBUF];
    usr_msg_t *msg = recv_usr_msg(sockfd, recv_buf);
    if (msg == NULL) {
        printf("receive no data\n");
        goto finish;
    }

    /* step 4: decrypt the enclave's answer */
    uint8_t plain[MAXBUF] = {0};
    size_t plain_len = sizeof(plain) - 1;
    ret = cc_sec_chl_client_decrypt(&g_ctx, msg->data, msg->len, plain, &plain_len);
    if (ret != CC_SUCCESS) {
        printf("client decrypt error:0x%x\n", ret);
        goto finish;
    }
    printf("client recv secret:%s\n", plain);
    status = 0;

finish:
    /* step 5: close the channel */
    cc_sec_chl_client_fini(&g_ctx);
    close(sockfd);
    return status;
}
