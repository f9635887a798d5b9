#!/bin/sh
# Regenerate the shipped calibrated preset and the validation report from the measured points:
#   models/calibrated/upmem-2556-prim.toml   (pimsim calibrate: fit on 75 % of each workload's
#                                             experiments, seed 0; the other 25 % held out)
#   validation/REPORT.md + validation/figures/ (pimsim validate on that preset: scores the
#                                             held-out points separately from the fitted ones)
#   validation/CROSSVALIDATION.md             (pimsim calibrate --cv 5: the same fit made five
#                                             times, each holding out another fifth of every
#                                             workload's experiments; every point is scored by
#                                             the fit that did not see it)
# Both files say which command made them; do not edit them by hand.
#
# The inter-DPU times are fitted too: SCAN-SSA's are host reads and writes of WRAM symbols
# (DPU_RESULTS, the arguments), the only points that pin the WRAM write cost, and MLP's are its
# activations moving between layers (the table's host pushes the weights up front, and pimsim
# replays it so: validation/measurements/README.md).
# --per-machine transfer fits the transfer law once per machine: almost every
# transfer point comes from the uPIMulator authors' server, PrIM's five from the 2,556-DPU
# system, and the two differ (one DPU, CPU->DPU: ~0.5 GB/s against 0.27), so the preset keeps
# the 2,556-DPU system's law in [transfer] and the other machine's in [machines."..."]; the DPU
# numbers (op costs, DMA, launch) stay shared. The WRAM parameters price host accesses to WRAM
# symbols (arguments, DPU_RESULTS), which go through the chips' control interfaces one DPU
# position per round. The cost of CPU->DPU source bytes beyond the host cache starts at
# 10 us/MB (--set), not at the presets' 0: at 0 the cache size moves nothing and could not be
# fitted. --joint fits every parameter on every point at once, so the DMA/pipeline stall is
# fitted on the kernel times it explains rather than on the three STREAM peaks alone.
set -eu
cd "$(dirname "$0")/.."
PIMSIM=${PIMSIM:-"python -m pimsim.cli"}
MEAS=validation/measurements/upmem_published_points.csv
PARAMS=transfer.cpu_dpu_serial_gbps,transfer.dpu_cpu_serial_gbps,transfer.cpu_dpu_chip_exponent,transfer.cpu_dpu_position_exponent,transfer.dpu_cpu_chip_exponent,transfer.dpu_cpu_position_exponent,transfer.cpu_dpu_call_overhead_us,transfer.dpu_cpu_call_overhead_us,transfer.wram_round_us,transfer.cpu_dpu_wram_word_us,transfer.dpu_cpu_wram_word_us,transfer.cpu_dpu_cached_source_mb=1:64,transfer.cpu_dpu_uncached_us_per_mb=0:5000,launch.launch_overhead_us,dma.pipeline_stall_fraction,ops.loop,ops.mul32_setup
$PIMSIM calibrate --measurements "$MEAS" --preset upmem-2556 \
    --out models/calibrated/upmem-2556-prim.toml --holdout 0.25 --seed 0 --max-nfev 20 --joint \
    --set transfer.cpu_dpu_uncached_us_per_mb=10 --per-machine transfer --params "$PARAMS" "$@"
$PIMSIM validate --measurements "$MEAS" --preset models/calibrated/upmem-2556-prim.toml --report validation
$PIMSIM calibrate --measurements "$MEAS" --preset upmem-2556 --cv 5 --seed 0 --max-nfev 20 --joint \
    --set transfer.cpu_dpu_uncached_us_per_mb=10 --per-machine transfer --params "$PARAMS" --report validation "$@"
