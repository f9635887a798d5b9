/*
 * pimsim shim: <handshake.h> of the UPMEM SDK, with the SDK's rendezvous
 * semantics: handshake_wait_for(n) suspends the caller until tasklet n calls
 * handshake_notify(); if n notifies first, n is suspended until someone waits
 * for it. A second waiter on the same notifier does not wait and gets EALREADY.
 */
#ifndef PIMSIM_SHIM_HANDSHAKE_H
#define PIMSIM_SHIM_HANDSHAKE_H
#include <errno.h>
#include "defs.h"

void handshake_notify(void);
int handshake_wait_for(sysname_t notifier);

#endif
