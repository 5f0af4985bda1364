/* The example's own framing of every message on the TCP connection: the
 * secure channel leaves framing to the application. */
#ifndef USR_MSG_H
#define USR_MSG_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Each secure-channel handshake message fits one 10 KiB read. */
#define MAXBUF 10240

typedef enum {
    MSG_TYPE_TEST,              /* application data */
    MSG_TYPE_SEC_CHL_ESTABLISH, /* secure channel messages */
} usr_msg_type_t;

typedef struct {
    usr_msg_type_t type;
    size_t session;
    size_t len;
    uint8_t data[];
} usr_msg_t;

static int write_all(int fd, const void *buf, size_t count)
{
    const uint8_t *p = buf;
    while (count > 0) {
        ssize_t n = write(fd, p, count);
        if (n <= 0) {
            return -1;
        }
        p += n;
        count -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t count)
{
    uint8_t *p = buf;
    while (count > 0) {
        ssize_t n = read(fd, p, count);
        if (n <= 0) {
            return -1;
        }
        p += n;
        count -= (size_t)n;
    }
    return 0;
}

/* Sends one message; returns count, or -1. */
static int send_usr_msg(int fd, usr_msg_type_t type, size_t session, const void *buf, size_t count)
{
    size_t msg_len = sizeof(usr_msg_t) + count;
    usr_msg_t *msg = calloc(1, msg_len);
    if (msg == NULL) {
        return -1;
    }
    msg->type = type;
    msg->session = session;
    msg->len = count;
    if (count > 0) {
        memcpy(msg->data, buf, count);
    }
    int ret = write_all(fd, msg, msg_len);
    free(msg);
    return ret < 0 ? -1 : (int)count;
}

/* Reads one message into buf (MAXBUF bytes); returns its header, or NULL
 * when the peer hung up or the message is too long. */
static usr_msg_t *recv_usr_msg(int fd, uint8_t *buf)
{
    usr_msg_t *msg = (usr_msg_t *)buf;
    if (read_all(fd, msg, sizeof(usr_msg_t)) < 0 || msg->len > MAXBUF - sizeof(usr_msg_t)) {
        return NULL;
    }
    if (read_all(fd, msg->data, msg->len) < 0) {
        return NULL;
    }
    return msg;
}

/* The secure channel's send function (cc_conn_kit_t.send): conn is &fd. */
static int socket_write_adpt(void *conn, void *buf, size_t count)
{
    return send_usr_msg(*(int *)conn, MSG_TYPE_SEC_CHL_ESTABLISH, 0, buf, count);
}

/* A client's connection to the server on 127.0.0.1; -1 on failure. */
static inline int connect_server(int port)
{
    struct sockaddr_in svr_addr;
    int sockfd = socket(AF_INET, SOCK_STREAM, 0);
    if (sockfd == -1) {
        printf("create socket failed\n");
        return -1;
    }
    memset(&svr_addr, 0, sizeof(svr_addr));
    svr_addr.sin_family = AF_INET;
    svr_addr.sin_addr.s_addr = inet_addr("127.0.0.1");
    svr_addr.sin_port = htons((uint16_t)port);
    if (connect(sockfd, (struct sockaddr *)&svr_addr, sizeof(svr_addr)) != 0) {
        printf("connect to server failed\n");
        close(sockfd);
        return -1;
    }
    return sockfd;
}

#endif
