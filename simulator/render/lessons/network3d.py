"""The network in 3D (LeNet-5 by default; its layers and shapes from the model's Arch through
lessons/network.view): every shown layer a volume of neurons in perspective, coloured by the current
digit's activations; drag to rotate, wheel to zoom, click a neuron to light up its receptive
field (lessons/network.receptive_field) in the layers below. T trains live on a worker thread
(lessons_network.LiveTraining); the screen only reads the frames it publishes."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pygame

from ...engine.lessons import network as net
from ...engine.data import load_dataset
from ...engine.lessons.draw import cached_quick_model, model_from_checkpoint
from ..ui.theme import heat_rgb
from . import common as ui
from .common import fmt

LABEL_TEXT = 13
HOME = (-0.72, 0.3, 200.0)      # yaw, pitch (radians) and camera distance
VIEW = pygame.Rect(24, ui.HEADER_H + 10, 920, 800 - ui.HEADER_H - ui.FOOTER_H - 18)
SPACING, FIRST_SPACING = 8.0, 12.0   # model units between one volume's last slice and the next volume


def layout(shown: net.View) -> dict[str, tuple[float, float, int]]:
    """{shown layer: (x of its first slice, gap between its slices, columns if drawn as a grid)}.
    A [C,H,W] volume is C slices of H×W neurons, thinner gaps for more channels (a 6-map layer
    2.6 units apart, a 16-map one 1.0; pooling 0.8 of that); a dense layer (or any [C,1,1]) is one
    slice of C neurons in a grid of ceil(C/12) columns (120 → 10, 84 → 7, 10 → 1)."""
    out, x = {}, 0.0
    for i, (name, (C, H, W)) in enumerate(shown.volumes):
        if i:
            x += FIRST_SPACING if i == 1 else SPACING
        if H == 1 and W == 1:
            out[name] = (x, 0.0, math.ceil(C / 12))
            continue
        gap = 0.0 if C == 1 else min(2.6, 16.0 / C) * (0.8 if shown.links.get(name, ("",))[0] == "pool" else 1.0)
        out[name] = (x, gap, 0)
        x += (C - 1) * gap
    return out


def _neuron_positions(shown: net.View):
    """Model-space (x, y, z) of every shown neuron and its (layer index, c, r, k), layer by layer,
    channel-major (c, then row r, then column k)."""
    xyz, ids = [], []
    places = layout(shown)
    for li, (name, (C, H, W)) in enumerate(shown.volumes):
        x0, gap, cols = places[name]
        if cols:                                     # dense: a grid of C neurons in one slice
            rows = math.ceil(C / cols)
            spacing = 2.2 if name == "logits" else 1.6
            r, k = np.divmod(np.arange(C), cols)
            xyz.append(np.stack([np.full(C, x0), (r - rows / 2 + 0.5) * spacing, (k - cols / 2 + 0.5) * spacing], 1))
            ids.append(np.stack([np.full(C, li), np.arange(C), np.zeros(C, int), np.zeros(C, int)], 1))
            continue
        c, r, k = (a.ravel() for a in np.meshgrid(np.arange(C), np.arange(H), np.arange(W), indexing="ij"))
        xyz.append(np.stack([x0 + c * gap, r - H / 2 + 0.5, k - W / 2 + 0.5], 1))
        ids.append(np.stack([np.full(c.size, li), c, r, k], 1))
    return np.concatenate(xyz).astype(np.float64), np.concatenate(ids).astype(np.int64)


class Network3DScene:
    title = "LeNet-5 in 3D"
    animated = True
    gif_fps = 10
    gif_seconds = 6.0

    def __init__(self, theme, options=None):
        self.theme = theme
        data = load_dataset(getattr(options, "data", None))
        checkpoint = getattr(options, "checkpoint", None)
        model = model_from_checkpoint(checkpoint) if checkpoint else cached_quick_model()
        self.model_note = (f"weights from {Path(checkpoint).name}" if checkpoint else
                           "weights of the draw lesson's quick model" if model else "fresh random weights")
        self.test_images, self.test_labels = data.test_images, data.test_labels
        self.digit = 0
        config = replace(net.LIVE_CONFIG, arch=model.arch.spec) if model else net.LIVE_CONFIG
        self.live = net.LiveTraining(data.subset(10000, 100), self.test_images[self.digit], config,
                                     params=model.params if model else None)
        self.shown = self.live.shown
        self.name = net.network_name(self.shown.arch)
        self.xyz, self.ids = _neuron_positions(self.shown)
        self.centre_x = float(self.xyz[:, 0].min() + self.xyz[:, 0].max()) / 2
        self.yaw, self.pitch, self.distance = HOME
        self.spin = 0.0
        self.dragging, self.moved = False, False
        self.selected: tuple | None = None          # (layer name, c, r, k)
        self.fields: dict = {}
        self._projected = None
        self.export_seconds = 0.0

    def close(self) -> None:
        self.live.stop()

    def demo(self) -> None:
        """Select the most active neuron of the last layer after the input that is still an image
        (LeNet-5: pool2), or of the first layer when none is (a network without convolutions)."""
        images = [n for n, (_, h, _) in self.shown.volumes[1:] if h > 1]
        name = images[-1] if images else self.shown.names[1]
        values = self.live.frame.volumes[name]
        self.select((name, *(int(v) for v in np.unravel_index(np.argmax(values), values.shape))))

    def demo_animation(self) -> None:
        self.demo()
        self.spin = 0.12                                     # a slow turn

    def select(self, neuron) -> None:
        self.selected = neuron
        self.fields = net.receptive_field(*neuron, shown=self.shown) if neuron else {}

    # --- events -----------------------------------------------------------------------
    def handle(self, event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and VIEW.collidepoint(event.pos):
            self.dragging, self.moved = True, False
        elif event.type == pygame.MOUSEMOTION and self.dragging:
            dx, dy = event.rel
            if abs(dx) + abs(dy) > 1:
                self.moved = True
            self.yaw += dx * 0.008
            self.pitch = float(np.clip(self.pitch + dy * 0.008, -1.4, 1.4))
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            if self.dragging and not self.moved:
                self.select(self.pick(event.pos))
            self.dragging = False
        elif event.type == pygame.MOUSEWHEEL:
            self.distance = float(np.clip(self.distance * (0.9 if event.y > 0 else 1.1), 90.0, 700.0))
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_t:
                self.live.stop() if self.live.running else self.live.start()
            elif event.key == pygame.K_n:
                self.digit = (self.digit + 1) % len(self.test_images)
                self.live.set_digit(self.test_images[self.digit])
            elif event.key == pygame.K_r:
                (self.yaw, self.pitch, self.distance), self.spin = HOME, 0.0
            elif event.key == pygame.K_SPACE:
                self.spin = 0.0 if self.spin else 0.2
            elif event.key == pygame.K_BACKSPACE:
                self.select(None)

    def update(self, dt: float) -> None:
        self.yaw += self.spin * dt

    # --- projection ---------------------------------------------------------------------
    def project(self):
        """Screen x, y, depth and size (pixels per unit) of every neuron for the current view."""
        p = self.xyz - (self.centre_x, 0.0, 0.0)
        cy, sy, cp, sp = math.cos(self.yaw), math.sin(self.yaw), math.cos(self.pitch), math.sin(self.pitch)
        x = p[:, 0] * cy + p[:, 2] * sy
        z = -p[:, 0] * sy + p[:, 2] * cy
        y = p[:, 1] * cp - z * sp
        z = p[:, 1] * sp + z * cp
        depth = np.maximum(z + self.distance, 1.0)
        f = 2.4 * VIEW.height                       # long lens: gentle perspective
        scale = f / depth
        sx, sy = x * scale, y * scale
        # keep the whole network, its squares and its labels inside the view whatever the angle:
        # centre it, then shrink it if it is wider or taller than the view minus the label margins
        mx, my = self.margins()
        half = np.clip(scale * 0.85, 1, 24) / 2
        span_x = float((sx + half).max() - (sx - half).min()) or 1.0
        span_y = float((sy + half).max() - (sy - half).min()) or 1.0
        fit = min(1.0, (VIEW.width - 2 * mx) / span_x, (VIEW.height - 2 * my) / span_y)
        sx, sy, scale = sx * fit, sy * fit, scale * fit
        sx += VIEW.centerx - (sx.min() + sx.max()) / 2
        sy += VIEW.centery - (sy.min() + sy.max()) / 2
        return sx, sy, depth, scale

    def margins(self) -> tuple[int, int]:
        """Room kept free at the view's sides (half the widest layer caption) and at top and
        bottom (one caption line), so the captions drawn beside the layers stay inside."""
        t = self.theme
        widest = max(ui.text_width(t, c, LABEL_TEXT) for c in self.shown.captions.values())
        return widest // 2 + 10, ui.line_height(t, LABEL_TEXT) + 14

    def pick(self, pos):
        """The nearest neuron under the mouse (the front one when several overlap), or None."""
        if self._projected is None:
            return None
        sx, sy, depth, scale = self._projected
        d = np.hypot(sx - pos[0], sy - pos[1])
        near = np.flatnonzero(d <= np.maximum(scale * 0.6, 4.0))
        if near.size == 0:
            return None
        i = near[np.argmin(depth[near])]
        li, c, r, k = self.ids[i]
        return self.shown.names[li], int(c), int(r), int(k)

    # --- drawing ------------------------------------------------------------------------
    def _colours(self, frame) -> np.ndarray:
        """Heat colours, one scale per layer (its 98th percentile of |value|, so a few large values
        do not leave the rest black); zero is theme.zero, not the background's colour, so every
        volume keeps its shape."""
        rgb = np.zeros((len(self.ids), 3), np.int32)
        for li, name in enumerate(self.shown.names):
            vols = frame.volumes[name]
            mask = self.ids[:, 0] == li
            sel = self.ids[mask]
            values = vols[sel[:, 1], sel[:, 2], sel[:, 3]]
            nonzero = np.abs(values[values != 0])
            lim = float(np.percentile(nonzero, 98)) if nonzero.size else 1.0
            rgb[mask] = heat_rgb(values, lim or 1.0, self.theme).astype(np.int32)
        return rgb

    def _in_field(self) -> np.ndarray:
        """True for every neuron in the selection's receptive field (or the selection itself)."""
        inside = np.zeros(len(self.ids), bool)
        if not self.selected:
            return inside
        for name, reg in self.fields.items():
            li = self.shown.names.index(name)
            c, r, k = self.ids[:, 1], self.ids[:, 2], self.ids[:, 3]
            inside |= ((self.ids[:, 0] == li) & (reg.c0 <= c) & (c < reg.c1) & (reg.r0 <= r) & (r < reg.r1)
                       & (reg.k0 <= k) & (k < reg.k1))
        return inside

    def draw(self, surface) -> None:
        t = self.theme
        frame = self.live.frame
        ui.header(surface, t, f"{self.name} in 3D",
                  "Every neuron of every layer, coloured by its activation for the digit shown. "
                  "Click a neuron: the neurons below that can change it light up.")
        pygame.draw.rect(surface, t.background, VIEW, border_radius=8)   # a zero activation is panel-coloured
        pygame.draw.rect(surface, t.panel_border, VIEW, 1, border_radius=8)
        sx, sy, depth, scale = self._projected = self.project()
        rgb = self._colours(frame)
        if self.selected:       # the rest stays readable, only a little faded; the field is tinted
            inside = self._in_field()
            dim = ~inside
            rgb[dim] = (rgb[dim] * 0.6 + np.array(t.background) * 0.4).astype(np.int32)
            rgb[inside] = (rgb[inside] * 0.55 + np.array(t.accent) * 0.45).astype(np.int32)
        size = np.clip(scale * 0.85, 1, 24).astype(np.int32)
        _splat(surface, VIEW.inflate(-4, -4), sx, sy, depth, size, rgb)
        clip = surface.get_clip()
        surface.set_clip(VIEW.inflate(-4, -4))
        if self.selected:
            li = self.shown.names.index(self.selected[0])
            i = np.flatnonzero((self.ids == (li, *self.selected[1:])).all(axis=1))[0]
            s = max(8, int(size[i]) + 6)
            pygame.draw.rect(surface, t.accent, (int(sx[i]) - s // 2, int(sy[i]) - s // 2, s, s), 2)
        ui.scope("3d view", VIEW)
        self._label_layers(surface, sx, sy)
        surface.set_clip(clip)
        self._draw_side(surface, frame, pygame.Rect(960, ui.HEADER_H + 10, 296, VIEW.height))
        ui.footer(surface, t, "drag: rotate   wheel: zoom   click: receptive field   T: train live   N: next digit   "
                              "space: spin   R: reset view   Esc: quit")

    def _label_layers(self, surface, sx, sy) -> None:
        t = self.theme
        for li, name in enumerate(self.shown.names):   # alternate below / above, so neighbours never collide
            mask = self.ids[:, 0] == li
            x = float(sx[mask].mean())
            if li % 2 == 0:
                ui.text(surface, t, self.shown.captions[name], (x, float(sy[mask].max()) + 8), LABEL_TEXT, t.text,
                        anchor="midtop")
            else:
                ui.text(surface, t, self.shown.captions[name], (x, float(sy[mask].min()) - 8), LABEL_TEXT, t.text,
                        anchor="midbottom")

    def _draw_side(self, surface, frame, rect) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, "The digit and the model")
        y = inner.top
        img = self.test_images[self.digit]
        from ..ui.theme import array_surface, gray_rgb
        surface.blit(array_surface(gray_rgb(img, 0, 255), 3), (inner.left, y))
        probs = frame.probabilities
        best = int(np.argmax(probs))
        ui.text(surface, t, f"test image {self.digit}, label {int(self.test_labels[self.digit])}",
                (inner.left + 96, y), 13)
        ui.text(surface, t, f"reads {best} (p = {probs[best]:.0%})", (inner.left + 96, y + 20), 13, t.accent)
        y += 96
        for line in ui.wrap_px(t, self.model_note, inner.width, 12):
            ui.text(surface, t, line, (inner.left, y), 12, t.muted)
            y += ui.line_height(t, 12)
        status = "training live (T stops)" if self.live.running else "paused (T trains live)"
        ui.text(surface, t, status, (inner.left, y + 4), 13, t.good if self.live.running else t.muted)
        y += ui.line_height(t, 13) + 6
        loss = "—" if math.isnan(frame.loss) else fmt(frame.loss, 3)
        ui.text(surface, t, f"step {frame.step}   batch loss {loss}", (inner.left, y), 13, face="mono")
        y += ui.line_height(t, 13) + 4
        if self.live.error is not None:
            ui.text(surface, t, f"training stopped: {self.live.error}", (inner.left, y), 12, t.bad)
            y += ui.line_height(t, 12)
        y += 6
        bar_w = inner.width - 70
        for d in range(10):                                   # the probabilities of this frame
            colour = t.accent if d == best else t.negative
            ui.text(surface, t, str(d), (inner.left + 6, y), 12, face="mono")
            pygame.draw.rect(surface, t.background, (inner.left + 20, y + 2, bar_w, 10))
            pygame.draw.rect(surface, colour, (inner.left + 20, y + 2, round(bar_w * float(probs[d])), 10))
            ui.text(surface, t, f"{probs[d]:.0%}", (inner.right, y), 12, t.muted, face="mono", anchor="topright")
            y += ui.line_height(t, 12)
        y += 12
        legend = "Colours: orange > 0, blue < 0, grey = 0; one scale per layer (its 98th percentile of |value|)."
        for line in ui.wrap_px(t, legend, inner.width, 12):
            ui.text(surface, t, line, (inner.left, y), 12, t.muted)
            y += ui.line_height(t, 12)
        y += 8
        if not self.selected:
            for line in ui.wrap_px(t, "Click a neuron to see its receptive field.", inner.width, 13):
                ui.text(surface, t, line, (inner.left, y), 13, t.muted)
                y += ui.line_height(t, 13)
            return
        name, c, r, k = self.selected
        value = frame.volumes[name][c, r, k]
        C, H, W = self.shown.shapes[name]
        where = f"[{c}, {r}, {k}]" if H > 1 else f"[{c}]"
        ui.text(surface, t, f"{name}{where} = {fmt(float(value), 3)}", (inner.left, y), 14, t.accent, "bold")
        y += ui.line_height(t, 14) + 4
        ui.text(surface, t, "depends on, in each layer below:", (inner.left, y), 13, t.muted)
        y += ui.line_height(t, 13) + 2
        for below, reg in self.fields.items():
            Cb, Hb, Wb = self.shown.shapes[below]
            if Hb == 1:
                text = f"{below}: all {Cb} neurons"
            else:
                chans = "" if Cb == 1 else f"all {Cb} maps, " if reg.c1 - reg.c0 == Cb else f"map {reg.c0}, "
                text = f"{below}: {chans}{reg.r1 - reg.r0}×{reg.k1 - reg.k0} at ({reg.r0}, {reg.k0})"
            ui.text(surface, t, text, (inner.left, y), ui.fit_size(t, text, 12, inner.width, "mono"), face="mono")
            y += ui.line_height(t, 12)


def _splat(surface, view: pygame.Rect, sx, sy, depth, size, rgb) -> None:
    """Draw every neuron as a size×size square, nearer squares over farther ones, clipped to
    `view`. A z-buffer in NumPy: each covered pixel keeps the smallest depth rank
    (np.minimum.at), so there is no sort over the pixels and no fill per neuron."""
    n = len(depth)
    by_rank = np.argsort(depth, kind="stable")          # rank → neuron, nearest first
    rank = np.empty(n, np.int64)
    rank[by_rank] = np.arange(n)
    xs, ys, rs = [], [], []
    x0, y0 = sx.astype(np.int64) - size // 2, sy.astype(np.int64) - size // 2
    for s in np.unique(size):
        idx = np.flatnonzero(size == s)
        oy, ox = np.divmod(np.arange(s * s), s)
        xs.append((x0[idx, None] + ox).ravel())
        ys.append((y0[idx, None] + oy).ravel())
        rs.append(np.repeat(rank[idx], s * s))
    xs, ys, rs = (np.concatenate(a) for a in (xs, ys, rs))
    keep = (xs >= view.left) & (xs < view.right) & (ys >= view.top) & (ys < view.bottom)
    pixel = (ys[keep] - view.top) * view.width + (xs[keep] - view.left)
    zbuf = np.full(view.width * view.height, n, np.int64)
    np.minimum.at(zbuf, pixel, rs[keep])
    hit = np.flatnonzero(zbuf < n)
    owner = by_rank[zbuf[hit]]
    target = pygame.surfarray.pixels3d(surface)
    target[view.left + hit % view.width, view.top + hit // view.width] = rgb[owner]
    del target                                          # unlock the surface
