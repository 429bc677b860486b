"""Tensors and their rank, each one a real tensor of this network.

    examples = tensor_examples(images, labels, params, arch)   # scalar, vector, matrix, 3-D, 4-D

Rank = the number of indices needed to pick one number: a scalar needs 0, a vector 1 (z[k]),
a matrix 2 (W[i, j]), one image's feature maps 3 (x[c, h, w]), a batch of images 4 (x[n, c, h, w]).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ops
from ..arch import LENET5, Arch, Dense
from ..data import normalise
from ..dataformat import MNIST, DataFormat
from .network import model_for
from .source import noun

BATCH = 8    # images in the 4-D example


def input_ranges(fmt: DataFormat = MNIST) -> tuple[tuple[float, float], ...]:
    """For each channel, what a pixel of 0 and one of 255 become after normalise,
    (x/255 − mean_c)/std_c (data.py): the network never sees 0 … 255 or 0 … 1 but these two
    ends (MNIST: −0.4242 and 2.821)."""
    ends = np.zeros((2, fmt.height, fmt.width, fmt.channels), np.uint8)
    ends[1] = 255
    x = normalise(ends if fmt.colour else ends[..., 0], fmt=fmt)
    return tuple((float(x[0, c, 0, 0]), float(x[1, c, 0, 0])) for c in range(fmt.channels))


def input_range(fmt: DataFormat = MNIST) -> tuple[float, float]:
    """input_ranges of the first channel (the only one of grey data)."""
    return input_ranges(fmt)[0]


@dataclass(frozen=True, eq=False)
class TensorExample:
    rank: int
    kind: str                # scalar | vector | matrix | 3-D tensor | 4-D tensor
    name: str                # what it is in this network
    array: np.ndarray        # the tensor itself, shape = array.shape
    index: tuple             # one element's index, shown with its value
    value: float             # array[index]
    note: str

    @property
    def shape(self) -> tuple:
        return tuple(self.array.shape)


def example_tensors(arch: Arch) -> tuple[str, str]:
    """(the matrix: the last dense layer's weights, the 3-D tensor: the first layer's output
    that is still an image [C,H,W], or the input if none is); LeNet-5: fc3_w and conv1."""
    last = arch.param_prefix(arch.of_type(Dense)[-1]) + "_w"
    maps = next((name for name in arch.tensor_names[1:] if len(arch.shape_of(name)) == 3), "input")
    return last, maps


def tensor_examples(images: np.ndarray, labels: np.ndarray, params: dict | None = None,
                    arch: Arch = LENET5, fmt: DataFormat = MNIST) -> list[TensorExample]:
    """images uint8 [N,H,W] or [N,H,W,3] of format fmt, labels [N]: one forward pass of `arch`
    (fresh weights unless params) on the first BATCH images (all N if fewer); every example is a
    tensor that pass really holds (or the model's own weights)."""
    model = model_for(arch, params)
    w_name, maps_name = example_tensors(arch)
    x = normalise(images[:BATCH], fmt=fmt)                         # MNIST [8,1,28,28] float32
    fwd = model.forward(x)
    logits = fwd.outputs["logits"]
    loss, _ = ops.softmax_cross_entropy(logits[:1], np.asarray(labels[:1], np.int64))
    z = logits[0]
    w = model.params[w_name]
    maps = fwd.outputs[maps_name][0]
    k = int(np.argmax(z))
    i, j = (int(v) for v in np.unravel_index(int(np.argmax(np.abs(w))), w.shape))
    c, h, ww = (int(v) for v in np.unravel_index(int(np.argmax(maps)), maps.shape))
    n = 1 if len(x) > 1 else 0                                     # the second image: not the one above
    cn, hh, wc = (int(v) for v in np.unravel_index(int(np.argmax(x[n])), x.shape[1:]))
    scalar = np.array(loss, np.float64)

    def ex(rank, kind, name, array, index, note):
        return TensorExample(rank, kind, name, array, index, float(array[index]), note)
    return [
        ex(0, "scalar", "the loss L of image 0", scalar, (), "one number, no index"),
        ex(1, "vector", f"the {z.size} scores z (logits) of image 0", z, (k,),
           "one index: which digit" if noun(fmt) == "digit" else f"one index: which class ({k}: {fmt.classes[k]})"),
        ex(2, "matrix", f"{w_name.removesuffix('_w')}'s weights W", w, (i, j),
           "two indices: input row, output column"),
        ex(3, "3-D tensor", (f"{maps_name}'s output" if maps_name != "input" else "the input") + " for image 0 (C, H, W)",
           maps, (c, h, ww),
           "three: channel, row, column"),
        ex(4, "4-D tensor", f"a batch of {len(x)} input images (N, C, H, W)", x, (n, cn, hh, wc),
           "four: image, channel, row, column (NCHW)"),
    ]
