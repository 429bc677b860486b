"""The draw-a-digit lesson: the drawing prepared like MNIST (drawing.py), and a model to read it."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import UserError
from ..checkpoint import load_checkpoint, save_checkpoint
from ..data import Dataset
from ..dataformat import MNIST, DataFormat
from ..drawing import BOX, FIELD, INK_THRESHOLD, Prepared, prepare  # noqa: F401  (the lesson's API)
from ...paths import cache_dir
from ..model import Network
from ..trainer import TrainConfig, Trainer

# ----------------------------------------------------------------------------- the model

QUICK = TrainConfig(epochs=1, batch_size=32, lr=0.01, momentum=0.9, weight_decay=5e-4,
                    schedule="constant", seed=0)
QUICK_STEPS = 400
QUICK_SUBSET = 12800


def quick_model_path() -> Path:
    return cache_dir() / f"draw-model-{QUICK_STEPS}x{QUICK.batch_size}-lr{QUICK.lr:g}.npz"


def refuse_unless_drawable(fmt: DataFormat, what: str) -> None:
    """A drawing becomes an MNIST-style picture (1×28×28 grey, drawing.py), which only a network
    for MNIST's format reads: a UserError (one line) for data or a network of any other format."""
    if not fmt.same_network(MNIST):
        raise UserError(f"{what} {fmt.describe()}; the draw lesson turns a drawing into a 28×28 grey digit, "
                        "which only a network for MNIST-format data (1×28×28 grey digits 0–9) reads")


def model_from_checkpoint(path: Path) -> Network:
    """The network of a checkpoint.npz, with its weights (CheckpointError if it is unusable), for
    the data format it was trained on."""
    state = load_checkpoint(path)
    params = {k: np.ascontiguousarray(v, np.float32) for k, v in state["params"].items()}
    return Network(TrainConfig(**state["config"]).model_config(state["format"]), params)


def drawable_model(path: Path) -> Network:
    """model_from_checkpoint, refused (UserError) unless it is for MNIST-format data."""
    refuse_unless_drawable(load_checkpoint(path)["format"], f"{path}: trained on")
    return model_from_checkpoint(path)


def cached_quick_model() -> Network | None:
    """The quick model trained on an earlier run, if it is in the cache and readable."""
    path = quick_model_path()
    if not path.is_file():
        return None
    try:
        return model_from_checkpoint(path)
    except Exception:           # a damaged cache file is retrained, never fatal
        return None


def train_quick_model(data: Dataset, progress=None, stop=None, steps: int = QUICK_STEPS,
                      save: bool = True) -> tuple[Network, float] | None:
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
