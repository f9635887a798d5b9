/*
 * pimsim shim: host-side <dpu.h> of the UPMEM SDK.
 *
 * Each DPU of a set is a private dlopen()ed copy of the DPU program (a shared
 * object built by the Makefile with SDK=shim), so DPU globals, WRAM heap and
 * MRAM are per DPU. Launches run the DPUs one after another, each with
 * NR_TASKLETS threads. Transfers copy memory and enforce the SDK's size and
 * alignment rules; errors are returned as dpu_error_t as in the SDK.
 */
#ifndef PIMSIM_SHIM_DPU_H
#define PIMSIM_SHIM_DPU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef enum dpu_error_t {
    DPU_OK = 0,
    DPU_ERR_INTERNAL,
    DPU_ERR_SYSTEM,
    DPU_ERR_ALLOCATION,
    DPU_ERR_INVALID_LAUNCH_POLICY,
    DPU_ERR_INVALID_SYMBOL_ACCESS,
    DPU_ERR_INVALID_MRAM_ACCESS,
    DPU_ERR_INVALID_WRAM_ACCESS,
    DPU_ERR_ELF_INVALID_FILE,
    DPU_ERR_ELF_NO_SUCH_SYMBOL,
    DPU_ERR_DPU_FAULT,
    DPU_ERR_TRANSFER_ALREADY_SET,
} dpu_error_t;

typedef enum { DPU_XFER_TO_DPU, DPU_XFER_FROM_DPU } dpu_xfer_t;
typedef enum { DPU_XFER_DEFAULT = 0, DPU_XFER_NO_RESET = 1, DPU_XFER_ASYNC = 2 } dpu_xfer_flags_t;
typedef enum { DPU_SYNCHRONOUS, DPU_ASYNCHRONOUS } dpu_launch_policy_t;
typedef enum { DPU_SET_RANKS, DPU_SET_DPU } dpu_set_kind_t;

struct pimsim_system;
struct dpu_program_t;

struct dpu_set_t {
    dpu_set_kind_t kind;
    struct pimsim_system *sys;
    uint32_t first; /* index of the first DPU of the set */
    uint32_t count; /* number of DPUs in the set */
};

#define DPU_ALLOCATE_ALL ((uint32_t)-1)
/* Name under which the host addresses the MRAM heap (same string as the SDK). */
#define DPU_MRAM_HEAP_POINTER_NAME "__sys_used_mram_end"

dpu_error_t dpu_alloc(uint32_t nr_dpus, const char *profile, struct dpu_set_t *dpu_set);
dpu_error_t dpu_alloc_ranks(uint32_t nr_ranks, const char *profile, struct dpu_set_t *dpu_set);
dpu_error_t dpu_free(struct dpu_set_t dpu_set);
dpu_error_t dpu_load(struct dpu_set_t dpu_set, const char *binary_path, struct dpu_program_t **program);
dpu_error_t dpu_get_nr_dpus(struct dpu_set_t dpu_set, uint32_t *nr_dpus);
dpu_error_t dpu_get_nr_ranks(struct dpu_set_t dpu_set, uint32_t *nr_ranks);
dpu_error_t dpu_copy_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                        const void *src, size_t length);
dpu_error_t dpu_copy_from(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                          void *dst, size_t length);
dpu_error_t dpu_broadcast_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                             const void *src, size_t length, dpu_xfer_flags_t flags);
dpu_error_t dpu_prepare_xfer(struct dpu_set_t dpu_set, void *buffer);
dpu_error_t dpu_push_xfer(struct dpu_set_t dpu_set, dpu_xfer_t xfer, const char *symbol_name,
                          uint32_t symbol_offset, size_t length, dpu_xfer_flags_t flags);
dpu_error_t dpu_launch(struct dpu_set_t dpu_set, dpu_launch_policy_t policy);
dpu_error_t dpu_sync(struct dpu_set_t dpu_set);
dpu_error_t dpu_log_read(struct dpu_set_t dpu_set, FILE *stream);
const char *dpu_error_to_string(dpu_error_t status);

/* internal: the n-th DPU of a set, for DPU_FOREACH */
struct dpu_set_t pimsim_set_nth(struct dpu_set_t set, uint32_t n);
static inline uint32_t pimsim_set_size(struct dpu_set_t set) { return set.count; }

#define DPU_ASSERT(expr)                                                                       \
    do {                                                                                       \
        dpu_error_t __pimsim_status = (expr);                                                  \
        if (__pimsim_status != DPU_OK) {                                                       \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,               \
                    dpu_error_to_string(__pimsim_status));                                     \
            exit(3);                                                                           \
        }                                                                                      \
    } while (0)

#define _PIMSIM_FOREACH_PICK(_1, _2, _3, NAME, ...) NAME
#define _PIMSIM_FOREACH_2(set, dpu)                                                            \
    for (uint32_t __pimsim_i = 0;                                                              \
         __pimsim_i < pimsim_set_size(set) && ((dpu) = pimsim_set_nth((set), __pimsim_i), 1); \
         __pimsim_i++)
#define _PIMSIM_FOREACH_3(set, dpu, i)                                                         \
    for ((i) = 0; (i) < pimsim_set_size(set) && ((dpu) = pimsim_set_nth((set), (i)), 1); (i)++)
/* DPU_FOREACH(set, dpu) or DPU_FOREACH(set, dpu, index) */
#define DPU_FOREACH(...) _PIMSIM_FOREACH_PICK(__VA_ARGS__, _PIMSIM_FOREACH_3, _PIMSIM_FOREACH_2, )(__VA_ARGS__)

#endif
