"""Pictures into arrays for imagefolder.py: Pillow decodes each file, converts it to RGB (16-bit
grey scaled to 8 bits, transparency over white) and resizes it; the most common size; each
channel's mean and standard deviation. A file Pillow cannot read, or a truncated one, is a
DataError naming it; after a whole pass the first is reported with a count of the others.
"""
from __future__ import annotations

import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from .data import DataError
from .dataformat import MAX_SIZE, MIN_SIZE

MAX_IMAGE_PIXELS = 50_000_000        # one picture (as the rgb lesson): beyond it a file is refused, not decoded
PROGRESS_FROM = 200                  # images: a progress bar from this many


def open_image(path: Path):
    """Pillow's lazy image (header read, pixels not yet), or a DataError naming the file."""
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(path)
    except Exception as e:                       # a file Pillow cannot identify, or cannot read
        raise DataError(f"{path}: not an image Pillow can read ({one_line(e)})") from None
    w, h = image.size
    if w * h > MAX_IMAGE_PIXELS or w < 1 or h < 1:
        image.close()
        raise DataError(f"{path}: {w}×{h} pixels; a picture may have at most {MAX_IMAGE_PIXELS:,}")
    return image


def common_size(files, root: Path) -> tuple[int, int]:
    """The most common (H, W) among the images (read from their headers), shrunk to fit
    MAX_SIZE×MAX_SIZE keeping its shape; a file that does not open stops here."""
    sizes, bad = Counter(), []
    for path, *_ in files:
        try:
            with open_image(path) as image:
                sizes[image.size[::-1]] += 1
        except DataError as e:
            bad.append(str(e))
    refuse(bad)
    (h, w), _ = max(sizes.items(), key=lambda item: (item[1], item[0][0] * item[0][1]))
    scale = min(1.0, MAX_SIZE / max(h, w))
    h, w = max(1, round(h * scale)), max(1, round(w * scale))
    if min(h, w) < MIN_SIZE:
        raise DataError(f"{root}: the images are mostly {h}×{w}; at least {MIN_SIZE}×{MIN_SIZE} is needed "
                        f"(or give --image-size)")
    return h, w


def decode_all(files, root: Path, size: tuple[int, int], progress: bool) -> list[np.ndarray]:
    from tqdm import tqdm
    out, bad = [], []
    bar = tqdm(files, desc=f"decoding {root.name or root}", unit="image", file=sys.stderr, leave=False,
               disable=not progress or len(files) < PROGRESS_FROM, dynamic_ncols=True)
    for path, *_ in bar:
        try:
            out.append(decode(path, size))
        except DataError as e:
            bad.append(str(e))
    bar.close()
    refuse(bad)
    return out


def decode(path: Path, size: tuple[int, int]) -> np.ndarray:
    """One file → uint8 [H, W, 3] at size (H, W): Pillow decodes it (a truncated or damaged file
    is a DataError naming it), converts it to RGB (16-bit grey scaled to 8 bits, transparency
    over white) and resizes it (bilinear, antialiased when shrinking)."""
    from PIL import Image
    h, w = size
    image = open_image(path)
    try:
        with image, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if image.format == "JPEG":
                image.draft("RGB", (w, h))          # JPEG can decode at 1/2, 1/4, 1/8 scale: faster
            image.load()
            rgb = _to_rgb(image)
            if rgb.size != (w, h):
                rgb = rgb.resize((w, h), Image.Resampling.BILINEAR)
            return np.asarray(rgb, np.uint8).copy()
    except DataError:
        raise
    except Exception as e:                          # truncated, damaged, an unsupported variant …
        raise DataError(f"{path}: cannot decode this image ({one_line(e)})") from None


def _to_rgb(image):
    from PIL import Image
    mode = image.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        a = np.asarray(image, np.float64)
        a = a / 257.0 if mode != "F" and a.max(initial=0) > 255 else a
        image = Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "L")
        mode = "L"
    if mode == "P" and "transparency" in image.info or mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def is_grey(image: np.ndarray) -> bool:
    return bool((image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all())


def refuse(bad: list[str]) -> None:
    if bad:
        more = f" (and {len(bad) - 1} more file{'s' if len(bad) > 2 else ''} like it: fix or delete them)" \
            if len(bad) > 1 else " (fix or delete it)"
        raise DataError(bad[0] + more)


def channel_stats(images: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per channel, the mean and standard deviation of images/255 (uint8 [N,H,W] or [N,H,W,C])."""
    x = images[..., None] if images.ndim == 3 else images
    c = x.shape[-1]
    flat = x.reshape(-1, c)
    sums = np.zeros(c, np.float64)
    squares = np.zeros(c, np.float64)
    for start in range(0, len(flat), 1 << 22):          # in blocks: no float copy of the whole set
        block = flat[start:start + (1 << 22)].astype(np.float64)
        sums += block.sum(axis=0)
        squares += (block * block).sum(axis=0)
    n = max(1, len(flat))
    mean = sums / n
    std = np.sqrt(np.maximum(squares / n - mean * mean, 0.0))
    return (tuple(round(float(m) / 255.0, 6) for m in mean),
            tuple(max(0.001, round(float(s) / 255.0, 6)) for s in std))


def one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or e.__class__.__name__
    return text[:160]
