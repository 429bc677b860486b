"""The overfitting lesson's screen: while the two networks train it shows their progress, then
each network's train and test accuracy after every epoch and the gap between them, all the
engine's numbers (engine/lessons/overfit.py), and the verdict the engine draws from them; a
second opening reads the cache at once."""
import time

import pytest
from conftest import fast_lessons
from render_kit import draw, draw_zoomed, make

from simulator.render.lessons import LessonOptions
from simulator.render.lessons import overfit as screen


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


def wait(scene, timeout=120):
    end = time.monotonic() + timeout
    while not scene.ready:
        assert time.monotonic() < end, "the comparison did not finish"
        time.sleep(0.05)


def test_the_screen_writes_the_engines_runs(mnist_dir, cache):
    scene = make("overfitting", LessonOptions(data=mnist_dir))
    try:
        first = draw(scene)                       # drawable while it trains
        assert first.violations == []
        wait(scene)
        result = scene.task.result
        drawn = draw(scene)
        assert drawn.violations == []
        texts = " | ".join(drawn.texts)
        from simulator.numbers import fmt, fmt_percent
        for curve in result.curves:
            assert f"{curve.params:,} parameters" in texts
            assert (f"train {fmt_percent(curve.train_acc[-1])}, test {fmt_percent(curve.test_acc[-1])}, "
                    f"gap {fmt(100 * curve.gap[-1], 1)} points") in texts
            assert f"{curve.name}: gap {fmt(100 * curve.final_gap(), 1)} points" in texts
        v = result.verdict()
        if v["most"] is not None:
            assert f"The {v['most']} network memorises more" in texts
        else:
            assert "no order is claimed" in texts
        zoomed = draw_zoomed(scene, (1024, 768))
        assert zoomed.violations == [] and min(zoomed.px) >= 0.04 * 768
    finally:
        scene.close()
    again = make("overfitting", LessonOptions(data=mnist_dir))    # second time: from the cache
    try:
        assert again.ready and again.task.result.from_cache
        assert [c.test_acc for c in again.task.result.curves] == [c.test_acc for c in result.curves]
    finally:
        again.close()
    assert any(p.name.startswith("overfit-") for p in cache.iterdir())


def test_the_settings_are_the_ones_the_subtitle_names():
    s = screen.SETTINGS
    text = screen.SUBTITLE.format(n=s.n_train, epochs=s.epochs, test=s.n_test)
    assert f"{s.n_train:,} training images" in text and f"{s.epochs} epochs" in text and f"{s.n_test:,}" in text
