"""Benchmarks: developer scripts beside the product, not part of it (they compare the engine
with PyTorch, a test-only dependency). `python -m benchmarks --help`, or `make bench`."""
