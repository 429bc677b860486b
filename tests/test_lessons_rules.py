"""The lessons' examples follow their rules (issue 13), read back from what the scenes draw:
learning-rate labels from 1 − αλmax, pooling's strict maximum marked in the input (a tie named),
the graph's edges clear of other nodes. (rgb, draw and network3d: tests/test_lessons_<name>.py.)
Fixtures and helpers are test_lessons_render's."""
import numpy as np
import pygame
import pytest

from simulator.engine.lessons import regression as reg
from simulator.render.ui.theme import THEMES
from test_lessons_render import DARK, assert_not_blank, cache, fmt, make, options, render  # noqa: F401


def test_learning_rate_scene_labels_each_regime_from_theory(texts, options):
    scene = make("learning-rate", options)
    scene.step = 0                                     # before any step: the labels are already right
    render(scene)
    p = scene.points
    assert [r.status for r in scene.runs] == ["converging", "overshooting", "diverging"]
    for rate in scene.rates:
        f = reg.step_factors(p, rate)[1]
        assert f"α = {fmt(rate, 3)}" in texts
        assert any(fmt(f, 2) in s and "αλmax" in s for s in texts)
    assert "overshooting, yet converging" in texts and "diverging" in texts
    assert not any(s.startswith("J passed") for s in texts)     # not yet: it has not blown up
    texts.clear()
    scene.demo()
    assert_not_blank(render(scene))
    big = scene.runs[2]
    assert f"J passed {reg.DIVERGE_FACTOR:g} × J(θ₀) at step {big.diverged_at}: stopped there" in texts
    scene.selected = 2
    for _ in range(3):                                 # shrink the too-big α below 2/λmax: the label follows
        scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_DOWN))
    assert scene.rates[2] == pytest.approx(reg.example_rates(p)[2] / 1.1 ** 3)
    assert scene.runs[2].status == reg.regime(p, scene.rates[2]) == "overshooting"

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

def _segment_hits_rect(a, b, rect) -> bool:
    """True when the segment a-b passes through rect (sampled finely: the rects are large)."""
    return any(rect.collidepoint(a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])) for f in np.linspace(0, 1, 400))


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_graph_edges_pass_no_other_node_and_labels_cover_none(theme, options):
    scene = make("graph", options, THEMES[theme])
    scene.demo()
    render(scene, THEMES[theme])
    rects = {label: scene._node_rect(label) for label in scene.graph.nodes}
    for parent, child, _ in scene.graph.edges():
        a, b = scene.edge_line(parent.label, child.label)
        for label, rect in rects.items():
            if label not in (parent.label, child.label):
                assert not _segment_hits_rect(a, b, rect), f"{parent.label}→{child.label} runs under {label}"
    assert len(scene.label_boxes) == len(scene.graph.edges())
    for k, box in enumerate(scene.label_boxes):
        assert box.collidelist(list(rects.values())) < 0
        assert box.collidelist(scene.label_boxes[k + 1:]) < 0
    for r1 in rects.values():
        assert sum(r1.colliderect(r2) for r2 in rects.values()) == 1    # nodes do not overlap each other
