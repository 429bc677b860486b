"""A lecture panel's geometry at the window's Sizes: the label it carries (longest wording
that fits), its colour bar's end values, and a Box that says how tall its content must be
(a number grid: tall enough for its numbers at sizes.small) and how wide it is at a height.
layout.py puts the boxes in rows. Geometry only: what is drawn comes from the Step.
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
    """Every map has its colour scale, but a colour picture (drawn as it looks) and bars."""
    return not isinstance(panel, Table) and panel.style not in ("bars", "rgb")


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


# ----------------------------------------------------------------------------- bar names

def two_lines(name: str) -> tuple[str, ...]:
    """A class name broken into two lines after the '-', '_' or space nearest its middle
    ('green-triangle' → 'green-', 'triangle'); a name with none stays one line."""
    cuts = [i + 1 for i, ch in enumerate(name[:-1]) if ch in "-_ "]
    if not cuts:
        return (name,)
    cut = min(cuts, key=lambda i: abs(2 * i - len(name)))
    return name[:cut].rstrip(), name[cut:]


def bar_name_lines(text, names, slot: float, size: int, gap: int) -> list[tuple[str, ...]]:
    """Each bar's name as the lines it is written in under a bar `slot` px wide: whole, else in
    two lines (two_lines), else (the names do not fit even so) the bar's number."""
    for form in ([(n,) for n in names], [two_lines(n) for n in names]):
        if all(text.width(line, size) + gap <= slot for lines in form for line in lines):
            return form
    return [(str(i),) for i in range(len(names))]


def bar_slot(text, names, size: int, gap: int) -> int:
    """The narrowest a bar's slot may be: its name's widest line when names may take two lines."""
    return max(text.width(line, size) for n in names for line in two_lines(n)) + gap


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
    number_px: object = field(default=None, repr=False)   # a grid's (content w, h) → its number size (0: none)

    def width(self, h: float) -> int:
        return max(self.min_w, int(self.grow(h)))

    def outer_w(self, h: float, beside: bool, sizes) -> int:
        return self.width(h) + (self.chrome_w + sizes.px(BESIDE_GAP) if beside else 0)


def grid_of(panel) -> tuple[int, int, np.ndarray]:
    """(rows, cols, 2-D values) of what a panel draws as one map (vectors as their block)."""
    a = panel.array
    if panel.style == "rgb":             # a colour picture [3,H,W]: one map of H×W pixels
        return a.shape[1], a.shape[2], a
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
        slot = bar_slot(text, names, sizes.small, sizes.px(10))
        floor_h = sizes.px(56) + small_line * max(len(two_lines(name)) for name in names)
        return Box(panel, "bars", floor_h, max(floor_h, sizes.px(240)), max(min_w, n * slot), droppable=False,
                   grow=lambda h: 1.5 * h, **common)
    if panel.array.ndim == 3 and panel.style != "rgb":
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

        def number_px(w, h):
            return number_size(text, strings, w // C, h // R, sizes) or 0
        return Box(panel, "grid", R * ch, R * cap_cell, min_w, grow=grid_w, number_px=number_px, **common)
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


