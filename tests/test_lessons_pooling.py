"""The pooling lesson: the numbers it writes are the ops' (max and average pooling, forward and
backward), every window has a strict maximum marked in the input, a tie is named as one, the
map shown is the largest whose numbers fit, and its zoom writes them at 4% of the height."""
import numpy as np
import pytest
from render_kit import DARK, assert_not_blank, colours_in, draw, draw_zoomed, make

from simulator.engine.lessons import pooling as pool
from simulator.numbers import fmt
from simulator.render.lessons import LessonOptions
from simulator.render.ui.theme import THEMES


@pytest.fixture
def scene():
    return make("pooling", LessonOptions())


def test_numbers_are_the_ops(scene):
    draw(scene)                                          # laid out: the map shown is chosen
    scene.selected, scene.auto = (1, 2), False
    d = scene.demo_data
    drawn = draw(scene)
    assert_not_blank(drawn.surface, DARK)
    assert drawn.violations == []
    texts = drawn.texts
    r, c = d.max_position(1, 2)
    r0, r1, c0, c1 = d.window(1, 2)
    assert f"values {', '.join(fmt(v, 0) for v in d.x[r0:r1, c0:c1].ravel())}" in texts
    assert f"max = {fmt(d.max_y[1, 2], 0)} at x[{r}, {c}]" in texts
    assert "a strict maximum: no tie" in texts
    assert f"= {fmt(d.avg_y[1, 2], 2)}" in texts
    assert f"∂L/∂x[{r}, {c}] = {fmt(d.max_dx[r, c], 1)}, others 0" in texts
    assert f"{fmt(d.dy[1, 2], 1)} / 4 = {fmt(d.avg_dx[r0, c0], 2)} each" in texts
    for v in d.x.ravel():                                # the grids write every cell
        assert fmt(v, 0) in texts
    for v in d.avg_y.ravel():
        assert fmt(v, 2) in texts


def test_a_tie_is_named(scene):
    scene.demo_data = pool.pool_both(np.array([[8, 8, 1, 2], [0, 0, 3, 4], [5, 6, 7, 9], [1, 2, 3, 4]], float),
                                     np.array([[1.2, -0.4], [0.8, 2.0]]))
    scene.selected, scene.auto = (0, 0), False
    texts = draw(scene, layout=False).texts
    assert any(s.startswith("a tie: 2 values equal the max") for s in texts)


def test_the_maximum_is_marked_in_the_input(scene):
    scene.demo()
    drawn = draw(scene)
    (x0, y0), _, (cw, ch) = scene._grids["x"]
    r, c = scene.demo_data.max_position(*scene.selected)
    edge = (x0 + c * cw, y0 + r * ch, cw, 3)            # the top edge of the max's cell
    assert DARK.good in colours_in(drawn.surface, edge)   # outlined in the "max" colour


@pytest.mark.parametrize("theme", ["dark", "projector"])
def test_the_largest_map_whose_numbers_fit(theme):
    small = make("pooling", LessonOptions(), THEMES[theme])
    draw(small, (1024, 768))
    large = make("pooling", LessonOptions(), THEMES[theme])
    draw(large, (1920, 1080))
    assert large.side == 6
    assert small.side == (4 if theme == "projector" else 6)
    zoomed = draw_zoomed(large, (1024, 768))
    assert zoomed.violations == [] and min(zoomed.px) >= 0.04 * 768
