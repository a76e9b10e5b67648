"""Development only: the synthetic demo and the benchmarks. The product never imports this."""
