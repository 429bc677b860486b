"""How healthy a network is on a set of images: accuracy, and its dead ReLU maps.

A conv map is dead for a digit when every value of it is 0 after its ReLU: the ReLU's input
(the filter's sum plus its bias) was negative at every position, so the map passes nothing
forward and, since ReLU's slope is 0 there, no gradient back to its filter either. A map dead
for every digit has stopped learning for good. (It is not "the filter found none of its
pattern": a live filter that finds nothing still gives small positive values somewhere.)

    report = health_report(model, x, labels)    # accuracy and dead maps per conv layer, one pass
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .arch import Act, Arch, Conv
from .model import Network


def relu_maps(arch: Arch) -> dict[str, str]:
    """conv layer → the ReLU right after it, for the conv layers that have one."""
    layers = arch.layers
    return {layer.name: layers[i + 1].name for i, layer in enumerate(layers[:-1])
            if isinstance(layer, Conv) and isinstance(layers[i + 1], Act) and layers[i + 1].kind == "relu"}


def dead_per_image(acts: np.ndarray) -> np.ndarray:
    """acts[N,K,H,W] after a ReLU → [N] how many of the K maps are all 0 for each image."""
    a = np.asarray(acts)
    return (a.reshape(a.shape[0], a.shape[1], -1).max(axis=2) <= 0).sum(axis=1)


@dataclass(frozen=True)
class HealthReport:
    accuracy: float
    images: int
    step: int = 0                  # the training step it was measured after
    epoch: int = 0
    dead_mean: dict = field(default_factory=dict)    # conv layer → mean dead maps per image
    dead_always: dict = field(default_factory=dict)  # conv layer → maps dead for every image
    maps: dict = field(default_factory=dict)         # conv layer → its number of maps


def health_report(model: Network, x: np.ndarray, labels: np.ndarray, batch_size: int = 500,
                step: int = 0, epoch: int = 0) -> HealthReport:
    """Accuracy on (x, labels) and every ReLU conv layer's dead maps, in one forward pass."""
    convs = relu_maps(model.arch)
    correct, dead_sum = 0, {c: 0 for c in convs}
    alive = {c: None for c in convs}
    for start in range(0, len(x), batch_size):
        out = model.forward(x[start:start + batch_size]).outputs
        correct += int((out["logits"].argmax(axis=1) == labels[start:start + batch_size]).sum())
        for conv, act in convs.items():
            a = out[act]
            dead_sum[conv] += int(dead_per_image(a).sum())
            top = a.reshape(a.shape[0], a.shape[1], -1).max(axis=2).max(axis=0) > 0
            alive[conv] = top if alive[conv] is None else alive[conv] | top
    n = max(1, len(x))
    return HealthReport(correct / n, len(x), step, epoch,
                      {c: dead_sum[c] / n for c in convs},
                      {c: int((~alive[c]).sum()) if alive[c] is not None else 0 for c in convs},
                      {c: model.arch.shape_of(c)[0] for c in convs})
