"""Trainer: the config's network (LeNet-5 by default) + SGD + a dataset (MNIST by default),
stepped one batch at a time. The network takes the data's format (its channels, size and
classes: data.format) and the images are normalised with its numbers.

Both the headless run (train.py) and the app's worker thread drive this object. The batch
order of epoch e is the permutation drawn from seed (seed, e), and the random shifts of its
batch b (config.shift) from (seed, e, b, 1), so a run resumed from a checkpoint mid-epoch sees
exactly the batches it would have seen.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import ops
from .config import SCHEDULES, TrainConfig, scheduled_lr  # noqa: F401  (re-exported: the engine's API)
from .data import MEAN, STD, Dataset, background, normalise
from .dataformat import MNIST
from .model import Network
from .optim import SGD

BACKGROUND = (0.0 - MEAN) / STD     # a blank MNIST pixel after normalisation


def random_shift(x: np.ndarray, max_shift: int, rng: np.random.Generator, fill=BACKGROUND) -> np.ndarray:
    """x[N,C,H,W] → a copy with each image moved by (dy, dx), each drawn uniformly from
    −max_shift..max_shift; the strip uncovered at the border is `fill` (a number, or one per
    channel: a black pixel after normalisation)."""
    n, c, h, w = x.shape
    s = max_shift
    padded = np.empty((n, c, h + 2 * s, w + 2 * s), x.dtype)
    padded[...] = np.asarray(fill, x.dtype).reshape(-1, 1, 1)
    padded[:, :, s:s + h, s:s + w] = x
    dy, dx = rng.integers(0, 2 * s + 1, (2, n))
    rows = (dy[:, None] + np.arange(h))[:, None, :, None]
    cols = (dx[:, None] + np.arange(w))[:, None, None, :]
    images, channels = np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None]
    return np.ascontiguousarray(padded[images, channels, rows, cols])


@dataclass
class StepResult:
    loss: float
    correct: int          # how many of the batch the model got right before the update
    indices: np.ndarray   # training-set indices of the batch
    fwd: object           # model.Forward of the batch (before the update)
    dacts: dict           # gradient of every named tensor of the batch


class Trainer:
    def __init__(self, config: TrainConfig, data: Dataset):
        self.config = config
        self.data = data
        self.format = data.format
        self.train_x = normalise(data.train_images, fmt=self.format)
        self.train_y = data.train_labels.astype(np.int64)
        self.test_x = normalise(data.test_images, fmt=self.format)
        self.test_y = data.test_labels.astype(np.int64)
        self.fill = background(self.format)
        self.reset()

    # --- state -----------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Fresh weights (seeded), zero momentum, back to epoch 0 step 0."""
        if seed is not None:
            self.config = TrainConfig(**{**self.config.as_dict(), "seed": seed})
        self.model = Network(self.config.model_config(self.format))
        self.optimizer = SGD(self.model.params, self.config.lr, self.config.momentum,
                             self.config.weight_decay)
        self.step_count = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self._order = self._epoch_order(0)
        self.peak_override: float | None = None    # the app's [ ] keys: the schedule's peak, moved

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.train_x) / self.config.batch_size)

    @property
    def peak(self) -> float:
        """The schedule's peak learning rate (config.lr unless the app moved it)."""
        return self.config.lr if self.peak_override is None else self.peak_override

    @property
    def lr(self) -> float:
        """The learning rate the next step will use: the schedule at this step, scaled to the peak."""
        c, spe = self.config, self.batches_per_epoch
        return scheduled_lr(c.schedule, self.peak, self.step_count, c.epochs * spe, c.warmup * spe, spe)

    def _epoch_order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng((self.config.seed, epoch)).permutation(len(self.train_x))

    # --- training --------------------------------------------------------------------
    def warm_up(self) -> None:
        """Compile (or load from Numba's cache) every kernel a step uses, without training:
        a forward/backward on two images and an SGD update on throwaway copies."""
        _, grads, _, _ = self.model.loss_and_grads(self.train_x[:2], self.train_y[:2])
        scratch = {k: v.copy() for k, v in self.model.params.items()}
        SGD(scratch, self.lr, self.config.momentum, self.config.weight_decay).step(grads)

    def next_indices(self) -> np.ndarray:
        b = self.config.batch_size
        return self._order[self.batch_in_epoch * b:(self.batch_in_epoch + 1) * b]

    def train_step(self) -> StepResult:
        """One SGD step on the next batch; advances the epoch when it is used up."""
        idx = self.next_indices()
        x, y = self.train_x[idx], self.train_y[idx]
        if self.config.shift:
            rng = np.random.default_rng((self.config.seed, self.epoch, self.batch_in_epoch, 1))
            x = random_shift(x, self.config.shift, rng, self.fill)
        loss, grads, fwd, dacts = self.model.loss_and_grads(x, y)
        correct = int((fwd.outputs["logits"].argmax(axis=1) == y).sum())
        if math.isfinite(loss):
            self.optimizer.lr = self.lr
            self.optimizer.step(grads)
            self.step_count += 1
            self.batch_in_epoch += 1
            if self.batch_in_epoch >= self.batches_per_epoch:
                self.epoch += 1
                self.batch_in_epoch = 0
                self._order = self._epoch_order(self.epoch)
        return StepResult(float(loss), correct, idx, fwd, dacts)

    def evaluate(self, x: np.ndarray | None = None, y: np.ndarray | None = None,
                 batch_size: int = 500) -> tuple[float, float]:
        """(mean loss, accuracy) over x, y (default: the test set)."""
        x = self.test_x if x is None else x
        y = self.test_y if y is None else y
        total_loss, correct = 0.0, 0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            logits = self.model.forward(xb).outputs["logits"]
            loss, _ = ops.softmax_cross_entropy(logits, yb)
            total_loss += float(loss) * len(xb)
            correct += int((logits.argmax(axis=1) == yb).sum())
        return total_loss / max(1, len(x)), correct / max(1, len(x))

    # --- checkpoints -----------------------------------------------------------------
    def state(self) -> dict:
        """Everything a checkpoint needs to continue exactly where this trainer is."""
        return {
            "config": self.config.as_dict(),
            "format": self.format,
            "params": {k: v.copy() for k, v in self.model.params.items()},
            "velocity": {k: v.copy() for k, v in self.optimizer.velocity.items()},
            "step_count": self.step_count,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
        }

    def load_state(self, state: dict, keep_config: bool = False) -> None:
        """Restore weights, momentum and position. keep_config keeps this trainer's settings
        (lr, epochs, …) but the network (its spec) must be the checkpoint's, and so must the data's
        format (input shape and classes; a state without one is MNIST's)."""
        saved = TrainConfig(**state["config"])
        if saved.arch != self.config.arch and keep_config:
            raise ValueError(f"checkpoint is the network {saved.arch}, this run is {self.config.arch}")
        fmt = state.get("format", MNIST)
        if not fmt.same_network(self.format):
            raise ValueError(f"it was trained on {fmt.mismatch(self.format)} (this data)")
        if not keep_config:
            self.config = saved
        self.reset()
        for name, value in state["params"].items():
            self.model.params[name][...] = value
        for name, value in state["velocity"].items():
            self.optimizer.velocity[name][...] = value
        self.step_count = int(state["step_count"])
        self.epoch = int(state["epoch"])
        self.batch_in_epoch = int(state["batch_in_epoch"])
        if self.batch_in_epoch >= self.batches_per_epoch:
            raise ValueError(f"it stopped at batch {self.batch_in_epoch} of an epoch, past the last batch "
                             f"({self.batches_per_epoch - 1}) at batch size {self.config.batch_size}")
        self._order = self._epoch_order(self.epoch)
