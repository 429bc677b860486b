"""What a network shares with the data it learns from: the input's shape (channels, height,
width), the classes (their names, in label order) and the normalisation (per channel:
x ← (pixel/255 − mean)/std). A dataset carries one (data.Dataset.format), a checkpoint records
the one it was trained on, the ONNX export writes it into its graph and metadata.

MNIST's is the default: 1×28×28, the digits "0" … "9", mean 0.1307 and std 0.3081 (MNIST's
training pixels; every IDX folder keeps these numbers, as it always has). Light to import
(no numpy), so the command line and the checkpoint reader can use it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
DIGITS = tuple(str(d) for d in range(10))
MIN_CLASSES, MAX_CLASSES = 2, 100
CHANNELS = (1, 3)                 # grey or RGB
MIN_SIZE, MAX_SIZE = 4, 64        # image side, pixels (--image-size; MAX_SIZE also caps the default)
MAX_NAME = 100                    # characters of a class name
MAX_SHOWN = 10                    # classes a screen's table or bar chart shows (with more: see shown_classes)


class FormatError(ValueError):
    """A format that cannot be (one line saying why)."""


@dataclass(frozen=True)
class DataFormat:
    channels: int = 1
    height: int = 28
    width: int = 28
    classes: tuple[str, ...] = DIGITS
    mean: tuple[float, ...] = (MNIST_MEAN,)
    std: tuple[float, ...] = (MNIST_STD,)

    def __post_init__(self):
        problem = _problem(self)
        if problem:
            raise FormatError(problem)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.height, self.width)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def colour(self) -> bool:
        return self.channels == 3

    def describe(self) -> str:
        """'1×28×28 grey images in 10 classes' (how the one-line refusals name a format)."""
        return (f"{self.channels}×{self.height}×{self.width} {'colour' if self.colour else 'grey'} images "
                f"in {self.n_classes} classes")

    def same_network(self, other: "DataFormat") -> bool:
        """Can a network trained on one take the other: the same input shape and classes."""
        return self.input_shape == other.input_shape and self.classes == other.classes

    def mismatch(self, other: "DataFormat") -> str:
        """Why a network of `self` cannot take data of `other` ('' when it can)."""
        if self.input_shape != other.input_shape or self.n_classes != other.n_classes:
            return f"{self.describe()}, not {other.describe()}"
        if self.classes != other.classes:
            return (f"classes {_names(self.classes)}, not {_names(other.classes)}")
        return ""

    def as_dict(self) -> dict:
        return {"channels": self.channels, "height": self.height, "width": self.width,
                "classes": list(self.classes), "mean": list(self.mean), "std": list(self.std)}

    @staticmethod
    def from_dict(d) -> "DataFormat":
        """The format a checkpoint recorded; FormatError (one line) for anything else."""
        if not isinstance(d, dict):
            raise FormatError("the data format is not a JSON object")
        keys = {"channels", "height", "width", "classes", "mean", "std"}
        if set(d) != keys:
            odd = sorted(set(d) ^ keys)
            raise FormatError(f"the data format's fields are wrong ({', '.join(map(str, odd))})")
        for key in ("channels", "height", "width"):
            if type(d[key]) is not int:
                raise FormatError(f"the data format's {key} is not a whole number")
        for key in ("classes", "mean", "std"):
            if not isinstance(d[key], list):
                raise FormatError(f"the data format's {key} is not a list")
        for key in ("mean", "std"):
            if not all(type(v) in (int, float) for v in d[key]):
                raise FormatError(f"the data format's {key} holds something that is not a number")
        return DataFormat(d["channels"], d["height"], d["width"], tuple(d["classes"]),
                          tuple(float(v) for v in d["mean"]), tuple(float(v) for v in d["std"]))


def _names(classes) -> str:
    shown = ", ".join(classes[:6]) + (", …" if len(classes) > 6 else "")
    return f"({shown})"


def _problem(f: DataFormat) -> str:
    if f.channels not in CHANNELS or type(f.channels) is not int:
        return f"{f.channels!r} channels; images are grey (1) or colour (3)"
    for side, value in (("height", f.height), ("width", f.width)):
        if type(value) is not int or not MIN_SIZE <= value <= MAX_SIZE:
            return f"image {side} {value!r}; use {MIN_SIZE} to {MAX_SIZE} pixels"
    if not isinstance(f.classes, tuple) or not MIN_CLASSES <= len(f.classes) <= MAX_CLASSES:
        n = len(f.classes) if isinstance(f.classes, (tuple, list)) else f.classes
        return f"{n!r} classes; a dataset has {MIN_CLASSES} to {MAX_CLASSES}"
    if not all(isinstance(c, str) and 0 < len(c) <= MAX_NAME and c.isprintable() for c in f.classes):
        return f"class names must be printable text of 1 to {MAX_NAME} characters"
    if len(set(f.classes)) != len(f.classes):
        return "two classes have the same name"
    for key, values in (("mean", f.mean), ("std", f.std)):
        if not isinstance(values, tuple) or len(values) != f.channels:
            return f"{key} must hold one number per channel ({f.channels})"
        if not all(isinstance(v, float) and math.isfinite(v) for v in values):
            return f"{key} holds something that is not a finite number"
    if not all(0 <= m <= 1 for m in f.mean):
        return "a channel's mean lies outside 0 … 1"
    if not all(1e-3 <= s <= 1 for s in f.std):
        return "a channel's standard deviation lies outside 0.001 … 1"
    return ""


MNIST = DataFormat()


def shown_classes(probs, label: int, most: int = MAX_SHOWN) -> list[int]:
    """The classes a table or bar chart shows: all of them when they are few, else the label's
    and the most probable others (ties to the lower class), in class order."""
    n = len(probs)
    if n <= most:
        return list(range(n))
    order = sorted(range(n), key=lambda k: (-float(probs[k]), k))
    others = [k for k in order if k != label][:most - 1]
    return sorted(others + ([label] if 0 <= label < n else [order[most - 1]]))
