/* pimsim shim: <mutex.h> of the UPMEM SDK. mutex_id_t is a handle, as in the
 * SDK: MUTEX_INIT(m); mutex_lock(m); mutex_unlock(m); */
#ifndef PIMSIM_SHIM_MUTEX_H
#define PIMSIM_SHIM_MUTEX_H
#include <pthread.h>

typedef pthread_mutex_t *mutex_id_t;

#define MUTEX_INIT(_name)                                                      \
    static pthread_mutex_t __pimsim_mutex_##_name = PTHREAD_MUTEX_INITIALIZER; \
    mutex_id_t _name = &__pimsim_mutex_##_name

static inline void mutex_lock(mutex_id_t m) { pthread_mutex_lock(m); }
static inline void mutex_unlock(mutex_id_t m) { pthread_mutex_unlock(m); }
static inline int mutex_trylock(mutex_id_t m) { return pthread_mutex_trylock(m) == 0; }

#endif
