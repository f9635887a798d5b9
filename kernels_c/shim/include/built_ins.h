/* pimsim shim: <built_ins.h> of the UPMEM SDK (nothing needed on the host). */
#ifndef PIMSIM_SHIM_BUILT_INS_H
#define PIMSIM_SHIM_BUILT_INS_H
#endif
