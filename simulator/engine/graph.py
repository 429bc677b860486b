"""The computational-graph lesson: a tiny scalar reverse-mode autodiff (micrograd-style).

    w1 = x    w2 = y    w3 = cos w1    w4 = sin w1    w5 = w3·w4    w6 = w1/w2    w7 = w5 + w6

Each op computes its value and, right beside it, the local derivative of its output with
respect to each input and the closure that pushes the adjoint back. Nodes keep their op
label, their local derivatives and a formula for each, so the screen draws the very objects
that compute. A value that cannot be computed (w1/w2 with w2 = 0) is None, and so is
everything downstream of it; the node says why in `error`.
"""
from __future__ import annotations

import math


class Node:
    """One scalar: its value, its adjoint (grad = ∂output/∂self after backward) and how it was made."""

    def __init__(self, value, parents=(), op="", label="", local=(), local_text=(), error=None):
        self.value = value              # float, or None when undefined
        self.grad = 0.0                 # float, or None when undefined
        self.parents = tuple(parents)
        self.op = op                    # "cos", "sin", "·", "/", "+", or "" for an input
        self.label = label              # "w1" … "w7"
        self.local = tuple(local)       # ∂self/∂parent_i, one per parent (None when undefined)
        self.local_text = tuple(local_text)  # the same as formulas, e.g. "−sin w1"
        self.error = error
        self._backward = lambda: None

    def __repr__(self):
        return f"Node({self.label}={self.value!r}, op={self.op!r}, grad={self.grad!r})"

    # --- ops: value, local derivatives and backward closure side by side ---------------
    def __add__(self, other):
        if _undefined(self, other):
            return _undefined_node((self, other), "+")
        out = Node(self.value + other.value, (self, other), "+", local=(1.0, 1.0), local_text=("1", "1"))

        def backward():                 # ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = backward
        return out

    def __mul__(self, other):
        if _undefined(self, other):
            return _undefined_node((self, other), "·")
        out = Node(self.value * other.value, (self, other), "·", local=(other.value, self.value),
                   local_text=(other.label or "b", self.label or "a"))

        def backward():                 # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a
            self.grad += other.value * out.grad
            other.grad += self.value * out.grad
        out._backward = backward
        return out

    def __truediv__(self, other):
        if _undefined(self, other):
            return _undefined_node((self, other), "/")
        if other.value == 0:
            return _undefined_node((self, other), "/", f"division by zero: {other.label or 'b'} = 0")
        a, b = self.value, other.value
        out = Node(a / b, (self, other), "/", local=(1.0 / b, -a / (b * b)),
                   local_text=(f"1/{other.label}", f"−{self.label}/{other.label}²"))

        def backward():                 # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²
            self.grad += out.grad / b
            other.grad += -a / (b * b) * out.grad
        out._backward = backward
        return out

    def cos(self):
        if _undefined(self):
            return _undefined_node((self,), "cos")
        out = Node(math.cos(self.value), (self,), "cos", local=(-math.sin(self.value),),
                   local_text=(f"−sin {self.label}",))

        def backward():                 # ∂cos a/∂a = −sin a
            self.grad += -math.sin(self.value) * out.grad
        out._backward = backward
        return out

    def sin(self):
        if _undefined(self):
            return _undefined_node((self,), "sin")
        out = Node(math.sin(self.value), (self,), "sin", local=(math.cos(self.value),),
                   local_text=(f"cos {self.label}",))

        def backward():                 # ∂sin a/∂a = cos a
            self.grad += math.cos(self.value) * out.grad
        out._backward = backward
        return out

    # --- reverse mode -----------------------------------------------------------------
    def topological(self) -> list["Node"]:
        """Every node this one depends on, inputs first, each after all of its parents."""
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for p in node.parents:
                    visit(p)
                order.append(node)
        visit(self)
        return order

    def backward_steps(self):
        """Reverse mode, one node at a time: seed grad = 1 here, then run each node's closure in
        reverse topological order. Yields the node whose closure just ran (after running it).
        If this node is undefined, every grad becomes None and nothing is yielded."""
        order = self.topological()
        if self.value is None:
            for node in order:
                node.grad = None
            return
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        # each node pushes its finished adjoint to its parents: children before parents
        for node in reversed(order):
            node._backward()
            yield node

    def backward(self) -> bool:
        """Run all of reverse mode; False when the output is undefined (grads are then None)."""
        for _ in self.backward_steps():
            pass
        return self.value is not None


def _undefined(*nodes) -> bool:
    return any(n.value is None for n in nodes)


def _undefined_node(parents, op, error=None) -> Node:
    """The result of an op that cannot be computed; inherits the reason from its parents."""
    if error is None:
        error = next((p.error for p in parents if p.error), "undefined input")
    return Node(None, parents, op, local=(None,) * len(parents), local_text=("",) * len(parents),
                error=error)


class Graph:
    """The lesson's graph for given x and y: nodes w1 … w7 by label, output w7."""

    def __init__(self, x: float, y: float):
        def named(node, label):
            node.label = label
            return node
        w1, w2 = Node(float(x), label="w1"), Node(float(y), label="w2")
        w3 = named(w1.cos(), "w3")
        w4 = named(w1.sin(), "w4")
        w5 = named(w3 * w4, "w5")
        w6 = named(w1 / w2, "w6")
        w7 = named(w5 + w6, "w7")
        self.x, self.y = float(x), float(y)
        self.nodes = {n.label: n for n in (w1, w2, w3, w4, w5, w6, w7)}
        self.output = w7

    @property
    def error(self) -> str | None:
        return self.output.error

    def forward_order(self) -> list[Node]:
        return self.output.topological()

    def edges(self) -> list[tuple[Node, Node, int]]:
        """(parent, child, index of parent in child.parents) for every edge."""
        return [(p, n, i) for n in self.forward_order() for i, p in enumerate(n.parents)]

    def backward(self) -> bool:
        return self.output.backward()

    def backward_steps(self):
        return self.output.backward_steps()


def analytic_gradient(x: float, y: float) -> tuple[float, float]:
    """∂w7/∂x = cos 2x + 1/y,  ∂w7/∂y = −x/y²  (w7 = cos x · sin x + x/y = ½ sin 2x + x/y)."""
    return math.cos(2 * x) + 1 / y, -x / (y * y)


def output_value(x: float, y: float) -> float:
    """w7 = cos x · sin x + x / y, directly (for finite differences)."""
    return math.cos(x) * math.sin(x) + x / y
