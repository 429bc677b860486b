"""The draw-a-digit lesson: a drawing turned into an MNIST-style input, and a model to read it.

MNIST's own recipe (LeCun et al.): take the ink's bounding box, scale it to fit a 20×20 box
keeping its aspect ratio (anti-aliased), paste it into a 28×28 field so that the centre of
mass of the ink lands on the centre of the field, then normalise like the training data.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checkpoint import load_checkpoint, save_checkpoint
from .data import Dataset, normalise
from .lessons_jobs import cache_dir
from .model import LeNet5
from .trainer import TrainConfig, Trainer

FIELD, BOX = 28, 20
INK_THRESHOLD = 0.05       # canvas values above this count as ink for the bounding box


@dataclass(frozen=True)
class Prepared:
    """One drawing on its way to the network."""
    bbox: tuple[int, int, int, int]   # r0, r1, c0, c1 of the ink in the canvas (half-open)
    scaled: np.ndarray                # [h,w] the ink scaled to fit BOX×BOX, values in [0,1]
    image: np.ndarray                 # [28,28] in [0,1], centred by centre of mass
    centre_of_mass: tuple[float, float]  # (row, col) of `image`'s ink, close to (13.5, 13.5)
    x: np.ndarray                     # [1,1,28,28] float32, normalised like the training data


def prepare(canvas: np.ndarray) -> Prepared | None:
    """canvas[H,W] ink in [0,1] (white ink on black) → Prepared, or None when nothing is drawn."""
    from PIL import Image
    canvas = np.clip(np.asarray(canvas, np.float64), 0.0, 1.0)
    rows = np.flatnonzero((canvas > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((canvas > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        return None
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = canvas[r0:r1, c0:c1]
    scale = BOX / max(crop.shape)
    h, w = max(1, round(crop.shape[0] * scale)), max(1, round(crop.shape[1] * scale))
    resized = Image.fromarray(crop.astype(np.float32)).resize((w, h), Image.Resampling.LANCZOS)
    scaled = np.clip(np.asarray(resized, np.float64), 0.0, 1.0)
    # centre of mass of the scaled ink, then place it so that point sits at the field's centre
    ys, xs = np.indices(scaled.shape)
    mass = scaled.sum() or 1.0
    cy, cx = (ys * scaled).sum() / mass, (xs * scaled).sum() / mass
    centre = (FIELD - 1) / 2
    top = int(np.clip(round(centre - cy), 0, FIELD - h))
    left = int(np.clip(round(centre - cx), 0, FIELD - w))
    image = np.zeros((FIELD, FIELD))
    image[top:top + h, left:left + w] = scaled
    x = normalise(np.round(image * 255).astype(np.uint8)[None])
    return Prepared((r0, r1, c0, c1), scaled, image, (top + cy, left + cx), x)


# ----------------------------------------------------------------------------- the model

QUICK = TrainConfig(epochs=1, batch_size=32, lr=0.01, momentum=0.9, weight_decay=5e-4,
                    schedule="constant", seed=0)
QUICK_STEPS = 400
QUICK_SUBSET = 12800


def quick_model_path() -> Path:
    return cache_dir() / f"draw-model-{QUICK_STEPS}x{QUICK.batch_size}-lr{QUICK.lr:g}.npz"


def model_from_checkpoint(path: Path) -> LeNet5:
    """A LeNet5 with the weights of a checkpoint.npz (CheckpointError if it is unusable)."""
    state = load_checkpoint(path)
    params = {k: np.ascontiguousarray(v, np.float32) for k, v in state["params"].items()}
    return LeNet5(TrainConfig(**state["config"]).model_config(), params)


def cached_quick_model() -> LeNet5 | None:
    """The quick model trained on an earlier run, if it is in the cache and readable."""
    path = quick_model_path()
    if not path.is_file():
        return None
    try:
        return model_from_checkpoint(path)
    except Exception:           # a damaged cache file is retrained, never fatal
        return None


def train_quick_model(data: Dataset, progress=None, stop=None, steps: int = QUICK_STEPS,
                      save: bool = True) -> tuple[LeNet5, float] | None:
    """Train LeNet-5 for `steps` SGD steps on the first QUICK_SUBSET images → (model, test accuracy
    on 1000 test images); cached for next time. None if stopped first."""
    trainer = Trainer(QUICK, data.subset(QUICK_SUBSET, 1000))
    for step in range(steps):
        if stop is not None and stop.is_set():
            return None
        trainer.train_step()
        if progress:
            progress(step + 1, steps + 1)
    accuracy = trainer.evaluate()[1]
    if progress:
        progress(steps + 1, steps + 1)
    if save:
        save_checkpoint(quick_model_path(), trainer.state())
    return trainer.model, accuracy
