"""Drawing helpers the lesson scenes share: text, panels, header and footer, plot axes,
grids of numbers and a progress bar. Drawing only: every number passed in comes from the engine."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pygame

from ...numbers import fmt  # noqa: F401  (the one formatter; lessons import it from here)
from ..ui.theme import Theme, heat_rgb, load_font
from ..ui import CHECK, heat_tile, ramp

SIZE = (1280, 800)
MIN_TEXT = 14          # the smallest text on the 1280×800 canvas, in pixels
HEADER_H, FOOTER_H = 64, 30


_current_scope = "(no panel)"


def scope(name: str, bounds) -> None:
    """Texts drawn from now on belong to panel `name` with these screen bounds, for the UI kit's
    layout check (ui.CHECK; the tests turn it on). panel(), header() and footer() call this, so
    a scene only calls it for regions of its own (a graph node, a 3-D view). Lessons draw panel
    after panel, so one current panel replaces the kit's `with CHECK.scope(...)` blocks."""
    global _current_scope
    _current_scope = name
    if CHECK.enabled:
        with CHECK.scope(name, pygame.Rect(bounds)):     # registers the panel (and forgets its old texts)
            pass


def _record(rect: pygame.Rect, s: str) -> None:
    panel = CHECK.scopes.get(_current_scope)
    if panel is None:
        CHECK.record(rect, s)
    else:
        panel.texts.append((pygame.Rect(rect), s))


@lru_cache(maxsize=4096)
def text_surface(text: str, face: str, size: int, color: tuple) -> pygame.Surface:
    """Rendered text, cached: the same caption is rendered once, not once per frame."""
    return load_font(face, size).render(text, True, color)


def text(surface, theme: Theme, s: str, pos, size: int = 16, color=None, face: str = "sans",
         anchor: str = "topleft") -> pygame.Rect:
    """Draw one line of text; anchor is any pygame.Rect position name ('center', 'midright', …).
    Sizes are for the 1280×800 canvas before theme.scale (see pixels)."""
    img = text_surface(s, face, pixels(theme, size), tuple(color or theme.text))
    rect = img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
    surface.blit(img, rect)
    if CHECK.enabled:
        _record(rect, s)
    return rect


def pixels(theme: Theme, size: float) -> int:
    """A font size on screen: size × theme.scale, never below MIN_TEXT pixels."""
    return max(MIN_TEXT, round(size * theme.scale))


def fit_size(theme: Theme, s: str, size: float, width: float, face: str = "sans") -> float:
    """The largest font size ≤ size (before theme.scale) at which s is at most `width` pixels
    wide, but never below MIN_TEXT on screen (a text that still does not fit must say less)."""
    while pixels(theme, size) > MIN_TEXT and text_width(theme, s, size, face) > width:
        size -= 0.5
    return size


def wrap_px(theme: Theme, s: str, width: float, size: float = 14, face: str = "sans") -> list[str]:
    """Split text at spaces into lines at most `width` pixels wide (in this theme and size)."""
    lines, line = [], ""
    for word in s.split():
        trial = f"{line} {word}".strip()
        if line and text_width(theme, trial, size, face) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + ([line] if line else [])


def text_width(theme: Theme, s: str, size: float = 16, face: str = "sans") -> int:
    return text_surface(s, face, pixels(theme, size), (0, 0, 0)).get_width()


def line_height(theme: Theme, size: float) -> int:
    return round(pixels(theme, size) * 1.35)


def panel(surface, theme: Theme, rect, title: str | None = None, highlight: bool = False) -> pygame.Rect:
    """A rounded panel with an optional title; returns the inner rect below the title."""
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, theme.panel, rect, border_radius=8)
    pygame.draw.rect(surface, theme.accent if highlight else theme.panel_border, rect,
                     width=2 if highlight else 1, border_radius=8)
    scope(title or f"panel at {rect.topleft}", rect)
    top = rect.top + 8
    if title:
        r = text(surface, theme, title, (rect.left + 12, top), 16, face="bold")
        top = r.bottom + 6
    return pygame.Rect(rect.left + 12, top, rect.width - 24, rect.bottom - top - 8)


def header(surface, theme: Theme, title: str, subtitle: str = "") -> None:
    w = surface.get_width()
    scope("header", (0, 0, w, HEADER_H))
    r = text(surface, theme, title, (24, 6), 22, face="bold")
    if subtitle:
        text(surface, theme, subtitle, (24, r.bottom), fit_size(theme, subtitle, 13, w - 48), theme.muted)
    pygame.draw.line(surface, theme.panel_border, (16, HEADER_H - 2), (w - 16, HEADER_H - 2))


def footer(surface, theme: Theme, hints: str) -> None:
    w, h = surface.get_size()
    scope("footer", (0, h - FOOTER_H, w, FOOTER_H))
    text(surface, theme, hints, (24, h - FOOTER_H // 2), fit_size(theme, hints, 14, w - 48), theme.muted,
         anchor="midleft")


def progress_bar(surface, theme: Theme, rect, fraction: float, label: str = "") -> None:
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, theme.background, rect, border_radius=4)
    fill = rect.copy()
    fill.width = round(rect.width * max(0.0, min(1.0, fraction)))
    if fill.width:
        pygame.draw.rect(surface, theme.accent, fill, border_radius=4)
    pygame.draw.rect(surface, theme.panel_border, rect, 1, border_radius=4)
    if label:
        text(surface, theme, label, (rect.centerx, rect.top - 4), 14, anchor="midbottom")


def heat(surface, theme: Theme, values: np.ndarray, topleft, scale: int, limit: float | None = None,
         border=None, one_sided: bool = False) -> pygame.Rect:
    """A 2-D array as a heat map through the UI kit's one colouring (negative blue, zero grey,
    positive orange; one_sided: 0 … +limit, after ReLU), `scale` pixels per value."""
    values = np.asarray(values, np.float64)
    if limit is None:
        finite = values[np.isfinite(values)]
        limit = float(np.abs(finite).max()) if finite.size else 1.0
    rect = surface.blit(heat_tile(values, limit or 1.0, theme, scale, one_sided), topleft)
    if border is not None:
        pygame.draw.rect(surface, border, rect.inflate(2, 2), 1)
    return rect


def colour_bar(surface, theme: Theme, rect, limit: float, one_sided: bool = False, digits: int = 2,
               size: float = 12) -> pygame.Rect:
    """The scale of a heat map: a vertical bar (+limit at the top, 0, −limit at the bottom, or
    0 at the bottom when one_sided) with its numbers to the right. Returns bar and labels."""
    rect = pygame.Rect(rect)
    ramp(surface, rect, theme, one_sided)
    covered = rect.copy()
    labels = [(fmt(limit, digits), "topleft", rect.top), ("0", "bottomleft" if one_sided else "midleft",
                                                          rect.bottom if one_sided else rect.centery)]
    if not one_sided:
        labels.append((fmt(-limit, digits), "bottomleft", rect.bottom))
    for s, anchor, y in labels:
        covered.union_ip(text(surface, theme, s, (rect.right + 4, y), size, theme.muted, "mono", anchor))
    return covered


def colour_bar_width(theme: Theme, limit: float, digits: int = 2, size: float = 12, bar: int = 10) -> int:
    return bar + 4 + max(text_width(theme, fmt(limit, digits), size, "mono"),
                         text_width(theme, fmt(-limit, digits), size, "mono"))


def number_grid(surface, theme: Theme, values: np.ndarray, topleft, cell: int, digits: int = 1,
                limit: float | None = None, outline: dict | None = None, tint: dict | None = None,
                size: int = 15, muted_zero: bool = False) -> pygame.Rect:
    """values[H,W] as heat-coloured cells with the number written in each.
    outline: {(r, c): colour} cells to outline; tint: {(r, c): colour} overrides the cell colour."""
    values = np.asarray(values, np.float64)
    H, W = values.shape
    lim = limit if limit is not None else (float(np.abs(values).max()) or 1.0)
    colours = heat_rgb(values * 0.55, lim, theme)       # pale, so the numbers stay readable
    x0, y0 = topleft
    widest = max((fmt(float(v), digits) for v in values.ravel()), key=len)
    size = fit_size(theme, widest, size, cell - 6, "mono")     # inside its cell, 6 px clear of the next
    global _current_scope
    panel_scope = _current_scope
    for r in range(H):
        for c in range(W):
            rect = pygame.Rect(x0 + c * cell, y0 + r * cell, cell, cell)
            colour = tint.get((r, c)) if tint and (r, c) in tint else tuple(int(v) for v in colours[r, c])
            pygame.draw.rect(surface, colour, rect)
            pygame.draw.rect(surface, theme.panel_border, rect, 1)
            v = values[r, c]
            colour = theme.muted if (muted_zero and v == 0) else theme.text
            scope(f"cell {x0},{y0} [{r},{c}]", rect)             # the layout check: the number inside its cell
            text(surface, theme, fmt(float(v), digits), rect.center, size, colour, face="mono", anchor="center")
    _current_scope = panel_scope                                   # later texts belong to the panel again
    if outline:
        for (r, c), colour in outline.items():
            pygame.draw.rect(surface, colour, (x0 + c * cell, y0 + r * cell, cell, cell), 3)
    return pygame.Rect(x0, y0, W * cell, H * cell)


class Axes:
    """A plot area mapping data (x, y) to pixels inside `rect`; its tick labels and x label take
    `below(theme)` pixels under it and its y tick labels about 40 (× theme.scale) to its left."""

    def __init__(self, rect, xlim, ylim):
        self.rect = pygame.Rect(rect)
        self.xlim, self.ylim = (float(xlim[0]), float(xlim[1])), (float(ylim[0]), float(ylim[1]))

    @staticmethod
    def below(theme: Theme) -> int:
        return 8 + line_height(theme, 12) + line_height(theme, 13)

    def px(self, x, y):
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        r = self.rect
        return (r.left + (np.asarray(x) - x0) / ((x1 - x0) or 1) * r.width,
                r.bottom - (np.asarray(y) - y0) / ((y1 - y0) or 1) * r.height)

    def data(self, px, py):
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        r = self.rect
        return x0 + (px - r.left) / r.width * (x1 - x0), y0 + (r.bottom - py) / r.height * (y1 - y0)

    def frame(self, surface, theme: Theme, xticks=(), yticks=(), xlabel="", ylabel="", digits=1,
              zero_lines=True, yformat=None) -> None:
        """Background, zero lines, ticks and labels; digits is one int or (x digits, y digits)."""
        xd, yd = digits if isinstance(digits, tuple) else (digits, digits)
        r = self.rect
        pygame.draw.rect(surface, theme.background, r)
        if zero_lines:
            zx, zy = self.px(0.0, 0.0)
            if r.left <= zx <= r.right:
                pygame.draw.line(surface, theme.panel_border, (zx, r.top), (zx, r.bottom))
            if r.top <= zy <= r.bottom:
                pygame.draw.line(surface, theme.panel_border, (r.left, zy), (r.right, zy))
        pygame.draw.rect(surface, theme.panel_border, r, 1)
        for t in xticks:
            x, _ = self.px(t, 0.0)
            pygame.draw.line(surface, theme.muted, (x, r.bottom), (x, r.bottom + 4))
            text(surface, theme, fmt(float(t), xd), (x, r.bottom + 8), 12, theme.muted, anchor="midtop")
        for t in yticks:
            _, y = self.px(0.0, t)
            pygame.draw.line(surface, theme.muted, (r.left - 4, y), (r.left, y))
            text(surface, theme, yformat(t) if yformat else fmt(float(t), yd), (r.left - 6, y), 12, theme.muted, anchor="midright")
        if xlabel:     # below the tick labels, centred
            text(surface, theme, xlabel, (r.centerx, r.bottom + 6 + line_height(theme, 12)), 13, theme.muted,
                 anchor="midtop")
        if ylabel:
            text(surface, theme, ylabel, (r.left + 4, r.top + 2), 13, theme.muted)

    def line(self, surface, xs, ys, colour, width: int = 2) -> None:
        """A polyline, clipped to the plot area; non-finite points break the line."""
        px, py = self.px(np.asarray(xs, np.float64), np.asarray(ys, np.float64))
        ok = np.isfinite(px) & np.isfinite(py)
        r = self.rect
        px, py = np.clip(px, r.left - 2000, r.right + 2000), np.clip(py, r.top - 2000, r.bottom + 2000)
        clip = surface.get_clip()
        surface.set_clip(r)
        run = []
        for x, y, good in zip(px, py, ok):
            if good:
                run.append((float(x), float(y)))
            elif run:
                _polyline(surface, run, colour, width)
                run = []
        _polyline(surface, run, colour, width)
        surface.set_clip(clip)

    def points(self, surface, xs, ys, colour, radius: int = 4) -> None:
        px, py = self.px(np.asarray(xs), np.asarray(ys))
        clip = surface.get_clip()
        surface.set_clip(self.rect)
        for x, y in zip(px, py):
            if np.isfinite(x) and np.isfinite(y):
                pygame.draw.circle(surface, colour, (float(x), float(y)), radius)
        surface.set_clip(clip)


def _polyline(surface, pts, colour, width):
    if len(pts) >= 2:
        pygame.draw.lines(surface, colour, False, pts, width)
    elif len(pts) == 1:
        pygame.draw.circle(surface, colour, pts[0], max(1, width))


def nice_ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    """Round tick values covering [lo, hi]."""
    span = (hi - lo) or 1.0
    step = 10 ** math.floor(math.log10(span / count))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= count:
            step *= m
            break
    return np.arange(math.ceil(lo / step) * step, hi + step * 1e-9, step)


def arrow(surface, colour, start, end, width: int = 2, head: int = 10) -> None:
    """A line from start to end with an arrow head at end."""
    pygame.draw.line(surface, colour, start, end, width)
    dx, dy = end[0] - start[0], end[1] - start[1]
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    left = (end[0] - head * ux + head * 0.5 * uy, end[1] - head * uy - head * 0.5 * ux)
    right = (end[0] - head * ux - head * 0.5 * uy, end[1] - head * uy + head * 0.5 * ux)
    pygame.draw.polygon(surface, colour, [end, left, right])


def blend(a, b, t: float) -> tuple:
    """Colour a moved fraction t towards colour b."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))
