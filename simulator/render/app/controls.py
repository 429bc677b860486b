"""On-screen controls: the button bar (each button does what its key does), the help overlay
(every key, and the legend: what the colours, outlines and symbols mean and why a map goes
blank) and the "diverged" banner that offers a reset."""
from __future__ import annotations

import pygame

from ...engine.worker import ACC_WINDOW, SMOOTHING
from .widgets import CHECK, Sizes, Text, hatch, wrap

# (actions, their keys, label, short label): a pair is one button, its left half the first
# action ("− speed +": slower, faster). DROP: left out in this order when even the short labels
# do not fit (their keys still work, and H lists them); a button never shows a bare key.
BUTTONS = (
    (("pause",), ("space",), "Pause", "Pause"),
    (("step",), ("→",), "Step", "Step"),
    (("presenter",), ("P",), "Presenter", "Present"),
    (("slower", "faster"), ("−", "+"), "speed", "speed"),
    (("lr_down", "lr_up"), ("[", "]"), "learning rate", "rate"),
    (("reset",), ("R",), "Reset", "Reset"),
    (("arch",), ("A",), "Network", "Net"),
    (("screenshot",), ("S",), "Screenshot", "Shot"),
    (("lessons",), ("L",), "Lessons", "Lessons"),
    (("help",), ("H",), "Help", "Help"),
    (("quit",), ("Q",), "Quit", "Quit"),
)
DROP = ("screenshot", "quit", "lessons", "arch")
KEYS = (
    ("space", "pause / resume training"),
    ("→", "one training step (pauses first)"),
    ("P", "presenter mode: the filter sweeps one image slowly (a newer image after each sweep) while training "
          "goes on; space holds it on one product, → ← step one product; P again: live"),
    ("+  −", "training speed: slow, 1/s, 10/s, 50/s, max"),
    ("[  ]", "learning rate down / up, live (1-2-5 steps)"),
    ("R", "reset to the starting weights and the --lr learning rate"),
    ("A", "design the network: presets, − + on a conv layer's filters, kernel, stride, padding; "
          "Enter trains it from fresh weights"),
    ("S", "screenshot to ./pictures/"),
    ("L", "the lessons menu"),
    ("Z", "zoom: the panel under the mouse fills the window, its numbers large (Z or Esc: back); "
          "a double click too"),
    ("F11", "full screen"),
    ("Esc  Q", "quit (Esc closes this help first)"),
    ("click", "a feature map: animate that channel · a filter cell: write that product"),
)
LEGEND = (
    ("orange / blue", "a positive / negative value; the stronger the colour, the larger |value| "
                      "(each heat map has its colour bar)"),
    ("grey", "exactly zero. A map all grey is zero everywhere (\"dead\" for this image): its ReLU input z was "
             "negative at every position, so max(0, z) = 0 everywhere"),
    ("hatched", "padding: zeros added around the image so the output keeps its size"),
    ("input", "the picture the network reads, standardised: each pixel p becomes (p/255 − mean)/std, so for "
              "MNIST black is −0.424 and white 2.821 (the input heat map's ends); the picture on the left "
              "is the same pixels before that. Shown: the batch's picture the network is least sure of"),
    ("outline", "in this colour: the window, cell or product being computed now; a thin grey one beside "
                "it: where the window was before it jumped (a stride above 1)"),
    ("z", "a neuron's sum before the activation: z = Σ w·x + b; ReLU(z) = max(0, z). The z map fills in as "
          "the window slides; cells not reached yet show the panel's colour"),
    ("⊛", "convolution: the filter slides over its input; at each place z = Σ w·x + b"),
    ("R G B", "colour pictures: the red, green and blue planes, one input channel each; a filter has a slice "
              "for each, shown together as one colour patch (mid-grey is 0)"),
    ("∂L/∂x", "the gradient: how much the loss L changes per unit change of x (backward pass); ∂L/∂y: "
              "the gradient arriving from the layer above"),
    ("×10⁻³", "under a grid: its numbers are written in units of 10⁻³ (2.77 means 0.00277)"),
    ("logits", "z of the last layer, one per class; softmax turns them into probabilities p = e^z / Σ e^z"),
    ("smoothed", f"the loss averaged over recent steps: each step keeps {1 - SMOOTHING:.0%} of the old value "
                 f"and adds {SMOOTHING:.0%} of the new batch loss"),
    ("accuracy", f"train: the last {ACC_WINDOW} batches; test: images the network never trains on"),
    ("images/s", "training images per second while training runs (paused time not counted)"),
)


class ButtonBar:
    """The buttons along the bottom, each its key and a word for what it does."""
    name = "buttons"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.buttons: list[tuple[str, pygame.Rect]] = []       # (action, where a click does it)
        self.groups: list[tuple[tuple, pygame.Rect, str]] = []  # (BUTTONS entry, its rect, its label)
        self.paused = False
        self.presenting = False
        self.hover: str | None = None

    def _width(self, entry, label: str) -> int:
        tx, sz = self.text, self.sizes
        keys = sum(tx.width(k, sz.small, "bold") for k in entry[1])
        return keys + (len(entry[1]) * sz.px(6)) + tx.width(label, sz.body) + sz.px(16)

    def layout(self, rect: pygame.Rect, sizes: Sizes) -> None:
        """Long labels when they fit, else short ones, else the DROP buttons left out in turn."""
        self.rect, self.sizes = rect, sizes
        gap = sizes.px(6)
        shown = list(BUTTONS)
        drops = [e for name in DROP for e in BUTTONS if e[0][0] == name]
        while True:
            for form in (2, 3):
                labels = ["Resume" if e[0][0] == "pause" else e[form] for e in shown]   # the longer of the two
                widths = [self._width(e, lbl) for e, lbl in zip(shown, labels)]
                if sum(widths) + gap * (len(shown) - 1) <= rect.w:
                    break
            else:
                if drops:
                    shown.remove(drops.pop(0))
                    continue
            break
        x = rect.x + (rect.w - sum(widths) - gap * (len(shown) - 1)) // 2
        self.groups, self.buttons = [], []
        for entry, lbl, w in zip(shown, labels, widths):
            r = pygame.Rect(x, rect.y, w, rect.h)
            self.groups.append((entry, r, lbl))
            if len(entry[0]) == 1:
                self.buttons.append((entry[0][0], r))
            else:
                left = pygame.Rect(r.x, r.y, w // 2, r.h)
                self.buttons += [(entry[0][0], left), (entry[0][1], pygame.Rect(left.right, r.y, w - left.w, r.h))]
            x += w + gap

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
            for entry, r, label in self.groups:
                actions, keys = entry[0], entry[1]
                if actions[0] == "pause":
                    label = "Resume" if self.paused else "Pause"
                if actions[0] == "presenter" and self.presenting:
                    label = "Live"
                hot = self.hover in actions or (actions[0] == "presenter" and self.presenting)
                pygame.draw.rect(target, th.panel_border if hot else th.panel, r, border_radius=6)
                pygame.draw.rect(target, th.panel_border, r, 1, border_radius=6)
                pieces = [(keys[0], th.accent, "bold"), (" " + label, th.text, "sans")]
                if len(keys) > 1:
                    pieces += [(" " + keys[1], th.accent, "bold")]
                width = sum(tx.width(p, sz.body if f == "sans" else sz.small, f) for p, _, f in pieces)
                x = r.centerx - width // 2
                for piece, colour, face in pieces:
                    size = sz.body if face == "sans" else sz.small
                    x = tx.draw(target, piece, (x, r.centery), size, colour, face, anchor="midleft").right


class HelpOverlay:
    """Every key and the legend, over a dimmed window; drawn once per window size and page.
    Both on one page when they fit at body or small text; else keys and legend on pages of
    their own (H turns the page): never smaller than the theme's floor."""
    name = "help"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.page, self.pages = 0, 1
        self._image: pygame.Surface | None = None
        self._key = None
        self._texts: list = []

    def next_page(self) -> bool:
        """H while the help is open: the next page; False when there is none (H closes it)."""
        if self.page + 1 < self.pages:
            self.page += 1
            return True
        self.page = 0
        return False

    def draw(self, target: pygame.Surface) -> None:
        key = (target.get_size(), self.page, self.sizes)
        if self._key != key:
            self._image, self._texts = self._render(target.get_size())
            self._key = key
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

    def _blocks(self, body: int, width: int) -> list:
        """(title, term width, swatch width, [(term, wrapped lines)]) for keys and legend, each
        `width` wide, at text size `body`."""
        tx, sz = self.text, self.sizes
        sw = tx.height(body)
        blocks = []
        for title, rows, swatches in (("Keys", KEYS, 0), ("What you see", LEGEND, sw + sz.px(6))):
            term_w = max(tx.width(k, body, "bold") for k, _ in rows) + sz.px(10) + swatches
            term_w = min(term_w, width // 3 + swatches)
            blocks.append((title, term_w, swatches, [(k, wrap(tx, d, width - term_w, body)) for k, d in rows]))
        return blocks

    def _height(self, block, body: int) -> int:
        tx, sz = self.text, self.sizes
        return tx.line(sz.title, "bold") + sz.px(8) + sum(len(w) * tx.line(body) + sz.px(4) for _, w in block[3])

    def _render(self, size):
        """Keys on the left, the legend (with colour swatches) on the right; or one per page."""
        th, tx, sz = self.theme, self.text, self.sizes
        image = pygame.Surface(size, pygame.SRCALPHA)
        image.fill((0, 0, 0, 190))
        pad = sz.px(16)
        room = pygame.Rect(0, 0, size[0] - 2 * sz.px(12), size[1] - 2 * sz.px(12))
        footer_h = tx.line(sz.small) + sz.px(8)
        texts = []
        layout = None
        for body in (sz.body, sz.small):                 # both on one page, at the largest size that fits
            col_w = (room.w - 3 * pad) // 2
            blocks = self._blocks(body, col_w)
            if max(self._height(b, body) for b in blocks) + 2 * pad + footer_h <= room.h:
                layout, self.pages = (body, col_w, blocks), 1
                break
        if layout is None:                               # a page each, across the whole box
            body = next((b for b in (sz.body, sz.small) if max(self._height(k, b) for k in self._blocks(
                b, room.w - 2 * pad)) + 2 * pad + footer_h <= room.h), sz.small)
            blocks = self._blocks(body, room.w - 2 * pad)
            self.pages = 2
            self.page = min(self.page, 1)
            layout = (body, room.w - 2 * pad, [blocks[self.page]])
        body, col_w, blocks = layout
        needed = max(self._height(b, body) for b in blocks) + 2 * pad + footer_h
        box = pygame.Rect(0, 0, room.w, min(room.h, needed))
        box.center = (size[0] // 2, size[1] // 2)
        self._box = box
        pygame.draw.rect(image, th.panel, box, border_radius=10)
        pygame.draw.rect(image, th.accent, box, 2, border_radius=10)
        line = tx.line(body)
        sw = tx.height(body)

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
                if y + len(wrapped) * line > box.bottom - footer_h:
                    break                                # the box is as tall as the window allows
                if swatches:
                    self._swatch(image, k, pygame.Rect(x, y + (line - sw) // 2, sw, sw))
                put(k, (x + swatches, y), body, th.accent, "bold")
                for s in wrapped:
                    put(s, (x + term_w, y), body, th.text)
                    y += line
                y += sz.px(4)
        hint = "H or Esc closes this" if self.pages == 1 else \
            f"page {self.page + 1} of {self.pages} · H: {'next page' if self.page + 1 < self.pages else 'close'} · Esc closes"
        put(hint, (box.centerx, box.bottom - sz.px(8)), sz.small, th.muted, anchor="midbottom")
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
