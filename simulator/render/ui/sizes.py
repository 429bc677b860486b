"""The one size rule: every text size and figure unit on every screen comes from here.

Text: the smallest text a window may show (its floor) is a fraction of the window height set
by the theme, `theme.text_floor`: 1.75% in the dark and light themes (14 px at 800), 2.5% in
the projector theme (20 px at 768, 27 px at 1080); a zoomed panel (Z) 4% (DESIGN.md, teaching
principle 3). Body and title text are fixed steps above the floor. A screen that cannot fit
its text at these sizes says less; it never draws smaller (the layout check fails on it).

Figures: `px(n)` turns n reference pixels (as laid out for a 1280×800 window) into pixels of
this window; the projector theme's figures are theme.scale larger.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .theme import Theme

REFERENCE = (1280, 800)         # the window the reference pixels of px() are laid out for
MIN_UNIT, MAX_UNIT = 0.8, 2.4
ZOOM_FLOOR = 0.04               # a zoomed panel: every number at least 4% of the window height


def floor_px(height: int, fraction: float) -> int:
    """The smallest text size in pixels for a window `height` tall: ⌈fraction × height⌉."""
    return math.ceil(fraction * height - 1e-9)


@dataclass(frozen=True)
class Sizes:
    """Text sizes in pixels and the figure unit for one window and theme. At 1280×800 dark:
    small 14 (the floor), body 16, title 18, heading 24; projector 1024×768: 20, 23, 26, 34."""
    unit: float       # figures: px(n) = n × unit
    small: int        # the smallest text allowed (the floor); numbers in grids, axis labels
    body: int
    title: int
    heading: int      # a screen's own title

    @property
    def floor(self) -> int:
        return self.small

    def px(self, n: float) -> int:
        """n reference pixels at this window and theme (figures, gaps, cell sizes)."""
        return max(1, round(n * self.unit))

    def scaled(self, k: float) -> "Sizes":
        """Every text size k times larger (k ≥ 1: a screen never goes under its floor)."""
        k = max(1.0, k)
        return Sizes(self.unit * k, round(self.small * k), round(self.body * k), round(self.title * k),
                     round(self.heading * k))

    @classmethod
    def for_window(cls, size, theme: Theme, fraction: float | None = None) -> "Sizes":
        """The sizes of a window of `size` in `theme`; fraction overrides the theme's floor
        (zoomed() uses ZOOM_FLOOR)."""
        w, h = size
        small = floor_px(h, theme.text_floor if fraction is None else fraction)
        fit = min(w / REFERENCE[0], h / REFERENCE[1])
        unit = min(MAX_UNIT, max(MIN_UNIT, fit)) * theme.scale
        if fraction is not None:          # figures grow with the text they carry
            unit *= small / floor_px(h, theme.text_floor)
        return cls(unit, small, round(small * 8 / 7), round(small * 9 / 7), round(small * 12 / 7))

    @classmethod
    def zoomed(cls, size, theme: Theme) -> "Sizes":
        """A panel filling the window (Z): no text under ZOOM_FLOOR of the height."""
        return cls.for_window(size, theme, max(ZOOM_FLOOR, theme.text_floor))
