"""The 3D network lesson: the network as a stack of volumes, receptive fields, and live training.

Every shown layer is a volume [C,H,W]; a dense layer of M neurons is [M,1,1]. An activation is
shown merged into the layer below it (conv1+act), the flatten not at all. Between two shown
layers sits one spatial op with kernel k, stride s and padding p (or a dense layer), and an
output range [a, b] of rows then reads input rows [a·s − p, b·s − p + k − 1]. For LeNet-5
(the default, arch.LENET5):

    input ─conv 5 p2→ act1 ─pool 2→ pool1 ─conv 5→ act2 ─pool 2→ pool2 ─dense→ act3 ─dense→ act4 ─dense→ logits

`view(arch)` reads all of it from an Arch's layers and shapes (arch.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arch import LENET5, Act, Arch, Conv, Dense, Flatten, Pool, by_kind, lenet5_spec
from ..background import Background
from ..data import Dataset, normalise
from ..config import APP_CONFIG
from ..trainer import TrainConfig, Trainer


@dataclass(frozen=True)
class View:
    """The shown layers of an Arch, bottom to top: volumes ((name, (C,H,W)), …), and for each
    but the input how it is computed from the one below, links[name] = (kind, kernel, stride,
    padding) with kind conv | pool | dense, and its caption."""
    arch: Arch
    volumes: tuple
    links: dict
    captions: dict

    @property
    def shapes(self) -> dict:
        return dict(self.volumes)

    @property
    def names(self) -> tuple:
        return tuple(name for name, _ in self.volumes)


# How a shown volume is wired to the one below it, by the kind of layer that made it:
# (kind of link, window size, stride, padding); a flatten is never shown
_LINKS = {
    Conv: lambda layer: ("conv", layer.kernel, layer.stride, layer.padding),
    Act: lambda layer: ("pool", 1, 1, 0),            # an activation straight on the input: one to one
    Pool: lambda layer: ("pool", layer.size, layer.stride, 0),
    Dense: lambda layer: ("dense", 0, 0, 0),
}


def view(arch: Arch = LENET5) -> View:
    """The shown volumes of `arch`: the input, then each conv, pool and dense layer's output,
    or the activation's that follows it (same shape, the tensor the network passes on)."""
    volumes, links, captions = [("input", arch.shape_of("input"))], {}, {}
    kinds = {}                                        # shown name → the layer that made it
    captions["input"] = "input " + "×".join(map(str, arch.shape_of("input")))
    for layer, shape in zip(arch.layers, arch.shapes):
        if isinstance(layer, Flatten):
            continue
        shape3 = shape if len(shape) == 3 else (shape[0], 1, 1)
        if isinstance(layer, Act) and volumes[-1][0] != "input":
            made_by = kinds.pop(volumes[-1][0])       # act shown in place of the layer below it
            old = volumes.pop()[0]
            links[layer.name] = links.pop(old)
            captions.pop(old)
            volumes.append((layer.name, shape3))
            kinds[layer.name] = made_by
            captions[layer.name] = _caption(arch, made_by, shape, merged=isinstance(made_by, Conv))
            continue
        links[layer.name] = by_kind(_LINKS, layer)(layer)
        volumes.append((layer.name, shape3))
        kinds[layer.name] = layer
        captions[layer.name] = _caption(arch, layer, shape)
    return View(arch, tuple(volumes), links, captions)


def _caption(arch: Arch, layer, shape: tuple, merged: bool = False) -> str:
    """'conv1+act 6×28×28', 'pool1 6×14×14', 'fc1 120' (the logits layer by its fcN name)."""
    if isinstance(layer, Dense):
        return f"{arch.param_prefix(layer)} {shape[0]}"
    return f"{layer.name}{'+act' if merged else ''} " + "×".join(map(str, shape))


def model_for(arch: Arch, params: dict | None = None, seed: int = 0):
    """A model of `arch` (fresh seeded weights unless `params`)."""
    from ..model import NetConfig, Network
    return Network(NetConfig(arch, seed), params)


def network_name(arch: Arch, start: bool = True) -> str:
    """'LeNet-5' for LeNet-5's layers and shapes as made for its input and classes (arch.lenet5_spec,
    whatever its activation and pooling kinds), any other 'The network' (at the start of a
    sentence or title) or 'this network' (within one)."""
    _, h, w = arch.input_shape
    if arch.with_kinds("relu", "max").spec == lenet5_spec((h, w), arch.classes):
        return "LeNet-5"
    return "The network" if start else "this network"


LENET5_VIEW = view(LENET5)
# LeNet-5's, the default every function below takes
VOLUMES, SHAPES, NAMES = LENET5_VIEW.volumes, LENET5_VIEW.shapes, LENET5_VIEW.names
LINKS, CAPTIONS = LENET5_VIEW.links, LENET5_VIEW.captions


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


def receptive_field(layer: str, c: int, r: int, k: int, shown: View = LENET5_VIEW) -> dict[str, Region]:
    """Every neuron below (layer, c, r, k) that can change its value: {layer below: Region}."""
    SHAPES, NAMES, LINKS = shown.shapes, shown.names, shown.links
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


def volumes(outputs: dict, n: int = 0, shown: View = LENET5_VIEW) -> dict[str, np.ndarray]:
    """model.Forward.outputs → {shown layer: its [C,H,W] values for sample n}."""
    return {name: np.asarray(outputs[name][n]).reshape(shape) for name, shape in shown.volumes}


LIVE_CONFIG = APP_CONFIG     # the app's recipe (config.py)


@dataclass(frozen=True)
class LiveFrame:
    """What the live trainer last published: the shown image's volumes after `step` steps."""
    step: int
    loss: float
    volumes: dict
    probabilities: np.ndarray     # [classes]


class LiveTraining(Background):
    """Trains the config's network on a Background thread (start/stop/running/error); every
    `every` steps it runs the shown image (uint8 [H,W] or [H,W,3], normalised as the data's
    format says) forward on that same thread and publishes an immutable LiveFrame (volumes of
    `self.shown`). The screen only reads `frame`."""

    def __init__(self, data: Dataset, digit: np.ndarray, config: TrainConfig = LIVE_CONFIG, every: int = 2,
                 params: dict | None = None):
        super().__init__(self._train, "network3d-train")
        self._trainer = Trainer(config, data)
        self.shown = view(self._trainer.model.arch)
        if params is not None:
            for name, value in params.items():
                self._trainer.model.params[name][...] = value
        self._x = normalise(digit[None], fmt=data.format)
        self._every = every
        self.publish(self._frame(float("nan")))

    @property
    def frame(self) -> LiveFrame:
        return self.latest()

    def _frame(self, loss: float) -> LiveFrame:
        from ..model import softmax
        out = self._trainer.model.forward(self._x).outputs
        return LiveFrame(self._trainer.step_count, loss, volumes(out, 0, self.shown), softmax(out["logits"])[0])

    def _train(self, _task) -> None:
        while not self.stopping.is_set():
            loss = self._trainer.train_step().loss
            if self._trainer.step_count % self._every == 0:
                self.publish(self._frame(loss))

    def set_digit(self, digit: np.ndarray) -> None:
        """Show another image: published now if the worker is idle, else at its next publish."""
        self._x = normalise(digit[None], fmt=self._trainer.format)
        if not self.running:
            self.publish(self._frame(self.frame.loss))
