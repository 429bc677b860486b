"""Presenter mode's clock. One snapshot stays on screen; the convolution window visits, in
reading order, only the windows that cover some of the image (blank background is skipped),
dwelling `dwell` seconds on each while the product cursor walks its products; the pooling
panel shows the pooling window that output pixel feeds, forward in the first half of the
dwell and its backward routing in the second. Paused, it holds still on one product; → and ←
step one product at a time. After a whole sweep (`laps` goes up) the scene takes a newer
picture, so the network on screen is never far behind the one training."""
from __future__ import annotations

DWELLS = (0.8, 1.5, 2.5, 4.0, 6.0)     # seconds per window: − and + step through these
DEFAULT_DWELL = 2


class Presenter:
    def __init__(self, snap, previous: "Presenter | None" = None):
        """previous: the presenter this one follows on a new picture (keeps its pace)."""
        self.snapshot = snap
        busy = snap.conv.busy()
        self.windows = [tuple(int(v) for v in yx) for yx in zip(*busy.nonzero())] or [(0, 0)]
        self.products = snap.conv.products[0, 0].size
        self.level = DEFAULT_DWELL if previous is None else previous.level
        self.t = 0.0
        self.paused = False

    @property
    def dwell(self) -> float:
        return DWELLS[self.level]

    def slower(self) -> None:
        self.level = min(len(DWELLS) - 1, self.level + 1)

    def faster(self) -> None:
        self.level = max(0, self.level - 1)

    def update(self, dt: float) -> None:
        if not self.paused:
            self.t += dt

    def step(self, direction: int) -> None:
        """One product on (or back): the clock moves to the middle of that product's slice."""
        per = self.dwell / self.products
        k = int(self.t // per) + direction
        self.t = max(0.0, (k + 0.5) * per)

    @property
    def laps(self) -> int:
        """Whole sweeps over the inked windows done so far."""
        return int(self.t // (self.dwell * len(self.windows)))

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
