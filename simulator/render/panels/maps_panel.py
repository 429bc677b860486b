"""Feature-maps panel: every channel of conv1, pool1, conv2 and pool2 for the current sample,
as heat maps. Each stage (conv1 with pool1, conv2 with pool2) shares one colour scale, drawn
beside it with its numbers. Clicking a map selects its channel as the one the convolution
and pooling panels animate."""
from __future__ import annotations

import math

import numpy as np
import pygame

from .widgets import SMALL, TINY, Text, colour_bar, fmt, frame, heat, inner_rect, outline

GAP = 4
# (stage, the conv layer's activation output, the pooled maps): pooling reads exactly what is shown.
STAGES = ((1, "act1", "pool1"), (2, "act2", "pool2"))
LAYER = {"act1": "conv1", "act2": "conv2", "pool1": "pool1", "pool2": "pool2"}
ACT_NAMES = {"relu": "ReLU", "sigmoid": "σ", "tanh": "tanh"}


def _block(c: int, h: int, w: int, rows: int, scale: int) -> tuple[int, int, int]:
    """(cols, width, height) of c maps of h×w in `rows` rows at `scale`."""
    cols = math.ceil(c / rows)
    return cols, cols * w * scale + (cols - 1) * GAP, rows * h * scale + (rows - 1) * GAP


def place_pair(a: tuple, b: tuple, box_w: int, box_h: int, between: int):
    """Grids for a conv layer and its pooled layer side by side ((c, h, w) each), at one common
    scale (so pooling's halving shows), the largest that fits; fewest rows on ties.
    Returns ((cols, rows, scale, width), (cols, rows, scale, width))."""
    for scale in range(max(1, box_h // a[1]), 0, -1):
        options = []
        for ra in range(1, a[0] + 1):
            ca, wa, ha = _block(*a, ra, scale)
            if ha > box_h or ca * ra - a[0] >= ca:
                continue
            for rb in range(1, b[0] + 1):
                cb, wb, hb = _block(*b, rb, scale)
                if hb > box_h or cb * rb - b[0] >= cb or wa + wb + between > box_w:
                    continue
                options.append((ra + rb, wa + wb, (ca, ra, scale, wa), (cb, rb, scale, wb)))
        if options:
            best = min(options, key=lambda o: (o[0], o[1]))
            return best[2], best[3]
    return (a[0], 1, 1, a[0] * (a[2] + GAP)), (b[0], 1, 1, b[0] * (b[2] + GAP))


class MapsPanel:
    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.static: pygame.Surface | None = None
        self.cells: dict[str, list[pygame.Rect]] = {}   # tensor → rect of each channel (panel coords)
        self.selection = ("conv1", 0)
        self._shapes = None

    def layout(self, rect: pygame.Rect) -> None:
        self.rect = rect
        self.static = pygame.Surface(rect.size)
        self._shapes = None

    def _geometry(self, snap) -> None:
        tx = self.text
        self._shapes = {n: snap.acts[n].shape for _, a, b in STAGES for n in (a, b)}
        inner = inner_rect(pygame.Rect((0, 0), self.rect.size), tx)
        label_h = tx.line(SMALL) + 2
        bar_w = tx.width("−00.00", TINY) + 22
        width = inner.w - bar_w - 8
        between = 6 * GAP
        row_h = [int((inner.h - GAP) * f) for f in (0.53, 0.47)]
        y = inner.y
        self.cells, self.labels, self.bars = {}, [], []
        for (stage, conv, pool), rh in zip(STAGES, row_h):
            box_h = rh - label_h - GAP
            shapes = (self._shapes[conv], self._shapes[pool])
            placed = place_pair(shapes[0], shapes[1], width, box_h, between)
            used = placed[0][3] + placed[1][3] + between
            x = inner.x + max(0, (width - used) // 2)
            for name, (c, h, w), (cols, rows, scale, gw) in zip((conv, pool), shapes, placed):
                self.labels.append((x, y, name, c, h, w))
                rects = []
                for i in range(c):
                    r, q = divmod(i, cols)
                    rects.append(pygame.Rect(x + q * (w * scale + GAP), y + label_h + r * (h * scale + GAP),
                                             w * scale, h * scale))
                self.cells[name] = rects
                x += gw + between
            self.bars.append((stage, pygame.Rect(inner.right - bar_w + 2, y + label_h + 2, 10, box_h - 6)))
            y += rh + GAP

    def set_snapshot(self, snap) -> None:
        th, tx = self.theme, self.text
        if self._shapes is None:
            self._geometry(snap)
        surf = self.static
        frame(surf, surf.get_rect(), th, tx, "Feature maps",
              "every channel of every layer, for the input on the left · click a map to animate it")
        act = ACT_NAMES.get(snap.activation, snap.activation)
        for x, y, n, c, h, w in self.labels:
            name = LAYER[n]
            what = f"{name}: {c} maps {h}×{w}" + (f", after {act}" if n.startswith("act") else "")
            if tx.width(what, SMALL) > self.cells[n][-1].right - x + 2 * GAP:
                what = f"{name} {c}×{h}×{w}"
            tx.draw(surf, what, (x, y), SMALL, th.muted)
        for stage, conv, pool in STAGES:
            limit = snap.limits[f"stage{stage}"]
            for name in (conv, pool):
                maps = snap.acts[name]
                rgb = heat(maps, limit, th)             # one call per layer, not per map
                rects = self.cells[name]
                scale = rects[0].w // maps.shape[2]
                for i, r in enumerate(rects):
                    tile = pygame.surfarray.make_surface(np.ascontiguousarray(rgb[i].swapaxes(0, 1)))
                    surf.blit(pygame.transform.scale(tile, r.size) if scale > 1 else tile, r)
                    pygame.draw.rect(surf, th.panel_border, r.inflate(2, 2), 1)
        for stage, bar in self.bars:   # the stage's colour scale, vertical: +L top, −L bottom
            limit = snap.limits[f"stage{stage}"]
            strip = pygame.transform.rotate(colour_bar(th, bar.h, bar.w), 90)
            surf.blit(strip, bar)
            pygame.draw.rect(surf, th.panel_border, bar.inflate(2, 2), 1)
            tx.draw(surf, fmt(limit, 2), (bar.right + 4, bar.y), TINY, th.muted, anchor="midleft")
            tx.draw(surf, "0", (bar.right + 4, bar.centery), TINY, th.muted, anchor="midleft")
            tx.draw(surf, fmt(-limit, 2), (bar.right + 4, bar.bottom), TINY, th.muted, anchor="midleft")

    def handle_click(self, pos) -> tuple[str, int] | None:
        """A click on a map → (conv layer, channel) to select, else None."""
        px, py = pos[0] - self.rect.x, pos[1] - self.rect.y
        for stage, conv, pool in STAGES:
            for name in (conv, pool):
                for i, r in enumerate(self.cells.get(name, ())):
                    if r.inflate(GAP, GAP).collidepoint(px, py):
                        return (f"conv{stage}", i)
        return None

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.static is None or not self.cells:
            return
        target.blit(self.static, self.rect)
        layer, k = self.selection
        stage = layer[-1]
        for n in (f"act{stage}", f"pool{stage}"):
            rects = self.cells.get(n)
            if rects and k < len(rects):
                outline(target, rects[k].move(self.rect.topleft), self.theme.accent, 2)
