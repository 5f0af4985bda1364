/* Test stub: the SGX SDK's status type. */
#ifndef SGX_ERROR_H
#define SGX_ERROR_H
typedef unsigned int sgx_status_t;
#endif
