"""The Numba kernels (each op's forward and backward side by side, one file per family), the
thread pool that runs them over batch slices, the fast-math flag set, and the cold-start precompiler."""
