/* Legal program exercising every shim primitive; writes a self-check into
 * 'result' (1 = all checks passed):
 *  - each tasklet does one 8-byte and one 2048-byte read and one 16-byte write;
 *  - a handshake chain 0 -> 1 -> ... -> NR_TASKLETS-1 passes a running sum;
 *  - a second waiter on the same notifier gets EALREADY;
 *  - a mutex-protected counter reaches NR_TASKLETS. */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <handshake.h>
#include <mram.h>
#include <mutex.h>
#include <perfcounter.h>

__host uint64_t result;
BARRIER_INIT(bar, NR_TASKLETS);
MUTEX_INIT(mtx);
static uint32_t chain[NR_TASKLETS];
static uint32_t counter;

int main(void) {
    sysname_t id = me();
    if (id == 0) {
        mem_reset();
        counter = 0;
        result = 0;
        perfcounter_config(COUNT_CYCLES, true);
    }
    barrier_wait(&bar);
    uint8_t *buf = mem_alloc(2048);
    uint32_t base = (uint32_t)DPU_MRAM_HEAP_POINTER + id * 4096;
    mram_read((__mram_ptr void *)base, buf, 8);
    mram_read((__mram_ptr void *)base, buf, 2048);
    mram_write(buf, (__mram_ptr void *)(base + 2048), 16);

    uint32_t sum = 0;
    if (id > 0) {
        handshake_wait_for(id - 1);
        sum = chain[id];
    }
    if (id + 1 < NR_TASKLETS) {
        chain[id + 1] = sum + id;
        handshake_notify();
    }
    mutex_lock(mtx);
    counter++;
    mutex_unlock(mtx);
    barrier_wait(&bar);
    if (id == NR_TASKLETS - 1) {
        uint32_t expect = (uint32_t)(NR_TASKLETS - 1) * (NR_TASKLETS - 2) / 2;
        result = (sum == expect && counter == NR_TASKLETS && perfcounter_get() > 0) ? 1 : 2;
    }
    return 0;
}
