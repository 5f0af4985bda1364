/*
 * A C enclave: the generated compat_t.c over a fake runtime. Each ECALL
 * request of argv[1] is served from sg_enclave_ecalls as a top-level call
 * (private ECALLs refused) and its reply printed ("REP"). Then the OCALL
 * proxies are called: sg_ocall prints each request ("OREQ") and answers
 * with the next reply of argv[2] ("-": fail every call); each outcome is
 * printed ("ORES").
 */
#include <errno.h>

#include "common.h"
#include "compat_t.h"

void sg_print_info(int level, const char *message)
{
    fprintf(stderr, "[%d] %s\n", level, message);
}

static messages_t replies;
static size_t next_reply;

/* The Rust host sends every region inline: no arena to resolve. */
void *sg_enclave_shared_region(uint64_t address, size_t len)
{
    (void)address, (void)len;
    return NULL;
}

cc_enclave_result_t sg_ocall(sg_writer_t *request, int switchless, sg_reader_t **reply)
{
    dump_writer(switchless ? "OREQ s=1" : "OREQ s=0", request);
    sg_writer_free(request);
    *reply = NULL;
    if (next_reply >= replies.count) {
        return CC_ERROR_UNEXPECTED;
    }
    size_t i = next_reply++;
    return sg_reader_reply(replies.data[i], replies.len[i], reply);
}

/* The ECALLs, mirroring the Rust enclave of tests/compat.rs. */
int64_t scalars(int8_t a, uint16_t b, int32_t c, uint64_t d, char e, size_t f, long g,
                unsigned short h, float i, double j, bool k, long double l, wchar_t m,
                signed char n)
{
    uint32_t fi;
    uint64_t dj, dl;
    double l64 = (double)l;
    memcpy(&fi, &i, 4);
    memcpy(&dj, &j, 8);
    memcpy(&dl, &l64, 8);
    uint64_t v[14] = { (uint64_t)(int64_t)a, b, (uint64_t)(int64_t)c, d, (uint8_t)e, f,
                       (uint64_t)(int64_t)g, h, fi, dj, k ? 1u : 0u, dl,
                       (uint64_t)(int64_t)m, (uint64_t)(int64_t)n };
    uint64_t r = 0;
    for (int x = 0; x < 14; x++) {
        r += (uint64_t)(x + 1) * v[x];
    }
    return (int64_t)r;
}

uint32_t in_size(const uint8_t *buf, size_t len)
{
    uint32_t s = 0;
    for (size_t i = 0; i < len; i++) {
        s += buf[i];
    }
    return s;
}

void in_out_shared(const uint8_t *src, uint8_t *dst, int len)
{
    for (int i = 0; i < len; i++) {
        dst[i] = src[i] ^ 0x5a;
    }
}

int out_const(char *buf)
{
    static const char text[] = "compat out";
    memcpy(buf, text, sizeof(text));
    return (int)sizeof(text);
}

void inout_count(int32_t *v, uint32_t n, int32_t add)
{
    for (uint32_t i = 0; i < n; i++) {
        v[i] = (int32_t)((uint32_t)v[i] + (uint32_t)add);
    }
}

uint32_t size_count(uint16_t *v, int k)
{
    uint32_t s = (uint32_t)k;
    for (int i = 0; i < 2 * k; i++) {
        s += (uint32_t)v[i] * (uint32_t)(i + 1);
    }
    return s;
}

size_t in_string(const char *s, char *out, size_t cap)
{
    char text[256];
    int n = snprintf(text, sizeof(text), "hi, %s", s);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len > cap) {
        len = cap;
    }
    memcpy(out, text, len);
    return len;
}

void inout_string(char *s)
{
    for (; *s != 0; s++) {
        if (*s >= 'a' && *s <= 'z') {
            *s = (char)(*s - 'a' + 'A');
        }
    }
}

size_t wide_in(const wchar_t *s)
{
    size_t n = 0;
    while (s[n] != 0) {
        n++;
    }
    return n;
}

void wide_inout(wchar_t *s)
{
    for (; *s != 0; s++) {
        *s += 1;
    }
}

struct pt by_value(struct pt p, enum color c, union num u, enum big b)
{
    struct pt r;
    r.x = (int16_t)(p.x + (int16_t)c);
    r.y = p.y ^ (int64_t)b;
    r.tag = (uint8_t)((u.u & 0xff) ^ p.tag);
    return r;
}

void ptr_struct(struct pt *p)
{
    p->x = (int16_t)-p->x;
    p->y += 1000;
    p->tag = (uint8_t)(p->tag + 1);
}

uint64_t user_ptr(void *p, int arr[4])
{
    return (uint64_t)(uintptr_t)p ^ (uint64_t)(uintptr_t)arr;
}

void arrays(int32_t m[2][3], int32_t t[3][2], uint8_t v[HEADER_N])
{
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 3; j++) {
            t[j][i] = m[i][j];
        }
    }
    for (int i = 0; i < HEADER_N; i++) {
        v[i] = (uint8_t)(v[i] * 2);
    }
}

uint64_t deep_in(struct blob *b)
{
    uint64_t s = b->tag + b->len + b->n;
    for (size_t i = 0; i < b->len; i++) {
        s += b->data[i];
    }
    for (uint32_t i = 0; i < b->n; i++) {
        s += (uint64_t)(int64_t)b->pts[i].x + (uint64_t)b->pts[i].y;
    }
    return s;
}

void deep_inout(struct blob *b)
{
    if (b->len > 0) {
        b->len--;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        b->pts[i].x = (int16_t)(b->pts[i].x + 1);
    }
    b->tag += 7;
}

/* Growing needs memory the wrapper does not own; not compared (see the test). */
void deep_grow(struct blob *b)
{
    (void)b;
}

uint64_t raw_array(int32_t raw[4])
{
    return (uint64_t)(uintptr_t)raw ^ 0xf0f0;
}

uint64_t bump(counter_ptr c, counter_ptr add)
{
    *c += *add;
    return *c * 2;
}

uint32_t float_sized(const uint8_t *buf, double len, uint16_t *w, float n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < (size_t)len; i++) {
        sum += buf[i];
    }
    for (size_t i = 0; i < (size_t)n; i++) {
        w[i] = (uint16_t)(i * 3 + 1);
    }
    return sum;
}

int32_t foreign(buffer_t buf, size_t len, arr4_t arr, uint64_t *total)
{
    *total = 0;
    for (size_t i = 0; i < len; i++) {
        *total += buf[i];
    }
    return arr[0] + arr[3];
}

int64_t ptr_list(const void **ptrs, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s += (uint64_t)(uintptr_t)ptrs[i];
    }
    return (int64_t)s;
}

void out_structs(struct pt *pts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pts[i].x = (int16_t)i;
        pts[i].y = -(int64_t)i;
        pts[i].tag = (uint8_t)(0xa0 + i);
    }
}

long double ld(long double *v, long double x)
{
    v[0] *= 2;
    v[1] *= 2;
    return v[0] + v[1] + x;
}

struct flags flip(const struct flags *fs, size_t n, bool *bits)
{
    struct flags r;
    bool first = n > 0 && fs[0].on;
    bits[0] = first;
    bits[1] = !first;
    memset(&r, 0, sizeof(r));
    r.on = !first;
    for (size_t i = 0; i < n; i++) {
        r.scale += fs[i].scale;
    }
    r.k[0] = (int8_t)n;
    r.k[1] = n > 0 ? fs[0].k[1] : 0;
    r.k[2] = -1;
    return r;
}

uint64_t deep_many(struct blob *bs, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        bs[i].tag += i + 1;
        for (uint32_t j = 0; j < bs[i].n; j++) {
            bs[i].pts[j].tag = (uint8_t)i;
        }
        total += bs[i].len;
    }
    return total;
}

int sw(char *buf, int len)
{
    for (int i = 0; i < len / 2; i++) {
        char t = buf[i];
        buf[i] = buf[len - 1 - i];
        buf[len - 1 - i] = t;
    }
    return len;
}

int private_op(int x)
{
    return x * 10;
}

static void serve_ecalls(const char *path)
{
    messages_t requests = read_messages(path);
    for (size_t i = 0; i < requests.count; i++) {
        uint32_t kind = 0, id = 0;
        sg_reader_t *r = NULL;
        cc_enclave_result_t rc =
            sg_reader_request(requests.data[i], requests.len[i], &kind, &id, &r);
        if (rc == CC_SUCCESS && (kind != SG_KIND_ECALL || id >= sg_enclave_ecalls.count)) {
            rc = CC_ERROR_INVALID_CMD;
        } else if (rc == CC_SUCCESS && !sg_enclave_ecalls.public_flags[id]) {
            rc = CC_ERROR_ECALL_NOT_ALLOWED;
        }
        if (rc != CC_SUCCESS) {
            dump_error_reply("REP", rc);
            sg_reader_free(r);
            continue;
        }
        sg_writer_t *w = sg_writer_reply();
        rc = sg_enclave_ecalls.functions[id](r, w);
        if (rc == CC_SUCCESS) {
            dump_writer("REP", w);
        } else {
            dump_error_reply("REP", rc);
        }
        sg_writer_free(w);
        sg_reader_free(r);
    }
    free_messages(&requests);
}

static void begin(const char *name, cc_enclave_result_t rc)
{
    printf("ORES %s rc=%08x", name, (unsigned)rc);
}
static void end(void) { printf("\n"); }

static void ocalls(void)
{
    cc_enclave_result_t rc;
    {
        uint8_t buf[6];
        int ret = 0;
        memset(buf, 0, sizeof(buf));
        errno = 0;
        rc = host_read(&ret, buf, sizeof(buf));
        int e = errno;
        begin("host_read", rc), printf(" ret=%d errno=%d buf=", ret, e), put_hex(buf, 6), end();
    }
    {
        rc = host_log("from the C enclave");
        begin("host_log", rc), end();
    }
    {
        int ret = 0;
        rc = host_back(&ret, 14);
        begin("host_back", rc), printf(" ret=%d", ret), end();
    }
    {
        rc = host_sw();
        begin("host_sw", rc), end();
    }
    {
        struct pt pts[] = { { 1, 100, 0 }, { -4, 200, 0 } }, o = { 0, 0, 0 };
        union num u;
        uint64_t ret = 0;
        memset(&u, 0, sizeof(u));
        u.w = 0x1111;
        rc = host_mix(&ret, pts, 2, &u, &o);
        begin("host_mix", rc),
            printf(" ret=%llu u=%llx o=(%d,%lld,%u)", (unsigned long long)ret,
                   (unsigned long long)u.w, o.x, (long long)o.y, o.tag),
            end();
    }
    {
        rc = host_log(NULL);
        begin("null_string", rc), end();
    }
    PrintInfo(PRINT_ERROR, "ocalls done: %d", 5);
}

int main(int argc, char **argv)
{
    serve_ecalls(argc > 1 ? argv[1] : NULL);
    replies = read_messages(argc > 2 ? argv[2] : NULL);
    ocalls();
    free_messages(&replies);
    return 0;
}
