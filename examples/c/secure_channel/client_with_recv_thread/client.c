/* The client in the receive-thread style: a thread reads every message
 * and hands the secure channel's to the library while init waits. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "status.h"
#include "secure_channel_client.h"
#include "rust_attestation_agent.h"
#include "usr_msg.h"

static cc_sec_chl_ctx_t g_ctx = {0};
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_answered = PTHREAD_COND_INITIALIZER;
static int g_answer_ok = -1;

static void *recv_msg_thread(void *arg)
{
    int fd = *(int *)arg;
    uint8_t buf[MAXBUF];
    usr_msg_t *msg;
    while ((msg = recv_usr_msg(fd, buf)) != NULL) {
        switch (msg->type) {
            case MSG_TYPE_SEC_CHL_ESTABLISH:
                (void)cc_sec_chl_client_callback(&g_ctx, msg->data, msg->len);
                break;
            case MSG_TYPE_TEST: {
                uint8_t plain[MAXBUF] = {0};
                size_t plain_len = sizeof(plain) - 1;
                cc_enclave_result_t ret = cc_sec_chl_client_decrypt(&g_ctx, msg->data, msg->len, plain, &plain_len);
                if (ret != CC_SUCCESS) {
                    printf("client decrypt error:0x%x\n", ret);
                } else {
                    printf("client recv secret:%s\n", plain);
                }
                pthread_mutex_lock(&g_lock);
                g_answer_ok = ret == CC_SUCCESS;
                pthread_cond_signal(&g_answered);
                pthread_mutex_unlock(&g_lock);
                break;
            }
            default:
                printf("client recv error msg type\n");
                break;
        }
    }
    return NULL;
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

    pthread_t thread;
    if (pthread_create(&thread, NULL, recv_msg_thread, &sockfd) != 0) {
        close(sockfd);
        return 1;
    }

    /* step 1: the handshake; replies arrive on the receiving thread */
    g_ctx.conn_kit.send = socket_write_adpt;
    g_ctx.conn_kit.conn = &sockfd;
    cc_enclave_result_t ret = cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &g_ctx);
    if (ret != CC_SUCCESS) {
        printf("secure channel init failed:0x%x\n", ret);
        goto finish;
    }

    /* step 2: encrypt and send the secret */
    char *client_secret = "This is client secret 666";
    printf("client send secret:%s\n", client_secret);
    uint8_t encrypted[MAXBUF];
    size_t encrypt_len = sizeof(encrypted);
    ret = cc_sec_chl_client_encrypt(&g_ctx, client_secret, strlen(client_secret), encrypted, &encrypt_len);
    if (ret != CC_SUCCESS) {
        printf("client encrypt secret failed:0x%x\n", ret);
        goto finish;
    }
    fflush(stdout);
    if (send_usr_msg(sockfd, MSG_TYPE_TEST, g_ctx.session_id, encrypted, encrypt_len) < 0) {
        printf("send msg error\n");
        goto finish;
    }

    /* step 3: the receiving thread decrypts the answer */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    pthread_mutex_lock(&g_lock);
    while (g_answer_ok < 0) {
        if (pthread_cond_timedwait(&g_answered, &g_lock, &deadline) != 0) {
            break;
        }
    }
    status = g_answer_ok == 1 ? 0 : 1;
    pthread_mutex_unlock(&g_lock);

finish:
    /* step 4: close the channel, then stop the receiving thread */
    cc_sec_chl_client_fini(&g_ctx);
    shutdown(sockfd, SHUT_RDWR);
    pthread_join(thread, NULL);
    close(sockfd);
    return status;
}
