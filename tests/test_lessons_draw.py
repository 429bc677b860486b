"""The draw lesson: the probabilities it writes are the model's on what it shows (recomputed
here), drawing with the mouse (mapped from the window to the pad's canvas) updates them, a
quick model is trained and cached when there is none, a square gets the over-confidence note,
and the layers' maps keep their order of size (a larger map never drawn smaller; a dense
layer's area proportional to its neurons)."""
import time

import numpy as np
import pygame
import pytest
from conftest import fast_lessons
from render_kit import make, not_blank, show

from simulator.engine.checkpoint import save_checkpoint
from simulator.engine.lessons import draw as draw_math
from simulator.engine.model import softmax
from simulator.engine.trainer import TrainConfig, Trainer
from simulator.numbers import fmt_percent as percent
from simulator.render import ui
from simulator.render.lessons import LessonOptions
from simulator.render.lessons import draw_panels
from simulator.render.lessons.draw import PAD
from simulator.render.ui.theme import THEMES


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


@pytest.fixture
def options(mnist_dir):
    return LessonOptions(data=mnist_dir)


@pytest.fixture
def checkpoint(tmp_path, mnist):
    trainer = Trainer(TrainConfig(batch_size=8), mnist.subset(64, 8))
    trainer.train_step()
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, trainer.state())
    return path, trainer.model


def wait_ready(scene, timeout=60):
    deadline = time.monotonic() + timeout
    while not scene.ready and time.monotonic() < deadline:
        time.sleep(0.05)
    assert scene.ready
    scene.update(0.2)


def test_draw_scene_predicts_what_it_shows(mnist_dir, checkpoint):
    path, model = checkpoint
    scene = make("draw", LessonOptions(data=mnist_dir, checkpoint=path))
    assert scene.ready
    surface, _, problems = show(scene)                  # empty pad
    assert problems == [] and not_blank(surface)
    scene.demo()
    surface, texts, problems = show(scene)
    assert problems == [] and not_blank(surface)
    probs = softmax(model.forward(scene.prepared.x).outputs["logits"])[0]
    np.testing.assert_allclose(scene.probs, probs, rtol=1e-6)
    for p in probs:
        assert percent(p) in texts
    assert str(int(np.argmax(probs))) in texts
    # drawing with the mouse (window pixels, mapped onto the pad's canvas) updates the prediction
    pad = scene.pad_rect
    at = lambda fx, fy: (pad.left + round(fx * pad.w), pad.top + round(fy * pad.h))     # noqa: E731
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=3, pos=pad.center))
    assert scene.prepared is None
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=at(0.45, 0.18)))
    scene.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=at(0.48, 0.83), rel=(10, 220), buttons=(1, 0, 0)))
    scene.update(0.1)
    assert scene.prepared is not None and scene.probs is not None
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=at(0.48, 0.83)))
    assert max(scene.prepared.scaled.shape) == 20
    r0, r1, c0, c1 = scene.prepared.bbox                 # the stroke lands where the mouse went, on the canvas
    assert abs((c0 + c1) / 2 - 0.465 * PAD) < 0.08 * PAD and abs((r0 + r1) / 2 - 0.505 * PAD) < 0.12 * PAD


def test_draw_scene_trains_a_quick_model_when_there_is_none(options, cache):
    scene = make("draw", options)
    scene.demo()
    show(scene)
    wait_ready(scene)
    assert scene.model is not None and draw_math.quick_model_path().is_file()
    scene.update(0.2)
    assert scene.probs is not None
    _, texts, _ = show(scene)
    assert any(s.startswith("test accuracy") for s in texts)
    assert make("draw", options).model_note.startswith("quick model (")    # reused from the cache


def test_draw_scene_warns_about_over_confidence_on_a_square(mnist_dir):
    from simulator.paths import BUNDLED_MODEL
    from simulator.render.lessons.draw_panels import OVERCONFIDENCE
    scene = make("draw", LessonOptions(data=mnist_dir, checkpoint=BUNDLED_MODEL))
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_s))       # S: a square, not a digit
    _, texts, problems = show(scene)
    assert problems == []
    assert scene.probs.sum() == pytest.approx(1.0, abs=1e-5)                # softmax still picks a digit
    best = int(np.argmax(scene.probs))
    assert any(s.startswith("p ") and percent(scene.probs[best]) in s for s in texts)
    words = " ".join(texts)
    assert "Softmax shares p = 1 among the 10 digits" in words and "not a digit" in words
    assert " ".join(OVERCONFIDENCE.split()) in " ".join(words.split())       # the whole note, not cut


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_a_larger_map_is_never_drawn_smaller(theme, size, mnist_dir, checkpoint):
    scene = make("draw", LessonOptions(data=mnist_dir, checkpoint=checkpoint[0]), THEMES[theme])
    scene.demo()
    assert show(scene, size)[2] == []
    groups, (_, places) = draw_panels.layer_groups(scene), scene._packed
    maps = sorted((v.shape[2], place[2]) for (_, _, v), place in zip(groups, places) if v.shape[1] > 1)
    assert [px for _, px in maps] == sorted(px for _, px in maps), maps       # side on screen grows with the map
    dense = [(v.shape[0], place[2]) for (_, _, v), place in zip(groups, places) if v.shape[1] == 1]
    assert len({px for _, px in dense}) == 1                                   # one cell size: area ∝ neurons


def test_zoom_shows_the_drawing_and_its_prediction(mnist_dir, checkpoint):
    pygame.font.init()
    scene = make("draw", LessonOptions(data=mnist_dir, checkpoint=checkpoint[0]), THEMES["projector"])
    scene.demo()
    show(scene, (1024, 768))
    zoom = scene.zoom_target(None)
    sizes = ui.Sizes.zoomed((1024, 768), scene.theme)
    zoom.layout(pygame.Rect(0, 0, 1024, 740), sizes)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        surface = pygame.Surface((1024, 768))
        zoom.draw(surface)
        texts = [t for _, _, t in ui.CHECK.texts()]
        assert ui.CHECK.violations(surface.get_rect()) == []
    finally:
        ui.CHECK.disable()
    assert [percent(p) for p in scene.probs] == [t for t in texts if t.endswith("%") and not t.startswith("p ")]
