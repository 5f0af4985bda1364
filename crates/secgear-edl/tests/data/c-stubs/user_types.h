/* Test stub of the Intel SGX sample's user_types.h. */
#ifndef USER_TYPES_H
#define USER_TYPES_H
typedef void *buffer_t;
typedef int array_t[10];
#endif
