"""Computational graph: w7 = cos x · sin x + x / y, forward node by node, then reverse mode.

The nodes drawn are the engine's graph.Node objects; their values, local derivatives and
adjoints are read straight from them (adjoints from snapshots taken between the closures)."""
from __future__ import annotations

import pygame

from ...engine.graph import Graph, analytic_gradient
from . import common as ui
from .common import fmt

# where each node sits: fractions of the free space (graph area minus one node) left to right,
# top to bottom. Chosen so that every edge is a clear diagonal or a long line that passes no
# other node (w1 → w6 runs below w4, not under it): tests/test_lessons_render checks this.
POSITIONS = {"w1": (0.0, 0.62), "w2": (0.0, 1.0), "w3": (0.24, 0.0), "w4": (0.32, 0.32),
             "w5": (0.72, 0.2), "w6": (0.5, 1.0), "w7": (1.0, 0.62)}
FORMULAS = {"w1": "w1 = x", "w2": "w2 = y", "w3": "w3 = cos w1", "w4": "w4 = sin w1",
            "w5": "w5 = w3 · w4", "w6": "w6 = w1 / w2", "w7": "w7 = w5 + w6"}
NODE_TEXT = 15           # font size of the node's lines (before theme.scale)
EDGE_TEXT = 13
STEP_SECONDS = 1.1
SIDE_LEFT = 950          # the side panel's left edge


class GraphScene:
    title = "Computational graph"
    animated = True
    gif_fps = 5

    def __init__(self, theme, options=None):
        self.theme = theme
        self.x, self.y = 1.3, 0.7
        self.step = 0               # 0 … 7 forward reveals, then 7 … 14 reverse steps
        self.playing = True
        self.clock = 0.0
        self.drag: str | None = None
        self.label_boxes: list[pygame.Rect] = []     # the edge labels drawn last frame
        self._build()
        self.gif_seconds = (self.last_step + 2) * STEP_SECONDS
        self.export_seconds = 0.0

    # --- engine state ---------------------------------------------------------------
    def _build(self) -> None:
        """A fresh engine graph for (x, y), and the adjoints after each reverse-mode closure."""
        self.graph = Graph(self.x, self.y)
        self.order = list(self.graph.nodes.values())              # w1 … w7: a topological order
        self.snapshots = []                                        # (node just run, {label: grad}, reached)
        reached = {"w7"}
        for node in self.graph.backward_steps():
            reached |= {p.label for p in node.parents}
            self.snapshots.append((node, {n.label: n.grad for n in self.order}, set(reached)))
        self.last_step = len(self.order) + len(self.snapshots)

    def demo(self) -> None:
        self.step, self.playing = self.last_step, False

    def close(self) -> None:
        pass

    # --- events ---------------------------------------------------------------------
    def handle(self, event) -> None:
        if event.type == pygame.KEYDOWN:
            k = event.key
            if k == pygame.K_SPACE:
                self.playing = not self.playing
            elif k in (pygame.K_PERIOD, pygame.K_n):
                self.playing, self.step = False, min(self.last_step, self.step + 1)
            elif k in (pygame.K_COMMA, pygame.K_BACKSPACE, pygame.K_p):
                self.playing, self.step = False, max(0, self.step - 1)
            elif k == pygame.K_r:
                self.step, self.clock, self.playing = 0, 0.0, True
            elif k in (pygame.K_LEFT, pygame.K_RIGHT):
                self.set_inputs(self.x + (0.1 if k == pygame.K_RIGHT else -0.1), self.y)
            elif k in (pygame.K_UP, pygame.K_DOWN):
                self.set_inputs(self.x, self.y + (0.1 if k == pygame.K_UP else -0.1))
            elif k == pygame.K_0:
                self.set_inputs(self.x, 0.0)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for label in ("w1", "w2"):
                if self._node_rect(label).collidepoint(event.pos):
                    self.drag = label
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.drag = None
        elif event.type == pygame.MOUSEMOTION and self.drag:
            d = event.rel[0] / 100.0
            if self.drag == "w1":
                self.set_inputs(self.x + d, self.y)
            else:
                self.set_inputs(self.x, self.y + d)

    def set_inputs(self, x: float, y: float) -> None:
        self.x, self.y = round(x, 2), round(y, 2)
        self._build()
        self.step = min(self.step, self.last_step)     # y = 0 has no reverse steps: the list shrinks

    def update(self, dt: float) -> None:
        if not self.playing:
            return
        self.clock += dt
        while self.clock >= STEP_SECONDS:
            self.clock -= STEP_SECONDS
            self.step = self.step + 1 if self.step < self.last_step else 0

    # --- what is visible at this step ------------------------------------------------
    def visible_values(self) -> set[str]:
        return {n.label for n in self.order[:min(self.step, len(self.order))]}

    def reverse_state(self):
        """(node whose closure just ran or None, {label: adjoint}, labels with an adjoint yet)."""
        k = self.step - len(self.order)
        if k <= 0 or not self.snapshots:
            return None, {}, set()
        return self.snapshots[min(k, len(self.snapshots)) - 1]

    # --- drawing ----------------------------------------------------------------------
    def _area(self) -> pygame.Rect:
        return pygame.Rect(24, ui.HEADER_H + 14, SIDE_LEFT - 40, 800 - ui.HEADER_H - ui.FOOTER_H - 28)

    def node_size(self) -> tuple[int, int]:
        """One size for every node: wide enough for the longest of its four lines in this theme."""
        t = self.theme
        samples = [(f, "bold") for f in FORMULAS.values()] + [("= −0.0000", "mono"), ("∂w7/∂w7", "mono"),
                                                              ("÷ 0: undefined", "mono")]
        w = max(ui.text_width(t, s, NODE_TEXT, face) for s, face in samples) + 16
        return w, 4 * ui.line_height(t, NODE_TEXT) + 10

    def _node_rect(self, label: str) -> pygame.Rect:
        a = self._area().inflate(-12, -12)
        w, h = self.node_size()
        fx, fy = POSITIONS[label]
        r = pygame.Rect(0, 0, w, h)
        r.center = (a.left + w / 2 + fx * (a.width - w), a.top + h / 2 + fy * (a.height - h))
        return r

    def draw(self, surface) -> None:
        t = self.theme
        ui.header(surface, t, "Computational graph",
                  "w7 = cos x · sin x + x / y: forward values node by node, then reverse mode: the adjoint ∂w7/∂w of every node")
        area = self._area()
        ui.panel(surface, t, area)
        shown = self.visible_values()
        just_ran, grads, reached = self.reverse_state()
        forward_node = self.order[self.step - 1] if 0 < self.step <= len(self.order) else None
        for parent, child, i in self.graph.edges():
            self._draw_edge(surface, parent, child, i, child.label in shown, just_ran is child)
        ui.scope("graph", area)
        self.label_boxes = placed = []
        for parent, child, i in self.graph.edges():
            if child.label in shown and grads and child.local[i] is not None:
                self._draw_edge_label(surface, parent, child, i, just_ran is child, placed)
        for node in self.order:
            self._draw_node(surface, node, node.label in shown, grads.get(node.label) if node.label in reached else None,
                            node is forward_node or node is just_ran)
        self._draw_side(surface, forward_node, just_ran, grads)
        ui.footer(surface, t, "←/→ x ± 0.1   ↑/↓ y ± 0.1   drag w1 or w2   0: y = 0   space: play/pause   "
                              ",/.: step back/forward   R: restart   Esc: quit")

    def edge_line(self, parent_label: str, child_label: str):
        """The drawn segment of an edge: from the parent's border to the child's border."""
        a, b = self._node_rect(parent_label), self._node_rect(child_label)
        return _border_point(a, b.center), _border_point(b, a.center)

    def _draw_edge(self, surface, parent, child, i, shown, active) -> None:
        t = self.theme
        start, end = self.edge_line(parent.label, child.label)
        colour = t.accent if active else (t.muted if shown else t.panel_border)
        ui.arrow(surface, colour, start, end, 3 if active else 2)

    def _draw_edge_label(self, surface, parent, child, i, active, placed) -> None:
        """The local derivative ∂child/∂parent (its value) in a box on its edge, at the first point along the
        edge where the box covers no node and no other label (placed: boxes drawn so far)."""
        t = self.theme
        start, end = self.edge_line(parent.label, child.label)
        lines = (fmt(child.local[i], 4),)        # the formula is in the side panel's caption
        w = max(ui.text_width(t, s, EDGE_TEXT, "mono") for s in lines) + 10
        box = pygame.Rect(0, 0, w, len(lines) * ui.line_height(t, EDGE_TEXT) + 4)
        nodes = [self._node_rect(n.label).inflate(6, 6) for n in self.order]
        for f in (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74):
            box.center = (start[0] + f * (end[0] - start[0]), start[1] + f * (end[1] - start[1]))
            if box.collidelist(nodes) < 0 and box.collidelist(placed) < 0:
                break
        placed.append(box.copy())
        colour = t.accent if active else t.muted
        pygame.draw.rect(surface, t.panel, box, border_radius=4)
        pygame.draw.rect(surface, colour, box, 1, border_radius=4)
        y = box.top + 2
        for s in lines:
            ui.text(surface, t, s, (box.centerx, y), EDGE_TEXT, t.accent if active else t.text, "mono", "midtop")
            y += ui.line_height(t, EDGE_TEXT)

    def _draw_node(self, surface, node, shown, grad, active) -> None:
        t = self.theme
        r = self._node_rect(node.label)
        undefined = shown and node.value is None
        border = t.bad if undefined else (t.accent if active else t.panel_border)
        pygame.draw.rect(surface, t.background, r, border_radius=10)
        pygame.draw.rect(surface, border, r, 3 if (active or undefined) else 2, border_radius=10)
        ui.scope(node.label, r)
        lh = ui.line_height(t, NODE_TEXT)
        ui.text(surface, t, FORMULAS[node.label], (r.centerx, r.top + 5), NODE_TEXT, face="bold", anchor="midtop")
        if shown:
            by_zero = undefined and node.op == "/" and node.parents[1].value == 0
            value = ("÷ 0: undefined" if by_zero else "undefined") if undefined else f"= {fmt(node.value, 4)}"
            ui.text(surface, t, value, (r.centerx, r.top + 5 + lh), NODE_TEXT, t.bad if undefined else t.text,
                    "mono", "midtop")
        if grad is not None:
            ui.text(surface, t, f"∂w7/∂{node.label}", (r.centerx, r.top + 5 + 2 * lh), NODE_TEXT, t.good, "mono", "midtop")
            ui.text(surface, t, f"= {fmt(grad, 4)}", (r.centerx, r.top + 5 + 3 * lh), NODE_TEXT, t.good, "mono", "midtop")

    def _draw_side(self, surface, forward_node, just_ran, grads) -> None:
        t = self.theme
        box = pygame.Rect(SIDE_LEFT, ui.HEADER_H + 14, 1256 - SIDE_LEFT, 800 - ui.HEADER_H - ui.FOOTER_H - 28)
        inner = ui.panel(surface, t, box, "Inputs")
        y = inner.top
        lh = ui.line_height(t, 16)
        for line in (f"x = w1 = {fmt(self.x, 2)}", f"y = w2 = {fmt(self.y, 2)}"):
            ui.text(surface, t, line, (inner.left, y), 16, face="mono")
            y += lh
        y += 10
        phase = ("forward" if self.step <= len(self.order) else "reverse")
        ui.text(surface, t, f"Step {self.step}/{self.last_step}: {phase}", (inner.left, y), 16, face="bold")
        y += lh + 4
        for line, colour in self._caption(forward_node, just_ran, grads):
            ui.text(surface, t, line, (inner.left, y), ui.fit_size(t, line, 14, inner.width, "mono"), colour or t.text,
                    "mono")
            y += ui.line_height(t, 14)
        y += 12
        if self.graph.error:
            for line in (self.graph.error, "so w6 = w1/w2 is undefined,", "and so are w7 and every",
                         "gradient. Press ↑ or ↓ to", "change y."):
                ui.text(surface, t, line, (inner.left, y), 15, t.bad, face="bold" if line == self.graph.error else "sans")
                y += ui.line_height(t, 15)
            return
        if self.step >= self.last_step:
            g = self.graph.nodes
            ax, ay = analytic_gradient(self.x, self.y)
            ui.text(surface, t, "Result (engine)", (inner.left, y), 16, face="bold")
            y += lh
            for line in (f"∂w7/∂x = ∂w7/∂w1 = {fmt(g['w1'].grad, 5)}", f"∂w7/∂y = ∂w7/∂w2 = {fmt(g['w2'].grad, 5)}"):
                ui.text(surface, t, line, (inner.left, y), ui.fit_size(t, line, 15, inner.width, "mono"), t.good, "mono")
                y += ui.line_height(t, 15)
            y += 8
            ui.text(surface, t, "By hand", (inner.left, y), 16, face="bold")
            y += lh
            for line in (f"cos 2x + 1/y = {fmt(ax, 5)}", f"−x / y² = {fmt(ay, 5)}"):
                ui.text(surface, t, line, (inner.left, y), 15, face="mono")
                y += ui.line_height(t, 15)

    def _caption(self, forward_node, just_ran, grads):
        """The arithmetic of the current step, from the nodes' own values."""
        t = self.theme
        if self.step == 0:
            return [("Press space to play,", None), (". to step.", None)]
        if forward_node is not None:
            n = forward_node
            if not n.parents:
                return [(f"{n.label} is an input:", None), (f"{n.label} = {fmt(n.value, 4)}", None)]
            args = [fmt(p.value, 4) for p in n.parents]
            expr = {"cos": f"cos({args[0]})", "sin": f"sin({args[0]})"}.get(n.op, f" {n.op} ".join(args))
            if n.value is None:
                return [(f"{FORMULAS[n.label]}", None), (f"= {expr}", None), (n.error, t.bad)]
            return [(f"{FORMULAS[n.label]}", None), (f"= {expr}", None), (f"= {fmt(n.value, 4)}", t.accent)]
        n = just_ran
        if n is None:
            return []
        if not n.parents:
            return [(f"{n.label} is an input: its adjoint", None), ("is complete:", None),
                    (f"∂w7/∂{n.label} = {fmt(grads[n.label], 4)}", t.good)]
        lines = [(f"{n.label} sends ∂w7/∂{n.label} = {fmt(grads[n.label], 4)}", None),
                 ("back to its inputs:", None)]
        for i, p in enumerate(n.parents):
            lines.append((f"∂w7/∂{p.label} += ∂w7/∂{n.label} · {n.local_text[i]}", None))
            lines.append((f"  += {fmt(grads[n.label], 4)} × {fmt(n.local[i], 4)}", None))
            lines.append((f"  → ∂w7/∂{p.label} = {fmt(grads[p.label], 4)}", t.good))
        return lines + [("numbers on edges: ∂child/∂parent", t.muted)]


def _border_point(rect: pygame.Rect, towards) -> tuple[float, float]:
    """Where the segment from rect's centre towards a point leaves the rect."""
    cx, cy = rect.center
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    sx = (rect.width / 2) / abs(dx) if dx else float("inf")
    sy = (rect.height / 2) / abs(dy) if dy else float("inf")
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s
