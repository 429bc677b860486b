"""What the live panels lay out, read from the network the snapshot carries (its Arch): the
conv blocks (a conv, the activation and the pooling right after it, as the engine's
trace.conv_layers groups them) and the dense layers, with the colour-scale key and the
one-sidedness of each tensor shown. No drawing here, and no model math: names and shapes only.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ...engine.arch import Act, Arch, Dense
from ...engine.trace import conv_layers

ACT_NAMES = {"relu": "ReLU", "sigmoid": "σ", "tanh": "tanh"}
MAX_BLOCKS = 3           # conv blocks the feature-map panel draws; more are counted, not drawn
MAX_DENSE = 4            # dense layers the dense panel draws (the last, the logits, always)


@dataclass(frozen=True)
class Block:
    """Conv block `stage` (1-based: the snapshot's limits["stage{stage}"]): conv layer `conv`
    reading tensor `src`; `maps` is what it hands on (its activation's output, else its own),
    `pool` the pooling right after (None: none); `act` the activation kind (None: none)."""
    stage: int
    conv: str
    src: str
    maps: str
    pool: str | None
    act: str | None
    stride: int
    padding: int

    @property
    def tensors(self) -> tuple[str, ...]:
        return (self.maps, self.pool) if self.pool else (self.maps,)

    @property
    def one_sided(self) -> bool:
        """After a ReLU nothing is negative (and max or average pooling keeps it so)."""
        return self.act == "relu"


def act_kind(arch: Arch, name: str | None) -> str | None:
    for layer in arch.layers:
        if isinstance(layer, Act) and layer.name == name:
            return layer.kind
    return None


@lru_cache(maxsize=16)
def blocks(arch: Arch) -> tuple[Block, ...]:
    return tuple(Block(i, name, c.src, c.act or name, c.pool, act_kind(arch, c.act), c.stride, c.padding)
            for i, (name, c) in enumerate(conv_layers(arch).items(), 1))


def block_of(arch: Arch, conv: str) -> Block | None:
    return next((b for b in blocks(arch) if b.conv == conv), None)


def scale_of(arch: Arch, tensor: str) -> tuple[str, bool] | None:
    """(limits key, one-sided) of a tensor a panel shows: the input, or a block's maps or pool."""
    if tensor == "input":
        return "input", False
    for b in blocks(arch):
        if tensor in b.tensors:
            return f"stage{b.stage}", b.one_sided
    return None


@dataclass(frozen=True)
class DenseRow:
    label: str           # "fc1", …; the logits layer keeps its parameters' name (LeNet-5: "fc3")
    tensor: str          # what is drawn: the activation after the layer, else its own output
    inputs: int
    outputs: int
    act: str | None
    limit: str           # the snapshot's limits key
    logits: bool


def dense_rows(arch: Arch) -> list[DenseRow]:
    rows, layers = [], arch.layers
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            continue
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        act = nxt if isinstance(nxt, Act) else None
        logits = layer.name == "logits"
        prefix = arch.param_prefix(layer)
        rows.append(DenseRow(prefix, act.name if act else layer.name, arch.input_shape_of(layer)[0], layer.width,
                             act.kind if act else None, "logits" if logits else prefix, logits))
    return rows


def flat_source(arch: Arch) -> tuple[str, tuple[int, ...]]:
    """The tensor the flatten reads, and its (C, H, W)."""
    i = next(i for i, layer in enumerate(arch.layers) if layer.name == "flat")
    name = arch.tensor_names[i]
    return name, arch.shape_of(name)


def more(n: int, what: str) -> str:
    return f"+{n} more {what}{'' if n == 1 else 's'} not shown"


def display_name(arch: Arch, tensor: str) -> str:
    """A block's maps are called by their conv layer (as the feature-map panel labels them)."""
    return next((b.conv for b in blocks(arch) if b.maps == tensor), tensor)


@lru_cache(maxsize=16)             # asked every frame by the header: worked out once per network
def describe(arch: Arch) -> tuple[str, ...]:
    """The network in the header, longest wording first: its name (LeNet-5, a preset's, or
    "custom network"), its layer counts and its activation and pooling kinds."""
    from ...engine.arch import Conv, Pool, build, lenet5_spec
    from ...engine.arch_edit import PRESETS, preset_spec
    acts = sorted({ACT_NAMES.get(layer.kind, layer.kind) for layer in arch.of_type(Act)})
    pools = sorted({layer.kind for layer in arch.of_type(Pool)})
    kinds = " · ".join([*acts, *(f"{p}-pool" for p in pools)] or ["linear"])
    _, h, w = arch.input_shape
    lenet = build(lenet5_spec((h, w), arch.classes), arch.input_shape, arch.classes).with_kinds(
        arch.of_type(Act)[0].kind if arch.of_type(Act) else None, arch.of_type(Pool)[0].kind if arch.of_type(Pool) else None)
    if arch.spec == lenet.spec:
        return (f"LeNet-5 · {kinds}", "LeNet-5")
    name = next((p.name for p in PRESETS if preset_spec(p, arch.input_shape, arch.classes) == arch.spec),
                "custom network")
    counts = f"{len(arch.of_type(Conv))} conv + {len(arch.of_type(Dense))} dense"
    return (f"{name} · {counts} · {kinds}", f"{name} · {counts}", name)
