"""The computational-graph lesson's autodiff: gradients against the analytic derivatives and
finite differences, the local derivatives on the edges, the step-by-step reverse mode, y = 0."""
import math

import pytest

from simulator.engine.graph import Graph, Node, analytic_gradient, output_value

POINTS = [(1.3, 0.7), (-2.0, 3.5), (0.0, 1.0), (0.4, -0.25), (10.0, 1e-3), (-0.7, -4.0)]


@pytest.mark.parametrize("x,y", POINTS)
def test_gradient_matches_analytic_and_finite_differences(x, y):
    g = Graph(x, y)
    assert g.backward()
    dx, dy = g.nodes["w1"].grad, g.nodes["w2"].grad
    ax, ay = analytic_gradient(x, y)
    assert dx == pytest.approx(ax, rel=1e-12, abs=1e-12)
    assert dy == pytest.approx(ay, rel=1e-12, abs=1e-12)
    h = 1e-6 * max(1.0, abs(y))
    fx = (output_value(x + h, y) - output_value(x - h, y)) / (2 * h)
    fy = (output_value(x, y + h) - output_value(x, y - h)) / (2 * h)
    assert dx == pytest.approx(fx, rel=1e-5, abs=1e-5)
    assert dy == pytest.approx(fy, rel=1e-5, abs=1e-5)


def test_forward_values_and_op_labels():
    x, y = 1.3, 0.7
    g = Graph(x, y)
    n = g.nodes
    assert [n[k].value for k in ("w1", "w2")] == [x, y]
    assert n["w3"].value == math.cos(x) and n["w4"].value == math.sin(x)
    assert n["w5"].value == n["w3"].value * n["w4"].value
    assert n["w6"].value == x / y
    assert n["w7"].value == n["w5"].value + n["w6"].value == pytest.approx(output_value(x, y))
    assert {k: v.op for k, v in n.items()} == {"w1": "", "w2": "", "w3": "cos", "w4": "sin",
                                               "w5": "·", "w6": "/", "w7": "+"}
    assert [(p.label, c.label) for p, c, _ in g.edges()] == [
        ("w1", "w3"), ("w1", "w4"), ("w3", "w5"), ("w4", "w5"), ("w1", "w6"), ("w2", "w6"), ("w5", "w7"), ("w6", "w7")]


@pytest.mark.parametrize("x,y", POINTS[:4])
def test_local_derivatives_on_edges_match_finite_differences(x, y):
    """Each edge's ∂child/∂parent (what the screen writes on the edge) against a numerical one."""
    g, h = Graph(x, y), 1e-6
    for parent, child, i in g.edges():
        args = [p.value for p in child.parents]
        up, down = list(args), list(args)
        up[i] += h
        down[i] -= h
        f = {"cos": lambda a: math.cos(a[0]), "sin": lambda a: math.sin(a[0]), "·": lambda a: a[0] * a[1],
             "/": lambda a: a[0] / a[1], "+": lambda a: a[0] + a[1]}[child.op]
        assert child.local[i] == pytest.approx((f(up) - f(down)) / (2 * h), rel=1e-6, abs=1e-6)


def test_backward_steps_accumulate_to_the_full_gradient():
    g = Graph(0.9, -1.7)
    ran = [node.label for node in g.backward_steps()]
    assert ran[0] == "w7" and set(ran) == set(g.nodes)            # every closure once, output first
    # each node's closure runs only after every node that uses it (reverse topological order)
    for parent, child, _ in g.edges():
        assert ran.index(child.label) < ran.index(parent.label)
    grads = {k: v.grad for k, v in g.nodes.items()}
    g2 = Graph(0.9, -1.7)
    g2.backward()
    assert grads == {k: v.grad for k, v in g2.nodes.items()}
    assert grads["w3"] == pytest.approx(g.nodes["w4"].value)      # ∂w7/∂w3 = w4
    assert grads["w1"] == pytest.approx(analytic_gradient(0.9, -1.7)[0])


def test_backward_twice_gives_the_same_gradients():
    g = Graph(2.0, 0.5)
    g.backward()
    first = g.nodes["w1"].grad
    g.backward()
    assert g.nodes["w1"].grad == first


def test_y_zero_is_a_division_by_zero_state_not_a_crash():
    g = Graph(1.3, 0.0)
    assert g.error == "division by zero: w2 = 0"
    assert g.nodes["w6"].value is None and g.nodes["w7"].value is None
    assert g.nodes["w5"].value == pytest.approx(math.cos(1.3) * math.sin(1.3))   # the rest still computes
    assert g.nodes["w6"].error == g.nodes["w7"].error == g.error
    assert g.backward() is False
    assert all(n.grad is None for n in g.nodes.values())
    assert list(Graph(1.3, 0.0).backward_steps()) == []
    assert Graph(1.3, -0.0).error is not None


def test_nodes_compose_beyond_the_lesson():
    a, b = Node(3.0, label="a"), Node(-2.0, label="b")
    out = (a * b + a.sin()) / b
    out.backward()
    assert a.grad == pytest.approx((-2.0 + math.cos(3.0)) / -2.0)
    assert b.grad == pytest.approx(-(math.sin(3.0)) / 4.0)
