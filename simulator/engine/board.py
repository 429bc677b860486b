"""`train --tensorboard DIR`: what TensorBoard shows of a run.

    scalars   train/loss, train/images_per_sec (every 50 steps), test/accuracy, test/loss (each epoch)
    graph     the network's ONNX graph (export.build_model), once at the start; skipped with one
              printed line when onnx is not installed
    images    at each epoch's end: every conv layer's filters (filters/convN, one row per filter,
              one column per input channel) and the feature maps one fixed test image makes after
              each conv layer (maps/actN, or maps/convN when no activation follows); the image
              itself once (input/digit for MNIST, input/image for other data, in colour if it is)

Colours as in the app: orange > 0, blue < 0, dark grey = 0, one symmetric scale per picture:
the 98th percentile of its non-zero |values| (as the 3D lesson), so one large value does not leave
the rest grey; larger values take the full colour. Pixels are enlarged (nearest) so a 5×5
filter is readable. A first conv layer on one input channel shows its filters side by side; on
colour input (three channels, R, G, B) each filter is one colour patch (filters/convN: the
weights of the three channels as the red, green and blue of each pixel, mid-grey for 0, one
scale for the layer: what colour the filter answers most), and its per-channel weights as the
other layers' (filters/convN/channels).
"""
from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np

from ..errors import UserError, extra_hint
from .arch import Act, Arch, Conv
from .data import normalise
from .dataformat import MNIST, DataFormat

POSITIVE, NEGATIVE, ZERO = np.array((255, 140, 60)), np.array((70, 150, 255)), np.array((78, 82, 96))
MAX_ROWS, MAX_COLS = 32, 16       # filters or maps shown per picture (the rest are left out)
TARGET_WIDTH = 720                # pixels a picture is enlarged towards
INSTALL_HINT = extra_hint("tensorboard", "tensorboardX onnx")


def open_writer(log_dir: Path):
    """A tensorboardX SummaryWriter on log_dir, or a UserError saying how to install it."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise UserError(f"--tensorboard needs tensorboardX: {INSTALL_HINT}") from None
    return SummaryWriter(str(log_dir))


def add_graph(writer, arch: Arch, params: dict, log=print, fmt: DataFormat = MNIST) -> bool:
    """The network's ONNX graph into the event file; False (and one line) if onnx is missing."""
    from .export import build_model
    try:
        model = build_model(arch, params, fmt=fmt)
    except UserError:
        log(f"--tensorboard: no network graph (it is drawn from the ONNX export, which needs onnx: {INSTALL_HINT})")
        return False
    # tensorboardX turns graph inputs and outputs into nodes of their own, named like the tensor:
    # 'logits' is also the last node's name, so the outputs are left out to keep names unique,
    # and the parameters are listed as inputs, so each shows as a node with its shape
    from onnx import helper
    del model.graph.output[:]
    model.graph.input.extend(helper.make_tensor_value_info(t.name, t.data_type, t.dims)
                             for t in model.graph.initializer)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.onnx"
        path.write_bytes(model.SerializeToString())
        with contextlib.redirect_stdout(io.StringIO()):      # tensorboardX prints every node's name
            writer.add_onnx_graph(str(path))
    return True


def add_start(writer, arch: Arch, model, image: np.ndarray, step: int, log=print, fmt: DataFormat = MNIST) -> None:
    """At the start of a run: the graph, the image (uint8 [H,W] grey or [H,W,3] colour) and the
    first pictures."""
    add_graph(writer, arch, model.params, log, fmt)
    rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image
    tag = "input/digit" if fmt == MNIST else "input/image"
    writer.add_image(tag, enlarge(rgb, max(1, 224 // max(rgb.shape[:2]))), step, dataformats="HWC")
    add_pictures(writer, arch, model, image, step, fmt)


def add_pictures(writer, arch: Arch, model, image: np.ndarray, step: int, fmt: DataFormat = MNIST) -> None:
    """Filters of every conv layer of `model` and the feature maps `image` makes, at `step`."""
    outputs = model.forward(normalise(image[None], fmt=fmt)).outputs
    for name, tensor in pictures(arch, model.params, outputs).items():
        writer.add_image(name, tensor, step, dataformats="HWC")


def pictures(arch: Arch, params: dict, outputs: dict) -> dict[str, np.ndarray]:
    """{tag: RGB uint8 [H,W,3]}: filters/convN (and filters/convN/channels on colour input) and
    maps/<tensor after convN>."""
    out = {}
    for i, layer in enumerate(arch.layers):
        if not isinstance(layer, Conv):
            continue
        w = params[f"{layer.name}_w"]                                    # [K,C,F,F]
        if i == 0 and w.shape[1] == 3:                                   # on the RGB planes
            out[f"filters/{layer.name}"] = colour_patches(w[:MAX_ROWS * 8], min(len(w), 8))
            out[f"filters/{layer.name}/channels"] = tile(w[:MAX_ROWS, :MAX_COLS])
        else:
            grid = _rows(w[:MAX_ROWS * 8, 0], min(len(w), 8)) if w.shape[1] == 1 else w[:MAX_ROWS, :MAX_COLS]
            out[f"filters/{layer.name}"] = tile(grid)
        after = arch.layers[i + 1] if i + 1 < len(arch.layers) else None
        name = after.name if isinstance(after, Act) else layer.name
        maps = outputs[name][0]                                          # [K,H,W]
        cols = min(len(maps), 8)
        out[f"maps/{name}"] = tile(_rows(maps[:MAX_ROWS * 8], cols))
    return out


def colour_patches(w: np.ndarray, cols: int) -> np.ndarray:
    """Filters on RGB input [K,3,F,F] → one picture: each filter an F×F colour patch, pixel
    (R, G, B) = 128 + 127·(w_R, w_G, w_B)/limit (limit: the layer's largest |weight|), in rows
    of `cols` with 1-pixel gaps, enlarged as tile() does."""
    k, _, f, _ = w.shape
    limit = float(np.abs(w).max()) or 1.0
    rows = -(-k // cols)
    canvas = np.zeros((rows * (f + 1) + 1, cols * (f + 1) + 1, 3), np.uint8)
    rgb = np.clip(np.rint(128 + 127 * np.asarray(w, np.float64) / limit), 0, 255).astype(np.uint8)
    for j in range(k):
        r, c = divmod(j, cols)
        canvas[1 + r * (f + 1):1 + r * (f + 1) + f, 1 + c * (f + 1):1 + c * (f + 1) + f] = rgb[j].transpose(1, 2, 0)
    return enlarge(canvas, max(1, min(16, TARGET_WIDTH // canvas.shape[1])))


def _rows(maps: np.ndarray, cols: int) -> np.ndarray:
    """[K,H,W] → [rows, cols, H, W], the last row padded with NaN (drawn as background)."""
    k, h, w = maps.shape
    rows = -(-k // cols)
    grid = np.full((rows * cols, h, w), np.nan, np.float64)
    grid[:k] = maps
    return grid.reshape(rows, cols, h, w)


def tile(grid: np.ndarray) -> np.ndarray:
    """[R, C, H, W] values → one RGB uint8 picture: R rows by C columns of H×W cells, 1-pixel
    gaps, enlarged so it is about TARGET_WIDTH wide; one colour scale for the whole picture."""
    r, c, h, w = grid.shape
    limit = scale_of(grid)
    canvas = np.full((r * (h + 1) + 1, c * (w + 1) + 1, 3), 0, np.uint8)
    for i in range(r):
        for j in range(c):
            cell = grid[i, j]
            if np.isnan(cell).all():
                continue
            canvas[1 + i * (h + 1):1 + i * (h + 1) + h, 1 + j * (w + 1):1 + j * (w + 1) + w] = colour(cell, limit)
    return enlarge(canvas, max(1, min(16, TARGET_WIDTH // canvas.shape[1])))


def scale_of(values: np.ndarray) -> float:
    """The 98th percentile of the finite non-zero |values| (1 if there are none)."""
    v = np.abs(np.asarray(values, np.float64))
    v = v[np.isfinite(v) & (v != 0)]
    return float(np.percentile(v, 98)) if v.size else 1.0


def colour(values: np.ndarray, limit: float) -> np.ndarray:
    """values → RGB uint8 [...,3]: 0 → ZERO, +limit → POSITIVE, −limit → NEGATIVE, linear between
    (beyond ±limit: the full colour)."""
    v = np.nan_to_num(np.asarray(values, np.float64))
    t = np.clip(v / (limit or 1.0), -1.0, 1.0)[..., None]
    rgb = np.where(t >= 0, ZERO + (POSITIVE - ZERO) * t, ZERO + (NEGATIVE - ZERO) * -t)
    return rgb.astype(np.uint8)


def enlarge(rgb: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour enlargement: every pixel becomes scale×scale."""
    return np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
