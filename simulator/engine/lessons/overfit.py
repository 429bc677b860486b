"""Fewer parameters, less overfitting, shown: a dense network and LeNet-5 trained on the same
small training set, side by side, with train and test accuracy after every epoch.

    task = start(settings, data)          # a Background: task.latest() is an OverfitResult so far
    result = load_cached(settings, data)  # the finished comparison from an earlier run, or None

Overfitting is the gap between how well a network does on the images it trained on and on
images it never saw: gap = train accuracy − test accuracy. With 1,000 training images a dense
network (every pixel wired to every unit: a few hundred thousand parameters) can memorise them,
and does; LeNet-5's convolutions share a small filter over the whole image (61,706 parameters),
so it has less room to memorise and must learn strokes that also occur in new digits. Both train
with the same recipe, the same images in the same order, no augmentation and no weight decay,
so the comparison is the architecture alone. Every number is an engine run; the finished result
is cached in the user cache (one JSON file, written atomically, keyed by the settings and the data).
On other data (a folder of pictures, `shapes`) both networks are made for it (for_data): the same
dense widths and LeNet-5 (arch.lenet5_spec) on its C×H×W input, one output per class.
Measured with the defaults (2-core AMD EPYC, quiet, 3.5 s for both runs): both reach 100% on
their training images; test accuracy after 20 epochs 84.9% (dense, 266,610 parameters) against
92.0% (LeNet-5, 61,706): gaps of 14.9 and 8.2 points over the last 5 epochs.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ...paths import cache_dir
from ..arch import LENET5_SPEC, build, lenet5_spec
from ..background import Background
from ..checkpoint import atomic_write
from ..data import Dataset
from ..dataformat import MNIST, DataFormat
from ..trainer import TrainConfig, Trainer

DENSE_SPEC = "fc300-relu-fc100-relu-fc10"     # LeCun et al. 1998's two-hidden-layer network


def networks_for(fmt: DataFormat) -> tuple:
    """The two networks made for data of `fmt`: (name, spec) of the dense one and of LeNet-5."""
    return (("dense", f"fc300-relu-fc100-relu-fc{fmt.n_classes}"),
            ("LeNet-5", lenet5_spec((fmt.height, fmt.width), fmt.n_classes)))


@dataclass(frozen=True)
class OverfitSettings:
    """The comparison: both networks see the first n_train training images, epochs times, in
    the same order; test accuracy is on the first n_test test images."""
    networks: tuple = (("dense", DENSE_SPEC), ("LeNet-5", LENET5_SPEC))
    n_train: int = 1000
    n_test: int = 2000
    epochs: int = 20
    batch_size: int = 32
    lr: float = 0.01        # at 0.02 LeNet-5's loss on 1,000 images spiked every few epochs (test ±2 points)
    momentum: float = 0.9
    seed: int = 0
    version: int = 1        # bump when the engine changes what a run computes

    def for_data(self, data: Dataset) -> "OverfitSettings":
        """These settings on `data`: its networks (networks_for), and no more images than it has."""
        return replace(self, networks=networks_for(data.format), n_train=min(self.n_train, len(data.train_images)),
                       n_test=min(self.n_test, len(data.test_images)))

    def config(self, spec: str) -> TrainConfig:
        """One network's training: constant α, no weight decay, no shifts (nothing but the
        architecture stands between it and memorising)."""
        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, momentum=self.momentum,
                           weight_decay=0.0, schedule="constant", shift=0, seed=self.seed, arch=spec)


@dataclass(frozen=True)
class Curve:
    """One network's run so far: after epoch e (1-based) train_acc[e − 1] and test_acc[e − 1]."""
    name: str
    spec: str
    params: int
    train_acc: tuple = ()
    test_acc: tuple = ()
    train_loss: tuple = ()
    test_loss: tuple = ()

    @property
    def epochs(self) -> int:
        return len(self.test_acc)

    @property
    def gap(self) -> tuple:
        """train − test accuracy after each epoch: how much it has memorised rather than learnt."""
        return tuple(a - b for a, b in zip(self.train_acc, self.test_acc))

    def final_gap(self, last: int = 5) -> float:
        """The gap averaged over the last `last` epochs (one epoch's test accuracy wobbles)."""
        g = self.gap[-last:]
        return float(np.mean(g)) if g else float("nan")


@dataclass(frozen=True)
class OverfitResult:
    settings: OverfitSettings
    curves: tuple                   # one Curve per network, in settings.networks' order
    done: bool = False              # every epoch of every network is in
    from_cache: bool = False

    def curve(self, name: str) -> Curve:
        return next(c for c in self.curves if c.name == name)

    def verdict(self) -> dict:
        """What the numbers say, by rule: each network's final gap, and which overfits more
        (None until done, or when the gaps are within 1 percentage point of each other)."""
        gaps = {c.name: c.final_gap() for c in self.curves}
        order = sorted(gaps, key=gaps.get)
        clear = self.done and len(order) > 1 and gaps[order[-1]] - gaps[order[0]] >= 0.01
        return {"gaps": gaps, "least": order[0] if clear else None, "most": order[-1] if clear else None}


def parameter_count(spec: str, fmt: DataFormat = MNIST) -> int:
    return build(spec, fmt.input_shape, fmt.n_classes).param_count


def cache_path(settings: OverfitSettings, data: Dataset) -> Path:
    key = json.dumps({**asdict(settings), "data": str(Path(data.source).resolve()),
                      "train": int(data.train_images.shape[0]), "test": int(data.test_images.shape[0])},
                     sort_keys=True)
    return cache_dir() / f"overfit-{hashlib.sha1(key.encode()).hexdigest()[:12]}.json"


def _as_json(result: OverfitResult) -> dict:
    return {"settings": json.loads(json.dumps(asdict(result.settings))),
            "curves": [asdict(c) for c in result.curves]}


def load_cached(settings: OverfitSettings, data: Dataset) -> OverfitResult | None:
    """The finished comparison for these settings and data from an earlier run; None if there is
    none, or it is unreadable or incomplete (then it is run again)."""
    try:
        raw = json.loads(cache_path(settings, data).read_text())
        if raw["settings"] != json.loads(json.dumps(asdict(settings))):
            return None
        curves = tuple(Curve(c["name"], c["spec"], int(c["params"]),
                             *(tuple(float(v) for v in c[k]) for k in ("train_acc", "test_acc", "train_loss",
                                                                        "test_loss")))
                       for c in raw["curves"])
        if [(c.name, c.spec) for c in curves] != [tuple(n) for n in settings.networks] or \
                any(c.epochs != settings.epochs or len(c.train_acc) != settings.epochs for c in curves):
            return None
        return OverfitResult(settings, curves, done=True, from_cache=True)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def run(settings: OverfitSettings, data: Dataset, task: Background | None = None) -> OverfitResult | None:
    """Train every network of settings for settings.epochs epochs, one epoch of each in turn,
    publishing the OverfitResult so far on `task` after each; cache and return the finished
    result (None if the task was stopped first)."""
    small = data.subset(settings.n_train, settings.n_test)
    trainers = [Trainer(settings.config(spec), small) for _, spec in settings.networks]
    curves = [Curve(name, spec, parameter_count(spec, data.format)) for name, spec in settings.networks]
    total = settings.epochs * len(trainers)
    for epoch in range(settings.epochs):
        for i, trainer in enumerate(trainers):
            for _ in range(trainer.batches_per_epoch):
                if task is not None and task.stopping.is_set():
                    return None
                trainer.train_step()
            train_loss, train_acc = trainer.evaluate(trainer.train_x, trainer.train_y)
            test_loss, test_acc = trainer.evaluate()
            c = curves[i]
            curves[i] = replace(c, train_acc=c.train_acc + (train_acc,), test_acc=c.test_acc + (test_acc,),
                                train_loss=c.train_loss + (train_loss,), test_loss=c.test_loss + (test_loss,))
            if task is not None:
                task.report(epoch * len(trainers) + i + 1, total, f"epoch {epoch + 1} of {settings.epochs}")
                task.publish(OverfitResult(settings, tuple(curves)))
    result = OverfitResult(settings, tuple(curves), done=True)
    atomic_write(cache_path(settings, data), lambda f: f.write(json.dumps(_as_json(result)).encode()))
    if task is not None:
        task.publish(result)
    return result


def start(settings: OverfitSettings, data: Dataset) -> Background:
    """The comparison as a Background task: finished at once from the cache when it is there,
    else training (task.latest() is the OverfitResult so far, task.result the finished one)."""
    cached = load_cached(settings, data)
    if cached is not None:
        task = Background.done(cached)
        task.publish(cached)
        return task
    task = Background(lambda t: run(settings, data, t), "overfit")
    task.publish(OverfitResult(settings, tuple(Curve(n, s, parameter_count(s, data.format))
                                               for n, s in settings.networks)))
    return task.start()

