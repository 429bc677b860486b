"""A lesson still laid out on the fixed 1280×800 canvas, as a scene of the window runner: drawn
off-screen at that size and scaled to the window, clicks mapped back. (Transitional: a lesson
ported to the kit draws at the window's own size and needs none of this.)"""
from __future__ import annotations

import pygame

from .. import ui
from .common import SIZE


def fit_canvas(canvas, surface, background) -> None:
    """Draw the SIZE canvas onto surface, scaled to fit (aspect kept) and centred."""
    s = min(surface.get_width() / SIZE[0], surface.get_height() / SIZE[1])
    scaled = pygame.transform.smoothscale(canvas, (int(SIZE[0] * s), int(SIZE[1] * s)))
    surface.fill(background)
    surface.blit(scaled, scaled.get_rect(center=surface.get_rect().center))


class CanvasLesson(ui.Scene):
    def __init__(self, scene, title: str):
        self.scene, self.title = scene, title
        self.theme = scene.theme
        self.canvas = pygame.Surface(SIZE)
        self.size = SIZE

    def __getattr__(self, name):          # demo(), gif_fps, export_seconds … for --export
        return getattr(self.__dict__["scene"], name)

    @property
    def ready(self) -> bool:
        ready = getattr(self.scene, "ready", None)
        return ready() if callable(ready) else True

    def layout(self, size, sizes) -> None:
        self.size = tuple(size)

    def _to_scene(self, pos):
        s = min(self.size[0] / SIZE[0], self.size[1] / SIZE[1])
        ox, oy = (self.size[0] - SIZE[0] * s) / 2, (self.size[1] - SIZE[1] * s) / 2
        return int((pos[0] - ox) / s), int((pos[1] - oy) / s)

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            return ui.BACK
        if self.size != SIZE and hasattr(event, "pos"):
            attrs = dict(event.dict)
            attrs["pos"] = self._to_scene(event.pos)
            event = pygame.event.Event(event.type, attrs)
        self.scene.handle(event)
        return None

    def update(self, dt):
        self.scene.update(dt)

    def draw(self, surface):
        if tuple(surface.get_size()) == SIZE:
            surface.fill(self.theme.background)
            self.scene.draw(surface)
            return None
        self.canvas.fill(self.theme.background)
        self.scene.draw(self.canvas)
        fit_canvas(self.canvas, surface, self.theme.background)
        return None

    def close(self) -> None:
        self.scene.close()
