"""Each lesson scene renders under SDL's dummy driver to a non-blank picture, and the numbers it
writes on screen are the engine's (every string drawn is recorded and checked against the
engine's own values). Also: `python main.py lesson NAME --export/--screenshot` and its errors."""
import time

import numpy as np
import pygame
import pytest
from conftest import fast_lessons
from PIL import Image

from simulator import cli
from simulator.engine.lessons import activations as act
from simulator.engine.lessons import regression as reg
from simulator.engine.graph import analytic_gradient
from simulator.render.lessons import LESSON_SCENES, LessonOptions
from simulator.render.lessons.common import SIZE, fmt
from simulator.render.ui.theme import THEMES

pygame.font.init()
DARK = THEMES["dark"]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


@pytest.fixture
def options(mnist_dir):
    return LessonOptions(data=mnist_dir)


def render(scene, theme=DARK) -> pygame.Surface:
    surface = pygame.Surface(SIZE)
    surface.fill(theme.background)
    scene.draw(surface)
    return surface


def assert_not_blank(surface, theme=DARK):
    rgb = pygame.surfarray.array3d(surface).reshape(-1, 3).astype(np.int32)
    packed = rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2]
    colours = len(np.unique(packed))
    bg = theme.background
    differs = np.mean(packed != (bg[0] << 16 | bg[1] << 8 | bg[2]))
    assert colours > 30 and differs > 0.3, (colours, differs)


def make(name, options, theme=DARK):
    return LESSON_SCENES[name][1](theme, options)


def wait_ready(scene, timeout=60):
    deadline = time.monotonic() + timeout
    while not scene.ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert scene.ready()
    scene.update(0.2)


def test_registry_lists_every_lesson_of_the_cli():
    assert set(LESSON_SCENES) == set(cli.LESSONS)
    assert all(isinstance(title, str) and callable(f) for title, f in LESSON_SCENES.values())


# ----------------------------------------------------------------------------- scenes

def test_graph_scene_shows_the_engine_gradients(texts, options):
    scene = make("graph", options)
    scene.demo()
    assert_not_blank(render(scene))
    ax, ay = analytic_gradient(scene.x, scene.y)
    n = scene.graph.nodes
    assert f"∂w7/∂x = ∂w7/∂w1 = {fmt(n['w1'].grad, 5)}" in texts
    assert f"∂w7/∂y = ∂w7/∂w2 = {fmt(n['w2'].grad, 5)}" in texts
    assert f"cos 2x + 1/y = {fmt(ax, 5)}" in texts and f"−x / y² = {fmt(ay, 5)}" in texts
    assert fmt(n["w1"].grad, 5) == fmt(ax, 5)
    pairs = set(zip(texts, texts[1:]))
    for label, node in n.items():
        assert f"= {fmt(node.value, 4)}" in texts
        assert (f"∂w7/∂{label}", f"= {fmt(node.grad, 4)}") in pairs      # the adjoint, inside its node
    for parent, child, i in scene.graph.edges():                           # each edge's local derivative
        assert fmt(child.local[i], 4) in texts


def test_graph_scene_steps_and_inputs(texts, options):
    scene = make("graph", options)
    for step in range(scene.last_step + 1):            # every step draws
        scene.step = step
        render(scene)
    for key in (pygame.K_RIGHT, pygame.K_UP, pygame.K_UP):
        scene.handle(pygame.event.Event(pygame.KEYDOWN, key=key))
    assert (scene.x, scene.y) == (1.4, 0.9)
    scene.update(100.0)                                  # playing: advances without error


def test_graph_scene_division_by_zero(texts, options):
    scene = make("graph", options)
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_0))
    assert scene.y == 0.0
    for step in range(scene.last_step + 1):
        scene.step = step
        assert_not_blank(render(scene))
    assert "÷ 0: undefined" in texts and "division by zero: w2 = 0" in texts
    assert not any(s.startswith("∂w7/∂x") for s in texts)


def test_regression_scene_shows_the_run(texts, options):
    scene = make("regression", options)
    scene.demo()
    assert_not_blank(render(scene))
    k, run = scene.step, scene.run
    pair = lambda v: f"({fmt(v[0])}, {fmt(v[1])})"       # noqa: E731
    assert f"θ     = {pair(run.thetas[k])}" in texts
    assert f"∇J(θ) = {pair(run.grads[k])}" in texts
    assert f"  = {pair(run.thetas[k + 1])}" in texts
    star = reg.closed_form(scene.points)
    assert any(s.startswith(f"least squares θ* = {pair(star)}") for s in texts)
    expected = reg.gradient_descent(scene.points, scene.lr, len(run.costs) - 1, run.thetas[0])
    np.testing.assert_array_equal(run.thetas, expected.thetas)


def test_pooling_scene_numbers_are_the_ops(texts, options):
    scene = make("pooling", options)
    scene.selected = (1, 2)
    assert_not_blank(render(scene))
    d = scene.demo_data
    r, c = d.max_position(1, 2)
    r0, r1, c0, c1 = d.window(1, 2)
    assert f"values  {', '.join(fmt(v, 0) for v in d.x[r0:r1, c0:c1].ravel())}" in texts
    assert f"max = {fmt(d.max_y[1, 2], 0)} at x[{r}, {c}]" in texts
    assert "a strict maximum: no tie" in texts
    assert f"    = {fmt(d.avg_y[1, 2], 2)}" in texts
    assert f"  dL/dx[{r}, {c}] = {fmt(d.max_dx[r, c], 1)}, others 0" in texts
    assert f"  {fmt(d.dy[1, 2], 1)} / 4 = {fmt(d.avg_dx[r0, c0], 1)} each" in texts


def test_activations_scene_trains_in_the_background_then_reads_the_cache(texts, options, cache):
    scene = make("activations", options)
    render(scene)                                        # drawable while it trains
    wait_ready(scene)
    texts.clear()
    assert_not_blank(render(scene))
    result = scene.job.result
    v = act.verdict(result)
    for name in act.NAMES:
        assert any(f"acc {result['test_accuracy'][name]:.1%}" in s for s in texts)
        assert any(s.startswith(label(name)) and f"loss {fmt(v.final[name], 3)}" in s for s in texts)
    words = " ".join(texts)
    if v.every_seed:                                     # the order is stated only when every seed agrees
        assert f"In every seed {label(v.order[0])} ended with the lowest loss" in words
    else:
        assert "the seeds overlap" in words and "In every seed" not in words
    assert f"trained once in {result['seconds']:.0f} s here" in words
    r, c = scene.hover
    assert f"z = {fmt(scene.maps.pre[r, c], 3)}" in texts
    assert any(p.name.startswith("activations-") for p in cache.iterdir())
    again = make("activations", options)                 # second time: from the cache, at once
    assert again.ready() and again.job.result == result
    scene.close(), again.close()


def label(name):
    from simulator.render.lessons.activations import LABELS
    return LABELS[name]


@pytest.mark.parametrize("name", ["graph", "regression", "learning-rate", "pooling"])
def test_scenes_in_the_other_themes(name, options):
    for theme in ("light", "projector"):
        scene = make(name, options, THEMES[theme])
        if hasattr(scene, "demo"):
            scene.demo()
        assert_not_blank(render(scene, THEMES[theme]), THEMES[theme])


# ----------------------------------------------------------------------------- command line

def test_cli_exports_png_and_gif(tmp_path, mnist_dir):
    png, gif = tmp_path / "pool.png", tmp_path / "graph.gif"
    assert cli.main(["lesson", "pooling", "--export", str(png)]) == 0
    with Image.open(png) as im:
        assert im.size == SIZE
    assert cli.main(["lesson", "regression", "--export", str(gif), "--max-frames", "3"]) == 0
    with Image.open(gif) as im:
        assert im.n_frames >= 2 and im.size == SIZE       # (identical neighbours are merged)
    assert cli.main(["lesson", "graph", "--export", str(tmp_path / "x.jpg")]) == 2


def test_cli_window_screenshot(tmp_path):
    shot = tmp_path / "lr.png"
    assert cli.main(["lesson", "learning-rate", "--max-frames", "3", "--screenshot", str(shot)]) == 0
    surface = pygame.image.load(str(shot))
    assert surface.get_size() == SIZE
    assert_not_blank(surface)
