"""Figures every screen draws the same way: a panel with its title, a screen's header and its
key hints, a number grid, plot axes, a progress bar, an arrow. Sizes come from `Sizes`, text
goes through `Text` (so the layout check sees every string at its real size). Drawing only:
every number passed in comes from the engine.

Each helper takes the theme, the screen's Text and its Sizes as its first arguments after the
target surface, so a zoomed panel draws the same figure larger by passing the zoom's Sizes.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pygame

from ...numbers import fmt, grid_format, grid_text
from .check import CHECK
from .heat import heat
from .sizes import Sizes
from .text import Text, first_fitting, wrap
from .theme import Theme

PAD = 8             # reference pixels between a panel's border and its content
_PANELS: OrderedDict = OrderedDict()


# ----------------------------------------------------------------------------- panels

def panel(target: pygame.Surface, rect: pygame.Rect, theme: Theme, text: Text, sizes: Sizes, title: str = "",
          subtitles=(), highlight: bool = False, begin_scope: bool = True) -> pygame.Rect:
    """A rounded panel with its title (bold) and the first of `subtitles` (longest wording
    first) that fits beside it, or none (a subtitle is never cut). Texts drawn after it belong
    to this panel for the layout check (CHECK.begin) until the next panel (begin_scope=False:
    the caller has its own CHECK.scope open). Returns the inner content rect. The frame and
    title are rendered once per size and blitted after."""
    rect = pygame.Rect(rect)
    if begin_scope:
        CHECK.begin(title or f"panel at {rect.topleft}", rect)
    key = (rect.size, theme.name, title, sizes.title, highlight)
    pad = sizes.px(PAD)
    image = _PANELS.get(key)
    if image is None:
        image = pygame.Surface(rect.size)
        image.fill(theme.background)
        box = image.get_rect()
        pygame.draw.rect(image, theme.panel, box, border_radius=8)
        pygame.draw.rect(image, theme.accent if highlight else theme.panel_border, box, 2 if highlight else 1,
                         border_radius=8)
        if title:
            image.blit(text.surface(title, sizes.title, theme.text, "bold"), (pad, pad // 2))
        _PANELS[key] = image
        if len(_PANELS) > 48:
            _PANELS.popitem(last=False)
    else:
        _PANELS.move_to_end(key)
    target.blit(image, rect)
    if not title:
        return pygame.Rect(rect.x + pad, rect.y + pad, rect.w - 2 * pad, rect.h - 2 * pad)
    title_w = text.width(title, sizes.title, "bold")
    CHECK.record(pygame.Rect(rect.x + pad, rect.y + pad // 2, title_w, text.height(sizes.title, "bold")), title,
                 sizes.title)
    if isinstance(subtitles, str):
        subtitles = (subtitles,) if subtitles else ()
    x = rect.x + 2 * pad + title_w
    sub = first_fitting(text, subtitles, rect.right - x - pad, sizes.small) if subtitles else None
    if sub:
        bottom = rect.y + pad // 2 + text.font(sizes.title, "bold").get_ascent() + 1
        text.draw(target, sub, (x, bottom), sizes.small, theme.muted, anchor="bottomleft")
    return inner_rect(rect, text, sizes)


def inner_rect(rect: pygame.Rect, text: Text, sizes: Sizes) -> pygame.Rect:
    """The content area of a panel drawn by panel() with a title."""
    pad = sizes.px(PAD)
    top = rect.y + pad // 2 + text.height(sizes.title, "bold") + pad // 2
    return pygame.Rect(rect.x + pad, top, rect.w - 2 * pad, rect.bottom - top - pad)


def header(target: pygame.Surface, theme: Theme, text: Text, sizes: Sizes, title: str, subtitle: str = "") -> int:
    """A screen's title (and a subtitle wrapped below it) across the top; returns its bottom."""
    w = target.get_width()
    m = sizes.px(16)
    CHECK.begin("header", pygame.Rect(0, 0, w, target.get_height()))
    y = sizes.px(6)
    r = text.draw(target, title, (m, y), sizes.heading, theme.text, "bold")
    y = r.bottom
    for line in wrap(text, subtitle, w - 2 * m, sizes.small) if subtitle else ():
        r = text.draw(target, line, (m, y), sizes.small, theme.muted)
        y = r.bottom
    y += sizes.px(4)
    pygame.draw.line(target, theme.panel_border, (m, y), (w - m, y))
    return y + sizes.px(4)


def header_height(text: Text, sizes: Sizes, width: int, subtitle: str = "") -> int:
    """Where header() ends (the top of what is below it) in a window `width` wide: for laying
    a screen out before drawing it."""
    m = sizes.px(16)
    lines = len(wrap(text, subtitle, width - 2 * m, sizes.small)) if subtitle else 0
    return sizes.px(6) + text.height(sizes.heading, "bold") + lines * text.height(sizes.small) + 2 * sizes.px(4)


def hints_height(text: Text, sizes: Sizes) -> int:
    return text.line(sizes.small) + sizes.px(6)


def body_rect(size, text: Text, sizes: Sizes, subtitle: str = "") -> pygame.Rect:
    """Where a screen's panels go: below header(…, subtitle), above hints(), inside the margins."""
    m = sizes.px(16)
    top = header_height(text, sizes, size[0], subtitle) + sizes.px(4)
    bottom = size[1] - hints_height(text, sizes) - sizes.px(6)
    return pygame.Rect(m, top, size[0] - 2 * m, bottom - top)


def hints(target: pygame.Surface, theme: Theme, text: Text, sizes: Sizes, items) -> int:
    """The keys along the bottom: items are (key, what it does), most important first; those
    that do not fit are left out (say less), never shrunk. Returns the top of the strip."""
    w, h = target.get_size()
    m = sizes.px(16)
    top = h - hints_height(text, sizes)
    CHECK.begin("hints", pygame.Rect(0, top, w, h - top))
    gap = text.width("    ", sizes.small)
    x, y = m, top + sizes.px(3)
    for key, what in items:
        width = text.width(key, sizes.small, "bold") + text.width(" " + what, sizes.small)
        if x + width > w - m:
            break
        r = text.draw(target, key, (x, y), sizes.small, theme.accent, "bold")
        r = text.draw(target, " " + what, (r.right, y), sizes.small, theme.muted)
        x = r.right + gap
    pygame.draw.line(target, theme.panel_border, (m, top), (w - m, top))
    return top


def progress_bar(target: pygame.Surface, theme: Theme, text: Text, sizes: Sizes, rect, fraction: float,
                 label: str = "") -> None:
    """A bar filled to `fraction`, with a label above it."""
    rect = pygame.Rect(rect)
    pygame.draw.rect(target, theme.background, rect, border_radius=4)
    fill = rect.copy()
    fill.width = round(rect.width * max(0.0, min(1.0, fraction)))
    if fill.width:
        pygame.draw.rect(target, theme.accent, fill, border_radius=4)
    pygame.draw.rect(target, theme.panel_border, rect, 1, border_radius=4)
    if label:
        text.draw(target, label, (rect.centerx, rect.top - 2), sizes.small, anchor="midbottom")


# ----------------------------------------------------------------------------- numbers

def grid_cell(text: Text, values, size: int, digits: int | None = None, face: str = "mono") -> tuple[int, int]:
    """The smallest (width, height) of a cell that writes every value of `values` at `size`."""
    widest = max(text.width(s, size, face) for s in _cell_texts(values, digits))
    return widest + 6, text.height(size, face) + 2


def _cell_texts(values, digits):
    v = np.asarray(values, np.float64)
    if digits is None:
        d, e = grid_format(v)
        return [grid_text(x, d, e) for x in v.ravel()]
    return [fmt(float(x), digits) for x in v.ravel()]


def number_grid(target: pygame.Surface, theme: Theme, text: Text, sizes: Sizes, values, topleft, cell,
                digits: int | None = None, limit: float | None = None, outline: dict | None = None,
                tint: dict | None = None, muted_zero: bool = False, face: str = "mono") -> bool:
    """values[H, W] as pale heat-coloured cells (cell: a side, or (width, height)), each with its
    number at the largest size from body down to small that fits (digits: fixed decimals;
    None: grid_format's common format). outline: {(r, c): colour}; tint: {(r, c): colour}
    overrides a cell's colour. Returns whether the numbers were written (a cell too small for
    small text shows colours only: the caller must then say the numbers elsewhere)."""
    values = np.asarray(values, np.float64)
    H, W = values.shape
    cw, ch = (cell, cell) if np.isscalar(cell) else cell
    finite = values[np.isfinite(values)]
    lim = limit if limit is not None else (float(np.abs(finite).max(initial=0.0)) or 1.0)
    colours = heat(values * 0.55, lim, theme)       # pale, so the numbers stay readable
    x0, y0 = topleft
    texts = _cell_texts(values, digits)

    def fits(size):
        w, h = grid_cell(text, values, size, digits, face)
        return w <= cw and h <= ch
    size = next((s for s in (sizes.body, sizes.small) if fits(s)), None)
    for r in range(H):
        for c in range(W):
            rect = pygame.Rect(x0 + c * cw, y0 + r * ch, cw, ch)
            colour = tint[(r, c)] if tint and (r, c) in tint else tuple(int(v) for v in colours[r, c])
            pygame.draw.rect(target, colour, rect)
            pygame.draw.rect(target, theme.panel_border, rect, 1)
            if size is not None:
                ink = theme.muted if (muted_zero and values[r, c] == 0) else theme.text
                text.number(target, texts[r * W + c], rect.center, size, ink, face)
    if outline:
        for (r, c), colour in outline.items():
            pygame.draw.rect(target, colour, (x0 + c * cw, y0 + r * ch, cw, ch), 3)
    return size is not None


# ----------------------------------------------------------------------------- plots

class Axes:
    """A plot area mapping data (x, y) to pixels inside `rect`. Its tick labels and x label take
    `below(text, sizes)` pixels under it, its y tick labels `left(...)` to its left."""

    def __init__(self, rect, xlim, ylim):
        self.rect = pygame.Rect(rect)
        self.xlim, self.ylim = (float(xlim[0]), float(xlim[1])), (float(ylim[0]), float(ylim[1]))

    @staticmethod
    def below(text: Text, sizes: Sizes, xlabel: bool = True) -> int:
        return sizes.px(6) + text.line(sizes.small) * (2 if xlabel else 1)

    @staticmethod
    def left(text: Text, sizes: Sizes, labels=("−0.00",)) -> int:
        return sizes.px(8) + max(text.width(s, sizes.small) for s in labels)

    def px(self, x, y):
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        r = self.rect
        return (r.left + (np.asarray(x) - x0) / ((x1 - x0) or 1) * r.width,
                r.bottom - (np.asarray(y) - y0) / ((y1 - y0) or 1) * r.height)

    def data(self, px, py):
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        r = self.rect
        return x0 + (px - r.left) / r.width * (x1 - x0), y0 + (r.bottom - py) / r.height * (y1 - y0)

    def frame(self, target, theme: Theme, text: Text, sizes: Sizes, xticks=(), yticks=(), xlabel="", ylabel="",
              digits=1, zero_lines=True, yformat=None) -> None:
        """Background, zero lines, ticks and labels; digits is one int or (x digits, y digits)."""
        xd, yd = digits if isinstance(digits, tuple) else (digits, digits)
        r = self.rect
        pygame.draw.rect(target, theme.background, r)
        if zero_lines:
            zx, zy = self.px(0.0, 0.0)
            if r.left <= zx <= r.right:
                pygame.draw.line(target, theme.panel_border, (zx, r.top), (zx, r.bottom))
            if r.top <= zy <= r.bottom:
                pygame.draw.line(target, theme.panel_border, (r.left, zy), (r.right, zy))
        pygame.draw.rect(target, theme.panel_border, r, 1)
        small, tick = sizes.small, sizes.px(4)
        for t in xticks:
            x, _ = self.px(t, 0.0)
            pygame.draw.line(target, theme.muted, (x, r.bottom), (x, r.bottom + tick))
            text.draw(target, fmt(float(t), xd), (x, r.bottom + tick + 1), small, theme.muted, anchor="midtop")
        for t in yticks:
            _, y = self.px(0.0, t)
            pygame.draw.line(target, theme.muted, (r.left - tick, y), (r.left, y))
            text.draw(target, yformat(t) if yformat else fmt(float(t), yd), (r.left - tick - 2, y), small, theme.muted,
                      anchor="midright")
        if xlabel:     # below the tick labels, centred
            text.draw(target, xlabel, (r.centerx, r.bottom + tick + 1 + text.line(small)), small, theme.muted,
                      anchor="midtop")
        if ylabel:
            text.draw(target, ylabel, (r.left + sizes.px(4), r.top + 2), small, theme.muted)

    def line(self, target, xs, ys, colour, width: int = 2) -> None:
        """A polyline, clipped to the plot area; non-finite points break the line."""
        px, py = self.px(np.asarray(xs, np.float64), np.asarray(ys, np.float64))
        ok = np.isfinite(px) & np.isfinite(py)
        r = self.rect
        px, py = np.clip(px, r.left - 2000, r.right + 2000), np.clip(py, r.top - 2000, r.bottom + 2000)
        clip = target.get_clip()
        target.set_clip(r)
        run = []
        for x, y, good in zip(px, py, ok):
            if good:
                run.append((float(x), float(y)))
            elif run:
                _polyline(target, run, colour, width)
                run = []
        _polyline(target, run, colour, width)
        target.set_clip(clip)

    def points(self, target, xs, ys, colour, radius: int = 4) -> None:
        px, py = self.px(np.asarray(xs), np.asarray(ys))
        clip = target.get_clip()
        target.set_clip(self.rect)
        for x, y in zip(px, py):
            if np.isfinite(x) and np.isfinite(y):
                pygame.draw.circle(target, colour, (float(x), float(y)), radius)
        target.set_clip(clip)


def _polyline(target, pts, colour, width):
    if len(pts) >= 2:
        pygame.draw.lines(target, colour, False, pts, width)
    elif len(pts) == 1:
        pygame.draw.circle(target, colour, pts[0], max(1, width))


def nice_ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    """Round tick values covering [lo, hi]."""
    span = (hi - lo) or 1.0
    step = 10 ** math.floor(math.log10(span / count))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= count:
            step *= m
            break
    return np.arange(math.ceil(lo / step) * step, hi + step * 1e-9, step)


def arrow(target, colour, start, end, width: int = 2, head: int = 10) -> None:
    """A line from start to end with an arrow head at end."""
    pygame.draw.line(target, colour, start, end, width)
    dx, dy = end[0] - start[0], end[1] - start[1]
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    left = (end[0] - head * ux + head * 0.5 * uy, end[1] - head * uy - head * 0.5 * ux)
    right = (end[0] - head * ux - head * 0.5 * uy, end[1] - head * uy + head * 0.5 * ux)
    pygame.draw.polygon(target, colour, [end, left, right])


def blend(a, b, t: float) -> tuple:
    """Colour a moved fraction t towards colour b."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))
