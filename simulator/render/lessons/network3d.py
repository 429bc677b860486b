"""The network in 3D (LeNet-5 by default; its layers and shapes from the model's Arch through
lessons/network.view): every shown layer a volume of neurons in perspective, coloured by the
current image's activations (a colour input's planes in their channel colours); drag to
rotate, wheel to zoom, click a neuron to light up its receptive field
(lessons/network.receptive_field) in the layers below. T trains live on a worker thread
(lessons/network.LiveTraining); the screen only reads the frames it publishes.

Where the neurons sit and how they are projected and drawn: network3d_space.py.

Any data format (engine/lessons/source.py: the checkpoint's network checked against --data):
the input volume C×H×W, the class names on the probability bars. The side panel is
network3d_side.py; it says less where it is short (the probability bars, then the model's note,
go first). Z zooms the 3-D view."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pygame

from ...engine.data import pixels_of
from ...engine.dataformat import MNIST
from ...engine.lessons import network as net
from ...engine.lessons.draw import cached_quick_model
from ...engine.lessons.source import lesson_source
from ...engine.lessons.tensors import input_range
from .. import ui
from . import network3d_side as side, network3d_space as space
from ..ui.figures import PAD, body_rect, header, hints
from ..ui.theme import heat_rgb

HOME = (-0.72, 0.3, 200.0)      # yaw, pitch (radians) and camera distance


def hints_for(noun: str) -> tuple:
    return (("drag", "rotate"), ("click", "receptive field"), ("T", "train live"), ("N", f"next {noun}"),
            ("Z", "zoom"), ("Esc", "back"), ("wheel", "nearer"), ("space", "spin"), ("R", "reset view"))
VIEWS = (("home view", HOME[:2]), ("from the side", (-math.pi / 2 + 0.05, 0.15)), ("from above", (-0.72, 1.1)))


class Network3DScene(ui.Scene):
    title = "LeNet-5 in 3D"
    animated = True
    gif_fps = 10
    gif_seconds = 6.0

    def __init__(self, theme, options=None):
        self.theme = theme
        self.text = ui.Text(theme)
        checkpoint = getattr(options, "checkpoint", None)
        src = lesson_source(getattr(options, "data", None), checkpoint)
        data, arch, params = src.data, src.arch, src.params
        self.model_note = f"weights from {Path(checkpoint).name}" if checkpoint else "fresh random weights"
        if params is None and data.format.same_network(MNIST):
            model = cached_quick_model()
            if model is not None:
                arch, params, self.model_note = model.arch, model.params, "weights of the draw lesson's quick model"
        self.format, self.noun = data.format, src.noun
        self.hints = hints_for(self.noun)
        self.test_images, self.test_labels = data.test_images, data.test_labels
        self.digit = 0
        config = replace(net.LIVE_CONFIG, arch=arch.spec, activation=None, pool=None)
        self.live = net.LiveTraining(data.subset(10000, 100), self.test_images[self.digit], config, params=params)
        self.shown = self.live.shown
        self.name = net.network_name(self.shown.arch)
        self.xyz, self.ids = space.neuron_positions(self.shown)
        self.centre_x = float(self.xyz[:, 0].min() + self.xyz[:, 0].max()) / 2
        self.black, self.white = input_range(self.format)
        self.yaw, self.pitch, self.distance = HOME
        self.spin = 0.0
        self.dragging, self.moved = False, False
        self.selected: tuple | None = None          # (layer name, c, r, k)
        self.fields: dict = {}
        self._projected = None
        self.export_seconds = 0.0
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    def close(self) -> None:
        self.live.stop()

    def demo(self) -> None:
        """Select the most active neuron of the last layer after the input that is still an image
        (LeNet-5: pool2), or of the first layer when none is (a network without convolutions)."""
        (self.yaw, self.pitch, self.distance), self.spin = HOME, 0.0
        images = [n for n, (_, h, _) in self.shown.volumes[1:] if h > 1]
        self.select_most_active(images[-1] if images else self.shown.names[1])

    def select_most_active(self, name: str) -> None:
        values = self.live.frame.volumes[name]
        self.select((name, *(int(v) for v in np.unravel_index(np.argmax(values), values.shape))))

    def demo_animation(self) -> None:
        self.demo()
        self.spin = 0.12                                     # a slow turn

    def tour(self):
        """The home view with no selection, then a neuron of every layer after the input selected
        (its receptive field lit), then the view from the side and from above."""
        self.demo()
        self.select(None)
        yield "no selection"
        for name in self.shown.names[1:]:
            self.select_most_active(name)
            yield f"{name} selected"
        self.demo()
        for label, (yaw, pitch) in VIEWS[1:]:
            self.yaw, self.pitch = yaw, pitch
            yield label
        (self.yaw, self.pitch, self.distance) = HOME

    def select(self, neuron) -> None:
        self.selected = neuron
        self.fields = net.receptive_field(*neuron, shown=self.shown) if neuron else {}

    # --- events -----------------------------------------------------------------------
    def handle(self, event):
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.view.collidepoint(event.pos):
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
            if event.key == pygame.K_ESCAPE:
                return ui.BACK
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
        return None

    def update(self, dt: float):
        self.yaw += self.spin * dt
        return None

    def zoom_target(self, pos):
        return ZoomedView(self)

    # --- layout -----------------------------------------------------------------------
    def layout(self, size, sizes) -> None:
        self.size, self.sizes = tuple(size), sizes
        tx, sz = self.text, sizes
        w, h = self.size
        m, gap = sz.px(16), sz.px(10)
        body = body_rect(self.size, tx, sz, self.subtitle())
        top, bottom = body.top, body.bottom
        side_w = max(round(0.25 * w), tx.width("act1: all 6 maps, 12×12 at (8, 12)", sz.small) + 2 * sz.px(PAD))
        self.side = pygame.Rect(w - m - side_w, top, side_w, bottom - top)
        self.view = pygame.Rect(m, top, self.side.x - gap - m, bottom - top)

    def subtitle(self) -> str:
        return (f"Every neuron of every layer, coloured by its activation for the {self.noun} shown. "
                "Click a neuron: the neurons below that can change it light up.")

    # --- projection ---------------------------------------------------------------------
    def project(self, view: pygame.Rect | None = None, label_size: int | None = None):
        """Screen x, y, depth and size (pixels per unit) of every neuron for the current camera,
        fitted (with room for the captions at label_size) into view."""
        view = self.view if view is None else view
        label_size = self.sizes.small if label_size is None else label_size
        captions = [(self.ids[:, 0] == li, self.text.width(self.shown.captions[name], label_size))
                    for li, name in enumerate(self.shown.names)]
        return space.project(self.xyz - (self.centre_x, 0.0, 0.0), (self.yaw, self.pitch, self.distance), view,
                             captions, self.text.height(label_size))

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
        volume keeps its shape. A colour input's planes are its pixels instead, each plane from
        black to its channel's colour (as the rgb lesson draws a colour image's channels)."""
        rgb = np.zeros((len(self.ids), 3), np.int32)
        for li, name in enumerate(self.shown.names):
            vols = frame.volumes[name]
            mask = self.ids[:, 0] == li
            sel = self.ids[mask]
            if li == 0 and self.format.colour:
                pixels = pixels_of(vols, self.format)                    # [H,W,3]: normalise's inverse
                plane = np.zeros((len(sel), 3), np.int32)
                plane[np.arange(len(sel)), sel[:, 1]] = pixels[sel[:, 2], sel[:, 3], sel[:, 1]]
                rgb[mask] = plane
                continue
            values = vols[sel[:, 1], sel[:, 2], sel[:, 3]]
            nonzero = np.abs(values[values != 0])
            lim = float(np.percentile(nonzero, 98)) if nonzero.size else 1.0
            rgb[mask] = heat_rgb(values, lim or 1.0, self.theme).astype(np.int32)
        return rgb

    def in_field(self) -> np.ndarray:
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

    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, f"{self.name} in 3D", self.subtitle())
        self._projected = self.draw_view(surface, self.view, sz)
        side.draw_side(self, surface, self.live.frame, self.side)
        hints(surface, t, tx, sz, self.hints)
        return None

    def draw_view(self, surface, view: pygame.Rect, sz):
        """The volumes in perspective, the selection's field tinted, each layer captioned; returns
        the projection (for picking)."""
        t = self.theme
        frame = self.live.frame
        pygame.draw.rect(surface, t.background, view, border_radius=8)
        pygame.draw.rect(surface, t.panel_border, view, 1, border_radius=8)
        projected = sx, sy, depth, scale = self.project(view, sz.small)
        rgb = self._colours(frame)
        if self.selected:       # the rest stays readable, only a little faded; the field is tinted
            inside = self.in_field()
            dim = ~inside
            rgb[dim] = (rgb[dim] * 0.6 + np.array(t.background) * 0.4).astype(np.int32)
            rgb[inside] = (rgb[inside] * 0.55 + np.array(t.accent) * 0.45).astype(np.int32)
        size = np.clip(scale * 0.85, 1, 24).astype(np.int32)
        inner = view.inflate(-4, -4)
        space.splat(surface, inner, sx, sy, depth, size, rgb)
        clip = surface.get_clip()
        surface.set_clip(inner)
        if self.selected:
            li = self.shown.names.index(self.selected[0])
            i = np.flatnonzero((self.ids == (li, *self.selected[1:])).all(axis=1))[0]
            s = max(8, int(size[i]) + 6)
            pygame.draw.rect(surface, t.accent, (int(sx[i]) - s // 2, int(sy[i]) - s // 2, s, s), 2)
        with ui.CHECK.scope("3d view", view):
            self._label_layers(surface, sx, sy, sz.small)
        surface.set_clip(clip)
        return projected

    def _label_layers(self, surface, sx, sy, size: int) -> None:
        """Each layer's caption below it (even layers) or above it (odd), else on the other side,
        else a line or a few further out, else left out where all would cover a caption already placed or
        leave the view (say less)."""
        t, tx = self.theme, self.text
        placed: list[pygame.Rect] = []
        for li, name in enumerate(self.shown.names):
            mask = self.ids[:, 0] == li
            x = float(sx[mask].mean())
            caption = self.shown.captions[name]
            w, h = tx.width(caption, size), tx.height(size)
            below = pygame.Rect(0, 0, w, h)
            below.midtop = (round(x), round(float(sy[mask].max()) + 8))
            above = pygame.Rect(0, 0, w, h)
            above.midbottom = (round(x), round(float(sy[mask].min()) - 8))
            step = h + ui.check.MIN_GAP
            first, second = (below, above) if li % 2 == 0 else (above, below)
            out = lambda r, k: r.move(0, k * step if r is below else -k * step)    # noqa: E731  (k lines further)
            for rect in (out(r, k) for k in range(4) for r in (first, second)):
                if not surface.get_clip().contains(rect):
                    continue
                if all(not rect.inflate(2 * ui.check.MIN_GAP, 4).colliderect(p) for p in placed):
                    tx.draw(surface, caption, rect.topleft, size, t.text)
                    placed.append(rect)
                    break


class ZoomedView(ui.Zoomable):
    """Z: the 3-D view over the whole window, its captions at the zoom's sizes."""
    title = "3-D view"

    def draw(self, surface) -> None:
        m = self.sizes.px(8)
        self.scene.draw_view(surface, self.rect.inflate(-2 * m, -2 * m), self.sizes)
