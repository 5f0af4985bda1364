#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "enclave.h"
#include "status.h"
#include "secure_channel_host.h"
#include "rust_attestation_agent.h"
#include "sc_demo_u.h"
#include "usr_msg.h"

#define MAX_LISTEN_NUM 100

typedef struct {
    cc_sec_chl_svr_ctx_t *svr_ctx;
    int connfd;
} thread_arg_t;

static void handle_client_data(cc_enclave_t *enclave_ctx, int connfd, usr_msg_t *msg)
{
    int ret_val = 0;
    uint8_t enclave_secret[1024] = {0};
    size_t secret_len = sizeof(enclave_secret);

    /* The records reach the enclave as they came: only it can open them. */
    int ret = sec_chl_recv_client_data(enclave_ctx, &ret_val, msg->session, msg->data, msg->len);
    if (ret != CC_SUCCESS || ret_val != 0) {
        printf("enclave decrypt error\n");
        return;
    }
    ret = sec_chl_get_client_data_handle_result(enclave_ctx, &ret_val, msg->session, enclave_secret,
                                                &secret_len);
    if (ret != CC_SUCCESS || ret_val != 0) {
        printf("enclave encrypt error\n");
        return;
    }
    if (send_usr_msg(connfd, MSG_TYPE_TEST, msg->session, enclave_secret, secret_len) < 0) {
        printf("send msg error\n");
    }
}

static void *conn_proc(void *arg)
{
    thread_arg_t thread_arg = *(thread_arg_t *)arg;
    free(arg);
    int connfd = thread_arg.connfd;
    uint8_t buf[MAXBUF];

    /* One connection kit per client connection. */
    cc_sec_chl_conn_ctx_t conn_ctx = {0};
    conn_ctx.svr_ctx = thread_arg.svr_ctx;
    conn_ctx.conn_kit.send = socket_write_adpt;
    conn_ctx.conn_kit.conn = &connfd;

    usr_msg_t *msg;
    while ((msg = recv_usr_msg(connfd, buf)) != NULL) {
        switch (msg->type) {
            case MSG_TYPE_SEC_CHL_ESTABLISH:
                if (cc_sec_chl_svr_callback(&conn_ctx, msg->data, msg->len) != CC_SUCCESS) {
                    printf("secure channel server handle require failed\n");
                }
                break;
            case MSG_TYPE_TEST:
                handle_client_data(thread_arg.svr_ctx->enclave_ctx, connfd, msg);
                break;
            default:
                printf("server recv error msg type\n");
                break;
        }
        fflush(stdout);
    }
    close(connfd);
    return NULL;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 12306;
    const char *level = "info";
    Vec_uint8_t log_level = { (uint8_t *)level, strlen(level), strlen(level) };
    init_env_logger(&log_level);
    struct sockaddr_in svr_addr;
    socklen_t addr_len = sizeof(svr_addr);

    int sockfd = socket(AF_INET, SOCK_STREAM, 0);
    if (sockfd == -1) {
        printf("create socket failed\n");
        return -1;
    }
    memset(&svr_addr, 0, sizeof(svr_addr));
    svr_addr.sin_family = AF_INET;
    svr_addr.sin_addr.s_addr = inet_addr("127.0.0.1");
    svr_addr.sin_port = htons((uint16_t)port);
    if (bind(sockfd, (struct sockaddr *)&svr_addr, sizeof(svr_addr)) != 0 ||
        listen(sockfd, MAX_LISTEN_NUM) != 0 ||
        getsockname(sockfd, (struct sockaddr *)&svr_addr, &addr_len) != 0) {
        printf("socket bind or listen failed\n");
        close(sockfd);
        return -1;
    }

    cc_enclave_t context = {0};
    char *path = PATH;
    cc_enclave_result_t ret = cc_enclave_create(path, AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context);
    if (ret != CC_SUCCESS) {
        printf("create enclave error %x!\n", ret);
        close(sockfd);
        return -1;
    }

    /* One secure channel server per process and enclave. */
    cc_sec_chl_svr_ctx_t svr_ctx = {0};
    svr_ctx.enclave_ctx = &context;
    ret = cc_sec_chl_svr_init(&svr_ctx);
    if (ret != CC_SUCCESS) {
        printf("secure channel server init failed:%x\n", ret);
        cc_enclave_destroy(&context);
        close(sockfd);
        return -1;
    }
    printf("server listening on port %d\n", ntohs(svr_addr.sin_port));
    fflush(stdout);

    while (1) {
        thread_arg_t *arg = calloc(1, sizeof(*arg));
        if (arg == NULL) {
            break;
        }
        arg->connfd = accept(sockfd, NULL, NULL);
        if (arg->connfd < 0) {
            free(arg);
            printf("accept error\n");
            continue;
        }
        arg->svr_ctx = &svr_ctx;
        pthread_t thread_id;
        if (pthread_create(&thread_id, NULL, conn_proc, arg) != 0) {
            close(arg->connfd);
            free(arg);
            continue;
        }
        pthread_detach(thread_id);
    }

    cc_sec_chl_svr_fini(&svr_ctx);
    cc_enclave_destroy(&context);
    close(sockfd);
    return 0;
}
