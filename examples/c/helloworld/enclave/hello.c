/* helloworld enclave: fills the host's buffer with a greeting. */
#include <stdio.h>
#include <string.h>

#include "helloworld_t.h"

#define TA_HELLO_WORLD "secgear hello world!"
#define BUF_MAX 32

int get_string(char *buf)
{
    strncpy(buf, TA_HELLO_WORLD, strlen(TA_HELLO_WORLD) + 1);
    return 0;
}
