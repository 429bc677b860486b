"""Drawing a scene of the kit in a test: laid out for a window of `size` with that window's
Sizes, drawn once with the layout check on, and every string it drew read back (no
monkeypatching of a text helper)."""
from dataclasses import dataclass

import numpy as np
import pygame

from simulator.render import ui
from simulator.render.lessons import LESSON_SCENES
from simulator.render.ui.theme import THEMES

DARK = THEMES["dark"]


@dataclass
class Drawn:
    surface: pygame.Surface
    records: list            # (panel, rect, text) for every string drawn, in order
    violations: list         # the layout check's complaints (with the floor and a 5 px gap)
    sizes: ui.Sizes
    px: list                 # the size in pixels of each string of records, in the same order
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
        return Drawn(surface, ui.CHECK.texts(), ui.CHECK.violations(surface.get_rect()), sizes, ui.CHECK.sizes())
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
        return Drawn(surface, ui.CHECK.texts(), ui.CHECK.violations(surface.get_rect()), sizes, ui.CHECK.sizes(),
                     target)
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


def make(name, options, theme=DARK):
    """The lesson `name` as its factory builds it."""
    return LESSON_SCENES[name][1](theme, options)


def drawn_demo(scene, size=(1280, 800)) -> Drawn:
    """The lesson in its showcase state, drawn at size with the layout check on; it must pass."""
    scene.demo()
    d = draw(scene, size)
    assert d.violations == [], (size, d.violations[:3])
    return d


def show(scene, size=(1280, 800)):
    """(surface, the strings drawn in order, the layout check's violations) of one frame."""
    d = draw(scene, size)
    return d.surface, d.texts, d.violations


def sized_texts(scene, size):
    """[(string, size in px)] of one frame drawn in a window of `size`."""
    d = draw(scene, size)
    return list(zip(d.texts, d.px))


def not_blank(surface, theme=DARK) -> bool:
    try:
        assert_not_blank(surface, theme)
        return True
    except AssertionError:
        return False
