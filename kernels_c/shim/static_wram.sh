#!/bin/sh
# Prints the static WRAM bytes of a compiled DPU object: the sum of its
# .data*, .bss* and .rodata* sections, leaving out MRAM variables (sections
# named *__pimsim_mram*, see shim/include/shim_attrs.h). Used by the Makefile
# to charge static data against the 64 KB WRAM limit.
set -e
size -A "$1" | awk '
  $1 ~ /__pimsim_mram/ { next }
  $1 ~ /^\.(data|bss|rodata)(\.|$)/ { s += $2 }
  END { print s + 0 }'
