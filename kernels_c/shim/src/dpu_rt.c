/*
 * pimsim shim: DPU-side runtime. Linked into every DPU program built with
 * SDK=shim (a shared object); the host runtime dlopen()s one private copy of
 * that object per DPU, so every DPU has its own globals, WRAM heap and MRAM.
 *
 * Tasklets are pthreads. Rules enforced (each violation prints one line naming
 * the call, the value and the limit, then exits with PIMSIM_EXIT_FAULT):
 *   - DMA size 8..2048 bytes and a multiple of 8, MRAM and WRAM addresses
 *     8-byte aligned, MRAM accesses inside the 64 MB MRAM (UPMEM SDK mram.h);
 *   - WRAM: static data + NR_TASKLETS * STACK_SIZE_DEFAULT + heap <= 64 KB.
 * Every DMA is appended to the DMA log (see pimsim_shim.h) when enabled.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "barrier.h"
#include "defs.h"
#include "handshake.h"
#include "mram.h"
#include "perfcounter.h"
#include "pimsim_shim.h"
#include "seqread.h"

/* WRAM capacity: 64 KB (UPMEM DPU v1B, DPU_WRAM_SIZE; DESIGN.md "Capacities"). */
#define PIMSIM_WRAM_BYTES 65536u

/* Per-tasklet stack reserved in WRAM. The SDK's clang driver uses 1024 bytes
 * unless -DSTACK_SIZE_DEFAULT=<n> is given (upmem/llvm-project,
 * clang/lib/Driver/ToolChains/DPURTE.cpp: default_stack_size = 1024). */
#ifndef STACK_SIZE_DEFAULT
#define STACK_SIZE_DEFAULT 1024
#endif

/* Static WRAM bytes of the DPU program (.data/.bss/.rodata of the kernel
 * objects, MRAM variables excluded), measured by the Makefile from the
 * compiled object (x86-64 sizes: pointers are 8 bytes here, 4 on a DPU). */
#ifndef PIMSIM_STATIC_WRAM_BYTES
#define PIMSIM_STATIC_WRAM_BYTES 0
#endif

#define ROUND_UP8(x) (((x) + 7u) & ~7u)

/* WRAM reserved before the heap: static data then the tasklet stacks. */
#define PIMSIM_WRAM_RESERVED                                                   \
    (ROUND_UP8((unsigned)PIMSIM_STATIC_WRAM_BYTES) + (unsigned)NR_TASKLETS * (unsigned)STACK_SIZE_DEFAULT)

extern int __pimsim_dpu_main(void); /* the DPU program's main(), renamed by -Dmain= */

static uint8_t mram[PIMSIM_MRAM_BYTES] __attribute__((aligned(8)));
static uint8_t wram_heap[PIMSIM_WRAM_BYTES] __attribute__((aligned(8)));
static size_t heap_used;
static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;

static __thread int tasklet_id = -1;
static int dpu_index;
static unsigned launch_count;
static FILE *dma_log;
static pthread_mutex_t *dma_log_lock;
/* highest MRAM byte offset + 1 written by a DMA (for the host's state dumps) */
static uint64_t mram_dma_end;

/* --- faults -------------------------------------------------------------- */

static void fault(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fault(const char *fmt, ...) {
    static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&fault_lock);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pimsim-shim: DPU %d tasklet %d: ", dpu_index, tasklet_id);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    fflush(stdout);
    if (dma_log) fflush(dma_log);
    _exit(PIMSIM_EXIT_FAULT);
}

/* --- identity ------------------------------------------------------------ */

sysname_t me(void) {
    if (tasklet_id < 0) fault("me() called outside a tasklet");
    return (sysname_t)tasklet_id;
}

/* --- DMA ----------------------------------------------------------------- */

static int64_t wram_address(const void *p) {
    const uint8_t *b = (const uint8_t *)p;
    if (b >= wram_heap && b < wram_heap + PIMSIM_WRAM_BYTES)
        return (int64_t)PIMSIM_WRAM_RESERVED + (b - wram_heap);
    return -1; /* a stack buffer or a WRAM global: no simulated address */
}

static uint8_t *check_dma(const char *call, uintptr_t mram_addr, const void *wram,
                          unsigned int n, int64_t *mram_off) {
    if (n < PIMSIM_DMA_MIN_BYTES || n > PIMSIM_DMA_MAX_BYTES)
        fault("%s: size %u bytes is outside the SDK DMA range %u..%u bytes", call, n,
              PIMSIM_DMA_MIN_BYTES, PIMSIM_DMA_MAX_BYTES);
    if (n % PIMSIM_DMA_ALIGN)
        fault("%s: size %u bytes is not a multiple of %u (SDK DMA rule)", call, n, PIMSIM_DMA_ALIGN);
    if (mram_addr % PIMSIM_DMA_ALIGN)
        fault("%s: MRAM address 0x%lx is not %u-byte aligned (SDK DMA rule)", call,
              (unsigned long)mram_addr, PIMSIM_DMA_ALIGN);
    if ((uintptr_t)wram % PIMSIM_DMA_ALIGN)
        fault("%s: WRAM address %p is not %u-byte aligned (SDK DMA rule)", call, wram, PIMSIM_DMA_ALIGN);
    const uint8_t *w = (const uint8_t *)wram;
    if (w >= wram_heap && w < wram_heap + sizeof wram_heap && w + n > wram_heap + heap_used)
        fault("%s: WRAM buffer at heap offset %ld + %u bytes runs past the %zu allocated heap bytes",
              call, (long)(w - wram_heap), n, heap_used);
    if (mram_addr >= PIMSIM_MRAM_BASE && mram_addr < (uintptr_t)PIMSIM_MRAM_BASE + PIMSIM_MRAM_BYTES) {
        uint64_t off = mram_addr - PIMSIM_MRAM_BASE;
        if (off + n > PIMSIM_MRAM_BYTES)
            fault("%s: MRAM range 0x%lx + %u bytes exceeds the %u-byte MRAM", call,
                  (unsigned long)off, n, PIMSIM_MRAM_BYTES);
        *mram_off = (int64_t)off;
        return mram + off;
    }
    if (mram_addr < (uintptr_t)PIMSIM_MRAM_BASE + PIMSIM_MRAM_BYTES)
        fault("%s: MRAM address 0x%lx is outside MRAM [0x%x, 0x%x)", call, (unsigned long)mram_addr,
              PIMSIM_MRAM_BASE, PIMSIM_MRAM_BASE + PIMSIM_MRAM_BYTES);
    /* a host pointer to an __mram/__mram_noinit variable */
    *mram_off = -1;
    return (uint8_t *)mram_addr;
}

static void log_dma(const char *dir, unsigned int n, int64_t mram_off, const void *wram) {
    if (!dma_log) return;
    pthread_mutex_lock(dma_log_lock);
    fprintf(dma_log, "%d,%s,%u,%lld,%lld\n", tasklet_id, dir, n, (long long)mram_off,
            (long long)wram_address(wram));
    pthread_mutex_unlock(dma_log_lock);
}

void mram_read(const __mram_ptr void *from, void *to, unsigned int nb_of_bytes) {
    int64_t off;
    uint8_t *src = check_dma("mram_read", (uintptr_t)from, to, nb_of_bytes, &off);
    memcpy(to, src, nb_of_bytes);
    log_dma("read", nb_of_bytes, off, to);
}

void mram_write(const void *from, __mram_ptr void *to, unsigned int nb_of_bytes) {
    int64_t off;
    uint8_t *dst = check_dma("mram_write", (uintptr_t)to, from, nb_of_bytes, &off);
    memcpy(dst, from, nb_of_bytes);
    if (off >= 0) {
        uint64_t end = (uint64_t)off + nb_of_bytes, cur = __atomic_load_n(&mram_dma_end, __ATOMIC_RELAXED);
        while (end > cur && !__atomic_compare_exchange_n(&mram_dma_end, &cur, end, 1, __ATOMIC_RELAXED,
                                                         __ATOMIC_RELAXED)) {
        }
    }
    log_dma("write", nb_of_bytes, off, from);
}

/* --- WRAM heap ----------------------------------------------------------- */

void *mem_alloc(size_t size) {
    pthread_mutex_lock(&heap_lock);
    size_t start = ROUND_UP8(heap_used);
    size_t total = PIMSIM_WRAM_RESERVED + start + size;
    if (total > PIMSIM_WRAM_BYTES) {
        pthread_mutex_unlock(&heap_lock);
        fault("mem_alloc(%zu): WRAM overflow: static %u + stacks %u x %u + heap %zu + request %zu = %zu "
              "bytes > WRAM limit %u bytes",
              size, (unsigned)PIMSIM_STATIC_WRAM_BYTES, (unsigned)NR_TASKLETS,
              (unsigned)STACK_SIZE_DEFAULT, start, size, total, PIMSIM_WRAM_BYTES);
    }
    heap_used = start + size;
    pthread_mutex_unlock(&heap_lock);
    return wram_heap + start;
}

void mem_reset(void) {
    pthread_mutex_lock(&heap_lock);
    heap_used = 0;
    pthread_mutex_unlock(&heap_lock);
}

/* --- barrier ------------------------------------------------------------- */

void barrier_wait(barrier_t *b) {
    pthread_mutex_lock(&b->lock);
    uint32_t gen = b->generation;
    if (++b->arrived == b->count) {
        b->arrived = 0;
        b->generation++;
        pthread_cond_broadcast(&b->cond);
    } else {
        while (gen == b->generation) pthread_cond_wait(&b->cond, &b->lock);
    }
    pthread_mutex_unlock(&b->lock);
}

/* --- handshake ----------------------------------------------------------- */

static pthread_mutex_t hs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hs_cond = PTHREAD_COND_INITIALIZER;
static int hs_waiter[PIMSIM_MAX_TASKLETS];   /* 1 + id of the tasklet waiting for notifier i, or 0 */
static int hs_notified[PIMSIM_MAX_TASKLETS]; /* notifier i is blocked until someone waits for it */

int handshake_wait_for(sysname_t notifier) {
    if (notifier >= NR_TASKLETS)
        fault("handshake_wait_for(%u): notifier is not a tasklet (NR_TASKLETS=%d)", notifier, NR_TASKLETS);
    pthread_mutex_lock(&hs_lock);
    if (hs_waiter[notifier]) {
        pthread_mutex_unlock(&hs_lock);
        errno = EALREADY;
        return EALREADY;
    }
    if (hs_notified[notifier]) { /* notifier came first: release it */
        hs_notified[notifier] = 0;
        pthread_cond_broadcast(&hs_cond);
    } else {
        hs_waiter[notifier] = 1 + (int)me();
        while (hs_waiter[notifier]) pthread_cond_wait(&hs_cond, &hs_lock);
    }
    pthread_mutex_unlock(&hs_lock);
    return 0;
}

void handshake_notify(void) {
    sysname_t id = me();
    pthread_mutex_lock(&hs_lock);
    if (hs_waiter[id]) {
        hs_waiter[id] = 0;
        pthread_cond_broadcast(&hs_cond);
    } else {
        hs_notified[id] = 1;
        while (hs_notified[id]) pthread_cond_wait(&hs_cond, &hs_lock);
    }
    pthread_mutex_unlock(&hs_lock);
}

/* --- perfcounter (host nanoseconds, see perfcounter.h) -------------------- */

static uint64_t perf_origin_ns;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

perfcounter_t perfcounter_config(perfcounter_config_t config, bool reset_value) {
    (void)config;
    uint64_t t = now_ns();
    perfcounter_t old = t - perf_origin_ns;
    if (reset_value) perf_origin_ns = t;
    return old;
}

perfcounter_t perfcounter_get(void) { return now_ns() - perf_origin_ns; }

/* --- seqread --------------------------------------------------------------- */

seqreader_buffer_t seqread_alloc(void) { return (seqreader_buffer_t)mem_alloc(2 * SEQREAD_CACHE_SIZE); }

/* The SDK reads two pages (PAGE_ALLOC_SIZE = 2 x SEQREAD_CACHE_SIZE, 512 B by default) at the
 * page-aligned MRAM address, on seqread_init and on every page crossing (upmem-sdk
 * dpu-rt/src/syslib/seqread.inc, MRAM_READ_PAGE). */
static void seqread_fill(seqreader_t *r) { mram_read((__mram_ptr void *)r->mram_addr, r->wram_cache, 2 * SEQREAD_CACHE_SIZE); }

void *seqread_init(seqreader_buffer_t cache, __mram_ptr void *mram_addr, seqreader_t *reader) {
    uintptr_t a = (uintptr_t)mram_addr;
    reader->wram_cache = (uint8_t *)cache;
    reader->mram_addr = a & ~(uintptr_t)(SEQREAD_CACHE_SIZE - 1);
    seqread_fill(reader);
    return reader->wram_cache + (a - reader->mram_addr);
}

void *seqread_get(void *ptr, uint32_t inc, seqreader_t *reader) {
    uint8_t *p = (uint8_t *)ptr + inc;
    while (p >= reader->wram_cache + SEQREAD_CACHE_SIZE) {
        p -= SEQREAD_CACHE_SIZE;
        reader->mram_addr += SEQREAD_CACHE_SIZE;
        seqread_fill(reader);
    }
    return p;
}

__mram_ptr void *seqread_tell(void *ptr, seqreader_t *reader) {
    return (__mram_ptr void *)(reader->mram_addr + ((uint8_t *)ptr - reader->wram_cache));
}

/* --- entry points used by the host runtime -------------------------------- */

static void *tasklet_main(void *arg) {
    tasklet_id = (int)(intptr_t)arg;
    intptr_t rc = __pimsim_dpu_main();
    return (void *)rc;
}

__attribute__((visibility("default"))) void __pimsim_dpu_init(int index, FILE *log, pthread_mutex_t *log_lock) {
    dpu_index = index;
    dma_log = log;
    dma_log_lock = log_lock;
    if (PIMSIM_WRAM_RESERVED > PIMSIM_WRAM_BYTES)
        fault("WRAM overflow at load: static %u + stacks %u x %u = %u bytes > WRAM limit %u bytes",
              (unsigned)PIMSIM_STATIC_WRAM_BYTES, (unsigned)NR_TASKLETS, (unsigned)STACK_SIZE_DEFAULT,
              (unsigned)PIMSIM_WRAM_RESERVED, PIMSIM_WRAM_BYTES);
}

__attribute__((visibility("default"))) int __pimsim_dpu_nr_tasklets(void) { return NR_TASKLETS; }

__attribute__((visibility("default"))) void *__pimsim_dpu_mram(void) { return mram; }

__attribute__((visibility("default"))) uint64_t __pimsim_dpu_mram_dma_end(void) { return mram_dma_end; }

/* Runs all tasklets to completion; returns 0, or the first non-zero main() result. */
__attribute__((visibility("default"))) int __pimsim_dpu_launch(void) {
    pthread_t th[NR_TASKLETS];
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (dma_log) {
        pthread_mutex_lock(dma_log_lock);
        fprintf(dma_log, "# dpu=%d launch=%u nr_tasklets=%d\n", dpu_index, launch_count, NR_TASKLETS);
        pthread_mutex_unlock(dma_log_lock);
    }
    launch_count++;
    for (int i = 0; i < NR_TASKLETS; i++)
        if (pthread_create(&th[i], &attr, tasklet_main, (void *)(intptr_t)i)) {
            perror("pimsim-shim: pthread_create");
            _exit(PIMSIM_EXIT_FAULT);
        }
    int status = 0;
    for (int i = 0; i < NR_TASKLETS; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        if (rc && !status) status = (int)(intptr_t)rc;
    }
    pthread_attr_destroy(&attr);
    if (dma_log) fflush(dma_log);
    return status;
}
