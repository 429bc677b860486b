"""The computational graph as a figure: where the nodes, edges and edge numbers go in a rect at
one Sizes, and drawing them from the scene's state (graph_scene.GraphScene). Also the zoom (Z):
the graph alone over the window with its key.

A layout is kept only if the nodes keep apart, no edge runs under another node and every edge
number has a place on its edge clear of the nodes and the arrow heads; else the next style is
tried: four-line nodes at the body size, the small size, with short formulas, then two-line
nodes (a zoom: at 4% of the height four lines do not fit)."""
from __future__ import annotations

import pygame

from .. import ui
from ..ui.figures import arrow
from .frame import Line, draw_lines

# where each node sits: fractions of the free space (graph area minus one node) left to right,
# top to bottom. Chosen so that every edge is a clear diagonal or a long line that passes no
# other node (w1 → w6 runs below w4, not under it) and every edge number has a place on its
# edge: GraphFigure.layout checks this for the window at hand, tests/test_lessons_graph again.
POSITIONS = {"w1": (0.0, 0.62), "w2": (0.0, 1.0), "w3": (0.24, 0.0), "w4": (0.32, 0.32),
             "w5": (0.72, 0.0), "w6": (0.5, 1.0), "w7": (1.0, 0.62)}
# the same graph for two-line nodes (a zoom: text at 4% of the height leaves no room for four)
COMPACT_POSITIONS = {"w1": (0.0, 0.71), "w2": (0.0, 1.0), "w3": (0.23, 0.0), "w4": (0.36, 0.34),
                     "w5": (0.81, 0.0), "w6": (0.58, 1.0), "w7": (1.0, 0.62)}
FORMULAS = {"w1": "w1 = x", "w2": "w2 = y", "w3": "w3 = cos w1", "w4": "w4 = sin w1",
            "w5": "w5 = w3 · w4", "w6": "w6 = w1 / w2", "w7": "w7 = w5 + w6"}
SHORT_FORMULAS = {k: v.replace(" · ", "·").replace(" / ", "/").replace(" + ", "+")
                  for k, v in FORMULAS.items()}
WIDEST_LABEL = "−0.0000"       # the widest edge number the layout makes room for (x, y near the start)
# where along its edge a number may sit: the middle first, then outwards
LABEL_PLACES = tuple(0.5 + s * k * 0.04 for k in range(11) for s in ((1,) if k == 0 else (-1, 1)))


class GraphFigure:
    """Where the nodes, edges and edge numbers go in one rect at one Sizes, and drawing them.
    layout() tries the body size, the small size, then the short formulas, and keeps the first
    where nodes keep apart, no edge runs under another node and every edge number has a place."""

    def __init__(self, scene):            # the GraphScene whose state it draws
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
        scene = self.scene
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


class ZoomedGraph(ui.Zoomable):
    """Z: the graph over the whole window at the zoom's sizes, its key in two lines under it."""
    title = "computational graph"

    def __init__(self, scene):            # the GraphScene whose state it draws
        self.scene = scene
        self.figure = GraphFigure(scene)
        super().__init__(scene, self.title)

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
                   ("green ∂w7/∂w: the adjoint, complete; grey: a sum so far",
                    "green: complete; grey: a sum so far"))
        return [Line(("on an edge: ∂child/∂parent, the local derivative", "on an edge: ∂child/∂parent"),
                     t.muted),
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
