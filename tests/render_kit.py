"""Drawing a scene of the kit in a test: laid out for a window of `size` with that window's
Sizes, drawn once with the layout check on, and every string it drew read back."""
from dataclasses import dataclass

import numpy as np
import pygame

from simulator.render import ui


@dataclass
class Drawn:
    surface: pygame.Surface
    records: list            # (panel, rect, text) for every string drawn, in order
    violations: list         # the layout check's complaints (with the floor and a 5 px gap)
    sizes: ui.Sizes
    target: object = None    # draw_zoomed: the zoom target, laid out as the runner lays it out

    @property
    def texts(self) -> list[str]:
        return [t for _, _, t in self.records]

    def in_panel(self, name: str) -> list[str]:
        return [t for panel, _, t in self.records if panel == name]

    def rect_of(self, text: str, panel: str | None = None) -> pygame.Rect:
        return next(r for p, r, t in self.records if t == text and (panel is None or p == panel))


def draw(scene, size=(1280, 800), layout: bool = True) -> Drawn:
    """Draw the scene as a window of `size` shows it (layout first unless told not to)."""
    pygame.font.init()
    sizes = ui.Sizes.for_window(size, scene.theme)
    if layout:
        scene.layout(size, sizes)
    surface = pygame.Surface(size)
    surface.fill(scene.theme.background)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        scene.draw(surface)
        return Drawn(surface, ui.CHECK.texts(), ui.CHECK.violations(surface.get_rect()), sizes)
    finally:
        ui.CHECK.disable()


def draw_zoomed(scene, size=(1280, 800)) -> Drawn:
    """The scene's zoom target over a window of `size`, as the runner lays it out (Z)."""
    pygame.font.init()
    target = scene.zoom_target(None)
    zoom = ui.window.ZoomScene(scene, target)
    sizes = zoom.sizes_for(size)
    zoom.layout(size, sizes)
    surface = pygame.Surface(size)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        zoom.draw(surface)
        return Drawn(surface, ui.CHECK.texts(), ui.CHECK.violations(surface.get_rect()), sizes, target)
    finally:
        ui.CHECK.disable()


def assert_not_blank(surface, theme):
    rgb = pygame.surfarray.array3d(surface).reshape(-1, 3).astype(np.int32)
    packed = rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2]
    colours = len(np.unique(packed))
    bg = theme.background
    differs = np.mean(packed != (bg[0] << 16 | bg[1] << 8 | bg[2]))
    assert colours > 30 and differs > 0.3, (colours, differs)


def colours_in(surface, rect) -> set:
    """The exact colours of the pixels in rect."""
    block = pygame.surfarray.array3d(surface.subsurface(pygame.Rect(rect).clip(surface.get_rect())))
    return {tuple(int(v) for v in c) for c in block.reshape(-1, 3)}
