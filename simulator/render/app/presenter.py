"""Presenter mode's clock. One snapshot stays on screen; the convolution window visits, in
reading order, only the windows that cover some of the image (blank background is skipped),
dwelling `dwell` seconds on each while the product cursor walks its products; the pooling
panel shows the pooling window that output pixel feeds, forward in the first half of the
dwell and its backward routing in the second."""
from __future__ import annotations

DWELLS = (0.8, 1.5, 2.5, 4.0, 6.0)     # seconds per window: − and + step through these
DEFAULT_DWELL = 2


class Presenter:
    def __init__(self, snap):
        self.snapshot = snap
        busy = snap.conv.busy()
        self.windows = [tuple(int(v) for v in yx) for yx in zip(*busy.nonzero())] or [(0, 0)]
        self.products = snap.conv.products[0, 0].size
        self.level = DEFAULT_DWELL
        self.t = 0.0

    @property
    def dwell(self) -> float:
        return DWELLS[self.level]

    def slower(self) -> None:
        self.level = min(len(DWELLS) - 1, self.level + 1)

    def faster(self) -> None:
        self.level = max(0, self.level - 1)

    def update(self, dt: float) -> None:
        self.t += dt

    @property
    def index(self) -> int:
        return int(self.t // self.dwell) % len(self.windows)

    @property
    def window(self) -> tuple[int, int]:
        return self.windows[self.index]

    @property
    def fraction(self) -> float:
        """How far through the current window's dwell, 0 … 1."""
        return (self.t % self.dwell) / self.dwell

    @property
    def product(self) -> int:
        return min(self.products - 1, int(self.fraction * self.products))

    def label(self) -> str:
        return f"window {self.index + 1} of {len(self.windows)} with ink · {self.dwell:g} s each"
