"""Where a step's panels go: rows of boxes, each sized so that a number grid writes its
numbers at the window's smallest text (or larger) and the maps, stacks, bars and tables take
the room that is left.

    boxes = [box_for(panel, text, sizes) for panel in panels]      # boxes.py
    need = min_height(boxes, width, sizes)        # what the screen must leave for the panels
    placed = arrange(boxes, rect, sizes)          # [Placed(box, content rect, beside)]

A box keeps its label (above, at sizes.small) and its colour bar (below) with it. When the
rows do not fit the height, arrange() says less rather than smaller: a row whose width has room
puts the labels and colour bars beside its panels instead of above and below them, and (when
allowed) the plain maps that only give context to a step's number grids are left out.
Geometry only: what is drawn comes from the Step (engine/lecture).
"""
from __future__ import annotations

from dataclasses import dataclass

import pygame

from .boxes import BESIDE_GAP, GAP, Box

ROW_GAP = 10        # reference pixels between two rows


# ----------------------------------------------------------------------------- rows

@dataclass
class Row:
    boxes: list
    beside: bool = False

    def chrome(self) -> int:
        """Height of the labels above and the colour bars below (0 beside)."""
        if self.beside:
            return 0
        return max(b.label_h for b in self.boxes) + max(b.bar_h for b in self.boxes)

    def min_h(self) -> int:
        low = max(b.min_h for b in self.boxes)
        if self.beside:
            low = max(low, max(b.beside_h for b in self.boxes))
        return low

    def cap_h(self) -> int:
        return max(self.min_h(), max(b.cap_h for b in self.boxes))

    def width(self, h: float, sizes) -> int:
        gap = sizes.px(GAP)
        return sum(b.outer_w(min(h, max(b.cap_h, b.min_h)), self.beside, sizes) for b in self.boxes) \
            + gap * (len(self.boxes) - 1)

    def max_h(self, room_w: int, sizes) -> int:
        """The tallest content (≤ cap) whose row still fits room_w (the least, if none does)."""
        lo, hi = self.min_h(), self.cap_h()
        if self.width(lo, sizes) > room_w:
            return lo
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.width(mid, sizes) <= room_w:
                lo = mid
            else:
                hi = mid
        return hi if self.width(hi, sizes) <= room_w else lo


def split_rows(boxes, width: int, sizes) -> list[Row]:
    """The step's rows (Panel.row), each broken where its panels' least widths pass `width`."""
    order = sorted({getattr(b.panel, "row", 0) for b in boxes})
    rows = []
    for r in order:
        current = []
        for b in (b for b in boxes if getattr(b.panel, "row", 0) == r):
            trial = Row(current + [b])            # a row's panels share its height: measure them at it
            if current and trial.width(trial.min_h(), sizes) > width:
                rows.append(Row(current))
                current = [b]
            else:
                current = trial.boxes
        if current:
            rows.append(Row(current))
    return rows


def rows_height(rows, sizes) -> int:
    return sum(r.min_h() + r.chrome() for r in rows) + sizes.px(ROW_GAP) * (len(rows) - 1)


def min_height(boxes, width: int, sizes) -> int:
    """The least height the panels need in their rows (labels and colour bars above and below)."""
    return rows_height(split_rows(boxes, width, sizes), sizes) if boxes else 0


# ----------------------------------------------------------------------------- placing

@dataclass
class Placed:
    box: Box
    rect: pygame.Rect          # the content (map, grid, stack, bars or table)
    beside: bool               # label and colour bar to its left, not above and below
    outer: pygame.Rect         # content, label and colour bar together

    @property
    def panel(self):
        return self.box.panel


def _beside_where_room(rows, width, height, sizes) -> list[Row]:
    """Rows that overflow `height`: the rows with the most room to spare set their labels
    beside their panels, one at a time, until the panels fit (or no row has the room)."""
    rows = [Row(r.boxes, r.beside) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: rows[i].width(rows[i].min_h(), sizes))
    for i in order:
        if rows_height(rows, sizes) <= height:
            break
        trial = Row(rows[i].boxes, True)
        if trial.width(trial.min_h(), sizes) <= width and trial.min_h() + trial.chrome() < \
                rows[i].min_h() + rows[i].chrome():
            rows[i] = trial
    return rows


def other_splits(boxes, width: int, sizes):
    """split_rows, and for a step with number grids each of its rows of three or more panels
    broken in two at every point: more, larger rows may write the numbers larger."""
    base = split_rows(boxes, width, sizes)
    yield base
    if not any(b.kind == "grid" for b in boxes):
        return
    for r in sorted({getattr(b.panel, "row", 0) for b in boxes}):
        mine = [b for b in boxes if getattr(b.panel, "row", 0) == r]
        for k in range(1, len(mine)) if len(mine) >= 3 else ():
            rows = []
            for rr in sorted({getattr(b.panel, "row", 0) for b in boxes}):
                if rr != r:
                    rows += split_rows([b for b in boxes if getattr(b.panel, "row", 0) == rr], width, sizes)
                else:
                    rows += split_rows(mine[:k], width, sizes) + split_rows(mine[k:], width, sizes)
            yield rows


def score(placed: list, rows: list) -> tuple:
    """How well a layout writes its numbers: the smallest number size of its grids, then the
    fewest rows (the step's own order), then the area its panels get."""
    fonts = [p.box.number_px(p.rect.w, p.rect.h) for p in placed if p.box.number_px is not None]
    return (min(fonts) if fonts else 0, -len(rows), sum(p.rect.w * p.rect.h for p in placed))


def arrange(boxes, rect: pygame.Rect, sizes, drop: bool = False) -> tuple[list[Placed], bool]:
    """The panels placed in rect: ([Placed], fits). Rows as the step gives them, broken where
    too wide (or, for number grids, where two rows write the numbers larger); when too tall,
    labels beside the panels where a row has the width, then (drop) without the plain maps of
    a step with number grids. `fits` is False when even that does not fit (the rows are then
    squeezed under their least height)."""
    fitting = [rows for rows in other_splits(boxes, rect.w, sizes) if rows_height(rows, sizes) <= rect.h]
    if fitting:
        return max(((place(rows, rect, sizes), rows) for rows in fitting), key=lambda pr: score(*pr))[0], True
    rows = split_rows(boxes, rect.w, sizes)
    fits = False
    if not fits:
        rows = _beside_where_room(rows, rect.w, rect.h, sizes)
        fits = rows_height(rows, sizes) <= rect.h
    if not fits and drop and any(b.droppable for b in boxes):
        kept = [b for b in boxes if not b.droppable]
        rows = _beside_where_room(split_rows(kept, rect.w, sizes), rect.w, rect.h, sizes)
        fits = rows_height(rows, sizes) <= rect.h
    return place(rows, rect, sizes), fits


def place(rows, rect: pygame.Rect, sizes) -> list[Placed]:
    """Rows grown together from their least height towards the tallest their width allows,
    as far as rect's height goes, centred."""
    if not rows:
        return []
    gaps = sizes.px(ROW_GAP) * (len(rows) - 1)
    lows = [r.min_h() for r in rows]
    highs = [max(lo, r.max_h(rect.w, sizes)) for r, lo in zip(rows, lows)]
    chrome = sum(r.chrome() for r in rows)

    room = rect.h - chrome - gaps
    if sum(lows) > room:           # squeezed: every row shrinks alike
        k = max(0.1, room / max(1, sum(lows)))
        heights = [int(lo * k) for lo in lows]
    else:                          # the room left shared equally, a row taking no more than its most
        heights = [float(lo) for lo in lows]
        extra = room - sum(lows)
        while extra > 0.5:
            open_rows = [i for i, (h, hi) in enumerate(zip(heights, highs)) if h < hi]
            if not open_rows:
                break
            share = extra / len(open_rows)
            for i in open_rows:
                give = min(share, highs[i] - heights[i])
                heights[i] += give
                extra -= give
        heights = [int(h) for h in heights]
    used = sum(heights) + chrome + gaps
    y = rect.y + max(0, (rect.h - used) // 2)
    placed = []
    gap, side_gap = sizes.px(GAP), sizes.px(BESIDE_GAP)
    for row, h in zip(rows, heights):
        label_h = 0 if row.beside else max(b.label_h for b in row.boxes)
        bar_h = 0 if row.beside else max(b.bar_h for b in row.boxes)
        widths = [min(b.width(min(h, max(b.cap_h, b.min_h))), rect.w) for b in row.boxes]
        outer = [w + (b.chrome_w + side_gap if row.beside else 0) for b, w in zip(row.boxes, widths)]
        x = rect.x + max(0, (rect.w - sum(outer) - gap * (len(outer) - 1)) // 2)
        for b, w, ow in zip(row.boxes, widths, outer):
            bh = min(h, max(b.cap_h, b.min_h))
            cx = x + (b.chrome_w + side_gap if row.beside else 0)
            content = pygame.Rect(cx, y + label_h + (h - bh) // 2, w, bh)
            whole = pygame.Rect(x, y, ow, label_h + h + bar_h)
            placed.append(Placed(b, content, row.beside, whole))
            x += ow + gap
        y += label_h + h + bar_h + sizes.px(ROW_GAP)
    return placed
