"""The activations lesson (activations.py) trains its comparison in the background, then reads
it from the cache; the numbers it writes are the engine's (the verdict, each run's loss and
accuracy, the hovered pixel's values); [x > 0] is explained; every theme and window passes the
layout check, zoomed too."""
import time

import pygame
import pytest
from conftest import fast_lessons
import render_kit
from render_kit import assert_not_blank, draw, draw_zoomed

from simulator.engine.lessons import activations as act
from simulator.numbers import fmt, fmt_percent as percent
from simulator.render.lessons import LessonOptions
from simulator.render.lessons.activations import LABELS
from simulator.render.ui.sizes import ZOOM_FLOOR, floor_px
from simulator.render.ui.theme import THEMES

WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


def make(mnist_dir, theme="dark"):
    return render_kit.make("activations", LessonOptions(data=mnist_dir), THEMES[theme])


def wait_ready(scene, timeout=60):
    deadline = time.monotonic() + timeout
    while not scene.ready and time.monotonic() < deadline:
        time.sleep(0.05)
    assert scene.ready


def test_trains_in_the_background_then_reads_the_cache(mnist_dir, cache):
    scene = make(mnist_dir)
    try:
        assert draw(scene).violations == []              # drawable while it trains
        wait_ready(scene)
        drawn = draw(scene)
        assert drawn.violations == []
        assert_not_blank(drawn.surface, scene.theme)
        texts = drawn.texts
        result = scene.job.result
        v = act.verdict(result)
        for name in act.NAMES:
            assert any(f"acc {percent(result['test_accuracy'][name])}" in s for s in texts)
            assert any(s.startswith(LABELS[name]) and f"loss {fmt(v.final[name], 3)}" in s for s in texts)
        words = " ".join(texts)
        if v.every_seed:                                 # the order is stated only when every seed agrees
            assert f"In every seed {LABELS[v.order[0]]} ended with the lowest loss" in words
        else:
            assert "the seeds overlap" in words and "In every seed" not in words
        assert f"trained once in {fmt(result['seconds'], 0)} s here" in words
        r, c = scene.hover
        assert f"pixel ({r}, {c}): z = {fmt(scene.maps.pre[r, c], 3)}" in texts
        for name in act.NAMES:
            assert f"{LABELS[name]}(z) = {fmt(scene.maps.post[name][r, c], 3)}, {LABELS[name]}′(z) = " \
                   f"{fmt(scene.maps.slope[name][r, c], 3)}" in texts
        assert any(p.name.startswith("activations-") for p in cache.iterdir())
        again = make(mnist_dir)                          # second time: from the cache, at once
        assert again.ready and again.job.result == result
        again.close()
    finally:
        scene.close()


def test_the_mouse_picks_the_pixel_under_it(mnist_dir):
    scene = make(mnist_dir)
    try:
        draw(scene)
        rect, _ = scene.map_grid[1]                      # the edge map z
        scale = rect.w // 28
        scene.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=(rect.x + 5 * scale + 1, rect.y + 7 * scale + 1),
                                        rel=(0, 0), buttons=(0, 0, 0)))
        assert scene.hover == (7, 5)
        texts = draw(scene).texts
        assert f"pixel (7, 5): z = {fmt(scene.maps.pre[7, 5], 3)}" in texts
    finally:
        scene.close()


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_the_iverson_bracket_is_explained_and_every_state_fits(theme, mnist_dir):
    scene = make(mnist_dir, theme)
    try:
        wait_ready(scene)
        for size in WINDOWS:
            for label in scene.tour():
                drawn = draw(scene, size)
                assert drawn.violations == [], (size, label, drawn.violations[:3])
            words = " ".join(drawn.texts)
            assert "f′ = [x > 0]" in words and "[x > 0]" in words and "1 where x > 0, else 0" in words, size
            assert len([s for s in drawn.texts if s.startswith("pixel (")]) == 1
            zoomed = draw_zoomed(scene, size)            # the curves
            assert zoomed.violations == [] and "1 where x > 0, else 0" in " ".join(zoomed.texts), size
            assert zoomed.sizes.small >= floor_px(size[1], ZOOM_FLOOR)        # the floor the check held it to
    finally:
        scene.close()
