/* SCAN-RSS host: the SCAN host program with the reduce-scan-scan DPU passes
 * (see scan-ssa/host/app.c for the steps). */
#define SCAN_RSS 1
#include "../../scan-ssa/host/app.c"
