"""Small drawing helpers the live app's panels share: cached text, number formatting,
panel frames, heat-map tiles and a colour bar. Drawing only; numbers come from the Snapshot."""
from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pygame

from ..theme import Theme, array_surface, heat_rgb

# Font sizes (before the theme's scale).
TITLE, BODY, SMALL, TINY = 15, 13, 11, 10


def fmt(v: float, digits: int = 3) -> str:
    """A number as shown on screen: fixed decimals, a real minus sign, no "−0.000"."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if abs(v) >= 1e5:
        return f"{v:.2e}".replace("-", "−")
    text = f"{v:.{digits}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", "−")


def fmt_cell(v: float, digits: int = 2) -> str:
    """fmt for a small grid cell: huge values as "1e8" (at most five characters)."""
    if math.isfinite(v) and abs(v) >= 1000:
        text = f"{v:.0e}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
        return text.replace("-", "−")
    return fmt(v, digits)


def parse_number(text: str) -> float:
    """Inverse of fmt for finite numbers (tests read captions back with it)."""
    return float(text.replace("−", "-"))


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(limit: float) -> int:
    """The exponent e so that values up to `limit` read as a few digits ×10^e (0 when ≥ 0.1)."""
    if not math.isfinite(limit) or limit <= 0 or limit >= 0.1:
        return 0
    return int(math.floor(math.log10(limit)))


def ten_to(e: int) -> str:
    return f"×10{str(e).translate(SUPERSCRIPT)}"


class SnapshotPanel:
    """A panel redrawn onto its own surface when a Snapshot arrives (set_snapshot) and blitted
    as it is every frame."""

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.static: pygame.Surface | None = None

    def layout(self, rect: pygame.Rect) -> None:
        self.rect = rect
        self.static = pygame.Surface(rect.size)

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.static is not None:
            target.blit(self.static, self.rect)


class Text:
    """Rendered text, cached (LRU, bounded by pixel memory): a caption is rendered once, not
    once per frame, and a long run's ever-changing numbers cannot grow the cache."""

    def __init__(self, theme: Theme, budget_bytes: int = 6 << 20):
        self.theme = theme
        self.budget = budget_bytes
        self.used = 0
        self._cache: OrderedDict = OrderedDict()
        self._widths: dict = {}

    def surface(self, s: str, size: int = BODY, color=None, face: str = "sans") -> pygame.Surface:
        key = (s, size, color, face)
        img = self._cache.get(key)
        if img is None:
            img = self.theme.font(size, face).render(s, True, color or self.theme.text)
            self._cache[key] = img
            self.used += img.get_width() * img.get_height() * 4
            while self.used > self.budget and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self.used -= old.get_width() * old.get_height() * 4
        else:
            self._cache.move_to_end(key)
        return img

    def draw(self, target: pygame.Surface, s: str, pos, size: int = BODY, color=None, face: str = "sans",
             anchor: str = "topleft") -> pygame.Rect:
        img = self.surface(s, size, color, face)
        rect = img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
        target.blit(img, rect)
        return rect

    def width(self, s: str, size: int = BODY, face: str = "sans") -> int:
        key = (s, size, face)
        w = self._widths.get(key)
        if w is None:
            if len(self._widths) >= 4096:   # bounded: captions with live numbers never repeat
                self._widths.clear()
            w = self._widths[key] = self.theme.font(size, face).size(s)[0]
        return w

    def line(self, size: int = BODY, face: str = "sans") -> int:
        return self.theme.font(size, face).get_linesize()


_FRAMES: OrderedDict = OrderedDict()


def frame(target: pygame.Surface, rect: pygame.Rect, theme: Theme, text: Text, title: str,
          subtitle: str = "") -> pygame.Rect:
    """Draw a panel background with its title (drawn once per size and title, then blitted)
    and a subtitle; return the inner content rect."""
    key = (rect.size, theme.name, title)
    image = _FRAMES.get(key)
    if image is None:
        image = pygame.Surface(rect.size)
        image.fill(theme.background)
        box = image.get_rect()
        pygame.draw.rect(image, theme.panel, box, border_radius=8)
        pygame.draw.rect(image, theme.panel_border, box, 1, border_radius=8)
        text.draw(image, title, (10, 6), TITLE, theme.text, "bold")
        _FRAMES[key] = image
        if len(_FRAMES) > 24:
            _FRAMES.popitem(last=False)
    else:
        _FRAMES.move_to_end(key)
    target.blit(image, rect)
    if subtitle:
        x = rect.x + 20 + text.width(title, TITLE, "bold")
        bottom = rect.y + 6 + theme.font(TITLE, "bold").get_ascent() + 1
        text.draw(target, clip_text(text, subtitle, rect.right - x - 10, SMALL), (x, bottom), SMALL, theme.muted,
                  anchor="bottomleft")
    return inner_rect(rect, text)


def inner_rect(rect: pygame.Rect, text: Text) -> pygame.Rect:
    """The content area of a panel drawn by frame()."""
    top = rect.y + 6 + text.theme.font(TITLE, "bold").get_height() + 6
    return pygame.Rect(rect.x + 10, top, rect.w - 20, rect.bottom - top - 8)


LEVELS = 255   # steps of the heat scale on each side of zero


def _heat_table(theme: Theme) -> np.ndarray:
    """theme.heat_rgb sampled at 2·LEVELS+1 points of [−1, 1], plus theme.bad last (for NaN)."""
    table = _HEAT_TABLES.get(theme.name)
    if table is None:
        table = np.concatenate([heat_rgb(np.linspace(-1.0, 1.0, 2 * LEVELS + 1), 1.0, theme),
                                np.array([theme.bad], np.uint8)])
        _HEAT_TABLES[theme.name] = table
    return table


_HEAT_TABLES: dict = {}


def heat(values: np.ndarray, limit: float, theme: Theme) -> np.ndarray:
    """theme.heat_rgb through a lookup table (the same colours to 1/255 of the scale, several
    times faster): values in [−limit, limit] → RGB uint8 [..., 3]; NaN/inf → theme.bad."""
    v = np.asarray(values, np.float32)
    finite = np.isfinite(v)
    scale = LEVELS / limit if limit > 0 else float(LEVELS)
    idx = np.clip(np.rint(np.where(finite, v, 0.0) * scale), -LEVELS, LEVELS).astype(np.int16) + LEVELS
    idx[~finite] = 2 * LEVELS + 1
    return _heat_table(theme)[idx]


def heat_tile(values: np.ndarray, limit: float, theme: Theme, scale: int) -> pygame.Surface:
    """A 2-D array as a crisp heat map (NaN/inf drawn in theme.bad, never as garbage)."""
    return array_surface(heat(values, limit, theme), max(1, scale))


def heat_strip(values: np.ndarray, limit: float, theme: Theme, width: int, height: int) -> pygame.Surface:
    """A 1-D vector as a row of equal cells stretched to width×height."""
    rgb = heat(np.asarray(values).reshape(1, -1), limit, theme)
    surf = array_surface(rgb, 1)
    return pygame.transform.scale(surf, (max(1, width), max(1, height)))


def colour_bar(theme: Theme, width: int, height: int) -> pygame.Surface:
    """−limit … 0 … +limit as a horizontal gradient (labels are drawn by the caller)."""
    ramp = np.linspace(-1.0, 1.0, max(2, width))[None, :]
    return heat_strip(ramp, 1.0, theme, width, height)


def outline(target: pygame.Surface, rect: pygame.Rect, colour, width: int = 2) -> None:
    pygame.draw.rect(target, colour, rect.inflate(2 * width, 2 * width), width)


class Numbers:
    """Numbers drawn glyph by glyph from pre-rendered characters: grids of changing values
    (pooling cells, logits) cost a few blits instead of a font render per number."""

    CHARS = "0123456789.−-+%×∞NaeE⁻⁰¹²³⁴⁵⁶⁷⁸⁹ "

    def __init__(self, theme: Theme):
        self.theme = theme
        self._glyphs: dict = {}

    def _set(self, size: int, colour, face: str):
        key = (size, colour, face)
        glyphs = self._glyphs.get(key)
        if glyphs is None:
            font = self.theme.font(size, face)
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
        return rect


def fit_size(text: Text, lines, max_w: int, sizes=(BODY, SMALL, TINY), face: str = "sans") -> int:
    """The largest font size in `sizes` at which every line is at most max_w wide."""
    for size in sizes:
        if all(text.width(s, size, face) <= max_w for s in lines):
            return size
    return sizes[-1]


def first_fitting(text: Text, forms, max_w: int, size: int, face: str = "sans") -> str:
    """The first of `forms` (longest wording first) at most max_w wide, else the last one."""
    return next((s for s in forms if text.width(s, size, face) <= max_w), forms[-1])


def clip_text(text: Text, s: str, max_w: int, size: int, face: str = "sans") -> str:
    """s, shortened with "…" at the end if it is wider than max_w."""
    if text.width(s, size, face) <= max_w:
        return s
    while s and text.width(s + "…", size, face) > max_w:
        s = s[:-1]
    return s + "…"
