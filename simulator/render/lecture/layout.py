"""Where a step's panels go: rows of boxes, each sized so that a number grid writes its
numbers at the window's smallest text (or larger) and the maps, stacks, bars and tables take
the room that is left.

    boxes = [box_for(panel, text, sizes) for panel in panels]
    need = min_height(boxes, width, sizes)        # what the screen must leave for the panels
    placed = arrange(boxes, rect, sizes)          # [Placed(box, content rect, beside)]

A box keeps its label (above, at sizes.small) and its colour bar (below) with it. When the
rows do not fit the height, arrange() says less rather than smaller: a row whose width has room
puts the labels and colour bars beside its panels instead of above and below them, and (when
allowed) the plain maps that only give context to a step's number grids are left out.
Geometry only: what is drawn comes from the Step (engine/lecture).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pygame

from ...engine.lecture.step import Table
from ...numbers import exponent_label
from .. import ui
from ..ui.figures import grid_cell

GAP = 28            # reference pixels between two panels of a row
ROW_GAP = 10        # … between two rows
STACK_GAP = 8       # … between the maps of a stack
MANY_MAPS = 16      # a stack of more maps is drawn tighter: no names, smaller gaps
BESIDE_GAP = 12     # … between a label column and its panel
NUMBER_STYLES = ("numbers", "gray-numbers")


# ----------------------------------------------------------------------------- labels

def shape_of(panel) -> str:
    """The shape of the array a panel draws, as its label writes it: '28×28', '6×14×14', '400'."""
    return "×".join(str(n) for n in panel.array.shape)


def panel_labels(panel) -> list[str]:
    """The panel's label, longest wording first: with the shape it draws (unless the label
    already says it) and the unit of its number grid (×10⁻³); then without the words in
    brackets; then without what comes before a colon ("∂L/∂y: ∂pool2 map 1" → "∂pool2 map 1").
    The caller takes the first that fits (a narrow panel says less, never cuts)."""
    if isinstance(panel, Table):
        return [""]
    unit = exponent_label(ui.grid_format(panel.array)[1]) if panel.style in NUMBER_STYLES else ""
    shape = shape_of(panel)
    forms = []
    bare = re.sub(r"\s*\([^)]*\)", "", panel.label)
    for label in (panel.label, bare, bare.partition(": ")[2] or bare):
        if shape not in label.replace(", ", "×").replace(" × ", "×") and f"({shape})" not in label:
            label += f"  [{shape}]"
        if label + unit not in forms:
            forms.append(label + unit)
    return forms


def has_colour_bar(panel) -> bool:
    return not isinstance(panel, Table) and panel.style != "bars"


def bar_ends(panel) -> tuple[bool, bool, float, float]:
    """(gray, one-sided, low end, high end) of a panel's colour scale."""
    gray = panel.style in ("gray", "gray-numbers")
    one_sided = gray or panel.one_sided
    return gray, one_sided, panel.low if gray else (0.0 if one_sided else -panel.limit), panel.limit


def bar_labels(panel) -> tuple[str, str]:
    """The colour bar's end values, written like the captions' numbers (4 significant digits)."""
    _, _, lo, hi = bar_ends(panel)
    return ui.fmt(lo, sig=4), ui.fmt(hi, sig=4)


def colour_bar_width(text, panel, sizes) -> int:
    """The narrowest a colour bar can be: both end values, a ramp and the gaps between them."""
    lo, hi = bar_labels(panel)
    return text.width(lo, sizes.small) + text.width(hi, sizes.small) + sizes.px(24) + 2 * sizes.px(6)


# ----------------------------------------------------------------------------- boxes

@dataclass(eq=False)
class Box:
    """One panel's geometry at some Sizes: its content is at least min_h tall (then width(h)
    wide) and at most cap_h; label_h above and bar_h below it belong to it (or, beside, a
    column chrome_w wide to its left)."""
    panel: object
    kind: str                 # grid | map | stack | bars | table
    min_h: int
    cap_h: int
    min_w: int
    label_h: int
    bar_h: int
    chrome_w: int
    beside_h: int = 0         # height of the label (wrapped) and colour bar in that column
    droppable: bool = False
    grow: object = field(default=None, repr=False)    # content height → content width
    font: object = field(default=None, repr=False)    # a grid's (content w, h) → its number size (0: none)

    def width(self, h: float) -> int:
        return max(self.min_w, int(self.grow(h)))

    def outer_w(self, h: float, beside: bool, sizes) -> int:
        return self.width(h) + (self.chrome_w + sizes.px(BESIDE_GAP) if beside else 0)


def grid_of(panel) -> tuple[int, int, np.ndarray]:
    """(rows, cols, 2-D values) of what a panel draws as one map (vectors as their block)."""
    a = panel.array
    if a.ndim == 1:
        r, c = panel.grid or (1, a.size)
        return r, c, a.reshape(r, c)
    if panel.transpose:
        return a.shape[1], a.shape[0], a.T
    return a.shape[0], a.shape[1], a


def grid_strings(panel) -> list[str]:
    """Every cell of a number grid as written: one format (grid_format) for the whole grid."""
    decimals, exponent = ui.grid_format(panel.array)
    return [ui.grid_text(v, decimals, exponent) for v in np.asarray(panel.array).ravel()]


def number_size(text, strings, cw: int, ch: int, sizes) -> int | None:
    """The largest text size (heading … small) at which every string fits a cw×ch cell with the
    layout check's gap to its neighbours; None when not even the smallest does."""
    for size in (sizes.heading, sizes.title, sizes.body, sizes.small):
        widest = max(text.width(s, size, "mono") for s in strings)
        if widest + 6 <= cw and text.height(size, "mono") + 2 <= ch:
            return size
    return None


def grid_min_cell(text, panel, sizes) -> tuple[int, int]:
    """The smallest (width, height) of a number grid's cell that writes its values at sizes.small."""
    return grid_cell(text, panel.array, sizes.small)


def stack_names(panel) -> bool:
    """Whether a stack's maps are named (not when there are many: the one in focus is outlined)."""
    return bool(panel.names) and panel.array.shape[0] <= MANY_MAPS


def stack_gap(panel, sizes) -> int:
    return sizes.px(STACK_GAP if panel.array.shape[0] <= MANY_MAPS else 3)


def stack_shape(panel) -> tuple[int, int]:
    """(columns, rows) a stack of maps is laid out in."""
    n = panel.array.shape[0]
    cols = {1: 1, 6: 3, 16: 8}.get(n, math.ceil(math.sqrt(n)))
    return cols, -(-n // cols)


def box_for(panel, text, sizes, numbered: bool) -> Box:
    """The geometry of one panel at `sizes`; numbered: the step has number grids (its plain maps
    only give context and may be left out when room is short)."""
    small_line = text.line(sizes.small)
    label_h = small_line + sizes.px(4)
    if isinstance(panel, Table):
        return table_box(panel, text, sizes)
    label_w = min(text.width(s, sizes.small) for s in panel_labels(panel))
    bar_w = colour_bar_width(text, panel, sizes) if has_colour_bar(panel) else 0
    gap = sizes.px(GAP)
    min_w = max(0, label_w - (gap - 10), bar_w - (gap - 10))
    bar_h = small_line + sizes.px(4) if has_colour_bar(panel) else 0
    # beside its panel, the label may wrap in a column as wide as the colour bar wants
    shortest = text.width(panel_labels(panel)[-1], sizes.small)
    chrome_w = bar_w + sizes.px(40) if bar_w else min(shortest, 10 * sizes.small)
    chrome_w = max(chrome_w, max(text.width(word, sizes.small) for word in panel_labels(panel)[-1].split()))
    lines = 1 if shortest <= chrome_w else len(ui.wrap(text, panel_labels(panel)[-1], chrome_w, sizes.small))
    beside_h = lines * small_line + (sizes.px(4) + small_line if bar_w else 0)
    common = dict(label_h=label_h, bar_h=bar_h, chrome_w=chrome_w, beside_h=beside_h)
    if panel.style == "bars":
        n = panel.array.size
        names = panel.names or tuple(str(i) for i in range(n))
        slot = max(text.width(s, sizes.small) for s in names) + sizes.px(10)
        floor_h = sizes.px(56) + small_line
        return Box(panel, "bars", floor_h, max(floor_h, sizes.px(240)), max(min_w, n * slot), droppable=False,
                   grow=lambda h: 1.5 * h, **common)
    if panel.array.ndim == 3:
        n, h, w = panel.array.shape
        cols, rows = stack_shape(panel)
        mh, mw = h + 2 * panel.pad, w + 2 * panel.pad
        name_h = small_line if stack_names(panel) else 0
        g = stack_gap(panel, sizes)
        least = max(1.0, sizes.px(24 if n <= MANY_MAPS else 10) / max(mh, mw))     # a map ~24 px across

        def stack_w(hh, cols=cols, rows=rows):
            cell = max(least, (hh - rows * name_h - (rows - 1) * g) / (rows * mh))
            return cols * mw * cell + (cols - 1) * g
        min_h = int(rows * (mh * least + name_h) + (rows - 1) * g)
        return Box(panel, "stack", min_h, 100_000, min_w, grow=stack_w, droppable=numbered, **common)
    R, C, _ = grid_of(panel)
    R, C = R + 2 * panel.pad, C + 2 * panel.pad
    if panel.style in NUMBER_STYLES:
        cw, ch = grid_min_cell(text, panel, sizes)
        cap_cell = max(cw, ch, sizes.px(64))
        strings = grid_strings(panel)
        fonts = [(text.height(f, "mono") + 2, max(text.width(s, f, "mono") for s in strings) + 6)
                 for f in (sizes.heading, sizes.title, sizes.body)]

        def grid_w(h):
            """Cells as tall as h allows and as wide as the largest numbers that height takes."""
            cell_h = h / R
            need = next((w for fh, w in fonts if fh <= cell_h), cw)
            return C * max(cell_h, cw, need)

        def font(w, h):
            return number_size(text, strings, w // C, h // R, sizes) or 0
        return Box(panel, "grid", R * ch, R * cap_cell, min_w, grow=grid_w, font=font, **common)
    if panel.transpose:          # a whole weight matrix on its side: an overview strip
        return Box(panel, "map", sizes.px(40), sizes.px(130), min_w, grow=lambda h: h * C / R, droppable=numbered,
                   **common)
    cap_cell = sizes.px(48 if panel.array.ndim == 1 else 40)
    least = max(2 * R, sizes.px(24))
    return Box(panel, "map", least, max(least, R * cap_cell), min_w, grow=lambda h: h * C / R, droppable=numbered,
               **common)


def table_size(text, table: Table, size: int) -> tuple[int, int]:
    widths = table_columns(text, table, size)
    return sum(widths) + 24 * (len(widths) - 1), text.line(size) * (len(table.rows) + 1) + 8


def table_columns(text, table: Table, size: int) -> list[int]:
    w = [text.width(h, size) for h in table.header]
    for row in table.rows:
        for c, cell in enumerate(row):
            w[c] = max(w[c], text.width(cell.text, size))
    return w


def table_sizes(sizes) -> tuple[int, ...]:
    return sizes.title, sizes.body, sizes.small


def table_box(table: Table, text, sizes) -> Box:
    """A table at the largest of title, body and small its height allows."""
    measured = [table_size(text, table, size) for size in table_sizes(sizes)]
    small_w, small_h = measured[-1]

    def grow(h):
        return next((w for w, th in measured if th <= h), small_w)
    return Box(table, "table", small_h, measured[0][1], small_w, 0, 0, 0, grow=grow)


def table_font(text, table: Table, rect: pygame.Rect, sizes) -> int:
    """The largest of title, body and small at which the table fits rect."""
    for size in table_sizes(sizes):
        w, h = table_size(text, table, size)
        if w <= rect.w and h <= rect.h:
            return size
    return sizes.small


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
    fonts = [p.box.font(p.rect.w, p.rect.h) for p in placed if p.box.font is not None]
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
