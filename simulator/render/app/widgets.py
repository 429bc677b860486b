"""The live app's panel helpers on top of the UI kit (simulator.render.ui): the panel frame,
the SnapshotPanel base and an outline. Text, numbers, heat maps and the layout check are the
kit's; they are re-exported here for the panels. Drawing only; numbers come from the Snapshot."""
from __future__ import annotations

import pygame

from ..ui import figures
from ..ui.figures import inner_rect  # noqa: F401  (the panels import it from here)
from ..ui.theme import Theme
from ..ui import (CHECK, Sizes, Text, clip_text, colour_bar, colour_bar_width, first_fitting,  # noqa: F401
                  fit_size, fmt, fmt_cell, hatch, heat, heat_strip, heat_tile, is_dead, parse_number,
                  power_of_ten, ten_to, wrap)


class SnapshotPanel:
    """A panel redrawn onto its own surface when a Snapshot arrives (set_snapshot) and blitted
    as it is every frame."""

    name = "panel"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.static: pygame.Surface | None = None

    def layout(self, rect: pygame.Rect, sizes: Sizes) -> None:
        self.rect, self.sizes = rect, sizes
        self.static = pygame.Surface(rect.size)

    def set_snapshot(self, snap) -> None:
        with CHECK.scope(self.name, self.rect, self.rect.topleft):
            self.build(snap)

    def build(self, snap) -> None:
        raise NotImplementedError

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.static is not None:
            target.blit(self.static, self.rect)


def frame(target: pygame.Surface, rect: pygame.Rect, theme: Theme, text: Text, sizes: Sizes, title: str,
          subtitles=()) -> pygame.Rect:
    """The kit's panel (ui.figures.panel) for a panel drawing onto its own surface inside its
    own CHECK.scope: background, title, the first subtitle that fits."""
    return figures.panel(target, rect, theme, text, sizes, title, subtitles, begin_scope=False)


def outline(target: pygame.Surface, rect: pygame.Rect, colour, width: int = 2) -> None:
    pygame.draw.rect(target, colour, rect.inflate(2 * width, 2 * width), width)


