/*
 * pimsim shim: <seqread.h> of the UPMEM SDK: a sequential MRAM reader backed by
 * a WRAM cache of 2 x SEQREAD_CACHE_SIZE bytes, refilled with mram_read (so its
 * DMAs are checked and logged like any other).
 */
#ifndef PIMSIM_SHIM_SEQREAD_H
#define PIMSIM_SHIM_SEQREAD_H
#include <stdint.h>
#include "mram.h"

/* SDK default cache size of a sequential reader (seqread.h, SEQREAD_CACHE_SIZE
 * may be overridden with -D to 32..1024). */
#ifndef SEQREAD_CACHE_SIZE
#define SEQREAD_CACHE_SIZE 256
#endif

typedef uintptr_t seqreader_buffer_t;
typedef struct {
    uint8_t *wram_cache;  /* 2 x SEQREAD_CACHE_SIZE bytes: the current page and the next one (SDK) */
    uintptr_t mram_addr;  /* MRAM address of the cache's first byte */
} seqreader_t;

seqreader_buffer_t seqread_alloc(void);
void *seqread_init(seqreader_buffer_t cache, __mram_ptr void *mram_addr, seqreader_t *reader);
void *seqread_get(void *ptr, uint32_t inc, seqreader_t *reader);
__mram_ptr void *seqread_tell(void *ptr, seqreader_t *reader);

#endif
