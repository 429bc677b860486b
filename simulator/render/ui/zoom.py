"""The zoom (Z or a double click): a scene's zoom_target is a Zoomable, which the runner lays
out over the whole window at Sizes.zoomed (every number at least 4% of the height) inside a
ZoomScene; the scene below goes on (training, presenter mode) and still takes its keys."""
from __future__ import annotations

import pygame

from .actions import BACK, FULLSCREEN, QUIT, SCREENSHOT
from .check import CHECK
from .sizes import Sizes
from .text import Text


class Zoomable:
    """What a scene's zoom_target returns, most often: one of its figures, laid out by the
    runner over the whole window at the zoom's sizes; a subclass draws it in draw(surface)
    from self.rect and self.sizes (and self.scene, the scene it belongs to)."""
    title = "zoom"

    def __init__(self, scene, title: str | None = None):
        self.scene = scene
        if title is not None:
            self.title = title
        self.rect = pygame.Rect(0, 0, 1, 1)
        self.sizes = getattr(scene, "sizes", None)

    def layout(self, rect, sizes: Sizes) -> None:
        self.rect, self.sizes = pygame.Rect(rect), sizes

    def update(self, dt: float) -> None:
        pass

    def draw(self, surface: pygame.Surface) -> None:
        raise NotImplementedError


class ZoomScene:
    """A scene of the runner (ui.window.Scene's contract): one Zoomable of the scene below,
    redrawn over the whole window at the zoom sizes."""
    ready = True
    hint = "Z or Esc: back"

    def __init__(self, below, target):
        self.below, self.target = below, target
        self.theme = below.theme
        self.title = below.title
        self.text = Text(self.theme)
        self.sizes = None
        self.size = (0, 0)

    def sizes_for(self, size) -> Sizes:
        return Sizes.zoomed(size, self.theme)

    def layout(self, size, sizes: Sizes) -> None:
        self.size, self.sizes = size, sizes
        hint_h = self.text.line(sizes.small) + sizes.px(8)
        self.target.layout(pygame.Rect(0, 0, size[0], size[1] - hint_h), sizes)

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_z, pygame.K_ESCAPE):
            return BACK
        if event.type in (pygame.KEYDOWN, pygame.KEYUP):
            action = self.below.handle(event)        # space, P, − + … still drive the scene
            return action if action in (QUIT, FULLSCREEN, SCREENSHOT) else None
        return None

    def update(self, dt: float):
        self.below.update(dt)                        # training, presenter mode go on
        self.target.update(dt)

    def notify(self, message: str) -> None:
        self.below.notify(message)

    def close(self) -> None:
        pass

    def draw(self, surface: pygame.Surface):
        th, sz = self.theme, self.sizes
        CHECK.clear()                # the whole screen is this panel: what the scene below drew is gone
        surface.fill(th.background)
        self.target.draw(surface)
        with CHECK.scope("zoom hint", surface.get_rect()):
            self.text.draw(surface, self.hint, (self.size[0] - sz.px(8), self.size[1] - sz.px(4)), sz.small,
                           th.muted, anchor="bottomright")
        return None
