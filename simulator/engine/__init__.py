"""The engine: LeNet-5's ops as Numba kernels, the model, training (see DESIGN.md)."""
from .kernels import simd  # noqa: F401  (chooses the vector kernels and Numba's target before anything compiles)
