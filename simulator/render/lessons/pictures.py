"""How the network lessons draw an input picture and its channel planes, grey or colour, as the
rgb lesson draws a colour image's channels: a grey picture in grey levels, a colour one as it
is, and one channel plane of a colour picture from black to that channel's pure colour (red,
green, blue), so a plane's brightness is its pixel value 0 … 255."""
from __future__ import annotations

import numpy as np

from ..ui.theme import gray_rgb

CHANNEL_NAMES = ("red", "green", "blue")


def picture_rgb(pixels: np.ndarray) -> np.ndarray:
    """uint8 [H,W] (grey) or [H,W,1|3] → RGB uint8 [H,W,3] as the picture looks."""
    p = np.asarray(pixels)
    if p.ndim == 3 and p.shape[2] == 3:
        return np.ascontiguousarray(p, np.uint8)
    return gray_rgb(p.reshape(p.shape[:2]), 0, 255)


def plane_rgb(values: np.ndarray, channel: int) -> np.ndarray:
    """One colour channel's pixels (uint8 [...]) → RGB uint8 [..., 3]: black … that channel's colour."""
    rgb = np.zeros(np.shape(values) + (3,), np.uint8)
    rgb[..., channel] = values
    return rgb
