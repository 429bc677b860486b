"""One lecture step laid out on a surface: pipeline strip, title, panels, arithmetic, caption.

    render_step(surface, step, index, total, theme, footer)

The layout adapts to the surface size; every font comes from the theme (cached), so the
projector theme's larger type reflows the same screen rather than overflowing it.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pygame

from ...engine.lecture import STAGES
from ...engine.lecture.step import Step, Table, Text, exponent_label, grid_format
from .draw import (colour_bar, colour_bar_width, put, draw_bars, draw_map, draw_stack, draw_table, paragraph, paragraph_height,
                           rich_line, table_size, wrap)
from ..ui.theme import THEMES, Theme, load_font
from ..ui import CHECK
from ..ui.sizes import MAX_UNIT, MIN_UNIT, REFERENCE

PHASE_LABEL = {"forward": "FORWARD →", "backward": "← BACKWARD", "update": "UPDATE"}
GAP = 28


def px(theme: Theme, size: float) -> int:
    return max(8, round(size * theme.scale))


def floor_px(theme: Theme) -> int:
    """The smallest text the lecture draws: 14 px at 1280×800, scaled with the window only
    (the projector theme's larger type does not raise the floor)."""
    return max(10, round(14 * window_scale(theme)))


def window_scale(theme: Theme) -> float:
    """How much larger than at 1280×800 the window draws (the theme's own type size left out)."""
    return theme.scale / (THEMES[theme.name].scale if theme.name in THEMES else 1.0)


def has_colour_bar(panel) -> bool:
    return not isinstance(panel, Table) and panel.style != "bars"


def phase_color(theme: Theme, phase: str) -> tuple:
    return {"forward": theme.good, "backward": theme.negative, "update": theme.accent}[phase]


# ----------------------------------------------------------------------------- header, footer

def strip_range(widths: list[int], seps: list[int], current: int, room: int, more: int) -> tuple[int, int]:
    """[lo, hi): the stages to draw so the strip fits `room` px: all when they fit, else those
    nearest the current one (each side cut off costs `more` px for its "…")."""
    lo, hi = 0, len(widths)

    def total(a, b):
        return sum(widths[a:b]) + sum(seps[a:b - 1]) + more * ((a > 0) + (b < len(widths)))
    while total(lo, hi) > room and hi - lo > 1:
        if current - lo > hi - 1 - current:
            lo += 1
        else:
            hi -= 1
    return lo, hi


def draw_strip(surface, step: Step, theme: Theme, x: int, y: int, width: int) -> int:
    """The network's stages in a row, the current one boxed; returns the height used. A network
    too long for one row shows the stages around the current one, "…" where it is cut."""
    stages = step.stages or STAGES
    keys = [k for k, _ in stages]
    current = keys.index(step.layer) if step.layer in keys else -1
    arrow = " ← " if step.phase == "backward" else " → "
    # the update is not a layer the gradient flows through: it follows the loss, set apart by "|"
    seps = [arrow] * (len(stages) - 2) + ["   |   "]
    size = px(theme, 15)
    while True:
        font = load_font("sans", size)
        total = sum(font.size(n)[0] for _, n in stages) + sum(font.size(a)[0] for a in seps) + 12
        if total <= width or size <= floor_px(theme):
            break
        size -= 1
    dots = font.size("…" + arrow)[0]
    lo, hi = strip_range([font.size(n)[0] for _, n in stages], [font.size(a)[0] for a in seps] + [0],
                         max(current, 0), width - 12, dots)
    total = (sum(font.size(n)[0] for _, n in stages[lo:hi]) + sum(font.size(a)[0] for a in seps[lo:hi - 1]) + 12
             + dots * ((lo > 0) + (hi < len(stages))))
    cx = x + (width - total) // 2
    strip = None

    def place(img, label):
        nonlocal strip, cx
        r = put(surface, img, (cx, y), label, record=False)
        strip = r if strip is None else strip.union(r)
        cx += img.get_width()
    if lo > 0:
        place(font.render("…" + arrow, True, theme.muted), "…")
    for i in range(lo, hi):
        name = stages[i][1]
        if step.phase == "backward":
            passed = i >= current
        else:
            passed = i <= current
        color = theme.text if passed else theme.muted
        if i == current:
            color = theme.background
        img = font.render(name, True, color)
        if i == current:
            cx += 6
            box = img.get_rect(topleft=(cx, y)).inflate(10, 4)
            pygame.draw.rect(surface, phase_color(theme, step.phase), box, border_radius=4)
        place(img, name)
        cx += 6 if i == current else 0
        if i < hi - 1:
            place(font.render(seps[i], True, theme.muted), seps[i])
    if hi < len(stages):
        place(font.render(arrow + "…", True, theme.muted), "…")
    CHECK.record(strip, " ".join(n for _, n in stages[lo:hi]))
    return font.get_linesize() + 6


def draw_header(surface, step: Step, index: int, total: int, theme: Theme, rect: pygame.Rect) -> int:
    y = rect.y + draw_strip(surface, step, theme, rect.x, rect.y, rect.w) + 6
    badge_font = load_font("bold", px(theme, 15))
    count = load_font("sans", px(theme, 17)).render(f"{index + 1} / {total}", True, theme.muted)
    badge = badge_font.render(PHASE_LABEL[step.phase], True, theme.background)
    right = rect.right
    br = badge.get_rect(topright=(right, y + 4)).inflate(14, 6)
    pygame.draw.rect(surface, phase_color(theme, step.phase), br, border_radius=5)
    put(surface, badge, badge.get_rect(center=br.center))
    put(surface, count, count.get_rect(topright=(br.left - 16, y + 4)))
    size = px(theme, 27)
    room = br.left - 16 - count.get_width() - 20 - rect.x
    while size > floor_px(theme) and load_font("bold", size).size(step.title)[0] > room:
        size -= 1
    title = load_font("bold", size).render(step.title, True, theme.text)
    put(surface, title, (rect.x, y), step.title)
    return y + max(title.get_height(), br.height) + 8 - rect.y


def draw_footer(surface, theme: Theme, rect: pygame.Rect, left: str, right: str, progress: float) -> int:
    """Key hints and status along the bottom, a thin progress bar above; returns its height."""
    size = px(theme, 14)
    while True:
        font = load_font("sans", size)
        if font.size(left)[0] + font.size(right)[0] + 40 <= rect.w or size <= floor_px(theme):
            break
        size -= 1
    h = font.get_linesize()
    y = rect.bottom - h
    put(surface, font.render(left, True, theme.muted), (rect.x, y))
    r = font.render(right, True, theme.muted)
    put(surface, r, r.get_rect(topright=(rect.right, y)))
    bar_y = y - 8
    pygame.draw.rect(surface, theme.panel_border, (rect.x, bar_y, rect.w, 3))
    pygame.draw.rect(surface, theme.accent, (rect.x, bar_y, int(rect.w * progress), 3))
    return h + 12


# ----------------------------------------------------------------------------- panels

def natural(panel, theme: Theme) -> tuple[float, float]:
    """(aspect = width / height of the content, largest sensible content height)."""
    if isinstance(panel, Table):
        w, h = table_size(panel, load_font("sans", px(theme, 22)))
        return w / h, h
    a = panel.array
    if panel.style == "bars":
        return 1.5, 10_000
    if a.ndim == 1:
        r, c = panel.grid or (1, a.size)
        return c / r, r * 48 * window_scale(theme)
    if a.ndim == 3:
        n, h, w = a.shape
        cols = {1: 1, 6: 3, 16: 8}.get(n, int(np.ceil(np.sqrt(n))))
        rows = -(-n // cols)
        p = panel.pad
        return cols * (w + 2 * p) / (rows * (h + 2 * p)), 10_000
    r, c = a.shape[::-1] if panel.transpose else a.shape
    p = panel.pad
    if panel.transpose:       # a whole weight matrix: an overview strip, the zoom beside it reads the numbers
        return c / r, px(theme, 130)
    cap = (92 if panel.style in ("numbers", "gray-numbers") else 40) * window_scale(theme)
    return (c + 2 * p) / (r + 2 * p), (r + 2 * p) * cap


def label_room(panel, theme: Theme) -> int:
    """The narrowest a panel may be so one of its labels fits above it at the smallest size."""
    if isinstance(panel, Table):
        return 0
    font = load_font("sans", floor_px(theme))
    label = min(font.size(name)[0] for name in panel_labels(panel)) - (GAP - 8)
    bar = colour_bar_width(panel, font) - GAP + 6 if has_colour_bar(panel) else 0
    return max(0, label, bar)


def fit_row(panels, width: int, height: int, theme: Theme, label_h: int) -> tuple[int, list[int]]:
    """Content height and widths so the row's panels fill `width` at most `height` tall; a
    panel is never narrower than its shortest label (the others give way)."""
    least = [label_room(p, theme) for p in panels]
    for _ in range(30):
        h, widths = _fit_row(panels, width, height, theme, label_h)
        widths = [max(w, m) for w, m in zip(widths, least)]
        if sum(widths) + GAP * (len(panels) - 1) <= width or height <= label_h + 8:
            return h, widths
        height = int(label_h + (height - label_h) * 0.9)
    return h, widths


def _fit_row(panels, width: int, height: int, theme: Theme, label_h: int) -> tuple[int, list[int]]:
    nat = [natural(p, theme) for p in panels]
    avail = width - GAP * (len(panels) - 1)
    grids = [p for p in panels if not isinstance(p, Table) and p.style in ("numbers", "gray-numbers")]
    if grids:
        h0 = min(height - label_h, avail / sum(a for a, _ in nat))
        if any(h0 / (g.array.shape[0] + 2 * g.pad) < px(theme, 42) for g in grids):
            # the number grids would be hard to read: plain maps beside them step back
            nat = [(a * 0.55, cap) if not isinstance(p, Table) and p.style in ("heat", "gray")
                   and p.array.ndim in (1, 2) else (a, cap) for p, (a, cap) in zip(panels, nat)]
    h = max(1.0, height - label_h)
    fixed: dict[int, float] = {}
    for _ in range(len(panels)):
        free = [i for i in range(len(panels)) if i not in fixed]
        room = avail - sum(nat[i][0] * fixed[i] for i in fixed)
        h_free = min(h, room / max(1e-6, sum(nat[i][0] for i in free))) if free else h
        capped = [i for i in free if nat[i][1] < h_free]
        if not capped:
            break
        for i in capped:
            fixed[i] = nat[i][1]
    heights = [fixed.get(i, h_free) for i in range(len(panels))]
    return int(max(heights)), [int(nat[i][0] * heights[i]) for i in range(len(panels))]


def layout_panels(step: Step, rect: pygame.Rect, theme: Theme, label_h: int, bar_h: int = 0):
    """[(panel, content rect)] for every panel, rows stacked top to bottom and centred; each row
    keeps label_h above its panels for their labels and bar_h below for their colour bars."""
    rows: dict[int, list] = {}
    for p in step.panels:
        rows.setdefault(p.row, []).append(p)
    order = sorted(rows)
    wanted = [fit_row(rows[r], rect.w, rect.h, theme, label_h + bar_h)[0] + label_h + bar_h for r in order]
    room = rect.h - GAP * (len(order) - 1)
    # rows with number grids keep their size as long as the others can give way (down to half)
    numeric = [any(not isinstance(p, Table) and p.style in ("numbers", "gray-numbers") for p in rows[r])
               for r in order]
    chrome = label_h + bar_h      # labels and colour bars keep their size; the figures give way
    other = sum(w - chrome for w, n in zip(wanted, numeric) if not n)
    if any(numeric) and other > 0 and sum(wanted) > room:
        give = min(0.4, (sum(wanted) - room) / other)
        wanted = [w if n else int(chrome + (w - chrome) * (1 - give)) for w, n in zip(wanted, numeric)]
    scale = min(1.0, room / max(1, sum(wanted)))
    heights = [int(w * scale) for w in wanted]
    y = rect.y + max(0, (room - sum(heights)) // 2)
    placed = []
    for r, rh in zip(order, heights):
        h, widths = fit_row(rows[r], rect.w, rh, theme, label_h + bar_h)
        total = sum(widths) + GAP * (len(widths) - 1)
        x = rect.x + (rect.w - total) // 2
        for p, w in zip(rows[r], widths):
            placed.append((p, pygame.Rect(x, y + label_h, w, h)))
            x += w + GAP
        y += rh + GAP
    return placed


def shape_of(panel) -> str:
    """The shape of the array a panel draws, as its label writes it: '28×28', '6×14×14', '400'."""
    return "×".join(str(n) for n in panel.array.shape)


def panel_labels(panel) -> list[str]:
    """The panel's label, longest wording first: with the shape it draws (unless the label
    already says it) and the unit of its number grid (×10⁻³); then without the words in
    brackets; then without what comes before a colon ("∂L/∂y: ∂pool2 map 1" → "∂pool2 map 1").
    The caller takes the first that fits (a narrow panel says less, never cuts)."""
    unit = exponent_label(grid_format(panel.array)[1]) if panel.style in ("numbers", "gray-numbers") else ""
    shape = shape_of(panel)
    forms = []
    bare = re.sub(r"\s*\([^)]*\)", "", panel.label)
    for label in (panel.label, bare, bare.partition(": ")[2] or bare):
        if shape not in label.replace(", ", "×").replace(" × ", "×") and f"({shape})" not in label:
            label += f"  [{shape}]"
        if label + unit not in forms:
            forms.append(label + unit)
    return forms


def draw_panel(surface, panel, rect: pygame.Rect, theme: Theme, label_size: int, bar_h: int = 0) -> None:
    floor = floor_px(theme)
    if isinstance(panel, Table):
        draw_table(surface, rect, panel, theme, px(theme, 22), floor)
        return
    room = rect.w + GAP - 8        # neighbours' labels stay apart (the layout check wants 5 px)
    for name in panel_labels(panel):       # the largest size, the longest wording that fits
        size = label_size
        while size > floor and load_font("sans", size).size(name)[0] > room:
            size -= 1
        if load_font("sans", size).size(name)[0] <= room:
            break
    label = load_font("sans", size).render(name, True, theme.muted)
    where = label.get_rect(midbottom=(rect.centerx, rect.y - 4))
    where.clamp_ip(surface.get_rect())
    put(surface, label, where, name)
    a = panel.array
    small = load_font("sans", floor)
    if bar_h and has_colour_bar(panel):
        colour_bar(surface, pygame.Rect(rect.x - GAP // 2, rect.bottom + 2, rect.w + GAP, bar_h - 2), panel, a,
                   theme, small)
    if panel.style == "bars":
        draw_bars(surface, rect, panel, theme, load_font("sans", px(theme, 15)))
    elif a.ndim == 3:
        draw_stack(surface, rect, panel, theme, small)
    elif a.ndim == 1:
        r, c = panel.grid or (1, a.size)
        marks = tuple(divmod(m[0], c) for m in panel.marks)
        draw_map(surface, rect, panel, a.reshape(r, c), theme, marks=marks)
    elif panel.transpose:
        box = None if panel.box is None else (panel.box[1], panel.box[0], panel.box[3], panel.box[2])
        draw_map(surface, rect, panel, a.T, theme, marks=tuple((c, r) for r, c in panel.marks), box=box)
    else:
        draw_map(surface, rect, panel, a, theme, marks=panel.marks, box=panel.box, reveal=panel.reveal,
                 numbers=panel.style in ("numbers", "gray-numbers"), floor=floor)


# ----------------------------------------------------------------------------- the step

def line_font(lines: tuple[Text, ...], theme: Theme, width: int):
    """Size for the arithmetic: the base size, shrunk (to 70 %) until the longest line fits."""
    base = px(theme, 22)
    size = base
    while size > base * 0.7:
        font = load_font("sans", size)
        if all(font.size(t.text)[0] <= width for t in lines):
            return font
        size -= 1
    return load_font("sans", size)


def render_step(surface: pygame.Surface, step: Step, index: int, total: int, theme: Theme,
                footer_left: str = "", footer_right: str = "") -> None:
    W, H = surface.get_size()
    # type scales with the window like the UI kit's Sizes (0.86 … 2.4 × the 1280×800 sizes)
    fit = min(W / REFERENCE[0], H / REFERENCE[1])
    theme = replace(theme, scale=theme.scale * min(MAX_UNIT, max(MIN_UNIT, fit)))
    m = max(16, int(min(W, H) * 0.025))
    surface.fill(theme.background)
    inner = pygame.Rect(m, m, W - 2 * m, H - 2 * m)
    top = inner.y + draw_header(surface, step, index, total, theme, inner)
    bottom = inner.bottom - draw_footer(surface, theme, inner, footer_left, footer_right, (index + 1) / total)

    cap_font = load_font("sans", px(theme, 19))
    cap_h = paragraph_height(step.caption, cap_font, inner.w)
    bottom -= cap_h
    paragraph(surface, step.caption, pygame.Rect(inner.x, bottom, inner.w, cap_h), cap_font, theme.text,
              theme.accent)
    if step.lines:
        font = line_font(step.lines, theme, inner.w - 24)
        wrapped = [(t, a, b) for t in step.lines for a, b in wrap(t, font, inner.w - 24)]
        lh = int(font.get_linesize() * 1.12)
        block = len(wrapped) * lh + 16
        bottom -= block + 10
        box = pygame.Rect(inner.x, bottom, inner.w, block)
        pygame.draw.rect(surface, theme.panel, box, border_radius=8)
        pygame.draw.rect(surface, theme.panel_border, box, 1, border_radius=8)
        y = box.y + 8
        for t, a, b in wrapped:
            rich_line(surface, t, a, b, (box.x + 12, y), font, theme.text, theme.accent)
            y += lh
    bottom -= 12
    label_font = load_font("sans", px(theme, 15))
    bar_h = load_font("sans", floor_px(theme)).get_linesize() + 6
    area = pygame.Rect(inner.x, top + 4, inner.w, bottom - top - 4)
    for panel, rect in layout_panels(step, area, theme, label_font.get_linesize() + 4, bar_h):
        draw_panel(surface, panel, rect, theme, px(theme, 15), bar_h)


def render_to_surface(step: Step, index: int, total: int, theme: Theme, size=(1280, 800), **footer) -> pygame.Surface:
    surface = pygame.Surface(size)
    render_step(surface, step, index, total, theme, **footer)
    return surface
