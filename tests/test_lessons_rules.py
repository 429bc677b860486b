"""The lessons' examples follow their rules (issue 13), read back from what the scenes draw:
pooling's strict maximum marked in the input (a tie named), rgb's output size and one output
channel per filter, the draw lesson's word on over-confidence, network3d's view uncut at any
angle and readable with a selection (the learning-rate labels and the graph's edges:
tests/test_lessons_learning_rate.py and test_lessons_graph.py). Fixtures and helpers are
test_lessons_render's."""
import math

import numpy as np
import pygame
import pytest
from simulator.render.ui.check import MIN_GAP as MIN_GAP_STRICT

from simulator.engine.lessons import network as net
from simulator.engine.lessons import rgb as rgb_math
from simulator.render.lessons import LessonOptions
from simulator.render.ui.theme import THEMES
from simulator.render.ui import CHECK
from test_lessons_render import DARK, assert_not_blank, cache, fmt, make, options, render  # noqa: F401


def test_pooling_scene_names_a_tie(texts, options):
    from simulator.engine.lessons import pooling as pool
    scene = make("pooling", options)
    scene.demo_data = pool.pool_both(np.array([[8, 8, 1, 2], [0, 0, 3, 4], [5, 6, 7, 9], [1, 2, 3, 4]], float),
                                      np.array([[1.2, -0.4], [0.8, 2.0]]))
    scene.selected = (0, 0)
    render(scene)
    assert any(s.startswith("a tie: 2 values equal the max") for s in texts)


def test_pooling_scene_marks_the_maximum_in_the_input(options):
    scene = make("pooling", options)
    scene.demo()
    surface = render(scene)
    (x0, y0), _ = scene._grids["x"]
    r, c = scene.demo_data.max_position(*scene.selected)
    cell = scene.cell
    edge = surface.get_at((x0 + c * cell + 1, y0 + r * cell + cell // 2))[:3]
    assert tuple(edge) == DARK.good                    # the max's cell is outlined in the "max" colour

def test_rgb_scene_shows_the_output_size_and_every_filters_channel(texts, options):
    scene = make("rgb", options)
    scene.demo()
    render(scene)
    _, h, w = scene.image.shape
    oh, ow = scene.conv.output.shape
    assert f"W: ({w} − 3 + 2·1)/1 + 1" in texts and f"   = {ow}" in texts
    assert f"H: ({h} − 3 + 2·1)/1 + 1" in texts and f"   = {oh}" in texts
    assert (ow, oh) == (rgb_math.output_size(w), rgb_math.output_size(h))
    k = len(rgb_math.FILTERS)
    assert scene.bank.shape == (k, oh, ow)
    assert any(s.startswith(f"All {k} filters at once") and f"→ {k}×{oh}×{ow}" in s for s in texts)
    assert [f"channel {n + 1}" for n in range(k)] == [s for s in texts if s.startswith("channel ")]
    assert any("padding" in s for s in texts)
    x, y = scene._bank_rects[5].center                       # a click on a channel chooses its filter
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(x, y)))
    assert scene.choice == 5
    np.testing.assert_allclose(scene.conv.output, scene.bank[5], atol=1e-12)

def test_draw_scene_warns_about_over_confidence_on_a_square(texts, mnist_dir):
    from simulator.paths import BUNDLED_MODEL
    from simulator.render.lessons.draw import OVERCONFIDENCE
    scene = make("draw", LessonOptions(data=mnist_dir, checkpoint=BUNDLED_MODEL))
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_s))       # S: a square, not a digit
    texts.clear()
    render(scene)
    assert scene.probs.sum() == pytest.approx(1.0, abs=1e-5)                # softmax still picks a digit
    best = int(np.argmax(scene.probs))
    assert f"p = {scene.probs[best]:.1%}" in texts
    words = " ".join(texts)
    assert "Softmax shares p = 1 among the 10 digits" in words and "not a digit" in words
    assert " ".join(OVERCONFIDENCE.split()) in " ".join(words.split())       # the whole note, not cut


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_network3d_keeps_every_neuron_and_caption_inside_the_view_at_any_angle(theme, options):
    from simulator.render.lessons import network3d
    th = THEMES[theme]
    scene = make("network3d", options, th)
    try:
        scene.demo_animation()
        view = network3d.VIEW.inflate(-4, -4)
        for k in range(24):                               # a full turn, and steep pitches, far and near
            scene.yaw = network3d.HOME[0] + k * math.tau / 24
            scene.pitch = (-1.4, 0.0, 0.3, 1.4)[k % 4]
            scene.distance = (90.0, 200.0, 700.0)[k % 3]
            sx, sy, _, scale = scene.project()
            half = np.clip(scale * 0.85, 1, 24) / 2
            assert (sx - half).min() >= view.left and (sx + half).max() <= view.right
            assert (sy - half).min() >= view.top and (sy + half).max() <= view.bottom
            CHECK.enable(min_gap=MIN_GAP_STRICT)
            try:
                render(scene, th)
                captions = [(r, s) for name, r, s in CHECK.texts() if name == "3d view"]
                assert len(captions) == len(net.NAMES)
                assert all(view.contains(r) for r, _ in captions), captions
            finally:
                CHECK.disable()
    finally:
        scene.close()


def test_network3d_selection_keeps_the_rest_readable(options):
    from simulator.render.lessons import network3d
    scene = make("network3d", options)
    try:
        def contrast():
            rgb = pygame.surfarray.array3d(render(scene)).astype(np.float64)
            v = network3d.VIEW.inflate(-8, -8)
            block = rgb[v.left:v.right, v.top:v.bottom]
            return np.abs(block - np.array(DARK.background)).sum(axis=2).mean()
        scene.select(None)
        plain = contrast()
        scene.demo()                                      # a pool2 neuron selected
        assert scene.selected is not None
        assert contrast() > 0.6 * plain                   # the faded rest still shows
    finally:
        scene.close()


@pytest.mark.parametrize("w, h", [(96, 10), (20, 72), (3, 3), (400, 50)])
def test_rgb_lays_out_any_image_size(tmp_path, w, h):
    from PIL import Image
    path = tmp_path / "img.png"
    Image.fromarray((np.random.default_rng(0).random((h, w, 3)) * 255).astype(np.uint8)).save(path)
    for theme in ("dark", "projector"):
        scene = make("rgb", LessonOptions(image=path), THEMES[theme])
        scene.demo()
        CHECK.enable(min_gap=MIN_GAP_STRICT)
        try:
            surface = render(scene, THEMES[theme])
            assert CHECK.violations(surface.get_rect()) == []
        finally:
            CHECK.disable()
