/* switchless enclave: both ECALLs fill the host's buffer with a greeting. */
#include <stdio.h>
#include <string.h>

#include "switchless_t.h"

#define TA_HELLO_WORLD "secgear hello world!"

int get_string(char *buf)
{
    strncpy(buf, TA_HELLO_WORLD, strlen(TA_HELLO_WORLD) + 1);
    return 0;
}

int get_string_switchless(char *buf)
{
    strncpy(buf, TA_HELLO_WORLD, strlen(TA_HELLO_WORLD) + 1);
    return 0;
}
