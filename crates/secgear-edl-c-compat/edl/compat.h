/* The C side of what compat.edl's `include "compat.h"` names. */
#ifndef COMPAT_H
#define COMPAT_H
#include <stdint.h>
typedef uint8_t *buffer_t;
typedef int32_t arr4_t[4];
typedef uint64_t *counter_ptr;
#define HEADER_N 5
#endif
