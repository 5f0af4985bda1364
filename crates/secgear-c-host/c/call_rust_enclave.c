/* A C host calling a Rust enclave (the simulation tests' enclave) through
 * stubs written out by hand in the shape the C generator emits:
 *   ECALL 0:  public int add(int a, int b);
 *   ECALL 11: public int call_host(int x);   (makes OCALL 0)
 *   OCALL 0:  int host_double(int x);
 * Exit status 0: every check held. Usage: call_rust_enclave ENCLAVE_IMAGE */
#include <stdio.h>

#include "enclave.h"
#include "secgear_wire.h"

typedef cc_enclave_result_t (*sg_ocall_fn)(sg_reader_t *request, sg_writer_t *reply);
typedef struct { uint32_t count; const sg_ocall_fn *functions; const uint8_t *switchless; } sg_ocall_table_t;
cc_enclave_result_t sg_ecall(cc_enclave_t *enclave, sg_writer_t *request, int switchless,
                             const sg_ocall_table_t *ocalls, sg_reader_t **reply);

/* The host function the enclave calls. */
static int host_double(int x) { return 2 * x; }

static cc_enclave_result_t wrap_host_double(sg_reader_t *request, sg_writer_t *reply)
{
    int x;
    cc_enclave_result_t res = sg_get(request, &x, sizeof x);
    if (res == CC_SUCCESS) {
        res = sg_reader_finish(request);
    }
    if (res != CC_SUCCESS) {
        return res;
    }
    int ret = host_double(x);
    sg_put(reply, &ret, sizeof ret);
    return CC_SUCCESS;
}

static const sg_ocall_fn ocall_functions[] = {wrap_host_double, NULL, NULL, NULL, NULL};
static const uint8_t ocall_switchless[] = {0, 0, 0, 1, 1};
static const sg_ocall_table_t ocalls = {5, ocall_functions, ocall_switchless};

static cc_enclave_result_t call_int(cc_enclave_t *enclave, uint32_t id, const int *args, int argc, int *retval)
{
    sg_writer_t *w = sg_writer_request(SG_KIND_ECALL, id);
    for (int i = 0; i < argc; i++) {
        sg_put(w, &args[i], sizeof args[i]);
    }
    sg_reader_t *r = NULL;
    cc_enclave_result_t res = sg_ecall(enclave, w, 0, &ocalls, &r);
    if (res != CC_SUCCESS) {
        return res;
    }
    res = sg_get(r, retval, sizeof *retval);
    if (res == CC_SUCCESS) {
        res = sg_reader_finish(r);
    }
    sg_reader_free(r);
    return res;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    int failures = 0;
    cc_enclave_t context = {0};
    cc_enclave_result_t res = cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, SECGEAR_DEBUG_FLAG, NULL, 0, &context);
    if (res != CC_SUCCESS) {
        fprintf(stderr, "create: %s\n", cc_enclave_res2_str(res));
        return 1;
    }
    int ret = 0;
    int two[2] = {2, 3};
    res = call_int(&context, 0, two, 2, &ret);
    printf("add(2, 3) = %d (%s)\n", ret, cc_enclave_res2_str(res));
    failures += res != CC_SUCCESS || ret != 5;
    int one = 21;
    res = call_int(&context, 11, &one, 1, &ret);
    printf("call_host(21) = %d (%s)\n", ret, cc_enclave_res2_str(res));
    failures += res != CC_SUCCESS || ret != 42;
    /* Too few arguments: the enclave refuses the message, nothing crashes. */
    res = call_int(&context, 0, two, 1, &ret);
    printf("add(2) -> %#x\n", res);
    failures += res != CC_ERROR_BAD_FORMAT;
    res = cc_enclave_destroy(&context);
    failures += res != CC_SUCCESS;
    res = call_int(&context, 0, two, 2, &ret);
    printf("add after destroy -> %#x\n", res);
    failures += res != CC_ERROR_INVALID_ENCLAVE;
    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
