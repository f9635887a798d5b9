/* Host for the shim rule tests: load the DPU program on -n DPUs (default 1),
 * launch once, read back the 8-byte 'result' symbol of DPU 0 if present. */
#include <dpu.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    unsigned nr = 1;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) >= 0)
        if (opt == 'n') nr = (unsigned)atoi(optarg);
    struct dpu_set_t set, dpu;
    DPU_ASSERT(dpu_alloc(nr, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
    unsigned i;
    DPU_FOREACH(set, dpu, i) {
        unsigned long long r = 0;
        if (dpu_copy_from(dpu, "result", 0, &r, sizeof r) == DPU_OK) printf("dpu %u result %llu\n", i, r);
    }
    printf("launched\n");
    DPU_ASSERT(dpu_free(set));
    return 0;
}
