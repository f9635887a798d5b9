/* Must be rejected: heap + stacks exceed the 64 KB WRAM (built with
 * NR_TASKLETS=16: 16 x 1024-byte stacks + 2 x 24 KB of heap > 65536). */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
BARRIER_INIT(b, NR_TASKLETS);
int main(void) {
    if (me() == 0) mem_reset();
    barrier_wait(&b);
    if (me() == 0) {
        mem_alloc(24 * 1024);
        mem_alloc(24 * 1024);
    }
    return 0;
}
