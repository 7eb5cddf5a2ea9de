"""A local replica of a WordPress news publisher (Khaama-like), for the demo, tests and benchmarks."""
