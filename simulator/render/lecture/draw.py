"""Drawing a lecture step's panels where layout.py placed them: maps and number grids, stacks
of maps, bars, tables, each with its label and colour bar. Every string goes through the
kit's Text at a size from the window's Sizes; every number through fmt / grid_format /
grid_text. They draw what a Step holds and compute nothing about the model.
"""
from __future__ import annotations

import numpy as np
import pygame

from .. import ui
from ..ui.theme import Theme, array_surface, gray_rgb
from .boxes import (GAP, bar_ends, bar_labels, bar_name_lines, grid_of, grid_strings, has_colour_bar, number_size, panel_labels, stack_gap,
                    stack_names, table_columns, table_font, table_size)
from .layout import Placed

INK_DARK, INK_LIGHT = (0, 0, 0), (255, 255, 255)


# ----------------------------------------------------------------------------- text

def runs_of(t, colour, num_colour) -> list[tuple]:
    """A Step Text (or a string) as runs for Text.runs / ui.paragraph: its numbers (marks) in
    num_colour, the rest in colour."""
    if isinstance(t, str):
        return [(t, colour)]
    s, cuts = t.text, {0, len(t.text)}
    for m in t.marks:
        cuts.update((m.start, m.end))
    cuts = sorted(cuts)
    return [(s[a:b], num_colour if any(m.start <= a and b <= m.end for m in t.marks) else colour)
            for a, b in zip(cuts, cuts[1:]) if b > a]


def label_for(text, panel, room: int, size: int) -> str:
    """The longest wording of the panel's label that fits room (else the shortest)."""
    forms = panel_labels(panel)
    return ui.first_fitting(text, forms, room, size) or forms[-1]


# ----------------------------------------------------------------------------- colours

def rgb_of(panel, a: np.ndarray, theme: Theme) -> np.ndarray:
    """[H,W,3] colours of what a panel draws: a colour picture as it looks, a gray map (black …
    white, or black … its channel's colour when tinted), else the heat colours of its scale."""
    if panel.style == "rgb":
        return np.ascontiguousarray(np.moveaxis(np.asarray(a, np.uint8), 0, -1))
    if panel.style in ("gray", "gray-numbers"):
        return tinted(gray_rgb(a, panel.low, panel.limit), panel.tint)
    return ui.heat(a, panel.limit, theme, panel.one_sided)


def tinted(rgb: np.ndarray, tint: int | None) -> np.ndarray:
    """A gray picture's colours as black … one colour channel's full colour (tint 0 red, 1 green,
    2 blue), as a colour picture's channel plane looks on its own; None: unchanged."""
    if tint is None:
        return rgb
    out = np.zeros_like(rgb)
    out[..., tint] = rgb[..., tint]
    return out


def colour_bar(surface, text, rect: pygame.Rect, panel, theme: Theme, size: int, align: str = "center") -> None:
    """The panel's colour scale as a small bar with its end values written: −limit … +limit, or
    0 … +limit for a tensor that is never negative (after ReLU); the same scale in every step."""
    gray, one_sided, lo, hi = bar_ends(panel)
    left, right = bar_labels(panel)
    lw, rw = text.width(left, size), text.width(right, size)
    gap = max(6, size // 3)
    bar_w = max(16, min(8 * size, rect.w - lw - rw - 2 * gap))
    total = lw + bar_w + rw + 2 * gap
    x = rect.centerx - total // 2 if align == "center" else rect.x
    cy = rect.centery
    text.draw(surface, left, (x, cy), size, theme.muted, anchor="midleft")
    bar_h = max(6, size // 2)
    ramp = pygame.Rect(x + lw + gap, cy - bar_h // 2, bar_w, bar_h)
    if gray:
        values = np.linspace(lo, hi, bar_w)[None, :]
        ramp_rgb = tinted(gray_rgb(values, panel.low, panel.limit), panel.tint)
        surface.blit(pygame.transform.scale(array_surface(ramp_rgb, 1), ramp.size), ramp)
        pygame.draw.rect(surface, theme.panel_border, ramp.inflate(2, 2), 1)
    else:
        ui.ramp(surface, ramp, theme, one_sided, vertical=False)
    text.draw(surface, right, (ramp.right + gap, cy), size, theme.muted, anchor="midleft")


# ----------------------------------------------------------------------------- maps

def map_geometry(rows: int, cols: int, rect: pygame.Rect):
    """Cell size and top-left so a rows×cols map sits centred in rect."""
    cell = min(rect.w / cols, rect.h / rows)
    if cell >= 1:
        cell = int(cell)
    w, h = int(cols * cell), int(rows * cell)
    return cell, rect.x + (rect.w - w) // 2, rect.y + (rect.h - h) // 2, w, h


def draw_map(surface, theme: Theme, rect, panel, a: np.ndarray, marks=(), box=None, focus=False, reveal=None,
             mark_width: int = 3) -> pygame.Rect:
    """One 2-D array as coloured cells, its zero padding hatched, the not yet computed cells
    (reveal) left blank; returns the rectangle drawn (padding included)."""
    pad = panel.pad
    rows, cols = a.shape[-2:]
    cell, x0, y0, w, h = map_geometry(rows + 2 * pad, cols + 2 * pad, rect)
    rgb = rgb_of(panel, a, theme)
    if reveal is not None:
        hidden = np.arange(a.size).reshape(a.shape) >= reveal
        rgb[hidden] = theme.background
    if pad:
        full = np.empty((rows + 2 * pad, cols + 2 * pad, 3), np.uint8)
        full[...] = theme.zero
        full[pad:pad + rows, pad:pad + cols] = rgb
        rgb = full
    if cell >= 1:
        surf = array_surface(rgb, int(cell))
    else:
        surf = pygame.transform.smoothscale(array_surface(rgb, 1), (max(1, w), max(1, h)))
    surface.blit(surf, (x0, y0))
    area = pygame.Rect(x0, y0, w, h)
    inner = pygame.Rect(x0 + pad * cell, y0 + pad * cell, cols * cell, rows * cell)
    if pad:
        step = max(3, int(cell) // 2 + 2)
        for band in (pygame.Rect(area.x, area.y, area.w, inner.y - area.y),
                     pygame.Rect(area.x, inner.bottom, area.w, area.bottom - inner.bottom),
                     pygame.Rect(area.x, inner.y, inner.x - area.x, inner.h),
                     pygame.Rect(inner.right, inner.y, area.right - inner.right, inner.h)):
            if band.w > 0 and band.h > 0:
                ui.hatch(surface, band, theme.muted, step)
        pygame.draw.rect(surface, theme.muted, inner.inflate(2, 2), 1)
    else:
        pygame.draw.rect(surface, theme.panel_border, area.inflate(2, 2), 1)
    if reveal is not None and reveal < a.size:
        pygame.draw.rect(surface, theme.panel_border, inner, 1)
    if box is not None:
        r0, c0, bh, bw = box
        br = pygame.Rect(x0 + (c0 + pad) * cell, y0 + (r0 + pad) * cell, bw * cell, bh * cell)
        pygame.draw.rect(surface, theme.accent, br.inflate(4, 4), max(2, int(cell) // 8 + 2))
    for r, c in marks:
        center = (int(x0 + (c + pad + 0.5) * cell), int(y0 + (r + pad + 0.5) * cell))
        if cell >= 9:
            cr = pygame.Rect(0, 0, int(cell) + 4, int(cell) + 4)
            cr.center = center
            pygame.draw.rect(surface, theme.accent, cr, mark_width)
        else:
            pygame.draw.circle(surface, theme.accent, center, max(7, int(cell * 1.6)), mark_width)
    if focus:
        pygame.draw.rect(surface, theme.accent, area.inflate(8, 8), 3)
    return area


def grid_cells(panel, rect: pygame.Rect) -> tuple[int, int, int, int]:
    """(cell width, cell height, x0, y0) of a number grid filling rect (cells as tall as the
    rect allows, as wide as the rect gives them), centred."""
    rows, cols, _ = grid_of(panel)
    rows, cols = rows + 2 * panel.pad, cols + 2 * panel.pad
    ch = max(1, rect.h // rows)
    cw = max(1, rect.w // cols)
    return cw, ch, rect.x + (rect.w - cw * cols) // 2, rect.y + (rect.h - ch * rows) // 2


def draw_grid(surface, text, sizes, theme: Theme, rect, panel, marks=()) -> bool:
    """A number grid: every cell coloured on the tensor's scale and written with one format
    (grid_format) for the whole grid. Returns False when the cells are too small for the
    smallest text (colours only: the screen must then say so)."""
    _, _, a = grid_of(panel)
    rows, cols = a.shape
    pad = panel.pad
    cw, ch, x0, y0 = grid_cells(panel, rect)
    flat = grid_strings(panel)
    strings = [flat[r * cols:(r + 1) * cols] for r in range(rows)]
    rgb = rgb_of(panel, a, theme)
    gx, gy = x0 + pad * cw, y0 + pad * ch
    if pad:
        outer = pygame.Rect(x0, y0, cw * (cols + 2 * pad), ch * (rows + 2 * pad))
        pygame.draw.rect(surface, theme.zero, outer)
        ui.hatch(surface, outer, theme.muted, max(4, ch // 3))
    size = number_size(text, flat, cw, ch, sizes)
    lum = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    border = 2 if cw >= 60 else 1          # large cells: a firmer line between two numbers
    for r in range(rows):
        for c in range(cols):
            cell = pygame.Rect(gx + c * cw, gy + r * ch, cw, ch)
            hidden = panel.reveal is not None and r * cols + c >= panel.reveal
            pygame.draw.rect(surface, theme.background if hidden else tuple(int(v) for v in rgb[r, c]), cell)
            pygame.draw.rect(surface, theme.panel_border, cell, border)
            if size is not None and not hidden:
                ink = INK_DARK if lum[r, c] > 140 else INK_LIGHT
                text.number(surface, strings[r][c], cell.center, size, ink, "mono")
    for r, c in marks:
        pygame.draw.rect(surface, theme.accent, (gx + c * cw - 1, gy + r * ch - 1, cw + 2, ch + 2), 3)
    return size is not None


def draw_stack(surface, text, sizes, theme: Theme, rect, panel, marks_everywhere: bool = False) -> None:
    """The maps of a [C,H,W] panel in a block, the one in focus outlined (its marks drawn; on
    every map when marks_everywhere), each named above it when the names fit."""
    a = panel.array
    n, h, w = a.shape
    named = stack_names(panel)
    name_h = text.line(sizes.small) if named else 0
    pad = panel.pad
    g = stack_gap(panel, sizes)
    cols, cell = stack_layout(n, h + 2 * pad, w + 2 * pad, rect, g, name_h)
    rows = -(-n // cols)
    if cell >= 1:
        cell = int(cell)
    mw, mh = (w + 2 * pad) * cell, (h + 2 * pad) * cell
    total_w = cols * mw + (cols - 1) * g
    total_h = rows * (mh + name_h) + (rows - 1) * g
    x0, y0 = rect.x + (rect.w - total_w) // 2, rect.y + (rect.h - total_h) // 2
    every_name = named and max(text.width(s, sizes.small) for s in panel.names) <= mw + g - 6
    for i in range(n):
        r, c = divmod(i, cols)
        x, y = x0 + c * (mw + g), y0 + r * (mh + name_h + g)
        if named and (i == panel.focus or every_name):
            colour = theme.accent if i == panel.focus else theme.muted
            text.draw(surface, panel.names[i], (x, y), sizes.small, colour)
        marks = panel.marks if (i == panel.focus or marks_everywhere) else ()
        draw_map(surface, theme, pygame.Rect(x, y + name_h, mw, mh), panel, a[i], marks=marks,
                 box=panel.box if i == panel.focus or cell >= 4 else None, focus=(i == panel.focus),
                 mark_width=3 if i == panel.focus else 2)


def stack_layout(n: int, h: int, w: int, rect: pygame.Rect, gap: int, name_h: int):
    """Columns and cell size that fit n maps of h×w largest into rect."""
    best = (1, 0.0)
    for cols in range(1, n + 1):
        rows = -(-n // cols)
        cell = min((rect.w - gap * (cols - 1)) / (cols * w), (rect.h - (gap + name_h) * rows) / (rows * h))
        if cell > best[1]:
            best = (cols, cell)
    return best


def draw_bars(surface, text, sizes, theme: Theme, rect, panel) -> None:
    """One bar per entry (the digits, the classes), the marked one in the accent colour, named
    below (in two lines, or by number, when the names are too wide for their bars)."""
    v = np.asarray(panel.array, np.float64)
    n = v.size
    slot = rect.w / n
    names = bar_name_lines(text, panel.names or tuple(str(i) for i in range(n)), slot, sizes.small, sizes.px(10))
    line = text.line(sizes.small)
    label_h = line * max(len(lines) for lines in names) + 2
    area = pygame.Rect(rect.x, rect.y, rect.w, rect.h - label_h - 4)
    lim = panel.limit or 1.0
    has_neg = bool((v < 0).any())
    base = area.y + (area.h // 2 if has_neg else area.h)
    span = area.h // 2 if has_neg else area.h
    marked = {m[0] for m in panel.marks}
    for i, x in enumerate(v):
        height = int(np.clip(abs(x) / lim, 0, 1) * (span - 2)) if np.isfinite(x) else span
        colour = theme.accent if i in marked else (theme.positive if x >= 0 else theme.negative)
        bx = int(area.x + i * slot + slot * 0.15)
        bw = max(2, int(slot * 0.7))
        bar = pygame.Rect(bx, base - height, bw, height) if x >= 0 else pygame.Rect(bx, base, bw, height)
        pygame.draw.rect(surface, colour, bar)
        where = None
        for k, words in enumerate(names[i]):
            r = text.draw(surface, words, (int(area.x + (i + 0.5) * slot), area.bottom + 4 + k * line), sizes.small,
                          theme.accent if i in marked else theme.text, anchor="midtop")
            where = r if where is None else where.union(r)
        if i in marked:
            pygame.draw.rect(surface, theme.accent, where.inflate(8, 2), 2, border_radius=4)
    pygame.draw.line(surface, theme.muted, (area.x, base), (area.right, base), 2)


def draw_table(surface, text, sizes, theme: Theme, rect, table) -> None:
    """Header, then one line per row, columns right-aligned; the marked row on a tinted band."""
    size = table_font(text, table, rect, sizes)
    widths = table_columns(text, table, size)
    tw, th = table_size(text, table, size)
    x0, y = rect.x + (rect.w - tw) // 2, rect.y + (rect.h - th) // 2
    line = text.line(size)
    x = x0
    for c, head in enumerate(table.header):
        text.draw(surface, head, (x + widths[c], y), size, theme.muted, anchor="topright")
        x += widths[c] + 24
    y += line + 4
    pygame.draw.line(surface, theme.panel_border, (x0, y - 3), (x0 + tw, y - 3), 1)
    for r, row in enumerate(table.rows):
        if r == table.mark_row:
            pygame.draw.rect(surface, ui.figures.blend(theme.panel, theme.accent, 0.25), (x0 - 6, y, tw + 12, line))
        x = x0
        for c, cell in enumerate(row):
            if cell.text:            # an empty cell (the "other N classes" row has no z and no p)
                text.runs(surface, runs_of(cell, theme.text, theme.text), (x + widths[c], y), size, anchor="topright")
            x += widths[c] + 24
        y += line


# ----------------------------------------------------------------------------- a panel

def draw_panel(surface, text, sizes, theme: Theme, placed: Placed, marks_everywhere: bool = False) -> bool:
    """One placed panel with its label and colour bar; False when a number grid could not
    write its numbers (too little room)."""
    panel, rect = placed.panel, placed.rect
    kind = placed.box.kind
    if kind == "table":
        draw_table(surface, text, sizes, theme, rect, panel)
        return True
    gap = sizes.px(GAP)
    small = sizes.small
    if placed.beside:
        col = pygame.Rect(placed.outer.x, rect.y, placed.box.chrome_w, rect.h)
        name = ui.first_fitting(text, panel_labels(panel), col.w, small)
        lines = [name] if name else ui.wrap(text, panel_labels(panel)[-1], col.w, small)
        y = col.y
        for line in lines:
            y = text.draw(surface, line, (col.x, y), small, theme.muted).bottom
        if has_colour_bar(panel):
            bar = pygame.Rect(col.x, y + sizes.px(4), col.w, text.line(small))
            colour_bar(surface, text, bar, panel, theme, small, align="left")
    else:
        name = label_for(text, panel, rect.w + gap - 10, small)
        text.draw(surface, name, (rect.centerx, rect.y - sizes.px(2)), small, theme.muted, anchor="midbottom")
        if has_colour_bar(panel):
            bar = pygame.Rect(rect.x - (gap - 10) // 2, rect.bottom + sizes.px(2), rect.w + gap - 10,
                              placed.box.bar_h - sizes.px(2))
            colour_bar(surface, text, bar, panel, theme, small)
    a = panel.array
    if kind == "bars":
        draw_bars(surface, text, sizes, theme, rect, panel)
    elif kind == "stack":
        draw_stack(surface, text, sizes, theme, rect, panel, marks_everywhere)
    elif kind == "grid":
        return draw_grid(surface, text, sizes, theme, rect, panel, marks=panel.marks)
    elif kind == "map":
        _, _, values = grid_of(panel)
        if a.ndim == 1:
            cols = values.shape[1]
            marks = tuple(divmod(m[0], cols) for m in panel.marks)
            draw_map(surface, theme, rect, panel, values, marks=marks)
        elif panel.transpose:
            box = None if panel.box is None else (panel.box[1], panel.box[0], panel.box[3], panel.box[2])
            draw_map(surface, theme, rect, panel, values, marks=tuple((c, r) for r, c in panel.marks), box=box)
        else:
            draw_map(surface, theme, rect, panel, values, marks=panel.marks, box=panel.box, reveal=panel.reveal)
    else:
        raise ValueError(f"unknown panel kind {kind!r}")
    return True

