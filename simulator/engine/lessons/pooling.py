"""The pooling lesson: one map through 2×2 max pooling and 2×2 average pooling, forward and
backward, with the engine's own kernels.

    max:  y = max of the window;  dx = dy at the window's first maximum (row-major), 0 elsewhere
    avg:  y = mean of the window; dx = dy / 4 at every position of the window
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ops

SIZE = 2    # window and stride
# Upstream gradients from a short list, so that dy and dy/4 both have one decimal on screen.
_DY_CHOICES = np.array([-1.2, -0.8, -0.4, 0.4, 0.8, 1.2, 1.6, 2.0])


@dataclass(frozen=True)
class PoolingDemo:
    x: np.ndarray           # [H,W] the input map
    dy: np.ndarray          # [H/2,W/2] the gradient arriving from above
    max_y: np.ndarray       # [H/2,W/2] maxpool2d_forward
    avg_y: np.ndarray       # [H/2,W/2] avgpool2d_forward
    max_dx: np.ndarray      # [H,W] maxpool2d_backward(dy)
    avg_dx: np.ndarray      # [H,W] avgpool2d_backward(dy)
    argmax: np.ndarray      # [H/2,W/2] int: flat index r·W + c of each window's (first) maximum

    def window(self, i: int, j: int) -> tuple[int, int, int, int]:
        """Input rows r0:r1, cols c0:c1 that output (i, j) pools."""
        return i * SIZE, i * SIZE + SIZE, j * SIZE, j * SIZE + SIZE

    def max_position(self, i: int, j: int) -> tuple[int, int]:
        """(row, col) in x of window (i, j)'s maximum, as the kernel recorded it."""
        return divmod(int(self.argmax[i, j]), self.x.shape[1])


def pooling_demo(seed: int = 0, size: int = 6) -> PoolingDemo:
    """A size×size map of small integers pooled both ways. Each window's four values are drawn
    without replacement from 0 … 9, so every window has a strict maximum (≥ 3, never 0) and the
    gradient's route is the rule, not a tie-break. (A tie, from pool_both on other inputs, is
    named as one on screen.)"""
    rng = np.random.default_rng(seed)
    x = np.empty((size, size))
    for i in range(0, size, SIZE):
        for j in range(0, size, SIZE):
            x[i:i + SIZE, j:j + SIZE] = rng.choice(10, SIZE * SIZE, replace=False).reshape(SIZE, SIZE)
    dy = rng.choice(_DY_CHOICES, (size // SIZE, size // SIZE))
    return pool_both(x, dy)


def ties(demo: PoolingDemo, i: int, j: int) -> int:
    """How many values of window (i, j) equal its maximum (1: a strict maximum)."""
    r0, r1, c0, c1 = demo.window(i, j)
    return int(np.sum(demo.x[r0:r1, c0:c1] == demo.max_y[i, j]))


def pool_both(x: np.ndarray, dy: np.ndarray) -> PoolingDemo:
    """Max and average pooling of x[H,W] forward, and of dy backward, via ops."""
    x4 = np.ascontiguousarray(x, np.float64)[None, None]
    dy4 = np.ascontiguousarray(dy, np.float64)[None, None]
    max_y, max_cache = ops.maxpool2d_forward(x4, SIZE, SIZE)
    avg_y, avg_cache = ops.avgpool2d_forward(x4, SIZE, SIZE)
    max_dx = ops.maxpool2d_backward(dy4, max_cache)
    avg_dx = ops.avgpool2d_backward(dy4, avg_cache)
    return PoolingDemo(x4[0, 0], dy4[0, 0], max_y[0, 0], avg_y[0, 0], max_dx[0, 0], avg_dx[0, 0],
                       max_cache.argmax[0, 0].astype(np.int64))
