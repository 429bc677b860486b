"""Text for every screen: font sizes derived from the window and the theme, cached rendering
that reports to the layout check, glyph-by-glyph numbers, and "say less" helpers."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import pygame

from .theme import Theme, load_font
from .check import CHECK

REFERENCE = (1280, 800)     # the window the base sizes are for
MIN_UNIT, MAX_UNIT = 0.86, 2.4


@dataclass(frozen=True)
class Sizes:
    """Font sizes in pixels for one window size and theme. At 1280×800 in the dark theme:
    title 18, body 16, small 14 (the smallest any number is drawn: 14 px); bigger windows
    scale every size up, the projector theme by a further theme.scale; at 1024×768 the unit
    stops at 0.86 (small 12): screens then say less instead of shrinking further."""
    unit: float          # 1.0 at 1280×800 in the dark theme
    title: int
    body: int
    small: int

    @property
    def number(self) -> int:
        return self.small

    def px(self, n: float) -> int:
        """n reference pixels at this window and theme (figures, gaps, cell sizes)."""
        return max(1, round(n * self.unit))

    @classmethod
    def for_window(cls, size, theme: Theme) -> "Sizes":
        w, h = size
        fit = min(w / REFERENCE[0], h / REFERENCE[1])
        u = min(MAX_UNIT, max(MIN_UNIT, fit)) * theme.scale
        return cls(u, round(18 * u), round(16 * u), round(14 * u))


class Text:
    """Rendered text, cached (LRU, bounded by pixel memory): a caption is rendered once, not
    once per frame, and a long run's ever-changing numbers cannot grow the cache. Sizes are
    pixels (take them from Sizes). Every draw is reported to the layout check."""

    def __init__(self, theme: Theme, budget_bytes: int = 6 << 20):
        self.theme = theme
        self.budget = budget_bytes
        self.used = 0
        self._cache: OrderedDict = OrderedDict()
        self._widths: dict = {}

    def font(self, size: int, face: str = "sans") -> pygame.font.Font:
        return load_font(face, max(6, int(size)))

    def surface(self, s: str, size: int, color=None, face: str = "sans") -> pygame.Surface:
        key = (s, size, color, face)
        img = self._cache.get(key)
        if img is None:
            img = self.font(size, face).render(s, True, color or self.theme.text)
            self._cache[key] = img
            self.used += img.get_width() * img.get_height() * 4
            while self.used > self.budget and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self.used -= old.get_width() * old.get_height() * 4
        else:
            self._cache.move_to_end(key)
        return img

    def draw(self, target: pygame.Surface, s: str, pos, size: int, color=None, face: str = "sans",
             anchor: str = "topleft") -> pygame.Rect:
        img = self.surface(s, size, color, face)
        rect = img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
        target.blit(img, rect)
        if CHECK.enabled:
            CHECK.record(rect, s, size)
        return rect

    def width(self, s: str, size: int, face: str = "sans") -> int:
        key = (s, size, face)
        w = self._widths.get(key)
        if w is None:
            if len(self._widths) >= 4096:   # bounded: captions with live numbers never repeat
                self._widths.clear()
            w = self._widths[key] = self.font(size, face).size(s)[0]
        return w

    def line(self, size: int, face: str = "sans") -> int:
        return self.font(size, face).get_linesize()

    def height(self, size: int, face: str = "sans") -> int:
        return self.font(size, face).get_height()


class Numbers:
    """Numbers drawn glyph by glyph from pre-rendered characters: grids of changing values
    (pooling cells, products) cost a few blits instead of a font render per number."""

    CHARS = "0123456789.−-+%×∞NaeE⁻⁰¹²³⁴⁵⁶⁷⁸⁹()/ "

    def __init__(self, theme: Theme):
        self.theme = theme
        self._glyphs: dict = {}

    def _set(self, size: int, colour, face: str):
        key = (size, colour, face)
        glyphs = self._glyphs.get(key)
        if glyphs is None:
            font = load_font(face, size)
            glyphs = {c: font.render(c, True, colour) for c in self.CHARS}
            self._glyphs[key] = glyphs
        return glyphs

    def size(self, s: str, size: int, face: str = "sans") -> tuple[int, int]:
        glyphs = self._set(size, self.theme.text, face)
        return sum(glyphs[c].get_width() for c in s), glyphs["0"].get_height()

    def draw(self, target: pygame.Surface, s: str, pos, size: int, colour, face: str = "sans",
             anchor: str = "center") -> pygame.Rect:
        glyphs = self._set(size, tuple(colour), face)
        w = sum(glyphs[c].get_width() for c in s)
        rect = pygame.Rect(0, 0, w, glyphs["0"].get_height())
        setattr(rect, anchor, (round(pos[0]), round(pos[1])))
        x = rect.x
        for c in s:
            g = glyphs[c]
            target.blit(g, (x, rect.y))
            x += g.get_width()
        if CHECK.enabled:
            CHECK.record(rect, s, size)
        return rect


def fit_size(text: Text, lines, max_w: int, sizes, face: str = "sans") -> int:
    """The largest font size in `sizes` at which every line is at most max_w wide (else the last)."""
    for size in sizes:
        if all(text.width(s, size, face) <= max_w for s in lines):
            return size
    return sizes[-1]


def first_fitting(text: Text, forms, max_w: int, size: int, face: str = "sans") -> str | None:
    """The first of `forms` (longest wording first) at most max_w wide, else None: say less."""
    return next((s for s in forms if text.width(s, size, face) <= max_w), None)


def clip_text(text: Text, s: str, max_w: int, size: int, face: str = "sans") -> str:
    """s, shortened with "…" if wider than max_w: a last resort, reported by the layout check."""
    if text.width(s, size, face) <= max_w:
        return s
    CHECK.cut(s)
    while s and text.width(s + "…", size, face) > max_w:
        s = s[:-1]
    return s + "…"


def wrap(text: Text, s: str, max_w: int, size: int, face: str = "sans") -> list[str]:
    """s broken at spaces into lines at most max_w wide (a single over-long word stays whole)."""
    lines, line = [], ""
    for word in s.split(" "):
        trial = f"{line} {word}" if line else word
        if line and text.width(trial, size, face) > max_w:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines
