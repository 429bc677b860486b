"""The one text path: every string any screen shows is drawn by a `Text` and recorded by the
layout check with its size. Sizes are pixels from `Sizes` (sizes.py); fonts are loaded here
and in theme.py only.

    text = Text(theme)                                      # one per screen: renders are cached
    text.draw(surface, "z = 0.25", (x, y), sizes.body)      # one line, any anchor
    text.runs(surface, [("z = ", None), ("0.25", theme.accent)], (x, y), sizes.body)   # colours
    text.number(surface, "−0.25", cell.center, sizes.small, colour)   # fast, for grids of numbers
    paragraph(text, surface, runs_or_string, rect, sizes.body)       # wrapped at spaces

Say less, never smaller: `first_fitting` picks the first of several wordings that fits;
`fit_size` the largest of several sizes (never under the floor the caller passes);
`clip_text` is a last resort that the layout check reports as a cut.
"""
from __future__ import annotations

from collections import OrderedDict

import pygame

from .check import CHECK
from .theme import Theme, load_font

Run = tuple   # (string, colour or None, face="sans"): a piece of a line in one colour and face


def as_runs(s, colour=None, face: str = "sans") -> list[tuple]:
    """A string or a list of runs as a list of full (string, colour, face) runs."""
    if isinstance(s, str):
        return [(s, colour, face)]
    return [(r[0], r[1] if len(r) > 1 and r[1] is not None else colour, r[2] if len(r) > 2 else face) for r in s]


class Text:
    """Rendered text, cached (LRU, bounded by pixel memory): a caption is rendered once, not once
    per frame, and a long run's ever-changing numbers cannot grow the cache. Every draw is
    reported to the layout check with its size."""

    GLYPHS = "0123456789.−-+%×∞NaeE⁻⁰¹²³⁴⁵⁶⁷⁸⁹()/ "     # what number() draws glyph by glyph

    def __init__(self, theme: Theme, budget_bytes: int = 6 << 20):
        self.theme = theme
        self.budget = budget_bytes
        self.used = 0
        self._cache: OrderedDict = OrderedDict()
        self._widths: dict = {}
        self._glyphs: dict = {}

    # --- measuring ------------------------------------------------------------------
    def font(self, size: int, face: str = "sans") -> pygame.font.Font:
        return load_font(face, max(6, int(size)))

    def width(self, s: str, size: int, face: str = "sans") -> int:
        key = (s, size, face)
        w = self._widths.get(key)
        if w is None:
            if len(self._widths) >= 4096:   # bounded: captions with live numbers never repeat
                self._widths.clear()
            w = self._widths[key] = self.font(size, face).size(s)[0]
        return w

    def runs_width(self, runs, size: int) -> int:
        return sum(self.width(s, size, face) for s, _, face in as_runs(runs))

    def line(self, size: int, face: str = "sans") -> int:
        """Distance from one line's top to the next's."""
        return self.font(size, face).get_linesize()

    def height(self, size: int, face: str = "sans") -> int:
        return self.font(size, face).get_height()

    # --- drawing --------------------------------------------------------------------
    def surface(self, s: str, size: int, colour=None, face: str = "sans") -> pygame.Surface:
        """The rendered text (cached). Blitting it yourself: record it with CHECK.record."""
        colour = tuple(colour or self.theme.text)
        key = (s, size, colour, face)
        img = self._cache.get(key)
        if img is None:
            img = self.font(size, face).render(s, True, colour)
            self._cache[key] = img
            self.used += img.get_width() * img.get_height() * 4
            while self.used > self.budget and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self.used -= old.get_width() * old.get_height() * 4
        else:
            self._cache.move_to_end(key)
        return img

    def draw(self, target: pygame.Surface, s: str, pos, size: int, colour=None, face: str = "sans",
             anchor: str = "topleft") -> pygame.Rect:
        """One line of text; anchor is any pygame.Rect position name ('center', 'midright', …)."""
        img = self.surface(s, size, colour, face)
        rect = img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
        target.blit(img, rect)
        CHECK.record(rect, s, size)
        return rect

    def runs(self, target: pygame.Surface, runs, pos, size: int, colour=None, anchor: str = "topleft") -> pygame.Rect:
        """One line made of runs in their own colours and faces, end to end (recorded as one text)."""
        runs = as_runs(runs, colour)
        height = max(self.height(size, face) for _, _, face in runs)
        rect = pygame.Rect(0, 0, sum(self.width(s, size, f) for s, _, f in runs), height)
        setattr(rect, anchor, (round(pos[0]), round(pos[1])))
        x = rect.x
        for s, c, face in runs:
            if s:
                target.blit(self.surface(s, size, c, face), (x, rect.y))
                x += self.width(s, size, face)
        CHECK.record(rect, "".join(s for s, _, _ in runs), size)
        return rect

    def number(self, target: pygame.Surface, s: str, pos, size: int, colour=None, face: str = "sans",
               anchor: str = "center") -> pygame.Rect:
        """A number drawn from pre-rendered glyphs: grids of changing values cost a few blits
        instead of a font render each. Characters outside GLYPHS fall back to draw()."""
        if any(c not in self.GLYPHS for c in s):
            return self.draw(target, s, pos, size, colour, face, anchor)
        glyphs = self._glyph_set(size, tuple(colour or self.theme.text), face)
        rect = pygame.Rect(0, 0, sum(glyphs[c].get_width() for c in s), glyphs["0"].get_height())
        setattr(rect, anchor, (round(pos[0]), round(pos[1])))
        x = rect.x
        for c in s:
            target.blit(glyphs[c], (x, rect.y))
            x += glyphs[c].get_width()
        CHECK.record(rect, s, size)
        return rect

    def _glyph_set(self, size: int, colour, face: str) -> dict:
        key = (size, colour, face)
        glyphs = self._glyphs.get(key)
        if glyphs is None:
            font = self.font(size, face)
            glyphs = self._glyphs[key] = {c: font.render(c, True, colour) for c in self.GLYPHS}
        return glyphs


# ----------------------------------------------------------------------------- say less

def fit_size(text: Text, lines, max_w: int, sizes, face: str = "sans") -> int:
    """The largest of `sizes` (largest first) at which every line is at most max_w wide, else
    the last: pass sizes that never go under the screen's floor."""
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


# ----------------------------------------------------------------------------- wrapping

def wrap_runs(text: Text, runs, max_w: int, size: int, colour=None) -> list[list[tuple]]:
    """Runs broken at spaces into lines at most max_w wide; colours and faces are kept across
    the breaks. A word wider than a line (a long folder name) is broken after its hyphens,
    underscores, dots or slashes, and between letters where even that is too wide."""
    words: list[tuple[list[tuple], bool]] = [([], False)]     # (runs, glued to the word before: no space)
    for s, c, face in as_runs(runs, colour):
        parts = s.split(" ")
        for i, part in enumerate(parts):
            if i:
                words.append(([], False))
            if part:
                words[-1][0].append((part, c, face))
    pieces: list[tuple[list[tuple], bool]] = []
    for word, glued in words:
        if len(word) == 1 and text.width(word[0][0], size, word[0][2]) > max_w:
            s, c, face = word[0]
            pieces += [([(part, c, face)], glued or j > 0) for j, part in enumerate(_break_word(text, s, max_w, size, face))]
        else:
            pieces.append((word, glued))
    lines, line, line_w = [], [], 0
    for word, glued in pieces:
        if not word:
            continue
        w = sum(text.width(s, size, f) for s, _, f in word)
        space = 0 if glued else text.width(" ", size, word[0][2])
        if line and line_w + space + w > max_w:
            lines.append(line)
            line, line_w, space = [], 0, 0
        if line and space:
            line.append((" ", word[0][1], word[0][2]))
            line_w += space
        line.extend(word)
        line_w += w
    if line:
        lines.append(line)
    return lines


def _break_word(text: Text, word: str, max_w: int, size: int, face: str) -> list[str]:
    """word in pieces each at most max_w wide: cut after - _ . / where possible, else between letters."""
    pieces, start = [], 0
    while text.width(word[start:], size, face) > max_w:
        fits = start + 1
        while fits < len(word) and text.width(word[start:fits + 1], size, face) <= max_w:
            fits += 1
        cut = max((i + 1 for i in range(start, fits) if word[i] in "-_./"), default=fits)
        pieces.append(word[start:cut])
        start = cut
    return pieces + [word[start:]]


def wrap(text: Text, s: str, max_w: int, size: int, face: str = "sans") -> list[str]:
    """s broken at spaces into lines at most max_w wide (an over-long word broken as wrap_runs does)."""
    return ["".join(r[0] for r in line) for line in wrap_runs(text, [(s, None, face)], max_w, size)]


def paragraph(text: Text, target: pygame.Surface, runs, rect: pygame.Rect, size: int, colour=None,
              spacing: float = 1.0, align: str = "left") -> int:
    """Wrapped text in rect (from its top; align left or center); returns the height used."""
    y = rect.y
    step = round(text.line(size) * spacing)
    for line in wrap_runs(text, runs, rect.w, size, colour):
        if align == "center":
            text.runs(target, line, (rect.centerx, y), size, anchor="midtop")
        else:
            text.runs(target, line, (rect.x, y), size)
        y += step
    return y - rect.y


def paragraph_height(text: Text, runs, width: int, size: int, spacing: float = 1.0) -> int:
    return len(wrap_runs(text, runs, width, size)) * round(text.line(size) * spacing)
