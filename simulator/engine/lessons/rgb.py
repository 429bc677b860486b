"""The RGB-convolution lesson: a colour image [3,H,W], one 3×3×3 filter, the three per-channel
responses and their sum (plus bias), all from ops.conv2d_forward.

    out[i,j] = b + Σ_c Σ_p Σ_q w[c,p,q] · x[c, i+p−1, j+q−1]      (padding 1 keeps H×W)
             = b + Σ_c response_c[i,j]
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ... import paths
from ...errors import UserError
from .. import ops

BUNDLED_IMAGE = paths.SHAPES_IMAGE
STRIDE, PADDING = 1, 1
MAX_SIZE = (96, 72)   # images are shrunk to fit this width×height (keeping aspect) so every pixel shows
MAX_PIXELS = 50_000_000   # a bigger picture is refused: decoding it would take seconds and gigabytes

_SOBEL_X = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], np.float64)
_LAPLACE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float64)
_SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float64)
_EMBOSS = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], np.float64)
_CENTRE = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], np.float64)


def _same(k, scale=1.0):
    """The same 3×3 kernel on every channel, times scale → w[1,3,3,3]."""
    return np.repeat((k * scale)[None, None], 3, axis=1)


def _per_channel(r, g, b):
    return np.stack([r, g, b])[None]


# name → (w[1,3,3,3], bias, one-line description)
FILTERS = {
    "vertical edges": (_same(_SOBEL_X, 1 / 3), 0.0, "Sobel x on every channel: bright→dark left to right"),
    "horizontal edges": (_same(_SOBEL_X.T, 1 / 3), 0.0, "Sobel y on every channel: bright→dark top to bottom"),
    "outline": (_same(_LAPLACE, -1 / 3), 0.0, "negative Laplacian: any change in any direction"),
    "blur": (_same(np.full((3, 3), 1 / 27)), 0.0, "mean of the 27 values under the filter"),
    "sharpen": (_same(_SHARPEN, 1 / 3), 0.0, "centre minus neighbours, summed over channels"),
    "emboss": (_same(_EMBOSS, 1 / 3), 0.0, "a relief lit from the top left"),
    "red minus green": (_per_channel(_CENTRE, -_CENTRE, 0 * _CENTRE), 0.0, "+1 on red, −1 on green, 0 on blue"),
    "blue detector": (_per_channel(-0.5 * _CENTRE, -0.5 * _CENTRE, _CENTRE), 0.0,
                      "+1 on blue, −½ on red and green"),
}


def load_image(path: Path | None = None, max_size: tuple[int, int] = MAX_SIZE) -> np.ndarray:
    """A PNG (or any image Pillow reads) → float64 [3,H,W] in [0,1], shrunk to fit max_size (w, h).
    A missing, damaged or enormous (> MAX_PIXELS) file is a UserError naming it."""
    from PIL import Image
    path = Path(path) if path is not None else BUNDLED_IMAGE
    if not path.is_file():
        raise UserError(f"{path}: image not found" if not path.exists() else f"{path}: not a file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise UserError(f"{path}: image is {im.width}×{im.height} pixels, too big "
                                    f"(at most {MAX_PIXELS / 1e6:.0f} megapixels)")
                im.draft("RGB", (max_size[0] * 2, max_size[1] * 2))     # JPEG: decode at a smaller scale
                im = im.convert("RGB")
                scale = min(1.0, max_size[0] / im.width, max_size[1] / im.height)
                if scale < 1.0:
                    size = (max(3, round(im.width * scale)), max(3, round(im.height * scale)))
                    im = im.resize(size, Image.Resampling.LANCZOS)
                rgb = np.asarray(im, np.float64) / 255.0
    except UserError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(f"{path}: image is too big (at most {MAX_PIXELS / 1e6:.0f} megapixels)") from None
    except Exception as e:      # Pillow reports damaged files in many ways (OSError, SyntaxError, struct.error …)
        detail = " ".join(str(e).split())[:120]
        raise UserError(f"{path}: cannot read image ({e.__class__.__name__}{': ' + detail if detail else ''})") from None
    if rgb.shape[0] < 3 or rgb.shape[1] < 3:
        raise UserError(f"{path}: image is {rgb.shape[1]}×{rgb.shape[0]}, needs at least 3×3")
    return np.ascontiguousarray(rgb.transpose(2, 0, 1))


@dataclass(frozen=True)
class RGBConv:
    image: np.ndarray       # [3,H,W]
    w: np.ndarray           # [1,3,3,3]
    b: float
    responses: np.ndarray   # [3,H,W]: channel c alone, conv2d_forward(x[c], w[c]), no bias
    output: np.ndarray      # [H,W]: conv2d_forward(x, w, b), all channels at once


def convolve(image: np.ndarray, w: np.ndarray, b: float) -> RGBConv:
    """The full 3-channel convolution and each channel's share of it."""
    x = np.ascontiguousarray(image[None], np.float64)
    w = np.ascontiguousarray(w, np.float64)
    out, _ = ops.conv2d_forward(x, w, np.array([b], np.float64), STRIDE, PADDING)
    responses = np.stack([ops.conv2d_forward(np.ascontiguousarray(x[:, c:c + 1]),
                                             np.ascontiguousarray(w[:, c:c + 1]),
                                             np.zeros(1), STRIDE, PADDING)[0][0, 0] for c in range(3)])
    return RGBConv(image, w, float(b), responses, out[0, 0])


def filter_bank() -> tuple[np.ndarray, np.ndarray]:
    """Every filter of FILTERS stacked as one layer: w[K,3,3,3], b[K] (K = len(FILTERS))."""
    return (np.concatenate([w for w, _, _ in FILTERS.values()]).astype(np.float64),
            np.array([b for _, b, _ in FILTERS.values()], np.float64))


def convolve_bank(image: np.ndarray) -> np.ndarray:
    """All filters at once, as a conv layer does: one conv2d_forward of x[1,3,H,W] with w[K,3,3,3]
    → [K,OH,OW]: one output channel per filter."""
    w, b = filter_bank()
    out, _ = ops.conv2d_forward(np.ascontiguousarray(image[None], np.float64), w, b, STRIDE, PADDING)
    return out[0]


def output_size(n: int, f: int = 3, padding: int = 1, stride: int = 1) -> int:
    """(N − F + 2P)/S + 1: rows (or columns) of a conv's output for N input rows (columns)."""
    return (n - f + 2 * padding) // stride + 1


@dataclass(frozen=True)
class PixelDetail:
    """The arithmetic behind one output pixel."""
    i: int
    j: int
    patch: np.ndarray       # [3,3,3] input values under the filter (0 where padding)
    products: np.ndarray    # [3,3,3] patch · w
    channel_sums: np.ndarray  # [3] Σ over each channel's 9 products
    total: float            # b + Σ channel_sums (equals RGBConv.output[i, j])


def pixel_detail(conv: RGBConv, i: int, j: int) -> PixelDetail:
    padded = np.pad(conv.image, ((0, 0), (1, 1), (1, 1)))
    patch = padded[:, i:i + 3, j:j + 3]
    products = patch * conv.w[0]
    sums = products.reshape(3, -1).sum(axis=1)
    return PixelDetail(i, j, patch, products, sums, float(conv.b + sums.sum()))


def default_pixel(image: np.ndarray) -> tuple[int, int]:
    """(i, j): the output pixel the lesson opens on. On an edge, so the first filter (vertical
    edges) has something to show in every channel rather than ~0 over flat sky: scored by the
    smallest of its three channels' |vertical-edge response|, among the pixels away from the
    zero-padded border that score at least half the best, the one nearest the picture's centre."""
    w, b, _ = FILTERS["vertical edges"]
    out = np.abs(convolve(image, w, b).responses).min(axis=0)
    H, W = out.shape
    inner = np.zeros_like(out, bool)
    inner[1:H - 1, 1:W - 1] = True
    if not inner.any():
        inner[:] = True
    strong = inner & (out >= 0.5 * out[inner].max()) if out[inner].max() > 0 else inner
    rows, cols = np.nonzero(strong)
    d = (rows - (H - 1) / 2) ** 2 + (cols - (W - 1) / 2) ** 2
    k = int(np.argmin(d))
    return int(rows[k]), int(cols[k])
