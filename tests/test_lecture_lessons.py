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
from simulator.engine.data import load_dataset, normalise
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


def test_params_lesson_counts_are_the_models(texts, mnist_dir):
    draw("params", options=LessonOptions(data=mnist_dir))
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


def test_params_lesson_keys_choose_the_layer(texts, mnist_dir):
    scene, _ = draw("params", options=LessonOptions(data=mnist_dir))
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_DOWN))
    texts.clear()
    scene.draw(pygame.Surface(SIZE))
    assert any(s.startswith("conv2: 16 filters · (6·5·5) weights + 16 biases = 2,416") for s in texts)


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_new_lessons_draw_in_every_theme(theme, mnist_dir):
    for name in ("params",):             # tensors: tests/test_lessons_tensors.py
        _, surface = draw(name, theme, LessonOptions(data=mnist_dir))
        rgb = pygame.surfarray.array3d(surface)
        assert rgb.std() > 10


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_new_lessons_pass_the_layout_check(theme, mnist_dir):
    """Laid out for 1280×800 (the app scales a lesson to its window) and drawn straight into
    1024×768 and 1920×1080 surfaces too: no text outside the screen or over another."""
    from simulator.render import ui as kit
    options = LessonOptions(data=mnist_dir)
    scenes = {name: LESSON_SCENES[name][1](THEMES[theme], options) for name in ("params",)}   # tensors: its own file
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
