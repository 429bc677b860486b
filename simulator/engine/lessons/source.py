"""What the lessons that show a network read: the data (--data: the bundled MNIST, an IDX folder,
a folder of pictures or `shapes`) and the network with its weights (--checkpoint, or fresh
weights of LeNet-5 made for the data), checked against each other.

    src = lesson_source(data_dir, checkpoint)     # Source: data, arch, params (None: fresh weights)

A checkpoint holds the format of the data it learnt (dataformat.py). Without --data, a checkpoint
of MNIST's format reads the bundled MNIST and one of the shapes set's reads `shapes`; any other
asks for its pictures. Data of another shape or other classes than the network's is refused in
one line (a UserError), before any picture is decoded.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import UserError
from ..arch import Arch, build, lenet5_spec
from ..checkpoint import load_checkpoint, network_of
from ..data import SHAPES, Dataset, load_dataset
from ..dataformat import DIGITS, MNIST, DataFormat


@dataclass(frozen=True, eq=False)
class Source:
    data: Dataset
    arch: Arch
    params: dict | None = None          # the checkpoint's weights (float32), None: fresh weights
    checkpoint: Path | None = None

    @property
    def format(self) -> DataFormat:
        return self.data.format

    @property
    def classes(self) -> tuple[str, ...]:
        return self.format.classes

    @property
    def noun(self) -> str:
        return noun(self.format)


def noun(fmt: DataFormat) -> str:
    """What one input is called on screen: 'digit' for MNIST's classes, else 'image'."""
    return "digit" if fmt.classes == DIGITS else "image"


def fresh_arch(fmt: DataFormat) -> Arch:
    """LeNet-5 made for data of `fmt`: its input C×H×W, one output per class (arch.lenet5_spec)."""
    return build(lenet5_spec((fmt.height, fmt.width), fmt.n_classes), fmt.input_shape, fmt.n_classes)


def checkpoint_network(path: Path) -> tuple[Arch, dict, DataFormat]:
    """(network, float32 weights, the format of the data it learnt) of a checkpoint.npz."""
    state = load_checkpoint(path)
    params = {k: np.ascontiguousarray(v, np.float32) for k, v in state["params"].items()}
    return network_of(state), params, state["format"]


def data_for(fmt: DataFormat, checkpoint: Path):
    """The data a network of `fmt` reads when --data is not given: the bundled MNIST (None) or
    `shapes`; UserError (one line) for any other."""
    from ..shapes import FORMAT as SHAPES_FORMAT
    if fmt.same_network(MNIST):
        return None
    if fmt.same_network(SHAPES_FORMAT):
        return SHAPES
    raise UserError(f"{checkpoint}: trained on {fmt.describe()}; name those pictures with --data DIR")


def lesson_source(data_dir=None, checkpoint: Path | None = None) -> Source:
    """The data and the network a lesson shows (see the module's docstring)."""
    if checkpoint is None:
        data = load_dataset(data_dir)
        return Source(data, fresh_arch(data.format))
    arch, params, fmt = checkpoint_network(checkpoint)
    where = f"--data {data_dir}" if data_dir is not None else None
    if data_dir is None:
        data_dir = data_for(fmt, checkpoint)
        where = "the bundled MNIST" if data_dir is None else f"the {data_dir} set"

    def accept(data_fmt: DataFormat) -> None:
        if not fmt.same_network(data_fmt):
            raise UserError(f"{checkpoint}: its network takes {fmt.mismatch(data_fmt)} ({where})")
    return Source(load_dataset(data_dir, accept=accept), arch, params, Path(checkpoint))
