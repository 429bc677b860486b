"""Why convolutions: LeNet-5's parameter and multiply-add counts, read from the model itself,
against dense layers of the same widths (every input wired to every output).

    counts = layer_counts(NetConfig())      # one LayerCount per layer with weights

A conv layer with K filters of C×F×F has K·(C·F·F) + K parameters, whatever the image size;
a dense layer from the same n_in inputs to the same n_out outputs has n_in·n_out + n_out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Network, NetConfig

# (layer, input tensor, output tensor, weight, bias): the layers that have parameters
LAYERS = (("conv1", "input", "conv1", "conv1_w", "conv1_b"), ("conv2", "pool1", "conv2", "conv2_w", "conv2_b"),
          ("fc1", "flat", "fc1", "fc1_w", "fc1_b"), ("fc2", "act3", "fc2", "fc2_w", "fc2_b"),
          ("fc3", "act4", "logits", "fc3_w", "fc3_b"))


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


def layer_counts(config: NetConfig = NetConfig()) -> list[LayerCount]:
    """Every count from a real model and one real forward pass (shapes read, not assumed)."""
    model = Network(config)
    outputs = model.forward(np.zeros((1, 1, 28, 28), np.float32)).outputs
    out = []
    for name, x_name, y_name, w_name, b_name in LAYERS:
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
