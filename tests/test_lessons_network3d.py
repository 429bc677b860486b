"""The network3d lesson: its numbers are the model's (a selected neuron's value and its receptive
field read back), the planes are not mirrored (a map's top-left neuron is drawn top-left as the
camera sees it, as in the digit's thumbnail; a receptive field at (0, 0) lights the top-left),
dense layers are drawn proportional to their neuron count and a larger map is never drawn
smaller, the view keeps every neuron and caption inside at any angle, a selection keeps the
rest readable, and the z-buffer draws nearer neurons over farther ones."""
import math
import time

import numpy as np
import pygame
import pytest
from conftest import fast_lessons
from render_kit import DARK, make, not_blank, show

from simulator.engine.checkpoint import save_checkpoint
from simulator.engine.data import normalise
from simulator.engine.lessons import network as net
from simulator.engine.model import Network, NetConfig
from simulator.engine.trainer import TrainConfig, Trainer
from simulator.numbers import fmt
from simulator.render.lessons import LessonOptions
from simulator.render.lessons import network3d, network3d_space
from simulator.render.ui.theme import THEMES

THREE_BY_THREE = "conv6k3-relu-maxpool2-conv16k3-relu-maxpool2-fc120-relu-fc84-relu-fc10"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


@pytest.fixture
def options(mnist_dir):
    return LessonOptions(data=mnist_dir)


@pytest.fixture
def scene(options):
    s = make("network3d", options)
    yield s
    s.close()


def neuron(scene, layer, c, r, k) -> int:
    li = scene.shown.names.index(layer)
    return int(np.flatnonzero((scene.ids == (li, c, r, k)).all(axis=1))[0])


def test_network3d_scene_shows_activations_and_receptive_fields(scene, mnist):
    scene.demo()
    surface, texts, problems = show(scene)
    assert problems == [] and not_blank(surface)
    name, c, r, k = scene.selected
    model = Network(NetConfig())                    # the scene's fresh weights (empty cache, seed 0)
    value = model.forward(normalise(mnist.test_images[:1])).outputs[name][0, c, r, k]
    texts = " | ".join(texts)
    assert f"{name}[{c}, {r}, {k}] = {fmt(float(value), 3)}" in texts
    field = net.receptive_field(name, c, r, k)["input"]
    assert f"input: {field.r1 - field.r0}×{field.k1 - field.k0} at ({field.r0}, {field.k0})" in texts
    # clicking where a neuron is drawn selects it
    sx, sy, depth, _ = scene.project()
    i = neuron(scene, "input", 0, 14, 14)
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
    assert not_blank(show(scene)[0])
    scene.close()
    assert not scene.live.running


def test_every_map_reads_like_its_picture_from_the_home_view(scene):
    """Issue 20: every plane was mirrored left to right. From the camera, a map's column 0 is on
    the left of its last column and row 0 above its last row, for every image layer."""
    scene.demo()
    show(scene)
    sx, sy, _, _ = scene.project()
    for name, (C, H, W) in scene.shown.volumes:
        if H == 1:
            continue
        for c in (0, C - 1):
            top_left, top_right, bottom_left = (neuron(scene, name, c, r, k) for r, k in ((0, 0), (0, W - 1), (H - 1, 0)))
            assert sx[top_left] < sx[top_right], (name, c)
            assert sy[top_left] < sy[bottom_left], (name, c)


def test_a_bright_top_left_quadrant_is_drawn_top_left(scene):
    """The picture itself, as drawn: the input's top-left quadrant +1, everything else 0 (so
    the only orange on screen is that quadrant); the orange lies in the top-left quarter of the
    input plane's extent on screen, as in the thumbnail."""
    scene.select(None)
    frame = scene.live.frame
    volumes = {name: np.zeros_like(v) for name, v in frame.volumes.items()}
    volumes["input"][0, :14, :14] = 1.0
    scene.live.publish(net.LiveFrame(frame.step, frame.loss, volumes, frame.probabilities))
    surface, _, _ = show(scene)
    sx, sy, _, _ = scene.project()
    plane = scene.ids[:, 0] == scene.shown.names.index("input")
    rgb = pygame.surfarray.array3d(surface)
    xs, ys = np.nonzero((rgb == np.array(DARK.positive)).all(axis=2))
    assert xs.size > 100
    mid_x, mid_y = (sx[plane].min() + sx[plane].max()) / 2, (sy[plane].min() + sy[plane].max()) / 2
    assert xs.mean() < mid_x and ys.mean() < mid_y
    assert (xs < mid_x).mean() > 0.9 and (ys < mid_y + 0.1 * (sy[plane].max() - sy[plane].min())).mean() > 0.9


def test_a_receptive_field_at_0_0_lights_the_top_left(scene):
    scene.select(("pool1", 0, 0, 0))
    field = scene.fields["input"]
    assert (field.r0, field.k0) == (0, 0)
    show(scene)
    sx, sy, _, _ = scene.project()
    li = scene.shown.names.index("input")
    plane = scene.ids[:, 0] == li
    lit = plane & scene.in_field()
    assert lit.sum() == field.size
    assert sx[lit].mean() < sx[plane].mean() and sy[lit].mean() < sy[plane].mean()


@pytest.mark.parametrize("spec", [None, THREE_BY_THREE])
def test_dense_layers_are_proportional_and_larger_maps_never_smaller(spec, tmp_path, mnist, mnist_dir):
    options = LessonOptions(data=mnist_dir)
    if spec:
        trainer = Trainer(TrainConfig(arch=spec, batch_size=8), mnist.subset(32, 8))
        path = tmp_path / "k3.npz"
        save_checkpoint(path, trainer.state())
        options = LessonOptions(data=mnist_dir, checkpoint=path)
    s = make("network3d", options)
    try:
        s.demo()
        show(s)
        sx, sy, _, _ = s.project()
        dense, maps = [], []
        for li, (name, (C, H, W)) in enumerate(s.shown.volumes):
            mask = s.ids[:, 0] == li
            y, z = s.xyz[mask, 1], s.xyz[mask, 2]
            if H == 1:
                rows = round((y.max() - y.min()) / network3d_space.DENSE_SPACING) + 1
                cols = round((z.max() - z.min()) / network3d_space.DENSE_SPACING) + 1
                dense.append((C, rows, cols))
            else:
                first = mask & (s.ids[:, 1] == 0)
                maps.append((H, float(sy[first].max() - sy[first].min())))
        k = network3d_space.dense_columns(s.shown)           # one width for every dense layer, so height ∝ neurons
        assert all(cols == min(C, k) and rows == math.ceil(C / k) for C, rows, cols in dense), dense
        by_size = sorted(dense)
        assert [r for _, r, _ in by_size] == sorted(r for _, r, _ in by_size)      # 84 never longer than 120
        for (h1, px1) in maps:                   # on screen, a map with more rows is drawn taller
            for (h2, px2) in maps:
                if h1 > h2:
                    assert px1 > px2, maps
    finally:
        s.close()


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_network3d_keeps_every_neuron_and_caption_inside_the_view_at_any_angle(theme, options):
    th = THEMES[theme]
    s = make("network3d", options, th)
    try:
        s.demo_animation()
        _, texts, problems = show(s)                       # the home view: every layer captioned
        assert problems == [] and all(c in texts for c in s.shown.captions.values())
        view = s.view.inflate(-4, -4)
        for k in range(24):                               # a full turn, and steep pitches, far and near
            s.yaw = network3d.HOME[0] + k * math.tau / 24
            s.pitch = (-1.4, 0.0, 0.3, 1.4)[k % 4]
            s.distance = (90.0, 200.0, 700.0)[k % 3]
            sx, sy, _, scale = s.project()
            half = np.clip(scale * 0.85, 1, 24) / 2
            assert (sx - half).min() >= view.left and (sx + half).max() <= view.right
            assert (sy - half).min() >= view.top and (sy + half).max() <= view.bottom
            _, texts, problems = show(s)
            assert problems == [], problems[:3]             # captions inside the view, none over another
            assert sum(c in texts for c in s.shown.captions.values()) >= len(net.NAMES) // 2
    finally:
        s.close()


def test_network3d_selection_keeps_the_rest_readable(scene):
    def contrast():
        rgb = pygame.surfarray.array3d(show(scene)[0]).astype(np.float64)
        v = scene.view.inflate(-8, -8)
        block = rgb[v.left:v.right, v.top:v.bottom]
        return np.abs(block - np.array(DARK.background)).sum(axis=2).mean()
    scene.select(None)
    plain = contrast()
    scene.demo()                                      # a pool2 neuron selected
    assert scene.selected is not None
    assert contrast() > 0.6 * plain                   # the faded rest still shows


def test_network3d_splat_draws_nearer_neurons_over_farther_ones():
    """The z-buffer against the plainest reference: fill each square from far to near (ties:
    the lower index is drawn last, so it wins, as in the z-buffer)."""
    from simulator.render.lessons.network3d_space import splat as _splat
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
