/* pimsim shim: <dpu_log.h>. DPU printf() goes straight to stdout here. */
#ifndef PIMSIM_SHIM_DPU_LOG_H
#define PIMSIM_SHIM_DPU_LOG_H
#include "dpu.h"
#endif
