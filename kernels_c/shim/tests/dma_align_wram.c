/* Must be rejected: a WRAM buffer that is not 8-byte aligned. */
#include <alloc.h>
#include <defs.h>
#include <mram.h>
int main(void) {
    if (me() == 0) {
        mem_reset();
        char *buf = mem_alloc(32);
        mram_write(buf + 4, DPU_MRAM_HEAP_POINTER, 8);
    }
    return 0;
}
