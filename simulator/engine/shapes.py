"""`--data shapes`: a colour dataset made here, from a seed, so colour works offline on a fresh clone.

Six classes, where both the shape and the colour decide: {blue, green, red} × {circle, triangle}
("blue-circle", …, "red-triangle"). Each 32×32 picture has a tinted background with a gradient,
a circle or a turned triangle of random size near the middle (± 8 pixels), up to three thin
clutter lines of random colour, and pixel noise: LeNet-5 with `train`'s defaults needs a few
epochs (58–88% test accuracy after epoch 1, 99.1–99.8% after epoch 5 in four runs of seeds 0–2;
the colours are learnt first, then the shapes colour by colour, and a run can stay an epoch or
two on one colour's circles and triangles).
On first use the pictures are written into the user cache (paths.shapes_dir()) as a normal
image folder of PNGs, train/<class>/ (4,000 each) and test/<class>/ (500 each), so they can be
looked at and are read like any other folder (imagefolder.py).

The three colours have the same brightness. Every picture is made as a grey picture first (the
brightness of each pixel, from the random draws alone) and then tinted: a pixel gets RGB values
whose grey value, as Pillow computes it (L = (19595 R + 38470 G + 7471 B + 32768) >> 16), is
exactly that brightness. So the grey copy of a red circle is the grey copy of a green or a blue
circle drawn with the same random numbers, pixel for pixel: on grey copies the three colours
cannot be told apart by any network (a grey run can reach at most 1/3 accuracy), while in
colour they can (tests/test_shapes.py checks the first; the README reports both runs).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from .. import paths
from .dataformat import DataFormat

VERSION = "1"                     # change it when the pictures change: the cache is made again
SEED = 21
SIZE = 32
COLOURS = ("blue", "green", "red")
SHAPES = ("circle", "triangle")
CLASSES = tuple(f"{c}-{s}" for c in COLOURS for s in SHAPES)          # sorted, as folder names sort
COUNTS = {"train": 4000, "test": 500}                                 # pictures per class
R_MIN, R_MAX, JITTER = 4.0, 9.0, 8.0     # radius (pixels), how far from the middle
SUPER = 4                         # sub-pixels per pixel side, for smooth edges
# Tints with no brightness (0.299 r + 0.587 g + 0.114 b = 0), 80 at their strongest channel
PILLOW_WEIGHTS = np.array([19595, 38470, 7471])
_RED = np.array([1.0, -0.299 / 0.701, -0.299 / 0.701])
_GREEN = np.array([-0.587 / 0.413, 1.0, -0.587 / 0.413])
_BLUE = np.array([-0.114 / 0.886, -0.114 / 0.886, 1.0])
TINTS = {name: 80.0 * t / np.abs(t).max() for name, t in (("red", _RED), ("green", _GREEN), ("blue", _BLUE))}


# The set's shape and classes (its normalisation is measured when it is read: these are placeholders)
FORMAT = DataFormat(3, SIZE, SIZE, CLASSES, (0.5,) * 3, (0.25,) * 3)


def _zero_luma(v: np.ndarray) -> np.ndarray:
    """v minus its brightness, so it tints without brightening."""
    return v - (v @ np.array([0.299, 0.587, 0.114]))


def _paint(luma: np.ndarray, tint: np.ndarray, inside, cx: float, cy: float, reach: float,
           value: float, colour: np.ndarray) -> None:
    """Blend brightness `value` and tint `colour` into luma [SIZE, SIZE] and tint [SIZE, SIZE, 3]
    by coverage: the fraction of each pixel's SUPER×SUPER sub-pixels for which inside(dx, dy)
    holds (dx, dy: sub-pixel centre minus (cx, cy)), looked for within `reach` pixels of (cx, cy)."""
    x0, x1 = max(0, int(cx - reach)), min(SIZE, int(np.ceil(cx + reach)) + 1)
    y0, y1 = max(0, int(cy - reach)), min(SIZE, int(np.ceil(cy + reach)) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    sx = x0 + (np.arange((x1 - x0) * SUPER) + 0.5) / SUPER
    sy = y0 + (np.arange((y1 - y0) * SUPER) + 0.5) / SUPER
    hit = inside(sx[None, :] - cx, sy[:, None] - cy)
    a = hit.reshape(y1 - y0, SUPER, x1 - x0, SUPER).mean(axis=(1, 3))
    box = luma[y0:y1, x0:x1]
    box += (value - box) * a
    box = tint[y0:y1, x0:x1]
    box += (colour - box) * a[..., None]


def _outline(shape: str, r: float, turn: float):
    """inside(dx, dy) of a circle of radius r, or of an equilateral triangle turned by `turn`
    whose sides lie 0.55·r from its centre (its corners 1.1·r)."""
    if shape == "circle":
        return lambda dx, dy: dx * dx + dy * dy <= r * r
    if shape == "triangle":
        (c0, s0), (c1, s1), (c2, s2) = [(np.cos(turn + 2 * np.pi * k / 3), np.sin(turn + 2 * np.pi * k / 3))
                                        for k in range(3)]
        h = 0.55 * r
        return lambda dx, dy: (c0 * dx + s0 * dy <= h) & (c1 * dx + s1 * dy <= h) & (c2 * dx + s2 * dy <= h)
    raise ValueError(f"shape {shape!r}; choose {', '.join(SHAPES)}")


def render(rng: np.random.Generator, shape: str, colour: str) -> tuple[np.ndarray, np.ndarray]:
    """(rgb uint8 [SIZE, SIZE, 3], its grey picture uint8 [SIZE, SIZE]). Every random number is
    drawn in the same order whatever the colour: the colour only tints."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / (SIZE - 1) - 0.5
    # background: brightness 60 … 180 with a gradient of up to ±20, a faint tint
    angle = rng.uniform(0, 2 * np.pi)
    luma = rng.uniform(60, 180) + 40 * rng.uniform(0, 1) * (np.cos(angle) * xx + np.sin(angle) * yy)
    tint = np.broadcast_to(_zero_luma(rng.uniform(-15, 15, 3)), (SIZE, SIZE, 3)).copy()
    # the shape: radius R_MIN … R_MAX around the middle ± JITTER, turned; brightness 100 … 150, its class's tint
    r = rng.uniform(R_MIN, R_MAX)
    cx, cy = SIZE / 2 + rng.uniform(-JITTER, JITTER, 2)
    turn = rng.uniform(0, 2 * np.pi)
    _paint(luma, tint, _outline(shape, r, turn), cx, cy, 1.1 * r + 1, rng.uniform(100, 150), TINTS[colour])
    # clutter: 0 … 3 thin lines, brightness 60 … 190, tinted up to 40 in a random direction
    for _ in range(int(rng.integers(0, 4))):
        x0, y0 = rng.uniform(0, SIZE, 2)
        length, direction = rng.uniform(5, 12), rng.uniform(0, 2 * np.pi)
        ux, uy = np.cos(direction), np.sin(direction)
        line_luma = rng.uniform(60, 190)
        line_tint = _zero_luma(rng.normal(0, 1, 3))
        line_tint = 40 * rng.uniform(0, 1) * line_tint / max(1e-9, np.abs(line_tint).max())

        def on_line(dx, dy, ux=ux, uy=uy, length=length):
            t = np.clip(dx * ux + dy * uy, 0, length)
            return (dx - t * ux) ** 2 + (dy - t * uy) ** 2 <= 0.45 ** 2
        _paint(luma, tint, on_line, x0, y0, length + 1, line_luma, line_tint)
    luma = luma + np.clip(rng.normal(0, 5, (SIZE, SIZE)), -10, 10)
    grey = np.clip(np.rint(luma), 0, 255).astype(np.int64)
    return tinted(grey, tint), grey.astype(np.uint8)


def tinted(grey: np.ndarray, tint: np.ndarray) -> np.ndarray:
    """RGB near grey + tint whose Pillow grey value is exactly `grey`: R and G rounded, then B
    chosen (nearest to its wish) so that 19595 R + 38470 G + 7471 B + 32768 lands in grey's
    window of 65536 (B's weight, 7471, is smaller than the window, so one always does)."""
    want = grey[..., None] + tint
    r = np.clip(np.rint(want[..., 0]), 0, 255).astype(np.int64)
    g = np.clip(np.rint(want[..., 1]), 0, 255).astype(np.int64)
    low = grey * 65536 - 32768 - 19595 * r - 38470 * g           # 7471 B must be in [low, low + 65535]
    b_min = -(-low // 7471)
    b_max = (low + 65535) // 7471
    b = np.clip(np.rint(want[..., 2]).astype(np.int64), b_min, b_max)
    rgb = np.stack([r, g, b], axis=-1)
    if rgb.min() < 0 or rgb.max() > 255:                          # the ranges above keep clear of this
        raise AssertionError("shapes: a tinted pixel left 0 … 255")
    return rgb.astype(np.uint8)


def grey_of(rgb: np.ndarray) -> np.ndarray:
    """Pillow's grey value of uint8 RGB pixels (what Image.convert('L') computes)."""
    return ((rgb.astype(np.int64) @ PILLOW_WEIGHTS + 32768) >> 16).astype(np.uint8)


def picture(split: str, label: int, index: int) -> np.ndarray:
    """Picture `index` of class CLASSES[label] in `split`: the same on every machine."""
    colour, shape = CLASSES[label].split("-")
    rng = np.random.default_rng([SEED, ("train", "test").index(split), label, index])
    return render(rng, shape, colour)[0]


def ensure(log=None, progress: bool = False) -> Path:
    """The generated folder, made on first use (written beside it, then renamed into place)."""
    folder = paths.shapes_dir()
    if _complete(folder):
        return folder
    from PIL import Image
    from tqdm import tqdm
    if log:
        log(f"data: making the colour shapes dataset in {folder} (once; {sum(COUNTS.values()) * len(CLASSES):,} "
            f"PNGs from seed {SEED})")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".shapes-", dir=folder.parent))
    try:
        total = sum(COUNTS.values()) * len(CLASSES)
        with tqdm(total=total, desc="making shapes", unit="image", file=sys.stderr, leave=False,
                  disable=not progress, dynamic_ncols=True) as bar:
            for split, count in COUNTS.items():
                for label, name in enumerate(CLASSES):
                    (tmp / split / name).mkdir(parents=True)
                    for i in range(count):
                        Image.fromarray(picture(split, label, i), "RGB").save(tmp / split / name / f"{i:04d}.png",
                                                                             compress_level=1)
                        bar.update(1)
        (tmp / "VERSION").write_text(VERSION + "\n")
        _replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _complete(folder: Path) -> bool:
    """Is `folder` this version's full set (a version file, every class folder with its count)?"""
    try:
        if (folder / "VERSION").read_text().strip() != VERSION:
            return False
        return all(len(os.listdir(folder / split / name)) == count
                   for split, count in COUNTS.items() for name in CLASSES)
    except OSError:
        return False


def _replace(new: Path, folder: Path) -> None:
    """Move the finished `new` into `folder`'s place; an old or partial set there goes first."""
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=".shapes-old-", dir=folder.parent))
        os.replace(folder, old / "shapes")
        shutil.rmtree(old, ignore_errors=True)
    os.replace(new, folder)
