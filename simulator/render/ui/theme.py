"""Colours, fonts and the heat-map colour scale shared by every screen.

Fonts are the bundled DejaVu faces (they carry θ α ∇ ∂ Σ × − and subscripts); each
(face, size) is loaded once and cached, never per frame.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import numpy as np  # noqa: E402
import pygame  # noqa: E402

from ... import paths  # noqa: E402

FONT_DIR = paths.FONT_DIR
FACES = {"sans": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "mono": "DejaVuSansMono.ttf"}


@dataclass(frozen=True)
class Theme:
    name: str
    background: tuple
    panel: tuple
    panel_border: tuple
    text: tuple
    muted: tuple
    accent: tuple        # selection, highlights
    positive: tuple      # heat-map colour for values > 0
    negative: tuple      # heat-map colour for values < 0
    good: tuple
    bad: tuple
    zero: tuple          # heat-map colour of exactly 0: distinct from the panel and the background
    scale: float = 1.0         # multiplies every figure (the projector theme's are larger)
    text_floor: float = 0.0175  # the smallest text, as a fraction of the window height (sizes.py)


THEMES = {
    "dark": Theme("dark", background=(18, 20, 26), panel=(30, 33, 42), panel_border=(58, 63, 78),
                  text=(232, 234, 240), muted=(150, 156, 172), accent=(255, 196, 61),
                  positive=(255, 140, 60), negative=(70, 150, 255), good=(90, 205, 120), bad=(240, 80, 80),
                  zero=(78, 82, 96)),
    "light": Theme("light", background=(244, 245, 248), panel=(255, 255, 255), panel_border=(200, 204, 214),
                   text=(25, 28, 36), muted=(100, 106, 120), accent=(214, 130, 0),
                   positive=(214, 80, 20), negative=(30, 100, 210), good=(30, 150, 70), bad=(200, 40, 40),
                   zero=(196, 199, 208)),
    "projector": Theme("projector", background=(0, 0, 0), panel=(12, 12, 12), panel_border=(120, 120, 120),
                       text=(255, 255, 255), muted=(210, 210, 210), accent=(255, 230, 0),
                       positive=(255, 150, 40), negative=(80, 180, 255), good=(80, 240, 120), bad=(255, 90, 90),
                       zero=(80, 80, 80), scale=1.25, text_floor=0.025),
}


def load_font(face: str, size: int) -> pygame.font.Font:
    if not pygame.font.get_init():
        pygame.font.init()
    if _font.cache_info().currsize == 0:
        # fonts die with pygame.quit(); forget them then (using a dead Font segfaults)
        pygame.register_quit(_font.cache_clear)
    return _font(face, size)


@lru_cache(maxsize=None)
def _font(face: str, size: int) -> pygame.font.Font:
    return pygame.font.Font(str(FONT_DIR / FACES[face]), size)


def heat_rgb(values: np.ndarray, limit: float, theme: Theme, one_sided: bool = False) -> np.ndarray:
    """Map values in [−limit, limit] to RGB uint8 [..., 3]: negative → theme.negative,
    0 → theme.zero (never the panel's colour: a zero is visible), positive → theme.positive.
    one_sided (after ReLU: nothing is negative): [0, limit], below 0 clipped to 0.
    NaN/inf are drawn as theme.bad, never as garbage."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    t = np.clip(np.where(finite, v, 0.0) / (limit if limit > 0 else 1.0), 0.0 if one_sided else -1.0, 1.0)[..., None]
    base = np.array(theme.zero, np.float64)
    pos, neg = np.array(theme.positive, np.float64), np.array(theme.negative, np.float64)
    rgb = np.where(t >= 0, base + (pos - base) * t, base + (neg - base) * -t)
    rgb[~finite] = theme.bad
    return rgb.astype(np.uint8)


def gray_rgb(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map values in [low, high] to grey levels RGB uint8 [..., 3] (for input images)."""
    v = np.nan_to_num(np.asarray(values, np.float64), nan=low, posinf=high, neginf=low)
    t = np.clip((v - low) / ((high - low) or 1.0), 0.0, 1.0)
    g = (t * 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=-1)


def array_surface(rgb: np.ndarray, scale: int) -> pygame.Surface:
    """RGB uint8 [H, W, 3] → a pygame Surface scaled up `scale`× with crisp (nearest) pixels."""
    surf = pygame.surfarray.make_surface(np.ascontiguousarray(rgb.swapaxes(0, 1)))
    if scale != 1:
        surf = pygame.transform.scale(surf, (rgb.shape[1] * scale, rgb.shape[0] * scale))
    return surf
