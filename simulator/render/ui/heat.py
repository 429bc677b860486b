"""Heat maps for every screen: one colouring, one colour bar.

Colours: negative → theme.negative, 0 → theme.zero (distinct from panel and background, so
a zero, a dead map or the padding is visible), positive → theme.positive, NaN/inf →
theme.bad. A tensor after ReLU has nothing negative: draw it one_sided (0 … +limit) and give
it a one-sided colour bar. Padding cells are hatched (`hatch`) on top of their zero colour.
"""
from __future__ import annotations

import numpy as np
import pygame

from ...numbers import fmt
from .theme import Theme, array_surface, heat_rgb
from .text import Text

LEVELS = 255        # steps of the scale on each side of zero
_TABLES: dict = {}


def _table(theme: Theme) -> np.ndarray:
    """heat_rgb sampled at 2·LEVELS+1 points of [−1, 1], plus theme.bad last (for NaN)."""
    table = _TABLES.get(theme)
    if table is None:
        table = np.concatenate([heat_rgb(np.linspace(-1.0, 1.0, 2 * LEVELS + 1), 1.0, theme),
                                np.array([theme.bad], np.uint8)])
        _TABLES[theme] = table
    return table


def heat(values: np.ndarray, limit: float, theme: Theme, one_sided: bool = False) -> np.ndarray:
    """values → RGB uint8 [..., 3] through a lookup table (theme.heat_rgb to 1/255 of the
    scale, several times faster). Two-sided: [−limit, limit]; one_sided: [0, limit]."""
    v = np.asarray(values, np.float32)
    finite = np.isfinite(v)
    scale = LEVELS / limit if limit > 0 else float(LEVELS)
    low = 0 if one_sided else -LEVELS
    idx = np.clip(np.rint(np.where(finite, v, 0.0) * scale), low, LEVELS).astype(np.int16) + LEVELS
    idx[~finite] = 2 * LEVELS + 1
    return _table(theme)[idx]


def heat_tile(values: np.ndarray, limit: float, theme: Theme, scale: int, one_sided: bool = False) -> pygame.Surface:
    """A 2-D array as a crisp heat map, `scale` pixels per value."""
    return array_surface(heat(values, limit, theme, one_sided), max(1, int(scale)))


def heat_strip(values: np.ndarray, limit: float, theme: Theme, width: int, height: int,
               one_sided: bool = False) -> pygame.Surface:
    """A 1-D vector as a row of equal cells stretched to width×height."""
    surf = array_surface(heat(np.asarray(values).reshape(1, -1), limit, theme, one_sided), 1)
    return pygame.transform.scale(surf, (max(1, int(width)), max(1, int(height))))


def scaled_span(i: int, n: int, length: int) -> tuple[int, int]:
    """The pixels [start, stop) that show value i of n values scaled to `length` pixels (a
    heat_strip, or a tile scaled by pygame, which shows value ⌊x·n/length⌋ at pixel x)."""
    return -(-i * length // n), -(-(i + 1) * length // n)


def scaled_index(x: int, n: int, length: int) -> int:
    """The value of n scaled to `length` pixels shown at pixel x (0 ≤ x < length)."""
    return min(n - 1, x * n // length)


def is_dead(values: np.ndarray) -> bool:
    """True when a map is all zeros (a ReLU map with no positive input: "dead" for this image)."""
    v = np.asarray(values)
    return v.size > 0 and not np.any(v)


def hatch(target: pygame.Surface, rect: pygame.Rect, colour, step: int = 6) -> None:
    """Diagonal lines over rect (marks padding: zeros that are not part of the image)."""
    rect = pygame.Rect(rect)
    clip = target.get_clip()
    target.set_clip(rect.clip(clip) if clip else rect)
    for d in range(-rect.h, rect.w, max(3, step)):
        pygame.draw.line(target, colour, (rect.x + d, rect.bottom), (rect.x + d + rect.h, rect.y), 1)
    target.set_clip(clip)


def ramp(target: pygame.Surface, rect: pygame.Rect, theme: Theme, one_sided: bool = False,
         vertical: bool = True) -> None:
    """A colour bar's bar alone, framed: +limit at the top (vertical) or right, down to 0 (one_sided)
    or −limit."""
    rect = pygame.Rect(rect)
    low = 0.0 if one_sided else -1.0
    n = max(2, rect.h if vertical else rect.w)
    values = np.linspace(1.0, low, n) if vertical else np.linspace(low, 1.0, n)
    rgb = heat(values.reshape(-1, 1) if vertical else values.reshape(1, -1), 1.0, theme, one_sided)
    target.blit(pygame.transform.scale(array_surface(rgb, 1), rect.size), rect)
    pygame.draw.rect(target, theme.panel_border, rect.inflate(2, 2), 1)


def colour_bar(target: pygame.Surface, text: Text, rect: pygame.Rect, limit: float, theme: Theme, size: int,
               one_sided: bool = False, digits: int = 2, vertical: bool = True) -> pygame.Rect:
    """The scale of a heat map with its numbers: vertical (+limit at the top) with the labels
    to its right, or horizontal with the labels below. Returns the rect covering bar and labels.
    Width needed for the labels: colour_bar_width()."""
    rect = pygame.Rect(rect)
    low = 0.0 if one_sided else -1.0
    ramp(target, rect, theme, one_sided, vertical)
    labels = [(1.0, fmt(limit, digits)), (0.0, "0")] + ([] if one_sided else [(-1.0, fmt(-limit, digits))])
    if not vertical:            # too narrow for three labels: the ends only, else one "±limit"
        gap = max(8, size // 2)
        w_hi, w_zero = text.width(labels[0][1], size), text.width("0", size)
        w_lo = text.width(labels[-1][1], size)
        if not one_sided and (w_lo + gap > rect.w / 2 - w_zero / 2 or w_hi + gap > rect.w / 2 - w_zero / 2):
            labels = [labels[0], labels[2]]
        if sum(text.width(s, size) for _, s in labels) + gap > rect.w:
            labels = [(0.0 if not one_sided else 1.0, ("±" if not one_sided else "max ") + fmt(limit, digits))]
    covered = rect.copy()
    for t, s in labels:
        if vertical:
            y = rect.y + (1.0 - t) / (1.0 - low) * rect.h
            anchor = "topleft" if t == 1.0 else "bottomleft" if t == low else "midleft"
            r = text.draw(target, s, (rect.right + 4, y), size, theme.muted, anchor=anchor)
        else:
            x = rect.x + (t - low) / (1.0 - low) * rect.w
            anchor = "midtop" if len(labels) == 1 else "topright" if t == 1.0 else "topleft" if t == low else "midtop"
            if len(labels) == 1:      # one label: under the bar, from its left end when wider than the bar
                x, anchor = (rect.centerx, "midtop") if text.width(s, size) <= rect.w else (rect.x, "topleft")
            r = text.draw(target, s, (x, rect.bottom + 2), size, theme.muted, anchor=anchor)
        covered.union_ip(r)
    return covered


def colour_bar_width(text: Text, limit: float, size: int, bar: int = 10, digits: int = 2) -> int:
    """Width a vertical colour_bar with its labels needs."""
    return bar + 6 + max(text.width(fmt(limit, digits), size), text.width(fmt(-limit, digits), size))
