"""The computational-graph lesson (graph_scene.py) draws the engine's graph: every value, local
derivative and adjoint on screen is read back and compared with the engine's nodes and the
analytic gradient; a partly summed adjoint is not drawn in the finished colour; y = 0 says
"undefined" everywhere (never NaN); the layout keeps edges clear of other nodes and every
edge number on its edge, in every theme and window, zoomed too."""

import numpy as np
import pygame
import pytest
import render_kit
from render_kit import assert_not_blank, colours_in, draw, draw_zoomed

from simulator.engine.graph import Graph, analytic_gradient
from simulator.numbers import fmt
from simulator.render.lessons import LessonOptions
from simulator.render.ui.sizes import ZOOM_FLOOR, floor_px
from simulator.render.ui.theme import THEMES

WINDOWS = [(1024, 768), (1280, 800), (1920, 1080), (1366, 768), (1600, 1200)]


def make(theme="dark"):
    return render_kit.make("graph", LessonOptions(), THEMES[theme])


def key(scene, name):
    return pygame.event.Event(pygame.KEYDOWN, key=name)


def test_the_last_step_shows_the_engine_gradients():
    scene = make()
    drawn = render_kit.drawn_demo(scene)
    assert_not_blank(drawn.surface, scene.theme)
    texts = drawn.texts
    ax, ay = analytic_gradient(scene.x, scene.y)
    n = scene.graph.nodes
    assert f"∂w7/∂x = ∂w7/∂w1 = {fmt(n['w1'].grad, 5)}" in texts
    assert f"∂w7/∂y = ∂w7/∂w2 = {fmt(n['w2'].grad, 5)}" in texts
    assert f"cos 2x + 1/y = {fmt(ax, 5)}" in texts and f"−x / y² = {fmt(ay, 5)}" in texts
    assert fmt(n["w1"].grad, 5) == fmt(ax, 5)
    for label, node in n.items():                       # value and adjoint, inside their node
        assert drawn.in_panel(label)[1:] == [f"= {fmt(node.value, 4)}", f"∂w7/∂{label}", f"= {fmt(node.grad, 4)}"]
    edge_numbers = drawn.in_panel("graph")
    for parent, child, i in scene.graph.edges():        # each edge's local derivative
        assert fmt(child.local[i], 4) in edge_numbers
    assert "on an edge: ∂child/∂parent, the local derivative" in " ".join(texts)     # their key, at the floor


def test_every_step_draws_and_the_keys_move_the_inputs():
    scene = make()
    for size in WINDOWS:
        for label in scene.tour():
            assert draw(scene, size).violations == [], (size, label)
            assert scene.figure.fits, (size, label)          # every edge number on its edge, clear of the nodes
    for k in (pygame.K_RIGHT, pygame.K_UP, pygame.K_UP):
        scene.handle(key(scene, k))
    assert (scene.x, scene.y) == (1.4, 0.9)
    scene.update(100.0)                                  # playing: advances without error
    assert scene.handle(key(scene, pygame.K_ESCAPE)) == "back"


def test_a_partly_summed_adjoint_is_not_drawn_as_complete():
    """w1 feeds w3, w4 and w6: its adjoint is a sum of three terms. Until the last one arrives it
    is grey and the caption names who still has to send; then green and equal to the engine's."""
    scene = make()
    final = Graph(scene.x, scene.y)
    final.backward()
    seen_partial = False
    for step in range(len(scene.order) + 1, scene.last_step + 1):
        scene.step = step
        ran, grads, reached, complete = scene.reverse_state()
        for label in reached:
            if label in complete:
                assert grads[label] == final.nodes[label].grad, (step, label)
            else:
                assert set(scene.users[label]) - {s[0].label for s in scene.snapshots[:step - len(scene.order)]}
        if "w1" in reached and "w1" not in complete:
            seen_partial = True
            drawn = draw(scene)
            value = f"= {fmt(grads['w1'], 4)}"
            assert drawn.in_panel("w1")[-1] == value
            inks = colours_in(drawn.surface, drawn.rect_of(value, "w1"))
            assert scene.theme.good not in inks and scene.theme.muted in inks
            if ran.label in scene.users["w1"]:              # w1 just got a term: the caption says who is left
                waiting = [s for s in drawn.texts if s.startswith("a sum so far:")]
                assert waiting and "still to send" in " ".join(drawn.texts)
    assert seen_partial
    scene.demo()
    drawn = draw(scene)
    inks = colours_in(drawn.surface, drawn.rect_of(f"= {fmt(final.nodes['w1'].grad, 4)}", "w1"))
    assert scene.theme.good in inks


def test_y_zero_is_undefined_everywhere_never_nan():
    scene = make()
    scene.handle(key(scene, pygame.K_0))
    assert scene.y == 0.0 and scene.last_step == len(scene.order)        # no reverse steps
    texts = []
    for step in range(scene.last_step + 1):
        scene.step = step
        drawn = draw(scene)
        assert drawn.violations == []
        assert_not_blank(drawn.surface, scene.theme)
        texts += drawn.texts
    assert not any("NaN" in s for s in texts)
    w5 = fmt(scene.graph.nodes["w5"].value, 4)
    assert f"= {w5} + undefined" in texts and "= undefined" in texts
    assert drawn.in_panel("w6")[1] == "undefined" and drawn.in_panel("w7")[1] == "undefined"
    assert "division by zero: w2 = 0" in texts
    assert any(s.startswith("undefined:") for s in texts)          # the key says what it means
    assert not any(s.startswith("∂w7/∂x") for s in texts)


def _segment_hits_rect(a, b, rect) -> bool:
    return any(rect.collidepoint(a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])) for f in np.linspace(0, 1, 400))


def _check_figure(figure, graph, what):
    rects = figure.nodes
    for parent, child, _ in graph.edges():
        a, b = figure.edge_line(parent.label, child.label)
        for label, rect in rects.items():
            if label not in (parent.label, child.label):
                assert not _segment_hits_rect(a, b, rect), f"{what}: {parent.label}→{child.label} runs under {label}"
    assert len(figure.label_boxes) == len(graph.edges()), what
    for k, box in enumerate(figure.label_boxes):
        assert box.collidelist(list(rects.values())) < 0, what
        assert box.collidelist(figure.label_boxes[k + 1:]) < 0, what
        assert figure.rect.contains(box), what
    for r1 in rects.values():
        assert sum(r1.colliderect(r2) for r2 in rects.values()) == 1, what      # nodes do not overlap


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_edges_pass_no_other_node_and_numbers_cover_none(theme):
    for size in WINDOWS:
        scene = make(theme)
        render_kit.drawn_demo(scene, size)
        assert scene.figure.fits and scene.figure.full, size          # four-line nodes outside a zoom
        _check_figure(scene.figure, scene.graph, f"{theme} {size}")
        zoomed = draw_zoomed(scene, size)
        assert zoomed.violations == [], (size, zoomed.violations[:3])
        assert zoomed.target.figure.fits, size              # laid out as the runner does, not the fallback
        _check_figure(zoomed.target.figure, scene.graph, f"{theme} {size} zoomed")
        assert zoomed.sizes.small >= floor_px(size[1], ZOOM_FLOOR)
