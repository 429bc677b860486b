"""The two lessons the lecture's seed asked for: 'why convolutions' (parameter counts) and
'tensors and their rank'. Each runs in the kit's window runner with the layout check on; every
string it draws is read back from the check and its numbers are compared with the model,
recomputed here with the ops."""
import re

import numpy as np
import pygame
import pytest

from simulator import cli
from simulator.engine import ops
from simulator.engine.data import normalise
from simulator.engine.lecture.step import parse_number
from simulator.engine.model import Network, NetConfig
from simulator.render import ui
from simulator.render.lessons.menu import KEYS, LessonMenu
from simulator.render.lessons import LESSON_SCENES, LessonOptions, open_lesson
from simulator.render.ui.theme import THEMES

SIZE = (1280, 800)
WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]


def run(name, theme="dark", options=None, size=SIZE, keys=()):
    """The lesson in a window of `size`, `keys` pressed, one frame drawn with the check on:
    (every string drawn, in order, and the screen). The layout check itself, floor included,
    is test_lessons_layout's, for every lesson."""
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(size)
    scene = open_lesson(name, THEMES[theme], options)
    window = ui.Window(scene, ui.WindowOptions(size=size), screen=screen)
    try:
        window.run(1)
        window.running = True
        for k in keys:
            window.frame([pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)], 0.0)
        ui.CHECK.enable(min_gap=ui.check.MIN_GAP)
        window._laid_out = None
        window.frame([], 0.0)
        # item[1]: a lesson still on the old canvas records (rect, text), a ported one (rect, text, size)
        texts = [item[1] for sc in ui.CHECK.scopes.values() for item in sc.texts]
        return texts, screen
    finally:
        ui.CHECK.disable()
        window.close()


def count(s: str) -> int:
    return int(s.replace(",", ""))


def test_both_lessons_are_registered_everywhere():
    for name in ("params", "tensors"):
        assert name in cli.LESSONS and name in LESSON_SCENES
    assert len(KEYS) >= len(LESSON_SCENES)
    menu = LessonMenu(THEMES["dark"], LessonOptions())
    menu.layout(SIZE, ui.Sizes.for_window(SIZE, THEMES["dark"]))
    assert [n for n, _ in menu.rows] == list(LESSON_SCENES)


