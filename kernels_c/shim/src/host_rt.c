/*
 * pimsim shim: host-side runtime behind dpu.h (see there for the mechanism).
 *
 * Transfer rules enforced, as in the SDK: MRAM transfers need offset and
 * length multiples of 8 bytes, WRAM transfers multiples of 4; every access must
 * stay inside the symbol. Violations return DPU_ERR_INVALID_*_ACCESS and print
 * one line naming the call, symbol, offset, length and limit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpu.h"
#include "pimsim_shim.h"

/* MRAM capacity per DPU: 64 MB (UPMEM DPU; DESIGN.md "Capacities"). */
#define MRAM_BYTES (64u * 1024u * 1024u)
/* SDK host transfer granularity: 8 bytes for MRAM, 4 bytes for WRAM. */
#define MRAM_XFER_ALIGN 8u
#define WRAM_XFER_ALIGN 4u

struct pimsim_dpu {
    void *handle;
    void *xfer_buffer;
    int (*launch)(void);
    void *(*mram)(void);
    uint64_t (*mram_dma_end)(void);
    uint64_t mram_host_end; /* highest MRAM offset + 1 written by the host */
    unsigned launches;
};

struct pimsim_system {
    uint32_t nr_dpus;
    struct pimsim_dpu *dpus;
    int loaded;
};

static FILE *dma_log;
static pthread_mutex_t dma_log_lock = PTHREAD_MUTEX_INITIALIZER;

const char *dpu_error_to_string(dpu_error_t s) {
    switch (s) {
    case DPU_OK: return "DPU_OK";
    case DPU_ERR_INTERNAL: return "internal error";
    case DPU_ERR_SYSTEM: return "system error";
    case DPU_ERR_ALLOCATION: return "allocation error";
    case DPU_ERR_INVALID_LAUNCH_POLICY: return "invalid launch policy";
    case DPU_ERR_INVALID_SYMBOL_ACCESS: return "invalid symbol access";
    case DPU_ERR_INVALID_MRAM_ACCESS: return "invalid MRAM access";
    case DPU_ERR_INVALID_WRAM_ACCESS: return "invalid WRAM access";
    case DPU_ERR_ELF_INVALID_FILE: return "invalid DPU binary";
    case DPU_ERR_ELF_NO_SUCH_SYMBOL: return "no such symbol";
    case DPU_ERR_DPU_FAULT: return "DPU fault";
    case DPU_ERR_TRANSFER_ALREADY_SET: return "transfer already set";
    }
    return "unknown error";
}

dpu_error_t dpu_alloc(uint32_t nr_dpus, const char *profile, struct dpu_set_t *set) {
    (void)profile;
    if (nr_dpus == DPU_ALLOCATE_ALL) {
        const char *env = getenv("PIMSIM_SHIM_NR_DPUS");
        nr_dpus = env ? (uint32_t)atoi(env) : 1;
    }
    if (nr_dpus == 0) return DPU_ERR_ALLOCATION;
    struct pimsim_system *sys = calloc(1, sizeof *sys);
    if (!sys) return DPU_ERR_SYSTEM;
    sys->nr_dpus = nr_dpus;
    sys->dpus = calloc(nr_dpus, sizeof *sys->dpus);
    if (!sys->dpus) return DPU_ERR_SYSTEM;
    *set = (struct dpu_set_t){DPU_SET_RANKS, sys, 0, nr_dpus};
    return DPU_OK;
}

/* A rank holds 64 DPUs (UPMEM DIMM: 2 ranks x 64 DPUs). */
#define DPUS_PER_RANK 64u
dpu_error_t dpu_alloc_ranks(uint32_t nr_ranks, const char *profile, struct dpu_set_t *set) {
    return dpu_alloc(nr_ranks * DPUS_PER_RANK, profile, set);
}

dpu_error_t dpu_free(struct dpu_set_t set) {
    struct pimsim_system *sys = set.sys;
    if (!sys || set.kind != DPU_SET_RANKS) return DPU_ERR_INTERNAL;
    for (uint32_t i = 0; i < sys->nr_dpus; i++)
        if (sys->dpus[i].handle) dlclose(sys->dpus[i].handle);
    free(sys->dpus);
    free(sys);
    return DPU_OK;
}

static int copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY), out = -1, ok = 0;
    if (in < 0) return -1;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    if (out >= 0) {
        char buf[1 << 16];
        ssize_t n;
        ok = 1;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n) { ok = 0; break; }
        if (n < 0) ok = 0;
        close(out);
    }
    close(in);
    return ok ? 0 : -1;
}

dpu_error_t dpu_load(struct dpu_set_t set, const char *path, struct dpu_program_t **program) {
    if (program) *program = NULL;
    struct pimsim_system *sys = set.sys;
    const char *log_path = getenv(PIMSIM_DMA_LOG_ENV);
    if (log_path && *log_path && !dma_log) {
        dma_log = fopen(log_path, "w");
        if (!dma_log) {
            fprintf(stderr, "pimsim-shim: cannot open DMA log %s: %s\n", log_path, strerror(errno));
            return DPU_ERR_SYSTEM;
        }
    }
    char dir[] = "/tmp/pimsim-dpu-XXXXXX";
    if (!mkdtemp(dir)) return DPU_ERR_SYSTEM;
    dpu_error_t rc = DPU_OK;
    for (uint32_t k = 0; k < set.count; k++) {
        uint32_t i = set.first + k;
        struct pimsim_dpu *d = &sys->dpus[i];
        if (d->handle) { dlclose(d->handle); d->handle = NULL; }
        /* dlopen() shares a library opened twice under one inode, so each DPU
         * gets its own file copy; it is unlinked once mapped. */
        char copy[sizeof dir + 32];
        snprintf(copy, sizeof copy, "%s/dpu%u.so", dir, i);
        if (copy_file(path, copy)) {
            fprintf(stderr, "pimsim-shim: dpu_load: cannot read DPU binary %s\n", path);
            rc = DPU_ERR_ELF_INVALID_FILE;
            break;
        }
        d->handle = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
        unlink(copy);
        if (!d->handle) {
            fprintf(stderr, "pimsim-shim: dpu_load: %s\n", dlerror());
            rc = DPU_ERR_ELF_INVALID_FILE;
            break;
        }
        void (*init)(int, FILE *, pthread_mutex_t *) = (void (*)(int, FILE *, pthread_mutex_t *))dlsym(d->handle, "__pimsim_dpu_init");
        d->launch = (int (*)(void))dlsym(d->handle, "__pimsim_dpu_launch");
        d->mram = (void *(*)(void))dlsym(d->handle, "__pimsim_dpu_mram");
        d->mram_dma_end = (uint64_t(*)(void))dlsym(d->handle, "__pimsim_dpu_mram_dma_end");
        d->mram_host_end = 0;
        d->launches = 0;
        if (!init || !d->launch || !d->mram || !d->mram_dma_end) {
            fprintf(stderr, "pimsim-shim: dpu_load: %s was not built with the shim DPU runtime\n", path);
            rc = DPU_ERR_ELF_INVALID_FILE;
            break;
        }
        init((int)i, dma_log, &dma_log_lock);
    }
    rmdir(dir);
    if (rc == DPU_OK) sys->loaded = 1;
    return rc;
}

dpu_error_t dpu_get_nr_dpus(struct dpu_set_t set, uint32_t *nr) {
    *nr = set.count;
    return DPU_OK;
}

dpu_error_t dpu_get_nr_ranks(struct dpu_set_t set, uint32_t *nr) {
    *nr = (set.count + DPUS_PER_RANK - 1) / DPUS_PER_RANK;
    return DPU_OK;
}

struct dpu_set_t pimsim_set_nth(struct dpu_set_t set, uint32_t n) {
    return (struct dpu_set_t){DPU_SET_DPU, set.sys, set.first + n, 1};
}

/* Resolve symbol+offset+length in one DPU; NULL (and a message) on error. */
static uint8_t *resolve(const char *call, struct pimsim_dpu *d, uint32_t dpu_index, const char *symbol,
                        uint32_t offset, size_t length, dpu_error_t *err) {
    if (!d->handle) {
        fprintf(stderr, "pimsim-shim: %s: DPU %u has no program loaded\n", call, dpu_index);
        *err = DPU_ERR_INTERNAL;
        return NULL;
    }
    uint8_t *base;
    size_t size, align;
    int is_mram = strcmp(symbol, DPU_MRAM_HEAP_POINTER_NAME) == 0;
    if (is_mram) {
        base = d->mram();
        size = MRAM_BYTES;
        align = MRAM_XFER_ALIGN;
    } else {
        void *addr = dlsym(d->handle, symbol);
        Dl_info info;
        const ElfW(Sym) *sym = NULL;
        if (!addr || !dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym) {
            fprintf(stderr, "pimsim-shim: %s: no symbol '%s' in the DPU program\n", call, symbol);
            *err = DPU_ERR_ELF_NO_SUCH_SYMBOL;
            return NULL;
        }
        base = addr;
        size = sym->st_size;
        align = WRAM_XFER_ALIGN;
    }
    if (offset % align || length % align) {
        fprintf(stderr, "pimsim-shim: %s: '%s' offset %u / length %zu not a multiple of %zu bytes (SDK %s transfer rule)\n",
                call, symbol, offset, length, align, is_mram ? "MRAM" : "WRAM");
        *err = is_mram ? DPU_ERR_INVALID_MRAM_ACCESS : DPU_ERR_INVALID_WRAM_ACCESS;
        return NULL;
    }
    if ((size_t)offset + length > size) {
        fprintf(stderr, "pimsim-shim: %s: '%s' offset %u + length %zu exceeds its %zu bytes\n", call, symbol,
                offset, length, size);
        *err = DPU_ERR_INVALID_SYMBOL_ACCESS;
        return NULL;
    }
    return base + offset;
}

static dpu_error_t copy_one(const char *call, struct dpu_set_t set, uint32_t i, const char *symbol,
                            uint32_t offset, void *host, size_t length, int to_dpu) {
    dpu_error_t err = DPU_OK;
    uint8_t *p = resolve(call, &set.sys->dpus[i], i, symbol, offset, length, &err);
    if (!p) return err;
    if (to_dpu && strcmp(symbol, DPU_MRAM_HEAP_POINTER_NAME) == 0 &&
        (uint64_t)offset + length > set.sys->dpus[i].mram_host_end)
        set.sys->dpus[i].mram_host_end = (uint64_t)offset + length;
    if (to_dpu) memcpy(p, host, length);
    else memcpy(host, p, length);
    return DPU_OK;
}

dpu_error_t dpu_copy_to(struct dpu_set_t set, const char *symbol, uint32_t offset, const void *src, size_t length) {
    for (uint32_t k = 0; k < set.count; k++) {
        dpu_error_t e = copy_one("dpu_copy_to", set, set.first + k, symbol, offset, (void *)src, length, 1);
        if (e) return e;
    }
    return DPU_OK;
}

dpu_error_t dpu_broadcast_to(struct dpu_set_t set, const char *symbol, uint32_t offset, const void *src,
                             size_t length, dpu_xfer_flags_t flags) {
    (void)flags;
    for (uint32_t k = 0; k < set.count; k++) {
        dpu_error_t e = copy_one("dpu_broadcast_to", set, set.first + k, symbol, offset, (void *)src, length, 1);
        if (e) return e;
    }
    return DPU_OK;
}

dpu_error_t dpu_copy_from(struct dpu_set_t set, const char *symbol, uint32_t offset, void *dst, size_t length) {
    if (set.count != 1) {
        fprintf(stderr, "pimsim-shim: dpu_copy_from needs a single DPU, got a set of %u\n", set.count);
        return DPU_ERR_INTERNAL;
    }
    return copy_one("dpu_copy_from", set, set.first, symbol, offset, dst, length, 0);
}

dpu_error_t dpu_prepare_xfer(struct dpu_set_t set, void *buffer) {
    for (uint32_t k = 0; k < set.count; k++) set.sys->dpus[set.first + k].xfer_buffer = buffer;
    return DPU_OK;
}

dpu_error_t dpu_push_xfer(struct dpu_set_t set, dpu_xfer_t xfer, const char *symbol, uint32_t offset,
                          size_t length, dpu_xfer_flags_t flags) {
    for (uint32_t k = 0; k < set.count; k++) {
        struct pimsim_dpu *d = &set.sys->dpus[set.first + k];
        if (!d->xfer_buffer) continue; /* the SDK skips DPUs without a prepared buffer */
        dpu_error_t e = copy_one("dpu_push_xfer", set, set.first + k, symbol, offset, d->xfer_buffer, length,
                                 xfer == DPU_XFER_TO_DPU);
        if (e) return e;
    }
    if (!(flags & DPU_XFER_NO_RESET))
        for (uint32_t k = 0; k < set.count; k++) set.sys->dpus[set.first + k].xfer_buffer = NULL;
    return DPU_OK;
}

/* State dumps for the Python cross-checks (tests/test_kernels_c_vs_python.py).
 * With PIMSIM_DUMP_DIR=<dir>, every launch of DPU i writes, before and after it:
 *   <dir>/dpu<i>_launch<k>_<pre|post>_<SYMBOL>.bin
 * for the MRAM heap (SYMBOL = DPU_MRAM_HEAP_POINTER; bytes [0, highest offset
 * written by the host or a DMA so far)) and for every WRAM symbol named in
 * PIMSIM_DUMP_SYMBOLS (comma-separated; default DPU_INPUT_ARGUMENTS,DPU_RESULTS;
 * symbols the program does not have are skipped). */
static void dump_bytes(const char *dir, uint32_t i, unsigned k, const char *when, const char *name,
                       const void *p, size_t n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/dpu%u_launch%u_%s_%s.bin", dir, i, k, when, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n)) {
        fprintf(stderr, "pimsim-shim: cannot write state dump %s\n", path);
        _exit(PIMSIM_EXIT_FAULT);
    }
    fclose(f);
}

static void dump_state(struct pimsim_dpu *d, uint32_t i, const char *when) {
    const char *dir = getenv("PIMSIM_DUMP_DIR");
    if (!dir || !*dir) return;
    uint64_t end = d->mram_dma_end();
    if (d->mram_host_end > end) end = d->mram_host_end;
    dump_bytes(dir, i, d->launches, when, "DPU_MRAM_HEAP_POINTER", d->mram(), end);
    const char *list = getenv("PIMSIM_DUMP_SYMBOLS");
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list && *list ? list : "DPU_INPUT_ARGUMENTS,DPU_RESULTS");
    for (char *save = NULL, *name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        void *addr = dlsym(d->handle, name);
        Dl_info info;
        const ElfW(Sym) *sym = NULL;
        if (!addr || !dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym) continue;
        dump_bytes(dir, i, d->launches, when, name, addr, sym->st_size);
    }
}

dpu_error_t dpu_launch(struct dpu_set_t set, dpu_launch_policy_t policy) {
    if (policy != DPU_SYNCHRONOUS && policy != DPU_ASYNCHRONOUS) return DPU_ERR_INVALID_LAUNCH_POLICY;
    /* DPUs run one after another; an asynchronous launch completes here too. */
    for (uint32_t k = 0; k < set.count; k++) {
        struct pimsim_dpu *d = &set.sys->dpus[set.first + k];
        if (!d->handle) return DPU_ERR_INTERNAL;
        dump_state(d, set.first + k, "pre");
        (void)d->launch(); /* like the SDK, the value returned by main() is not an error */
        dump_state(d, set.first + k, "post");
        d->launches++;
    }
    return DPU_OK;
}

dpu_error_t dpu_sync(struct dpu_set_t set) {
    (void)set;
    return DPU_OK;
}

dpu_error_t dpu_log_read(struct dpu_set_t set, FILE *stream) {
    (void)set;
    fflush(stream);
    return DPU_OK;
}
