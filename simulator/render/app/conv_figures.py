"""Figures of the convolution panel: how its input tiles share the room, and a colour
filter as one patch."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ..ui.theme import array_surface

GAP = 4            # pixels between the input's channel tiles


def tiles_grid(c: int, side: int, width: int, height: int) -> tuple[int, int, int]:
    """(cols, rows, scale): c tiles of side×side in width×height, as large as they fit."""
    best = (1, c, 0)
    for cols in range(1, c + 1):
        rows = math.ceil(c / cols)
        scale = min((width - (cols - 1) * GAP) // (cols * side), (height - (rows - 1) * GAP) // (rows * side))
        if scale > best[2]:
            best = (cols, rows, scale)
    return best


def filter_patch(surf, text, theme, sizes, slot: pygame.Rect, weights, limit: float) -> None:
    """A filter's three slices [3,F,F] as one colour patch in slot (R, G, B = the weights of the
    red, green and blue slices, mid-grey 0, ± limit: the layer's largest |weight|), labelled
    "filter"."""
    f = weights.shape[1]
    label_h = text.line(sizes.small)
    scale = max(1, min(slot.w, slot.h - label_h) // f)
    rgb = np.clip(np.rint(128 + 127 * np.asarray(weights, np.float64) / (limit or 1.0)), 0, 255).astype(np.uint8)
    tile = array_surface(rgb.transpose(1, 2, 0), scale)
    r = surf.blit(tile, tile.get_rect(midtop=(slot.centerx, slot.y)))
    pygame.draw.rect(surf, theme.panel_border, r.inflate(2, 2), 1)
    text.draw(surf, "filter", (slot.centerx, r.bottom + 1), sizes.small, theme.muted, anchor="midtop")
