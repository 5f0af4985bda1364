/*
 * secgear-rs: what the C code `secgear edl gen --lang c` generates calls.
 * Not for applications. One wire format for C and Rust bindings: these
 * functions are secgear-abi's Writer and Reader, so a Rust host can call a
 * C enclave and back, and every message is checked by the same code.
 *
 * Message: version u8 | kind u8 | 0 u16 | function id or status u32 | body.
 * Body, in parameter order: by-value arguments, [in]/[in,out] payloads as
 * sequences (u64 count + elements), the element count of each [out]-only
 * region; a reply: the return value, then each [out]/[in,out] payload.
 * Integers are little-endian; size_t travels as 64 bits; structures field
 * by field without padding. In a switchless ECALL, each [in]/[out] region
 * of plain elements (integers, float, double, void's bytes) starts with a
 * tag: SG_REGION_INLINE, then the usual encoding; or SG_REGION_IN_ARENA,
 * then the shared arena address (u64) and, when not of fixed size, the
 * element count; such a region is not in the reply (it was used in place).
 */
#ifndef SECGEAR_WIRE_H
#define SECGEAR_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_KIND_ECALL 1u
#define SG_KIND_OCALL 2u

#define SG_REGION_INLINE 0u
#define SG_REGION_IN_ARENA 1u

typedef struct sg_writer sg_writer_t;
typedef struct sg_reader sg_reader_t;

/* A request of `kind` for `function_id`; NULL when out of memory. */
sg_writer_t *sg_writer_request(uint32_t kind, uint32_t function_id);
/* A success reply (the callee writes its results into it). */
sg_writer_t *sg_writer_reply(void);
void sg_writer_free(sg_writer_t *writer);
/* Appends `len` raw bytes (a scalar in its native little-endian form). NULL writer: ignored. */
void sg_put(sg_writer_t *writer, const void *bytes, size_t len);
/* Appends a 64-bit count or size_t. */
void sg_put_u64(sg_writer_t *writer, uint64_t value);
/* Appends a sequence: its element count, then `count * elem_size` bytes. */
void sg_put_seq(sg_writer_t *writer, const void *elems, uint64_t count, size_t elem_size);

/* Each get checks that the bytes are there; on failure it returns the error
 * (CC_ERROR_BAD_FORMAT, CC_ERROR_BAD_PARAMETERS, CC_ERROR_EXCESS_DATA) and
 * writes nothing. */
cc_enclave_result_t sg_get(sg_reader_t *reader, void *out, size_t len);
cc_enclave_result_t sg_get_u64(sg_reader_t *reader, uint64_t *value);
/* A sequence that must hold exactly `count` elements, copied into `out`. */
cc_enclave_result_t sg_get_seq_into(sg_reader_t *reader, void *out, uint64_t count, size_t elem_size);
/* A sequence of any length, copied into malloc'd memory of
 * `count * elem_size + extra` bytes (the extra bytes zeroed: room for a
 * NUL); free it with free(). */
cc_enclave_result_t sg_get_seq_alloc(sg_reader_t *reader, size_t elem_size, size_t extra,
                                     void **out, uint64_t *count);
/* The element count of an [out] region the receiver provides; all such
 * regions of one message stay within 256 MiB. */
cc_enclave_result_t sg_get_out_count(sg_reader_t *reader, size_t elem_size, uint64_t *count);
/* CC_SUCCESS when every byte was read. */
cc_enclave_result_t sg_reader_finish(const sg_reader_t *reader);
/* Bytes not read yet (0 for NULL): bounds a count before allocating for it. */
size_t sg_reader_remaining(const sg_reader_t *reader);
void sg_reader_free(sg_reader_t *reader);

/* For runtimes and tests that carry messages; generated code does not call
 * these. */
/* The message built so far, valid until the writer changes or is freed;
 * *len (when not NULL) gets its length. */
const uint8_t *sg_writer_data(const sg_writer_t *writer, size_t *len);
/* A reader over a copy of the request `message`, at its body; *kind and
 * *function_id get its header. */
cc_enclave_result_t sg_reader_request(const void *message, size_t len, uint32_t *kind,
                                      uint32_t *function_id, sg_reader_t **reader);
/* A reader over a copy of the reply `message`, at its body; a reply that
 * carries a failure status returns that status. */
cc_enclave_result_t sg_reader_reply(const void *message, size_t len, sg_reader_t **reader);

#ifdef __cplusplus
}
#endif

#endif
