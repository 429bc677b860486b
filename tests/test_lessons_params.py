"""The params lesson (params.py, 'why convolutions'): every count in its table and sentences is
read back and compared with the model, recomputed here with the ops; the table stays at or
above the theme's floor in every theme and window (it was ~11 px in the projector theme) by
saying less (short headers, fewer columns), and its zoom holds 4% of the height."""

import numpy as np
import pygame
import pytest
import render_kit
from render_kit import assert_not_blank, draw, draw_zoomed

from simulator.engine import ops
from simulator.engine.data import load_dataset
from simulator.engine.model import Network, NetConfig
from simulator.render.lessons import LessonOptions
from simulator.render.lessons.params import HEAD, SHORT_HEAD
from simulator.render.ui.sizes import ZOOM_FLOOR, floor_px
from simulator.render.ui.theme import THEMES

WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]


def make(mnist_dir, theme="dark"):
    return render_kit.make("params", LessonOptions(data=mnist_dir), THEMES[theme])


def count(s: str) -> int:
    return int(s.replace(",", ""))


def table(drawn, scene) -> dict:
    """{layer: its cells} read back from the drawn table (every column shown: 1280×800 dark)."""
    cells = [t for p, r, t in drawn.records if p.startswith("panel at") and r.colliderect(scene.table_rect)]
    heads = [h.format(name="LeNet-5") for h in HEAD]
    assert cells[:len(heads)] == heads                   # all seven columns, long headers
    rows, rest = {}, cells[len(heads):]
    for c in scene.counts:
        rows[rest[0]], rest = rest[1:7], rest[7:]
    assert rest[0] == "total"
    rows["total"] = rest[1:]
    return rows


def test_the_counts_are_the_models(mnist_dir):
    scene = make(mnist_dir)
    drawn = draw(scene)
    assert drawn.violations == []
    assert_not_blank(drawn.surface, scene.theme)
    model = Network(NetConfig())
    p = model.params
    x = np.zeros((1, 1, 28, 28), np.float32)
    c1, _ = ops.conv2d_forward(x, p["conv1_w"], p["conv1_b"], 1, 2)
    p1, _ = ops.maxpool2d_forward(c1, 2, 2)
    c2, _ = ops.conv2d_forward(p1, p["conv2_w"], p["conv2_b"], 1, 0)
    sizes = {"conv1": (784, c1.size), "conv2": (p1.size, c2.size), "fc1": (400, 120), "fc2": (120, 84),
             "fc3": (84, 10)}
    ours = {name: p[f"{name}_w"].size + p[f"{name}_b"].size for name in sizes}
    assert ours["conv1"] == 6 * (5 * 5 * 1) + 6
    rows = table(drawn, scene)
    for name, (n_in, n_out) in sizes.items():
        row = rows[name]
        assert count(row[1]) == ours[name]
        assert count(row[2]) == n_in * n_out + n_out
        assert count(row[4]) == n_in * n_out
    assert count(rows["total"][0]) == sum(v.size for v in p.values())
    assert count(rows["total"][1]) == sum(i * o + o for i, o in sizes.values())
    texts = drawn.texts
    written = next(s for s in texts if s.startswith("conv1: "))
    assert written.endswith(f"= {ours['conv1']}")
    dense = next(s for s in texts if s.startswith("dense 784"))
    assert f"= {784 * c1.size + c1.size:,}" in dense
    n_train = len(load_dataset(mnist_dir).train_images)
    words = " ".join(texts)
    assert f"Training set: {n_train:,} images" in words
    assert f"{sum(v.size for v in p.values()):,} parameters" in texts


def test_the_keys_choose_the_layer_written_out(mnist_dir):
    scene = make(mnist_dir)
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_DOWN))
    assert any(s.startswith("conv2: 16 filters · (6·5·5) weights + 16 biases = 2,416") for s in draw(scene).texts)
    assert scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE)) == "back"


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_the_table_says_less_never_smaller(theme, mnist_dir):
    scene = make(mnist_dir, theme)
    for size in WINDOWS:
        for label in scene.tour():
            drawn = draw(scene, size)
            assert drawn.violations == [], (size, label, drawn.violations[:3])
        in_table = [(r, t) for p, r, t in drawn.records if p.startswith("panel at") and r.colliderect(scene.table_rect)]
        keep, head, text_size, _, _ = scene.table_layout(scene.table_rect.w - 2 * drawn.sizes.px(8), drawn.sizes)
        assert text_size >= drawn.sizes.small >= floor_px(size[1], THEMES[theme].text_floor)
        assert {0, 2, 3} <= set(keep), size                 # layer, its parameters, the dense count: never left out
        assert head[2] in (HEAD[2].format(name="LeNet-5"), SHORT_HEAD[2]) and head[2] in [t for _, t in in_table]
        zoomed = draw_zoomed(scene, size)
        assert zoomed.violations == [] and zoomed.sizes.small >= floor_px(size[1], ZOOM_FLOOR), size
        assert "61,706" in zoomed.texts
