/* secgear-rs: PrintInfo for enclave code; messages reach the host's log. */
#ifndef SECGEAR_LOG_H
#define SECGEAR_LOG_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Guarded: the generated X_t.h defines the same (either may come first). */
#ifndef PRINT_ERROR
#define PRINT_ERROR 0
#define PRINT_WARNING 1
#define PRINT_STRACE 2
#define PRINT_DEBUG 3
#endif

#ifndef PRINT_LEVEL
#define PRINT_LEVEL PRINT_ERROR
#endif

void sg_print_info(int level, const char *message);

/* Formats like printf; emitted when level <= PRINT_LEVEL. */
#ifndef PrintInfo
#define PrintInfo(level, fmt, ...)                                            \
    do {                                                                      \
        if ((level) <= PRINT_LEVEL) {                                         \
            char sg_print_buf_[1024];                                         \
            snprintf(sg_print_buf_, sizeof sg_print_buf_, fmt, ##__VA_ARGS__); \
            sg_print_info((level), sg_print_buf_);                            \
        }                                                                     \
    } while (0)
#endif

#ifdef __cplusplus
}
#endif

#endif
