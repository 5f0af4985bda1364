/* What the kitchen-sink EDL's `include "kitchen.h"` provides (test stub). */
#ifndef KITCHEN_H
#define KITCHEN_H
#include <stdint.h>
typedef uint8_t *buffer_t;
typedef int32_t array_t[4];
#define HEADER_DIM 3
#endif
