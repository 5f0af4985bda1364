/* Helpers shared by the test programs: hex in and out, message dumps. */
#ifndef COMPAT_COMMON_H
#define COMPAT_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secgear_wire.h"

static void put_hex(const void *data, size_t len)
{
    const uint8_t *b = (const uint8_t *)data;
    for (size_t i = 0; i < len; i++) {
        printf("%02x", b[i]);
    }
}

/* Prints `tag`, then the message `w` holds, in hex. */
static void dump_writer(const char *tag, const sg_writer_t *w)
{
    size_t len = 0;
    const uint8_t *data = sg_writer_data(w, &len);
    printf("%s ", tag);
    put_hex(data, len);
    printf("\n");
}

/* A failure reply, as the Rust runtime writes one. */
static void dump_error_reply(const char *tag, uint32_t code)
{
    uint8_t header[8] = { 1, 3, 0, 0, 0, 0, 0, 0 };
    if (code == 0) {
        code = CC_ERROR_UNEXPECTED;
    }
    memcpy(header + 4, &code, 4);
    printf("%s ", tag);
    put_hex(header, sizeof(header));
    printf("\n");
}

/* The lines of `path` (NULL or "-": none), each decoded from hex. */
typedef struct {
    size_t count;
    uint8_t **data;
    size_t *len;
} messages_t;

static int unhex(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static messages_t read_messages(const char *path)
{
    messages_t m = { 0, NULL, NULL };
    if (path == NULL || strcmp(path, "-") == 0) {
        return m;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    static char line[1 << 20];
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t n = strcspn(line, "\r\n");
        uint8_t *bytes = (uint8_t *)malloc(n / 2 + 1);
        for (size_t i = 0; i + 1 < n; i += 2) {
            bytes[i / 2] = (uint8_t)(unhex(line[i]) * 16 + unhex(line[i + 1]));
        }
        m.data = (uint8_t **)realloc(m.data, (m.count + 1) * sizeof(*m.data));
        m.len = (size_t *)realloc(m.len, (m.count + 1) * sizeof(*m.len));
        m.data[m.count] = bytes;
        m.len[m.count] = n / 2;
        m.count++;
    }
    fclose(f);
    return m;
}

static void free_messages(messages_t *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->data[i]);
    }
    free(m->data);
    free(m->len);
    m->count = 0;
    m->data = NULL;
    m->len = NULL;
}

#endif
