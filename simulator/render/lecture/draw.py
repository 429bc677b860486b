"""Drawing primitives for lecture steps: rich text with highlighted numbers, maps, number
grids, stacks of maps, bars and tables. They draw what a Step holds and compute nothing
about the model.
"""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.lecture.step import Panel, Table, Text, exponent_label, fmt, grid_format, grid_text
from ..ui import CHECK
from ..ui.theme import Theme, array_surface, gray_rgb, heat_rgb, load_font  # noqa: F401


# ----------------------------------------------------------------------------- text

def put(surface, img, where, label: str = "text", record: bool = True) -> pygame.Rect:
    """Blit a rendered text and tell the layout check where it went (ui.CHECK, when enabled).
    Pieces of one line (numbers in another colour) pass record=False; the line is recorded whole."""
    rect = surface.blit(img, where)
    if record:
        CHECK.record(rect, label)
    return rect


def segments(text: Text | str, a: int = 0, b: int | None = None):
    """(string, is_number) pieces of text[a:b], split at the marks' edges."""
    if isinstance(text, str):
        text = Text(text)
    s = text.text
    b = len(s) if b is None else b
    cuts = {a, b}
    for m in text.marks:
        cuts.update(x for x in (m.start, m.end) if a < x < b)
    cuts = sorted(cuts)
    out = []
    for x, y in zip(cuts, cuts[1:]):
        is_num = any(m.start <= x and y <= m.end for m in text.marks)
        out.append((s[x:y], is_num))
    return out


def wrap(text: Text | str, font: pygame.font.Font, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap: (start, end) character ranges of each line."""
    s = text.text if isinstance(text, Text) else text
    lines, start, last_space = [], 0, None
    i = 0
    while i <= len(s):
        if i == len(s) or s[i] == " ":
            if font.size(s[start:i])[0] > width and last_space is not None and last_space > start:
                lines.append((start, last_space))
                start = last_space + 1
                last_space = None
                continue
            last_space = i
        i += 1
    lines.append((start, len(s)))
    return [(a, b) for a, b in lines if b > a or len(lines) == 1]


def rich_line(surface, text, a, b, pos, font, color, num_color) -> int:
    """Blit text[a:b] at pos, numbers in num_color; returns the width drawn."""
    x, y = pos
    line = None
    for piece, is_num in segments(text, a, b):
        img = font.render(piece, True, num_color if is_num else color)
        r = put(surface, img, (x, y), piece, record=False)
        line = r if line is None else line.union(r)
        x += img.get_width()
    if line is not None:
        CHECK.record(line, (text.text if isinstance(text, Text) else text)[a:b])
    return x - pos[0]


def paragraph(surface, text, rect: pygame.Rect, font, color, num_color, spacing=1.15) -> int:
    """Wrapped text in rect (top-left aligned); returns the height used."""
    y = rect.y
    step = int(font.get_linesize() * spacing)
    for a, b in wrap(text, font, rect.w):
        rich_line(surface, text, a, b, (rect.x, y), font, color, num_color)
        y += step
    return y - rect.y


def paragraph_height(text, font, width, spacing=1.15) -> int:
    return len(wrap(text, font, width)) * int(font.get_linesize() * spacing)


# ----------------------------------------------------------------------------- maps

def blend(c1, c2, t: float) -> tuple:
    return tuple(int(a + (b - a) * t) for a, b in zip(c1, c2))


def rgb_of(panel: Panel, a: np.ndarray, theme: Theme) -> np.ndarray:
    if panel.style in ("gray", "gray-numbers"):
        return gray_rgb(a, panel.low, panel.limit)
    return heat_rgb(a, panel.limit, theme, panel.one_sided)


def fitting_font(strings, width: int, height: int, face="mono", cap=40, floor=8) -> pygame.font.Font | None:
    """The largest font (≤ cap px, ≥ floor px) in which every string fits width × height, or None."""
    size = int(min(cap, height * 0.6))
    while size >= floor:
        font = load_font(face, size)
        if max(font.size(s)[0] for s in strings) <= width and font.get_height() <= height:
            return font
        size -= 1
    return None


def map_geometry(rows: int, cols: int, rect: pygame.Rect, pad: int = 0):
    """Cell size and top-left so a rows×cols map (+ padding) sits centred in rect."""
    R, C = rows + 2 * pad, cols + 2 * pad
    cell = min(rect.w / C, rect.h / R)
    if cell >= 1:
        cell = int(cell)
    w, h = int(C * cell), int(R * cell)
    return cell, rect.x + (rect.w - w) // 2, rect.y + (rect.h - h) // 2, w, h


def draw_map(surface, rect, panel: Panel, a: np.ndarray, theme: Theme, marks=(), box=None,
             focus=False, numbers=False, reveal=None, floor=8) -> pygame.Rect:
    """One 2-D array as coloured cells; returns the rectangle drawn (padding included)."""
    pad = panel.pad
    rows, cols = a.shape
    cell, x0, y0, w, h = map_geometry(rows, cols, rect, pad)
    rgb = rgb_of(panel, a, theme)
    if reveal is not None:
        hidden = np.arange(a.size).reshape(a.shape) >= reveal
        rgb[hidden] = theme.background
    if pad:
        full = np.empty((rows + 2 * pad, cols + 2 * pad, 3), np.uint8)
        full[...] = blend(theme.panel, theme.panel_border, 0.35)
        full[pad:pad + rows, pad:pad + cols] = rgb
        rgb = full
    if cell >= 1:
        surf = array_surface(rgb, int(cell))
    else:
        surf = pygame.transform.smoothscale(array_surface(rgb, 1), (max(1, w), max(1, h)))
    surface.blit(surf, (x0, y0))
    area = pygame.Rect(x0, y0, w, h)
    if numbers and cell >= floor:
        _draw_numbers(surface, a, x0 + pad * cell, y0 + pad * cell, cell, rgb[pad:pad + rows, pad:pad + cols],
                      theme, reveal, floor)
    if pad:
        inner = pygame.Rect(x0 + pad * cell, y0 + pad * cell, cols * cell, rows * cell)
        pygame.draw.rect(surface, theme.muted, inner.inflate(2, 2), 1)
        if cell >= 6:   # dots mark the zero padding
            for r in range(rows + 2 * pad):
                for c in range(cols + 2 * pad):
                    if pad <= r < pad + rows and pad <= c < pad + cols:
                        continue
                    pygame.draw.circle(surface, theme.muted,
                                       (int(x0 + (c + 0.5) * cell), int(y0 + (r + 0.5) * cell)), 1)
    else:
        pygame.draw.rect(surface, theme.panel_border, area.inflate(2, 2), 1)
    if box is not None:
        r0, c0, bh, bw = box
        br = pygame.Rect(x0 + (c0 + pad) * cell, y0 + (r0 + pad) * cell, bw * cell, bh * cell)
        pygame.draw.rect(surface, theme.accent, br.inflate(4, 4), max(2, int(cell) // 8 + 2))
    for m in marks:
        r, c = m
        center = (int(x0 + (c + pad + 0.5) * cell), int(y0 + (r + pad + 0.5) * cell))
        if cell >= 9:
            cr = pygame.Rect(0, 0, int(cell) + 4, int(cell) + 4)
            cr.center = center
            pygame.draw.rect(surface, theme.accent, cr, 3)
        else:
            pygame.draw.circle(surface, theme.accent, center, max(7, int(cell * 1.6)), 3)
    if focus:
        pygame.draw.rect(surface, theme.accent, area.inflate(8, 8), 3)
    return area


def _draw_numbers(surface, a, x0, y0, cell, rgb, theme, reveal, floor):
    """Every cell's value, all written with one format (grid_format) chosen for the whole grid."""
    decimals, exponent = grid_format(a)
    strings = [[grid_text(v, decimals, exponent) for v in row] for row in a]
    # neighbouring numbers keep the layout check's gap (5 px) apart, so two never read as one
    font = fitting_font([s for row in strings for s in row], int(min(cell * 0.92, cell - 6)), int(cell * 0.8),
                        floor=floor)
    if font is None:       # too small to read: the colours alone, rather than unreadable digits
        return
    lum = rgb @ np.array([0.299, 0.587, 0.114])
    for r, row in enumerate(strings):
        for c, s in enumerate(row):
            if reveal is not None and r * a.shape[1] + c >= reveal:
                continue
            color = (0, 0, 0) if lum[r, c] > 140 else (255, 255, 255)
            img = font.render(s, True, color)
            put(surface, img, img.get_rect(center=(int(x0 + (c + 0.5) * cell), int(y0 + (r + 0.5) * cell))))
    for i in range(a.shape[0] + 1):
        pygame.draw.line(surface, theme.panel_border, (x0, y0 + i * cell), (x0 + a.shape[1] * cell, y0 + i * cell))
    for j in range(a.shape[1] + 1):
        pygame.draw.line(surface, theme.panel_border, (x0 + j * cell, y0), (x0 + j * cell, y0 + a.shape[0] * cell))


def stack_layout(n: int, h: int, w: int, rect: pygame.Rect, gap: int, label_h: int):
    """Columns and cell size that fit n maps of h×w largest into rect."""
    best = (1, 0.0)
    for cols in range(1, n + 1):
        rows = -(-n // cols)
        cell = min((rect.w - gap * (cols - 1)) / (cols * w), (rect.h - (gap + label_h) * rows) / (rows * h))
        if cell > best[1]:
            best = (cols, cell)
    return best


def bar_ends(panel: Panel) -> tuple[bool, bool, float, float]:
    """(gray, one-sided, low end, high end) of a panel's colour scale."""
    gray = panel.style in ("gray", "gray-numbers")
    one_sided = gray or panel.one_sided
    return gray, one_sided, panel.low if gray else (0.0 if one_sided else -panel.limit), panel.limit


def colour_bar_width(panel: Panel, font) -> int:
    """The narrowest a colour bar can be drawn: both end values, a 16 px ramp and the gaps."""
    _, _, lo, hi = bar_ends(panel)
    return font.size(fmt(lo))[0] + font.size(fmt(hi))[0] + 16 + 16


def colour_bar(surface, rect: pygame.Rect, panel: Panel, values: np.ndarray, theme: Theme, font) -> None:
    """The panel's colour scale as a small bar centred in rect with its end values written:
    −limit … +limit, or 0 … +limit for a tensor that is never negative (after ReLU). The ends
    are written like the captions' numbers (4 significant digits), so they can be compared."""
    gray, one_sided, lo, hi = bar_ends(panel)
    left, right = font.render(fmt(lo), True, theme.muted), font.render(fmt(hi), True, theme.muted)
    bar_w = max(16, min(220, rect.w - left.get_width() - right.get_width() - 24))
    total = left.get_width() + bar_w + right.get_width() + 16
    x = rect.centerx - total // 2
    y = rect.y + (rect.h - font.get_height()) // 2
    put(surface, left, (x, y))
    bx = x + left.get_width() + 8
    ramp = np.linspace(lo, hi, bar_w)[None, :]
    rgb = gray_rgb(ramp, panel.low, panel.limit) if gray else heat_rgb(ramp, panel.limit, theme, one_sided)
    bar_h = max(6, font.get_height() // 2)
    surf = pygame.transform.scale(array_surface(rgb, 1), (bar_w, bar_h))
    by = rect.y + (rect.h - bar_h) // 2
    surface.blit(surf, (bx, by))
    pygame.draw.rect(surface, theme.panel_border, (bx - 1, by - 1, bar_w + 2, bar_h + 2), 1)
    put(surface, right, (bx + bar_w + 8, y))


def draw_stack(surface, rect, panel: Panel, theme: Theme, small_font) -> None:
    a = panel.array
    n, h, w = a.shape
    label_h = small_font.get_linesize() if panel.names else 0
    pad = panel.pad
    cols, cell = stack_layout(n, h + 2 * pad, w + 2 * pad, rect, 10, label_h)
    rows = -(-n // cols)
    if cell >= 1:
        cell = int(cell)
    mw, mh = (w + 2 * pad) * cell, (h + 2 * pad) * cell
    total_w = cols * mw + (cols - 1) * 10
    total_h = rows * (mh + label_h) + (rows - 1) * 10
    x0, y0 = rect.x + (rect.w - total_w) // 2, rect.y + (rect.h - total_h) // 2
    # names that would run into each other (many small maps): only the map in focus is named
    every_name = not panel.names or max(small_font.size(s)[0] for s in panel.names) <= mw + 10 - 6
    for i in range(n):
        r, c = divmod(i, cols)
        x, y = x0 + c * (mw + 10), y0 + r * (mh + label_h + 10)
        if panel.names and (i == panel.focus or every_name):
            color = theme.accent if i == panel.focus else theme.muted
            put(surface, small_font.render(panel.names[i], True, color), (x, y))
        cell_rect = pygame.Rect(x, y + label_h, mw, mh)
        draw_map(surface, cell_rect, panel, a[i], theme, marks=panel.marks if i == panel.focus else (),
                 box=panel.box if i == panel.focus or cell >= 4 else None, focus=(i == panel.focus))


def draw_bars(surface, rect, panel: Panel, theme: Theme, font) -> None:
    v = np.asarray(panel.array, np.float64)
    n = v.size
    label_h = font.get_linesize()
    area = pygame.Rect(rect.x, rect.y, rect.w, rect.h - label_h)
    lim = panel.limit or 1.0
    has_neg = bool((v < 0).any())
    base = area.y + (area.h // 2 if has_neg else area.h)
    span = area.h // 2 if has_neg else area.h
    slot = area.w / n
    marked = {m[0] for m in panel.marks}
    for i, x in enumerate(v):
        height = int(np.clip(abs(x) / lim, 0, 1) * (span - 2)) if np.isfinite(x) else span
        color = theme.accent if i in marked else (theme.positive if x >= 0 else theme.negative)
        bx = int(area.x + i * slot + slot * 0.15)
        bw = max(2, int(slot * 0.7))
        bar = pygame.Rect(bx, base - height, bw, height) if x >= 0 else pygame.Rect(bx, base, bw, height)
        pygame.draw.rect(surface, color, bar)
        name = panel.names[i] if panel.names else str(i)
        img = font.render(name, True, theme.accent if i in marked else theme.text)
        where = img.get_rect(midtop=(int(area.x + (i + 0.5) * slot), area.bottom + 2))
        put(surface, img, where)
        if i in marked:
            pygame.draw.rect(surface, theme.accent, where.inflate(10, 2), 2, border_radius=4)
    pygame.draw.line(surface, theme.muted, (area.x, base), (area.right, base), 2)


# ----------------------------------------------------------------------------- tables

def table_size(table: Table, font) -> tuple[int, int]:
    widths = _col_widths(table, font)
    return sum(widths) + 24 * (len(widths) - 1), font.get_linesize() * (len(table.rows) + 1) + 8


def _col_widths(table: Table, font) -> list[int]:
    cols = len(table.header)
    w = [font.size(h)[0] for h in table.header]
    for row in table.rows:
        for c in range(cols):
            w[c] = max(w[c], font.size(row[c].text)[0])
    return w


def table_font(table: Table, rect: pygame.Rect, base: int, floor: int = 10) -> int:
    """The largest size ≤ base (≥ floor) at which the table fits rect."""
    size = base
    while size > floor:
        w, h = table_size(table, load_font("sans", size))
        if w <= rect.w and h <= rect.h:
            return size
        size -= 1
    return floor


def draw_table(surface, rect, table: Table, theme: Theme, base: int, floor: int = 10) -> None:
    size = table_font(table, rect, base, floor)
    font = load_font("sans", size)
    widths = _col_widths(table, font)
    tw, th = table_size(table, font)
    x0, y = rect.x + (rect.w - tw) // 2, rect.y + (rect.h - th) // 2
    line = font.get_linesize()
    x = x0
    for c, head in enumerate(table.header):
        img = font.render(head, True, theme.muted)
        put(surface, img, (x + widths[c] - img.get_width(), y))
        x += widths[c] + 24
    y += line + 4
    pygame.draw.line(surface, theme.panel_border, (x0, y - 3), (x0 + tw, y - 3), 1)
    for r, row in enumerate(table.rows):
        if r == table.mark_row:
            pygame.draw.rect(surface, blend(theme.panel, theme.accent, 0.25), (x0 - 6, y, tw + 12, line))
        x = x0
        for c, cell in enumerate(row):
            w = font.size(cell.text)[0]
            rich_line(surface, cell, 0, len(cell.text), (x + widths[c] - w, y), font, theme.text, theme.text)
            x += widths[c] + 24
        y += line
