"""Convolution panel: the selected filter sliding over its input, one output pixel at a time,
with every number checkable.

Left to right: the layer's input (padding hatched; one tile per input channel) with the
receptive window outlined (with a stride above 1, the window before it too, so the jump of S
pixels shows), the filter written as a table of its weights (with several input channels: the
slice of the channel in use), and the output z = Σ w·x + b (before the activation) filling in
up to the window; a colour bar under each heat map. Any conv layer of any network: its
filters, kernel, stride and padding come from the snapshot. One product is "current":
its input cell and filter cell are outlined and the caption writes it out. It is the
largest |w·x| of the window, the cell clicked in the filter table, or, in presenter mode, each
of the window's products in turn. Below: the window's sum, bias, z and activation. All numbers
are the engine's (ConvTerms from the Snapshot), indexed, never recomputed here.
"""
from __future__ import annotations


import numpy as np
import pygame

from ...engine.trace import finite_limit
from .layers import ACT_NAMES, block_of, display_name, scale_of
from .. import ui
from .conv_figures import GAP, filter_patch, tiles_grid
from .widgets import (CHECK, Sizes, Text, colour_bar, first_fitting, fmt, frame, hatch, heat,
                      heat_tile, outline)

SKIP_BLANK_BELOW = 20      # window positions per second: slower than this, blank windows are skipped


class ConvPanel:
    name = "conv"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.static: pygame.Surface | None = None
        self.output: pygame.Surface | None = None
        self.terms = None
        self.activation = "relu"           # the kind after this conv layer, None: none
        self.n_filters = 0
        self.source = "input"              # the tensor this layer reads
        self.missing = False               # a network without conv layers: the panel says so
        self.pos = 0.0                     # window index along the output, row-major, fractional
        self.slide_per_sec = 30.0
        self.chosen = None                 # (c, p, q) clicked in the filter table, or None
        self.presenter = None              # Presenter driving window and product, or None
        self._key = None
        self.caption: list[str] = []       # the lines under the images, as drawn
        self.caption_window = None         # the ConvWindow those lines describe
        self.product = None                # (c, p, q) of the product written in the caption

    def layout(self, rect: pygame.Rect, sizes: Sizes) -> None:
        self.rect, self.sizes = rect, sizes
        self.static = pygame.Surface(rect.size)
        self._key = None

    # --- geometry ----------------------------------------------------------------------
    def _geometry(self, terms) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.static
        C, H, W = terms.in_shape
        Hp = H + 2 * terms.padding
        F = terms.filter_size
        OH, OW = terms.out_shape
        n_filters = self.n_filters
        inner = frame(surf, surf.get_rect(), th, tx, sz, f"Convolution: {terms.layer}, filter {terms.channel + 1}",
                      (f"{n_filters} filters of {C}×{F}×{F}, stride {terms.stride}, padding {terms.padding}",
                       f"{C}×{F}×{F}, stride {terms.stride}, pad {terms.padding}", f"{C}×{F}×{F}"))
        self.inner = inner
        small, line = sz.small, tx.line(sz.small)
        # the filter table: one cell per weight, wide enough for "−0.00" (a big kernel: narrower
        # cells, and the weights as colours only when even one decimal does not fit)
        self.cell_w = self.text.width("−0.00", small) + max(sz.px(8), 12)
        self.cell_h = self.text.height(small) + sz.px(4)
        most = int(inner.w * 0.55)
        if F * self.cell_w > most:
            self.cell_w = max(3, most // F)
        apart = 2 * ui.check.MIN_GAP            # neighbouring numbers must not read as one
        self.digits = 2 if self.cell_w >= self.text.width("−0.00", small) + apart else \
            1 if self.cell_w >= self.text.width("−0.0", small) + apart else 0
        if self.digits == 0:
            self.cell_h = min(self.cell_h, self.cell_w)
        self.caption_size = sz.body
        caption_lines = 3
        slice_h = 0           # conv2: which input channel the table shows goes under it, in its label
        bar_h = sz.px(6) + line + 2
        label_h = line + 2
        op_w = tx.width("=", sz.title) + sz.px(16)
        # each cell writes its weight w and, under it, the input x the window lays on it, when
        # two lines fit: then all 25 (150) products of the sum can be checked by hand
        two = 2 * self.text.height(small)
        for lines, size in ((3, sz.body), (3, sz.small), (2, sz.body)):  # x matters more than the formula
            room = inner.h - lines * tx.line(size) - sz.px(4) - label_h - bar_h - slice_h
            self.show_x = self.digits > 0 and F * two <= room
            if self.show_x:
                self.cell_h, caption_lines, self.caption_size = two, lines, size
                break
        table_w, table_h = F * self.cell_w, F * self.cell_h
        while True:
            caption_h = caption_lines * tx.line(self.caption_size) + sz.px(4)
            area_h = inner.h - caption_h - label_h - bar_h - slice_h
            avail_w = inner.w - table_w - 2 * op_w
            cols, rows, s_in = tiles_grid(C, Hp, int(avail_w * 0.53), area_h)
            if s_in >= 2 or caption_lines == 2:
                break
            caption_lines -= 1             # say less: the output-size formula goes first
        s_in = max(1, s_in)
        self.caption_lines = caption_lines
        in_w, in_h = cols * Hp * s_in + (cols - 1) * GAP, rows * Hp * s_in + (rows - 1) * GAP
        s_out = max(1, min((avail_w - in_w) // OW, max(area_h, 1) // OH))
        out_w, out_h = OW * s_out, OH * s_out
        total = in_w + table_w + out_w + 2 * op_w
        x0 = inner.x + max(0, (inner.w - total) // 2)
        top = inner.y + slice_h
        fig_h = max(in_h, table_h, out_h)
        cy = top + fig_h // 2
        self.s_in, self.s_out, self.Hp, self.F = s_in, s_out, Hp, F
        self.in_tiles = []
        for c in range(C):
            r, q = divmod(c, cols)
            self.in_tiles.append(pygame.Rect(x0 + q * (Hp * s_in + GAP), cy - in_h // 2 + r * (Hp * s_in + GAP),
                                             Hp * s_in, Hp * s_in))
        self.patch_slot = None      # colour input: the filter as one RGB patch in the grid's free corner
        if C == 3 and self.source == "input" and cols * rows > C:
            r, q = divmod(C, cols)
            self.patch_slot = pygame.Rect(x0 + q * (Hp * s_in + GAP), cy - in_h // 2 + r * (Hp * s_in + GAP),
                                          Hp * s_in, Hp * s_in)
        fx = x0 + in_w + op_w
        self.table = pygame.Rect(fx, cy - table_h // 2, table_w, table_h)
        ox = fx + table_w + op_w
        self.out_rect = pygame.Rect(ox, cy - out_h // 2, out_w, out_h)
        tx.draw(surf, "⊛", (x0 + in_w + op_w // 2, cy), sz.title, th.muted, anchor="center")
        tx.draw(surf, "=", (fx + table_w + op_w // 2, cy), sz.title, th.muted, anchor="center")
        below = top + fig_h + sz.px(4)
        in_box = pygame.Rect(x0, 0, in_w, 0)
        self.bars = {"input": pygame.Rect(in_box.x, below, in_box.w, sz.px(6)),
                     "output": pygame.Rect(self.out_rect.x, below, out_w, sz.px(6))}
        label_y = below + bar_h
        src = f"{self.source} {C}×{H}×{W}"
        pad = f", padding {terms.padding} (hatched)" if terms.padding else ""
        jump = f", stride {terms.stride}: the window jumps {terms.stride}" if terms.stride > 1 else ""
        before = f", before {ACT_NAMES.get(self.activation, self.activation)}" if self.activation else ""
        forms = [(f"{src}{pad}{jump}", f"{src}{pad}", f"{src}", f"{C}×{H}×{W}"),
                 (() if C > 1 else (f"filter {terms.channel + 1}: weight w, under it the input x",
                                    "w, and the input x under it", "w over x") if self.show_x else
                  (f"filter {terms.channel + 1}: weights w", "weights w", "w")),
                 (f"z = Σ w·x + b, {OH}×{OW}{before}", f"z {OH}×{OW}{before}", f"z {OH}×{OW}", "z")]
        boxes = [(x0, in_w), (fx, table_w), (ox, out_w)]
        self.labels = []
        self.label_y, self.table_room = label_y, None
        for i, ((x, w), fs) in enumerate(zip(boxes, forms)):
            left = boxes[i - 1][0] + boxes[i - 1][1] + 4 if i else inner.x
            right = boxes[i + 1][0] - 4 if i < 2 else inner.right
            room = 2 * min(x + w / 2 - left, right - (x + w / 2))
            if i == 1:
                self.table_room = int(room)         # the slice's label is written per frame (conv2)
            label = first_fitting(tx, fs, int(room), small)
            if label:
                self.labels.append((x + w // 2, label_y, label))
        self.caption_y = label_y + label_h + sz.px(2)
        o = OH
        rounded = " (rounded down)" if (H - F + 2 * terms.padding) % terms.stride else ""
        self.formula = first_fitting(tx, (f"output size = (W − F + 2P)/S + 1 = ({H} − {F} + 2·{terms.padding})/"
                                          f"{terms.stride} + 1 = {o}{rounded}",
                                          f"(W − F + 2P)/S + 1 = ({H} − {F} + 2·{terms.padding})/{terms.stride} + 1"
                                          f" = {o}{rounded}",
                                          f"({H} − {F} + 2·{terms.padding})/{terms.stride} + 1 = {o}"),
                                     inner.w, self.caption_size) or ""
        self._key = (terms.layer, terms.channel, self.rect.size, self.activation)

    # --- snapshot ----------------------------------------------------------------------
    def set_snapshot(self, snap) -> None:
        terms = snap.conv
        self.missing = terms is None
        if terms is None:               # a network without conv layers: say so
            self.terms = None
            with CHECK.scope(self.name, self.rect, self.rect.topleft):
                inner = frame(self.static, self.static.get_rect(), self.theme, self.text, self.sizes, "Convolution")
                say = first_fitting(self.text, ("this network has no conv layer: its first layer is dense",
                                                "no conv layer in this network"), inner.w, self.sizes.body)
                if say:
                    self.text.draw(self.static, say, inner.topleft, self.sizes.body, self.theme.muted)
            return
        if self.terms is None or (self.terms.layer, self.terms.channel) != (terms.layer, terms.channel):
            self.pos, self.chosen = 0.0, None
        block = block_of(snap.arch, terms.layer)
        self.terms, self.activation = terms, block.act
        self.source = display_name(snap.arch, block.src)
        self.n_filters = snap.weights[f"{terms.layer}_w"].shape[0]
        self._busy = terms.busy()
        with CHECK.scope(self.name, self.rect, self.rect.topleft):
            self._geometry(terms)       # cheap (frame and widths are cached); records its texts
            self._paint(snap, terms, block)

    def _paint(self, snap, terms, block) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.static
        key, in_one_sided = scale_of(snap.arch, block.src) or (None, False)
        limit_in = snap.limits[key] if key else finite_limit(snap.acts[block.src])
        for c, rect in enumerate(self.in_tiles):
            surf.blit(heat_tile(terms.padded[c], limit_in, th, self.s_in, in_one_sided), rect)
            if terms.padding:      # the padding ring: hatched zeros around the real image
                pad = terms.padding * self.s_in
                for band in (pygame.Rect(rect.x, rect.y, rect.w, pad), pygame.Rect(rect.x, rect.bottom - pad, rect.w, pad),
                             pygame.Rect(rect.x, rect.y, pad, rect.h), pygame.Rect(rect.right - pad, rect.y, pad, rect.h)):
                    hatch(surf, band, th.muted, max(3, self.s_in + 1))
                pygame.draw.rect(surf, th.muted, rect.inflate(-2 * pad, -2 * pad).inflate(2, 2), 1)
        self.limit_w = snap.limits[f"{terms.layer}_w"]
        if self.patch_slot is not None:
            filter_patch(surf, tx, th, sz, self.patch_slot, terms.weights, self.limit_w)
        self.output = heat_tile(terms.forward, snap.limits["conv_out"], th, self.s_out)
        colour_bar(surf, tx, self.bars["input"], limit_in, th, sz.small, in_one_sided, vertical=False)
        colour_bar(surf, tx, self.bars["output"], snap.limits["conv_out"], th, sz.small, False, vertical=False)
        for x, y, label in self.labels:
            tx.draw(surf, label, (x, y), sz.small, th.muted, anchor="midtop")

    # --- per frame ---------------------------------------------------------------------
    def update(self, dt: float) -> None:
        if self.terms is not None and self.presenter is None:
            n = self.terms.out_shape[0] * self.terms.out_shape[1]
            before = int(self.pos)
            self.pos = (self.pos + dt * self.slide_per_sec) % n
            if self.slide_per_sec <= SKIP_BLANK_BELOW and int(self.pos) != before:
                # slow speeds: the window jumps over blank background to the next inked window
                busy = self._busy.ravel()
                ahead = np.flatnonzero(np.roll(busy, -int(self.pos)))
                if ahead.size:
                    self.pos = float((int(self.pos) + int(ahead[0])) % n)

    def window_yx(self) -> tuple[int, int]:
        if self.presenter is not None:
            return self.presenter.window
        OW = self.terms.out_shape[1]
        return divmod(int(self.pos), OW)

    def current_product(self, win) -> tuple[tuple[int, int, int], str]:
        """(c, p, q) of the product to write, and why it is the one shown."""
        n = win.products.size
        if self.presenter is not None:
            k = self.presenter.product % n
            F = win.products.shape[1]
            c, rest = divmod(k, F * F)
            return (c, *divmod(rest, F)), f"product {k + 1} of {n}"
        if self.chosen is not None and self.chosen[0] < win.products.shape[0]:
            return self.chosen, f"clicked, 1 of {n}"
        c, p, q = win.top_terms(1)[0][:3]
        return (c, p, q), f"largest |w·x| of {n}"

    def handle_click(self, pos) -> bool:
        """pos in panel coordinates: the output map moves the window, a filter cell chooses
        the product written out (a second click on it goes back to the largest)."""
        if self.terms is None:
            return False
        if self.out_rect.collidepoint(pos):
            OH, OW = self.terms.out_shape
            y = min(OH - 1, (pos[1] - self.out_rect.y) // self.s_out)
            x = min(OW - 1, (pos[0] - self.out_rect.x) // self.s_out)
            self.pos = float(y * OW + x)
            return True
        if self.table.collidepoint(pos):
            p = (pos[1] - self.table.y) // self.cell_h
            q = (pos[0] - self.table.x) // self.cell_w
            c = self.product[0] if self.product else 0
            self.chosen = None if self.chosen == (c, p, q) else (c, p, q)
            return True
        return False

    def _caption(self, win, cpq, why) -> list[str]:
        tx = self.text
        c, p, q = cpq
        w, x, prod = float(win.weights[c, p, q]), float(win.patch[c, p, q]), float(win.products[c, p, q])
        act = ACT_NAMES.get(self.activation, self.activation)
        after = f"    {act}(z) = {fmt(win.activation)}" if self.activation else ""
        colour = win.products.shape[0] == 3 and self.source == "input"
        at = f"w[{p},{q}]" if win.products.shape[0] == 1 else f"w[{'RGB'[c]}][{p},{q}]" if colour else \
            f"w[{c + 1}][{p},{q}]"
        n = win.products.size
        width = self.inner.w
        size = self.caption_size
        line1 = first_fitting(tx, (f"{at} · x = ({fmt(w)}) × ({fmt(x)}) = {fmt(prod)}    ({why})",
                                   f"{at} · x = ({fmt(w)}) × ({fmt(x)}) = {fmt(prod)}",
                                   f"({fmt(w)}) × ({fmt(x)}) = {fmt(prod)}"), width, size) or ""
        per_channel = ()
        if win.products.shape[0] == 3 and self.source == "input":    # colour: Σ over channels, rows, columns
            sums = " + ".join(f"{name} {fmt(float(v))}" for name, v in zip("RGB", win.channel_sums))
            per_channel = (f"Σ of {n} w·x = {sums} = {fmt(win.total)}    b = {fmt(win.bias)}    z = "
                           f"{fmt(win.result)}{after}",
                           f"Σ = {sums} = {fmt(win.total)}   b = {fmt(win.bias)}   z = {fmt(win.result)}")
        line2 = first_fitting(tx, per_channel + (f"Σ of {n} w·x = {fmt(win.total)}    b = {fmt(win.bias)}    z = Σ + b = "
                                   f"{fmt(win.result)}{after}",
                                   f"Σ w·x = {fmt(win.total)}   b = {fmt(win.bias)}   z = {fmt(win.result)}"
                                   f"{after.replace('    ', '   ')}",
                                   f"z = Σ + b = {fmt(win.result)}{after.replace('    ', '   ')}"), width, size) or ""
        lines = [line1, line2]
        if self.caption_lines >= 3 and self.formula:
            lines.append(self.formula)
        return lines

    def frame_key(self, now: float):
        """Equal keys draw identical pixels."""
        if self.terms is None:
            return None
        product = self.presenter.product if self.presenter is not None else self.chosen
        return (id(self.terms), self.rect.topleft, self.window_yx(), product)

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.missing:
            target.blit(self.static, self.rect)
        if self.terms is None:
            return
        with CHECK.scope(self.name + ":frame", self.rect):
            self._draw(target)

    def _draw(self, target: pygame.Surface) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        target.blit(self.static, self.rect)
        ox, oy = self.rect.topleft
        y, x = self.window_yx()
        win = self.terms.window(y, x)
        cpq, why = self.current_product(win)
        self.product, self.caption_window = cpq, win
        c, p, q = cpq
        # output z, computed up to the window
        s = self.s_out
        out = self.out_rect.move(ox, oy)
        pygame.draw.rect(target, th.background, out)
        if y:
            target.blit(self.output, out.topleft, pygame.Rect(0, 0, out.w, y * s))
        if x:
            target.blit(self.output, (out.x, out.y + y * s), pygame.Rect(0, y * s, x * s, s))
        target.blit(self.output, (out.x + x * s, out.y + y * s), pygame.Rect(x * s, y * s, s, s))
        pygame.draw.rect(target, th.panel_border, out.inflate(2, 2), 1)
        outline(target, pygame.Rect(out.x + x * s, out.y + y * s, s, s), th.accent, 2)
        # the window on the input, and the input cell of the current product
        step, size = self.terms.stride * self.s_in, self.F * self.s_in
        for ch, tile in enumerate(self.in_tiles):
            wx, wy = ox + tile.x + x * step, oy + tile.y + y * step
            if self.terms.stride > 1 and x and ch == c:     # where the window was: it jumped S pixels
                pygame.draw.rect(target, th.muted, pygame.Rect(wx - step, wy, size, size), 1)
            outline(target, pygame.Rect(wx, wy, size, size), th.accent if ch == c else th.muted, 2 if ch == c else 1)
            if ch == c:
                cell = pygame.Rect(wx + q * self.s_in, wy + p * self.s_in, self.s_in, self.s_in)
                pygame.draw.rect(target, th.text, cell.inflate(4, 4), 2)
        # the filter table: slice c, every weight written, the current one outlined
        table = self.table.move(ox, oy)
        weights = self.terms.weights[c]
        rgb = heat(weights * 0.6, self.limit_w, th)        # pale, so the numbers stay readable
        for pp in range(self.F):
            for qq in range(self.F):
                r = pygame.Rect(table.x + qq * self.cell_w, table.y + pp * self.cell_h, self.cell_w, self.cell_h)
                pygame.draw.rect(target, tuple(int(v) for v in rgb[pp, qq]), r)
                pygame.draw.rect(target, th.panel_border, r, 1)
                if self.show_x:
                    tx.number(target, fmt(float(weights[pp, qq]), self.digits), (r.centerx, r.y + 1), sz.small,
                              th.text, anchor="midtop")
                    tx.number(target, fmt(float(win.patch[c, pp, qq]), self.digits), (r.centerx, r.bottom - 1),
                              sz.small, th.muted, anchor="midbottom")
                elif self.digits:
                    tx.number(target, fmt(float(weights[pp, qq]), self.digits), r.center, sz.small, th.text)
        pygame.draw.rect(target, th.text, pygame.Rect(table.x + q * self.cell_w, table.y + p * self.cell_h,
                                                      self.cell_w, self.cell_h).inflate(2, 2), 2)
        n_in = self.terms.weights.shape[0]
        if n_in > 1:       # several input channels: which one this slice reads, in the table's label
            x_note = ": w, the input x under it" if self.show_x else ": weights w"
            which = f"{('red', 'green', 'blue')[c]} slice" if n_in == 3 and self.source == "input" else \
                f"slice {c + 1} of {n_in}"
            label = first_fitting(tx, (f"filter {self.terms.channel + 1}, {which}{x_note}", f"{which}{x_note}",
                                       which, f"{c + 1}/{n_in}"), self.table_room or table.w, sz.small)
            if label:
                tx.draw(target, label, (table.centerx, oy + self.label_y), sz.small, th.muted, anchor="midtop")
        # the caption
        self.caption = self._caption(win, cpq, why)
        lh = tx.line(self.caption_size)
        for i, line in enumerate(self.caption):
            if line:
                tx.draw(target, line, (ox + self.inner.x, oy + self.caption_y + i * lh), self.caption_size,
                        th.text if i < 2 else th.muted)
