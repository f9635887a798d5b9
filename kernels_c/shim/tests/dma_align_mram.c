/* Must be rejected: an MRAM address that is not 8-byte aligned. */
#include <alloc.h>
#include <defs.h>
#include <mram.h>
int main(void) {
    if (me() == 0) {
        mem_reset();
        char *buf = mem_alloc(16);
        mram_read((__mram_ptr void *)((uint32_t)DPU_MRAM_HEAP_POINTER + 4), buf, 8);
    }
    return 0;
}
