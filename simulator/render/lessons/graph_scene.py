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
from ..ui.figures import arrow, header, hints, panel
from .frame import Line, body_rect, draw_lines, lines_height

# where each node sits: fractions of the free space (graph area minus one node) left to right,
# top to bottom. Chosen so that every edge is a clear diagonal or a long line that passes no
# other node (w1 → w6 runs below w4, not under it) and every edge number has a place on its
# edge: GraphFigure.layout checks this for the window at hand, tests/test_lessons_graph again.
POSITIONS = {"w1": (0.0, 0.62), "w2": (0.0, 1.0), "w3": (0.24, 0.0), "w4": (0.32, 0.32),
             "w5": (0.72, 0.0), "w6": (0.5, 1.0), "w7": (1.0, 0.62)}
# the same graph for two-line nodes (a zoom: text at 4% of the height leaves no room for four)
COMPACT_POSITIONS = {"w1": (0.0, 0.62), "w2": (0.0, 1.0), "w3": (0.2, 0.0), "w4": (0.44, 0.32),
                     "w5": (0.76, 0.0), "w6": (0.56, 1.0), "w7": (1.0, 0.62)}
FORMULAS = {"w1": "w1 = x", "w2": "w2 = y", "w3": "w3 = cos w1", "w4": "w4 = sin w1",
            "w5": "w5 = w3 · w4", "w6": "w6 = w1 / w2", "w7": "w7 = w5 + w6"}
SHORT_FORMULAS = {k: v.replace(" · ", "·").replace(" / ", "/").replace(" + ", "+") for k, v in FORMULAS.items()}
WIDEST_LABEL = "−0.0000"           # the widest edge number the layout makes room for (x, y near the start)
STEP_SECONDS = 1.1
LABEL_PLACES = tuple(0.5 + s * k * 0.04 for k in range(11) for s in ((1,) if k == 0 else (-1, 1)))   # middle first
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
                                      f"Step {self.step}/{self.last_step}: {phase}", f"Step {self.step}/{self.last_step}"),
                                 self.info_rect.w - 2 * sz.px(8), sz.title, "bold")
        inner = panel(surface, self.info_rect, t, tx, sz, title or "")
        step_lines, result, key = self.info_lines()
        gap = sz.px(10)
        if self.mode == "side":
            key_h = lines_height(tx, sz, key, inner.w)
            y = draw_lines(surface, tx, t, sz, step_lines, pygame.Rect(inner.x, inner.y, inner.w, inner.h - key_h - gap))
            if result:
                draw_lines(surface, tx, t, sz, result, pygame.Rect(inner.x, y + gap, inner.w, inner.bottom - key_h - gap - y - gap))
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
                lines = [Line(f"{n.label} is an input:", face="mono"), Line(f"{n.label} = {fmt(n.value, 4)}", face="mono")]
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
        lines = [Line((f"{n.label} sends ∂w7/∂{n.label} = {g} back", f"{n.label} sends back ∂w7/∂{n.label} = {g}",
                       f"∂w7/∂{n.label} = {g} goes back"), face="mono")]
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
        return [Line("Result (engine)", face="bold"),
                Line((f"∂w7/∂x = ∂w7/∂w1 = {fmt(g['w1'].grad, 5)}", f"∂w7/∂x = {fmt(g['w1'].grad, 5)}"), t.good, "mono"),
                Line((f"∂w7/∂y = ∂w7/∂w2 = {fmt(g['w2'].grad, 5)}", f"∂w7/∂y = {fmt(g['w2'].grad, 5)}"), t.good, "mono"),
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


class GraphFigure:
    """Where the nodes, edges and edge numbers go in one rect at one Sizes, and drawing them.
    layout() tries the body size, the small size, then the short formulas, and keeps the first
    where nodes keep apart, no edge runs under another node and every edge number has a place."""

    def __init__(self, scene: GraphScene):
        self.scene = scene
        self.rect = pygame.Rect(0, 0, 1, 1)
        self.nodes: dict[str, pygame.Rect] = {}
        self.label_boxes: list[pygame.Rect] = []     # the edge numbers drawn last frame
        self.fits, self.full = False, True

    def layout(self, rect: pygame.Rect, sizes: ui.Sizes, compact: bool = True) -> bool:
        """The first style that fits: four-line nodes at the body size, the small size, with
        short formulas; then (compact) two-line nodes."""
        styles = [(True, FORMULAS, sizes.body, POSITIONS), (True, FORMULAS, sizes.small, POSITIONS),
                  (True, SHORT_FORMULAS, sizes.small, POSITIONS)]
        if compact:
            styles += [(False, SHORT_FORMULAS, sizes.body, COMPACT_POSITIONS),
                       (False, SHORT_FORMULAS, sizes.small, COMPACT_POSITIONS)]
        for full, formulas, size, positions in styles:
            if self._try(rect, sizes, size, formulas, full, positions):
                self.fits = True
                return True
        self.fits = False
        return False

    def _try(self, rect, sizes, size, formulas, full, positions) -> bool:
        """Lay the nodes out with this style; True if they keep apart, no edge runs under another
        node and every edge number has a place."""
        tx = self.scene.text
        self.rect, self.sizes, self.size, self.formulas, self.full = pygame.Rect(rect), sizes, size, formulas, full
        self.pad = sizes.px(6)
        rows = ["= −0.0000", "undefined"] + (["∂w7/∂w7"] if full else ["∂ = −0.0000"])
        w = max([tx.width(f, size, "bold") for f in formulas.values()] + [tx.width(s, size, "mono") for s in rows])
        w += 2 * self.pad
        h = tx.line(size, "bold") + (3 if full else 1) * tx.line(size, "mono") + 2 * self.pad
        a = self.rect
        self.nodes = {}
        for label, (fx, fy) in positions.items():
            r = pygame.Rect(0, 0, w, h)
            r.topleft = (round(a.left + fx * (a.w - w)), round(a.top + fy * (a.h - h)))
            self.nodes[label] = r
        if w > a.w or h > a.h:
            return False
        apart = sizes.px(10)
        rects = list(self.nodes.values())
        if any(r1.inflate(apart, apart).colliderect(r2) for i, r1 in enumerate(rects) for r2 in rects[i + 1:]):
            return False
        for parent, child, _ in self.scene.graph.edges():
            start, end = self.edge_line(parent.label, child.label)
            for label, r in self.nodes.items():
                if label not in (parent.label, child.label) and r.inflate(4, 4).clipline(start, end):
                    return False
        return self.place_labels([WIDEST_LABEL] * len(self.scene.graph.edges())) is not None

    def edge_line(self, parent_label: str, child_label: str):
        """The drawn segment of an edge: from the parent's border to the child's border."""
        a, b = self.nodes[parent_label], self.nodes[child_label]
        return _border_point(a, b.center), _border_point(b, a.center)

    def label_box(self, s: str) -> pygame.Rect:
        tx, sz = self.scene.text, self.sizes
        return pygame.Rect(0, 0, tx.width(s, sz.small, "mono") + sz.px(6), tx.line(sz.small, "mono") + sz.px(2))

    def place_labels(self, labels):
        """A box for each edge's number at the first point along the edge where it covers no
        node and no other box; None if one has no such place."""
        nodes = [r.inflate(6, 6) for r in self.nodes.values()]
        head = 2 * self.sizes.px(10)                 # keep clear of the arrow head
        placed = []
        for (parent, child, _), s in zip(self.scene.graph.edges(), labels):
            start, end = self.edge_line(parent.label, child.label)
            box = self.label_box(s)
            for f in LABEL_PLACES:
                box.center = (start[0] + f * (end[0] - start[0]), start[1] + f * (end[1] - start[1]))
                if (box.collidelist(nodes) < 0 and box.inflate(4, 4).collidelist(placed) < 0 and self.rect.contains(box)
                        and not box.inflate(head, head).collidepoint(end)):
                    break
            else:
                return None
            placed.append(box.copy())
        return placed

    def draw(self, surface) -> None:
        scene, t = self.scene, self.scene.theme
        shown = scene.visible_values()
        just_ran, grads, reached, complete = scene.reverse_state()
        forward_node = scene.forward_node()
        edges = scene.graph.edges()
        for parent, child, i in edges:
            self._draw_edge(surface, parent, child, child.label in shown, just_ran is child)
        with ui.CHECK.scope("graph", self.rect):
            texts = [ui.fmt(child.local[i], 4) for parent, child, i in edges]
            boxes = self.place_labels(texts) or self._fallback_boxes(texts)
            self.label_boxes = []
            for (parent, child, i), s, box in zip(edges, texts, boxes):
                if child.label in shown and grads and child.local[i] is not None:
                    self._draw_edge_label(surface, s, box, just_ran is child)
                    self.label_boxes.append(box)
        for node in scene.order:
            grad = grads.get(node.label) if node.label in reached else None
            self._draw_node(surface, node, node.label in shown, grad, node.label in complete,
                            node is forward_node or node is just_ran)

    def _fallback_boxes(self, texts):
        """Each number at its edge's middle (only for values wider than the layout made room for)."""
        out = []
        for (parent, child, _), s in zip(self.scene.graph.edges(), texts):
            start, end = self.edge_line(parent.label, child.label)
            box = self.label_box(s)
            box.center = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
            out.append(box)
        return out

    def _draw_edge(self, surface, parent, child, shown, active) -> None:
        t, sz = self.scene.theme, self.sizes
        start, end = self.edge_line(parent.label, child.label)
        colour = t.accent if active else (t.muted if shown else t.panel_border)
        arrow(surface, colour, start, end, max(2, sz.px(3 if active else 2)), head=sz.px(10))

    def _draw_edge_label(self, surface, s, box, active) -> None:
        t, tx, sz = self.scene.theme, self.scene.text, self.sizes
        colour = t.accent if active else t.muted
        pygame.draw.rect(surface, t.panel, box, border_radius=4)
        pygame.draw.rect(surface, colour, box, 1, border_radius=4)
        tx.draw(surface, s, box.center, sz.small, t.accent if active else t.text, "mono", "center")

    def _draw_node(self, surface, node, shown, grad, complete, active) -> None:
        t, tx, size = self.scene.theme, self.scene.text, self.size
        r = self.nodes[node.label]
        undefined = shown and node.value is None
        border = t.bad if undefined else (t.accent if active else t.panel_border)
        pygame.draw.rect(surface, t.background, r, border_radius=10)
        pygame.draw.rect(surface, border, r, 3 if (active or undefined) else 2, border_radius=10)
        with ui.CHECK.scope(node.label, r):
            y = r.top + self.pad
            tx.draw(surface, self.formulas[node.label], (r.centerx, y), size, t.text, "bold", "midtop")
            y += tx.line(size, "bold")
            adjoint = t.good if complete else t.muted
            value = "undefined" if undefined else f"= {ui.fmt(node.value, 4)}"
            if not self.full:                   # two lines: the adjoint once it has one, else the value
                if grad is not None:
                    tx.draw(surface, f"∂ = {ui.fmt(grad, 4)}", (r.centerx, y), size, adjoint, "mono", "midtop")
                elif shown:
                    tx.draw(surface, value, (r.centerx, y), size, t.bad if undefined else t.text, "mono", "midtop")
                return
            if shown:
                tx.draw(surface, value, (r.centerx, y), size, t.bad if undefined else t.text, "mono", "midtop")
            y += tx.line(size, "mono")
            if grad is not None:
                tx.draw(surface, f"∂w7/∂{node.label}", (r.centerx, y), size, adjoint, "mono", "midtop")
                tx.draw(surface, f"= {ui.fmt(grad, 4)}", (r.centerx, y + tx.line(size, "mono")), size, adjoint, "mono",
                        "midtop")


class ZoomedGraph:
    """Z: the graph over the whole window at the zoom's sizes, its key in two lines under it."""
    title = "computational graph"

    def __init__(self, scene: GraphScene):
        self.scene = scene
        self.figure = GraphFigure(scene)
        self.rect = pygame.Rect(0, 0, 1, 1)
        self.sizes = scene.sizes

    def layout(self, rect, sizes) -> None:
        self.rect, self.sizes = pygame.Rect(rect), sizes
        m = sizes.px(8)
        key_h = 2 * self.scene.text.line(sizes.small)
        area = pygame.Rect(self.rect.x + m, self.rect.y + m, self.rect.w - 2 * m, self.rect.h - 2 * m - key_h - m)
        self.figure.layout(area, sizes)
        self.key_rect = pygame.Rect(area.x, area.bottom + m, area.w, key_h)

    def key_lines(self):
        t = self.scene.theme
        adjoint = (("∂ = ∂w7/∂w, the adjoint: green when complete, grey while a sum so far",
                    "∂ = ∂w7/∂w: green complete, grey a sum so far", "∂ = ∂w7/∂w, the adjoint")
                   if not self.figure.full else
                   ("green ∂w7/∂w: the adjoint, complete; grey: a sum so far", "green: complete; grey: a sum so far"))
        return [Line(("on an edge: ∂child/∂parent, the local derivative", "on an edge: ∂child/∂parent"), t.muted),
                Line(adjoint, t.muted)]

    def update(self, dt) -> None:
        pass

    def draw(self, surface) -> None:
        with ui.CHECK.scope("zoomed graph", self.rect):
            self.figure.draw(surface)
            draw_lines(surface, self.scene.text, self.scene.theme, self.sizes, self.key_lines(), self.key_rect)


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
