"""A drawing turned into an MNIST-style input, the way MNIST itself was made (LeCun et al.):
take the ink's bounding box, scale it to fit a 20×20 box keeping its aspect ratio
(anti-aliased), paste it into a 28×28 field so that the centre of mass of the ink lands on the
centre of the field, then normalise like the training data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import normalise

FIELD, BOX = 28, 20
INK_THRESHOLD = 0.05       # canvas values above this count as ink for the bounding box


@dataclass(frozen=True)
class Prepared:
    """One drawing on its way to the network."""
    bbox: tuple[int, int, int, int]   # r0, r1, c0, c1 of the ink in the canvas (half-open)
    scaled: np.ndarray                # [h,w] the ink scaled to fit BOX×BOX, values in [0,1]
    image: np.ndarray                 # [28,28] in [0,1], centred by centre of mass
    centre_of_mass: tuple[float, float]  # (row, col) of `image`'s ink, close to (13.5, 13.5)
    x: np.ndarray                     # [1,1,28,28] float32, normalised like the training data


def prepare(canvas: np.ndarray) -> Prepared | None:
    """canvas[H,W] ink in [0,1] (white ink on black) → Prepared, or None when nothing is drawn."""
    from PIL import Image
    canvas = np.clip(np.asarray(canvas, np.float64), 0.0, 1.0)
    rows = np.flatnonzero((canvas > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((canvas > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        return None
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = canvas[r0:r1, c0:c1]
    scale = BOX / max(crop.shape)
    h, w = max(1, round(crop.shape[0] * scale)), max(1, round(crop.shape[1] * scale))
    resized = Image.fromarray(crop.astype(np.float32)).resize((w, h), Image.Resampling.LANCZOS)
    scaled = np.clip(np.asarray(resized, np.float64), 0.0, 1.0)
    # centre of mass of the scaled ink, then place it so that point sits at the field's centre
    ys, xs = np.indices(scaled.shape)
    mass = scaled.sum() or 1.0
    cy, cx = (ys * scaled).sum() / mass, (xs * scaled).sum() / mass
    centre = (FIELD - 1) / 2
    top = int(np.clip(round(centre - cy), 0, FIELD - h))
    left = int(np.clip(round(centre - cx), 0, FIELD - w))
    image = np.zeros((FIELD, FIELD))
    image[top:top + h, left:left + w] = scaled
    x = normalise(np.round(image * 255).astype(np.uint8)[None])
    return Prepared((r0, r1, c0, c1), scaled, image, (top + cy, left + cx), x)


def prepare_uint8(canvas: np.ndarray) -> np.ndarray:
    """canvas[H,W] ink in [0,1] → uint8 [28,28] like an MNIST image (all zero when blank)."""
    prepared = prepare(canvas)
    if prepared is None:
        return np.zeros((FIELD, FIELD), np.uint8)
    return np.round(prepared.image * 255).astype(np.uint8)
