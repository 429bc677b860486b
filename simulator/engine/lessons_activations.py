"""The activations lesson: ReLU, sigmoid and tanh, their derivatives, one feature map through
each, and a short LeNet-5 training comparison whose loss curves are cached.

Every value here comes from the engine's own kernels (ops.*_forward / *_backward): the
derivative curve is the backward pass with upstream gradient 1, f'(x) = backward(1, f(x)).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import ops
from .checkpoint import atomic_write
from .data import Dataset
from .lessons_jobs import cache_dir
from .trainer import TrainConfig, Trainer

NAMES = ("relu", "sigmoid", "tanh")
FORWARD = {"relu": ops.relu_forward, "sigmoid": ops.sigmoid_forward, "tanh": ops.tanh_forward}
BACKWARD = {"relu": ops.relu_backward, "sigmoid": ops.sigmoid_backward, "tanh": ops.tanh_backward}
FORMULAS = {"relu": ("max(0, x)", "[x > 0]"),
            "sigmoid": ("1/(1 + e^−x)", "σ(x)(1 − σ(x))"),
            "tanh": ("tanh x", "1 − tanh² x")}
# A vertical-edge filter (Sobel), so the map has strong positive and negative values.
EDGE_FILTER = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], np.float64)[None, None]


def curve(name: str, lo: float = -5.0, hi: float = 5.0, n: int = 401):
    """(x[n], f(x)[n], f'(x)[n]) for one activation, through the engine's forward and backward."""
    x = np.linspace(lo, hi, n)
    y, cache = FORWARD[name](x)
    dy = BACKWARD[name](np.ones_like(x), cache)
    return x, y, dy


@dataclass(frozen=True)
class FeatureMaps:
    image: np.ndarray                 # [28,28] input digit scaled to [0, 1] (0 = background = padding)
    pre: np.ndarray                   # [28,28] conv2d_forward(image, EDGE_FILTER), padding 1
    post: dict                        # name → [28,28] activation of `pre`
    slope: dict                       # name → [28,28] its derivative at `pre` (backward of ones)


def feature_maps(image_u8: np.ndarray) -> FeatureMaps:
    """One digit (uint8 [28,28]) → an edge feature map → each activation of it, and its slope."""
    x = (image_u8.astype(np.float64) / 255.0)[None, None]     # [1,1,28,28]
    pre, _ = ops.conv2d_forward(x, EDGE_FILTER, np.zeros(1), 1, 1)
    post, slope = {}, {}
    for name in NAMES:
        y, cache = FORWARD[name](pre)
        post[name], slope[name] = y[0, 0], BACKWARD[name](np.ones_like(pre), cache)[0, 0]
    return FeatureMaps(x[0, 0], pre[0, 0], post, slope)


# ----------------------------------------------------------------------------- comparison

@dataclass(frozen=True)
class ComparisonConfig:
    steps: int = 200          # SGD steps per activation
    batch_size: int = 32
    lr: float = 0.05
    momentum: float = 0.9
    n_train: int = 6400       # the first n_train training images
    n_test: int = 1000        # test images for the final accuracy
    seed: int = 0
    version: int = 1          # bump when the engine changes what a run computes


def cache_path(config: ComparisonConfig, data: Dataset) -> Path:
    """Where the comparison for this config and dataset is cached (one JSON file)."""
    key = json.dumps({**asdict(config), "data": str(Path(data.source).resolve()),
                      "train": int(data.train_images.shape[0])}, sort_keys=True)
    return cache_dir() / f"activations-{hashlib.sha1(key.encode()).hexdigest()[:12]}.json"


def load_cached(config: ComparisonConfig, data: Dataset) -> dict | None:
    """The cached comparison, or None when there is none (or it is unreadable)."""
    path = cache_path(config, data)
    try:
        result = json.loads(path.read_text())
        if result.get("config") == asdict(config) and set(result["losses"]) == set(NAMES):
            return result
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def run_comparison(config: ComparisonConfig, data: Dataset, progress=None, stop=None,
                   partial: dict | None = None) -> dict | None:
    """Train LeNet-5 with each activation for config.steps steps on the same batches.

    Returns {"config", "losses": {name: [loss per step]}, "test_accuracy": {name: acc}}
    and writes it to the cache; None if stopped before the end. `partial`, if given, is
    filled as it goes ({name: list of losses so far}) for a screen to draw while it waits.
    """
    subset = data.subset(config.n_train, config.n_test)
    total = config.steps * len(NAMES)
    losses, accuracy = {}, {}
    for i, name in enumerate(NAMES):
        trainer = Trainer(TrainConfig(epochs=1, batch_size=config.batch_size, lr=config.lr,
                                      momentum=config.momentum, weight_decay=0.0, schedule="constant",
                                      seed=config.seed, activation=name), subset)
        curve_ = [] if partial is None else partial.setdefault(name, [])
        for step in range(config.steps):
            if stop is not None and stop.is_set():
                return None
            curve_.append(trainer.train_step().loss)
            if progress:
                progress(i * config.steps + step + 1, total)
        losses[name] = list(curve_)
        accuracy[name] = trainer.evaluate()[1]
    result = {"config": asdict(config), "losses": losses, "test_accuracy": accuracy}
    atomic_write(cache_path(config, data), lambda f: f.write(json.dumps(result).encode()))
    return result


def smooth(values, window: int = 10) -> np.ndarray:
    """Trailing moving average (the first points average what there is so far)."""
    v = np.asarray(values, np.float64)
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)
