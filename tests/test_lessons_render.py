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
from simulator.engine.lessons import draw as draw_math
from simulator.engine.lessons import network as net
from simulator.engine.lessons import regression as reg
from simulator.engine.lessons import rgb as rgb_math
from simulator.engine.checkpoint import save_checkpoint
from simulator.engine.data import normalise
from simulator.engine.model import Network, NetConfig, softmax
from simulator.engine.trainer import TrainConfig, Trainer
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


def test_rgb_scene_pixel_arithmetic(texts, options):
    scene = make("rgb", options)
    scene.demo()
    assert_not_blank(render(scene))
    i, j = scene.hover
    d = rgb_math.pixel_detail(scene.conv, i, j)
    assert f"= {fmt(d.total, 3)}" in texts
    assert f"conv2d_forward: {fmt(float(scene.conv.output[i, j]), 3)}" in texts
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_4))
    assert scene.names[scene.choice] == "blur"
    render(scene)


def test_rgb_scene_bad_image_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    assert cli.main(["lesson", "rgb", "--image", str(bad), "--export", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "cannot read image" in err


@pytest.fixture
def checkpoint(tmp_path, mnist):
    trainer = Trainer(TrainConfig(batch_size=8), mnist.subset(64, 8))
    trainer.train_step()
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, trainer.state())
    return path, trainer.model


def test_draw_scene_predicts_what_it_shows(texts, mnist_dir, checkpoint):
    path, model = checkpoint
    scene = make("draw", LessonOptions(data=mnist_dir, checkpoint=path))
    assert scene.ready()
    assert_not_blank(render(scene))                      # empty pad
    scene.demo()
    texts.clear()
    assert_not_blank(render(scene))
    probs = softmax(model.forward(scene.prepared.x).outputs["logits"])[0]
    np.testing.assert_allclose(scene.probs, probs, rtol=1e-6)
    for p in probs:
        assert f"{p:6.1%}" in texts
    assert str(int(np.argmax(probs))) in texts
    # drawing with the mouse updates the prediction
    pad = scene._pad_rect
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=3, pos=pad.center))
    assert scene.prepared is None
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(pad.left + 150, pad.top + 60)))
    scene.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=(pad.left + 160, pad.top + 280), rel=(10, 220),
                                    buttons=(1, 0, 0)))
    scene.update(0.1)
    assert scene.prepared is not None and scene.probs is not None
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(pad.left + 160, pad.top + 280)))
    assert max(scene.prepared.scaled.shape) == 20


def test_draw_scene_trains_a_quick_model_when_there_is_none(texts, options, cache):
    scene = make("draw", options)
    scene.demo()
    render(scene)
    wait_ready(scene)
    assert scene.model is not None and draw_math.quick_model_path().is_file()
    scene.update(0.2)
    assert scene.probs is not None
    texts.clear()
    render(scene)
    assert any(s.startswith("test accuracy") for s in texts)
    assert make("draw", options).model_note.startswith("quick model (")    # reused from the cache


def test_network3d_scene_shows_activations_and_receptive_fields(texts, options, mnist):
    scene = make("network3d", options)
    try:
        scene.demo()
        assert_not_blank(render(scene))
        name, c, r, k = scene.selected
        model = Network(NetConfig())                    # the scene's fresh weights (empty cache, seed 0)
        value = model.forward(normalise(mnist.test_images[:1])).outputs[name][0, c, r, k]
        assert f"{name}[{c}, {r}, {k}] = {fmt(float(value), 3)}" in texts
        field = net.receptive_field(name, c, r, k)["input"]
        assert f"input: {field.r1 - field.r0}×{field.k1 - field.k0} at ({field.r0}, {field.k0})" in texts
        # clicking where a neuron is drawn selects it
        sx, sy, depth, _ = scene.project()
        i = int(np.flatnonzero((scene.ids[:, 0] == 0))[14 * 28 + 14])        # input pixel (14, 14)
        front = np.argmin(np.where(np.hypot(sx - sx[i], sy - sy[i]) < 3, depth, np.inf))
        pos = (int(sx[front]), int(sy[front]))
        scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos))
        scene.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
        assert scene.selected is not None
        scene.handle(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=1))
        scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_t))     # live training
        deadline = time.monotonic() + 30
        while scene.live.frame.step < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert scene.live.frame.step >= 2
        assert_not_blank(render(scene))
    finally:
        scene.close()
    assert not scene.live.running


@pytest.mark.parametrize("name", ["pooling", "rgb"])
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


def test_network3d_splat_draws_nearer_neurons_over_farther_ones():
    """The z-buffer against the plainest reference: fill each square from far to near (ties:
    the lower index is drawn last, so it wins, as in the z-buffer)."""
    from simulator.render.lessons.network3d import _splat
    rng = np.random.default_rng(5)
    view = pygame.Rect(20, 30, 300, 200)
    n = 2000
    sx, sy = rng.uniform(0, 340, n), rng.uniform(0, 260, n)
    depth = rng.uniform(1, 10, n).round(1)              # many ties
    size = rng.integers(1, 12, n).astype(np.int32)
    rgb = rng.integers(0, 256, (n, 3)).astype(np.int32)
    got, want = pygame.Surface((400, 300)), pygame.Surface((400, 300))
    _splat(got, view, sx, sy, depth, size, rgb)
    want.set_clip(view)
    for i in sorted(range(n), key=lambda i: (-depth[i], -i)):
        s = int(size[i])
        want.fill([int(c) for c in rgb[i]], (int(sx[i]) - s // 2, int(sy[i]) - s // 2, s, s))
    np.testing.assert_array_equal(pygame.surfarray.array3d(got), pygame.surfarray.array3d(want))
