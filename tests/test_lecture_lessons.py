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
from simulator.engine.data import load_dataset, normalise
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


def test_params_lesson_counts_are_the_models(mnist_dir):
    texts, _ = run("params", options=LessonOptions(data=mnist_dir))
    model = Network(NetConfig())
    p = model.params
    x = np.zeros((1, 1, 28, 28), np.float32)
    c1, _ = ops.conv2d_forward(x, p["conv1_w"], p["conv1_b"], 1, 2)
    p1, _ = ops.maxpool2d_forward(c1, 2, 2)
    c2, _ = ops.conv2d_forward(p1, p["conv2_w"], p["conv2_b"], 1, 0)
    sizes = {"conv1": (784, c1.size), "conv2": (p1.size, c2.size), "fc1": (400, 120), "fc2": (120, 84),
             "fc3": (84, 10)}
    ours = {"conv1": p["conv1_w"].size + p["conv1_b"].size, "conv2": p["conv2_w"].size + p["conv2_b"].size,
            "fc1": p["fc1_w"].size + p["fc1_b"].size, "fc2": p["fc2_w"].size + p["fc2_b"].size,
            "fc3": p["fc3_w"].size + p["fc3_b"].size}
    assert ours["conv1"] == 6 * (5 * 5 * 1) + 6
    table = {texts[i]: texts[i + 1:i + 7] for i in range(len(texts) - 7) if texts[i] in ours or texts[i] == "total"}
    for name, (n_in, n_out) in sizes.items():
        row = table[name]
        assert count(row[1]) == ours[name]
        assert count(row[2]) == n_in * n_out + n_out
        assert count(row[4]) == n_in * n_out
    assert count(table["total"][1]) == sum(v.size for v in p.values())
    assert count(table["total"][2]) == sum(i * o + o for i, o in sizes.values())
    written = next(s for s in texts if s.startswith("conv1: "))
    assert written.endswith(f"= {ours['conv1']}")
    dense = next(s for s in texts if s.startswith("dense 784"))
    assert f"= {784 * c1.size + c1.size:,}" in dense
    n_train = len(load_dataset(mnist_dir).train_images)
    per_image = " ".join(s for s in texts if s.startswith("Training set") or "images" in s)
    assert f"{n_train:,} images" in per_image


def test_params_lesson_keys_choose_the_layer(mnist_dir):
    texts, _ = run("params", options=LessonOptions(data=mnist_dir), keys=(pygame.K_DOWN,))
    assert any(s.startswith("conv2: 16 filters · (6·5·5) weights + 16 biases = 2,416") for s in texts)


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_new_lessons_draw_in_every_theme_and_window(theme, mnist_dir):
    options = LessonOptions(data=mnist_dir)
    for size in WINDOWS:
        for name in ("params",):             # tensors: tests/test_lessons_tensors.py
            texts, screen = run(name, theme, options, size)
            assert len(texts) > 10, (name, size)
            assert pygame.surfarray.array3d(screen).std() > 10
