/* A helloworld enclave in C with its ECALL glue written out by hand, in
 * the shape the C generator emits: the runtime test that libsecgear_tee.a
 * serves a C enclave to a Rust host. EDL:
 *   public int get_string([out, size=32] char *buf);
 *   untrusted: void host_note([in, string] char *text);   (OCALL 0)
 * It also checks that the sandbox holds for C code (open() fails with EPERM).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secgear_dataseal.h"
#include "secgear_log.h"
#include "secgear_random.h"
#include "secgear_wire.h"

typedef cc_enclave_result_t (*sg_ecall_fn)(sg_reader_t *request, sg_writer_t *reply);
typedef struct { uint32_t count; const sg_ecall_fn *functions; const uint8_t *public_flags; const uint8_t *switchless; } sg_ecall_table_t;
typedef struct { uint32_t count; const uint32_t *ids; } sg_allow_list_t;
typedef struct { uint32_t count; const uint8_t *switchless; const uint8_t *propagate_errno; const sg_allow_list_t *allow; } sg_ocall_info_t;
int sg_enclave_main(int argc, char **argv, const sg_ecall_table_t *ecalls, const sg_ocall_info_t *ocalls);
cc_enclave_result_t sg_ocall(sg_writer_t *request, int switchless, sg_reader_t **reply);

/* The application's code. */
static int get_string(char *buf)
{
    const char *text = "secgear hello world!";
    uint8_t random[16];
    if (cc_enclave_generate_random(random, sizeof random) != CC_SUCCESS) {
        return 1;
    }
    /* Seal and unseal a round trip, to exercise the sealing API from C. */
    uint8_t data[] = "Data to encrypt", aad[] = "add mac text";
    uint32_t size = cc_enclave_get_sealed_data_size(12, 15);
    cc_enclave_sealed_data_t *sealed = malloc(size);
    if (sealed == NULL || cc_enclave_seal_data(data, 15, sealed, size, aad, 12) != CC_SUCCESS) {
        return 2;
    }
    uint8_t plain[15], mac[12];
    uint32_t plain_len = sizeof plain, mac_len = sizeof mac;
    if (cc_enclave_get_encrypted_text_size(sealed) != 15 || cc_enclave_get_add_text_size(sealed) != 12 ||
        cc_enclave_unseal_data(sealed, plain, &plain_len, mac, &mac_len) != CC_SUCCESS ||
        memcmp(plain, data, 15) != 0 || memcmp(mac, aad, 12) != 0) {
        return 3;
    }
    /* An [out] buffer too small for the data: the original's code, nothing written past it. */
    uint8_t small[10] = {0};
    uint32_t small_len = sizeof small;
    mac_len = sizeof mac;
    if (cc_enclave_unseal_data(sealed, small, &small_len, mac, &mac_len) != CC_ERROR_SHORT_BUFFER ||
        small_len != sizeof small) {
        return 7;
    }
    mac_len = sizeof mac;
    sealed->data_body[30] ^= 1;
    if (cc_enclave_unseal_data(sealed, plain, &plain_len, mac, &mac_len) != CC_ERROR_MAC_INVALID) {
        return 4;
    }
    free(sealed);
    PrintInfo(PRINT_ERROR, "from C: %s", "hello, host log");
    /* OCALL 0 with the text. */
    sg_writer_t *w = sg_writer_request(SG_KIND_OCALL, 0);
    sg_put_seq(w, text, strlen(text), 1);
    sg_reader_t *r = NULL;
    if (sg_ocall(w, 0, &r) != CC_SUCCESS || sg_reader_finish(r) != CC_SUCCESS) {
        return 5;
    }
    sg_reader_free(r);
    /* C code runs in the same sandbox as Rust enclave code. */
    int fd = open("/etc/hostname", O_RDONLY);
    if (fd >= 0 || errno != EPERM) {
        return 6;
    }
    strncpy(buf, text, 32);
    return 0;
}

/* The glue. */
static cc_enclave_result_t wrap_get_string(sg_reader_t *request, sg_writer_t *reply)
{
    cc_enclave_result_t res = sg_reader_finish(request);
    if (res != CC_SUCCESS) {
        return res;
    }
    char buf[32] = {0};
    int ret = get_string(buf);
    sg_put(reply, &ret, sizeof ret);
    sg_put(reply, buf, sizeof buf);
    return CC_SUCCESS;
}

static const sg_ecall_fn functions[] = {wrap_get_string};
static const uint8_t public_flags[] = {1};
static const uint8_t switchless[] = {0};
static const uint8_t ocall_switchless[] = {0};
static const uint8_t ocall_errno[] = {0};
static const sg_allow_list_t ocall_allow[] = {{0, NULL}};
const sg_ecall_table_t sg_enclave_ecalls = {1, functions, public_flags, switchless};
const sg_ocall_info_t sg_enclave_ocalls = {1, ocall_switchless, ocall_errno, ocall_allow};

int main(int argc, char **argv)
{
    return sg_enclave_main(argc, argv, &sg_enclave_ecalls, &sg_enclave_ocalls);
}
