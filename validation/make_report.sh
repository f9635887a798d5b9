#!/bin/sh
# Regenerate the shipped calibrated preset and the validation report from the measured points:
#   models/calibrated/upmem-2556-prim.toml   (pimsim calibrate: fit on 75 % of each workload's
#                                             experiments, seed 0; the other 25 % held out)
#   validation/REPORT.md + validation/figures/ (pimsim validate on that preset: scores the
#                                             held-out points separately from the fitted ones)
# Both files say which command made them; do not edit them by hand.
set -eu
cd "$(dirname "$0")/.."
PIMSIM=${PIMSIM:-"python -m pimsim.cli"}
MEAS=validation/measurements/upmem_published_points.csv
$PIMSIM calibrate --measurements "$MEAS" --preset upmem-2556 \
    --out models/calibrated/upmem-2556-prim.toml --holdout 0.25 --seed 0 --max-nfev 15 "$@"
$PIMSIM validate --measurements "$MEAS" --preset models/calibrated/upmem-2556-prim.toml --report validation
