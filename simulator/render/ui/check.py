"""The layout check: when enabled (the tests turn it on), every text a screen draws is
recorded with the panel it belongs to, and `violations()` lists

- a text that is not wholly inside its panel,
- two texts that overlap, within one layer (an overlay may cover panels); with
  enable(min_gap=MIN_GAP) also two side by side with a gap under min_gap pixels, which read
  as one ("−12.84" and "0" → "−12.840"); texts placed exactly end to end are pieces of one
  line and pass,
- a text shortened with "…" (a screen must say less, not cut),
- a text smaller than the floor of its window and theme (sizes.py; a zoomed panel's scope
  has its own, larger floor), or drawn without going through the kit's Text (size unknown).

A panel declares itself with `CHECK.scope(name, bounds, origin)` (or, drawing panel after
panel, `CHECK.begin(name, bounds)`): texts drawn inside the
`with` block are recorded at `origin` + their position (panels that draw onto their own
surface pass the surface's place on screen), and re-entering a scope forgets what that scope
recorded before (a panel redrawn shows only its new texts). Off, it costs one attribute test.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import pygame

MIN_GAP = 5         # pixels between two texts on one line, when the check asks for a gap


@dataclass
class Scope:
    bounds: pygame.Rect | None     # screen coordinates; None: anywhere on screen
    layer: int
    floor: int | None = None                     # smallest text size allowed here; None: CHECK.floor
    texts: list = field(default_factory=list)    # (screen rect, text, size)
    cuts: list = field(default_factory=list)     # texts shortened with "…"


class LayoutCheck:
    def __init__(self):
        self.enabled = False
        self.min_gap = 0
        self.floor = 0              # the window's smallest text size (Sizes.floor); set by the runner
        self.scopes: dict[str, Scope] = {}
        self._stack: list[tuple[str, tuple[int, int]]] = []

    def enable(self, min_gap: int = 0, floor: int = 0) -> None:
        """Start recording. min_gap > 0 (every screen's layout test uses MIN_GAP) also reports two texts
        side by side with a gap of 1 … min_gap−1 pixels, which read as one. floor: the smallest
        text size allowed (the runner sets it from the window's Sizes at every layout)."""
        self.enabled = True
        self.min_gap = min_gap
        self.floor = floor
        self.clear()

    def disable(self) -> None:
        self.enabled = False
        self.clear()

    def clear(self) -> None:
        self.scopes = {}
        self._stack = []

    def forget(self, prefix: str) -> None:
        """Drop the scopes whose name starts with prefix (a panel no longer on screen)."""
        for name in [n for n in self.scopes if n.startswith(prefix)]:
            del self.scopes[name]

    @contextmanager
    def scope(self, name: str, bounds=None, origin=(0, 0), layer: int = 0, floor: int | None = None):
        """Texts drawn in this block belong to panel `name` (bounds: its screen rect; floor: its
        smallest text size, default the window's)."""
        if not self.enabled:
            yield
            return
        self.scopes[name] = Scope(None if bounds is None else pygame.Rect(bounds), layer, floor)
        self._stack.append((name, (int(origin[0]), int(origin[1]))))
        try:
            yield
        finally:
            self._stack.pop()

    def begin(self, name: str, bounds=None, layer: int = 0, floor: int | None = None) -> None:
        """From now on (until the next begin, outside any `with scope`), texts belong to panel
        `name`: for screens that draw panel after panel."""
        if not self.enabled:
            return
        self.scopes[name] = Scope(None if bounds is None else pygame.Rect(bounds), layer, floor)
        base = (name, (0, 0))
        if self._stack:
            self._stack[0] = base
        else:
            self._stack.append(base)

    def record(self, rect: pygame.Rect, text: str, size: int | None = None) -> None:
        """Called by the kit's Text for every text drawn (rect: on its target surface; size: the
        font size in pixels)."""
        if not self.enabled:
            return
        name, origin = self._stack[-1] if self._stack else ("(no panel)", (0, 0))
        scope = self.scopes.setdefault(name, Scope(None, 0))
        scope.texts.append((pygame.Rect(rect).move(origin), text, size))

    def sizes(self) -> list[int]:
        """The size of every text recorded (None: drawn outside the kit)."""
        return [size for sc in self.scopes.values() for _, _, size in sc.texts]

    def cut(self, text: str) -> None:
        if self.enabled:
            name = self._stack[-1][0] if self._stack else "(no panel)"
            self.scopes.setdefault(name, Scope(None, 0)).cuts.append(text)

    def texts(self) -> list[tuple[str, pygame.Rect, str]]:
        return [(name, r, t) for name, sc in self.scopes.items() for r, t, _ in sc.texts]

    def violations(self, screen: pygame.Rect | None = None) -> list[str]:
        out = []
        items = []
        for name, sc in self.scopes.items():
            bounds = sc.bounds if sc.bounds is not None else screen
            floor = self.floor if sc.floor is None else sc.floor
            for r, t, size in sc.texts:
                if not t.strip():
                    continue
                if size is None:
                    out.append(f"{name}: {t!r} was drawn without the kit's Text (its size is unknown)")
                elif size < floor:
                    out.append(f"{name}: {t!r} is {size} px, under the floor of {floor} px")
                if bounds is not None and not bounds.contains(r):
                    out.append(f"{name}: {t!r} at {tuple(r)} is outside its panel {tuple(bounds)}")
                items.append((sc.layer, name, r, t))
            out.extend(f"{name}: {t!r} was cut with …" for t in sc.cuts)
        for i, (la, na, ra, ta) in enumerate(items):
            for lb, nb, rb, tb in items[i + 1:]:
                if la != lb:
                    continue
                rows = min(ra.bottom, rb.bottom) - max(ra.y, rb.y)       # shared height
                gap = max(rb.x - ra.right, ra.x - rb.right)               # horizontal gap (< 0: overlap)
                # gap −1 … 0: pieces of one line drawn end to end on purpose (a caption's spans)
                if rows >= 3 and (gap < -1 or 0 < gap < self.min_gap):
                    out.append(f"{na} {ta!r} {tuple(ra)} overlaps {nb} {tb!r} {tuple(rb)}")
        return out


CHECK = LayoutCheck()
