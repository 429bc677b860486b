"""The regression lesson (regression.py) writes the engine's run: θ, ∇J and the update read
back against lessons/regression.gradient_descent; the cost axis holds a run that diverges and
marks where it stopped; λ, the cost-surface colours, θ* and the J(θ*) line are explained in
every theme and window."""
import numpy as np
import pygame
import pytest
import render_kit
from render_kit import assert_not_blank, draw, draw_zoomed

from simulator.engine.lessons import regression as reg
from simulator.numbers import fmt
from simulator.render.lessons import LessonOptions
from simulator.render.ui.theme import THEMES

WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]


def make(theme="dark"):
    return render_kit.make("regression", LessonOptions(), THEMES[theme])


def pair(v):
    return f"({fmt(v[0])}, {fmt(v[1])})"


def test_the_numbers_are_the_runs():
    scene = make()
    drawn = render_kit.drawn_demo(scene)
    assert_not_blank(drawn.surface, scene.theme)
    texts = drawn.texts
    k, run = scene.step, scene.run
    assert f"θ = {pair(run.thetas[k])}, J(θ) = {fmt(run.costs[k], 4)}" in texts
    assert f"∇J(θ) = {pair(run.grads[k])}" in texts
    assert f"θ − α∇J = {pair(run.thetas[k])} − {fmt(scene.lr, 3)} × {pair(run.grads[k])}" in texts
    assert f"        = {pair(run.thetas[k + 1])}" in texts
    star = reg.closed_form(scene.points)
    assert f"least squares θ* = {pair(star)}, J(θ*) = {fmt(reg.cost(scene.points, star), 4)}" in texts
    f = reg.step_factors(scene.points, scene.lr)[1]
    assert f"α = {fmt(scene.lr, 3)}: {run.status}, 1 − αλmax = {fmt(f, 2)}" in texts
    expected = reg.gradient_descent(scene.points, scene.lr, len(run.costs) - 1, run.thetas[0])
    np.testing.assert_array_equal(run.thetas, expected.thetas)


def test_a_diverging_run_stays_on_its_cost_axis_and_its_stop_is_marked():
    """The cost plot was fixed to 1.05·J(θ₀), so a diverging run left it."""
    scene = make()
    while scene.run.status != "diverging":                # ↑ raises α by 1.25 until it is past 2/λmax
        scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_UP))
    run = scene.run
    assert scene.lr > reg.critical_lr(scene.points) and run.diverged
    for k in range(len(run.costs)):
        scene.step = k
        drawn = draw(scene)
        assert drawn.violations == []
        top = scene.cost_axes.ylim[1]
        assert run.costs[:k + 1].max() <= top, (k, top)        # every J drawn so far is on the axis
        marked = any("J passed" in s and f"at step {run.diverged_at}" in s for s in drawn.texts)
        assert marked == (k >= run.diverged_at)
    assert any(s.startswith("stopped here: the run diverged") for s in drawn.texts)
    assert scene.cost_axes.ylim[1] > reg.DIVERGE_FACTOR * run.costs[0]


def test_the_tour_passes_the_layout_check():
    scene = make()
    labels = []
    for label in scene.tour():
        assert draw(scene).violations == [], label
        labels.append(label)
    assert any("diverging" in s for s in labels) and scene.lr == 0.1          # the tour puts α back


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_lambda_the_colours_and_the_marks_are_explained_everywhere(theme):
    for size in WINDOWS:
        scene = make(theme)
        drawn = render_kit.drawn_demo(scene, size)
        words = " ".join(drawn.texts)
        assert "λmax: " in words and "curv" in words and "2/λmax" in words, size
        assert "colour: J" in words or "strong colour: low J" in words, size
        assert any(s.startswith("✕ θ*") for s in drawn.texts), size
        assert any(s.startswith("— J(θ*) = ") for s in drawn.texts), size
        zoomed = draw_zoomed(scene, size)                 # the cost surface, with its key
        assert zoomed.violations == [] and any(s.startswith("✕ θ*") for s in zoomed.texts), size
