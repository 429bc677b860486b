"""Max vs average pooling: one map through both, forward values and backward gradient routing,
side by side (max on the left, average on the right, the shared input or gradient between
them). All numbers are the engine's (lessons/pooling.pool_both → ops).

Drawn at the window's size with the kit's sizes: where the 6×6 map's numbers would not fit
at the theme's smallest text, the lesson shows a 4×4 map instead (says less, never smaller)."""
from __future__ import annotations

import pygame

from ...engine.lessons import pooling as pool_math
from ...engine.lessons.pooling import SIZE, pooling_demo
from .. import ui
from ..ui.figures import arrow, grid_cell, header, hints, hints_height, number_grid, panel

CYCLE_SECONDS = 1.6
MAP_SIDES = (6, 4)          # the map shown: the largest whose numbers fit
HINTS = (("← → ↑ ↓", "choose a window"), ("space", "cycle windows"), ("N", "new map"), ("Z", "zoom"),
         ("Esc", "back"))


class PoolingScene(ui.Scene):
    title = "Max vs average pooling"
    animated = True
    gif_fps = 5

    def __init__(self, theme, options=None):
        self.theme = theme
        self.text = ui.Text(theme)
        self.sizes = ui.Sizes.for_window((1280, 800), theme)
        self.size = (1280, 800)
        self.seed = 0
        self.side = MAP_SIDES[0]
        self.demo_data = pooling_demo(self.seed, self.side)
        self.selected = (0, 0)
        self.auto, self.clock = True, 0.0
        self.export_seconds = 0.0
        self._grids = {}           # name → (topleft, (rows, cols), (cell w, cell h)) for hit testing

    @property
    def gif_seconds(self) -> float:
        n = self.demo_data.max_y.shape[0]
        return n * n * CYCLE_SECONDS

    def demo(self) -> None:
        self.selected, self.auto = (0, 0), False

    def tour(self):
        """Every window in turn (the states a class steps through), for tests and demos."""
        n = self.demo_data.max_y.shape[0]
        for k in range(n * n):
            self.selected, self.auto = divmod(k, n), False
            yield f"window {self.selected}"

    # --- layout -----------------------------------------------------------------------
    def layout(self, size, sizes) -> None:
        self.size, self.sizes = size, sizes
        side = next((n for n in MAP_SIDES if self._fits(n, self._figure_rect())), MAP_SIDES[-1])
        if side != self.side:
            self.side = side
            self.demo_data = pooling_demo(self.seed, side)
            n = self.demo_data.max_y.shape[0]
            self.selected = (min(self.selected[0], n - 1), min(self.selected[1], n - 1))

    def _body(self) -> pygame.Rect:
        tx, sz = self.text, self.sizes
        top = sz.px(6) + tx.line(sz.heading, "bold") + 2 * tx.line(sz.small) + sz.px(8)
        m = sz.px(16)
        return pygame.Rect(m, top, self.size[0] - 2 * m, self.size[1] - hints_height(tx, sz) - sz.px(8) - top)

    def _side_width(self) -> int:
        tx, sz = self.text, self.sizes
        return max(round(0.27 * self.size[0]), tx.width("avg = (0 + 0 + 0 + 0) / 4", sz.small, "mono") + sz.px(24))

    def _figure_rect(self, sizes=None) -> pygame.Rect:
        body = self._body()
        return pygame.Rect(body.x, body.y, body.w - self._side_width() - self.sizes.px(10), body.h)

    def _cells(self, n: int, rect: pygame.Rect, sizes) -> tuple[int, int, int]:
        """(cell width, cell height, gap) for an n×n map in the figure rect: the backward row is
        the widest (6 + 3 + 6 cells for n = 6), each half of the height holds n cells."""
        tx = self.text
        gap = sizes.px(44)
        half = (rect.h - sizes.px(10)) // 2
        room_h = half - tx.line(sizes.title, "bold") - tx.line(sizes.small) - sizes.px(20)
        ch = room_h // n
        cw = min((rect.w - 2 * gap - sizes.px(24)) // (n + n // SIZE + n), round(1.6 * ch))
        return cw, min(ch, cw), gap

    def _fits(self, n: int, rect: pygame.Rect, sizes=None) -> bool:
        sizes = sizes or self.sizes
        cw, ch, _ = self._cells(n, rect, sizes)
        d = pooling_demo(self.seed, n)
        need = [grid_cell(self.text, v, sizes.small, digits) for v, digits in ((d.x, 0), (d.max_dx, 1), (d.avg_dx, 1),
                                                                               (d.avg_y, 2), (d.dy, 1))]
        return all(w <= cw and h <= ch for w, h in need)

    # --- input ------------------------------------------------------------------------
    def handle(self, event):
        n = self.demo_data.max_y.shape[0]
        if event.type == pygame.KEYDOWN:
            i, j = self.selected
            moves = {pygame.K_LEFT: (0, -1), pygame.K_RIGHT: (0, 1), pygame.K_UP: (-1, 0), pygame.K_DOWN: (1, 0)}
            if event.key in moves:
                di, dj = moves[event.key]
                self.selected, self.auto = ((i + di) % n, (j + dj) % n), False
            elif event.key == pygame.K_n:
                self.seed += 1
                self.demo_data = pooling_demo(self.seed, self.side)
            elif event.key == pygame.K_SPACE:
                self.auto = not self.auto
            elif event.key == pygame.K_ESCAPE:
                return ui.BACK
        elif event.type == pygame.MOUSEMOTION:
            hit = self._window_at(event.pos)
            if hit is not None:
                self.selected, self.auto = hit, False
        return None

    def _window_at(self, pos):
        for (x0, y0), (h, w), (cw, ch) in self._grids.values():
            c, r = (pos[0] - x0) // cw, (pos[1] - y0) // ch
            if 0 <= r < h and 0 <= c < w:
                return (r // SIZE, c // SIZE) if h == self.demo_data.x.shape[0] else (r, c)
        return None

    def update(self, dt: float):
        if not self.auto:
            return None
        self.clock += dt
        n = self.demo_data.max_y.shape[0]
        while self.clock >= CYCLE_SECONDS:
            self.clock -= CYCLE_SECONDS
            k = (self.selected[0] * n + self.selected[1] + 1) % (n * n)
            self.selected = divmod(k, n)
        return None

    def zoom_target(self, pos):
        return ZoomedFigure(self)

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, f"Max vs average pooling, {SIZE}×{SIZE} windows, stride {SIZE}",
               "Forward: each window becomes one number. Backward: its gradient goes to the max only (max) "
               "or is shared equally (average).")
        figure = self._figure_rect()
        self._grids = {}
        self.draw_figure(surface, figure, sz, self._grids)
        body = self._body()
        self._side(surface, pygame.Rect(figure.right + sz.px(10), body.y, body.right - figure.right - sz.px(10), body.h))
        hints(surface, t, tx, sz, HINTS)
        return None

    def draw_figure(self, surface, rect: pygame.Rect, sz, grids=None) -> None:
        """Forward (x in the middle, max y left, average y right) over backward (∂L/∂y in the
        middle, routed to max's ∂L/∂x left and average's right), in rect at sizes sz."""
        t, tx, d = self.theme, self.text, self.demo_data
        n_big = d.x.shape[0]
        cw, ch, gap = self._cells(n_big, rect, sz)
        i, j = self.selected
        r0, r1, c0, c1 = d.window(i, j)
        win = {(r, c): t.accent for r in range(r0, r1) for c in range(c0, c1)}
        mr, mc = d.max_position(i, j)
        half = (rect.h - sz.px(10)) // 2
        label_h = tx.line(sz.small) + sz.px(4)
        rows = ((("max_y", "max: y", d.max_y, 0, {(i, j): t.good}, False),
                 ("x", "input x", d.x, 0, {**win, (mr, mc): t.good}, False),
                 ("avg_y", "average: y", d.avg_y, 2, {(i, j): t.accent}, False)),
                (("max_dx", "max: ∂L/∂x", d.max_dx, 1, {**win, (mr, mc): t.good}, True),
                 ("dy", "∂L/∂y", d.dy, 1, {(i, j): t.accent}, False),
                 ("avg_dx", "average: ∂L/∂x", d.avg_dx, 1, win, True)))
        for title, y, row in (("Forward", rect.y, rows[0]), ("Backward", rect.y + half + sz.px(10), rows[1])):
            inner = panel(surface, pygame.Rect(rect.x, y, rect.w, half), t, tx, sz, title)
            top = inner.y + label_h
            mid_y = top + n_big * ch // 2
            shared = row[1][2].shape[1] * cw                   # the middle grid: what both kinds start from
            x_mid = inner.centerx - shared // 2
            places = (x_mid - gap - row[0][2].shape[1] * cw, x_mid, x_mid + shared + gap)
            for (name, label, values, digits, outline, muted), x in zip(row, places):
                topleft = (x, mid_y - values.shape[0] * ch // 2)
                self._grid(surface, sz, name, label, values, topleft, (cw, ch), digits, outline, muted, grids)
            head = sz.px(10)
            for a, b in ((x_mid - 4, places[1] - gap + 4), (x_mid + shared + 4, places[2] - 4)):
                arrow(surface, t.muted, (a, mid_y), (b, mid_y), width=max(2, sz.px(2)), head=head)

    def _grid(self, surface, sz, name, label, values, topleft, cell, digits, outline, muted_zero, grids) -> None:
        t, tx = self.theme, self.text
        cw, ch = cell
        h, w = values.shape
        tx.draw(surface, label, (topleft[0] + w * cw // 2, topleft[1] - sz.px(2)), sz.small, t.muted,
                anchor="midbottom")
        number_grid(surface, t, tx, sz, values, topleft, cell, digits, outline=outline, muted_zero=muted_zero)
        rect = pygame.Rect(topleft, (w * cw, h * ch))
        if h == self.demo_data.x.shape[0]:          # window borders on the full-size maps
            for k in range(0, h + 1, SIZE):
                pygame.draw.line(surface, t.text, (rect.left + k * cw, rect.top), (rect.left + k * cw, rect.bottom), 2)
                pygame.draw.line(surface, t.text, (rect.left, rect.top + k * ch), (rect.right, rect.top + k * ch), 2)
            for (r, c), colour in outline.items():                 # the highlight over the borders
                pygame.draw.rect(surface, colour, (rect.left + c * cw, rect.top + r * ch, cw, ch), 3)
        if grids is not None:
            grids[name] = (topleft, values.shape, cell)

    def _side(self, surface, rect) -> None:
        t, tx, sz, d = self.theme, self.text, self.sizes, self.demo_data
        i, j = self.selected
        r0, r1, c0, c1 = d.window(i, j)
        title = ui.first_fitting(tx, (f"Window row {i}, column {j}", f"Window ({i}, {j})"),
                                 rect.w - 2 * sz.px(8), sz.title, "bold") or f"({i}, {j})"
        inner = panel(surface, rect, t, tx, sz, title)
        vals = [d.x[r, c] for r in range(r0, r1) for c in range(c0, c1)]
        mr, mc = d.max_position(i, j)
        ties = pool_math.ties(d, i, j)
        g = d.dy[i, j]
        fmt = ui.fmt
        lines = [("Forward", None, "bold"),
                 (f"values  {', '.join(fmt(v, 0) for v in vals)}", None, "mono"),
                 (f"max = {fmt(d.max_y[i, j], 0)} at x[{mr}, {mc}]", t.good, "mono")]
        if ties > 1:
            lines.append((f"a tie: {ties} values equal the max; the first in reading order wins, as in the kernel",
                          t.bad, "sans"))
        else:
            lines.append(("a strict maximum: no tie", t.muted, "sans"))
        lines += [(f"avg = ({' + '.join(fmt(v, 0) for v in vals)}) / 4", None, "mono"),
                  (f"    = {fmt(d.avg_y[i, j], 2)}", t.accent, "mono"),
                  ("Backward", None, "bold"),
                  (f"∂L/∂y = {fmt(g, 1)} arrives from above", None, "sans"),
                  ("max: all of it goes to the max,", None, "sans"),
                  (f"  ∂L/∂x[{mr}, {mc}] = {fmt(d.max_dx[mr, mc], 1)}, others 0", t.good, "mono"),
                  ("average: shared equally by the four,", None, "sans"),
                  (f"  {fmt(g, 1)} / 4 = {fmt(d.avg_dx[r0, c0], 2)} each", t.accent, "mono"),
                  ("Both send back the same total:", t.muted, "sans"),
                  (f"  max Σ = {fmt(d.max_dx[r0:r1, c0:c1].sum(), 1)}", t.muted, "mono"),
                  (f"  average Σ = {fmt(d.avg_dx[r0:r1, c0:c1].sum(), 1)}", t.muted, "mono")]
        y = inner.top + sz.px(4)
        for line, colour, face in lines:
            size = sz.body if face == "bold" else sz.small
            if face == "bold" and y > inner.top + sz.px(4):
                y += sz.px(8)
            parts = ui.wrap(tx, line, inner.width, size, face)
            if y + len(parts) * tx.line(size, face) > inner.bottom:
                break                                   # say less: the rest does not fit
            for part in parts:
                tx.draw(surface, part, (inner.left, y), size, colour or t.text, face)
                y += tx.line(size, face)


class ZoomedFigure(ui.Zoomable):
    """Z: the forward and backward grids over the whole window, at the zoom's sizes."""
    title = "pooling"

    def layout(self, rect, sizes) -> None:
        super().layout(rect, sizes)
        scene = self.scene
        if not scene._fits(scene.side, self._figure(), sizes) and scene.side != MAP_SIDES[-1]:
            scene.side = MAP_SIDES[-1]             # say less: the smaller map's numbers fit
            scene.demo_data = pooling_demo(scene.seed, scene.side)
            scene.selected = (0, 0)

    def _figure(self) -> pygame.Rect:
        return self.rect.inflate(-2 * self.sizes.px(8), -2 * self.sizes.px(8))

    def draw(self, surface) -> None:
        with ui.CHECK.scope("zoomed pooling", self.rect):
            self.scene.draw_figure(surface, self._figure(), self.sizes)
