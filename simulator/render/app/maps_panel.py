"""Feature-maps panel: every channel of every conv block the network has (up to MAX_BLOCKS;
beyond, it says how many are not shown), one row per block: the conv layer's maps (after its
activation) and, when the block pools, the pooled maps, at one scale so the shrinking shows.
Each block shares one colour scale, drawn beside it with its numbers (one-sided after ReLU:
nothing is negative). A map that is all zero is labelled "dead" (for this image), not left
blank. Clicking a map selects its channel as the one the convolution and pooling panels animate."""
from __future__ import annotations

import math

import numpy as np
import pygame

from .layers import ACT_NAMES, MAX_BLOCKS, blocks, more
from .widgets import (CHECK, Sizes, Text, colour_bar, colour_bar_width, first_fitting, frame, heat, inner_rect,
                      is_dead, outline)

GAP = 4


def _block(c: int, h: int, w: int, rows: int, scale: int) -> tuple[int, int, int]:
    """(cols, width, height) of c maps of h×w in `rows` rows at `scale`."""
    cols = math.ceil(c / rows)
    return cols, cols * w * scale + (cols - 1) * GAP, rows * h * scale + (rows - 1) * GAP


def place_pair(a: tuple, b: tuple | None, box_w: int, box_h: int, between: int):
    """Grids for a conv layer and its pooled layer (None: it has none) side by side ((c, h, w)
    each), at one common scale (so pooling's shrinking shows), the largest that fits; fewest
    rows on ties. Returns ((cols, rows, scale, width), (cols, rows, scale, width) or None)."""
    for scale in range(max(1, box_h // a[1]), 0, -1):
        options = []
        for ra in range(1, a[0] + 1):
            ca, wa, ha = _block(*a, ra, scale)
            if ha > box_h or ca * ra - a[0] >= ca:
                continue
            if b is None:
                if wa <= box_w:
                    options.append((ra, wa, (ca, ra, scale, wa), None))
                continue
            for rb in range(1, b[0] + 1):
                cb, wb, hb = _block(*b, rb, scale)
                if hb > box_h or cb * rb - b[0] >= cb or wa + wb + between > box_w:
                    continue
                options.append((ra + rb, wa + wb, (ca, ra, scale, wa), (cb, rb, scale, wb)))
        if options:
            best = min(options, key=lambda o: (o[0], o[1]))
            return best[2], best[3]
    fallback = lambda s: (s[0], 1, 1, s[0] * (s[2] + GAP))  # noqa: E731
    return fallback(a), fallback(b) if b is not None else None


def grid_height(a: tuple, b: tuple | None, scale: int, box_w: int, between: int) -> int | None:
    """The least height that shows a conv layer's maps (and its pooled maps) at `scale` side by
    side within box_w, or None when they do not fit that wide."""
    best = None
    for ra in range(1, a[0] + 1):
        ca, wa, ha = _block(*a, ra, scale)
        if ca * ra - a[0] >= ca or wa > box_w:
            continue
        for rb in (range(1, b[0] + 1) if b is not None else (None,)):
            if rb is None:
                h = ha
            else:
                cb, wb, hb = _block(*b, rb, scale)
                if cb * rb - b[0] >= cb or wa + wb + between > box_w:
                    continue
                h = max(ha, hb)
            best = h if best is None else min(best, h)
    return best


def share_rows(pairs, least, avail: int, extra: int, box_w: int, between: int) -> list[int] | None:
    """Row heights (summing to avail) for the blocks' map pairs [(a, b or None)]: each row starts
    at the least it needs (its colour bar's labels, its maps at scale 1), then the height goes,
    one scale step at a time, to the row whose maps grow most on screen per pixel of height it
    costs (a map in one row grows by its side for its side's worth of height; in two rows, for
    twice that), the row with the smaller maps first on ties; what is left is shared evenly.
    `extra`: a row's height beyond its maps (label line, gap). None when even the least does
    not fit."""
    scale = [1] * len(pairs)
    rows = []
    for (a, b), low in zip(pairs, least):
        h = grid_height(a, b, 1, box_w, between)
        rows.append(max(low, (h if h is not None else a[1]) + extra))
    if sum(rows) > avail:
        return None
    while True:
        best = None
        for i, (a, b) in enumerate(pairs):
            h = grid_height(a, b, scale[i] + 1, box_w, between)
            if h is None:
                continue
            cost = max(0, h + extra - rows[i])
            if sum(rows) + cost > avail:
                continue
            gain = (a[1] / max(cost, 1), -scale[i] * a[1])
            if best is None or gain > best[0]:
                best = (gain, i, cost)
        if best is None:
            break
        _, i, cost = best
        scale[i] += 1
        rows[i] += cost
    left = avail - sum(rows)
    return [r + left // len(rows) + (1 if i < left % len(rows) else 0) for i, r in enumerate(rows)]


class MapsPanel:
    name = "maps"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.static: pygame.Surface | None = None
        self.cells: dict[str, list[pygame.Rect]] = {}   # tensor → rect of each channel (panel coords)
        self.dead: dict[str, list[int]] = {}            # tensor → channels that are all zero
        self.selection = ("conv1", 0)
        self.blocks = []                                # the network's conv blocks, drawn ones first
        self.hidden = 0                                 # conv blocks not drawn (beyond MAX_BLOCKS)
        self._shapes = None

    def layout(self, rect: pygame.Rect, sizes: Sizes) -> None:
        self.rect, self.sizes = rect, sizes
        self.static = pygame.Surface(rect.size)
        self._shapes = None

    def _geometry(self, snap) -> None:
        tx, sz = self.text, self.sizes
        every = blocks(snap.arch)
        self.blocks, self.hidden = every[:MAX_BLOCKS], max(0, len(every) - MAX_BLOCKS)
        self._shapes = (snap.arch.spec, tuple(snap.acts[n].shape for b in self.blocks for n in b.tensors))
        inner = inner_rect(pygame.Rect((0, 0), self.rect.size), tx, sz)
        label_h = tx.line(sz.small) + 2
        if self.hidden:                       # the last line says what is left out
            note = first_fitting(tx, (more(self.hidden, "conv layer") + f" (the network has {len(every)})",
                                      more(self.hidden, "conv layer"), f"+{self.hidden} conv not shown"),
                                 inner.w, sz.small) or f"+{self.hidden}"
            self.note = (inner.x, inner.bottom - tx.line(sz.small), note)
            inner.h -= tx.line(sz.small) + GAP
        else:
            self.note = None
        bar_w = colour_bar_width(tx, 88.88, sz.small, sz.px(10)) + sz.px(6)
        width = inner.w - bar_w - sz.px(8)
        between = sz.px(20)
        # every row tall enough for its colour bar's labels (+L, 0 and, two-sided, −L) apart;
        # the rest of the height to the rows whose maps gain most from it
        labels_h = {True: 2 * tx.height(sz.small) + sz.px(6), False: 3 * tx.height(sz.small) + sz.px(6)}
        pairs = [(snap.acts[b.maps].shape, snap.acts[b.pool].shape if b.pool else None) for b in self.blocks]
        avail = inner.h - GAP * (len(pairs) - 1)
        row_h = share_rows(pairs, [GAP + labels_h[b.one_sided] for b in self.blocks], avail, label_h + GAP,
                           width, between) if pairs else []
        if row_h is None:                    # not even the least fits: equal shares, say less
            row_h = [avail // len(pairs)] * len(pairs)
        y = inner.y
        self.cells, self.labels, self.bars = {}, [], []
        for block, rh in zip(self.blocks, row_h):
            box_h = rh - label_h - GAP
            shapes = [snap.acts[n].shape for n in block.tensors]
            placed = place_pair(shapes[0], shapes[1] if block.pool else None, width, box_h, between)
            used = sum(p[3] for p in placed if p) + (between if block.pool else 0)
            x = inner.x + max(0, (width - used) // 2)
            for name, (c, h, w), (cols, rows, scale, gw) in zip(block.tensors, shapes, placed):
                room = gw + (between if name == block.maps and block.pool else 0)
                if not block.pool:
                    room = width
                self.labels.append((x, y, block, name, c, h, w, room))
                rects = []
                for i in range(c):
                    r, q = divmod(i, cols)
                    rects.append(pygame.Rect(x + q * (w * scale + GAP), y + label_h + r * (h * scale + GAP),
                                             w * scale, h * scale))
                self.cells[name] = rects
                x += gw + between
            top = y + label_h + tx.height(sz.small) // 2
            bottom = y + rh - GAP - tx.height(sz.small) // 2
            if bottom - top < labels_h[block.one_sided]:     # a short row: the bar takes its whole height
                top, bottom = y + 2, y + rh - GAP
            self.bars.append((block, pygame.Rect(inner.right - bar_w + sz.px(4), top, sz.px(10), max(8, bottom - top))))
            y += rh + GAP

    def set_snapshot(self, snap) -> None:
        with CHECK.scope(self.name, self.rect, self.rect.topleft):
            self._build(snap)

    def _build(self, snap) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        if self._shapes != (snap.arch.spec, tuple(snap.acts[n].shape for b in self.blocks for n in b.tensors)):
            self._geometry(snap)
        surf = self.static
        frame(surf, surf.get_rect(), th, tx, sz, "Feature maps",
              ("every channel of every layer, for the input on the left · click a map to animate it",
               "every channel, for this input · click a map to animate it", "click a map to animate it"))
        self.dead = {n: [i for i, m in enumerate(snap.acts[n]) if is_dead(m)] for b in self.blocks for n in b.tensors}
        for x, y, block, n, c, h, w, room in self.labels:
            name = block.conv if n == block.maps else n
            dead = len(self.dead[n])
            after = f", after {ACT_NAMES.get(block.act, block.act)}" if n == block.maps and block.act else ""
            tail = f" · {dead} dead (all 0)" if dead else ""
            forms = (f"{name}: {c} maps {h}×{w}{after}{tail}", f"{name} {c}×{h}×{w}{after}{tail}",
                     f"{name} {c}×{h}×{w}" + (f" · {dead} dead" if dead else ""), f"{name} {c}×{h}×{w}", name)
            what = first_fitting(tx, forms, room - sz.px(10), sz.small)
            if what:
                tx.draw(surf, what, (x, y), sz.small, th.muted)
        if self.note:
            tx.draw(surf, self.note[2], self.note[:2], sz.small, th.accent)
        if not self.blocks:
            inner = inner_rect(surf.get_rect(), tx, sz)
            say = first_fitting(tx, ("this network has no conv layer: the image goes straight to the dense layers",
                                     "no conv layer in this network"), inner.w, sz.body)
            if say:
                tx.draw(surf, say, inner.topleft, sz.body, th.muted)
        for block in self.blocks:
            limit = snap.limits[f"stage{block.stage}"]
            for name in block.tensors:
                maps = snap.acts[name]
                rgb = heat(maps, limit, th, block.one_sided)     # one call per layer, not per map
                rects = self.cells[name]
                scale = rects[0].w // maps.shape[2]
                for i, r in enumerate(rects):
                    tile = pygame.surfarray.make_surface(np.ascontiguousarray(rgb[i].swapaxes(0, 1)))
                    surf.blit(pygame.transform.scale(tile, r.size) if scale > 1 else tile, r)
                    pygame.draw.rect(surf, th.panel_border, r.inflate(2, 2), 1)
                    if i in self.dead[name]:         # named, not just blank
                        word = next((t for t in ("dead", "0") if tx.width(t, sz.small) <= r.w - 2
                                     and tx.height(sz.small) <= r.h), None)
                        if word:
                            tx.draw(surf, word, r.center, sz.small, th.text, anchor="center")
        for block, bar in self.bars:   # the block's colour scale: +L top, 0 (or −L) bottom
            colour_bar(surf, tx, bar, snap.limits[f"stage{block.stage}"], th, sz.small, block.one_sided)

    def handle_click(self, pos) -> tuple[str, int] | None:
        """A click on a map → (conv layer, channel) to select, else None."""
        px, py = pos[0] - self.rect.x, pos[1] - self.rect.y
        for block in self.blocks:
            for name in block.tensors:
                for i, r in enumerate(self.cells.get(name, ())):
                    if r.inflate(GAP, GAP).collidepoint(px, py):
                        return (block.conv, i)
        return None

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.static is None or self._shapes is None:
            return
        target.blit(self.static, self.rect)
        layer, k = self.selection or ("", 0)
        block = next((b for b in self.blocks if b.conv == layer), None)
        for n in block.tensors if block else ():
            rects = self.cells.get(n)
            if rects and k < len(rects):
                outline(target, rects[k].move(self.rect.topleft), self.theme.accent, 2)
