/* secgear-rs: what generated C code assumes of the target, checked where
 * it is compiled. */
#ifndef SECGEAR_PLATFORM_H
#define SECGEAR_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "secGear generated code needs a little-endian target"
#endif
#ifndef __cplusplus
_Static_assert(sizeof(void *) == 8 && sizeof(long) == 8 && sizeof(size_t) == 8,
               "secGear generated code needs an LP64 target");
_Static_assert(sizeof(wchar_t) == 4, "wchar_t travels as a 32-bit integer");
_Static_assert(sizeof(bool) == 1 && sizeof(float) == 4 && sizeof(double) == 8,
               "bool, float and double must have their usual sizes");
#endif

#endif
