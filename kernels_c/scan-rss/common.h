/* SCAN-RSS shares the SCAN definitions of scan-ssa. */
#include "../scan-ssa/common.h"
