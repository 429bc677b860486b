"""Computational graph: w7 = cos x · sin x + x / y, forward node by node, then reverse mode.

The nodes drawn are the engine's graph.Node objects; their values, local derivatives and
adjoints are read straight from them (adjoints from snapshots taken between the closures).
An adjoint is drawn green once every node that uses it has sent its term back, grey while it
is a sum still waiting for terms; a value that cannot be computed (y = 0) reads "undefined"
everywhere, never NaN.

Drawn at the window's size with the kit's sizes: the explanation beside the graph where the
window is wide enough for both, else in a strip under it; the nodes' text at the body size
where the graph fits with it, else the small size, then shorter formulas (say less, never
smaller). Z zooms the graph."""
from __future__ import annotations

import pygame

from ...engine.graph import Graph, analytic_gradient
from .. import ui
from ..ui.figures import body_rect, header, hints, panel
from .frame import Line, draw_lines, lines_height
from .graph_figure import FORMULAS, GraphFigure, ZoomedGraph

STEP_SECONDS = 1.1
SUBTITLE = ("w7 = cos x · sin x + x / y. Forward: the value of each node, inputs first. Reverse mode: "
            "the adjoint ∂w7/∂w of each node, from w7 back to the inputs.")
HINTS = (("← →", "x ± 0.1"), ("↑ ↓", "y ± 0.1"), (", .", "step"), ("space", "play/pause"), ("0", "y = 0"),
         ("R", "restart"), ("Z", "zoom"), ("Esc", "back"), ("drag", "w1 or w2"))


class GraphScene(ui.Scene):
    title = "Computational graph"
    animated = True
    gif_fps = 5

    def __init__(self, theme, options=None):
        self.theme = theme
        self.text = ui.Text(theme)
        self.x, self.y = 1.3, 0.7
        self.step = 0               # 0 … 7 forward reveals, then 7 … 14 reverse steps
        self.playing = True
        self.clock = 0.0
        self.drag: str | None = None
        self.figure = GraphFigure(self)
        self._build()
        self.gif_seconds = (self.last_step + 2) * STEP_SECONDS
        self.export_seconds = 0.0
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    # --- engine state ---------------------------------------------------------------
    def _build(self) -> None:
        """A fresh engine graph for (x, y), and the adjoints after each reverse-mode closure:
        snapshots[k] = (node whose closure ran, {label: adjoint}, labels with a term yet,
        labels whose adjoint is complete: every node using it has sent its term back)."""
        self.graph = Graph(self.x, self.y)
        self.order = list(self.graph.nodes.values())              # w1 … w7: a topological order
        self.users = {n.label: [c.label for _, c, _ in self._edges_from(n.label)] for n in self.order}
        self.snapshots = []
        reached, ran = {"w7"}, set()
        for node in self.graph.backward_steps():
            ran.add(node.label)
            reached |= {p.label for p in node.parents}
            complete = {label for label in reached if set(self.users[label]) <= ran}
            self.snapshots.append((node, {n.label: n.grad for n in self.order}, set(reached), complete))
        self.last_step = len(self.order) + len(self.snapshots)

    def _edges_from(self, label: str):
        return [(p, c, i) for p, c, i in self.graph.edges() if p.label == label]

    def demo(self) -> None:
        self.step, self.playing = self.last_step, False

    def tour(self):
        """Every step with the default inputs, then every step of y = 0 (division by zero)."""
        self.playing = False
        for x, y in ((1.3, 0.7), (1.3, 0.0)):
            self.set_inputs(x, y)
            for step in range(self.last_step + 1):
                self.step = step
                yield f"x = {ui.fmt(x, 1)}, y = {ui.fmt(y, 1)}, step {step}"
        self.set_inputs(1.3, 0.7)

    # --- events ---------------------------------------------------------------------
    def handle(self, event):
        if event.type == pygame.KEYDOWN:
            k = event.key
            if k == pygame.K_ESCAPE:
                return ui.BACK
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
                if self.figure.nodes[label].collidepoint(event.pos):
                    self.drag = label
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.drag = None
        elif event.type == pygame.MOUSEMOTION and self.drag:
            d = event.rel[0] / max(1, self.sizes.px(100))
            if self.drag == "w1":
                self.set_inputs(self.x + d, self.y)
            else:
                self.set_inputs(self.x, self.y + d)
        return None

    def set_inputs(self, x: float, y: float) -> None:
        self.x, self.y = round(x, 2), round(y, 2)
        self._build()
        self.step = min(self.step, self.last_step)     # y = 0 has no reverse steps: the list shrinks
        self.layout(self.size, self.sizes)             # the explanation's strip follows what it says

    def update(self, dt: float):
        if not self.playing:
            return None
        self.clock += dt
        while self.clock >= STEP_SECONDS:
            self.clock -= STEP_SECONDS
            self.step = self.step + 1 if self.step < self.last_step else 0
        return None

    def zoom_target(self, pos):
        return ZoomedGraph(self)

    # --- what is visible at this step ------------------------------------------------
    def visible_values(self) -> set[str]:
        return {n.label for n in self.order[:min(self.step, len(self.order))]}

    def reverse_state(self, step: int | None = None):
        """(node whose closure just ran or None, {label: adjoint}, labels with an adjoint yet,
        labels whose adjoint is complete)."""
        k = (self.step if step is None else step) - len(self.order)
        if k <= 0 or not self.snapshots:
            return None, {}, set(), set()
        return self.snapshots[min(k, len(self.snapshots)) - 1]

    def forward_node(self, step: int | None = None):
        step = self.step if step is None else step
        return self.order[step - 1] if 0 < step <= len(self.order) else None

    # --- layout -------------------------------------------------------------------------
    def layout(self, size, sizes) -> None:
        """The graph beside its explanation (side) if both fit, else the explanation in a strip
        under the graph (three columns)."""
        self.size, self.sizes = tuple(size), sizes
        body = body_rect(size, self.text, sizes, SUBTITLE)
        gap = sizes.px(10)
        strip_h = self._strip_height(body.w)
        for compact in (False, True):            # four-line nodes anywhere they fit, before two-line ones
            for fraction in (0.3, 0.26, 0.23):
                side_w = round(fraction * size[0])
                graph = pygame.Rect(body.x, body.y, body.w - side_w - gap, body.h)
                side = pygame.Rect(graph.right + gap, body.y, side_w, body.h)
                inner = side.inflate(-2 * sizes.px(8), -2 * sizes.px(8))
                if self.figure.layout(self._graph_area(graph), sizes, compact) and self._side_fits(inner):
                    self.mode, self.graph_rect, self.info_rect = "side", graph, side
                    return
            graph = pygame.Rect(body.x, body.y, body.w, body.h - strip_h - gap)
            self.mode, self.graph_rect = "strip", graph
            self.info_rect = pygame.Rect(body.x, graph.bottom + gap, body.w, strip_h)
            if self.figure.layout(self._graph_area(graph), sizes, compact):
                return

    def _graph_area(self, rect: pygame.Rect) -> pygame.Rect:
        return rect.inflate(-2 * self.sizes.px(8), -2 * self.sizes.px(8))

    def _all_states(self):
        for step in range(self.last_step + 1):
            yield self.info_lines(step)

    def _side_fits(self, inner: pygame.Rect) -> bool:
        """Every state's explanation fits the side panel under its title."""
        top = self.text.line(self.sizes.title, "bold") + self.sizes.px(8)
        for step_lines, result, key in self._all_states():
            need = sum(lines_height(self.text, self.sizes, block, inner.w) + self.sizes.px(10)
                       for block in (step_lines, result, key) if block)
            if top + need > inner.h:
                return False
        return True

    def _strip_columns(self, width: int) -> list[int]:
        gap = self.sizes.px(16)
        col = (width - 2 * self.sizes.px(8) - 2 * gap) // 3
        return [col, col, col]

    def _strip_height(self, width: int) -> int:
        col = self._strip_columns(width)[0]
        tx, sz = self.text, self.sizes
        need = max(lines_height(tx, sz, block, col) for state in self._all_states() for block in state if block)
        return need + tx.line(sz.title, "bold") + 3 * sz.px(8)

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, "Computational graph", SUBTITLE)
        panel(surface, self.graph_rect, t, tx, sz)
        self.figure.draw(surface)
        self._draw_info(surface)
        hints(surface, t, tx, sz, HINTS)
        return None

    def _draw_info(self, surface) -> None:
        t, tx, sz = self.theme, self.text, self.sizes
        phase = "forward" if self.step <= len(self.order) else "reverse mode"
        title = ui.first_fitting(tx, (f"Step {self.step} of {self.last_step}: {phase}",
                                      f"Step {self.step}/{self.last_step}: {phase}",
                                      f"Step {self.step}/{self.last_step}"),
                                 self.info_rect.w - 2 * sz.px(8), sz.title, "bold")
        inner = panel(surface, self.info_rect, t, tx, sz, title or "")
        step_lines, result, key = self.info_lines()
        gap = sz.px(10)
        if self.mode == "side":
            key_h = lines_height(tx, sz, key, inner.w)
            above_key = inner.bottom - key_h - gap
            y = draw_lines(surface, tx, t, sz, step_lines, pygame.Rect(inner.x, inner.y, inner.w, above_key - inner.y))
            if result:
                draw_lines(surface, tx, t, sz, result, pygame.Rect(inner.x, y + gap, inner.w, above_key - y - gap))
            draw_lines(surface, tx, t, sz, key, pygame.Rect(inner.x, inner.bottom - key_h, inner.w, key_h))
            return
        cols = self._strip_columns(self.info_rect.w)
        x = inner.x
        for block, w in zip((step_lines, result, key), cols):
            if block:
                draw_lines(surface, tx, t, sz, block, pygame.Rect(x, inner.y, w, inner.h))
            x += w + sz.px(16)

    def info_lines(self, step: int | None = None):
        """(the step's arithmetic, the result or the error, the key) as text lines."""
        step = self.step if step is None else step
        t = self.theme
        fmt = ui.fmt
        forward = self.forward_node(step)
        just_ran, grads, _, complete = self.reverse_state(step)
        lines: list[Line] = []
        if step == 0:
            lines = [Line("x = w1 = " + fmt(self.x, 2), face="mono"), Line("y = w2 = " + fmt(self.y, 2), face="mono"),
                     Line("Space plays the steps; . and , step one at a time.", wrap=True, gap=6)]
        elif forward is not None:
            n = forward
            if not n.parents:
                lines = [Line(f"{n.label} is an input:", face="mono"),
                         Line(f"{n.label} = {fmt(n.value, 4)}", face="mono")]
            else:
                args = [fmt(p.value, 4) if p.value is not None else "undefined" for p in n.parents]
                expr = {"cos": f"cos({args[0]})", "sin": f"sin({args[0]})"}.get(n.op, f" {n.op} ".join(args))
                lines = [Line(FORMULAS[n.label], face="mono"), Line(f"= {expr}", face="mono")]
                if n.value is None:
                    lines.append(Line("= undefined", t.bad, "mono"))
                else:
                    lines.append(Line(f"= {fmt(n.value, 4)}", t.accent, "mono"))
        elif just_ran is not None:
            lines = self._reverse_lines(just_ran, grads, complete)
        result = self._result_lines(step)
        return lines, result, self._key_lines(step)

    def _reverse_lines(self, n, grads, complete) -> list[Line]:
        t, fmt = self.theme, ui.fmt
        g = fmt(grads[n.label], 4)
        if not n.parents:
            return [Line(f"{n.label} is an input: its adjoint is complete:", wrap=True),
                    Line(f"∂w7/∂{n.label} = {g}", t.good, "mono")]
        lines = [Line((f"{n.label} sends ∂w7/∂{n.label} = {g} back", f"∂w7/∂{n.label} = {g} goes back"), face="mono")]
        for i, p in enumerate(n.parents):
            done = p.label in complete
            lines += [Line(f"∂w7/∂{p.label} += ∂w7/∂{n.label} · {n.local_text[i]}", face="mono", gap=4),
                      Line(f"  += {g} × {fmt(n.local[i], 4)}", face="mono"),
                      Line(f"  = {fmt(grads[p.label], 4)}", t.good if done else t.muted, "mono")]
            if not done:
                waiting = [u for u in self.users[p.label] if u not in self._ran_after(n)]
                lines.append(Line(f"a sum so far: {', '.join(waiting)} still to send theirs", t.muted, wrap=True))
        return lines

    def _ran_after(self, node) -> set[str]:
        """Labels whose closure has run, up to and including node's."""
        ran = set()
        for snap in self.snapshots:
            ran.add(snap[0].label)
            if snap[0] is node:
                break
        return ran

    def _result_lines(self, step: int) -> list[Line]:
        t, fmt = self.theme, ui.fmt
        if self.graph.error:
            if step <= self.order.index(self.graph.nodes["w6"]):     # before w6 is computed
                return []
            return [Line((self.graph.error, self.graph.error.replace("division by zero", "÷ 0")), t.bad, "bold"),
                    Line("x / 0 has no value: w6 = w1 / w2 is undefined, and so is everything computed from it: "
                         "w7 and every adjoint. ↑ or ↓ changes y.", t.bad, wrap=True)]
        if step < self.last_step:
            return []
        g = self.graph.nodes
        ax, ay = analytic_gradient(self.x, self.y)
        dx, dy = fmt(g["w1"].grad, 5), fmt(g["w2"].grad, 5)
        return [Line("Result (engine)", face="bold"),
                Line((f"∂w7/∂x = ∂w7/∂w1 = {dx}", f"∂w7/∂x = {dx}"), t.good, "mono"),
                Line((f"∂w7/∂y = ∂w7/∂w2 = {dy}", f"∂w7/∂y = {dy}"), t.good, "mono"),
                Line("By hand", face="bold", gap=6),
                Line(f"cos 2x + 1/y = {fmt(ax, 5)}", face="mono"),
                Line(f"−x / y² = {fmt(ay, 5)}", face="mono")]

    def _key_lines(self, step: int) -> list[Line]:
        t = self.theme
        lines = [Line("Key", face="bold"),
                 Line("on an edge: ∂child/∂parent, the local derivative", t.muted, wrap=True)]
        if step > len(self.order):
            if not self.figure.full:
                lines.append(Line("∂ = ∂w7/∂w, the adjoint of the node", wrap=True))
            lines += [Line("green: the adjoint is complete", t.good, wrap=True),
                      Line("grey: a sum so far, more terms to come", t.muted, wrap=True)]
        if self.graph.error:
            lines.append(Line("undefined: no number at all (÷ 0)", t.bad, wrap=True))
        return lines
