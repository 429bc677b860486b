"""Why convolutions: a network's parameter and multiply-add counts (LeNet-5's by default), read
from the model itself, against dense layers of the same widths (every input wired to every output).

    counts = layer_counts(arch.LENET5)        # one LayerCount per layer with weights, in order

A conv layer with K filters of C×F×F has K·(C·F·F) + K parameters, whatever the image size;
a dense layer from the same n_in inputs to the same n_out outputs has n_in·n_out + n_out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arch import LENET5, Arch, weighted
from .network import model_for


def weighted_layers(arch: Arch) -> list[tuple[str, str, str, str, str]]:
    """(layer, input tensor, output tensor, weight, bias) of every layer with parameters, in order;
    LeNet-5: conv1 input→conv1, conv2 pool1→conv2, fc1 flat→fc1, fc2 act3→fc2, fc3 act4→logits."""
    out = []
    for i, layer in enumerate(arch.layers):
        if weighted(layer):
            key = arch.param_prefix(layer)
            out.append((key, arch.tensor_names[i], layer.name, f"{key}_w", f"{key}_b"))
    return out


@dataclass(frozen=True)
class LayerCount:
    name: str
    in_shape: tuple          # one image's input to the layer (C,H,W) or (D,)
    out_shape: tuple         # its output
    w_shape: tuple           # the weight tensor's shape in the model
    weights: int             # model weights (w.size)
    biases: int              # model biases (b.size)
    dense_weights: int       # a dense layer in_size → out_size: in_size·out_size
    dense_biases: int        # out_size
    macs: int                # multiply-adds per image in the model's layer: out_size · (weights per output)
    dense_macs: int          # multiply-adds per image of the dense layer: in_size · out_size
    uses: int                # how many times each weight is used per image (conv: output positions)

    @property
    def params(self) -> int:
        return self.weights + self.biases

    @property
    def dense_params(self) -> int:
        return self.dense_weights + self.dense_biases

    @property
    def conv(self) -> bool:
        return len(self.w_shape) == 4


def layer_counts(arch: Arch = LENET5) -> list[LayerCount]:
    """Every count from a real model of `arch` and one real forward pass (shapes read, not assumed)."""
    model = model_for(arch)
    outputs = model.forward(np.zeros((1, *arch.input_shape), np.float32)).outputs
    out = []
    for name, x_name, y_name, w_name, b_name in weighted_layers(arch):
        x, y = outputs[x_name][0], outputs[y_name][0]
        w, b = model.params[w_name], model.params[b_name]
        per_output = int(np.prod(w.shape[1:])) if w.ndim == 4 else int(w.shape[0])
        uses = int(np.prod(y.shape[1:])) if w.ndim == 4 else 1
        out.append(LayerCount(name, tuple(x.shape), tuple(y.shape), tuple(w.shape), int(w.size), int(b.size),
                              int(x.size * y.size), int(y.size), int(y.size * per_output), int(x.size * y.size),
                              uses))
    return out


def totals(counts: list[LayerCount]) -> dict:
    """Sums over the layers: params, dense_params, macs, dense_macs."""
    return {key: sum(getattr(c, key) for c in counts) for key in ("params", "dense_params", "macs", "dense_macs")}
