/* HST-L (histogram, large: NR_HISTO WRAM histograms shared under mutexes, PrIM):
 * the HST-S definitions plus NR_HISTO. */
#include "../hst-s/common.h"
#ifndef HST_L_COMMON_H
#define HST_L_COMMON_H
/* histograms shared by the tasklets (PrIM: compile-time NR_HISTO); tasklet t
 * uses histogram t & (NR_HISTO-1). Default 1: the only value at which PrIM's
 * 4096-bin sweep fits in WRAM (as the Python kernel). */
#ifndef NR_HISTO
#define NR_HISTO 1
#endif
#if NR_HISTO != 1 && NR_HISTO != 2 && NR_HISTO != 4 && NR_HISTO != 8
#error "NR_HISTO must be 1, 2, 4 or 8"
#endif
#endif
