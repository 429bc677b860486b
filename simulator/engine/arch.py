"""The network as one piece of data: a list of layers, written as a short spec.

    conv6k5p2-relu-maxpool2-conv16k5-relu-maxpool2-fc120-relu-fc84-relu-fc10   (LeNet-5, the default)

    conv{filters}k{kernel}[s{stride}][p{padding}]   convolution, square kernel, bias
    maxpool{size}[s{stride}] / avgpool{size}[s{stride}]   pooling (stride defaults to size)
    fc{width}                                        dense layer (a flatten is implied before the first)
    relu / sigmoid / tanh                            activation

Every tensor and parameter is named from its position, as the screens have always called
LeNet-5's: conv1, act1, pool1, conv2, …, flat, fc1, act3, …, logits (the last dense layer's
output), parameters conv1_w [K,C,F,F], conv1_b [K], fc1_w [D,M], fc1_b [M].
`build(spec, input_shape, classes)` checks every shape with the output-size formula and
refuses, in real numbers, a network that cannot work on a C×H×W image (1×28×28, an MNIST
digit, by default), or whose last layer is not fc{classes}. `lenet5_spec(size, classes)` is
the default network for a dataset: LeNet-5 with as many outputs as classes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

from ..errors import UserError

INPUT_SHAPE = (1, 28, 28)      # MNIST's: the default input (C, H, W)
CLASSES = 10                   # MNIST's: the default number of outputs
ACTIVATIONS = ("relu", "sigmoid", "tanh")
POOLS = ("max", "avg")
LENET5_SPEC = "conv6k5p2-relu-maxpool2-conv16k5-relu-maxpool2-fc120-relu-fc84-relu-fc10"

MAX_LAYERS = 40
MAX_FILTERS = 256
MAX_WIDTH = 4096
MAX_PARAMS = 5_000_000          # ~20 MB of float32 weights (+ gradients and momentum): a laptop's worth
MAX_VALUES = 1_000_000          # values in one image's tensors: ×4 bytes ×(outputs + gradients) ×128 images ≈ 1 GB
GRAMMAR = ("conv{filters}k{kernel}[s{stride}][p{padding}], maxpool{size}[s{stride}], "
           "avgpool{size}[s{stride}], fc{width}, relu, sigmoid or tanh")


class ArchError(UserError):
    """A spec that does not parse, or a network whose shapes do not work (one line)."""


@dataclass(frozen=True)
class Conv:
    filters: int
    kernel: int
    stride: int = 1
    padding: int = 0
    name: str = ""

    @property
    def token(self) -> str:
        return (f"conv{self.filters}k{self.kernel}" + (f"s{self.stride}" if self.stride != 1 else "")
                + (f"p{self.padding}" if self.padding else ""))


@dataclass(frozen=True)
class Act:
    kind: str
    name: str = ""

    @property
    def token(self) -> str:
        return self.kind


@dataclass(frozen=True)
class Pool:
    kind: str                    # "max" or "avg"
    size: int
    stride: int
    name: str = ""

    @property
    def token(self) -> str:
        return f"{self.kind}pool{self.size}" + (f"s{self.stride}" if self.stride != self.size else "")


@dataclass(frozen=True)
class Flatten:
    name: str = "flat"

    @property
    def token(self) -> str:
        return ""                # implied by the first fc; never written in a spec


@dataclass(frozen=True)
class Dense:
    width: int
    name: str = ""

    @property
    def token(self) -> str:
        return f"fc{self.width}"


Layer = Conv | Act | Pool | Flatten | Dense
KINDS = (Conv, Act, Pool, Flatten, Dense)


def by_kind(table: dict, layer: Layer):
    """table[type(layer)]: every dispatch on a layer's kind goes through a table keyed by kind,
    so a kind the table does not list is a TypeError here, never run as another kind."""
    try:
        return table[type(layer)]
    except KeyError:
        raise TypeError(f"no entry for layer kind {type(layer).__name__} ({layer!r})") from None


@dataclass(frozen=True)
class Arch:
    """A checked network: its layers (named, Flatten made explicit), for one image the shape
    of the tensor each layer outputs ((C, H, W) before the flatten, (D,) after), and the
    shape of its input. Its spec does not hold the input: the data gives it."""
    layers: tuple[Layer, ...]
    shapes: tuple[tuple[int, ...], ...]
    input_shape: tuple[int, int, int] = INPUT_SHAPE

    @property
    def classes(self) -> int:
        """The number of outputs (the last dense layer's width): one score per class."""
        return self.shapes[-1][0]

    @property
    def spec(self) -> str:
        return "-".join(layer.token for layer in self.layers if layer.token)

    def __str__(self) -> str:
        return self.spec

    @property
    def tensor_names(self) -> tuple[str, ...]:
        """'input' and then every layer's output, in order (as model.Forward.outputs holds them)."""
        return ("input",) + tuple(layer.name for layer in self.layers)

    def shape_of(self, name: str) -> tuple[int, ...]:
        """One image's shape of tensor `name` ('input' included)."""
        if name == "input":
            return self.input_shape
        for layer, shape in zip(self.layers, self.shapes):
            if layer.name == name:
                return shape
        raise KeyError(name)

    def input_shape_of(self, layer: Layer) -> tuple[int, ...]:
        i = self.layers.index(layer)
        return self.input_shape if i == 0 else self.shapes[i - 1]

    def of_type(self, kind: type) -> tuple:
        return tuple(layer for layer in self.layers if isinstance(layer, kind))

    @property
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Parameter name → shape, in layer order: convN_w [K,C,F,F], convN_b [K], fcN_w [D,M], fcN_b [M]."""
        out = {}
        for layer in self.layers:
            shapes = by_kind(_PARAMS, layer)(layer, self.input_shape_of(layer))
            if shapes:
                key = self.param_prefix(layer)
                out[f"{key}_w"], out[f"{key}_b"] = shapes
        return out

    def param_prefix(self, layer: Layer) -> str:
        """The parameters' name stem: the layer's name, but fcN for the logits layer too."""
        return by_kind(_PREFIX, layer)(self, layer)

    @property
    def param_count(self) -> int:
        return sum(_size(shape) for shape in self.param_shapes.values())

    def with_kinds(self, activation: str | None = None, pool: str | None = None) -> "Arch":
        """The same network with every activation (and/or every pooling) of the given kind."""
        return build(_switched(self.layers, activation, pool), self.input_shape, self.classes)


# Per kind: its parameters' shapes (weights, bias) given its input's shape, or None
_PARAMS = {
    Conv: lambda layer, before: ((layer.filters, before[0], layer.kernel, layer.kernel), (layer.filters,)),
    Act: lambda layer, before: None,
    Pool: lambda layer, before: None,
    Flatten: lambda layer, before: None,
    Dense: lambda layer, before: ((before[0], layer.width), (layer.width,)),
}
# Per kind: the stem of its parameters' (and its cache's) names
_PREFIX = {
    Conv: lambda arch, layer: layer.name,
    Act: lambda arch, layer: layer.name,
    Pool: lambda arch, layer: layer.name,
    Flatten: lambda arch, layer: layer.name,
    Dense: lambda arch, layer: f"fc{arch.of_type(Dense).index(layer) + 1}",    # the logits layer too
}


def weighted(layer: Layer) -> bool:
    """Does this kind of layer have parameters (weights and a bias)?"""
    return by_kind(_PARAMS, layer)(layer, (1, 1, 1)) is not None


def parse(spec: str) -> tuple[Layer, ...]:
    """Spec text → unnamed layers (no shape checks). Raises ArchError naming the bad token."""
    text = spec.strip().lower()
    if not text:
        raise ArchError("--arch: the spec is empty; for example " + LENET5_SPEC)
    layers = []
    for token in text.split("-"):
        token = token.strip()
        if not token:
            raise ArchError(f"--arch: {spec.strip()!r} has an empty layer (two '-' in a row, or one at an end)")
        if m := re.fullmatch(r"conv(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?", token):
            f, k, s, p = (int(g) if g is not None else None for g in m.groups())
            layers.append(Conv(f, k, 1 if s is None else s, 0 if p is None else p))
        elif m := re.fullmatch(r"(max|avg)pool(\d+)(?:s(\d+))?", token):
            size = int(m.group(2))
            layers.append(Pool(m.group(1), size, int(m.group(3)) if m.group(3) else size))
        elif m := re.fullmatch(r"fc(\d+)", token):
            layers.append(Dense(int(m.group(1))))
        elif token in ACTIVATIONS:
            layers.append(Act(token))
        else:
            raise ArchError(f"--arch: {token!r} is not a layer; write {GRAMMAR}, joined by '-'")
    return tuple(layers)


def _switched(layers: tuple[Layer, ...], activation: str | None, pool: str | None) -> tuple[Layer, ...]:
    """The layers with every activation of kind `activation` and every pooling of kind `pool` (if given)."""
    return tuple(replace(layer, kind=activation) if isinstance(layer, Act) and activation
                 else replace(layer, kind=pool) if isinstance(layer, Pool) and pool else layer
                 for layer in layers)


def canonical(spec: str, activation: str | None = None, pool: str | None = None) -> str:
    """The spec as build() writes it, with every activation (pool) switched to `activation`
    (`pool`) when given, without checking any shape. ArchError for text that does not parse."""
    layers = _switched(parse(spec), activation, pool)
    for layer in layers:
        if isinstance(layer, Act) and layer.kind not in ACTIVATIONS:
            raise ArchError(f"--arch: activation {layer.kind!r}; choose {', '.join(ACTIVATIONS)}")
        if isinstance(layer, Pool) and layer.kind not in POOLS:
            raise ArchError(f"--arch: pooling {layer.kind!r}; choose {' or '.join(POOLS)}")
    return "-".join(layer.token for layer in layers)


def lenet5_spec(size: tuple[int, int] = INPUT_SHAPE[1:], classes: int = CLASSES) -> str:
    """LeNet-5 for images of `size` (H, W) in `classes` classes: its last layer fc{classes}.

    LeCun et al. (1998) built LeNet-5 for 32×32 inputs: conv1's 5×5 filters make 28×28 maps,
    conv2's 10×10, and fc1 reads 16×5×5. An MNIST digit is 28×28, so conv1 pads it by 2 to make
    those same sizes (the default spec). An image of 32×32 or more gets no padding: a 32×32
    image is exactly the paper's input, and a larger one has its border to lose."""
    pad = "p2" if min(size) < 32 else ""
    return f"conv6k5{pad}-relu-maxpool2-conv16k5-relu-maxpool2-fc120-relu-fc84-relu-fc{classes}"


def build(spec: str | tuple[Layer, ...] = LENET5_SPEC, input_shape: tuple[int, int, int] = INPUT_SHAPE,
          classes: int = CLASSES) -> Arch:
    """A spec (or unnamed layers) → a named, shape-checked Arch for input_shape (C, H, W) and
    `classes` outputs; ArchError says what does not fit."""
    layers = parse(spec) if isinstance(spec, str) else tuple(spec)
    input_shape = tuple(int(d) for d in input_shape)
    if len(layers) > MAX_LAYERS:
        raise ArchError(f"--arch: {len(layers)} layers; at most {MAX_LAYERS}")
    counts: dict[str, int] = {}
    named, shapes = [], []
    shape = input_shape

    def name_for(prefix):
        counts[prefix] = counts.get(prefix, 0) + 1
        return f"{prefix}{counts[prefix]}"

    for layer in layers:
        prefix, shape_of = by_kind(_BUILD, layer)
        if prefix is None:
            continue                      # a flatten: implied by the first fc
        if isinstance(layer, Dense) and len(shape) == 3:
            named.append(Flatten())
            shape = (shape[0] * shape[1] * shape[2],)
            shapes.append(shape)
        layer = replace(layer, name=name_for(prefix))
        shape = shape_of(layer, shape)
        named.append(layer)
        shapes.append(shape)
    per = "digit" if (input_shape, classes) == (INPUT_SHAPE, CLASSES) else "class"
    if not named or not isinstance(named[-1], Dense):
        raise ArchError(f"--arch: the network must end in fc{classes}, one score per {per} "
                        f"(it ends in {named[-1].token if named else 'nothing'!r})")
    if named[-1].width != classes:
        raise ArchError(f"--arch: the last layer is fc{named[-1].width}; it must be fc{classes}, "
                        f"one score per {per} (the data has {classes} classes)")
    named[-1] = replace(named[-1], name="logits")
    arch = Arch(tuple(named), tuple(shapes), input_shape)
    if arch.param_count > MAX_PARAMS:
        raise ArchError(f"--arch: {arch.param_count:,} parameters; at most {MAX_PARAMS:,} "
                        f"(narrow the widest layers or pool before the first fc)")
    values = sum(_size(shape) for layer, shape in zip(arch.layers, arch.shapes) if not isinstance(layer, Flatten))
    if values > MAX_VALUES:
        raise ArchError(f"--arch: its tensors hold {values:,} values per image; at most {MAX_VALUES:,} "
                        f"(fewer filters, or pool or stride sooner)")
    return arch


def _act_shape(layer: Act, shape: tuple[int, ...]) -> tuple[int, ...]:
    if layer.kind not in ACTIVATIONS:
        raise ArchError(f"--arch: activation {layer.kind!r}; choose {', '.join(ACTIVATIONS)}")
    return shape


def _dense_shape(layer: Dense, shape: tuple[int, ...]) -> tuple[int]:
    if not 1 <= layer.width <= MAX_WIDTH:
        raise ArchError(f"--arch: {layer.name} has width {layer.width}; use 1 to {MAX_WIDTH}")
    return (layer.width,)


def _conv_shape(layer: Conv, shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(C, H, W) → (K, OH, OW) with OH = (H − F + 2P)/S + 1, floored as PyTorch does."""
    if len(shape) != 3:
        raise ArchError(f"--arch: {layer.name} ({layer.token}) comes after a dense layer; "
                        f"convolutions need an image, so they all go before the first fc")
    c, h, w = shape
    if not 1 <= layer.filters <= MAX_FILTERS:
        raise ArchError(f"--arch: {layer.name} has {layer.filters} filters; use 1 to {MAX_FILTERS}")
    if layer.kernel < 1 or layer.stride < 1:
        raise ArchError(f"--arch: {layer.name} ({layer.token}): kernel and stride must be at least 1")
    if layer.padding >= layer.kernel:
        raise ArchError(f"--arch: {layer.name} ({layer.token}): padding {layer.padding} must be smaller "
                        f"than the kernel ({layer.kernel}), or some outputs would see only zeros")
    out = _out_size(h, layer.kernel, layer.padding, layer.stride)
    formula = (f"{layer.name}: ({h} − {layer.kernel} + 2·{layer.padding})/{layer.stride} + 1 = "
               f"{_show(out)}")
    if out < 1:
        raise ArchError(f"--arch: {formula}: the kernel is larger than its {h}×{w} input"
                        + (" (with padding)" if layer.padding else ""))
    return (layer.filters, int(out), int(_out_size(w, layer.kernel, layer.padding, layer.stride)))


def _pool_shape(layer: Pool, shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(C, H, W) → (C, OH, OW) with OH = (H − size)/stride + 1, floored."""
    if len(shape) != 3:
        raise ArchError(f"--arch: {layer.name} ({layer.token}) comes after a dense layer; "
                        f"pooling needs an image, so it goes before the first fc")
    if layer.kind not in POOLS:
        raise ArchError(f"--arch: pooling {layer.kind!r}; choose {' or '.join(POOLS)}")
    c, h, w = shape
    if layer.size < 1 or layer.stride < 1:
        raise ArchError(f"--arch: {layer.name} ({layer.token}): size and stride must be at least 1")
    out = _out_size(h, layer.size, 0, layer.stride)
    if out < 1:
        raise ArchError(f"--arch: {layer.name}: ({h} − {layer.size})/{layer.stride} + 1 = {_show(out)}: "
                        f"the window is larger than its {h}×{w} input")
    return (c, int(out), int(_out_size(w, layer.size, 0, layer.stride)))


# Per kind, for build(): (the prefix of its name, its output shape from its input's), None for a flatten
_BUILD = {Conv: ("conv", _conv_shape), Act: ("act", _act_shape), Pool: ("pool", _pool_shape),
          Flatten: (None, None), Dense: ("fc", _dense_shape)}


def _out_size(n: int, f: int, p: int, s: int) -> Fraction:
    """(n − f + 2p)/s + 1, floored when it is at least 1 (PyTorch's rule), exact otherwise."""
    exact = Fraction(n - f + 2 * p, s) + 1
    return Fraction(int(exact // 1)) if exact >= 1 else exact


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _show(x: Fraction) -> str:
    text = str(x.numerator) if x.denominator == 1 else f"{float(x):.2f}"
    return text.replace("-", "−")


LENET5 = build(LENET5_SPEC)
