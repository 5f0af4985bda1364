/*
 * A C host: the generated compat_u.c over a fake runtime. sg_ecall prints
 * each request ("REQ") and answers with the next reply of the replies file
 * (argv[1]; "-": fail every call). Each call's outcome is printed ("RES").
 * Then each OCALL request of argv[2] is served through the OCALL table the
 * stubs passed to sg_ecall, and its reply printed ("OREP").
 */
#include <errno.h>
#include <stdbool.h>

#include "common.h"
#include "compat_u.h"

static messages_t replies;
static size_t next_reply;
static const sg_ocall_table_t *ocall_table;

static cc_enclave_result_t next_reader(sg_reader_t **reply)
{
    if (next_reply >= replies.count) {
        return CC_ERROR_UNEXPECTED;
    }
    size_t i = next_reply++;
    return sg_reader_reply(replies.data[i], replies.len[i], reply);
}

/* No shared memory here: every pointer is itself. */
uint64_t sg_user_ptr(cc_enclave_t *enclave, const void *ptr)
{
    (void)enclave;
    return (uint64_t)(uintptr_t)ptr;
}

/* ... and no region stays in an arena: every one is sent inline. */
uint64_t sg_shared_region(cc_enclave_t *enclave, const void *ptr, size_t len)
{
    (void)enclave, (void)ptr, (void)len;
    return 0;
}

cc_enclave_result_t sg_ecall(cc_enclave_t *enclave, sg_writer_t *request, int switchless,
                             const sg_ocall_table_t *ocalls, sg_reader_t **reply)
{
    (void)enclave;
    ocall_table = ocalls;
    dump_writer(switchless ? "REQ s=1" : "REQ s=0", request);
    sg_writer_free(request);
    *reply = NULL;
    return next_reader(reply);
}

/* As a runtime does when the pool is full and rollback_to_common is set. */
cc_enclave_result_t sg_ecall_async(cc_enclave_t *enclave, sg_writer_t *request,
                                   const sg_ocall_table_t *ocalls, sg_complete_fn complete,
                                   void *ctx, void (*free_ctx)(void *), int *task_id,
                                   void *retval)
{
    (void)enclave;
    ocall_table = ocalls;
    dump_writer("REQ a=1", request);
    sg_writer_free(request);
    sg_reader_t *reply = NULL;
    cc_enclave_result_t rc = next_reader(&reply);
    if (rc == CC_SUCCESS) {
        rc = complete(reply, ctx, retval);
        *task_id = -1;
    }
    sg_reader_free(reply);
    if (free_ctx != NULL) {
        free_ctx(ctx);
    }
    return rc;
}

/* The OCALLs, mirroring the Rust host of tests/compat.rs. */
int host_read(uint8_t *buf, size_t len)
{
    static const char text[] = "hostdata";
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)text[i % 8];
    }
    errno = EINVAL;
    return (int)len;
}

void host_log(const char *msg)
{
    fprintf(stderr, "host_log: %s\n", msg);
}

int host_back(int x)
{
    return x * 3;
}

void host_sw(void)
{
}

uint64_t host_mix(const struct pt *pts, size_t n, union num *u, struct pt *o)
{
    int64_t x = 0, y = 0;
    for (size_t i = 0; i < n; i++) {
        x += pts[i].x;
        y += pts[i].y;
    }
    o->x = (int16_t)x;
    o->y = y;
    o->tag = (uint8_t)n;
    u->w ^= 0xffff;
    return (uint64_t)n;
}

static cc_enclave_t enclave;

static void begin(const char *name, cc_enclave_result_t rc)
{
    printf("RES %s rc=%08x", name, (unsigned)rc);
}
static void end(void) { printf("\n"); }
static void kv_i(const char *k, long long v) { printf(" %s=%lld", k, v); }
static void kv_u(const char *k, unsigned long long v) { printf(" %s=%llu", k, v); }
static void kv_hex(const char *k, const void *p, size_t n)
{
    printf(" %s=", k);
    put_hex(p, n);
}
static void kv_f64(const char *k, double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    printf(" %s=%016llx", k, (unsigned long long)b);
}
static void kv_pt(const char *k, struct pt p)
{
    printf(" %s=(%d,%lld,%u)", k, p.x, (long long)p.y, p.tag);
}

static void blob_fields(const struct blob *b)
{
    kv_u("len", b->len);
    kv_hex("data", b->data, b->len);
    kv_u("n", b->n);
    for (uint32_t i = 0; i < b->n; i++) {
        kv_pt("pt", b->pts[i]);
    }
    kv_u("tag", b->tag);
}

static void ecalls(void)
{
    cc_enclave_result_t rc;
    {
        int64_t ret = 0;
        rc = scalars(&enclave, &ret, -5, 60000, -70000, (uint64_t)1 << 40, 'A', 123456789, -42,
                     65535, 1.5f, -2.25, true, 0.5L, 0x263A, -7);
        begin("scalars", rc), kv_i("ret", ret), end();
    }
    {
        uint8_t buf[] = { 1, 2, 3, 250 };
        uint32_t ret = 0;
        rc = in_size(&enclave, &ret, buf, sizeof(buf));
        begin("in_size", rc), kv_u("ret", ret), end();
    }
    {
        uint8_t src[] = { 10, 20, 30 }, dst[3] = { 0 };
        rc = in_out_shared(&enclave, src, dst, 3);
        begin("in_out_shared", rc), kv_hex("dst", dst, 3), end();
    }
    {
        char buf[16];
        int ret = 0;
        memset(buf, 0x11, sizeof(buf));
        rc = out_const(&enclave, &ret, buf);
        begin("out_const", rc), kv_i("ret", ret), kv_hex("buf", buf, 16), end();
    }
    {
        int32_t v[] = { 1, -2, 3 };
        rc = inout_count(&enclave, v, 3, 10);
        begin("inout_count", rc), kv_hex("v", v, sizeof(v)), end();
    }
    {
        uint16_t v[] = { 1, 2, 3, 4 };
        uint32_t ret = 0;
        rc = size_count(&enclave, &ret, v, 2);
        begin("size_count", rc), kv_u("ret", ret), end();
    }
    {
        char out[8];
        size_t ret = 0;
        memset(out, '.', sizeof(out));
        rc = in_string(&enclave, &ret, "edl", out, sizeof(out));
        begin("in_string", rc), kv_u("ret", ret), kv_hex("out", out, 8), end();
    }
    {
        char s[] = "MiXed\0tail";
        rc = inout_string(&enclave, s);
        begin("inout_string", rc), kv_hex("s", s, sizeof(s)), end();
    }
    {
        wchar_t s[] = L"hey";
        size_t ret = 0;
        rc = wide_in(&enclave, &ret, s);
        begin("wide_in", rc), kv_u("ret", ret), end();
    }
    {
        wchar_t s[] = L"abc";
        rc = wide_inout(&enclave, s);
        begin("wide_inout", rc), kv_hex("s", s, sizeof(s)), end();
    }
    {
        struct pt p = { -3, (int64_t)1 << 35, 9 }, ret = { 0, 0, 0 };
        union num u;
        memset(&u, 0, sizeof(u));
        u.u = 0x01020304;
        rc = by_value(&enclave, &ret, p, BLUE, u, BIG_HUGE);
        begin("by_value", rc), kv_pt("ret", ret), end();
    }
    {
        struct pt p = { 7, -8, 250 };
        rc = ptr_struct(&enclave, &p);
        begin("ptr_struct", rc), kv_pt("p", p), end();
    }
    {
        uint64_t ret = 0;
        rc = user_ptr(&enclave, &ret, (void *)(uintptr_t)0x1234, (int *)(uintptr_t)0x5678);
        begin("user_ptr", rc), kv_u("ret", ret), end();
    }
    {
        int32_t m[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } }, t[3][2];
        uint8_t v[HEADER_N] = { 1, 2, 3, 4, 200 };
        memset(t, 0, sizeof(t));
        rc = arrays(&enclave, m, t, v);
        begin("arrays", rc), kv_hex("t", t, sizeof(t)), kv_hex("v", v, sizeof(v)), end();
    }
    {
        uint8_t data[] = { 1, 2, 3 };
        struct pt pts[] = { { 1, 10, 0 }, { 2, 20, 0 } };
        struct blob b = { 3, data, 2, pts, 100 };
        uint64_t ret = 0;
        rc = deep_in(&enclave, &ret, &b);
        begin("deep_in", rc), kv_u("ret", ret), end();
    }
    {
        uint8_t data[] = { 1, 2, 3 };
        struct pt pts[] = { { 1, 10, 0 }, { 2, 20, 0 } };
        struct blob b = { 3, data, 2, pts, 100 };
        rc = deep_inout(&enclave, &b);
        begin("deep_inout", rc), blob_fields(&b), end();
    }
    {
        uint8_t data[] = { 1, 2, 3 };
        struct pt pts[] = { { 1, 10, 0 }, { 2, 20, 0 } };
        struct blob b = { 3, data, 2, pts, 100 };
        rc = deep_grow(&enclave, &b);
        begin("deep_grow", rc), blob_fields(&b), end();
    }
    {
        uint8_t buf[] = { 5, 6, 7 };
        arr4_t arr = { 9, 8, 7, 6 };
        uint64_t total = 0;
        int32_t ret = 0;
        rc = foreign(&enclave, &ret, buf, sizeof(buf), arr, &total);
        begin("foreign", rc), kv_i("ret", ret), kv_u("total", total), end();
    }
    {
        const void *ptrs[] = { (void *)0x10, (void *)0x20, (void *)0x30 };
        int64_t ret = 0;
        rc = ptr_list(&enclave, &ret, ptrs, 3);
        begin("ptr_list", rc), kv_i("ret", ret), end();
    }
    {
        struct pt pts[3];
        memset(pts, 0, sizeof(pts));
        rc = out_structs(&enclave, pts, 3);
        begin("out_structs", rc), kv_pt("pt", pts[0]), kv_pt("pt", pts[1]), kv_pt("pt", pts[2]), end();
    }
    {
        long double v[] = { 1.5L, 2.25L }, ret = 0;
        rc = ld(&enclave, &ret, v, 0.125L);
        begin("ld", rc), kv_f64("ret", (double)ret), kv_f64("v0", (double)v[0]),
            kv_f64("v1", (double)v[1]), end();
    }
    {
        struct flags fs[] = { { true, 0.5L, { 1, 2, 3 } }, { false, 0.25L, { 4, 5, 6 } } }, ret;
        bool bits[2] = { false, false };
        memset(&ret, 0, sizeof(ret));
        rc = flip(&enclave, &ret, fs, 2, bits);
        begin("flip", rc);
        printf(" on=%d", ret.on ? 1 : 0);
        kv_f64("scale", (double)ret.scale);
        printf(" k=%d,%d,%d bits=%d%d", ret.k[0], ret.k[1], ret.k[2], bits[0] ? 1 : 0,
               bits[1] ? 1 : 0);
        end();
    }
    {
        uint8_t d0[] = { 1, 2, 3 }, d1[] = { 1, 2, 3 };
        struct pt p0[] = { { 1, 10, 0 }, { 2, 20, 0 } }, p1[] = { { 1, 10, 0 }, { 2, 20, 0 } };
        struct blob bs[] = { { 3, d0, 2, p0, 100 }, { 3, d1, 2, p1, 100 } };
        uint64_t ret = 0;
        rc = deep_many(&enclave, &ret, bs, 2);
        begin("deep_many", rc), kv_u("ret", ret), blob_fields(&bs[0]), blob_fields(&bs[1]), end();
    }
    {
        char buf[] = "abcd";
        int ret = 0;
        rc = sw(&enclave, &ret, buf, 4);
        begin("sw", rc), kv_i("ret", ret), kv_hex("buf", buf, 4), end();
    }
    {
        char buf[] = "wxyz";
        int ret = 0, task = 0;
        rc = sw_async(&enclave, &task, &ret, buf, 4);
        begin("sw_async", rc), kv_i("task", task), kv_i("ret", ret), kv_hex("buf", buf, 4), end();
    }
    {
        int ret = 0;
        rc = private_op(&enclave, &ret, 5);
        begin("private_op", rc), kv_i("ret", ret), end();
    }
    {
        uint64_t ret = 0;
        rc = raw_array(&enclave, &ret, (int32_t *)(uintptr_t)0x9abc);
        begin("raw_array", rc), kv_u("ret", ret), end();
    }
    {
        uint64_t c = 40, add = 2, ret = 0;
        rc = bump(&enclave, &ret, &c, &add);
        begin("bump", rc), kv_u("ret", ret), kv_u("c", c), end();
    }
    {
        const uint8_t buf[] = { 7, 8, 9 };
        uint16_t w[] = { 0xffff, 0xffff };
        uint32_t ret = 0;
        rc = float_sized(&enclave, &ret, buf, 3.7, w, 2.0f);
        begin("float_sized", rc), kv_u("ret", ret), kv_hex("w", w, sizeof(w)), end();
    }
    /* Refused before anything is sent. */
    {
        const uint8_t buf[] = { 7, 8, 9 };
        uint16_t w[] = { 0, 0 };
        uint32_t ret = 0;
        rc = float_sized(&enclave, &ret, buf, -1.0, w, 2.0f);
        begin("negative_float", rc), kv_u("ret", ret), end();
    }
    {
        uint16_t v[] = { 1, 2, 3, 4 };
        uint32_t ret = 0;
        rc = size_count(&enclave, &ret, v, -1);
        begin("negative_count", rc), kv_u("ret", ret), end();
    }
    {
        uint32_t ret = 0;
        rc = in_size(&enclave, &ret, NULL, 4);
        begin("null_buffer", rc), kv_u("ret", ret), end();
    }
    {
        rc = ptr_struct(&enclave, NULL);
        begin("null_struct", rc), end();
    }
}

static void serve_ocalls(const char *path)
{
    messages_t requests = read_messages(path);
    for (size_t i = 0; i < requests.count; i++) {
        uint32_t kind = 0, id = 0;
        sg_reader_t *r = NULL;
        cc_enclave_result_t rc =
            sg_reader_request(requests.data[i], requests.len[i], &kind, &id, &r);
        if (rc == CC_SUCCESS && (kind != SG_KIND_OCALL || ocall_table == NULL ||
                                 id >= ocall_table->count)) {
            rc = CC_ERROR_INVALID_CMD;
        }
        if (rc != CC_SUCCESS) {
            dump_error_reply("OREP", rc);
            sg_reader_free(r);
            continue;
        }
        sg_writer_t *w = sg_writer_reply();
        rc = ocall_table->functions[id](r, w);
        if (rc == CC_SUCCESS) {
            dump_writer("OREP", w);
        } else {
            dump_error_reply("OREP", rc);
        }
        sg_writer_free(w);
        sg_reader_free(r);
    }
    free_messages(&requests);
}

int main(int argc, char **argv)
{
    replies = read_messages(argc > 1 ? argv[1] : NULL);
    ecalls();
    serve_ocalls(argc > 2 ? argv[2] : NULL);
    free_messages(&replies);
    return 0;
}
