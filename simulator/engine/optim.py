"""SGD with momentum and weight decay (PyTorch's formulation), updating parameters in place."""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _sgd_momentum_step(p, g, v, lr, momentum, weight_decay, tiny):
    """v ← μ·v + (g + λ·p), flushed to 0 when |v| < tiny;  p ← p − α·v   (elementwise, in place).

    A weight whose gradient stays 0 (a unit that never fires, a memorised sample) has its velocity
    shrink by μ every step into subnormal floats, whose arithmetic costs x86 cores ~100× as much:
    measured, the update of LeNet-5 went from 33 µs to 280 µs. Below the smallest normal float
    (tiny) the velocity is 0 to every digit that matters; NaN and ±inf are kept."""
    pf, gf, vf = p.reshape(-1), g.reshape(-1), v.reshape(-1)
    for i in range(pf.size):
        vi = momentum * vf[i] + gf[i] + weight_decay * pf[i]
        vi = vi if abs(vi) >= tiny or vi != vi else vi * 0
        vf[i] = vi
        pf[i] -= lr * vi


class SGD:
    def __init__(self, params: dict[str, np.ndarray], lr: float = 0.05, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        self.params = params
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocity = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        for name, p in self.params.items():
            g = grads[name]
            _sgd_momentum_step(p, np.ascontiguousarray(g, p.dtype), self.velocity[name],
                               p.dtype.type(self.lr), p.dtype.type(self.momentum),
                               p.dtype.type(self.weight_decay), np.finfo(p.dtype).tiny)
