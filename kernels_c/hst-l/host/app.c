/* HST-L host: the HST-S host program (same sizing, transfers and checks). */
#define HST_WORKLOAD "hst-l"
#include "../../hst-s/host/app.c"
