/*
 * secgear-rs: host-side logging of secGear. print_log is defined here
 * (static inline): NOTICE goes to stdout, every other level to stderr.
 */
#ifndef SECGEAR_ENCLAVE_LOG_H
#define SECGEAR_ENCLAVE_LOG_H

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SECGEAR_LOG_LEVEL_ERROR = 0,
    SECGEAR_LOG_LEVEL_WARNING,
    SECGEAR_LOG_LEVEL_NOTICE,
    SECGEAR_LOG_LEVEL_DEBUG
} cc_enclave_level_t;

#ifndef SECGEAR_DEBUG_LEVEL
#define SECGEAR_DEBUG_LEVEL SECGEAR_LOG_LEVEL_ERROR
#endif

__attribute__((format(printf, 2, 3))) static inline int print_log(cc_enclave_level_t level, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int written = vfprintf(level == SECGEAR_LOG_LEVEL_NOTICE ? stdout : stderr, fmt, args);
    va_end(args);
    return written;
}

#define print_log_internal(level, fmt, ...)                                    \
    do {                                                                       \
        if ((level) <= SECGEAR_DEBUG_LEVEL) {                                  \
            print_log((level), fmt, ##__VA_ARGS__);                            \
        }                                                                      \
    } while (0)

#ifdef DEBUG_FILE_LINE
#define print_error_term(fmt, ...) \
    print_log_internal(SECGEAR_LOG_LEVEL_ERROR, "ERROR:[%s %s:%d] " fmt, __FUNCTION__, __FILE__, __LINE__, ##__VA_ARGS__)
#define print_warning(fmt, ...) \
    print_log_internal(SECGEAR_LOG_LEVEL_WARNING, "WARNING:[%s %s:%d] " fmt, __FUNCTION__, __FILE__, __LINE__, ##__VA_ARGS__)
#define print_notice(fmt, ...) \
    print_log_internal(SECGEAR_LOG_LEVEL_NOTICE, "NOTICE:[%s %s: %d] " fmt, __FUNCTION__, __FILE__, __LINE__, ##__VA_ARGS__)
#define print_debug(fmt, ...) \
    print_log_internal(SECGEAR_LOG_LEVEL_DEBUG, "DEBUG:[%s %s: %d] " fmt, __FUNCTION__, __FILE__, __LINE__, ##__VA_ARGS__)
#else
#define print_error_term(fmt, ...) print_log_internal(SECGEAR_LOG_LEVEL_ERROR, "ERROR:[%s] " fmt, __FUNCTION__, ##__VA_ARGS__)
#define print_warning(fmt, ...) print_log_internal(SECGEAR_LOG_LEVEL_WARNING, "WARNING:[%s] " fmt, __FUNCTION__, ##__VA_ARGS__)
#define print_notice(fmt, ...) print_log_internal(SECGEAR_LOG_LEVEL_NOTICE, "NOTICE:[%s] " fmt, __FUNCTION__, ##__VA_ARGS__)
#define print_debug(fmt, ...) print_log_internal(SECGEAR_LOG_LEVEL_DEBUG, "DEBUG:[%s] " fmt, __FUNCTION__, ##__VA_ARGS__)
#endif

/* Prints, then jumps to the caller's `done` label. */
#define print_error_goto(fmt, ...)         \
    do {                                   \
        print_error_term(fmt, ##__VA_ARGS__); \
        goto done;                         \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif
