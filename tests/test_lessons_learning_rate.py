"""The learning-rate lesson (learning_rate.py): each column's label is the theory's, from
1 − αλmax, right from step 0, read back against lessons/regression; λ is explained; every
theme and window passes the layout check, zoomed too."""
import pygame
import pytest
import render_kit
from render_kit import assert_not_blank, draw, draw_zoomed

from simulator.engine.lessons import regression as reg
from simulator.numbers import fmt
from simulator.render.lessons import LessonOptions
from simulator.render.ui.sizes import ZOOM_FLOOR, floor_px
from simulator.render.ui.theme import THEMES

WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]


def make(theme="dark"):
    return render_kit.make("learning-rate", LessonOptions(), THEMES[theme])


def test_each_column_is_labelled_from_theory_from_step_0():
    scene = make()
    scene.step = 0                                     # before any step: the labels are already right
    texts = draw(scene).texts
    p = scene.points
    assert [r.status for r in scene.runs] == ["converging", "overshooting", "diverging"]
    for rate in scene.rates:
        f = reg.step_factors(p, rate)[1]
        assert f"α = {fmt(rate, 3)}" in texts
        assert any(fmt(f, 2) in s and "αλmax" in s for s in texts)
    assert "overshooting, yet converging" in texts and "diverging" in texts
    assert not any("J passed" in s for s in texts)     # not yet: it has not blown up
    scene.demo()
    drawn = draw(scene)
    assert_not_blank(drawn.surface, scene.theme)
    big = scene.runs[2]
    words = " ".join(drawn.texts)
    assert f"J passed {reg.DIVERGE_FACTOR:g} × J(θ₀) at step {big.diverged_at}: stopped there" in words
    scene.selected = 2
    for _ in range(3):                                 # shrink the too-big α below 2/λmax: the label follows
        scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_DOWN))
    assert scene.rates[2] == pytest.approx(reg.example_rates(p)[2] / 1.1 ** 3)
    assert scene.runs[2].status == reg.regime(p, scene.rates[2]) == "overshooting"


def test_a_click_chooses_the_column_under_it():
    scene = make()
    draw(scene)
    for i, rect in enumerate(scene.columns):
        scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=rect.center))
        assert scene.selected == i


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_lambda_is_explained_and_every_state_fits(theme):
    for size in WINDOWS:
        scene = make(theme)
        for label in scene.tour():
            drawn = draw(scene, size)
            assert drawn.violations == [], (size, label, drawn.violations[:3])
        words = " ".join(drawn.texts)
        assert "λ: how steeply J curves" in words and "eigenvalue" in words, size
        assert f"2/λmax = {fmt(reg.critical_lr(scene.points), 3)}" in words, size
        assert any(s.startswith("✕ θ*") for s in drawn.texts), size
        zoomed = draw_zoomed(scene, size)
        assert zoomed.violations == [] and zoomed.sizes.small >= floor_px(size[1], ZOOM_FLOOR), size
        assert any("αλmax" in s for s in zoomed.texts), size
