/* pimsim shim: <barrier.h> of the UPMEM SDK: a reusable counting barrier. */
#ifndef PIMSIM_SHIM_BARRIER_H
#define PIMSIM_SHIM_BARRIER_H
#include <pthread.h>
#include <stdint.h>

typedef struct barrier_t {
    uint32_t count;      /* tasklets that must arrive */
    uint32_t arrived;    /* tasklets arrived in the current round */
    uint32_t generation; /* completed rounds */
    pthread_mutex_t lock;
    pthread_cond_t cond;
} barrier_t;

#define BARRIER_INIT(_name, _counter)                                          \
    barrier_t _name = {(_counter), 0, 0, PTHREAD_MUTEX_INITIALIZER,            \
                       PTHREAD_COND_INITIALIZER}

void barrier_wait(barrier_t *barrier);

#endif
