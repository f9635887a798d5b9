"""Host-side workloads: PrIM benchmarks (prim/), ML training (ml/), pipeline training (pipeline/)."""
