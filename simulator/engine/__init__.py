"""The engine: LeNet-5's ops as Numba kernels, the model, training (see DESIGN.md)."""
from .kernels.flags import prefer_512_bit_vectors

prefer_512_bit_vectors()
