"""CNN Simulator: watch a convolutional network learn to read handwritten digits."""
from . import paths

__version__ = "0.1.0"      # the one place the version is written (pyproject.toml reads it)

paths.use_user_numba_cache()
