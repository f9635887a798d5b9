/* Must be rejected: a 12-byte DMA (SDK: 8..2048 bytes, multiple of 8). */
#include <alloc.h>
#include <defs.h>
#include <mram.h>
int main(void) {
    if (me() == 0) {
        mem_reset();
        char *buf = mem_alloc(16);
        mram_read(DPU_MRAM_HEAP_POINTER, buf, 12);
    }
    return 0;
}
