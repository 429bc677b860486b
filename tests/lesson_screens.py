"""Drawing a ported lesson as its window shows it, for the lesson tests: laid out at a window
size with that window's Sizes, drawn with the layout check on, every string read back from
ui.CHECK (no monkeypatching of a text helper)."""
import pygame

from simulator.render import ui
from simulator.render.lessons import LESSON_SCENES
from simulator.render.ui.theme import THEMES

DARK = THEMES["dark"]


def make(name, options, theme=DARK):
    return LESSON_SCENES[name][1](theme, options)


def show(scene, size=(1280, 800)):
    """(surface, the strings drawn in order, the layout check's violations) of one frame of the
    scene in a window of `size`."""
    pygame.font.init()
    sizes = ui.Sizes.for_window(size, scene.theme)
    scene.layout(tuple(size), sizes)
    surface = pygame.Surface(size)
    surface.fill(scene.theme.background)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        scene.draw(surface)
        texts = [s for _, _, s in ui.CHECK.texts()]
        problems = ui.CHECK.violations(surface.get_rect())
    finally:
        ui.CHECK.disable()
    return surface, texts, problems


def sized_texts(scene, size):
    """[(string, size in px)] of one frame drawn in a window of `size`."""
    pygame.font.init()
    sizes = ui.Sizes.for_window(size, scene.theme)
    scene.layout(tuple(size), sizes)
    surface = pygame.Surface(size)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        scene.draw(surface)
        return [(t, px) for sc in ui.CHECK.scopes.values() for _, t, px in sc.texts]
    finally:
        ui.CHECK.disable()


def not_blank(surface, theme=DARK) -> bool:
    import numpy as np
    rgb = pygame.surfarray.array3d(surface).reshape(-1, 3).astype(np.int32)
    packed = rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2]
    bg = theme.background
    return len(np.unique(packed)) > 30 and np.mean(packed != (bg[0] << 16 | bg[1] << 8 | bg[2])) > 0.3
