"""The two lessons the lecture's seed asked for: 'why convolutions' (parameter counts) and
'tensors and their rank'. Every string the scenes draw is recorded and its numbers are read
back and compared with the model, recomputed here with the ops."""
import re

import numpy as np
import pygame
import pytest
from simulator.render.ui.check import MIN_GAP as MIN_GAP_STRICT

from simulator import cli
from simulator.engine import ops
from simulator.engine.data import normalise
from simulator.engine.lecture.step import parse_number
from simulator.engine.model import Network, NetConfig
from simulator.render.lessons.menu import KEYS, LessonMenu
from simulator.render.lessons import LESSON_SCENES, LessonOptions
from simulator.render.lessons.common import SIZE
from simulator.render.ui.theme import THEMES

pygame.font.init()


def draw(name, theme="dark", options=None):
    scene = LESSON_SCENES[name][1](THEMES[theme], options)
    surface = pygame.Surface(SIZE)
    surface.fill(scene.theme.background)
    scene.draw(surface)
    return scene, surface


def count(s: str) -> int:
    return int(s.replace(",", ""))


def test_both_lessons_are_registered_everywhere():
    for name in ("params", "tensors"):
        assert name in cli.LESSONS and name in LESSON_SCENES
    assert len(KEYS) >= len(LESSON_SCENES)
    menu = LessonMenu(THEMES["dark"], LessonOptions())
    menu.layout(SIZE)
    assert [n for n, _ in menu.rows] == list(LESSON_SCENES)


def test_tensors_lesson_shows_real_tensors_with_their_shapes(texts, mnist_dir, mnist):
    draw("tensors", options=LessonOptions(data=mnist_dir))
    shapes = [s for s in texts if s.startswith("shape ")]
    assert shapes == ["shape ()", "shape [10]", "shape [84, 10]", "shape [6, 28, 28]", "shape [8, 1, 28, 28]"]
    model = Network(NetConfig())      # no --checkpoint: fresh weights, seed 0
    x = normalise(mnist.test_images[:8])
    out = model.forward(x).outputs
    loss, _ = ops.softmax_cross_entropy(out["logits"][:1], mnist.test_labels[:1].astype(np.int64))
    tensors = {"L": np.array(loss), "z": out["logits"][0], "W": model.params["fc3_w"], "y": out["conv1"][0], "x": x}
    elements = [s for s in texts if re.match(r"^[LzWyx](\[[\d, ]+\])? = ", s)]
    assert len(elements) == 5
    for s in elements:
        symbol, idx, value = re.match(r"^(\w)(?:\[([\d, ]+)\])? = (\S+)$", s).groups()
        index = tuple(int(v) for v in idx.split(",")) if idx else ()
        want = float(tensors[symbol][index])
        assert abs(parse_number(value) - want) <= 1e-3 * max(1.0, abs(want)), s


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_new_lessons_draw_in_every_theme(theme, mnist_dir):
    for name in ("tensors",):               # params: tests/test_lessons_params.py
        _, surface = draw(name, theme, LessonOptions(data=mnist_dir))
        rgb = pygame.surfarray.array3d(surface)
        assert rgb.std() > 10


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_new_lessons_pass_the_layout_check(theme, mnist_dir):
    """Laid out for 1280×800 (the app scales a lesson to its window) and drawn straight into
    1024×768 and 1920×1080 surfaces too: no text outside the screen or over another."""
    from simulator.render import ui as kit
    options = LessonOptions(data=mnist_dir)
    scenes = {name: LESSON_SCENES[name][1](THEMES[theme], options) for name in ("tensors",)}   # params: its own file
    kit.CHECK.enable(min_gap=MIN_GAP_STRICT)
    try:
        for size in ((1280, 800), (1024, 768), (1920, 1080)):
            for name, scene in scenes.items():
                kit.CHECK.clear()
                surface = pygame.Surface(size)
                with kit.CHECK.scope(name, surface.get_rect()):
                    scene.draw(surface)
                assert kit.CHECK.texts(), "nothing recorded"
                assert kit.CHECK.violations(surface.get_rect()) == [], (name, size)
    finally:
        kit.CHECK.disable()
