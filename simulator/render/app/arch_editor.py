"""The network designer (key A): over the live screen, a choice of presets and a table of the
conv layers, each setting with − and + (filters, kernel, stride, padding) and its output size
written out, (W − F + 2P)/S + 1, in real numbers. A network the engine refuses shows the
ArchError line in red and cannot be trained; Enter trains an accepted one from fresh weights.
The drafting and checking are the engine's (arch_edit.Draft); this only draws and routes keys.
"""
from __future__ import annotations

import pygame

from ...engine.arch import Arch, Conv, Dense
from ...engine.arch_edit import FIELDS, PRESETS, Draft, preset_spec, refusal
from .widgets import CHECK, Sizes, Text, first_fitting, wrap

KEYS_LINE = ("↑ ↓ conv layer · ← → setting · + − change it · 1–5 preset · Enter train this network · A or Esc close",
             "↑↓ layer · ←→ setting · + − change · 1–5 preset · Enter train · Esc close",
             "↑↓ ←→ + − · 1–5 · Enter · Esc")
MAX_ROWS = 6                  # conv rows in the table; more are named, not drawn


class ArchEditor:
    name = "arch"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.visible = False
        self.draft = Draft.of(PRESETS[0].spec)
        self.current = PRESETS[0].spec         # the network training now
        self.targets: list[tuple[pygame.Rect, tuple]] = []   # click rect → action
        self.box = pygame.Rect(0, 0, 0, 0)
        self._dim: pygame.Surface | None = None
        self._measured: tuple = (None, 0)       # (what was measured, the box height it needs)

    # --- state -----------------------------------------------------------------------------
    def preset(self, i: int) -> Draft:
        """Preset i as a draft for the data the app trains on (its last layer one output per class)."""
        d = self.draft
        return Draft.of(preset_spec(PRESETS[i], d.input_shape, d.classes), d.input_shape, d.classes)

    def open(self, spec: str, input_shape: tuple | None = None, classes: int | None = None) -> None:
        self.current = spec
        self.draft = Draft.of(spec, input_shape or self.draft.input_shape, classes or self.draft.classes)
        self.visible = True

    @property
    def checked(self):
        return self.draft.check()

    def _act(self, action: tuple):
        kind = action[0]
        if kind == "preset":
            self.draft = self.preset(action[1])
        elif kind == "adjust":
            self.draft = self.draft.adjust(action[3], action[1], action[2])
        elif kind == "row":
            self.draft = Draft(self.draft.layers, action[1], self.draft.field, self.draft.input_shape,
                               self.draft.classes)
        elif kind == "close":
            self.visible = False
            return "close"
        elif kind == "train":
            arch = self.checked
            if isinstance(arch, Arch):
                self.visible = False
                return ("train", arch.spec)
        return None

    def handle(self, event):
        """A key or click → None, "close" or ("train", spec)."""
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for rect, action in self.targets:
                if rect.collidepoint(event.pos):
                    return self._act(action)
            return None
        if event.type != pygame.KEYDOWN:
            return None
        key, char = event.key, event.unicode
        if key in (pygame.K_ESCAPE, pygame.K_a):
            return self._act(("close",))
        if key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            return self._act(("train",))
        if key == pygame.K_UP:
            self.draft = self.draft.select(-1)
        elif key == pygame.K_DOWN:
            self.draft = self.draft.select(+1)
        elif key == pygame.K_LEFT:
            self.draft = self.draft.choose_field(-1)
        elif key == pygame.K_RIGHT:
            self.draft = self.draft.choose_field(+1)
        elif key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS) or char == "+":
            self.draft = self.draft.adjust(+1)
        elif key in (pygame.K_MINUS, pygame.K_KP_MINUS) or char == "-":
            self.draft = self.draft.adjust(-1)
        elif char and char in "12345"[:len(PRESETS)]:
            self.draft = self.preset(int(char) - 1)
        return None

    # --- drawing -----------------------------------------------------------------------------
    def draw(self, target: pygame.Surface) -> None:
        th, sz = self.theme, self.sizes
        w, h = target.get_size()
        if self._dim is None or self._dim.get_size() != (w, h):
            self._dim = pygame.Surface((w, h), pygame.SRCALPHA)
            self._dim.fill((0, 0, 0, 190))
        target.blit(self._dim, (0, 0))
        margin, pad = sz.px(12), sz.px(16)
        box = pygame.Rect(margin, margin, w - 2 * margin, h - 2 * margin)
        box.h = min(box.h, self._height(box, pad))     # as tall as what it holds; the top stays put,
                                                        # so the − + buttons never move under the mouse
        self.box = box
        pygame.draw.rect(target, th.panel, box, border_radius=10)
        pygame.draw.rect(target, th.accent, box, 2, border_radius=10)
        self.targets = []
        inner = box.inflate(-2 * pad, -2 * pad)
        with CHECK.scope(self.name, box, layer=1):
            y = self._sections(target, inner)
            bottom = self._footer(target, inner)
            self._chain(target, pygame.Rect(inner.x, y, inner.w, bottom - y))

    def _sections(self, target, inner) -> int:
        y = self._header(target, inner)
        y = self._presets(target, inner, y)
        y = self._spec(target, inner, y)
        y = self._table(target, inner, y)
        return self._status(target, inner, y)

    def _height(self, box: pygame.Rect, pad: int) -> int:
        """The box height that holds everything (drawn once on a scratch surface per draft and
        window size, its texts not recorded)."""
        key = (self.draft, self.current, box.size, self.sizes)
        if key != self._measured[0]:
            tx, sz = self.text, self.sizes
            scratch = pygame.Surface(box.size)
            inner = pygame.Rect(pad, pad, box.w - 2 * pad, 100_000)
            with CHECK.scope(f"{self.name}:measure", None, layer=1):
                y = self._sections(scratch, inner)
                y = self._chain(scratch, pygame.Rect(inner.x, y, inner.w, 100_000))
            CHECK.forget(f"{self.name}:measure")
            footer = tx.line(sz.body) + sz.px(10) + sz.px(8)
            self.targets = []
            self._measured = (key, y + sz.px(8) + footer + pad)
        return self._measured[1]

    def _header(self, target, inner) -> int:
        th, tx, sz = self.theme, self.text, self.sizes
        r = tx.draw(target, "Design the network", inner.topleft, sz.title, th.text, "bold")
        sub = first_fitting(tx, ("a preset, or − and + on a conv layer's settings; Enter trains it from fresh weights",
                                 "a preset, or − + on a conv layer; Enter trains it", "Enter trains it"),
                            inner.right - r.right - sz.px(16), sz.small)
        if sub:
            tx.draw(target, sub, (r.right + sz.px(16), r.bottom - 2), sz.small, th.muted, anchor="bottomleft")
        return r.bottom + sz.px(10)

    def _button(self, target, rect, label, key, action, hot=False) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        pygame.draw.rect(target, th.panel_border if hot else th.panel, rect, border_radius=6)
        pygame.draw.rect(target, th.accent if hot else th.panel_border, rect, 1, border_radius=6)
        kw = tx.width(key, sz.small, "bold") if key else 0
        lw = tx.width(label, sz.body)
        x = rect.centerx - (kw + (sz.px(6) if key else 0) + lw) // 2
        if key:
            tx.draw(target, key, (x, rect.centery), sz.small, th.accent, "bold", anchor="midleft")
            x += kw + sz.px(6)
        tx.draw(target, label, (x, rect.centery), sz.body, th.text, anchor="midleft")
        self.targets.append((rect, action))

    def _presets(self, target, inner, y) -> int:
        th, tx, sz = self.theme, self.text, self.sizes
        bh, gap = tx.line(sz.body) + sz.px(8), sz.px(8)
        r = tx.draw(target, "Presets", (inner.x, y + bh // 2), sz.body, th.muted, "bold", anchor="midleft")
        x = x0 = r.right + sz.px(12)
        spec = self.draft.spec
        for i, preset in enumerate(PRESETS):
            key = str(i + 1)
            bw = tx.width(key, sz.small, "bold") + sz.px(6) + tx.width(preset.name, sz.body) + sz.px(18)
            if x + bw > inner.right and x > x0:
                x, y = x0, y + bh + gap
            self._button(target, pygame.Rect(x, y, bw, bh), preset.name, key, ("preset", i),
                         hot=preset_spec(preset, self.draft.input_shape, self.draft.classes) == spec)
            x += bw + gap
        y += bh + sz.px(4)
        why = next((p.why for p in PRESETS if preset_spec(p, self.draft.input_shape, self.draft.classes) == spec), None)
        if why:
            for line in wrap(tx, why, inner.right - x0, sz.small):
                tx.draw(target, line, (x0, y), sz.small, th.muted)
                y += tx.line(sz.small)
        return y + sz.px(8)

    def _spec(self, target, inner, y) -> int:
        """The spec as --arch takes it, broken at its dashes when it is wider than the box."""
        th, tx, sz = self.theme, self.text, self.sizes
        r = tx.draw(target, "--arch", (inner.x, y), sz.body, th.muted, "bold")
        x0 = r.right + sz.px(12)
        line, lines = "", []
        for token in self.draft.spec.split("-"):
            trial = f"{line}-{token}" if line else token
            if line and tx.width(trial + "-", sz.body, "mono") > inner.right - x0:
                lines.append(line + "-")
                line = token
            else:
                line = trial
        lines.append(line)
        for text in lines:
            tx.draw(target, text, (x0, y), sz.body, th.text, "mono")
            y += tx.line(sz.body, "mono")
        return y + sz.px(10)

    def _table(self, target, inner, y) -> int:
        th, tx, sz = self.theme, self.text, self.sizes
        rows = self.draft.conv_rows()
        if not rows:
            r = tx.draw(target, "no conv layers: a preset brings some back", (inner.x, y), sz.body, th.muted)
            return r.bottom + sz.px(8)
        draft = self.draft
        row_h = tx.line(sz.body) + sz.px(10)
        cell_w = max(tx.width(str(v), sz.body, "bold") for v in (256, 88)) + 2 * (tx.width("+", sz.body) + sz.px(18))
        name_w = tx.width("conv10", sz.body, "bold") + sz.px(16)
        input_w = max(tx.width(f"{s[0]}×{s[1]}×{s[2]}", sz.body) for _, s, _ in rows if s) if any(
            s for _, s, _ in rows) else tx.width("?", sz.body)
        input_w = max(input_w, tx.width("input", sz.small)) + sz.px(16)
        x_cells = inner.x + name_w + input_w
        x_out = x_cells + len(FIELDS) * cell_w + sz.px(8)
        heads = [("layer", inner.x), ("input", inner.x + name_w)] + [
            (f, x_cells + i * cell_w + cell_w // 2) for i, f in enumerate(FIELDS)]
        out_head = first_fitting(tx, ("output size = (W − F + 2P)/S + 1", "(W − F + 2P)/S + 1", "output"),
                                 inner.right - x_out, sz.small)
        for i, (head, x) in enumerate(heads):
            tx.draw(target, head, (x, y), sz.small, th.muted, anchor="midtop" if i >= 2 else "topleft")
        if out_head:
            tx.draw(target, out_head, (x_out, y), sz.small, th.muted)
        y += tx.line(sz.small) + sz.px(2)
        for n, (name, shape, formula) in enumerate(rows[:MAX_ROWS]):
            selected = n == draft.selected
            row = pygame.Rect(inner.x - sz.px(4), y, inner.w + sz.px(8), row_h)
            if selected:
                pygame.draw.rect(target, th.panel_border, row, border_radius=4)
            self.targets.append((pygame.Rect(inner.x, y, name_w + input_w, row_h), ("row", n)))
            cy = y + row_h // 2
            tx.draw(target, name, (inner.x, cy), sz.body, th.accent if selected else th.text, "bold", anchor="midleft")
            tx.draw(target, f"{shape[0]}×{shape[1]}×{shape[2]}" if shape else "?", (inner.x + name_w, cy), sz.body,
                    th.text if shape else th.bad, anchor="midleft")
            for i, field in enumerate(FIELDS):
                cell = pygame.Rect(x_cells + i * cell_w + sz.px(3), y + sz.px(2), cell_w - sz.px(6), row_h - sz.px(4))
                self._stepper(target, cell, draft.value(n, field), n, field, selected and i == draft.field)
            if formula:
                text = first_fitting(tx, (formula, formula.split(" → ")[0], formula.split(" = ")[-1]),
                                     inner.right - x_out, sz.body)
                if text:
                    bad = formula.split(" = ")[-1].startswith(("0", "−"))
                    tx.draw(target, text, (x_out, cy), sz.body, th.bad if bad else th.text, anchor="midleft")
            y += row_h
        if len(rows) > MAX_ROWS:
            r = tx.draw(target, f"+{len(rows) - MAX_ROWS} more conv layers not shown here (the spec above has them)",
                        (inner.x, y + 2), sz.small, th.muted)
            y = r.bottom
        return y + sz.px(10)

    def _stepper(self, target, cell, value, conv, field, hot) -> None:
        """[− value +]: the two ends are buttons."""
        th, tx, sz = self.theme, self.text, self.sizes
        pygame.draw.rect(target, th.background, cell, border_radius=4)
        pygame.draw.rect(target, th.accent if hot else th.panel_border, cell, 2 if hot else 1, border_radius=4)
        side = tx.width("+", sz.body) + sz.px(14)
        minus = pygame.Rect(cell.x, cell.y, side, cell.h)
        plus = pygame.Rect(cell.right - side, cell.y, side, cell.h)
        tx.draw(target, "−", minus.center, sz.body, th.accent, "bold", anchor="center")
        tx.draw(target, "+", plus.center, sz.body, th.accent, "bold", anchor="center")
        tx.draw(target, str(value), cell.center, sz.body, th.text, "bold", anchor="center")
        self.targets += [(minus, ("adjust", conv, field, -1)), (plus, ("adjust", conv, field, +1))]

    def _status(self, target, inner, y) -> None:
        """What the engine says of the draft: the network's shapes and size, or why it is refused."""
        th, tx, sz = self.theme, self.text, self.sizes
        arch = self.checked
        if isinstance(arch, Arch):
            convs, dense = len(arch.of_type(Conv)), len(arch.of_type(Dense))
            flat = arch.shape_of("flat")[0]
            same = " (the network training now)" if arch.spec == self.current else ""
            text = (f"✓ the engine accepts it: {convs} conv and {dense} dense layers, {flat} values flattened, "
                    f"{arch.param_count:,} parameters{same}")
            colour = th.good
        else:
            text, colour = f"✗ refused: {refusal(arch)}", th.bad
        for line in wrap(tx, text, inner.w, sz.body):
            tx.draw(target, line, (inner.x, y), sz.body, colour)
            y += tx.line(sz.body)
        return y + sz.px(12)

    def _chain(self, target, room: pygame.Rect) -> None:
        """Every layer of an accepted draft as a box with the shape it outputs for one image,
        in order, wrapped into rows; the boxes that do not fit are counted, not cut."""
        th, tx, sz = self.theme, self.text, self.sizes
        arch = self.checked
        if not isinstance(arch, Arch) or room.h < 3 * tx.line(sz.small):
            return room.y
        head = first_fitting(tx, ("layer by layer: each box is a layer and the shape of what it outputs for one image",
                                  "layer by layer, with output shapes"), room.w, sz.small) or ""
        r = tx.draw(target, head, room.topleft, sz.small, th.muted)
        names = ("input",) + tuple(layer.name for layer in arch.layers)
        shapes = (arch.shape_of("input"),) + arch.shapes
        boxes = []
        for name, shape in zip(names, shapes):
            top = name if name != "flat" else "flatten"
            bottom = "×".join(map(str, shape))
            w = max(tx.width(top, sz.small, "bold"), tx.width(bottom, sz.small)) + sz.px(12)
            boxes.append((top, bottom, w))
        box_h = 2 * tx.line(sz.small) + sz.px(8)
        arrow = tx.width("→", sz.body) + sz.px(8)
        rows, x = [[]], room.x                      # the boxes' x, row by row
        for i, (_, _, w) in enumerate(boxes):
            if x + w > room.right and rows[-1]:
                rows.append([])
                x = room.x
            rows[-1].append(x)
            x += w + (arrow if i + 1 < len(boxes) and x + w + arrow + boxes[i + 1][2] <= room.right else sz.px(8))
        top = r.bottom + sz.px(6)
        row_h = box_h + sz.px(8)
        fit = len(rows)
        while fit and top + fit * row_h - sz.px(8) + (tx.line(sz.small) if fit < len(rows) else 0) > room.bottom:
            fit -= 1                                # say how many are left rather than cut a row
        i = 0
        for row, xs in enumerate(rows[:fit]):
            y = top + row * row_h
            for x in xs:
                label, bottom, w = boxes[i]
                rect = pygame.Rect(x, y, w, box_h)
                pygame.draw.rect(target, th.background, rect, border_radius=4)
                pygame.draw.rect(target, th.panel_border, rect, 1, border_radius=4)
                tx.draw(target, label, (rect.centerx, rect.y + sz.px(4)), sz.small, th.text, "bold", anchor="midtop")
                tx.draw(target, bottom, (rect.centerx, rect.bottom - sz.px(4)), sz.small, th.muted, anchor="midbottom")
                i += 1
                if i < len(boxes) and x + w + arrow + boxes[i][2] <= room.right and x + w + arrow == (
                        xs[xs.index(x) + 1] if xs.index(x) + 1 < len(xs) else None):
                    tx.draw(target, "→", (x + w + arrow // 2, rect.centery), sz.body, th.muted, anchor="center")
        y = top + fit * row_h
        if fit < len(rows):
            r = tx.draw(target, f"+{len(boxes) - i} more layers not shown", (room.x, y), sz.small, th.muted)
            return r.bottom
        return y - sz.px(8)

    def _footer(self, target, inner) -> int:
        th, tx, sz = self.theme, self.text, self.sizes
        bh = tx.line(sz.body) + sz.px(10)
        y = inner.bottom - bh
        labels = [("Train this network", "Enter", ("train",))] if isinstance(self.checked, Arch) else []
        x = inner.right
        for label, key, action in labels + [("Cancel", "Esc", ("close",))]:
            bw = tx.width(key, sz.small, "bold") + sz.px(6) + tx.width(label, sz.body) + sz.px(24)
            x -= bw
            self._button(target, pygame.Rect(x, y, bw, bh), label, key, action)
            x -= sz.px(10)
        keys = first_fitting(tx, KEYS_LINE, x - inner.x - sz.px(10), sz.small)
        if keys:
            tx.draw(target, keys, (inner.x, y + bh // 2), sz.small, th.muted, anchor="midleft")
        return y - sz.px(8)
