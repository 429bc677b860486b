"""Snapshot: the immutable record of training that the app's screens read.

The training worker builds one from a StepResult at most ~30 times a second. Everything a
screen shows is in here, already computed by the engine: the network (its Arch), the shown
sample's activations and backward gradients (every tensor of Arch.tensor_names), the conv
weights, the dot-product terms of the selected convolution channel, the pooling routing of the
pool after it (the engine's own pool backward output), the metric history and the colour-scale
limits. Screens only index and format.

Examples are chosen to show the rule, not an edge case (each choice is a field a screen can
caption): the sample shown is the one of its batch the network is least sure of (SAMPLE_RULE),
whose gradients are far from 0 even late in training, when most digits give ∂L/∂y ≈ 10⁻⁸; a
selection without a channel (the worker's default) shows the map whose pooling has the most
windows with one strict, non-zero maximum (CHANNEL_RULE).

Every array is a private copy marked read-only, so a snapshot never changes after it is
published. The functions here are plain NumPy (no Numba, no threads): safe on any thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, NamedTuple

import numpy as np

from .arch import LENET5, Act, Arch, Conv, Dense, Pool
from .data import pixels_of
from .dataformat import MNIST, DataFormat
from .examples import CHANNEL_RULE, SAMPLE_RULE, least_sure, pool_crop, strict_max, typical_channel  # noqa: F401
from .health import HealthReport
from .history import History, frozen
from .model import softmax


class ConvLayer(NamedTuple):
    """A conv layer as the screens follow it: its input tensor, parameters, the activation and
    pooling right after it (None when it has none) and its stride and padding."""
    src: str
    weight: str
    bias: str
    act: str | None
    pool: str | None
    stride: int
    padding: int


def conv_layers(arch: Arch) -> dict[str, ConvLayer]:
    """conv name → ConvLayer, in order; e.g. LeNet-5's conv2: ("pool1", "conv2_w", "conv2_b",
    "act2", "pool2", 1, 0)."""
    out = {}
    layers, names = arch.layers, arch.tensor_names
    for i, layer in enumerate(layers):
        if not isinstance(layer, Conv):
            continue
        after = layers[i + 1:i + 3]
        act = after[0].name if after and isinstance(after[0], Act) else None
        rest = after[1:] if act else after[:1]
        pool = rest[0].name if rest and isinstance(rest[0], Pool) else None
        out[layer.name] = ConvLayer(names[i], f"{layer.name}_w", f"{layer.name}_b", act, pool,
                                    layer.stride, layer.padding)
    return out


def weights_on_screen(arch: Arch) -> tuple[str, ...]:
    """The parameters a snapshot copies: every conv layer's weights and biases."""
    return tuple(n for c in conv_layers(arch).values() for n in (c.weight, c.bias))


def finite_limit(*arrays, floor: float = 1e-12) -> float:
    """max |v| over the finite values of the arrays (the half-width of a heat-map scale)."""
    best = 0.0
    for a in arrays:
        a = np.asarray(a)
        fin = a[np.isfinite(a)]
        if fin.size:
            best = max(best, float(np.abs(fin).max()))
    return max(best, floor)


# ----------------------------------------------------------------------------- convolution

@dataclass(frozen=True)
class ConvWindow:
    """One output pixel of a convolution, term by term:
    result = Σ_c,p,q weights[c,p,q] · patch[c,p,q] + bias."""
    layer: str
    channel: int            # output channel k
    y: int
    x: int
    patch: np.ndarray       # [C,FH,FW] the input under the window (zeros where it is padding)
    weights: np.ndarray     # [C,FH,FW] filter k
    products: np.ndarray    # [C,FH,FW] weights · patch
    total: float            # Σ products
    bias: float
    result: float           # total + bias (pre-activation)
    activation: float       # the forward pass's activation output at (k, y, x)
    forward_value: float    # the forward pass's conv output at (k, y, x), from ops.conv2d_forward

    @property
    def channel_sums(self) -> np.ndarray:
        """[C] Σ over rows and columns of each input channel's products (they add up to total)."""
        return self.products.reshape(self.products.shape[0], -1).sum(axis=1)

    def top_terms(self, n: int) -> list[tuple[int, int, int, float, float, float]]:
        """The n terms with the largest |product|: (c, p, q, weight, input, product)."""
        products = self.products.ravel()
        order = np.argsort(-np.abs(products), kind="stable")[:n].tolist()
        weights, patch = self.weights.ravel(), self.patch.ravel()
        _, fh, fw = self.products.shape
        out = []
        for i in order:          # called every frame by the app: plain ints, no unravel_index
            c, rest = divmod(i, fh * fw)
            p, q = divmod(rest, fw)
            out.append((c, p, q, float(weights[i]), float(patch[i]), float(products[i])))
        return out


@dataclass(frozen=True)
class ConvTerms:
    """Every window of one output channel of a conv layer for one sample."""
    layer: str
    channel: int
    stride: int
    padding: int
    in_shape: tuple         # (C, H, W) before padding
    padded: np.ndarray      # [C, H+2P, W+2P]
    weights: np.ndarray     # [C,FH,FW]
    bias: float
    products: np.ndarray    # [OH,OW,C,FH,FW]
    sums: np.ndarray        # [OH,OW]  Σ products
    results: np.ndarray     # [OH,OW]  sums + bias
    forward: np.ndarray     # [OH,OW]  the forward pass's conv output (ops.conv2d_forward)
    activations: np.ndarray  # [OH,OW] the forward pass's activation output

    @property
    def out_shape(self) -> tuple:
        return self.sums.shape

    @property
    def filter_size(self) -> int:
        return self.weights.shape[1]

    def busy(self) -> np.ndarray:
        """[OH,OW] bool: windows that cover some of the image's content, i.e. a real (not
        padding) input value above the input's minimum (the blank background). Presenter mode
        sweeps only these."""
        C, H, W = self.in_shape
        P, s = self.padding, self.stride
        real = self.padded[:, P:P + H, P:P + W]
        content = np.zeros(self.padded.shape[1:], bool)
        content[P:P + H, P:P + W] = (real > real.min()).any(axis=0)
        fh, fw = self.weights.shape[1:]
        win = np.lib.stride_tricks.sliding_window_view(content, (fh, fw))[::s, ::s]
        return win.any(axis=(2, 3))[:self.sums.shape[0], :self.sums.shape[1]]

    def window(self, y: int, x: int) -> ConvWindow:
        fh, fw = self.weights.shape[1:]
        s = self.stride
        patch = self.padded[:, y * s:y * s + fh, x * s:x * s + fw]
        return ConvWindow(self.layer, self.channel, y, x, patch, self.weights, self.products[y, x],
                          float(self.sums[y, x]), self.bias, float(self.results[y, x]),
                          float(self.activations[y, x]), float(self.forward[y, x]))


def conv_terms(x: np.ndarray, w: np.ndarray, b: np.ndarray, k: int, stride: int = 1, padding: int = 0,
               layer: str = "conv", forward: np.ndarray | None = None,
               activations: np.ndarray | None = None) -> ConvTerms:
    """x[C,H,W], w[K,C,FH,FW], b[K], channel k → every window's products w[k]·patch, their sum,
    and sum + b[k]. `forward`/`activations` [OH,OW] are the forward pass's values to show beside them."""
    x = np.asarray(x)
    C, H, W = x.shape
    _, WC, FH, FW = w.shape
    if WC != C:
        raise ValueError(f"conv_terms: x has {C} channels, w expects {WC} (x {x.shape}, w {w.shape})")
    padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (FH, FW), axis=(1, 2))[:, ::stride, ::stride]
    # windows [C,OH,OW,FH,FW] → [OH,OW,C,FH,FW]
    windows = windows.transpose(1, 2, 0, 3, 4)
    products = windows * w[k][None, None]
    sums = products.sum(axis=(2, 3, 4))
    bias = float(b[k])
    results = sums + b[k]
    forward = results if forward is None else forward
    activations = results if activations is None else activations
    return ConvTerms(layer, int(k), stride, padding, (C, H, W), frozen(padded), frozen(w[k]), bias,
                     frozen(products), frozen(sums), frozen(results), frozen(forward), frozen(activations))


def conv_window(x, w, b, k: int, y: int, xpos: int, stride: int = 1, padding: int = 0) -> ConvWindow:
    """The products, sum, bias and result of conv output pixel (k, y, xpos) for one sample x[C,H,W]."""
    return conv_terms(x, w, b, k, stride, padding).window(y, xpos)


# ----------------------------------------------------------------------------- pooling

@dataclass(frozen=True)
class PoolTrace:
    """One channel of a pooling layer, forward and backward, for one sample."""
    layer: str              # "pool1", "pool2", …
    kind: str               # "max" | "avg"
    channel: int
    size: int
    stride: int
    x: np.ndarray           # [H,W]   pool input (the activation map)
    y: np.ndarray           # [OH,OW] pooled output
    argmax: np.ndarray | None  # [OH,OW] flat index ih·W+iw of each window's max (max pool)
    dy: np.ndarray          # [OH,OW] gradient arriving at the pooled map
    dx: np.ndarray          # [H,W]   gradient routed back: the engine's pool backward output
    crop: tuple             # (first window row, first window col, windows per side) worth showing

    def window_values(self, i: int, j: int) -> np.ndarray:
        """[size,size] the pool input under window (i, j)."""
        s, k = self.stride, self.size
        return self.x[i * s:i * s + k, j * s:j * s + k]

    def window_kind(self, i: int, j: int) -> str:
        """"strict" (one largest value, > 0), "tie" (two or more share the maximum) or "zero"
        (the maximum is 0: nothing passed the ReLU)."""
        v = self.window_values(i, j)
        top = v.max()
        if top == 0:
            return "zero"
        return "tie" if int((v == top).sum()) > 1 else "strict"

    def window_argmax(self, i: int, j: int) -> tuple[int, int] | None:
        """(row, col) in x of the max of window (i, j), or None for average pooling."""
        if self.argmax is None:
            return None
        a = int(self.argmax[i, j])
        return divmod(a, self.x.shape[1])


# ----------------------------------------------------------------------------- snapshot

@dataclass(frozen=True)
class Snapshot:
    seq: int                        # increases with every publication
    status: str                     # "running" | "paused" | "diverged"
    step: int
    epoch: int
    epoch_progress: float           # fraction of the current epoch done
    batch_size: int
    lr: float
    speed: str
    images_per_sec: float
    activation: str | None          # the kind of the network's first activation / pooling (None: none)
    pool: str | None
    loss: float                     # the last batch's loss
    batch_acc: float
    history: History
    sample_index: int               # training-set index of the sample shown
    label: int
    prediction: int
    probs: np.ndarray               # [10] softmax of the sample's logits
    acts: Mapping[str, np.ndarray]  # the shown sample's forward tensors by arch.tensor_names
    grads: Mapping[str, np.ndarray]  # ∂(batch mean loss)/∂(the shown sample's tensor), same names but "input"
    weights: Mapping[str, np.ndarray]  # weights_on_screen(arch)
    limits: Mapping[str, float]     # colour-scale half-widths (see snapshot_limits)
    conv: ConvTerms | None          # the selected conv channel (None: the network has no conv)
    pool_trace: PoolTrace | None    # the pool right after it (None: it has none)
    diverged: bool = False
    message: str = ""
    steps_per_epoch: int = 0        # training steps in one pass over the training set
    arch: Arch = LENET5             # the network
    sample_pos: int = 0             # the shown sample's position in its batch
    sample_rule: str = SAMPLE_RULE  # why that sample (words a screen can show)
    channel_auto: bool = False      # the conv channel was chosen by CHANNEL_RULE, not by a click
    channel_rule: str = CHANNEL_RULE
    lr_peak: float = 0.0            # the schedule's peak (what [ ] move); lr is this step's rate
    schedule: str = "constant"      # the learning-rate schedule (config.SCHEDULES)
    test: HealthReport | None = None  # the whole test set at the last epoch's end: accuracy, dead maps (None: none yet)
    format: DataFormat = MNIST      # the data's channels, size, class names and normalisation
    pixels: np.ndarray | None = None  # uint8 [H,W,C]: the shown sample as a picture (acts["input"] un-normalised)


def build_snapshot(*, seq: int, status: str, trainer, result, weights_used: Mapping[str, np.ndarray],
                   history: History, speed: str, images_per_sec: float, selection: tuple[str, int | None],
                   message: str = "", test: HealthReport | None = None) -> Snapshot:
    """Copy what the screens need out of a StepResult and the trainer, for the sample of the
    batch the network is least sure of (least_sure).

    weights_used: copies of weights_on_screen(arch) taken before the step. The optimiser updates
    the parameters in place after the forward pass, so only these match the activations.
    selection: (conv layer, channel); a layer the network lacks falls back to its first conv,
    a channel beyond the layer's filters to its last, channel None to typical_channel's choice.
    test: the last whole-test-set evaluation, or None."""
    fwd, dacts = result.fwd, result.dacts
    arch = trainer.model.arch
    convs = conv_layers(arch)
    labels = trainer.train_y[result.indices]
    n = least_sure(fwd.outputs["logits"], labels)
    acts = {name: frozen(fwd.outputs[name][n]) for name in arch.tensor_names}
    grads = {name: frozen(dacts[name][n]) for name in arch.tensor_names if name in dacts}
    weights = {name: frozen(weights_used[name]) for name in weights_on_screen(arch)}

    terms = pool_trace = None
    auto = False
    if convs:
        layer, k = selection
        layer = layer if layer in convs else next(iter(convs))
        conv = convs[layer]
        out = conv.act or layer
        if k is None:
            auto = True
            cache = fwd.caches.get(conv.pool) if conv.pool else None
            is_max = cache is not None and hasattr(cache, "argmax")
            k = typical_channel(fwd.outputs[out][n], cache.size if is_max else None,
                                cache.stride if is_max else None)
        k = min(max(0, int(k)), fwd.outputs[layer].shape[1] - 1)
        terms = conv_terms(fwd.outputs[conv.src][n], weights[conv.weight], weights[conv.bias], k, conv.stride,
                           conv.padding, layer, fwd.outputs[layer][n, k], fwd.outputs[out][n, k])
        if conv.pool:
            pool_trace = _pool_trace(conv.pool, out, k, fwd, dacts, n)

    logits = fwd.outputs["logits"][n:n + 1]
    probs = frozen(softmax(logits.astype(np.float64))[0])
    finite_probs = np.isfinite(probs).all()
    label = int(labels[n])
    limits = snapshot_limits(arch, acts, weights, terms, pool_trace)
    diverged = not np.isfinite(result.loss)
    config = trainer.model.config
    return Snapshot(
        seq=seq, status="diverged" if diverged else status, step=trainer.step_count, epoch=trainer.epoch,
        epoch_progress=trainer.batch_in_epoch / trainer.batches_per_epoch, batch_size=trainer.config.batch_size,
        lr=trainer.lr, speed=speed, images_per_sec=images_per_sec, activation=config.activation,
        pool=config.pool, loss=float(result.loss), batch_acc=result.correct / len(result.indices), history=history,
        sample_index=int(result.indices[n]), label=label,
        prediction=int(np.argmax(probs)) if finite_probs else -1, probs=probs,
        acts=MappingProxyType(acts), grads=MappingProxyType(grads), weights=MappingProxyType(weights),
        limits=MappingProxyType(limits), conv=terms, pool_trace=pool_trace, diverged=diverged, message=message,
        steps_per_epoch=trainer.batches_per_epoch, arch=arch, sample_pos=n, channel_auto=auto,
        lr_peak=trainer.peak, schedule=trainer.config.schedule, test=test, format=trainer.format,
        pixels=frozen(pixels_of(acts["input"], trainer.format)))


def _pool_trace(pooln: str, src: str, k: int, fwd, dacts, n: int = 0) -> PoolTrace:
    """Channel k of pooling layer pooln (whose input is tensor src) for sample n, forward and backward."""
    cache = fwd.caches[pooln]
    kind = "max" if hasattr(cache, "argmax") else "avg"
    argmax = frozen(cache.argmax[n, k]) if kind == "max" else None
    x_map, y_map = fwd.outputs[src][n, k], fwd.outputs[pooln][n, k]
    dy_map, dx_map = dacts[pooln][n, k], dacts[src][n, k]
    crop = pool_crop(dy_map, y_map, 3, strict_max(x_map, cache.size, cache.stride) if kind == "max" else None)
    return PoolTrace(pooln, kind, k, cache.size, cache.stride, frozen(x_map), frozen(y_map), argmax,
                     frozen(dy_map), frozen(dx_map), crop)


def snapshot_limits(arch: Arch, acts, weights, terms, pool_trace) -> dict[str, float]:
    """Colour-scale half-widths: "input"; "stage{i}" (conv block i's activation and pooled maps,
    or its conv output when it has neither); "convN_w"; "conv_out" (the selected channel's
    conv output), "pool_x" and "pool_grad" (its pool's input, and the gradients through it);
    "flat"; "fcN" (dense layer N's output after its activation) and "logits"."""
    limits = {"input": finite_limit(acts["input"]), "flat": finite_limit(acts["flat"]),
              "logits": finite_limit(acts["logits"])}
    for i, (name, conv) in enumerate(conv_layers(arch).items(), 1):
        shown = [acts[n] for n in (conv.act, conv.pool) if n] or [acts[name]]
        limits[f"stage{i}"] = finite_limit(*shown)
        limits[conv.weight] = finite_limit(weights[conv.weight])
    layers = arch.layers
    for i, layer in enumerate(layers):
        if isinstance(layer, Dense) and layer.name != "logits":
            after = layers[i + 1] if i + 1 < len(layers) and isinstance(layers[i + 1], Act) else layer
            limits[arch.param_prefix(layer)] = finite_limit(acts[after.name])
    if terms is not None:
        limits["conv_out"] = finite_limit(terms.forward)
    if pool_trace is not None:
        limits["pool_x"] = finite_limit(pool_trace.x)
        limits["pool_grad"] = finite_limit(pool_trace.dy, pool_trace.dx)
    return limits

