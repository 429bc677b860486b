"""The metric history the app's curves draw: bounded, thinned by merging neighbours when full."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def frozen(a) -> np.ndarray:
    """A read-only private copy of `a`."""
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class History:
    steps: np.ndarray       # training step of each point
    loss: np.ndarray        # batch loss (mean over merged points when the history was thinned)
    loss_smooth: np.ndarray  # exponential moving average of the loss
    train_acc: np.ndarray   # accuracy over the recent batches
    test_steps: np.ndarray
    test_acc: np.ndarray
    test_size: int          # images in each test evaluation


class HistoryBuffer:
    """Bounded metric history: when full, adjacent points are merged (averaged) pairwise, so
    memory stays flat however long the run. Owned by the worker thread only."""

    def __init__(self, capacity: int = 2048):
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        self._data = np.zeros((self.capacity, 4))   # step, loss, smooth, acc
        self._n = 0
        self._tests: list[tuple[int, float]] = []
        self._group = 1          # steps per point after thinning
        self._pending: list[tuple] = []

    def add(self, step: int, loss: float, smooth: float, acc: float) -> None:
        """Called every training step: plain Python arithmetic, no NumPy, in the common case."""
        self._pending.append((step, loss, smooth, acc))
        if len(self._pending) < self._group:
            return
        p, self._pending = self._pending, []
        row = (p[-1][0], sum(r[1] for r in p) / len(p), p[-1][2], sum(r[3] for r in p) / len(p))
        if self._n == self.capacity:
            half = self._data.reshape(-1, 2, 4)
            merged = np.stack([half[:, 1, 0], half[:, :, 1].mean(1), half[:, 1, 2], half[:, :, 3].mean(1)], 1)
            self._data[:len(merged)] = merged
            self._n = len(merged)
            self._group *= 2
        self._data[self._n] = row
        self._n += 1

    def add_test(self, step: int, acc: float) -> None:
        self._tests.append((step, acc))
        if len(self._tests) > self.capacity:
            self._tests = self._tests[::2]

    def freeze(self, test_size: int) -> History:
        d = self._data[:self._n]
        if self._pending:   # the newest steps, not yet a full point, as one more point
            p = np.array(self._pending)
            d = np.vstack([d, [p[-1, 0], p[:, 1].mean(), p[-1, 2], p[:, 3].mean()]])
        t = np.array(self._tests, np.float64).reshape(-1, 2)
        return History(frozen(d[:, 0]), frozen(d[:, 1]), frozen(d[:, 2]), frozen(d[:, 3]),
                       frozen(t[:, 0]), frozen(t[:, 1]), test_size)
