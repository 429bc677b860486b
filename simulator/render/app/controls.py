"""On-screen controls: the button bar (each button does what its key does), the help overlay
(every key, and the legend: what the colours, outlines and symbols mean and why a map goes
blank) and the "diverged" banner that offers a reset."""
from __future__ import annotations

import pygame

from ...engine.worker import ACC_WINDOW, SMOOTHING
from .widgets import CHECK, Sizes, Text, hatch, wrap

# (action, key hint, label, short label); the app maps actions to worker commands.
BUTTONS = (
    ("pause", "space", "Pause", ""),
    ("step", "→", "Step", ""),
    ("presenter", "P", "Presenter", ""),
    ("slower", "−", "Slower", ""),
    ("faster", "+", "Faster", ""),
    ("lr_down", "[", "lr ÷", ""),
    ("lr_up", "]", "lr ×", ""),
    ("reset", "R", "Reset", ""),
    ("arch", "A", "Network", "Net"),
    ("screenshot", "S", "Screenshot", "Shot"),
    ("lessons", "L", "Lessons", ""),
    ("help", "H", "Help", ""),
    ("quit", "Q", "Quit", ""),
)
KEYS = (
    ("space", "pause / resume training"),
    ("→", "one training step (pauses first)"),
    ("P", "presenter mode: one image stays, the filter sweeps it slowly, training goes on; P again: live"),
    ("+  −", "training speed: slow, 1/s, 10/s, 50/s, max"),
    ("[  ]", "learning rate down / up, live (1-2-5 steps)"),
    ("R", "reset to the starting weights and the --lr learning rate"),
    ("A", "design the network: presets, − + on a conv layer's filters, kernel, stride, padding; "
          "Enter trains it from fresh weights"),
    ("S", "screenshot to ./pictures/"),
    ("L", "the lessons menu"),
    ("F11", "full screen"),
    ("Esc  Q", "quit (Esc closes this help first)"),
    ("click", "a feature map: animate that channel · a filter cell: write that product"),
)
LEGEND = (
    ("orange / blue", "a positive / negative value; the stronger the colour, the larger |value| "
                      "(each heat map has its colour bar)"),
    ("grey", "exactly zero. A map that is all grey is zero everywhere: ReLU (max(0, z)) cut every value, "
             "the filter found none of its pattern in this image (a \"dead\" map for this image)"),
    ("hatched", "padding: zeros added around the image so the output keeps its size"),
    ("outline", "in this colour: the window, cell or product being computed now; a thin grey one beside "
                "it: where the window was before it jumped (a stride above 1)"),
    ("z", "a neuron's sum before the activation: z = Σ w·x + b; ReLU(z) = max(0, z)"),
    ("∂L/∂x", "the gradient: how much the loss L changes per unit change of x (backward pass)"),
    ("smoothed", f"the loss averaged over recent steps: each step keeps {1 - SMOOTHING:.0%} of the old value "
                 f"and adds {SMOOTHING:.0%} of the new batch loss"),
    ("accuracy", f"train: the last {ACC_WINDOW} batches; test: images the network never trains on"),
    ("images/s", "training images per second while training runs (paused time not counted)"),
)


class ButtonBar:
    name = "buttons"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.buttons: list[tuple[str, pygame.Rect]] = []
        self.labels: dict[str, str] = {}
        self.paused = False
        self.presenting = False
        self.hover: str | None = None

    def layout(self, rect: pygame.Rect, sizes: Sizes) -> None:
        """Buttons with key and label; short labels, then keys only, when the bar is narrow."""
        self.rect, self.sizes = rect, sizes
        tx, sz = self.text, sizes
        gap, pad = sz.px(6), sz.px(16)
        key_w = {k: tx.width(k, sz.small, "bold") for _, k, _, _ in BUTTONS}
        for form in ("long", "short", "keys"):
            labels = {a: (lbl if form == "long" else (short or lbl) if form == "short" else "")
                      for a, _, lbl, short in BUTTONS}
            labels["pause"] = "" if form == "keys" else "Resume"
            widths = [key_w[k] + (tx.width(labels[a], sz.body) + sz.px(6) if labels[a] else 0) + pad
                      for a, k, _, _ in BUTTONS]
            if sum(widths) + gap * (len(BUTTONS) - 1) <= rect.w:
                break
        self.labels = labels
        x = rect.x
        self.buttons = []
        for (action, _, _, _), w in zip(BUTTONS, widths):
            self.buttons.append((action, pygame.Rect(x, rect.y, w, rect.h)))
            x += w + gap
        shift = (rect.right - (x - gap)) // 2
        self.buttons = [(a, r.move(shift, 0)) for a, r in self.buttons]

    def hovered(self, pos) -> str | None:
        return self.handle_click(pos)

    def handle_click(self, pos) -> str | None:
        for action, r in self.buttons:
            if r.collidepoint(pos):
                return action
        return None

    def draw(self, target: pygame.Surface) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        with CHECK.scope(self.name, self.rect):
            for (action, key, _, _), (_, r) in zip(BUTTONS, self.buttons):
                label = self.labels.get(action, "")
                if action == "pause" and label:
                    label = "Resume" if self.paused else "Pause"
                if action == "presenter" and label and self.presenting:
                    label = "Live"
                hot = action == self.hover or (action == "presenter" and self.presenting)
                pygame.draw.rect(target, th.panel_border if hot else th.panel, r, border_radius=6)
                pygame.draw.rect(target, th.panel_border, r, 1, border_radius=6)
                kw = tx.width(key, sz.small, "bold")
                lw = tx.width(label, sz.body) if label else 0
                x = r.centerx - (kw + (sz.px(6) + lw if label else 0)) // 2
                tx.draw(target, key, (x, r.centery), sz.small, th.accent, "bold", anchor="midleft")
                if label:
                    tx.draw(target, label, (x + kw + sz.px(6), r.centery), sz.body, th.text, anchor="midleft")


class HelpOverlay:
    """Every key and the legend, over a dimmed window; drawn once per window size."""
    name = "help"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.sizes = Sizes.for_window((1280, 800), theme)
        self._image: pygame.Surface | None = None
        self._texts: list = []

    def draw(self, target: pygame.Surface) -> None:
        if self._image is None or self._image.get_size() != target.get_size():
            self._image, self._texts = self._render(target.get_size())
        target.blit(self._image, (0, 0))
        if CHECK.enabled:
            with CHECK.scope(self.name, self._box, layer=1):
                for r, s, size in self._texts:
                    CHECK.record(r, s, size)

    def _swatch(self, image, key: str, rect: pygame.Rect) -> None:
        """The colours a legend entry names, drawn beside it."""
        th = self.theme
        if key == "orange / blue":
            half = rect.w // 2
            pygame.draw.rect(image, th.positive, pygame.Rect(rect.x, rect.y, half, rect.h))
            pygame.draw.rect(image, th.negative, pygame.Rect(rect.x + half, rect.y, rect.w - half, rect.h))
        elif key == "grey":
            pygame.draw.rect(image, th.zero, rect)
        elif key == "hatched":
            pygame.draw.rect(image, th.zero, rect)
            hatch(image, rect, th.muted, 4)
        elif key == "outline":
            pygame.draw.rect(image, th.accent, rect, 2)
        else:
            return
        pygame.draw.rect(image, th.panel_border, rect, 1)

    def _render(self, size):
        """Keys on the left, the legend (with colour swatches) on the right."""
        th, tx, sz = self.theme, self.text, self.sizes
        image = pygame.Surface(size, pygame.SRCALPHA)
        image.fill((0, 0, 0, 190))
        pad = sz.px(16)
        room = pygame.Rect(0, 0, size[0] - 2 * sz.px(12), size[1] - 2 * sz.px(12))
        texts = []

        # one text size for both columns: the largest at which everything fits
        for body in (sz.body, sz.small, max(10, sz.small - 2)):
            col_w = (room.w - 3 * pad) // 2
            sw = tx.height(body)                  # swatch side
            blocks = []
            for title, rows, swatches in (("Keys", KEYS, 0), ("What you see", LEGEND, sw + sz.px(6))):
                term_w = max(tx.width(k, body, "bold") for k, _ in rows) + sz.px(10) + swatches
                term_w = min(term_w, col_w // 3 + swatches)
                lines = [(k, wrap(tx, d, col_w - term_w, body)) for k, d in rows]
                blocks.append((title, term_w, swatches, lines))
            line = tx.line(body)
            heights = [tx.line(sz.title, "bold") + sz.px(8) + sum(len(w) * line + sz.px(4) for _, w in lines)
                       for _, _, _, lines in blocks]
            needed = max(heights) + 2 * pad + tx.line(sz.small) + sz.px(8)
            if needed <= room.h:
                break
        box = pygame.Rect(0, 0, room.w, min(room.h, needed))
        box.center = (size[0] // 2, size[1] // 2)
        self._box = box
        pygame.draw.rect(image, th.panel, box, border_radius=10)
        pygame.draw.rect(image, th.accent, box, 2, border_radius=10)

        def put(s, pos, size_, colour, face="sans", anchor="topleft"):
            img = tx.surface(s, size_, colour, face)
            r = img.get_rect(**{anchor: pos})
            image.blit(img, r)
            texts.append((r, s, size_))
            return r

        for i, (title, term_w, swatches, lines) in enumerate(blocks):
            x = box.x + pad + i * (col_w + pad)
            y = box.y + pad
            r = put(title, (x, y), sz.title, th.text, "bold")
            y = r.bottom + sz.px(8)
            for k, wrapped in lines:
                if swatches:
                    self._swatch(image, k, pygame.Rect(x, y + (line - sw) // 2, sw, sw))
                put(k, (x + swatches, y), body, th.accent, "bold")
                for s in wrapped:
                    put(s, (x + term_w, y), body, th.text)
                    y += line
                y += sz.px(4)
        put("H or Esc closes this", (box.centerx, box.bottom - sz.px(8)), sz.small, th.muted, anchor="midbottom")
        return image, texts


class DivergedBanner:
    """Shown while the worker is in the diverged state; its button resets the weights."""
    name = "banner"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.button = pygame.Rect(0, 0, 0, 0)

    def draw(self, target: pygame.Surface, message: str) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        max_w = target.get_width() - 2 * sz.px(40)
        lines = [message, "The weights blew up: the learning rate is too big for this network.",
                 "R (or the button) resets the weights; [ lowers the learning rate; space tries again."]
        lines = [w for s in lines for w in wrap(tx, s, max_w, sz.body)]
        w = min(max_w, max(tx.width(s, sz.body) for s in lines)) + 2 * sz.px(24)
        w = max(w, tx.width("Training diverged", sz.title + 8, "bold") + 2 * sz.px(24))
        h = tx.line(sz.title + 8, "bold") + len(lines) * (tx.line(sz.body) + 4) + tx.line(sz.body) + sz.px(50)
        box = pygame.Rect(0, 0, w, h)
        box.center = (target.get_width() // 2, target.get_height() // 2)
        pygame.draw.rect(target, th.panel, box, border_radius=10)
        pygame.draw.rect(target, th.bad, box, 3, border_radius=10)
        with CHECK.scope(self.name, box, layer=1):
            y = box.y + sz.px(12)
            r = tx.draw(target, "Training diverged", (box.centerx, y), sz.title + 8, th.bad, "bold", anchor="midtop")
            y = r.bottom + sz.px(8)
            for s in lines:
                r = tx.draw(target, s, (box.centerx, y), sz.body, th.text, anchor="midtop")
                y = r.bottom + 4
            label = tx.surface("R  Reset weights", sz.body, th.background, "bold")
            self.button = label.get_rect(midtop=(box.centerx, y + sz.px(6))).inflate(24, 12)
            pygame.draw.rect(target, th.bad, self.button, border_radius=6)
            tx.draw(target, "R  Reset weights", self.button.center, sz.body, th.background, "bold", anchor="center")
