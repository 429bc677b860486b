"""The live app's panel helpers on top of the UI kit (simulator.render.ui): the panel frame,
the SnapshotPanel base and an outline. Text, numbers, heat maps and the layout check are the
kit's; they are re-exported here for the panels. Drawing only; numbers come from the Snapshot."""
from __future__ import annotations

from collections import OrderedDict

import pygame

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


_FRAMES: OrderedDict = OrderedDict()
PAD = 8         # reference pixels between a panel's border and its content


def frame(target: pygame.Surface, rect: pygame.Rect, theme: Theme, text: Text, sizes: Sizes, title: str,
          subtitles=()) -> pygame.Rect:
    """Draw a panel background with its title (drawn once per size and title, then blitted)
    and the first of `subtitles` (longest wording first) that fits beside it, or none: a
    subtitle is never cut. Return the inner content rect."""
    key = (rect.size, theme.name, title, sizes.title)
    pad = sizes.px(PAD)
    image = _FRAMES.get(key)
    if image is None:
        image = pygame.Surface(rect.size)
        image.fill(theme.background)
        box = image.get_rect()
        pygame.draw.rect(image, theme.panel, box, border_radius=8)
        pygame.draw.rect(image, theme.panel_border, box, 1, border_radius=8)
        image.blit(text.surface(title, sizes.title, theme.text, "bold"), (pad, pad // 2))
        _FRAMES[key] = image
        if len(_FRAMES) > 32:
            _FRAMES.popitem(last=False)
    else:
        _FRAMES.move_to_end(key)
    target.blit(image, rect)
    title_w = text.width(title, sizes.title, "bold")
    if CHECK.enabled:
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
    """The content area of a panel drawn by frame()."""
    pad = sizes.px(PAD)
    top = rect.y + pad // 2 + text.height(sizes.title, "bold") + pad // 2
    return pygame.Rect(rect.x + pad, top, rect.w - 2 * pad, rect.bottom - top - pad)


def outline(target: pygame.Surface, rect: pygame.Rect, colour, width: int = 2) -> None:
    pygame.draw.rect(target, colour, rect.inflate(2 * width, 2 * width), width)


