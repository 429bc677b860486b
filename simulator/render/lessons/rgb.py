"""RGB convolution: a colour image's three channels, each convolved with its slice of one
3×3×3 filter, the three responses summed (plus bias) into one output map, written out for one
pixel; the output size (W − F + 2P)/S + 1 in numbers; and all 8 filters at once, one output
channel each. The maps and the per-pixel arithmetic come from lessons/rgb (ops.conv2d_forward),
the pixel the lesson opens on too (rgb.default_pixel).

Drawn at the window's size with the kit's sizes: the maps take the room the numbers leave;
where the window is short the strip of all 8 filters, then the size formula and the padding
note are left out (say less, never smaller). Z zooms the convolution and its arithmetic."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.lessons import rgb as rgb_math
from .. import ui
from ..ui.figures import PAD, body_rect, grid_cell, header, hints, inner_rect, number_grid, panel
from ..ui.theme import array_surface

CHANNELS = ("red", "green", "blue")
HINTS = (("1–8 ← →", "choose a filter"), ("mouse", "over a map: one pixel"), ("Z", "zoom"), ("Esc", "back"))
TITLE = "RGB convolution: 3×3×3 filters on a colour image"
SUBTITLE = ("Each channel is convolved (⊛) with its own 3×3 slice of a filter; the three responses are added "
            "(plus a bias) into one output map per filter.")


class RGBScene(ui.Scene):
    title = "RGB convolution"
    animated = False

    def __init__(self, theme, options=None):
        self.theme = theme
        self.text = ui.Text(theme)
        self.image = rgb_math.load_image(getattr(options, "image", None))
        self.names = list(rgb_math.FILTERS)
        self.choice = 0
        _, self.h, self.w = self.image.shape
        self._channels = [array_surface(self._tint(c), 1) for c in range(3)]
        self.bank = rgb_math.convolve_bank(self.image)          # [K,H,W]: every filter's output
        self.bank_limit = float(np.percentile(np.abs(self.bank), 99)) or 1.0
        self._tiles: dict = {}
        self._convolve()
        self.hover = rgb_math.default_pixel(self.image)
        self.maps: list = []            # (rect, scale) of every map drawn: the mouse over one picks its pixel
        self.filter_rows: list = []
        self.bank_rects: list = []
        self.export_seconds = 0.0
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    def _tint(self, c: int) -> np.ndarray:
        rgb = np.zeros((self.h, self.w, 3), np.uint8)
        rgb[..., c] = (self.image[c] * 255).astype(np.uint8)
        return rgb

    def _convolve(self) -> None:
        w, b, self.description = rgb_math.FILTERS[self.names[self.choice]]
        self.conv = rgb_math.convolve(self.image, w, b)
        # colour scale: the 99th percentile, so the zero-padding border does not wash out the picture
        values = np.abs(np.concatenate([self.conv.responses.ravel(), self.conv.output.ravel()]))
        self.limit = float(np.percentile(values, 99)) or float(values.max()) or 1.0
        self._tiles = {k: v for k, v in self._tiles.items() if k[0] == "channel"}

    def choose(self, k: int) -> None:
        self.choice = k % len(self.names)
        self._convolve()

    # --- states -----------------------------------------------------------------------
    def demo(self) -> None:
        self.choose(0)
        self.hover = rgb_math.default_pixel(self.image)

    def tour(self):
        """Each filter in turn, on the lesson's pixel."""
        for k in range(len(self.names)):
            self.choose(k)
            yield f"filter {k + 1} {self.names[k]}"

    def handle(self, event):
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                return ui.BACK
            if pygame.K_1 <= event.key < pygame.K_1 + len(self.names):
                self.choose(event.key - pygame.K_1)
            elif event.key in (pygame.K_RIGHT, pygame.K_DOWN):
                self.choose(self.choice + 1)
            elif event.key in (pygame.K_LEFT, pygame.K_UP):
                self.choose(self.choice - 1)
        elif event.type == pygame.MOUSEMOTION:
            pixel = self.pixel_at(event.pos)
            if pixel is not None:
                self.hover = pixel
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for rects in (self.filter_rows, self.bank_rects):
                k = next((k for k, rect in enumerate(rects) if rect.collidepoint(event.pos)), None)
                if k is not None:
                    self.choose(k)
        return None

    def pixel_at(self, pos):
        """The image pixel under pos, on any map (a map is the image scaled to its rect's size)."""
        for rect, _ in self.maps:
            if rect.collidepoint(pos):
                return (ui.scaled_index(pos[1] - rect.top, self.h, rect.h),
                        ui.scaled_index(pos[0] - rect.left, self.w, rect.w))
        return None

    def zoom_target(self, pos):
        return ZoomedConvolution(self)

    # --- layout -----------------------------------------------------------------------
    def layout(self, size, sizes) -> None:
        self.size, self.sizes = tuple(size), sizes
        tx, sz = self.text, sizes
        w, h = self.size
        m, gap = sz.px(16), sz.px(10)
        body = body_rect(self.size, tx, sz, SUBTITLE)
        top, bottom = body.top, body.bottom
        side_w = max(round(0.25 * w), 3 * grid_cell(tx, np.full(9, -0.99), sz.small, 2)[0] + 2 * sz.px(PAD))
        self.side = pygame.Rect(w - m - side_w, top, side_w, bottom - top)
        left = pygame.Rect(m, top, self.side.x - gap - m, bottom - top)
        bank_h = self._bank_height(left.w)
        with_bank = pygame.Rect(left.x, left.y, left.w, left.h - bank_h - gap)
        if bank_h and self.geometry(with_bank, sz)["scale"] * self.h >= sz.px(90):
            self.figure, self.bank_rect = with_bank, pygame.Rect(left.x, with_bank.bottom + gap, left.w, bank_h)
        else:
            self.figure, self.bank_rect = left, None          # say less: the figure keeps its room

    def figure_title(self, width: int, sz) -> str:
        n, name = self.choice + 1, self.names[self.choice]
        forms = (f"image 3×{self.h}×{self.w} (C×H×W) ⊛ filter {n} “{name}”, padding 1, stride 1",
                 f"image 3×{self.h}×{self.w} ⊛ filter {n} “{name}”, padding 1",
                 f"filter {n} “{name}”, padding 1", f"filter {n} “{name}”", f"filter {n}")
        return ui.first_fitting(self.text, forms, width, sz.title, "bold") or f"{n}"

    def values(self) -> tuple[list[str], str, str]:
        """The value column at the chosen pixel: each channel's sum, the bias, the total."""
        i, j = self.hover
        d = rgb_math.pixel_detail(self.conv, i, j)
        sums = [ui.fmt(v, 3) for v in d.channel_sums]
        rows = [sums[0]] + [f"+ ({s})" if s.startswith("−") else f"+ {s}" for s in sums[1:]]
        return rows, f"+ {ui.fmt(self.conv.b, 3)} (b)", f"= {ui.fmt(d.total, 3)}"

    def geometry(self, rect: pygame.Rect, sz) -> dict:
        """Where the figure's pieces go in rect at sizes sz: rows R, G, B and the output, columns
        map ⊛ weights = response | values; the maps as large as the rest leaves room for."""
        tx = self.text
        inner = inner_rect(rect, tx, sz)
        cw, ch = grid_cell(tx, self.conv.w[0], sz.small, 2)
        op_w = tx.width("⊛", sz.body) + 2 * sz.px(8)
        rows, b_text, total = self.values()
        i, j = self.hover
        val_w = max(max(tx.width(s, sz.small, "mono") for s in [*rows, b_text, total]),
                    tx.width(f"at ({i}, {j})", sz.small)) + sz.px(4)
        label_h = tx.line(sz.small) + sz.px(2)
        gap = sz.px(8)
        grid_h, two_lines = 3 * ch, 2 * tx.line(sz.small, "mono")

        def height(mh, output):            # three rows as tall as a map or a weight grid, the output row
            last = label_h + max(mh, two_lines) if output else two_lines
            return 3 * label_h + 3 * gap + 3 * max(mh, grid_h) + last

        def largest(output):
            mh = int(self.h * (inner.w - 3 * cw - 2 * op_w - sz.px(10) - val_w) / (2 * self.w))
            while mh > 1 and height(mh, output) > inner.h:
                mh -= 1
            return mh
        mh = largest(True)
        output = mh >= sz.px(30)           # else say less: the sum in numbers, without the output map
        if not output:
            mh = largest(False)
        s = max(0.5, mh / self.h)
        mw, mh = max(1, round(self.w * s)), max(1, round(self.h * s))
        row_h = max(mh, grid_h)
        used = 2 * mw + 3 * cw + 2 * op_w + sz.px(10) + val_w
        x_map = inner.x + max(0, (inner.w - used) // 2)          # centred in the room the height leaves
        x_grid = x_map + mw + op_w
        x_resp = x_grid + 3 * cw + op_w
        x_val = x_resp + mw + sz.px(10)
        tops = [inner.y + label_h + k * (row_h + label_h + gap) for k in range(3)]
        tops.append(tops[-1] + row_h + gap + (label_h if output else 0))
        return dict(inner=inner, scale=s, mw=mw, mh=mh, row_h=row_h, cell=(cw, ch), op_w=op_w, x_map=x_map,
                    x_grid=x_grid, x_resp=x_resp, x_val=x_val, tops=tops, label_h=label_h, output=output)

    def _bank_height(self, width: int) -> int:
        tx, sz = self.text, self.sizes
        k = len(self.bank)
        bar = ui.colour_bar_width(tx, self.bank_limit, sz.small)
        map_w = (width - 2 * sz.px(PAD) - bar - k * sz.px(8)) / k
        if map_w < tx.width("8", sz.small) + sz.px(8):
            return 0
        map_h = round(map_w * self.h / self.w)
        return tx.height(sz.title, "bold") + sz.px(PAD) + tx.line(sz.small) + max(map_h, sz.px(40)) + 2 * sz.px(PAD)

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, TITLE, SUBTITLE)
        self.maps = []
        self.draw_figure(surface, self.figure, sz, self.maps)
        if self.bank_rect is not None:
            self._draw_bank(surface, self.bank_rect)
        else:
            self.bank_rects = []
        self._draw_side(surface, self.side)
        hints(surface, t, tx, sz, HINTS)
        return None

    def _tile(self, key, make, size) -> pygame.Surface:
        tile = self._tiles.get((key, size))
        if tile is None:
            if len(self._tiles) > 64:
                self._tiles.clear()
            tile = self._tiles[(key, size)] = pygame.transform.scale(make(), size)
        return tile

    def draw_figure(self, surface, rect: pygame.Rect, sz, maps=None) -> None:
        """Channels ⊛ weight slices = responses, their sum plus b = the output, and the chosen
        pixel's numbers down the right, in rect at sizes sz."""
        t, tx = self.theme, self.text
        panel(surface, rect, t, tx, sz, self.figure_title(rect.w - 2 * sz.px(PAD), sz))
        g = self.geometry(rect, sz)
        mw, mh, s, row_h = g["mw"], g["mh"], g["scale"], g["row_h"]
        i, j = self.hover
        rows, b_text, total = self.values()
        lim_w = float(np.abs(self.conv.w).max()) or 1.0
        ring = max(1, round(s))
        small = sz.small
        tx.draw(surface, f"at ({i}, {j})", (g["x_val"], g["tops"][0] - sz.px(2)), small, t.muted, anchor="bottomleft")
        def words(forms, width):           # one wording for the three channels: the first all three fit
            return next((f for f in forms if all(tx.width(f.format(n), small) <= width for n in CHANNELS)), "")
        channel_words = words(("{} channel", "{}"), mw + g["op_w"] - ui.check.MIN_GAP - 3)
        response_words = words(("response of {}", "{} response", "{}"), g["x_val"] - g["x_resp"] - ui.check.MIN_GAP - 3)
        for c in range(3):
            top = g["tops"][c]
            cy = top + row_h // 2
            y_map = cy - mh // 2
            channel = pygame.Rect(g["x_map"], y_map, mw, mh)
            surface.blit(self._tile(("channel", c), lambda c=c: self._channels[c], (mw, mh)), channel)
            pygame.draw.rect(surface, t.muted, channel.inflate(2 * ring, 2 * ring), ring)   # the zero padding
            window = pygame.Rect(channel.x + round((j - 1) * s), channel.y + round((i - 1) * s), round(3 * s),
                                 round(3 * s))
            pygame.draw.rect(surface, t.accent, window.inflate(2, 2), 2 if s >= 2 else 1)
            tx.draw(surface, channel_words.format(CHANNELS[c]), (channel.x, top - sz.px(2)), small, t.muted,
                    anchor="bottomleft")
            tx.draw(surface, "⊛", (g["x_grid"] - g["op_w"] // 2, cy), sz.body, anchor="center")
            cw, ch = g["cell"]
            grid_top = cy - 3 * ch // 2
            number_grid(surface, t, tx, sz, self.conv.w[0, c], (g["x_grid"], grid_top), (cw, ch), 2, limit=lim_w)
            tx.draw(surface, f"w[{CHANNELS[c][0].upper()}]", (g["x_grid"], grid_top - sz.px(2)), small, t.muted,
                    anchor="bottomleft")
            tx.draw(surface, "=", (g["x_resp"] - g["op_w"] // 2, cy), sz.body, anchor="center")
            response = self._heat(surface, ("response", c), self.conv.responses[c], (g["x_resp"], y_map), (mw, mh))
            self._mark_pixel(surface, response)
            tx.draw(surface, response_words.format(CHANNELS[c]), (response.x, top - sz.px(2)), small, t.muted,
                    anchor="bottomleft")
            tx.draw(surface, rows[c], (g["x_val"], cy), small, t.text, "mono", anchor="midleft")
            if maps is not None:
                maps += [(channel, s), (response, s)]
        top, line = g["tops"][3], tx.line(small, "mono")
        if not g["output"]:                        # the sum alone, under the three channels' values
            tx.draw(surface, b_text, (g["x_val"], top), small, t.text, "mono")
            tx.draw(surface, total, (g["x_val"], top + line), small, t.accent, "mono")
            return
        cy = top + max(mh, 2 * line) // 2
        out = self._heat(surface, ("output",), self.conv.output, (g["x_resp"], cy - mh // 2), (mw, mh))
        self._mark_pixel(surface, out)
        label = ui.first_fitting(tx, ("output = red + green + blue + b", "output = Σ + b", "output"),
                                 g["x_val"] - g["x_grid"] - ui.check.MIN_GAP - 3, small)
        tx.draw(surface, label or "", (g["x_grid"], top - sz.px(2)), small, t.muted, anchor="bottomleft")
        bar_w = ui.colour_bar_width(tx, self.limit, small)
        bar = pygame.Rect(g["x_grid"] + (3 * g["cell"][0] - bar_w) // 2, out.y, sz.px(10), mh)
        if mh >= 3 * tx.line(small):              # responses and output share this one scale
            ui.colour_bar(surface, tx, bar, self.limit, t, small)
        tx.draw(surface, b_text, (g["x_val"], cy - line // 2), small, t.text, "mono", anchor="midleft")
        tx.draw(surface, total, (g["x_val"], cy + line // 2), small, t.accent, "mono", anchor="midleft")
        if maps is not None:
            maps.append((out, s))

    def _heat(self, surface, key, values, topleft, size) -> pygame.Rect:
        tile = self._tile(key, lambda: ui.heat_tile(values, self.limit, self.theme, 1), size)
        return surface.blit(tile, topleft)

    def _mark_pixel(self, surface, rect: pygame.Rect) -> None:
        """A ring round the hovered pixel where the scaled map draws it."""
        i, j = self.hover
        x0, x1 = ui.scaled_span(j, self.w, rect.w)
        y0, y1 = ui.scaled_span(i, self.h, rect.h)
        box = pygame.Rect(rect.x + x0, rect.y + y0, max(1, x1 - x0), max(1, y1 - y0))
        pygame.draw.rect(surface, self.theme.accent, box.inflate(4, 4), 2)

    def _draw_bank(self, surface, rect) -> None:
        """Every filter's output map at once: the output has one channel per filter."""
        t, tx, sz = self.theme, self.text, self.sizes
        k, (oh, ow) = len(self.bank), self.bank.shape[1:]
        forms = (f"All {k} filters at once, as a conv layer: 3×{self.h}×{self.w} ⊛ {k}×3×3×3 → {k}×{oh}×{ow}",
                 f"All {k} filters at once: 3×{self.h}×{self.w} ⊛ {k}×3×3×3 → {k}×{oh}×{ow}",
                 f"All {k} filters at once → {k}×{oh}×{ow}", f"All {k} filters at once")
        inner = panel(surface, rect, t, tx, sz, ui.first_fitting(tx, forms, rect.w - 2 * sz.px(PAD), sz.title, "bold")
                      or forms[-1])
        bar_w = ui.colour_bar_width(tx, self.bank_limit, sz.small)
        gap = sz.px(8)
        map_w = (inner.w - bar_w - k * gap) / k
        s = min(map_w / self.w, (inner.h - tx.line(sz.small)) / self.h)
        size = (max(1, round(self.w * s)), max(1, round(self.h * s)))
        y = inner.y + tx.line(sz.small)
        words = next((f for f in ("channel {}", "ch {}", "{}") if tx.width(f.format(k), sz.small) + sz.px(6) <= size[0]),
                     "{}")
        self.bank_rects = []
        for n in range(k):
            x = inner.x + round(n * (size[0] + gap))
            tile = self._tile(("bank", n), lambda n=n: ui.heat_tile(self.bank[n], self.bank_limit, t, 1), size)
            r = surface.blit(tile, (x, y))
            pygame.draw.rect(surface, t.accent if n == self.choice else t.panel_border, r.inflate(2, 2),
                             2 if n == self.choice else 1)
            tx.draw(surface, words.format(n + 1), (x, y - sz.px(1)), sz.small,
                    t.accent if n == self.choice else t.muted, anchor="bottomleft")
            self.bank_rects.append(r)
        if size[1] >= 3 * tx.line(sz.small):
            ui.colour_bar(surface, tx, pygame.Rect(inner.right - bar_w, y, sz.px(10), size[1]), self.bank_limit, t,
                          sz.small)

    def _draw_side(self, surface, rect) -> None:
        """The filters to choose from, then what the chosen pixel adds up to (say less from the
        bottom: the size formula and the padding note go first when the panel is short)."""
        t, tx, sz = self.theme, self.text, self.sizes
        inner = panel(surface, rect, t, tx, sz, "Filters")
        small, line = sz.small, tx.line(sz.small)
        i, j = self.hover
        d = rgb_math.pixel_detail(self.conv, i, j)
        cell = grid_cell(tx, d.products[0], small, 2)
        detail_h = 2 * line + 3 * cell[1] + line + sz.px(16)
        description = ui.wrap(tx, self.description, inner.w, small)
        full_list = len(self.names) * (line + sz.px(2))
        compact = full_list + len(description) * line + detail_h > inner.h
        y = inner.y
        self.filter_rows = []
        for k, name in enumerate(self.names):
            if compact and k != self.choice:
                continue
            row = pygame.Rect(inner.x - sz.px(4), y - 1, inner.w + 2 * sz.px(4), line + 2)
            if k == self.choice:
                pygame.draw.rect(surface, t.background, row, border_radius=4)
                pygame.draw.rect(surface, t.accent, row, 1, border_radius=4)
            words = f"{k + 1}  {name}" if not compact else f"{k + 1} of {len(self.names)}: {name}"
            tx.draw(surface, ui.first_fitting(tx, (words, f"{k + 1}  {name}"), inner.w, small) or f"{k + 1}",
                    (inner.x, y), small, t.accent if k == self.choice else t.text)
            self.filter_rows.append(row if not compact else pygame.Rect(0, 0, 0, 0))
            y += line + sz.px(2)
        if compact:
            self.filter_rows = []
        if y + len(description) * line + detail_h <= inner.bottom:
            for part in description:
                tx.draw(surface, part, (inner.x, y), small, t.muted)
                y += line
        y += sz.px(8)
        head = ui.first_fitting(tx, (f"red at ({i}, {j}): patch × w[R]", "red: patch × w[R]", "patch × w[R]"),
                                inner.w, small)
        tx.draw(surface, head or "", (inner.x, y), small, t.muted)
        y += line
        number_grid(surface, t, tx, sz, d.products[0], (inner.x, y), cell, 2)
        y += 3 * cell[1] + sz.px(4)
        total = ui.fmt(d.channel_sums[0], 3)
        tx.draw(surface, ui.first_fitting(tx, (f"Σ 9 products = {total}", f"Σ = {total}"), inner.w, small, "mono")
                or total, (inner.x, y), small, face="mono")
        y += line + sz.px(4)
        check = f"conv2d_forward: {ui.fmt(float(self.conv.output[i, j]), 3)}"
        tx.draw(surface, ui.first_fitting(tx, (check, check.replace("conv2d_forward", "engine")), inner.w, small,
                                          "mono") or check, (inner.x, y), small, t.good, "mono")
        y += line + sz.px(12)
        oh, ow = self.conv.output.shape
        formula = [("output size, each side:", t.muted, "sans"), ("(N − F + 2P)/S + 1", t.text, "mono"),
                   (f"W: ({self.w} − 3 + 2·1)/1 + 1 = {rgb_math.output_size(self.w)}", t.text, "mono"),
                   (f"H: ({self.h} − 3 + 2·1)/1 + 1 = {rgb_math.output_size(self.h)}", t.text, "mono"),
                   (f"conv2d_forward: {ow}×{oh}", t.good, "mono")]
        if y + len(formula) * line <= inner.bottom and all(tx.width(s, small, f) <= inner.w for s, _, f in formula):
            for s, colour, face in formula:
                tx.draw(surface, s, (inner.x, y), small, colour, face)
                y += line
            y += sz.px(8)
        note = ui.wrap(tx, "Grey ring: padding 1, zeros around each channel. Where the image meets it the filter "
                           "sees a jump to 0: the bright frame of the responses.", inner.w, small)
        if y + len(note) * line <= inner.bottom:
            for part in note:
                tx.draw(surface, part, (inner.x, y), small, t.muted)
                y += line


class ZoomedConvolution(ui.Zoomable):
    """Z: the channels, weights, responses and the chosen pixel's sum over the whole window."""
    title = "RGB convolution"

    def draw(self, surface) -> None:
        with ui.CHECK.scope("zoomed rgb", self.rect):
            self.scene.draw_figure(surface, self.rect.inflate(-2 * self.sizes.px(8), -2 * self.sizes.px(8)), self.sizes)
