"""The 3D network lesson: LeNet-5 as a stack of volumes, receptive fields, and live training.

Every shown layer is a volume [C,H,W]; a dense layer of M neurons is [M,1,1]. Between two
shown layers sits one spatial op with kernel k, stride s and padding p (or a dense layer),
and an output range [a, b] of rows then reads input rows [a·s − p, b·s − p + k − 1]:

    input ─conv 5 p2→ act1 ─pool 2→ pool1 ─conv 5→ act2 ─pool 2→ pool2 ─dense→ act3 ─dense→ act4 ─dense→ logits
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..background import Background
from ..data import Dataset, normalise
from ..trainer import TrainConfig, Trainer

# (name, (C,H,W)) of every shown layer, bottom to top
VOLUMES = (("input", (1, 28, 28)), ("act1", (6, 28, 28)), ("pool1", (6, 14, 14)),
           ("act2", (16, 10, 10)), ("pool2", (16, 5, 5)), ("act3", (120, 1, 1)),
           ("act4", (84, 1, 1)), ("logits", (10, 1, 1)))
SHAPES = dict(VOLUMES)
NAMES = tuple(name for name, _ in VOLUMES)
# how each layer is computed from the one below: (kind, kernel, stride, padding)
LINKS = {"act1": ("conv", 5, 1, 2), "pool1": ("pool", 2, 2, 0), "act2": ("conv", 5, 1, 0),
         "pool2": ("pool", 2, 2, 0), "act3": ("dense", 0, 0, 0), "act4": ("dense", 0, 0, 0),
         "logits": ("dense", 0, 0, 0)}
CAPTIONS = {"input": "input 1×28×28", "act1": "conv1+act 6×28×28", "pool1": "pool1 6×14×14",
            "act2": "conv2+act 16×10×10", "pool2": "pool2 16×5×5", "act3": "fc1 120",
            "act4": "fc2 84", "logits": "fc3 10"}


@dataclass(frozen=True)
class Region:
    """A block of a volume: channels c0:c1, rows r0:r1, cols k0:k1 (half-open)."""
    c0: int
    c1: int
    r0: int
    r1: int
    k0: int
    k1: int

    def contains(self, c: int, r: int, k: int) -> bool:
        return self.c0 <= c < self.c1 and self.r0 <= r < self.r1 and self.k0 <= k < self.k1

    @property
    def size(self) -> int:
        return (self.c1 - self.c0) * (self.r1 - self.r0) * (self.k1 - self.k0)


def receptive_field(layer: str, c: int, r: int, k: int) -> dict[str, Region]:
    """Every neuron below (layer, c, r, k) that can change its value: {layer below: Region}."""
    C, H, W = SHAPES[layer]
    if not (0 <= c < C and 0 <= r < H and 0 <= k < W):
        raise ValueError(f"neuron ({c}, {r}, {k}) is outside {layer} {SHAPES[layer]}")
    fields, region, top = {}, Region(c, c + 1, r, r + 1, k, k + 1), NAMES.index(layer)
    for above, below in zip(NAMES[top:0:-1], NAMES[top - 1::-1] if top else ()):
        kind, size, stride, pad = LINKS[above]
        C, H, W = SHAPES[below]
        if kind == "dense":
            region = Region(0, C, 0, H, 0, W)
        else:
            c0, c1 = (0, C) if kind == "conv" else (region.c0, region.c1)
            region = Region(c0, c1,
                            max(0, region.r0 * stride - pad), min(H, (region.r1 - 1) * stride - pad + size),
                            max(0, region.k0 * stride - pad), min(W, (region.k1 - 1) * stride - pad + size))
        fields[below] = region
    return fields


def volumes(outputs: dict, n: int = 0) -> dict[str, np.ndarray]:
    """model.Forward.outputs → {shown layer: its [C,H,W] values for sample n}."""
    return {name: np.asarray(outputs[name][n]).reshape(SHAPES[name]) for name in NAMES}


@dataclass(frozen=True)
class LiveFrame:
    """What the live trainer last published: the shown digit's volumes after `step` steps."""
    step: int
    loss: float
    volumes: dict
    probabilities: np.ndarray     # [10]


class LiveTraining(Background):
    """Trains LeNet-5 on a Background thread (start/stop/running/error); every `every` steps it
    runs the shown digit forward on that same thread and publishes an immutable LiveFrame.
    The screen only reads `frame`."""

    def __init__(self, data: Dataset, digit: np.ndarray, config: TrainConfig = TrainConfig(
            batch_size=16, lr=0.02, schedule="constant"), every: int = 2, params: dict | None = None):
        super().__init__(self._train, "network3d-train")
        self._trainer = Trainer(config, data)
        if params is not None:
            for name, value in params.items():
                self._trainer.model.params[name][...] = value
        self._x = normalise(digit[None])
        self._every = every
        self.publish(self._frame(float("nan")))

    @property
    def frame(self) -> LiveFrame:
        return self.latest()

    def _frame(self, loss: float) -> LiveFrame:
        from ..model import softmax
        out = self._trainer.model.forward(self._x).outputs
        return LiveFrame(self._trainer.step_count, loss, volumes(out), softmax(out["logits"])[0])

    def _train(self, _task) -> None:
        while not self.stopping.is_set():
            loss = self._trainer.train_step().loss
            if self._trainer.step_count % self._every == 0:
                self.publish(self._frame(loss))

    def set_digit(self, digit: np.ndarray) -> None:
        """Show another digit: published now if the worker is idle, else at its next publish."""
        self._x = normalise(digit[None])
        if not self.running:
            self.publish(self._frame(self.frame.loss))
