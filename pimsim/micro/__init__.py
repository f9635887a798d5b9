"""Single-DPU microbenchmarks shaped like PrIM's (CMU-SAFARI/prim-benchmarks Microbenchmarks/),
each a real tasklet program run through `pimsim.engine.run_dpu`:

- `arith`   : arithmetic throughput (ADD/SUB/MUL/DIV x INT32/UINT32/INT64/UINT64/FLOAT/DOUBLE)
- `mram`    : MRAM<->WRAM DMA latency/bandwidth, and STREAM over MRAM
- `wram`    : STREAM in WRAM
- `transfer`: host<->DPU transfers
- `measured`: the measured points they are compared with; `report`: the comparison tables
"""
