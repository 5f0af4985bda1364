/* What both C benchmark programs share: the OCALLs of tests.edl (answered at
 * once, as the Rust side's QuietHost does) and the median of timed runs. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

int host_double(int x) { return 2 * x; }
uint64_t host_thread_id(void) { return 0; }
void host_empty(void) {}
uint64_t host_thread_id_sw(void) { return 0; }
void host_empty_sw(void) {}

static int compare(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The median of n samples (sorted in place). */
static uint64_t median(uint64_t *samples, int n)
{
    qsort(samples, (size_t)n, sizeof *samples, compare);
    return samples[n / 2];
}

#endif
