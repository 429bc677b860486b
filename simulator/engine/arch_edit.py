"""The app's network designer as data: a few instructive presets, and a Draft, a layer list
being edited (+/− on a conv layer's filters, kernel, stride or padding) that may not work
yet. Draft.check() builds it with arch.build: an Arch, or the ArchError line saying why not,
with the output-size formula (W − F + 2P)/S + 1 in real numbers. No pygame here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from .arch import (CLASSES, INPUT_SHAPE, LENET5_SPEC, Act, Arch, ArchError, Conv, Dense, Flatten, Pool,
                   _conv_shape, _pool_shape, build, by_kind, lenet5_spec, parse)


@dataclass(frozen=True)
class Preset:
    name: str
    spec: str
    why: str                 # what the network shows, in one line


PRESETS = (
    Preset("LeNet-5", LENET5_SPEC, "5×5 filters, padding 2 on the first, max pooling halves each map"),
    Preset("small 3×3", "conv8k3p1-relu-maxpool2-conv16k3p1-relu-maxpool2-fc64-relu-fc10",
           "3×3 filters with padding 1 keep the size; only pooling shrinks the maps"),
    Preset("stride 2, no pooling", "conv8k4s2p1-relu-conv16k4s2p1-relu-fc64-relu-fc10",
           "the filter jumps 2 pixels at a time: the stride does the shrinking"),
    Preset("LeNet 1998: tanh, avg pool", "conv6k5p2-tanh-avgpool2-conv16k5-tanh-avgpool2-fc120-tanh-fc84-tanh-fc10",
           "LeCun's choices: tanh squashes to (−1, 1), average pooling keeps every value"),
    Preset("deeper: 3 conv blocks", "conv8k3p1-relu-maxpool2-conv16k3p1-relu-maxpool2-conv32k3p1-relu-maxpool2-"
                                    "fc64-relu-fc10",
           "three conv blocks, each pooling halving the maps (28 → 14 → 7 → 3 on MNIST), more filters as they shrink"),
)
FIELDS = ("filters", "kernel", "stride", "padding")
FILTER_STEPS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
LOWEST = {"filters": 1, "kernel": 1, "stride": 1, "padding": 0}


def _next_filters(n: int, direction: int) -> int:
    if direction > 0:
        return next((v for v in FILTER_STEPS if v > n), FILTER_STEPS[-1])
    return next((v for v in reversed(FILTER_STEPS) if v < n), FILTER_STEPS[0])


# The image a layer passes on, by kind (None: no image any more: a conv after it has none)
_IMAGE_AFTER = {Conv: _conv_shape, Pool: _pool_shape, Act: lambda layer, shape: shape,
                Flatten: lambda layer, shape: None, Dense: lambda layer, shape: None}


def preset_spec(preset: Preset, input_shape: tuple = INPUT_SHAPE, classes: int = CLASSES) -> str:
    """A preset's spec for images of input_shape in `classes` classes: LeNet-5 as lenet5_spec
    makes it for that size, the others with their last layer fc{classes} (they are written for
    MNIST's 10)."""
    if preset.spec == LENET5_SPEC:
        return lenet5_spec(tuple(input_shape)[1:], classes)
    head, _, last = preset.spec.rpartition("-")
    return f"{head}-fc{classes}" if last.startswith("fc") else preset.spec


@dataclass(frozen=True)
class Draft:
    """Unnamed layers as arch.parse gives them, the conv layer selected (0-based among the
    convs) and the field + and − change, for images of input_shape (C, H, W) in `classes`
    classes (the data the app trains on)."""
    layers: tuple
    selected: int = 0
    field: int = 0
    input_shape: tuple = INPUT_SHAPE
    classes: int = CLASSES

    @classmethod
    def of(cls, spec: str, input_shape: tuple = INPUT_SHAPE, classes: int = CLASSES) -> "Draft":
        return cls(parse(spec), input_shape=tuple(input_shape), classes=classes)

    @property
    def spec(self) -> str:
        return "-".join(layer.token for layer in self.layers if layer.token)

    @property
    def convs(self) -> tuple[int, ...]:
        """Positions in `layers` of the conv layers, in order."""
        return tuple(i for i, layer in enumerate(self.layers) if isinstance(layer, Conv))

    def select(self, delta: int) -> "Draft":
        n = len(self.convs)
        return replace(self, selected=(self.selected + delta) % n) if n else self

    def choose_field(self, delta: int) -> "Draft":
        return replace(self, field=(self.field + delta) % len(FIELDS))

    def value(self, conv: int, field: str) -> int:
        return getattr(self.layers[self.convs[conv]], field)

    def adjust(self, direction: int, conv: int | None = None, field: str | None = None) -> "Draft":
        """The draft with one conv setting a step up (+1) or down (−1): filters along
        FILTER_STEPS, kernel, stride and padding by one; never below 1 (padding 0)."""
        if not self.convs:
            return self
        conv = self.selected if conv is None else conv
        field = FIELDS[self.field] if field is None else field
        old = self.value(conv, field)
        new = _next_filters(old, direction) if field == "filters" else max(LOWEST[field], old + direction)
        i = self.convs[conv]
        layers = self.layers[:i] + (replace(self.layers[i], **{field: new}),) + self.layers[i + 1:]
        return replace(self, layers=layers, selected=conv, field=FIELDS.index(field))

    def conv_rows(self) -> list[tuple[str, tuple | None, str | None]]:
        """Per conv layer: (name, its input shape, "(H − F + 2P)/S + 1 = OH"), walking the
        layers from the input (1×28×28 for MNIST); None from the first layer whose shape does not work."""
        rows, shape, n = [], self.input_shape, 0
        for layer in self.layers:
            if isinstance(layer, Conv):
                n += 1
                layer = replace(layer, name=f"conv{n}")
                rows.append((layer.name, shape, _formula(layer, shape) if shape else None))
            try:
                shape = None if shape is None else by_kind(_IMAGE_AFTER, layer)(layer, shape)
            except ArchError:
                shape = None
        return rows

    def check(self) -> Arch | ArchError:
        """The built Arch, or the ArchError that refuses it (returned, not raised)."""
        try:
            return build(self.layers, self.input_shape, self.classes)
        except ArchError as e:
            return e


def _formula(conv: Conv, shape: tuple) -> str:
    """(H − F + 2P)/S + 1 in real numbers, rounded down when it is not whole (as the engine does)."""
    h, f, p, st = shape[1], conv.kernel, conv.padding, conv.stride
    exact = Fraction(h - f + 2 * p, st) + 1
    text = f"({h} − {f} + 2·{p})/{st} + 1 = "
    if exact.denominator == 1:
        return text + f"{exact}".replace("-", "−")
    value = f"{float(exact):.2f}".rstrip("0").replace("-", "−")
    return text + value + (f" → {int(exact // 1)} (rounded down)" if exact >= 1 else "")


def refusal(error: ArchError) -> str:
    """An ArchError as the designer shows it: without the command line's '--arch: '."""
    text = str(error)
    return text[len("--arch: "):] if text.startswith("--arch: ") else text
